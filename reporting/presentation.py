"""How the five DORA metrics are named, formatted and compared; shared by the dashboard and the report.

A metric with nothing to measure (no changes, no deployments, no incidents) is shown as "—" with the reason,
never as 0: a zero lead time or fail rate would read as a perfect week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from reporting.serving import WeekRow
from reporting.weeks import zone

Unit = Literal["per_day", "hours", "rate"]
Verdict = Literal["better", "worse", "same"]

NO_VALUE = "—"


@dataclass(frozen=True)
class MetricSpec:
    """One DORA metric: where its weekly value lives and which direction is an improvement."""

    key: str
    label: str
    column: str
    unit: Unit
    lower_is_better: bool
    definition: str
    docs_anchor: str
    # Changes smaller than this (in the column's unit) are shown as "no change" rather than as noise.
    flat_below: float


DEPLOYMENT_FREQUENCY = MetricSpec(
    key="deployment_frequency",
    label="Deployment frequency",
    column="deployments_per_day",
    unit="per_day",
    lower_is_better=False,
    definition="Successful production deployments per day over the week (deployments ÷ 7). Higher is better.",
    docs_anchor="deployment-frequency",
    flat_below=0.005,
)
CHANGE_LEAD_TIME = MetricSpec(
    key="change_lead_time",
    label="Change lead time",
    column="lead_time_median_hours",
    unit="hours",
    lower_is_better=True,
    definition=(
        "Median time from a change being committed to it running in production, over the changes first "
        "deployed in the week. Lower is better."
    ),
    docs_anchor="change-lead-time",
    flat_below=0.05,
)
CHANGE_FAIL_RATE = MetricSpec(
    key="change_fail_rate",
    label="Change fail rate",
    column="change_fail_rate",
    unit="rate",
    lower_is_better=True,
    definition="Share of the week's production deployments that failed. Lower is better.",
    docs_anchor="change-fail-rate",
    flat_below=0.0005,
)
RECOVERY_TIME = MetricSpec(
    key="failed_deployment_recovery_time",
    label="Failed deployment recovery time",
    column="recovery_time_median_hours",
    unit="hours",
    lower_is_better=True,
    definition=(
        "Median time from a failed production deployment to its recovery (its incidents resolved, or the "
        "deployment that reverted, rolled back or fixed it), over the week's recovered failed deployments. "
        "Lower is better."
    ),
    docs_anchor="failed-deployment-recovery-time",
    flat_below=0.05,
)

REWORK_RATE = MetricSpec(
    key="deployment_rework_rate",
    label="Deployment rework rate",
    column="rework_rate",
    unit="rate",
    lower_is_better=True,
    definition=(
        "Share of the week's production deployments that were unplanned: rollbacks, reverts, hotfixes and "
        "fixes for an incident. Lower is better."
    ),
    docs_anchor="deployment-rework-rate",
    flat_below=0.0005,
)

METRICS: tuple[MetricSpec, ...] = (
    DEPLOYMENT_FREQUENCY,
    CHANGE_LEAD_TIME,
    CHANGE_FAIL_RATE,
    RECOVERY_TIME,
    REWORK_RATE,
)


# ---------------------------------------------------------------------------------------- formatting


def plural(count: int, noun: str) -> str:
    """``1 change``, ``3 changes``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_hours(hours: float) -> str:
    """A duration in hours as minutes (< 1 h), hours (< 48 h) or days, whichever reads best."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def format_value(spec: MetricSpec, value: float) -> str:
    """The metric value in its unit: ``1.29/day``, ``20.0 h``, ``11.1%``."""
    if spec.unit == "per_day":
        return "0/day" if value == 0 else f"{value:.2f}/day"
    if spec.unit == "rate":
        return f"{value * 100:.1f}%"
    return format_hours(value)


def format_difference(spec: MetricSpec, diff: float) -> str:
    """A signed week-over-week difference: ``+0.14/day``, ``-16.0 h``, ``+2.5 pp`` (percentage points)."""
    if spec.unit == "per_day":
        return f"{diff:+.2f}/day"
    if spec.unit == "rate":
        return f"{diff * 100:+.1f} pp"
    return ("-" if diff < 0 else "+") + format_hours(abs(diff))


def metric_value(row: WeekRow | None, spec: MetricSpec) -> float | None:
    """The metric's value for the week, or None when there is nothing to measure."""
    if row is None:
        return None
    value = getattr(row, spec.column)
    return None if value is None else float(value)


def missing_reason(row: WeekRow | None, spec: MetricSpec) -> str | None:
    """Why the metric says nothing this week (``no changes``), or None when it has a meaningful value."""
    if row is None:
        return "no data"
    if spec is DEPLOYMENT_FREQUENCY or spec is CHANGE_FAIL_RATE or spec is REWORK_RATE:
        return "no deployments" if row.deployments == 0 else None
    if spec is CHANGE_LEAD_TIME:
        return "no changes" if row.lead_time_median_hours is None else None
    if row.recovery_time_median_hours is None:
        return "no incidents" if row.incidents == 0 else "no recoveries"
    return None


def value_text(row: WeekRow | None, spec: MetricSpec) -> str:
    """The value with its reason when empty: ``20.0 h``, ``— (no changes)``, ``0/day (no deployments)``."""
    value = metric_value(row, spec)
    reason = missing_reason(row, spec)
    if value is None:
        return f"{NO_VALUE} ({reason})" if reason else NO_VALUE
    if reason:
        # Only deployment frequency gets here: a week without deployments truly deployed 0 times a day.
        return f"{format_value(spec, value)} ({reason})"
    return format_value(spec, value)


def sample_text(row: WeekRow | None, spec: MetricSpec) -> str:
    """What the value is based on (the n behind it): ``9 deployments on 5 days``, ``10 changes``."""
    if row is None:
        return "no data"
    if spec is DEPLOYMENT_FREQUENCY:
        if row.deployments == 0:
            return "no deployments"
        return f"{plural(row.deployments, 'deployment')} on {plural(row.deployment_days, 'day')}"
    if spec is CHANGE_LEAD_TIME:
        return plural(row.changes, "change") if row.changes else "no changes"
    if spec is CHANGE_FAIL_RATE:
        if row.deployments == 0:
            return "no deployments"
        return f"{row.failed_deployments} of {plural(row.deployments, 'deployment')} failed"
    if row.incidents == 0 and row.recoveries == 0:
        return "no incidents"
    incidents = plural(row.incidents, "incident") if row.incidents else "no incidents started"
    recoveries = "1 recovery" if row.recoveries == 1 else f"{row.recoveries or 'no'} recoveries"
    return f"{incidents} · {recoveries}"


# ---------------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Change:
    """How a metric moved from the previous week to this one.

    ``diff`` is in the metric's unit (per day, hours, 0..1 fraction); it and ``verdict`` are None when
    either week has nothing to measure, and ``note`` then says which.
    """

    diff: float | None
    text: str
    verdict: Verdict | None
    note: str | None = None

    @property
    def arrow(self) -> str:
        if self.diff is None:
            return ""
        if self.verdict == "same":
            return "="
        return "▲" if self.diff > 0 else "▼"

    def describe(self) -> str:
        """One phrase for a table cell: ``▼ -16.0 h (better)``, ``= no change``, ``n/a (…)``."""
        if self.verdict is None:
            return f"n/a ({self.note})" if self.note else "n/a"
        if self.verdict == "same":
            return "= no change"
        return f"{self.arrow} {self.text} ({self.verdict})"


def compare(spec: MetricSpec, current: WeekRow | None, previous: WeekRow | None) -> Change:
    """The change of ``spec`` from ``previous`` to ``current``, judged by the metric's good direction."""
    now, before = metric_value(current, spec), metric_value(previous, spec)
    if now is None or before is None or current is None or previous is None:
        if now is None:
            note = f"this week: {missing_reason(current, spec) or 'no value'}"
        else:
            note = f"previous week: {missing_reason(previous, spec) or 'no value'}"
        return Change(diff=None, text="", verdict=None, note=note)
    diff = now - before
    if abs(diff) < spec.flat_below:
        return Change(diff=0.0, text="no change", verdict="same")
    improved = diff < 0 if spec.lower_is_better else diff > 0
    return Change(diff=diff, text=format_difference(spec, diff), verdict="better" if improved else "worse")


def format_timestamp(moment: datetime | None, timezone: str) -> str:
    """A UTC timestamp on the wall clock of ``timezone``: ``2026-11-23 09:15 CET``; ``unknown`` if None."""
    if moment is None:
        return "unknown"
    return moment.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M %Z")
