"""ISO week arithmetic for the weekly grain: weeks start on Monday, labels look like ``2026-W47``."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_iso_week(label: str) -> date:
    """The Monday that starts the ISO week ``label`` (``YYYY-Www``, e.g. ``2026-W47``)."""
    match = _ISO_WEEK.match(label.strip()) if isinstance(label, str) else None
    if match is None:
        raise ValueError(f"{label!r} is not an ISO week: expected YYYY-Www, e.g. 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks_in_year = date(year, 12, 28).isocalendar().week
        raise ValueError(f"{label!r} is not an ISO week: {year} has weeks W01 to W{weeks_in_year:02d}") from None


def iso_week_label(day: date) -> str:
    """The ISO week label (``YYYY-Www``) of the week containing ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(day: date) -> date:
    """The Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError with a readable message when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. Europe/Berlin, America/New_York, UTC)") from None


def previous_complete_week(now: datetime, timezone: str) -> str:
    """The ISO week before the one that contains ``now`` as seen on a wall clock in ``timezone``.

    ``now`` must be timezone-aware: a naive time would silently mean different weeks on different hosts.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(UTC))")
    local_day = now.astimezone(zone(timezone)).date()
    return iso_week_label(week_monday(local_day) - timedelta(days=7))
