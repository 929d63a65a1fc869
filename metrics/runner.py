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
BENCHMARKS_CSV = Path(__file__).with_name("benchmarks") / "dora_tiers.csv"


def built_tables() -> tuple[str, ...]:
    """The tables the SQL files build, in build order: each file's name after its order prefix."""
    return tuple(path.stem.split("_", 1)[1] for path in sql_files())


def table_description(table: str) -> str:
    """The Purpose and Grain lines of the header of the file that builds ``table``."""
    path = next(p for p in sql_files() if p.stem.split("_", 1)[1] == table)
    wanted = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        text = line.lstrip("- ").strip()
        if text.startswith(("Purpose:", "Grain:")):
            wanted.append(text)
    return " ".join(wanted)


# Intermediate tables stay in the working warehouse; everything else is published to the serving copy.
INTERMEDIATE_TABLES = ("metric_facts", "incident_reports", "incident_fixes")


@dataclass(frozen=True)
class MetricParams:
    """The settings the metric SQL binds as parameters.

    ``week_from``/``week_to`` (Mondays) bound the weekly series; months and quarters touching that range are
    computed too; rolling 28- and 90-day windows end on each Monday of the last ``rolling_weeks`` weeks.
    """

    organisation: str
    production_branch: str
    bots: Sequence[str]
    window_hours: int
    week_from: date
    week_to: date
    benchmark_year: int = 2024
    min_deployments: int = 5
    min_changes: int = 5
    min_failures: int = 1
    rolling_weeks: int = 26

    def bound(self) -> dict[str, object]:
        values = asdict(self)
        values["bots"] = [b.lower() for b in self.bots]
        values["period_from"] = self.week_from
        values["period_to"] = self.week_to + timedelta(days=6)
        values["rolling_to"] = self.week_to + timedelta(days=7)
        values["rolling_from"] = max(
            self.week_from + timedelta(days=7), values["rolling_to"] - timedelta(weeks=self.rolling_weeks - 1)
        )
        values["benchmarks_csv"] = str(BENCHMARKS_CSV)
        return values


def week_start(day: date | datetime) -> date:
    """Monday of the ISO week containing ``day``."""
    d = day.date() if isinstance(day, datetime) else day
    return d - timedelta(days=d.weekday())


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


METRIC_TABLES = built_tables()
PUBLISHED_TABLES = tuple(t for t in METRIC_TABLES if t not in INTERMEDIATE_TABLES)


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
