from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from reporting.presentation import (
    CHANGE_FAIL_RATE,
    CHANGE_LEAD_TIME,
    DEPLOYMENT_FREQUENCY,
    RECOVERY_TIME,
    compare,
    format_hours,
    format_timestamp,
    sample_text,
    value_text,
)
from reporting.serving import WeekRow

WEEK = WeekRow(
    scope="team",
    scope_name="payments",
    week_start=date(2026, 11, 16),
    iso_week="2026-W47",
    deployments=7,
    deployment_days=5,
    deployments_per_day=1.0,
    changes=10,
    lead_time_median_hours=20.0,
    lead_time_p75_hours=26.0,
    failed_deployments=1,
    change_fail_rate=1 / 7,
    incidents=2,
    recoveries=0,
    recovery_time_median_hours=None,
)
IDLE = replace(
    WEEK,
    deployments=0,
    deployment_days=0,
    deployments_per_day=0.0,
    changes=0,
    lead_time_median_hours=None,
    lead_time_p75_hours=None,
    failed_deployments=0,
    change_fail_rate=None,
    incidents=0,
)


@pytest.mark.parametrize(
    ("hours", "text"),
    [(0.25, "15 min"), (1.0, "1.0 h"), (47.9, "47.9 h"), (48.0, "2.0 days"), (240.0, "10.0 days")],
)
def test_format_hours_picks_a_readable_unit(hours: float, text: str) -> None:
    assert format_hours(hours) == text


def test_empty_weeks_read_as_a_reason_never_as_zero() -> None:
    assert value_text(IDLE, DEPLOYMENT_FREQUENCY) == "0/day (no deployments)"
    assert value_text(IDLE, CHANGE_LEAD_TIME) == "— (no changes)"
    assert value_text(IDLE, CHANGE_FAIL_RATE) == "— (no deployments)"
    assert value_text(IDLE, RECOVERY_TIME) == "— (no incidents)"
    assert value_text(WEEK, RECOVERY_TIME) == "— (no recoveries)"
    assert value_text(None, CHANGE_LEAD_TIME) == "— (no data)"


def test_sample_text_gives_the_n_behind_each_metric() -> None:
    assert sample_text(WEEK, DEPLOYMENT_FREQUENCY) == "7 deployments on 5 days"
    assert sample_text(WEEK, CHANGE_LEAD_TIME) == "10 changes"
    assert sample_text(WEEK, CHANGE_FAIL_RATE) == "1 of 7 deployments failed"
    assert sample_text(WEEK, RECOVERY_TIME) == "2 incidents · no recoveries"


def test_compare_judges_by_the_metric_direction() -> None:
    faster = replace(WEEK, lead_time_median_hours=10.0, deployments_per_day=0.5)
    assert compare(CHANGE_LEAD_TIME, faster, WEEK).describe() == "▼ -10.0 h (better)"
    assert compare(DEPLOYMENT_FREQUENCY, faster, WEEK).describe() == "▼ -0.50/day (worse)"
    assert compare(CHANGE_LEAD_TIME, replace(WEEK, lead_time_median_hours=20.01), WEEK).describe() == "= no change"


def test_compare_without_a_value_on_either_side_is_not_a_change() -> None:
    assert compare(CHANGE_LEAD_TIME, IDLE, WEEK).describe() == "n/a (this week: no changes)"
    assert compare(CHANGE_LEAD_TIME, WEEK, IDLE).describe() == "n/a (previous week: no changes)"
    # Zero deployments is a real frequency, so the drop to it is a change (for the worse).
    assert compare(DEPLOYMENT_FREQUENCY, IDLE, WEEK).verdict == "worse"


def test_timestamps_are_shown_in_the_display_zone() -> None:
    moment = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    assert format_timestamp(moment, "Europe/Berlin") == "2026-07-02 00:30 CEST"
    assert format_timestamp(None, "UTC") == "unknown"
