"""Running the metric SQL files, in order, against a warehouse connection.

Each file rebuilds one derived table (or view) from the raw tables (``CREATE OR REPLACE``), so a recompute is
idempotent and needs no clean-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from metrics.incremental import START_OF_TIME, full_plan, mark_unfinished, plan_recompute, save_state
from pulse.warehouse import run_sql_file, set_meta, table_count

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


# pulse_meta key: how the last computation went ("incremental recompute from ... (why)" or "full recompute (why)").
LAST_RECOMPUTE_KEY = "metrics_last_recompute"
# Tables earlier versions built that nothing builds now: a full recompute drops them.
OBSOLETE_TABLES = ("metric_facts",)

# Intermediate tables and views stay in the working warehouse; everything else is published to the serving copy.
INTERMEDIATE_TABLES = (
    "deployment_attempts",
    "change_candidates",
    "incident_reports",
    "incident_fixes",
)


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


def rules_ran(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a GitHub sync has applied the configured detection rules to this warehouse (else the SQL falls
    back to the built-in default rules on the raw tables)."""
    rows = con.execute("SELECT count(*) FROM pulse_meta WHERE key = 'github_rules_applied_at'").fetchall()
    return rows[0][0] > 0


def _replace_other_kind(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> None:
    """Drop ``name`` when the file now builds it as the other kind (view <-> table): ``CREATE OR REPLACE``
    cannot replace a table with a view, and older warehouses hold tables where views are built now."""
    builds_view = f"CREATE OR REPLACE VIEW {name} " in path.read_text(encoding="utf-8")
    kinds = con.execute(
        "SELECT 'view' FROM duckdb_views() WHERE view_name = $n AND schema_name = 'main' AND NOT internal "
        "UNION ALL SELECT 'table' FROM duckdb_tables() WHERE table_name = $n AND schema_name = 'main'",
        {"n": name},
    ).fetchall()
    for (kind,) in kinds:
        if kind == "view" and not builds_view:
            con.execute(f"DROP VIEW {name}")
        elif kind == "table" and builds_view:
            con.execute(f"DROP TABLE {name}")


def run_metric_file(con: duckdb.DuckDBPyConnection, path: Path, params: Mapping[str, Any]) -> None:
    """Run one metric SQL file: its parameters from ``params``; ``$rules_ran`` read from the warehouse and
    ``$since`` the start of time (a full rebuild of the file's table) unless given."""
    table = path.stem.split("_", 1)[1]
    if "rules_ran" not in params:
        params = {**params, "rules_ran": rules_ran(con)}
    if "since" not in params:
        params = {**params, "since": START_OF_TIME}
    if "period_since" not in params:
        params = {**params, "period_since": params["since"]}
    params = {**params, "start_of_time": START_OF_TIME}
    if params["since"] == START_OF_TIME and _is_incremental(path):
        # A full rebuild starts from an empty table of the current shape.
        con.execute(f"DROP TABLE IF EXISTS {table}")
    _replace_other_kind(con, path, table)
    changed = CHANGED_ROWS.get(table)
    compare = changed is not None and params["since"] != START_OF_TIME and _table_exists(con, table)
    if changed is not None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {changed} (incident_id TEXT, created_at TIMESTAMP)")
    # Rows are compared by a 64-bit hash of the whole row: copying and comparing the rows themselves (lists of
    # references among them) cost more than the rebuild they save.
    fingerprinted = f"SELECT incident_id, created_at, hash(t) AS row_hash FROM {table} t"
    if compare:
        con.execute(f"CREATE OR REPLACE TEMP TABLE rows_before AS {fingerprinted}")
    run_sql_file(con, path, params)
    if compare:
        # Every row that differs, old and new versions alike (a new, changed or vanished incident).
        con.execute(
            f"""INSERT INTO {changed}
            SELECT incident_id, created_at FROM (
                ({fingerprinted} EXCEPT FROM rows_before) UNION ALL (FROM rows_before EXCEPT {fingerprinted})
            )"""
        )
        con.execute("DROP TABLE rows_before")


# Tables whose changed rows the files after them need to know: table -> the temp table that lists them. Filled
# by comparing the table before and after its file runs; empty in a full rebuild (everything is rebuilt anyway).
CHANGED_ROWS = {"incident_reports": "changed_incident_reports"}


def _is_incremental(path: Path) -> bool:
    """Files that rebuild only rows at or after ``$since`` (and keep the rest) declare it in their header."""
    return "\n-- Incremental:" in "\n" + path.read_text(encoding="utf-8")


# Tables whose old rows a recompute can change (an incident resolved now, a deployment found failed now): the
# rows behind metric facts are compared before and after, and the periods containing a difference are rebuilt.
# table -> (the fact's time column, the columns facts read, which rows can hold a fact worth comparing)
FACT_SOURCES = {
    "incidents": ("created_at", ("incident_id", "service", "team", "created_at", "restore_hours"), "true"),
    "deployment_outcomes": (
        "deployed_at",
        ("deployment_key", "service", "team", "deployed_at", "failed", "is_rework", "recovery_hours"),
        "failed OR is_rework",
    ),
}


def compute_metrics(
    con: duckdb.DuckDBPyConnection,
    params: MetricParams,
    log: Callable[[str], None] | None = None,
    *,
    full: bool = True,
) -> dict[str, int]:
    """Rebuild the derived tables; returns the row count of each.

    ``full`` rebuilds everything. Otherwise only what raw rows fetched since the last computation can have
    changed is rebuilt (see ``metrics.incremental``), unless the plan finds that everything must be. Either way
    the result is the same as a full rebuild's, and the state the next plan compares with is saved.
    """
    files = sql_files()
    plan = full_plan(con, params, files, "asked for") if full else plan_recompute(con, params, files)
    since = START_OF_TIME if plan.full else plan.since
    what = "full recompute" if plan.full else f"incremental recompute from {since:%Y-%m-%d %H:%M}"
    if log:
        log(f"{what} ({plan.reason})")
    bound = params.bound() | {"rules_ran": rules_ran(con), "since": since}
    mark_unfinished(con)
    if plan.full:
        for table in OBSOLETE_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("CREATE OR REPLACE TEMP TABLE metric_changes (source TEXT, occurred_at TIMESTAMP)")
    counts: dict[str, int] = {}
    for path in files:
        started = time.perf_counter()
        table = path.stem.split("_", 1)[1]
        watched = FACT_SOURCES.get(table) if not plan.full and _table_exists(con, table) else None
        if watched:
            _snapshot_facts(con, table, watched)
        if not plan.full:
            bound["period_since"] = _period_since(con, since)
        run_metric_file(con, path, bound)
        if watched:
            _record_changed_facts(con, table, watched)
        counts[table] = table_count(con, table)
        if log:
            log(f"{table}: {counts[table]} rows ({time.perf_counter() - started:.2f}s)")
    save_state(con, plan)
    set_meta(con, {LAST_RECOMPUTE_KEY: f"{what} ({plan.reason})"})
    return counts


def _period_since(con: duckdb.DuckDBPyConnection, since: datetime) -> datetime:
    """The earliest time of a metric fact that changed: rows rebuilt from ``since`` on, and older rows found
    changed by comparison (see FACT_SOURCES)."""
    rows = con.execute("SELECT min(occurred_at) FROM metric_changes").fetchall()
    return min(since, rows[0][0]) if rows[0][0] is not None else since


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [table]
    ).fetchall()
    return rows[0][0] > 0


def _snapshot_facts(con: duckdb.DuckDBPyConnection, table: str, watched: tuple[str, tuple[str, ...], str]) -> None:
    _, columns, where = watched
    con.execute(f"CREATE OR REPLACE TEMP TABLE facts_before AS SELECT {', '.join(columns)} FROM {table} WHERE {where}")


def _record_changed_facts(
    con: duckdb.DuckDBPyConnection, table: str, watched: tuple[str, tuple[str, ...], str]
) -> None:
    time_column, columns, where = watched
    cols = ", ".join(columns)
    con.execute(
        f"""INSERT INTO metric_changes
        SELECT '{table}', min({time_column}) FROM (
            (SELECT {cols} FROM {table} WHERE {where} EXCEPT SELECT * FROM facts_before)
            UNION ALL
            (SELECT * FROM facts_before EXCEPT SELECT {cols} FROM {table} WHERE {where})
        )"""
    )
    con.execute("DROP TABLE facts_before")
