"""How much of the metric tables a recompute has to rebuild.

A full recompute rebuilds every table from the raw ones. An incremental one rebuilds only what new raw rows can
have changed: the rows of the deployment and change tables whose event time is at or after ``since`` (the
earliest event time among the raw rows fetched after the last computation), the sparse tables in full
(incidents, failed deployments), and the periods of ``metrics_period`` that contain a changed fact.

A full recompute is needed whenever something that applies to old rows changed, so the plan compares a
fingerprint of those things with the one stored by the last computation: the metric SQL itself, the settings
it binds (except the reporting range, which ``metrics_period`` follows by itself), team ownership and the
catalog tables, and the GitHub detection rules (recorded by the sync). Rows deleted from raw tables are not
seen by an incremental update; ``pulse metrics --full`` (or any fingerprint change) rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pulse.warehouse import set_meta

if TYPE_CHECKING:
    from metrics.runner import MetricParams

STATE_KEY = "metrics_state"
GITHUB_RULES_KEY = "github_rules_fingerprint"
# What a full recompute passes as $since: every row is at or after it.
START_OF_TIME = datetime(1, 1, 1)

CHANGED_SINCE_SQL = Path(__file__).with_name("sql_read") / "changed_since.sql"
# SQL the metric files' Python steps run (metrics.runner.PREPARED_BY): part of the definitions too.
STEP_SQL_FILES = sorted(Path(__file__).with_name("sql_steps").glob("*.sql"))

# Small inputs whose change applies to old rows (team and service of every row, the platform rules): their
# content is part of the fingerprint. Load times are left out, or every load would force a full recompute.
FINGERPRINTED_TABLES = (
    "team_ownership",
    "raw_team_hierarchy",
    "raw_catalog_services",
    "raw_catalog_workflow_calls",
    "raw_adoption_settings",
)
LOAD_TIME_COLUMNS = ("fetched_at", "loaded_at")
# The reporting range moves with the calendar; metrics_period adds and drops its periods by itself.
RANGE_PARAMS = ("week_from", "week_to")


@dataclass(frozen=True)
class RecomputePlan:
    """What the next recompute rebuilds. ``since`` None means everything (``reason`` says why)."""

    since: datetime | None
    reason: str
    fingerprint: str
    watermark: datetime | None  # the latest fetched_at of the raw tables when planned

    @property
    def full(self) -> bool:
        return self.since is None


def plan_recompute(con: duckdb.DuckDBPyConnection, params: MetricParams, sql_files: list[Path]) -> RecomputePlan:
    fingerprint = compute_fingerprint(con, params, sql_files)
    watermark = _latest_fetch(con)
    state = read_state(con)
    if state is None:
        return RecomputePlan(None, "no earlier computation", fingerprint, watermark)
    if state.get("unfinished"):
        # Its tables may be half rebuilt: nothing of them can be trusted to build on.
        return RecomputePlan(None, "the last computation did not finish", fingerprint, watermark)
    if state.get("fingerprint") != fingerprint:
        return RecomputePlan(
            None, "the metric SQL, its settings, ownership, catalog or detection rules changed", fingerprint, watermark
        )
    last = datetime.fromisoformat(state["watermark"]) if state.get("watermark") else None
    if last is None:
        return RecomputePlan(None, "the last computation saw no raw rows", fingerprint, watermark)
    rows = con.execute(CHANGED_SINCE_SQL.read_text(encoding="utf-8"), {"watermark": last}).fetchall()
    changed_from = rows[0][0]
    if changed_from is None:
        # Nothing new: only the reporting range may have moved.
        return RecomputePlan(
            watermark or last, "no raw rows fetched since the last computation", fingerprint, watermark
        )
    return RecomputePlan(changed_from, f"raw rows fetched after {last.isoformat()}", fingerprint, watermark)


def full_plan(
    con: duckdb.DuckDBPyConnection, params: MetricParams, sql_files: list[Path], reason: str
) -> RecomputePlan:
    return RecomputePlan(None, reason, compute_fingerprint(con, params, sql_files), _latest_fetch(con))


def mark_unfinished(con: duckdb.DuckDBPyConnection) -> None:
    """Recorded before a computation starts changing tables, replaced by its state when it finishes."""
    set_meta(con, {STATE_KEY: json.dumps({"unfinished": True})})


def save_state(con: duckdb.DuckDBPyConnection, plan: RecomputePlan) -> None:
    state = {"fingerprint": plan.fingerprint, "watermark": plan.watermark.isoformat() if plan.watermark else None}
    set_meta(con, {STATE_KEY: json.dumps(state)})


def read_state(con: duckdb.DuckDBPyConnection) -> dict | None:
    rows = con.execute("SELECT value FROM pulse_meta WHERE key = ?", [STATE_KEY]).fetchall()
    return json.loads(rows[0][0]) if rows else None


def compute_fingerprint(con: duckdb.DuckDBPyConnection, params: MetricParams, sql_files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in [*sql_files, *STEP_SQL_FILES]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    settings = {k: v for k, v in asdict(params).items() if k not in RANGE_PARAMS}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for table in FINGERPRINTED_TABLES:
        digest.update(f"{table}:{_table_digest(con, table)}".encode())
    rules = con.execute("SELECT value FROM pulse_meta WHERE key = ?", [GITHUB_RULES_KEY]).fetchall()
    digest.update(f"rules:{rules[0][0] if rules else ''}".encode())
    return digest.hexdigest()[:32]


def _table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Row count and an order-independent sum of row hashes (load times left out); '-' for a missing table."""
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        ).fetchall()
        if r[0] not in LOAD_TIME_COLUMNS
    ]
    if not columns:
        return "-"
    # Identifiers come from the catalog of our own tables, quoted; nothing user-supplied is formatted in.
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    rows = con.execute(f'SELECT count(*), coalesce(sum(hash({quoted})::HUGEINT), 0) FROM "{table}"').fetchall()
    return f"{rows[0][0]}:{rows[0][1]}"


# Raw tables whose rows carry fetched_at: the watermark is the latest of them.
FETCHED_TABLES = (
    "raw_github_deployments",
    "raw_github_workflow_runs",
    "raw_github_pull_requests",
    "raw_github_pull_request_commits",
    "raw_github_pull_request_reviews",
    "raw_github_pull_request_files",
    "raw_github_commits",
    "raw_github_releases",
    "raw_github_tags",
    "raw_github_compares",
    "raw_github_incident_issues",
    "raw_pagerduty_incidents",
)


def _latest_fetch(con: duckdb.DuckDBPyConnection) -> datetime | None:
    union = " UNION ALL ".join(f"SELECT max(fetched_at) AS t FROM {t}" for t in FETCHED_TABLES)
    return con.execute(f"SELECT max(t) FROM ({union})").fetchall()[0][0]
