"""The inputs of ``metrics_period``: its facts, scopes and counts in temp tables, and every median and percentile.

``metrics.runner`` calls :func:`prepare_metrics_period` just before ``metrics/sql/60_metrics_period.sql``. It runs
``metrics/sql_steps/metrics_period_inputs.sql`` (temp tables ``period_*``), then for each scope and rebuilt period
takes the quantiles of its changes' durations, its failed deployments' recovery times and its incidents' restore
times, and stores them as three temp tables, one row per (sid, pidx) with at least one fact of the kind:

- ``period_change_quantiles``: lead time median, p75, p90 and the medians of coding, pickup, review and merge to
  deploy (hours);
- ``period_recovery_quantiles``: recovery time median, p75, p90 (hours);
- ``period_restore_quantiles``: incident restore median (hours).

``period_grid`` gives each period's facts as positions [lo, hi) among its scope's facts of that kind sorted by
day; the facts are read here in that order, so each period is one slice of one array (``metrics.quantiles``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pulse.warehouse import run_sql_file, table_exists

INPUTS_SQL = Path(__file__).with_name("sql_steps") / "metrics_period_inputs.sql"

# Median, p75 and p90: the lead time and recovery time figures.
DURATION_PROBS = (0.5, 0.75, 0.9)


@dataclass(frozen=True)
class _Kind:
    """One kind of fact whose durations get quantiles: where its rows and slices are, and what is computed."""

    table: str  # the temp table written
    kind: int  # period_facts.kind
    grid_prefix: str  # period_grid.<prefix>_lo / _hi
    columns: Mapping[str, tuple[float, ...]]  # period_facts value column -> probabilities
    names: tuple[str, ...]  # the written columns, in the order of columns' probabilities


KINDS = (
    _Kind(
        "period_change_quantiles",
        2,
        "changes",
        {"v1": DURATION_PROBS, "v2": (0.5,), "v3": (0.5,), "v4": (0.5,), "v5": (0.5,)},
        (
            "lead_time_median_hours",
            "lead_time_p75_hours",
            "lead_time_p90_hours",
            "coding_median_hours",
            "pickup_median_hours",
            "review_median_hours",
            "merge_to_deploy_median_hours",
        ),
    ),
    _Kind(
        "period_recovery_quantiles",
        3,
        "failures",
        {"v1": DURATION_PROBS},
        ("recovery_time_median_hours", "recovery_time_p75_hours", "recovery_time_p90_hours"),
    ),
    _Kind("period_restore_quantiles", 4, "incidents", {"v1": (0.5,)}, ("restore_median_hours",)),
)


def prepare_metrics_period(con: duckdb.DuckDBPyConnection, params: Mapping[str, Any]) -> None:
    """Build the temp tables ``metrics/sql/60_metrics_period.sql`` reads (see the module docstring)."""
    # The scopes already in the table keep their rows; a full recompute starts without the table.
    kept = (
        "SELECT DISTINCT scope, scope_name FROM metrics_period"
        if table_exists(con, "metrics_period")
        else "SELECT NULL::TEXT AS scope, NULL::TEXT AS scope_name WHERE false"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE period_kept_scopes AS {kept}")
    run_sql_file(con, INPUTS_SQL, params)
    for kind in KINDS:
        _quantiles_of_kind(con, kind)


def _quantiles_of_kind(con: duckdb.DuckDBPyConnection, kind: _Kind) -> None:
    # Imported here: numba takes about a second to import, which only a computation should pay.
    from metrics.quantiles import group_order, range_quantiles

    values = ", ".join(f"coalesce({c}, 'NaN'::DOUBLE) AS {c}" for c in kind.columns)
    facts = con.execute(
        f"SELECT service_sid, team_sid, organisation_sid, di, {values} FROM period_facts WHERE kind = ?",
        [kind.kind],
    ).fetchnumpy()
    scope_ids = np.stack([facts.pop(s) for s in ("service_sid", "team_sid", "organisation_sid")])
    sids, at = group_order(scope_ids, facts.pop("di"))
    del scope_ids
    queries = con.execute(
        f"SELECT sid, pidx, {kind.grid_prefix}_lo AS lo, {kind.grid_prefix}_hi AS hi FROM period_grid "
        f"WHERE {kind.grid_prefix}_hi > {kind.grid_prefix}_lo"
    ).fetchnumpy()
    # A scope's facts start where its sid first appears in the sorted array.
    start = np.searchsorted(sids, queries["sid"], side="left")
    lo = start + queries["lo"]
    hi = start + queries["hi"]
    # The counts and the facts come from the same rows; a slice reaching past its scope would mean they do not.
    if np.any(hi > np.searchsorted(sids, queries["sid"], side="right")):
        raise RuntimeError(f"{kind.table}: the period counts do not match the facts of period_facts (kind {kind.kind})")
    del sids, start
    out: dict[str, np.ndarray] = {"sid": queries["sid"], "pidx": queries["pidx"]}
    names = iter(kind.names)
    for column, probs in kind.columns.items():
        result = range_quantiles(facts.pop(column), lo, hi, probs, index=at)
        for i in range(len(probs)):
            out[next(names)] = result[:, i]
    frame = pd.DataFrame(out)
    con.register("period_quantiles_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {kind.table} AS FROM period_quantiles_frame")
    finally:
        con.unregister("period_quantiles_frame")
