"""Data access for the dashboard: short, read-only, cached reads of the serving copy.

Every loader takes plain values (path, file version, week, window) so Streamlit can hash them. The file's
modification time is part of each key: when the pipeline publishes a new copy the next rerun reads it,
while the 60 s TTL bounds how long an unchanged copy is served from memory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from pulse.config import ConfigError
from reporting.serving import (
    HOW_TO_CREATE,
    ServingMeta,
    TeamInfo,
    WeekRow,
    latest_organisation_week,
    read_meta,
    read_teams,
    read_weeks,
    serving_db_path,
)
from reporting.weeks import parse_iso_week, previous_complete_week

CACHE_TTL_SECONDS = 60
WEEK_COLUMNS = tuple(f.name for f in fields(WeekRow))


@dataclass(frozen=True)
class ServingFile:
    """The serving copy as found on disk; ``version`` is its mtime in nanoseconds."""

    path: Path
    version: int


def locate_serving_file() -> Path:
    """Where the serving copy should be ($PULSE_SERVING_DB or the configuration); may raise ConfigError."""
    return serving_db_path()


def serving_file(path: Path) -> ServingFile | None:
    """The serving copy at ``path`` with its current version, or None when it does not exist."""
    try:
        return ServingFile(path=path, version=path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None


def require_serving_file() -> ServingFile:
    """The serving copy, or a page that says why there is none and how to get one (and stops there)."""
    try:
        path = locate_serving_file()
    except ConfigError as exc:
        st.error(f"Cannot find the serving data: {exc}")
        st.info("Set PULSE_SERVING_DB to the serving DuckDB file, or PULSE_CONFIG to your pulse.yaml.")
        st.stop()
    serving = serving_file(path)
    if serving is None:
        st.info(f"No data yet: the serving file `{path}` does not exist.\n\nTo fix it, {HOW_TO_CREATE}, then reload.")
        st.stop()
    return serving


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_meta(path: str, version: int) -> ServingMeta:
    """Organisation, refresh time (UTC) and history range of the serving copy."""
    return read_meta(Path(path))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_teams(path: str, version: int) -> list[TeamInfo]:
    """Every configured team (one entry per team), by name."""
    return read_teams(Path(path))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_latest_complete_week(path: str, version: int, refreshed_at: datetime | None) -> date | None:
    """Monday of the latest week that had ended (Monday 00:00 UTC) when the copy was refreshed.

    Falls back to the current time when the copy records no refresh time; None when no such week has data.
    """
    moment = refreshed_at or datetime.now(UTC)
    last_complete = parse_iso_week(previous_complete_week(moment, "UTC"))
    return latest_organisation_week(Path(path), last_complete)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_weekly(path: str, version: int, last_week: date, weeks: int) -> pd.DataFrame:
    """``metrics_weekly`` rows of every scope for the ``weeks`` weeks ending with ``last_week``.

    One row per scope per week; columns as in the serving contract, NULLs as NaN / None.
    """
    first_week = last_week - timedelta(days=7 * (weeks - 1))
    rows = read_weeks(Path(path), first_week, last_week)
    return pd.DataFrame([asdict(row) for row in rows], columns=list(WEEK_COLUMNS))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_scope_names(path: str, version: int) -> dict[str, list[str]]:
    """Names published per scope ('organisation', 'team', 'service'), sorted."""
    from metrics.queries import open_serving

    con = open_serving(Path(path))
    try:
        rows = con.execute("SELECT DISTINCT scope, scope_name FROM metrics_period ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    names: dict[str, list[str]] = {}
    for scope, name in rows:
        names.setdefault(scope, []).append(name)
    return names


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_period_labels(path: str, version: int, grain: str) -> list[str]:
    """Period labels of one grain with any activity, newest first."""
    from metrics.queries import open_serving

    con = open_serving(Path(path))
    try:
        rows = con.execute(
            "SELECT period_label FROM metrics_period WHERE grain = ? AND scope = 'organisation'"
            " AND (deployments > 0 OR incidents > 0) ORDER BY period_start DESC",
            [grain],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_explanation(path: str, version: int, metric: str, period: str, team: str | None, service: str | None):
    """The published figure and the rows behind it (see metrics.explain)."""
    from metrics.explain import explain

    return explain(Path(path), metric, period, team=team, service=service)
