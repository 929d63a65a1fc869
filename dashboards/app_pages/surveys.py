"""Developer surveys: NPS and satisfaction per team for one wave, self-reported vs measured DORA, free-text themes.

Everything shown comes from the published survey tables, where a group below the minimum size (and any
group that would give one away by subtraction) has no figures: the page shows the reason instead.
"""

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data
from surveys.presentation import (
    DASH,
    change_text,
    count_text,
    group_label,
    hidden_text,
    interval_text,
    nps_text,
    percent_text,
    rate_text,
)
from surveys.queries import SurveyDataError, SurveyResults, Wave, read_load_quality, read_results, read_waves


@st.cache_data(ttl=data.CACHE_TTL_SECONDS, show_spinner=False)
def load_waves(path: str, version: int) -> list[Wave]:
    """Every survey wave of the serving copy, oldest first (empty when it has none)."""
    try:
        return read_waves(Path(path))
    except SurveyDataError:
        return []


@st.cache_data(ttl=data.CACHE_TTL_SECONDS, show_spinner=False)
def load_results(path: str, version: int, wave: str) -> SurveyResults:
    """One wave's published results."""
    return read_results(Path(path), wave)


@st.cache_data(ttl=data.CACHE_TTL_SECONDS, show_spinner=False)
def load_quality(path: str, version: int) -> tuple[list[dict], list[dict]]:
    """Files read and rows quarantined."""
    return read_load_quality(Path(path))


st.title("Developer surveys")
serving = data.require_serving_file()
key = (str(serving.path), serving.version)

waves = load_waves(*key)
if not waves:
    st.info(
        "No survey results yet. Drop Google Forms, Typeform or Microsoft Forms exports into the folder named by "
        "`surveys.folder`, map their questions under `surveys.questions`, and run `pulse run` "
        "(for the demo: `pulse demo --reload`)."
    )
    st.stop()

ids = [w.wave for w in waves]
wave_id = st.selectbox("Wave", ids, index=len(ids) - 1, key="survey_wave")
try:
    results = load_results(*key, wave_id)
except SurveyDataError as exc:
    st.error(str(exc))
    st.stop()
wave = results.wave
st.caption(
    f"Wave {wave.wave}: {wave.start_date:%d %b} to {wave.end_date:%d %b %Y}. Groups with fewer than "
    f"{wave.min_group_size} respondents are hidden, and so is any group whose figures would let a hidden one be "
    "worked out by subtraction; their free text is never shown."
)

# ----------------------------------------------------------------------------------------- NPS
questions = sorted({r["question_id"] for r in results.nps})
if questions:
    question = questions[0]
    if len(questions) > 1:
        question = st.selectbox("NPS question", questions, key="survey_nps_question")
    rows = [r for r in results.nps if r["question_id"] == question]
    org = next((r for r in rows if r["scope"] == "organisation"), None)
    st.subheader("Net Promoter Score")
    cards = st.columns(3)
    if org is not None and not org["suppressed"]:
        cards[0].metric(
            "Organisation NPS",
            nps_text(org["nps"]),
            None if org["nps_change"] is None else f"{org['nps_change']:+.0f}",
            help="% promoters (9-10) minus % detractors (0-6); -100 to +100.",
            border=True,
            delta_description=None if org["nps_change"] is None else f"vs {org['previous_wave']}",
        )
        cards[1].metric("90% interval", interval_text(org["nps_low"], org["nps_high"]), border=True)
        cards[2].metric(
            "Respondents",
            count_text(org["n"]),
            help="Answered the NPS question; response rate is against the roster.",
            border=True,
        )
        if org["response_rate"] is not None:
            cards[2].caption(f"{rate_text(org['response_rate'])} of {org['roster_size']} on the roster")
    elif org is not None:
        cards[0].metric("Organisation NPS", "hidden", border=True)
        cards[0].caption(hidden_text(org))

    table = pd.DataFrame(
        [
            {
                "Group": group_label(r),
                "Respondents": DASH if r["suppressed"] else count_text(r["n"]),
                "Response rate": DASH if r["suppressed"] else rate_text(r["response_rate"]),
                "NPS": hidden_text(r) if r["suppressed"] else nps_text(r["nps"]),
                "90% interval": DASH if r["suppressed"] else interval_text(r["nps_low"], r["nps_high"]),
                "Promoters": DASH if r["suppressed"] else percent_text(r["promoters_pct"]),
                "Detractors": DASH if r["suppressed"] else percent_text(r["detractors_pct"]),
                f"Change vs {wave.previous_wave or 'previous'}": change_text(r["nps_change"]),
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True)

    shown = [r for r in rows if not r["suppressed"] and r["nps"] is not None]
    if shown:
        frame = pd.DataFrame(
            [
                {"group": group_label(r), "nps": r["nps"], "low": r["nps_low"], "high": r["nps_high"], "n": r["n"]}
                for r in shown
            ]
        )
        base = alt.Chart(frame).encode(y=alt.Y("group:N", title=None, sort=None))
        chart = base.mark_rule().encode(
            x=alt.X("low:Q", title="NPS (90% interval)", scale=alt.Scale(domain=[-100, 100])), x2="high:Q"
        ) + base.mark_point(filled=True, size=80).encode(
            x="nps:Q",
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("nps:Q", title="NPS", format="+.0f"),
                alt.Tooltip("n:Q", title="n"),
            ],
        )
        st.altair_chart(chart.properties(height=32 * len(shown) + 40), width="stretch")
else:
    st.info("No NPS answers in this wave.")

# ---------------------------------------------------------------------------------- satisfaction
topics = [r for r in results.likert if r["question_id"] is None]
if topics:
    st.subheader("Satisfaction by topic")
    st.caption(
        "% favourable: agree or strongly agree (disagree, for statements where agreeing is bad). A topic's figure "
        "pools its shown questions only."
    )
    pivot: dict[str, dict[str, str]] = {}
    for r in topics:
        value = "hidden" if r["suppressed"] else percent_text(r["favourable_pct"])
        pivot.setdefault(r["topic"], {})[group_label(r)] = value
    st.dataframe(pd.DataFrame.from_dict(pivot, orient="index").fillna(DASH), width="stretch")
    with st.expander("Per question"):
        per_question = [
            {
                "Topic": r["topic"],
                "Question": r["question_id"],
                "Group": group_label(r),
                "Answers": DASH if r["suppressed"] else count_text(r["n"]),
                "Favourable": hidden_text(r) if r["suppressed"] else percent_text(r["favourable_pct"]),
                "Change": change_text(r["favourable_change"], unit=" pp"),
            }
            for r in results.likert
            if r["question_id"] is not None
        ]
        st.dataframe(pd.DataFrame(per_question), hide_index=True)

# ------------------------------------------------------------------------------------------ DORA
if results.dora:
    st.subheader("DORA: self-reported vs measured")
    st.caption(
        "Self-reported: the middle answer of the group's respondents. Measured: the pipeline's figure for the same "
        "calendar quarter, put into the same answer options."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Metric": r["metric"].replace("_", " "),
                    "Group": group_label(r),
                    "Quarter": r["quarter"],
                    "Respondents": DASH if r["suppressed"] else count_text(r["n"]),
                    "Self-reported": hidden_text(r) if r["suppressed"] else (r["self_reported"] or DASH),
                    "Measured": r["measured"] or DASH,
                    "Agree": DASH
                    if r["suppressed"] or r["measured_bucket"] is None
                    else ("yes" if r["measured_bucket"] == r["self_reported_bucket"] else "no"),
                }
                for r in results.dora
            ]
        ),
        hide_index=True,
    )

# ---------------------------------------------------------------------------------------- themes
if results.themes:
    st.subheader("What people wrote about")
    st.caption("Respondents whose free-text answer mentions each theme (keyword rules under `surveys.themes`).")
    grid: dict[str, dict[str, str]] = {}
    for r in results.themes:
        value = "hidden" if r["suppressed"] else f"{r['mentions']} ({rate_text(r['share'])})"
        grid.setdefault(r["theme"], {})[group_label(r)] = value
    st.dataframe(pd.DataFrame.from_dict(grid, orient="index").fillna(DASH), width="stretch")

teams_with_comments = sorted({c["team"] for c in results.comments})
if teams_with_comments:
    with st.expander("Free-text answers (teams large enough to be shown)"):
        team = st.selectbox("Team", teams_with_comments, key="survey_comment_team")
        for c in results.comments:
            if c["team"] == team:
                # Shown as plain text: answers are the respondents' words, not Markdown to render.
                st.text(c["text"])
                if c["themes"]:
                    st.caption(", ".join(c["themes"]))

# ---------------------------------------------------------------------------------- load quality
try:
    files, quarantine = load_quality(*key)
except SurveyDataError:
    files, quarantine = [], []
if files:
    with st.expander(f"Export files ({len(files)}) and quarantined rows ({len(quarantine)})"):
        st.dataframe(pd.DataFrame(files), hide_index=True)
        if quarantine:
            st.dataframe(pd.DataFrame(quarantine), hide_index=True)
