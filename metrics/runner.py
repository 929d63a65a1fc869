"""Running the metric SQL files, in order, against a warehouse connection.

Each file builds one derived table (or view) from the raw tables. Most replace it whole (``CREATE OR REPLACE``);
files whose header says ``-- Incremental:`` delete and rebuild only the rows from ``$since`` on, and a full
recompute passes the start of time (after dropping the table, so that it takes the file's current shape). Either
way a recompute is idempotent. ``metrics.incremental`` decides what ``$since`` is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from metrics.incremental import START_OF_TIME, full_plan, mark_unfinished, plan_recompute, save_state
from metrics.period_quantiles import prepare_metrics_period
from pulse.warehouse import run_sql_file, set_meta, table_count, table_exists

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
    "deployment_changes",
    "incident_reports",
    "incident_fixes",
)


# Python steps that build the temp tables a file reads, run just before it (what SQL cannot do fast enough).
PREPARED_BY: dict[str, Callable[[duckdb.DuckDBPyConnection, Mapping[str, Any]], None]] = {
    "metrics_period": prepare_metrics_period,
}


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
    watch = WATCHED.get(table)
    compare = watch is not None and params["since"] != START_OF_TIME and table_exists(con, table)
    _ensure_changed_rows(con)
    if watch is not None:
        con.execute("DELETE FROM changed_rows WHERE source = ?", [table])
    if compare:
        con.execute(f"CREATE OR REPLACE TEMP TABLE rows_before AS {watch.rows(table)}")
    prepare = PREPARED_BY.get(table)
    if prepare is not None:
        prepare(con, params)
    run_sql_file(con, path, params)
    if compare:
        # Every row that differs, old and new versions alike (a new, changed or vanished row).
        now = watch.rows(table)
        con.execute(
            f"""INSERT INTO changed_rows
            SELECT '{table}', row_key, occurred_at FROM (
                ({now} EXCEPT FROM rows_before) UNION ALL (FROM rows_before EXCEPT {now})
            )"""
        )
        con.execute("DROP TABLE rows_before")


@dataclass(frozen=True)
class Watch:
    """How an incremental rebuild tells which rows of a table its file changed.

    Each row that can matter (``where``) is taken as its key, its time and a 64-bit hash of the columns later steps
    read (``version``, over the row alias ``t``); rows that differ before and after the file runs (new, changed or
    vanished) are listed in the temp table ``changed_rows``. Hashes, because copying and comparing whole rows
    (lists of references among them) cost more than the rebuilds they spare.
    """

    key: str
    at: str
    version: str
    where: str = "true"
    fact: bool = False  # the rows are metric facts: the earliest changed one starts what metrics_period rebuilds

    def rows(self, table: str) -> str:
        return (
            f"SELECT {self.key} AS row_key, {self.at} AS occurred_at, {self.version} AS version "
            f"FROM {table} t WHERE {self.where}"
        )


WATCHED = {
    # Later incident files rebuild the incidents whose report changed (the view changed_incident_reports).
    "incident_reports": Watch("incident_id", "created_at", "hash(t)"),
    # An old incident resolved now, a deployment found failed now: old facts of metrics_period that changed.
    "incidents": Watch("incident_id", "created_at", "hash(service, team, restore_hours)", fact=True),
    "deployment_outcomes": Watch(
        "deployment_key",
        "deployed_at",
        "hash(service, team, failed, is_rework, recovery_hours)",
        where="failed OR is_rework",
        fact=True,
    ),
}


def _ensure_changed_rows(con: duckdb.DuckDBPyConnection, *, reset: bool = False) -> None:
    create = "CREATE OR REPLACE TEMP TABLE" if reset else "CREATE TEMP TABLE IF NOT EXISTS"
    con.execute(f"{create} changed_rows (source TEXT, row_key TEXT, occurred_at TIMESTAMP)")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW changed_incident_reports AS "
        "SELECT row_key AS incident_id, occurred_at AS created_at FROM changed_rows WHERE source = 'incident_reports'"
    )


def _is_incremental(path: Path) -> bool:
    """Files that rebuild only rows at or after ``$since`` (and keep the rest) declare it in their header."""
    return "\n-- Incremental:" in "\n" + path.read_text(encoding="utf-8")


def compute_metrics(
    con: duckdb.DuckDBPyConnection,
    params: MetricParams,
    log: Callable[[str], None] | None = None,
    *,
    full: bool = True,
) -> dict[str, int]:
    """Rebuild the derived tables; returns the row count of each table (views are not counted).

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
    _ensure_changed_rows(con, reset=True)
    _warm_up_quantiles()
    counts: dict[str, int] = {}
    with _one_checkpoint(con):
        for path in files:
            started = time.perf_counter()
            table = path.stem.split("_", 1)[1]
            if not plan.full:
                bound["period_since"] = _period_since(con, since)
            run_metric_file(con, path, bound)
            # A view is not counted: counting it would compute it (deployment_changes: seconds).
            if table_exists(con, table):
                counts[table] = table_count(con, table)
            if log:
                size = f"{counts[table]} rows" if table in counts else "view"
                log(f"{table}: {size} ({time.perf_counter() - started:.2f}s)")
        save_state(con, plan)
        set_meta(con, {LAST_RECOMPUTE_KEY: f"{what} ({plan.reason})"})
    return counts


def _warm_up_quantiles() -> None:
    """Import numba and load the compiled quantile code (metrics.quantiles) in the background while the first
    files run: 1-2 s otherwise spent when metrics_period starts. A failure here is left to that real call."""

    def load() -> None:
        try:
            from metrics.quantiles import warm_up

            warm_up()
        except Exception:  # the real call reports it
            pass

    threading.Thread(target=load, name="quantiles-warm-up", daemon=True).start()


@contextmanager
def _one_checkpoint(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Hold DuckDB's automatic checkpoints while the files run, and checkpoint once when they are done.

    DuckDB checkpoints whenever its write-ahead log passes ``checkpoint_threshold`` (16 MiB by default), and each
    checkpoint rewrites the row groups of every table changed since the last: the files, each rewriting part of a
    large table, set off several, rewriting some row groups more than once (a one-week refresh spent 0.3-0.5 s on
    that; benchmarks/README.md). A computation that fails leaves the setting as it was and its writes to DuckDB's
    next checkpoint.
    """
    rows = con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()
    threshold = rows[0][0]
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        yield
    finally:
        con.execute("SET checkpoint_threshold = ?", [threshold])
    con.execute("CHECKPOINT")


def _period_since(con: duckdb.DuckDBPyConnection, since: datetime) -> datetime:
    """The earliest time of a metric fact that changed: rows rebuilt from ``since`` on, and older rows found
    changed by comparison (the fact tables of WATCHED)."""
    facts = [table for table, watch in WATCHED.items() if watch.fact]
    rows = con.execute("SELECT min(occurred_at) FROM changed_rows WHERE list_contains(?, source)", [facts]).fetchall()
    return min(since, rows[0][0]) if rows[0][0] is not None else since
