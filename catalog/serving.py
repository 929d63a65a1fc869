"""Reading the published adoption tables back out of the serving copy, and shaping them for display.

No Streamlit here: the dashboard page caches these calls, and tests call them directly. A serving copy
published before the adoption tables existed reads as empty frames, never as an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

ADOPTION_TABLES = (
    "catalog_services",
    "service_adoption",
    "adoption_weekly",
    "platform_deploys_weekly",
    "adoption_effect",
    "adoption_effect_services",
    "catalog_problems",
    "platform_workflow_pins",
    "team_hierarchy",
)
NO_VALUE = "—"
METRIC_LABELS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time (median)",
    "change_fail_rate": "Change fail rate",
    "recovery_time": "Recovery time (median)",
}


@dataclass(frozen=True)
class AdoptionData:
    """The adoption tables of one serving copy (empty frames for tables it does not have)."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames.get(table, pd.DataFrame())

    @property
    def configured(self) -> bool:
        """True when a catalog load has produced signals (the `catalog` section is set)."""
        return not self["service_adoption"].empty

    @property
    def signals(self) -> list[tuple[str, str]]:
        """(signal, description) in configuration order."""
        frame = self["service_adoption"]
        if frame.empty:
            return []
        firsts = frame.sort_values("position").drop_duplicates("signal")
        return [(r.signal, r.description or r.signal) for r in firsts.itertuples()]


def read_adoption(path: Path) -> AdoptionData:
    """Every adoption table of the serving copy at ``path``, read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        frames = {t: con.execute(f"SELECT * FROM {t}").df() for t in ADOPTION_TABLES if t in present}
    finally:
        con.close()
    return AdoptionData(frames)


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def format_metric(metric: str, value: Any) -> str:
    """A DiD figure in its unit: deployments per week, hours, or % for the change fail rate."""
    value = _clean(value)
    if value is None:
        return NO_VALUE
    if metric == "deployment_frequency":
        return f"{value:.2f}/wk"
    if metric == "change_fail_rate":
        return f"{value * 100:.1f}%"
    return f"{value:.1f} h"


def format_change(metric: str, value: Any) -> str:
    """A signed difference: percentage points for the change fail rate."""
    value = _clean(value)
    if value is None:
        return NO_VALUE
    if metric == "deployment_frequency":
        return f"{value:+.2f}/wk"
    if metric == "change_fail_rate":
        return f"{value * 100:+.1f} pp"
    return f"{value:+.1f} h"


def verdict(metric: str, did: Any) -> str:
    """Whether the difference points the good way for this metric (a direction, not a significance test)."""
    did = _clean(did)
    if did is None:
        return NO_VALUE
    if abs(did) < 1e-9:
        return "no difference"
    better = did > 0 if metric == "deployment_frequency" else did < 0
    return "better" if better else "worse"


def scorecard(data: AdoptionData, scope: str, week_start: Any) -> pd.DataFrame:
    """One row per scope name, one column per signal: "k of n (share)" for the given week."""
    weekly = data["adoption_weekly"]
    if weekly.empty:
        return pd.DataFrame()
    rows = weekly[(weekly["scope"] == scope) & (weekly["week_start"] == week_start)]
    labels = dict(data.signals)
    table: dict[str, dict[str, str]] = {}
    for r in rows.itertuples():
        cell = f"{r.services_meeting} of {r.services} ({r.share * 100:.0f}%)"
        table.setdefault(r.scope_name, {})[labels.get(r.signal, r.signal)] = cell
    order = [labels[s] for s, _ in data.signals]
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame = frame[[c for c in order if c in frame.columns]]
    frame.index.name = scope.capitalize()
    return frame.sort_index().reset_index()


def _before_after(metric: str, before: Any, after: Any) -> str:
    return f"{format_metric(metric, before)} → {format_metric(metric, after)}"


def _did_text(metric: str, did: Any) -> str:
    text = format_change(metric, did)
    return text if text == NO_VALUE else f"{text} ({verdict(metric, did)})"


def effect_table(data: AdoptionData, scope: str, scope_name: str) -> pd.DataFrame:
    """The difference in differences of one scope, one row per metric, formatted, with n."""
    effect = data["adoption_effect"]
    if effect.empty:
        return pd.DataFrame()
    rows = effect[(effect["scope"] == scope) & (effect["scope_name"] == scope_name)].sort_values("metric_order")
    out = []
    for r in rows.itertuples():
        out.append(
            {
                "Metric": METRIC_LABELS.get(r.metric, r.metric),
                "Adopters (n)": int(r.services),
                "Adopters: before → after": _before_after(r.metric, r.treated_before, r.treated_after),
                "Comparison (n)": int(r.control_services),
                "Comparison: before → after": _before_after(r.metric, r.control_before, r.control_after),
                "Difference in differences": _did_text(r.metric, r.did),
                "Left out (n)": int(r.excluded_services),
            }
        )
    return pd.DataFrame(out)


def effect_services_table(data: AdoptionData, scope: str, scope_name: str) -> pd.DataFrame:
    """Each adopting service of the scope with its adoption week and status, one row per service."""
    services = data["adoption_effect_services"]
    if services.empty:
        return pd.DataFrame()
    if scope == "team":
        services = services[services["team"] == scope_name]
    elif scope == "department":
        services = services[services["department"] == scope_name]
    out = []
    for service, group in services.groupby("service", sort=True):
        first = group.iloc[0]
        included = group[group["status"] == "included"]
        status = "included" if len(included) == len(group) else first["status"]
        if 0 < len(included) < len(group):
            missing = ", ".join(METRIC_LABELS[m] for m in group[group["status"] != "included"]["metric"])
            status = f"included (no figure for {missing})"
        adopted = _clean(first["adopted_at"])
        out.append(
            {
                "Service": service,
                "Team": first["team"],
                "Adopted": pd.Timestamp(adopted).strftime("%Y-%m-%d") if adopted is not None else NO_VALUE,
                "Status": status,
            }
        )
    return pd.DataFrame(out)
