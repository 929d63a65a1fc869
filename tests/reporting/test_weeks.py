from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reporting.weekly import parse_iso_week, previous_complete_week
from reporting.weeks import iso_week_label


@pytest.mark.parametrize(
    ("label", "monday"),
    [
        ("2026-W47", date(2026, 11, 16)),
        ("2026-W01", date(2025, 12, 29)),  # ISO week 1 can start in the previous calendar year
        ("2020-W53", date(2020, 12, 28)),  # 2020 is a long ISO year
        ("2026-W53", date(2026, 12, 28)),  # and so is 2026
        ("2026-W52", date(2026, 12, 21)),
    ],
)
def test_parse_iso_week_returns_the_monday(label: str, monday: date) -> None:
    assert parse_iso_week(label) == monday
    assert iso_week_label(monday) == label


def test_week_53_exists_only_in_long_iso_years() -> None:
    # 2026 starts on a Thursday, so it is a long ISO year: 2026-W53 is the week of 28 Dec 2026.
    assert parse_iso_week("2026-W53") == date(2026, 12, 28)
    for label, year in (("2025-W53", 2025), ("2027-W53", 2027)):
        with pytest.raises(ValueError, match=rf"{year} has weeks W01 to W52"):
            parse_iso_week(label)


@pytest.mark.parametrize("label", ["2026-W00", "2026-47", "2026-W7", "W47-2026", "", "2026-W47-1", "2026-w47"])
def test_malformed_labels_are_rejected(label: str) -> None:
    with pytest.raises(ValueError, match="ISO week"):
        parse_iso_week(label)


def test_previous_complete_week_uses_the_local_calendar() -> None:
    # Monday 00:30 in Berlin is still Sunday 23:30 UTC: Berlin has finished W47, UTC has not.
    now = datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert now.astimezone(UTC).isoweekday() == 7

    assert previous_complete_week(now, "Europe/Berlin") == "2026-W47"
    assert previous_complete_week(now, "UTC") == "2026-W46"


def test_previous_complete_week_across_a_year_boundary() -> None:
    now = datetime(2021, 1, 4, 9, 0, tzinfo=UTC)  # Monday of 2021-W01
    assert previous_complete_week(now, "UTC") == "2020-W53"


def test_previous_complete_week_needs_an_aware_time_and_a_known_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        previous_complete_week(datetime(2026, 11, 23, 8, 0), "UTC")
    with pytest.raises(ValueError, match="unknown IANA time zone"):
        previous_complete_week(datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "Mars/Olympus")
