"""Running the metric SQL files, in order, against a warehouse connection.

Each file rebuilds one derived table from the raw tables (``CREATE OR REPLACE``), so a recompute is
idempotent and needs no clean-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from pulse.warehouse import run_sql_file, table_count

SQL_DIR = Path(__file__).with_name("sql")

# The tables the files build, in build order; each file's name after its order prefix.
METRIC_TABLES = ("deployments", "changes", "incidents", "failed_deployments", "metrics_weekly", "teams")


@dataclass(frozen=True)
class MetricParams:
    """The settings the metric SQL binds as parameters."""

    organisation: str
    production_branch: str
    bots: Sequence[str]
    window_hours: int
    week_from: date
    week_to: date

    def bound(self) -> dict[str, object]:
        values = asdict(self)
        values["bots"] = [b.lower() for b in self.bots]
        return values


def week_start(day: date | datetime) -> date:
    """Monday of the ISO week containing ``day``."""
    d = day.date() if isinstance(day, datetime) else day
    return d - timedelta(days=d.weekday())


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def compute_metrics(
    con: duckdb.DuckDBPyConnection, params: MetricParams, log: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Rebuild every derived table; returns the row count of each."""
    counts: dict[str, int] = {}
    for path in sql_files():
        started = time.perf_counter()
        run_sql_file(con, path, params.bound())
        table = path.stem.split("_", 1)[1]
        counts[table] = table_count(con, table)
        if log:
            log(f"{table}: {counts[table]} rows ({time.perf_counter() - started:.2f}s)")
    return counts
