"""Platform adoption: which teams' services meet each adoption signal over time, how many production deployments
go through the platform pipeline, and how delivery changed for adopters compared with services that had not
adopted (difference in differences, with n and its caution)."""

from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from catalog.serving import AdoptionData, effect_services_table, effect_table, read_adoption, scorecard
from dashboards import data

CONFIGURE_HINT = """\
catalog:
  source: github              # github (descriptor files) | backstage (catalog API) | teams_file
  folder: repos               # <folder>/<repository>/catalog-info.yaml and .github/workflows/*.yml
  platform:
    repository: platform-workflows
    deploy_workflows: [platform-deploy.yml]
    current_version: v3
"""
SCOPES = {"team": "Team", "department": "Department"}


@st.cache_data(ttl=data.CACHE_TTL_SECONDS, show_spinner=False)
def load_adoption(path: str, version: int) -> AdoptionData:
    """The adoption tables of the serving copy (keyed by its modification time, like every loader)."""
    return read_adoption(Path(path))


def share_chart(frame: pd.DataFrame, value: str, title: str, subtitle: str) -> alt.Chart:
    """One line per group (team, department or the organisation) of a 0..1 share, by week."""
    return (
        alt.Chart(frame, title=alt.Title(title, subtitle=subtitle))
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y(f"{value}:Q", title="share", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("scope_name:N", title=None),
            tooltip=[
                alt.Tooltip("scope_name:N", title="Group"),
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip(f"{value}:Q", title="Share", format=".0%"),
                alt.Tooltip("based_on:N", title="Based on"),
            ],
        )
        .properties(height=260)
    )


st.title("Platform adoption")
serving = data.require_serving_file()

adoption = load_adoption(str(serving.path), serving.version)
if not adoption.configured:
    st.info(
        "No service catalog is configured, so there are no adoption signals yet. Add a `catalog` section to "
        "pulse.yaml (descriptor files in each repository, a Backstage instance, or a teams file), then run "
        "`pulse run`. Ownership keeps coming from the `teams` section until then."
    )
    st.code(CONFIGURE_HINT, language="yaml")
    st.stop()

services = adoption["catalog_services"]
in_catalog = int(services["in_catalog"].sum()) if not services.empty else 0
unowned = int((services["team"] == "unowned").sum()) if not services.empty else 0
st.caption(
    f"{len(services)} services, {in_catalog} registered in the catalog, {unowned} owned by no team. "
    "Weeks start Monday 00:00 UTC. A signal counts from the date the source shows it (the file's history) or, "
    "when the source cannot tell, from the first load that saw it."
)

problems = adoption["catalog_problems"]
if not problems.empty:
    errors = int((problems["severity"] == "error").sum())
    others = len(problems) - errors
    label = (
        f"Catalog problems: {errors} error{'s' * (errors != 1)}, "
        f"{others} warning{'s' * (others != 1)} and note{'s' * (others != 1)}"
    )
    with st.expander(label, expanded=errors > 0):
        shown = problems[["severity", "repository", "path", "line", "entity", "message"]]
        st.dataframe(shown, hide_index=True, width="stretch")

# ---------------------------------------------------------------------------------------- adoption over time
st.header("Adoption over time")
weekly = adoption["adoption_weekly"]
signals = adoption.signals
labels = dict(signals)
left, middle, _ = st.columns([2, 1, 2])
signal = left.selectbox("Signal", [s for s, _ in signals], format_func=lambda s: labels.get(s, s), key="signal")
scope = middle.selectbox("Group by", list(SCOPES), format_func=SCOPES.get, key="scope")

shown = weekly[(weekly["signal"] == signal) & (weekly["scope"].isin([scope, "organisation"]))].copy()
shown["based_on"] = shown["services_meeting"].astype(str) + " of " + shown["services"].astype(str) + " services"
if shown.empty:
    st.info(f"No {SCOPES[scope].lower()} has services yet.")
else:
    st.altair_chart(
        share_chart(shown, "share", labels.get(signal, signal), "share of services meeting it"), width="stretch"
    )
    latest: date = shown["week_start"].max()
    st.markdown(f"**Scorecard · week of {pd.Timestamp(latest):%d %b %Y}** (services meeting each signal)")
    card = scorecard(adoption, scope, latest)
    organisation = scorecard(adoption, "organisation", latest)
    st.dataframe(pd.concat([organisation.rename(columns={"Organisation": SCOPES[scope]}), card]), hide_index=True)

platform = adoption["platform_deploys_weekly"]
platform = platform[platform["scope"].isin([scope, "organisation"])].copy() if not platform.empty else platform
st.subheader("Production deployments through the platform pipeline")
if platform.empty:
    st.info("No production deployments in the history window.")
else:
    platform["based_on"] = (
        platform["platform_deployments"].astype(str) + " of " + platform["deployments"].astype(str) + " deployments"
    )
    st.altair_chart(
        share_chart(platform, "platform_share", "Platform pipeline share", "weeks without deployments are gaps"),
        width="stretch",
    )

pins = adoption["platform_workflow_pins"]
outdated = pins[pins["pin"] == "outdated"] if not pins.empty else pins
if not outdated.empty:
    with st.expander(f"{len(outdated)} platform workflow calls pinned below the current version"):
        st.dataframe(
            outdated[["team", "repository", "workflow_path", "line", "target_workflow", "ref"]], hide_index=True
        )

# ---------------------------------------------------------------------------------------- effect on delivery
st.header("Effect on delivery")
effect = adoption["adoption_effect"]
effect_signal = (
    adoption["adoption_effect_services"]["signal"].iloc[0] if not adoption["adoption_effect_services"].empty else None
)
if effect.empty or effect_signal is None:
    st.info(
        "No service has adopted the platform (the catalog.effect.signal) inside the history window yet, so there "
        "is nothing to compare."
    )
    st.stop()

caution = str(effect["caution"].iloc[0])
weeks = int(effect["weeks"].iloc[0])
st.markdown(
    f"Each service that adopted **{labels.get(effect_signal, effect_signal)}**: its figures over the {weeks} weeks "
    f"before and the {weeks} weeks after its adoption week, beside the same weeks of services that had not adopted "
    "by then. The difference in differences is what changed for adopters beyond what changed for the others."
)
st.warning(caution, icon=":material/info:")

choices = [("organisation", n) for n in sorted(effect.loc[effect["scope"] == "organisation", "scope_name"].unique())]
for kind in ("department", "team"):
    choices += [(kind, n) for n in sorted(effect.loc[effect["scope"] == kind, "scope_name"].unique())]
chosen = st.selectbox(
    "Scope",
    choices,
    format_func=lambda c: "Organisation" if c[0] == "organisation" else f"{c[0].capitalize()}: {c[1]}",
    key="effect_scope",
)
table = effect_table(adoption, *chosen)
if table.empty or int(table["Adopters (n)"].max()) == 0:
    st.info(
        f"No adopter in this scope has {weeks} full weeks of history before and after its adoption week yet; "
        "the services below say why."
    )
else:
    st.dataframe(table, hide_index=True, width="stretch")
with st.expander("Adopting services and whether they are included"):
    st.dataframe(effect_services_table(adoption, *chosen), hide_index=True, width="stretch")
