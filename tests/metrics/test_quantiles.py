"""Medians and percentiles of metrics_period: the compiled range quantiles against DuckDB's quantile_cont.

metrics.quantiles must give DuckDB's quantile_cont to the last bit (the figures were computed by quantile_cont
before, and `pulse explain` or anyone's own SQL must find the same numbers), and metrics_period must give, for
every scope and period of every grain, what a plain GROUP BY over that period's rows gives.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from benchmarks import synthetic_org
from benchmarks.metrics_recompute import FULL_WEEK_TO, bench_params
from metrics.quantiles import group_order, range_quantiles, take
from metrics.runner import compute_metrics
from pulse.warehouse import connect

PROBS = [0.5, 0.75, 0.9]


def duckdb_quantiles(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, probs: list[float]) -> np.ndarray:
    """quantile_cont of every slice, by DuckDB (NaN = NULL), in slice order."""
    slices = pd.DataFrame(
        {
            "q": np.repeat(np.arange(lo.size), hi - lo),
            "v": np.concatenate([values[a:b] for a, b in zip(lo, hi, strict=True)] or [np.array([])]),
        }
    )
    slices["v"] = slices["v"].astype("float64").where(slices["v"].notna(), None)
    con = duckdb.connect()
    con.register("slices", slices)
    rows = con.execute(
        "SELECT q, quantile_cont(CASE WHEN isnan(v) THEN NULL ELSE v END, $p) FROM slices GROUP BY q", {"p": probs}
    ).fetchall()
    out = np.full((lo.size, len(probs)), np.nan)
    for q, result in rows:
        if result is not None:
            out[q] = result
    return out


def test_slices_equal_duckdb_to_the_last_bit() -> None:
    rng = np.random.default_rng(11)
    values = np.round(rng.exponential(40.0, 30_000), 2)
    values[rng.random(values.size) < 0.15] = np.nan  # NULLs are skipped
    values[::7] = 12.5  # ties
    lo = rng.integers(0, values.size, 4_000)
    hi = np.minimum(lo + rng.integers(0, 80, lo.size), values.size)  # empty slices, single values, longer runs
    got = range_quantiles(values, lo, hi, PROBS)
    want = duckdb_quantiles(values, lo, hi, PROBS)
    assert np.isnan(got).any() and (hi - lo == 1).any()
    assert np.array_equal(got, want, equal_nan=True)


def test_hand_computed_slices() -> None:
    values = np.array([4.0, 1.0, np.nan, 3.0, 2.0, 10.0])
    lo = np.array([0, 0, 2, 5, 0])
    hi = np.array([2, 4, 3, 6, 0])
    got = range_quantiles(values, lo, hi, PROBS)
    # [4, 1]: r = 0.5, 0.75, 0.9 between 1 and 4.
    assert got[0].tolist() == [2.5, 3.25, 3.7]
    # [4, 1, NULL, 3]: 1, 3, 4 -> median 3, p75 3.5, p90 3.8 (the NULL is skipped, not a zero).
    assert got[1].tolist() == pytest.approx([3.0, 3.5, 3.8], abs=1e-12)
    # Only a NULL, a single value, an empty slice.
    assert np.isnan(got[2]).all()
    assert got[3].tolist() == [10.0, 10.0, 10.0]
    assert np.isnan(got[4]).all()


def test_threads_give_the_same_numbers() -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(100.0, 30.0, 50_000)
    lo = np.sort(rng.integers(0, 45_000, 2_000))
    hi = lo + rng.integers(0, 5_000, lo.size)
    one = range_quantiles(values, lo, hi, PROBS, threads=1)
    assert np.array_equal(one, range_quantiles(values, lo, hi, PROBS, threads=2))
    assert np.array_equal(one, range_quantiles(values, lo, hi, PROBS, threads=3))


def test_group_order_sorts_each_group_by_key() -> None:
    rng = np.random.default_rng(8)
    n = 5_000
    keys = rng.integers(0, 400, n)
    groups = np.stack(
        [rng.integers(1, 30, n), np.where(rng.random(n) < 0.2, 0, rng.integers(30, 40, n)), np.full(n, 40)]
    )
    got_groups, got_items = group_order(groups, keys)
    # The reference: every (group, item) pair but group 0, sorted by group, then key, then item (stable).
    pairs = [(g, keys[i], i) for r in range(3) for i, g in enumerate(groups[r]) if g != 0]
    pairs.sort()
    assert got_groups.tolist() == [g for g, _, _ in pairs]
    assert got_items.tolist() == [i for _, _, i in pairs]


def test_group_order_of_nothing_and_bad_input() -> None:
    groups, items = group_order(np.zeros((3, 0), dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert groups.size == items.size == 0
    with pytest.raises(ValueError):
        group_order(np.array([[1, 2]]), np.array([1, 2, 3]))
    with pytest.raises(ValueError):
        group_order(np.array([[1, -2]]), np.array([1, 2]))


def test_take_and_slices_of_an_index() -> None:
    rng = np.random.default_rng(9)
    values = rng.random(1_000)
    index = rng.integers(0, values.size, 10_000)
    assert np.array_equal(take(values, index, threads=2), values[index])
    assert np.array_equal(take(values, index, threads=1), values[index])
    lo = np.array([0, 100, 5_000])
    hi = np.array([50, 3_000, 10_000])
    assert np.array_equal(
        range_quantiles(values, lo, hi, PROBS, index=index), range_quantiles(values[index], lo, hi, PROBS)
    )
    with pytest.raises(ValueError):
        take(values, np.array([1_000]))


@pytest.mark.parametrize(
    ("probs", "lo", "hi"),
    [([0.9, 0.5], [0], [1]), ([1.5], [0], [1]), ([0.5], [1], [0]), ([0.5], [0], [4]), ([0.5], [-1], [1])],
)
def test_bad_arguments_are_refused(probs: list[float], lo: list[int], hi: list[int]) -> None:
    with pytest.raises(ValueError):
        range_quantiles(np.arange(3.0), np.array(lo), np.array(hi), probs)


# ---------------------------------------------------------------------------------------------------------------
# metrics_period against the plain definition, on a small generated organisation with every grain.

REFERENCE_SQL = """
WITH facts AS (
    SELECT coalesce(service, '(no service)') AS service, team, CAST(deployed_at AS DATE) AS day, 'change' AS kind,
           lead_time_hours AS v1, coding_hours AS v2, pickup_hours AS v3, review_hours AS v4,
           merge_to_deploy_hours AS v5
    FROM changes WHERE deployed_at IS NOT NULL
    UNION ALL
    SELECT coalesce(service, '(no service)'), team, CAST(deployed_at AS DATE), 'failure', recovery_hours,
           NULL, NULL, NULL, NULL
    FROM failed_deployments
    UNION ALL
    SELECT coalesce(service, '(no service)'), team, CAST(created_at AS DATE), 'incident', restore_hours,
           NULL, NULL, NULL, NULL
    FROM incidents
),
scoped AS (
    SELECT 'service' AS scope, service AS scope_name, * EXCLUDE (service, team) FROM facts
    UNION ALL SELECT 'team', team, * EXCLUDE (service, team) FROM facts WHERE team IS NOT NULL
    UNION ALL SELECT 'organisation', $organisation, * EXCLUDE (service, team) FROM facts
)
SELECT m.scope, m.scope_name, m.grain, m.period_start,
    quantile_cont(f.v1, [0.5, 0.75, 0.9]) FILTER (WHERE f.kind = 'change') AS lead_q,
    quantile_cont(f.v2, 0.5) FILTER (WHERE f.kind = 'change') AS coding_median_hours,
    quantile_cont(f.v3, 0.5) FILTER (WHERE f.kind = 'change') AS pickup_median_hours,
    quantile_cont(f.v4, 0.5) FILTER (WHERE f.kind = 'change') AS review_median_hours,
    quantile_cont(f.v5, 0.5) FILTER (WHERE f.kind = 'change') AS merge_to_deploy_median_hours,
    quantile_cont(f.v1, [0.5, 0.75, 0.9]) FILTER (WHERE f.kind = 'failure') AS recovery_q,
    quantile_cont(f.v1, 0.5) FILTER (WHERE f.kind = 'incident') AS restore_median_hours
FROM metrics_period m
JOIN scoped f ON f.scope = m.scope AND f.scope_name = m.scope_name
    AND f.day >= m.period_start AND f.day < m.period_end
GROUP BY ALL
"""

FIGURES = {
    "lead_time_median_hours": ("lead_q", 0),
    "lead_time_p75_hours": ("lead_q", 1),
    "lead_time_p90_hours": ("lead_q", 2),
    "coding_median_hours": ("coding_median_hours", None),
    "pickup_median_hours": ("pickup_median_hours", None),
    "review_median_hours": ("review_median_hours", None),
    "merge_to_deploy_median_hours": ("merge_to_deploy_median_hours", None),
    "recovery_time_median_hours": ("recovery_q", 0),
    "recovery_time_p75_hours": ("recovery_q", 1),
    "recovery_time_p90_hours": ("recovery_q", 2),
    "restore_median_hours": ("restore_median_hours", None),
}


def _pick(value: object, index: int | None) -> float:
    """A reference figure: the value, or one element of a quantile list; NaN for NULL."""
    if index is not None:
        return np.nan if value is None or value is pd.NA or not hasattr(value, "__getitem__") else value[index]
    return np.nan if value is None or pd.isna(value) else value


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path_factory.mktemp("quantiles") / "org.duckdb")
    con.execute("SET enable_progress_bar = false")
    synthetic_org.generate(con, synthetic_org.OrgSize.at_scale(0.002))
    compute_metrics(con, bench_params(FULL_WEEK_TO))
    return con


def test_every_period_equals_a_plain_group_by(computed: duckdb.DuckDBPyConnection) -> None:
    params = bench_params(FULL_WEEK_TO)
    table = computed.execute("SELECT * FROM metrics_period").df()
    reference = computed.execute(REFERENCE_SQL, {"organisation": params.organisation}).df()
    merged = table.merge(
        reference, on=["scope", "scope_name", "grain", "period_start"], how="left", suffixes=("", "_ref")
    )
    assert len(merged) == len(table)
    assert set(table["grain"]) == {"week", "month", "quarter", "rolling_28d", "rolling_90d"}
    for column, (source, index) in FIGURES.items():
        ref_column = f"{source}_ref" if source == column else source
        expected = merged[ref_column].map(lambda v, i=index: _pick(v, i))
        got = merged[column].astype("float64").to_numpy()
        want = expected.astype("float64").to_numpy()
        assert np.array_equal(got, want, equal_nan=True), column
        # Not vacuous (the generated pull requests have no reviews, so pickup and review times are all NULL).
        assert (~np.isnan(got)).sum() > 0 or column in ("pickup_median_hours", "review_median_hours"), column
