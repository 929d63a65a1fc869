"""Reading published metrics back out, for the command line and other readers of the serving copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pulse.warehouse import connect

WEEKLY_SQL = Path(__file__).with_name("sql_read") / "team_weeks.sql"


class NoDataError(RuntimeError):
    """The serving copy is missing or holds nothing for the request."""


@dataclass(frozen=True)
class TeamWeek:
    """The five DORA metrics of one team (or the organisation) for one ISO week, with the counts behind them.

    Units: deployments per day; hours for lead time and recovery time; change fail and rework rates as 0..1 ratios.
    Figures are None when nothing stands behind them (no deployments, no deployed changes, no recoveries).
    """

    scope: str
    team: str
    iso_week: str
    week_start: str
    deployments: int
    deployment_days: int
    deployments_per_day: float
    changes: int
    lead_time_median_hours: float | None
    lead_time_p75_hours: float | None
    failed_deployments: int
    change_fail_rate: float | None
    incidents: int
    recoveries: int
    recovery_time_median_hours: float | None
    rework_deployments: int
    rework_rate: float | None


def open_serving(path: Path) -> duckdb.DuckDBPyConnection:
    if not Path(path).is_file():
        raise NoDataError(
            f"{path}: no published metrics yet. Run `pulse run` (or `make demo` for the sample organisation)."
        )
    return connect(path, read_only=True)


def team_weeks(
    serving_path: Path, *, team: str | None = None, weeks: int = 12, include_organisation: bool = True
) -> list[TeamWeek]:
    """The last ``weeks`` ISO weeks of published metrics, per team (optionally one team), oldest week first."""
    con = open_serving(serving_path)
    try:
        if team is not None:
            known = [r[0] for r in con.execute("SELECT team FROM teams ORDER BY team").fetchall()]
            if team not in known:
                raise NoDataError(f"unknown team {team!r}; known teams: {', '.join(known) or 'none'}")
        rows = con.execute(
            WEEKLY_SQL.read_text(encoding="utf-8"),
            {"team": team, "weeks": weeks, "include_organisation": include_organisation and team is None},
        ).fetchall()
        columns = [d[0] for d in con.description]
    finally:
        con.close()
    return [TeamWeek(**dict(zip(columns, row, strict=True))) for row in rows]
