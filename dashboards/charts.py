"""Altair chart builders for the dashboard: one small weekly trend chart per DORA metric."""

from __future__ import annotations

import altair as alt
import pandas as pd

from reporting.presentation import MetricSpec

_AXIS_TITLE = {"per_day": "deploys / day", "hours": "hours (median)", "rate": "% failed"}


def trend_chart(frame: pd.DataFrame, spec: MetricSpec, *, height: int = 220) -> alt.Chart:
    """Weekly line per team for one metric, from ``views.trend_frame`` (one row per team per week).

    Weeks without anything to measure are NaN and break the line rather than plotting a misleading 0;
    points keep single isolated weeks visible.
    """
    better = "lower is better" if spec.lower_is_better else "higher is better"
    return (
        alt.Chart(frame, title=alt.Title(spec.label, subtitle=better))
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title=None, axis=alt.Axis(format="%d %b", tickCount="week")),
            y=alt.Y("value:Q", title=_AXIS_TITLE[spec.unit], scale=alt.Scale(zero=True)),
            color=alt.Color("team:N", title="Team"),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("shown:N", title=spec.label),
                alt.Tooltip("based_on:N", title="Based on"),
            ],
        )
        .properties(height=height)
    )
