"""Overview: the organisation's DORA metrics for the latest complete week, per team, and their trends."""

from datetime import timedelta

import streamlit as st

from dashboards import charts, data, views
from reporting.presentation import METRICS, format_timestamp
from reporting.serving import ServingDataError, display_timezone
from reporting.weeks import iso_week_label

try:
    timezone = display_timezone()
except ValueError as exc:
    st.warning(f"PULSE_TIMEZONE: {exc}; showing times in UTC.")
    timezone = "UTC"

serving = data.require_serving_file()

key = (str(serving.path), serving.version)
try:
    meta = data.load_meta(*key)
    teams = data.load_teams(*key)
    latest = data.load_latest_complete_week(*key, meta.refreshed_at)
except ServingDataError as exc:
    st.title("Platform Pulse")
    st.error(str(exc))
    st.stop()

st.title(f"Platform Pulse: {meta.organisation}")
refreshed = f"Data refreshed {format_timestamp(meta.refreshed_at, timezone)}"
if latest is None:
    st.caption(refreshed)
    st.info("There is no complete week of data yet. Metrics appear once the first week has ended (Monday UTC).")
    st.stop()

week = iso_week_label(latest)
previous_start = latest - timedelta(days=7)
previous_week = iso_week_label(previous_start)
st.caption(
    f"{refreshed} · latest complete week {week} ({latest:%d %b} to {latest + timedelta(days=6):%d %b %Y}, "
    "weeks start Monday 00:00 UTC)"
)

left, right, _ = st.columns([2, 1, 3])
weeks = right.selectbox(
    "Weeks",
    views.WINDOW_CHOICES,
    index=views.WINDOW_CHOICES.index(views.DEFAULT_WEEKS),
    key="weeks",
    format_func=lambda n: f"last {n} weeks",
)
try:
    frame = data.load_weekly(*key, latest, int(weeks))
except ServingDataError as exc:
    st.error(str(exc))
    st.stop()
all_teams = views.team_names(teams, frame)
choice = left.selectbox("Team", [views.ALL_TEAMS, *all_teams], key="team")
shown_teams = views.selected_teams(choice, all_teams)

st.subheader(f"Organisation · {week}")
for column, card in zip(
    st.columns(len(METRICS)),
    views.organisation_cards(frame, latest, previous_start, previous_week),
    strict=True,
):
    with column:
        st.metric(
            card.label,
            card.value,
            card.delta,
            delta_color=card.delta_color,
            help=card.help,
            border=True,
            delta_description=None if card.delta is None else f"vs {previous_week}",
        )
        st.caption(card.caption)

st.subheader(f"Teams · {week}")
if shown_teams:
    st.dataframe(views.team_table(frame, shown_teams, latest), hide_index=True)
else:
    st.info("No teams are configured; add them under `teams:` in pulse.yaml.")

st.subheader(f"Trends · last {weeks} weeks")
quiet = views.teams_without_data(frame, shown_teams)
for team in quiet:
    st.info(f"{team}: no deployments, changes or incidents in the last {weeks} weeks.")
charted = [team for team in shown_teams if team not in quiet]
if charted:
    grid = st.columns(2)
    for index, spec in enumerate(METRICS):
        with grid[index % 2]:
            st.altair_chart(charts.trend_chart(views.trend_frame(frame, charted, spec), spec), width="stretch")
