"""Shapes weekly rows into what the Overview page shows; no Streamlit here so it is testable on its own.

Values that have nothing behind them (no changes, no deployments, no incidents) stay "—" with the reason,
never 0, so an empty week cannot pass for a perfect one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from reporting.presentation import (
    CHANGE_FAIL_RATE,
    CHANGE_LEAD_TIME,
    DEPLOYMENT_FREQUENCY,
    METRICS,
    NO_VALUE,
    RECOVERY_TIME,
    MetricSpec,
    compare,
    format_value,
    metric_value,
    missing_reason,
    sample_text,
    value_text,
)
from reporting.serving import TeamInfo, WeekRow

ALL_TEAMS = "All teams"
WINDOW_CHOICES: tuple[int, ...] = (4, 8, 12, 26, 52)
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class MetricCard:
    """Arguments for one ``st.metric`` card plus the caption (the n behind the value) shown under it."""

    label: str
    value: str
    delta: str | int | None
    delta_color: Literal["normal", "inverse"]
    caption: str
    help: str


def _clean(value: Any) -> Any:
    # pandas turns NULL into NaN (or pd.NA); the presentation layer expects None for "nothing to measure".
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def week_row(frame: pd.DataFrame, scope: str, scope_name: str, week_start: date) -> WeekRow | None:
    """The row of one scope for one week from a ``load_weekly`` frame, or None when there is none."""
    if frame.empty:
        return None
    match = frame[(frame["scope"] == scope) & (frame["scope_name"] == scope_name) & (frame["week_start"] == week_start)]
    if match.empty:
        return None
    record = {k: _clean(v) for k, v in match.iloc[0].to_dict().items()}
    for name in (
        "deployments",
        "deployment_days",
        "changes",
        "failed_deployments",
        "incidents",
        "recoveries",
    ):
        record[name] = int(record[name] or 0)
    return WeekRow(**record)


def organisation_row(frame: pd.DataFrame, week_start: date) -> WeekRow | None:
    """The organisation's row for one week."""
    if frame.empty:
        return None
    names = frame.loc[frame["scope"] == "organisation", "scope_name"].unique()
    return week_row(frame, "organisation", str(names[0]), week_start) if len(names) else None


def metric_card(spec: MetricSpec, current: WeekRow | None, previous: WeekRow | None, previous_week: str) -> MetricCard:
    """The card of one metric for the week, with the change against ``previous`` as the delta."""
    value = metric_value(current, spec)
    change = compare(spec, current, previous)
    delta: str | int | None
    if change.verdict is None:
        delta = None
    elif change.verdict == "same":
        # A numeric zero makes st.metric draw a grey, arrow-less delta.
        delta = 0
    else:
        delta = change.text
    caption = sample_text(current, spec)
    if spec is CHANGE_LEAD_TIME and current is not None and current.lead_time_p75_hours is not None:
        caption += f" · p75 {format_value(spec, current.lead_time_p75_hours)}"
    if delta is None and value is not None:
        caption += f" · {previous_week} had {missing_reason(previous, spec) or 'no value'}"
    return MetricCard(
        label=spec.label,
        value=NO_VALUE if value is None else format_value(spec, value),
        delta=delta,
        delta_color="inverse" if spec.lower_is_better else "normal",
        caption=caption,
        help=spec.definition,
    )


def organisation_cards(
    frame: pd.DataFrame, week_start: date, previous_start: date, previous_week: str
) -> list[MetricCard]:
    """The four DORA cards of the organisation for ``week_start``, compared with ``previous_start``."""
    current = organisation_row(frame, week_start)
    previous = organisation_row(frame, previous_start)
    return [metric_card(spec, current, previous, previous_week) for spec in METRICS]


TABLE_COLUMNS = (
    "Team",
    "Deployment frequency",
    "Deployments",
    "Lead time (median)",
    "Changes",
    "Change fail rate",
    "Failed",
    "Recovery time (median)",
    "Incidents",
)


def team_table(frame: pd.DataFrame, teams: Sequence[str], week_start: date) -> pd.DataFrame:
    """One row per team: the four metrics of the week as text and the counts behind them.

    Counts are empty (not 0) for a team without a row that week, so "no data" is not read as "no work".
    """
    records = []
    for team in teams:
        row = week_row(frame, "team", team, week_start)
        records.append(
            {
                "Team": team,
                "Deployment frequency": value_text(row, DEPLOYMENT_FREQUENCY),
                "Deployments": None if row is None else row.deployments,
                "Lead time (median)": value_text(row, CHANGE_LEAD_TIME),
                "Changes": None if row is None else row.changes,
                "Change fail rate": value_text(row, CHANGE_FAIL_RATE),
                "Failed": None if row is None else row.failed_deployments,
                "Recovery time (median)": value_text(row, RECOVERY_TIME),
                "Incidents": None if row is None else row.incidents,
            }
        )
    table = pd.DataFrame(records, columns=list(TABLE_COLUMNS))
    for column in ("Deployments", "Changes", "Failed", "Incidents"):
        table[column] = table[column].astype("Int64")
    return table


def team_names(teams: Sequence[TeamInfo], frame: pd.DataFrame) -> list[str]:
    """Configured teams plus any team that has rows but is no longer configured, by name."""
    names = {t.team for t in teams}
    if not frame.empty:
        names |= set(frame.loc[frame["scope"] == "team", "scope_name"])
    return sorted(names)


def selected_teams(choice: str, all_teams: Sequence[str]) -> list[str]:
    """The teams behind the team filter's choice."""
    return list(all_teams) if choice == ALL_TEAMS else [choice]


def teams_without_data(frame: pd.DataFrame, teams: Sequence[str]) -> list[str]:
    """Teams with no deployments, changes or incidents in any week of the frame (or no rows at all)."""
    if frame.empty:
        return list(teams)
    team_rows = frame[frame["scope"] == "team"]
    active = team_rows[(team_rows["deployments"] > 0) | (team_rows["changes"] > 0) | (team_rows["incidents"] > 0)]
    busy = set(active["scope_name"])
    return [team for team in teams if team not in busy]


def trend_frame(frame: pd.DataFrame, teams: Sequence[str], spec: MetricSpec) -> pd.DataFrame:
    """Long frame for one metric's trend chart: one row per team per week.

    Columns: ``week_start`` (datetime, Monday UTC), ``team``, ``value`` (per day, hours, or percent for
    change fail rate; NaN when there was nothing to measure so the line breaks instead of dropping to 0),
    ``shown`` (the value as text, with the reason when empty) and ``based_on`` (the n behind it).
    """
    records = []
    if not frame.empty:
        rows = frame[(frame["scope"] == "team") & (frame["scope_name"].isin(list(teams)))]
        for record in rows.to_dict("records"):
            row = WeekRow(**{k: _clean(v) for k, v in record.items()})
            value = metric_value(row, spec)
            if value is not None and spec.unit == "rate":
                value *= 100
            records.append(
                {
                    "week_start": pd.Timestamp(row.week_start),
                    "iso_week": row.iso_week,
                    "team": row.scope_name,
                    "value": math.nan if value is None else value,
                    "shown": value_text(row, spec),
                    "based_on": sample_text(row, spec),
                }
            )
    return pd.DataFrame(records, columns=["week_start", "iso_week", "team", "value", "shown", "based_on"])
