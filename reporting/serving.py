"""Read access to the serving copy: the DuckDB file the pipeline publishes for the dashboard and report.

Every read opens the file read-only, runs its query and closes it again, so a pipeline that publishes a new
copy is never blocked by a reader holding the file open.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from reporting.weeks import zone

SERVING_DB_ENV = "PULSE_SERVING_DB"
TIMEZONE_ENV = "PULSE_TIMEZONE"

HOW_TO_CREATE = (
    "create it with `make demo` (sample data) or `pulse run` (your GitHub and PagerDuty data), "
    f"or set {SERVING_DB_ENV} to an existing serving file"
)


class ServingDataError(RuntimeError):
    """The serving copy is missing or cannot be read; the message names the file and what to do."""


class MissingServingFileError(ServingDataError):
    """The serving copy does not exist (yet)."""


@dataclass(frozen=True)
class WeekRow:
    """One row of ``metrics_weekly``: the DORA figures of one scope for one ISO week (Monday UTC start).

    Counts are whole numbers for the week; durations are hours; ``change_fail_rate`` is a 0..1 fraction.
    A ``None`` means "nothing to measure" (e.g. no changes that week), never zero.
    """

    scope: str
    scope_name: str
    week_start: date
    iso_week: str
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
    rework_deployments: int = 0
    rework_rate: float | None = None

    @property
    def is_organisation(self) -> bool:
        return self.scope == "organisation"

    @property
    def is_idle(self) -> bool:
        """True when the week has nothing to measure at all: no deployments, changes or incidents."""
        return self.deployments == 0 and self.changes == 0 and self.incidents == 0


@dataclass(frozen=True)
class ServingMeta:
    """``pulse_meta`` of the serving copy; ``refreshed_at`` is UTC, history bounds are dates."""

    organisation: str
    refreshed_at: datetime | None
    history_start: date | None
    history_end: date | None


@dataclass(frozen=True)
class TeamInfo:
    """One row of ``teams``: a team and how many repositories and PagerDuty services it owns."""

    team: str
    repositories: int
    pagerduty_services: int


# ------------------------------------------------------------------------------------------ locating


def serving_db_path() -> Path:
    """The serving file: $PULSE_SERVING_DB, else ``warehouse.serving_path`` of the configuration.

    Raises ``pulse.config.ConfigError`` when there is no usable configuration to ask.
    """
    override = os.environ.get(SERVING_DB_ENV)
    if override:
        return Path(override).expanduser()
    # Imported here so that a set $PULSE_SERVING_DB needs no configuration file at all.
    from pulse.config import load_config

    return load_config().warehouse.serving_path


def display_timezone() -> str:
    """The IANA zone to show times in: $PULSE_TIMEZONE, else the configured ``timezone``, else UTC.

    Raises ValueError when $PULSE_TIMEZONE names an unknown zone.
    """
    override = os.environ.get(TIMEZONE_ENV)
    if override:
        zone(override)
        return override
    from pulse.config import ConfigError, load_config

    try:
        return load_config().timezone
    except ConfigError:
        # The serving file may be named by $PULSE_SERVING_DB with no configuration file around.
        return "UTC"


# ------------------------------------------------------------------------------------------- reading


def _sql(name: str) -> str:
    return resources.files("reporting").joinpath("sql", name).read_text(encoding="utf-8")


@contextmanager
def _connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.is_file():
        raise MissingServingFileError(f"{path}: serving file not found; {HOW_TO_CREATE}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ServingDataError(f"{path}: cannot open the serving file read-only: {exc}") from exc
    try:
        yield con
    except duckdb.Error as exc:
        raise ServingDataError(
            f"{path}: not a usable serving file ({exc}); re-publish it with `pulse run` or `make demo`"
        ) from exc
    finally:
        con.close()


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> list[dict]:
    cursor = con.execute(sql, params or {})
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # The contract stores UTC; a value written without an offset is still UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def read_meta(path: Path) -> ServingMeta:
    """The organisation name, refresh time (UTC) and history bounds recorded with the serving copy."""
    with _connect(path) as con:
        values = {r["key"]: r["value"] for r in _records(con, "SELECT key, value FROM pulse_meta")}
    return ServingMeta(
        organisation=values.get("organisation") or "organisation",
        refreshed_at=_parse_timestamp(values.get("refreshed_at")),
        history_start=_parse_date(values.get("history_start")),
        history_end=_parse_date(values.get("history_end")),
    )


def read_teams(path: Path) -> list[TeamInfo]:
    """Every configured team, by name."""
    with _connect(path) as con:
        rows = _records(con, "SELECT team, repositories, pagerduty_services FROM teams ORDER BY team")
    return [TeamInfo(**row) for row in rows]


def read_weeks(path: Path, first_week: date, last_week: date) -> list[WeekRow]:
    """Weekly rows of every scope whose week starts between ``first_week`` and ``last_week`` (inclusive)."""
    with _connect(path) as con:
        rows = _records(con, _sql("weekly_metrics.sql"), {"first_week": first_week, "last_week": last_week})
    return [WeekRow(**row) for row in rows]


def latest_organisation_week(path: Path, on_or_before: date) -> date | None:
    """The latest week_start with an organisation row that is not after ``on_or_before``."""
    with _connect(path) as con:
        row = con.execute(
            "SELECT max(week_start) FROM metrics_weekly WHERE scope = 'organisation' AND week_start <= $day",
            {"day": on_or_before},
        ).fetchone()
    return row[0] if row else None
