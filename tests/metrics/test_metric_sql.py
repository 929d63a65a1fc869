"""The metric SQL on hand-computed rows: rows in, rows out.

The week under test starts Monday 2026-11-16 (UTC). Team `payments` owns repository `pay` (Deployments API)
and PagerDuty service P1; team `search` owns `srch` (deploy workflow runs).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import duckdb
import pytest

from metrics.runner import MetricParams, compute_metrics
from pulse.warehouse import ensure_schema

T0 = datetime(2026, 11, 18, 0, 0)  # fetched_at for every raw row


def ts(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


PARAMS = MetricParams(
    organisation="acme",
    production_branch="main",
    bots=["dependabot[bot]", "renovate[bot]"],
    window_hours=24,
    week_from=date(2026, 11, 9),
    week_to=date(2026, 11, 23),
)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def deployment(n: int, succeeded: datetime | None, repo: str = "pay") -> dict:
    return {
        "repository": repo,
        "deployment_id": n,
        "sha": f"sha{n}",
        "environment": "production",
        "created_at": succeeded or ts(16, 0),
        "succeeded_at": succeeded,
        "fetched_at": T0,
    }


def pull(n: int, merged: datetime, author: str = "alice", author_type: str = "User", repo: str = "pay") -> dict:
    return {
        "repository": repo,
        "number": n,
        "title": f"PR {n}",
        "author": author,
        "author_type": author_type,
        "base_ref": "main",
        "created_at": merged,
        "merged_at": merged,
        "fetched_at": T0,
    }


def commit(n: int, sha: str, authored: datetime, repo: str = "pay") -> dict:
    return {"repository": repo, "number": n, "sha": sha, "authored_at": authored, "fetched_at": T0}


def team_t_owning_r() -> duckdb.DuckDBPyConnection:
    """An empty warehouse in which team ``t`` owns repository ``r``."""
    con = duckdb.connect()
    ensure_schema(con)
    insert(con, "team_ownership", [{"team": "t", "kind": "repository", "key": "r", "repository": "r"}])
    return con


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_schema(con)
    insert(
        con,
        "team_ownership",
        [
            {"team": "payments", "kind": "repository", "key": "pay", "repository": "pay"},
            {"team": "search", "kind": "repository", "key": "srch", "repository": "srch"},
            {"team": "payments", "kind": "pagerduty_service", "key": "P1", "repository": "pay"},
        ],
    )
    insert(
        con,
        "raw_github_deployments",
        [
            deployment(1, ts(16, 10)),
            deployment(2, ts(17, 10)),
            deployment(3, ts(17, 15)),
            deployment(4, None),  # never succeeded: not a deployment
        ],
    )
    insert(
        con,
        "raw_github_workflow_runs",
        [
            {
                "repository": "srch",
                "run_id": 10,
                "head_branch": "main",
                "head_sha": "s1",
                "conclusion": "success",
                "created_at": ts(18, 9),
                "updated_at": ts(18, 9, 30),
                "fetched_at": T0,
            },
            {
                "repository": "srch",
                "run_id": 11,
                "head_branch": "main",
                "head_sha": "s2",
                "conclusion": "failure",
                "created_at": ts(18, 11),
                "updated_at": ts(18, 11, 30),
                "fetched_at": T0,
            },
            {
                "repository": "srch",
                "run_id": 12,
                "head_branch": "feature",
                "head_sha": "s3",
                "conclusion": "success",
                "created_at": ts(18, 12),
                "updated_at": ts(18, 12, 30),
                "fetched_at": T0,
            },
        ],
    )
    insert(
        con,
        "raw_github_pull_requests",
        [
            pull(1, ts(16, 9)),
            pull(2, ts(17, 9)),  # squash-merged: its merge commit is not in its commit list
            pull(3, ts(17, 12), author="dependabot[bot]", author_type="Bot"),
            pull(4, ts(17, 14)),
        ],
    )
    insert(
        con,
        "raw_github_pull_request_commits",
        [
            commit(1, "a1", ts(15, 9)),
            commit(1, "a2", ts(16, 8)),
            commit(2, "b1", ts(16, 21)),
            commit(3, "c1", ts(17, 11)),
            commit(4, "d1", ts(17, 12)),
        ],
    )
    insert(
        con,
        "raw_pagerduty_incidents",
        [
            {
                "incident_id": "I1",
                "service_id": "P1",
                "status": "resolved",
                "created_at": ts(17, 11),
                "resolved_at": ts(17, 13),
                "fetched_at": T0,
            },
            {
                "incident_id": "I2",
                "service_id": "P1",
                "status": "resolved",
                "created_at": ts(17, 12),
                "resolved_at": ts(17, 18),
                "fetched_at": T0,
            },
            # 45 hours after the last deployment: outside the 24 h window, so unattributed but still counted.
            {
                "incident_id": "I3",
                "service_id": "P1",
                "status": "resolved",
                "created_at": ts(19, 12),
                "resolved_at": ts(19, 14),
                "fetched_at": T0,
            },
        ],
    )
    compute_metrics(con, PARAMS)
    return con


def week_row(con: duckdb.DuckDBPyConnection, scope_name: str, week: str = "2026-W47") -> dict:
    cur = con.execute("SELECT * FROM metrics_weekly WHERE scope_name = ? AND iso_week = ?", [scope_name, week])
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def test_deployments_count_only_successful_production_runs(con: duckdb.DuckDBPyConnection) -> None:
    keys = sorted(r[0] for r in con.execute("SELECT deployment_key FROM deployments").fetchall())
    assert keys == [
        "deployment:pay:1",
        "deployment:pay:2",
        "deployment:pay:3",
        "workflow_run:srch:10",
    ]


def test_lead_time_starts_at_first_commit_and_excludes_bots(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT number, lead_time_hours FROM changes ORDER BY number").fetchall()
    # PR1: first commit Sun 09:00 -> deployed Mon 10:00 = 25 h; PR2: Mon 21:00 -> Tue 10:00 = 13 h;
    # PR4: Tue 12:00 -> Tue 15:00 = 3 h; PR3 is a bot's.
    assert rows == [(1, 25.0), (2, 13.0), (4, 3.0)]


def test_team_week_hand_computed(con: duckdb.DuckDBPyConnection) -> None:
    row = week_row(con, "payments")
    assert row["deployments"] == 3
    assert row["deployment_days"] == 2
    assert row["deployments_per_day"] == pytest.approx(3 / 7)
    assert row["changes"] == 3
    assert row["lead_time_median_hours"] == pytest.approx(13.0)
    assert row["lead_time_p75_hours"] == pytest.approx(19.0)  # interpolated between 13 and 25
    # Two incidents on deployment 2 make one failed deployment; I3 is outside the window.
    assert row["failed_deployments"] == 1
    assert row["change_fail_rate"] == pytest.approx(1 / 3)
    assert row["incidents"] == 3
    # Deployed Tue 10:00, last of its incidents resolved Tue 18:00.
    assert row["recoveries"] == 1
    assert row["recovery_time_median_hours"] == pytest.approx(8.0)


def test_organisation_is_computed_from_rows(con: duckdb.DuckDBPyConnection) -> None:
    row = week_row(con, "acme")
    assert row["scope"] == "organisation"
    assert row["deployments"] == 4
    assert row["change_fail_rate"] == pytest.approx(1 / 4)


def test_quiet_week_has_zero_counts_and_null_figures(con: duckdb.DuckDBPyConnection) -> None:
    row = week_row(con, "search", "2026-W46")
    assert row["deployments"] == 0
    assert row["change_fail_rate"] is None  # no deployments is not a 0% fail rate
    assert row["lead_time_median_hours"] is None
    assert row["recovery_time_median_hours"] is None


def test_unattributed_incident_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT incident_id, deployment_key FROM incidents ORDER BY incident_id").fetchall()
    assert rows == [("I1", "deployment:pay:2"), ("I2", "deployment:pay:2"), ("I3", None)]


def test_median_is_interpolated_not_lower() -> None:
    con = team_t_owning_r()
    insert(con, "raw_github_deployments", [deployment(1, ts(20, 12), repo="r")])
    # Lead times 315 and 670 minutes: a lower median would say 315.
    insert(con, "raw_github_pull_requests", [pull(1, ts(20, 11), repo="r"), pull(2, ts(20, 11), repo="r")])
    insert(
        con,
        "raw_github_pull_request_commits",
        [
            commit(1, "x", ts(20, 12) - timedelta(minutes=315), "r"),
            commit(2, "y", ts(20, 12) - timedelta(minutes=670), "r"),
        ],
    )
    compute_metrics(con, PARAMS)
    assert week_row(con, "t")["lead_time_median_hours"] == pytest.approx((315 + 670) / 2 / 60)


def test_recompute_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    before = con.execute("SELECT * FROM metrics_weekly ORDER BY ALL").fetchall()
    compute_metrics(con, PARAMS)
    assert con.execute("SELECT * FROM metrics_weekly ORDER BY ALL").fetchall() == before


def period_row(con: duckdb.DuckDBPyConnection, scope: str, name: str, grain: str, label: str) -> dict:
    cur = con.execute(
        "SELECT * FROM metrics_period WHERE scope = ? AND scope_name = ? AND grain = ? AND period_label = ?",
        [scope, name, grain, label],
    )
    rows = cur.fetchall()
    assert len(rows) == 1, (scope, name, grain, label, rows)
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def test_service_scope_is_computed(con: duckdb.DuckDBPyConnection) -> None:
    row = period_row(con, "service", "pay", "week", "2026-W47")
    assert row["deployments"] == 3
    assert row["lead_time_median_hours"] == pytest.approx(13.0)
    assert row["lead_time_p90_hours"] == pytest.approx(22.6)  # 13 + 0.8 * (25 - 13)


def test_month_and_quarter_periods(con: duckdb.DuckDBPyConnection) -> None:
    month = period_row(con, "team", "payments", "month", "2026-11")
    assert (month["period_start"], month["period_end"], month["period_days"]) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
        30,
    )
    assert month["deployments"] == 3
    assert month["deployments_per_day"] == pytest.approx(3 / 30)
    assert month["deployment_days_per_week"] == pytest.approx(2 * 7 / 30)
    quarter = period_row(con, "organisation", "acme", "quarter", "2026-Q4")
    assert quarter["deployments"] == 4
    assert quarter["period_days"] == 92


def test_rolling_window_ends_on_a_monday_and_excludes_its_end(con: duckdb.DuckDBPyConnection) -> None:
    # [2026-10-26, 2026-11-23): all of week 47's rows.
    row = period_row(con, "team", "payments", "rolling_28d", "R28 to 2026-11-23")
    assert row["deployments"] == 3 and row["changes"] == 3
    assert row["deployments_per_day"] == pytest.approx(3 / 28)
    # The window ending 2026-11-16 closes before week 47 began.
    before = period_row(con, "team", "payments", "rolling_28d", "R28 to 2026-11-16")
    assert before["deployments"] == 0
    assert before["lead_time_median_hours"] is None


def test_tiers_need_enough_rows_and_no_data_is_never_a_good_tier(con: duckdb.DuckDBPyConnection) -> None:
    row = period_row(con, "team", "payments", "week", "2026-W47")
    # 3 deployments and 3 changes are below the default minimum of 5.
    assert row["lead_time_tier"] == "not enough data"
    assert row["change_fail_rate_tier"] == "not enough data"
    assert row["recovery_time_tier"] == "high"  # one recovery of 8 h; the minimum of failures is 1
    quiet = period_row(con, "team", "search", "week", "2026-W46")
    assert quiet["lead_time_tier"] == "no data"
    assert quiet["change_fail_rate_tier"] == "no data"
    assert quiet["recovery_time_tier"] == "no data"
    assert quiet["deployment_frequency_tier"] == "not enough data"


def test_tier_bands_follow_the_chosen_year() -> None:
    con = team_t_owning_r()
    # 20 deployments over the window, two of them failed: CFR 10% = 2023 "high", 2024 "medium" band.
    insert(con, "raw_github_deployments", [deployment(n, ts(16, 0) + timedelta(hours=n), repo="r") for n in range(20)])
    insert(
        con,
        "raw_pagerduty_incidents",
        [
            {
                "incident_id": f"I{n}",
                "service_id": "P9",
                "status": "resolved",
                "created_at": ts(16, 0, 30) + timedelta(hours=n),
                "resolved_at": ts(16, 0, 45) + timedelta(hours=n),
                "fetched_at": T0,
            }
            for n in (3, 7)
        ],
    )
    insert(con, "team_ownership", [{"team": "t", "kind": "pagerduty_service", "key": "P9", "repository": "r"}])
    for year, expected in ((2023, "high"), (2024, "medium")):
        compute_metrics(con, replace(PARAMS, benchmark_year=year))
        row = period_row(con, "team", "t", "week", "2026-W47")
        assert row["change_fail_rate"] == pytest.approx(0.10)
        assert row["change_fail_rate_tier"] == expected, year
        assert row["deployment_frequency_tier"] == "elite"  # 20 in a week: multiple per day
        assert row["deployment_frequency_bucket"] == "multiple per day"


def test_deployment_without_changes_still_counts() -> None:
    """An inner join of deployments to changes would drop this deployment (a peer's mistake)."""
    con = team_t_owning_r()
    insert(con, "raw_github_deployments", [deployment(1, ts(18, 12), repo="r")])
    compute_metrics(con, PARAMS)
    row = period_row(con, "team", "t", "week", "2026-W47")
    assert row["deployments"] == 1 and row["changes"] == 0
    assert row["lead_time_median_hours"] is None


def test_deployments_in_the_same_second_are_ordered_by_key() -> None:
    """Two chains (environments) deploy the same change in the same second: its first deployment is the one with
    the smaller key, as deployment_seq orders them (keys compare as text: ':10' before ':9')."""
    con = team_t_owning_r()
    insert(
        con,
        "raw_github_deployments",
        [
            deployment(7, ts(17, 9), repo="r"),
            {**deployment(9, ts(18, 12), repo="r"), "environment": "production-eu"},
            {**deployment(10, ts(18, 12), repo="r"), "environment": "production-us"},
        ],
    )
    insert(con, "raw_github_pull_requests", [pull(1, ts(18, 9), repo="r")])
    insert(con, "raw_github_pull_request_commits", [commit(1, "a1", ts(18, 8), repo="r")])
    compute_metrics(con, PARAMS)
    seqs = con.execute("SELECT deployment_key, deployment_seq FROM deployments ORDER BY deployment_seq").fetchall()
    assert seqs == [("deployment:r:7", 1), ("deployment:r:10", 2), ("deployment:r:9", 3)]
    shipped = con.execute("SELECT deployment_key, deployed_at, lead_time_hours FROM changes").fetchall()
    assert shipped == [("deployment:r:10", ts(18, 12), 4.0)]


def test_rollback_of_is_the_latest_earlier_deployment_in_key_order_on_a_tie() -> None:
    """Two deployments of commit X in the same second, then Y, then X again: a rollback to the later of the two."""
    con = team_t_owning_r()
    insert(
        con,
        "raw_github_deployments",
        [
            {**deployment(1, ts(16, 10), repo="r"), "sha": "x"},
            {**deployment(2, ts(16, 10), repo="r"), "sha": "x"},
            {**deployment(3, ts(17, 10), repo="r"), "sha": "y"},
            {**deployment(4, ts(18, 10), repo="r"), "sha": "x"},
        ],
    )
    compute_metrics(con, PARAMS)
    rows = con.execute(
        "SELECT deployment_key, is_rollback, rollback_of FROM deployments ORDER BY deployment_seq"
    ).fetchall()
    assert rows == [
        ("deployment:r:1", False, None),
        ("deployment:r:2", False, None),  # the same commit as the previous one: a redeploy
        ("deployment:r:3", False, None),
        ("deployment:r:4", True, "deployment:r:2"),
    ]
