"""About the metrics: what each DORA figure on the dashboard means and what it is based on."""

import streamlit as st

from reporting.presentation import METRICS, NO_VALUE

st.title("About the metrics")
st.markdown(
    "Figures are per ISO week; weeks start on Monday 00:00 UTC. Times such as the data refresh are shown "
    "in the display time zone (`PULSE_TIMEZONE`, else `timezone` in `pulse.yaml`). "
    "The full definitions are in `docs/metrics.md`."
)

_BASED_ON = {
    "deployment_frequency": "the week's successful production deployments (and the days they fell on)",
    "change_lead_time": "the changes first deployed to production in the week",
    "change_fail_rate": "the week's production deployments, of which the failed ones",
    "failed_deployment_recovery_time": "the week's failed production deployments that have recovered",
    "deployment_rework_rate": "the week's production deployments, of which the unplanned ones",
}

for spec in METRICS:
    st.subheader(spec.label)
    st.markdown(spec.definition)
    st.caption(f"Based on {_BASED_ON[spec.key]}.")

st.subheader("Empty weeks")
st.markdown(
    f"A metric with nothing behind it shows **{NO_VALUE}** with the reason (e.g. *no changes*), never 0: "
    "a week without changes has no lead time, and a week without deployments has no fail rate. "
    "Medians over a handful of items move a lot from week to week, so read them with the counts next to them."
)
