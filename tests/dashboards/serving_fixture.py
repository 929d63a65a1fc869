"""A small hand-made serving DuckDB file for the dashboard and report tests.

Organisation ``acme`` with four teams over 2026-W44 .. 2026-W48, refreshed on Monday 2026-11-23 (W48),
so the latest complete week is 2026-W47 and W48 is a partial week that must not be shown as complete:

- ``payments``: busy every week.
- ``search``: deploys until W46, nothing at all in W47 (an idle week).
- ``mobile``: starts in W46, deploys but never records a change, so its lead time is NULL.
- ``platform``: a configured team without repositories and without any rows.

The organisation rows are set by hand (medians do not add up), the numbers in the tests are read off here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

ORGANISATION = "acme"
REFRESHED_AT = "2026-11-23T08:15:00Z"

COLUMNS = (
    "scope",
    "scope_name",
    "week_start",
    "iso_week",
    "deployments",
    "deployment_days",
    "deployments_per_day",
    "changes",
    "lead_time_median_hours",
    "lead_time_p75_hours",
    "failed_deployments",
    "change_fail_rate",
    "incidents",
    "recoveries",
    "recovery_time_median_hours",
)

_WEEKS = {
    "2026-W44": date(2026, 10, 26),
    "2026-W45": date(2026, 11, 2),
    "2026-W46": date(2026, 11, 9),
    "2026-W47": date(2026, 11, 16),
    "2026-W48": date(2026, 11, 23),
}


def _row(
    scope: str,
    name: str,
    week: str,
    deployments: int,
    days: int,
    changes: int,
    lead: float | None,
    p75: float | None,
    failed: int,
    incidents: int,
    recoveries: int,
    recovery: float | None,
) -> dict[str, Any]:
    return {
        "scope": scope,
        "scope_name": name,
        "week_start": _WEEKS[week],
        "iso_week": week,
        "deployments": deployments,
        "deployment_days": days,
        "deployments_per_day": deployments / 7,
        "changes": changes,
        "lead_time_median_hours": lead,
        "lead_time_p75_hours": p75,
        "failed_deployments": failed,
        "change_fail_rate": failed / deployments if deployments else None,
        "incidents": incidents,
        "recoveries": recoveries,
        "recovery_time_median_hours": recovery,
    }


ORG, TEAM = "organisation", "team"

# scope, name, week, deployments, days, changes, lead median, p75, failed, incidents, recoveries, recovery
DEFAULT_ROWS: list[dict[str, Any]] = [
    _row(ORG, ORGANISATION, "2026-W44", 5, 4, 6, 40.0, 55.0, 1, 1, 1, 4.0),
    _row(ORG, ORGANISATION, "2026-W45", 6, 4, 7, 30.0, 45.0, 0, 0, 0, None),
    _row(ORG, ORGANISATION, "2026-W46", 8, 5, 9, 36.0, 50.0, 2, 2, 1, 3.0),
    _row(ORG, ORGANISATION, "2026-W47", 9, 5, 10, 20.0, 26.0, 1, 1, 1, 1.5),
    _row(ORG, ORGANISATION, "2026-W48", 1, 1, 1, 2.0, 2.0, 0, 0, 0, None),
    _row(TEAM, "payments", "2026-W44", 3, 3, 4, 35.0, 50.0, 1, 1, 1, 4.0),
    _row(TEAM, "payments", "2026-W45", 4, 3, 5, 28.0, 40.0, 0, 0, 0, None),
    _row(TEAM, "payments", "2026-W46", 4, 3, 6, 30.0, 40.0, 1, 1, 1, 3.0),
    _row(TEAM, "payments", "2026-W47", 7, 5, 10, 20.0, 26.0, 1, 1, 1, 1.5),
    _row(TEAM, "payments", "2026-W48", 1, 1, 1, 2.0, 2.0, 0, 0, 0, None),
    _row(TEAM, "search", "2026-W44", 2, 2, 2, 60.0, 70.0, 0, 0, 0, None),
    _row(TEAM, "search", "2026-W45", 2, 1, 2, 40.0, 50.0, 0, 0, 0, None),
    _row(TEAM, "search", "2026-W46", 3, 2, 3, 50.0, 60.0, 0, 0, 0, None),
    _row(TEAM, "search", "2026-W47", 0, 0, 0, None, None, 0, 0, 0, None),
    _row(TEAM, "mobile", "2026-W46", 1, 1, 0, None, None, 1, 1, 0, None),
    _row(TEAM, "mobile", "2026-W47", 2, 2, 0, None, None, 0, 0, 0, None),
]

DEFAULT_TEAMS: list[tuple[str, int, int]] = [
    ("mobile", 2, 1),
    ("payments", 3, 2),
    ("platform", 0, 0),
    ("search", 1, 1),
]

DEFAULT_META: dict[str, str] = {
    "organisation": ORGANISATION,
    "refreshed_at": REFRESHED_AT,
    "history_start": "2026-10-26",
    "history_end": "2026-11-23",
}

_DDL = """
CREATE TABLE metrics_weekly (
    scope TEXT, scope_name TEXT, week_start DATE, iso_week TEXT,
    deployments INTEGER, deployment_days INTEGER, deployments_per_day DOUBLE,
    changes INTEGER, lead_time_median_hours DOUBLE, lead_time_p75_hours DOUBLE,
    failed_deployments INTEGER, change_fail_rate DOUBLE,
    incidents INTEGER, recoveries INTEGER, recovery_time_median_hours DOUBLE,
    rework_deployments INTEGER DEFAULT 0, rework_rate DOUBLE
);
CREATE TABLE teams (team TEXT, repositories INTEGER, pagerduty_services INTEGER);
CREATE TABLE pulse_meta (key TEXT, value TEXT);
"""


def build_serving_db(
    path: Path,
    rows: list[dict[str, Any]] | None = None,
    teams: list[tuple[str, int, int]] | None = None,
    meta: dict[str, str] | None = None,
) -> Path:
    """Write a serving file at ``path`` with the given (default: the module's) rows, teams and meta."""
    rows = DEFAULT_ROWS if rows is None else rows
    teams = DEFAULT_TEAMS if teams is None else teams
    meta = DEFAULT_META if meta is None else meta
    placeholders = ", ".join("?" for _ in COLUMNS)
    con = duckdb.connect(str(path))
    try:
        con.execute(_DDL)
        con.executemany(
            f"INSERT INTO metrics_weekly ({', '.join(COLUMNS)}) VALUES ({placeholders})",
            [[row[c] for c in COLUMNS] for row in rows],
        )
        con.executemany("INSERT INTO teams VALUES (?, ?, ?)", teams)
        con.executemany("INSERT INTO pulse_meta VALUES (?, ?)", list(meta.items()))
    finally:
        con.close()
    return path
