"""The rows behind a figure: which changes, deployments or failures a published number was computed from.

Used by `pulse explain` and by the dashboard's drill-down; reads only the serving copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from metrics.queries import NoDataError, open_serving

SQL_DIR = Path(__file__).with_name("sql_read")

# metric name -> (explain query, the metrics_period columns that make up the figure)
METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "lead_time": (
        "explain_lead_time.sql",
        ("changes", "lead_time_median_hours", "lead_time_p75_hours", "lead_time_p90_hours", "lead_time_tier"),
    ),
    "deployment_frequency": (
        "explain_deployment_frequency.sql",
        (
            "deployments",
            "deployment_days",
            "deployments_per_day",
            "deployment_days_per_week",
            "deployment_frequency_bucket",
            "deployment_frequency_tier",
        ),
    ),
    "change_fail_rate": (
        "explain_change_fail_rate.sql",
        ("deployments", "failed_deployments", "change_fail_rate", "change_fail_rate_tier"),
    ),
    "rework_rate": (
        "explain_rework_rate.sql",
        ("deployments", "rework_deployments", "rework_rate"),
    ),
    "recovery_time": (
        "explain_recovery_time.sql",
        (
            "failed_deployments",
            "recoveries",
            "recovery_time_median_hours",
            "recovery_time_p75_hours",
            "recovery_time_p90_hours",
            "recovery_time_tier",
        ),
    ),
}


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [start, end) with the grain and label metrics_period uses for it."""

    grain: str
    label: str
    start: date
    end: date


@dataclass(frozen=True)
class Explanation:
    """One figure (as published) and the rows it was computed from."""

    metric: str
    scope: str
    name: str
    period: Period
    figure: dict[str, Any]
    columns: list[str]
    rows: list[tuple]


def parse_period(text: str) -> Period:
    """``2026-W47`` (ISO week), ``2026-11`` (month), ``2026-Q4`` (quarter), or ``R28:2026-11-23`` / ``R90:…``
    (rolling 28 or 90 days ending before that Monday)."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError as exc:
            raise ValueError(f"{text!r}: no such ISO week") from exc
        return Period("week", text, start, start + timedelta(days=7))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r}: month must be 01 to 12")
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period("month", text, start, end)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, quarter = int(m[1]), int(m[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return Period("quarter", text, start, end)
    if m := re.fullmatch(r"R(28|90):(\d{4}-\d{2}-\d{2})", text):
        days, end = int(m[1]), date.fromisoformat(m[2])
        if end.weekday() != 0:
            raise ValueError(f"{text!r}: rolling windows end on a Monday")
        return Period(f"rolling_{days}d", f"R{days} to {end.isoformat()}", end - timedelta(days=days), end)
    raise ValueError(f"{text!r}: expected a week (2026-W47), month (2026-11), quarter (2026-Q4) or R28:2026-11-23")


def explain(
    serving_path: Path,
    metric: str,
    period: str,
    *,
    team: str | None = None,
    service: str | None = None,
) -> Explanation:
    """The published figure of ``metric`` for one scope and period, and the rows behind it."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")
    if team and service:
        raise ValueError("give a team or a service, not both")
    scope, name = ("team", team) if team else ("service", service) if service else ("organisation", None)
    when = parse_period(period)
    query, figure_columns = METRICS[metric]
    con = open_serving(serving_path)
    try:
        if name is None:
            name = con.execute("SELECT value FROM pulse_meta WHERE key = 'organisation'").fetchall()[0][0]
        cur = con.execute(
            f"SELECT {', '.join(figure_columns)} FROM metrics_period "
            "WHERE scope = ? AND scope_name = ? AND grain = ? AND period_label = ?",
            [scope, name, when.grain, when.label],
        )
        found = cur.fetchall()
        if not found:
            known = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT scope_name FROM metrics_period WHERE scope = ? ORDER BY 1", [scope]
                ).fetchall()
            ]
            if name not in known:
                raise NoDataError(f"no {scope} named {name!r}; known: {', '.join(known) or 'none'}")
            raise NoDataError(f"no published figure for {scope} {name!r} in {when.label} (outside the history?)")
        figure = dict(zip(figure_columns, found[0], strict=True))
        cur = con.execute(
            (SQL_DIR / query).read_text(encoding="utf-8"),
            {
                "start": datetime.combine(when.start, datetime.min.time()),
                "end": datetime.combine(when.end, datetime.min.time()),
                "scope": scope,
                "name": name,
            },
        )
        rows = cur.fetchall()
        columns = [d[0] for d in cur.description]
    finally:
        con.close()
    return Explanation(metric, scope, name, when, figure, columns, rows)
