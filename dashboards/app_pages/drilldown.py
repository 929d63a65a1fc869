"""Drill-down: one published figure and the rows it was computed from (the same as `pulse explain`)."""

import pandas as pd
import streamlit as st

from dashboards import data
from metrics.queries import NoDataError

METRIC_LABELS = {
    "lead_time": "Change lead time",
    "deployment_frequency": "Deployment frequency",
    "change_fail_rate": "Change fail rate",
    "recovery_time": "Failed deployment recovery time",
    "rework_rate": "Deployment rework rate",
}
GRAINS = {
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "rolling_28d": "Rolling 28 days",
    "rolling_90d": "Rolling 90 days",
}

st.title("Drill-down")
st.caption("Pick a figure to see the deployments, changes or failures behind it. Times are UTC.")
serving = data.require_serving_file()
key = (str(serving.path), serving.version)

names = data.load_scope_names(*key)
left, middle, right = st.columns(3)
metric = left.selectbox("Metric", list(METRIC_LABELS), format_func=METRIC_LABELS.get)
scope = middle.selectbox("Scope", ["organisation", "team", "service"], format_func=str.capitalize)
team = service = None
if scope != "organisation":
    options = names.get(scope, [])
    if not options:
        st.info(f"No {scope} has published figures yet.")
        st.stop()
    chosen = right.selectbox(scope.capitalize(), options)
    team, service = (chosen, None) if scope == "team" else (None, chosen)

grain_col, period_col = st.columns(2)
grain = grain_col.selectbox("Period", list(GRAINS), format_func=GRAINS.get)
labels = data.load_period_labels(*key, grain)
if not labels:
    st.info("No period with activity yet.")
    st.stop()
label = period_col.selectbox("Which", labels)
# Rolling labels read "R28 to 2026-11-23"; the explain function takes "R28:2026-11-23".
period = label.replace(" to ", ":") if label.startswith("R") else label

try:
    result = data.load_explanation(*key, metric, period, team, service)
except (NoDataError, ValueError) as exc:
    st.warning(str(exc))
    st.stop()

st.subheader(f"{METRIC_LABELS[metric]} · {result.name} · {result.period.label}")
st.caption(f"[{result.period.start} .. {result.period.end}) UTC")
st.dataframe(pd.DataFrame([result.figure]), hide_index=True)
st.markdown(f"**{len(result.rows)} rows behind this figure**")
if result.rows:
    st.dataframe(pd.DataFrame(result.rows, columns=result.columns), hide_index=True)
else:
    st.info("Nothing in this period for this scope.")
