"""Adoption shares per team and organisation, the platform pipeline share, and adoption before the history window.

Hand-computed: weeks start Monday; the history's first full week is 2026-08-10, the current week 2026-11-23.
Team `payments` (department `money`) owns a and b; team `search` (no department) owns c.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from adoption_rows import (
    LOADED_AT,
    connect,
    deployment,
    insert,
    rows,
    run_adoption_sql,
    service,
    settings,
    signals,
)


def d(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour)


@pytest.fixture()
def con():
    con = connect()
    insert(con, "raw_catalog_services", [service("a", "payments"), service("b", "payments"), service("c", "search")])
    insert(
        con,
        "raw_team_hierarchy",
        [
            {"team": "payments", "department": "money", "organisation": "acme", "known": True, "source": "catalog"},
            {"team": "search", "department": None, "organisation": "acme", "known": True, "source": "catalog"},
        ],
    )
    signals(con, ("registered", "registered", {}), ("platform_deploy", "platform_deploys", {"min_share": 0}))
    settings(con)
    insert(
        con,
        "raw_adoption_evidence",
        [
            # c was registered, then left the catalog: last seen 18 Nov, before the latest load.
            {"service": "a", "signal": "registered", "held_since": d(11, 10), "first_observed_at": d(11, 10),
             "last_observed_at": LOADED_AT},
            {"service": "b", "signal": "registered", "held_since": d(11, 17), "first_observed_at": d(11, 17),
             "last_observed_at": LOADED_AT},
            {"service": "c", "signal": "registered", "held_since": d(11, 3), "first_observed_at": d(11, 3),
             "last_observed_at": d(11, 18)},
        ],
    )  # fmt: skip
    insert(
        con,
        "deployments",
        [
            # a: two deployments the old way, then through the platform from 16 Sep.
            deployment("a1", "a", d(8, 12), "payments", platform=False),
            deployment("a2", "a", d(9, 2), "payments", platform=False),
            deployment("a3", "a", d(9, 16), "payments", platform=True),
            deployment("a4", "a", d(11, 18), "payments", platform=True),
            # b: every deployment in the history already went through the platform.
            deployment("b1", "b", d(8, 5), "payments", platform=True),
            deployment("b2", "b", d(11, 17), "payments", platform=True),
            # c: never.
            deployment("c1", "c", d(11, 19), "search", platform=False),
        ],
    )
    run_adoption_sql(con)
    return con


def shares(con, signal: str, week: date) -> dict[tuple[str, str], tuple[int, int]]:
    found = rows(
        con,
        "SELECT scope, scope_name, services_meeting, services FROM adoption_weekly WHERE signal = ? AND week_start = ?",
        [signal, week],
    )
    return {(r["scope"], r["scope_name"]): (r["services_meeting"], r["services"]) for r in found}


def test_registered_share_per_team_department_and_organisation_week_by_week(con) -> None:
    # Week of 2 Nov: only c (registered 3 Nov).
    assert shares(con, "registered", date(2026, 11, 2)) == {
        ("team", "payments"): (0, 2),
        ("team", "search"): (1, 1),
        ("department", "money"): (0, 2),
        ("organisation", "acme"): (1, 3),
    }
    # Week of 9 Nov: a joins (10 Nov).
    assert shares(con, "registered", date(2026, 11, 9))[("organisation", "acme")] == (2, 3)
    # Week of 16 Nov: b joins (17 Nov) and c still held on 18 Nov.
    assert shares(con, "registered", date(2026, 11, 16))[("organisation", "acme")] == (3, 3)
    # Week of 23 Nov: c no longer holds.
    assert shares(con, "registered", date(2026, 11, 23))[("team", "search")] == (0, 1)
    share = rows(
        con,
        "SELECT share, iso_week FROM adoption_weekly WHERE signal = 'registered' AND scope = 'organisation'"
        " AND week_start = DATE '2026-11-23'",
    )[0]
    assert share == {"share": pytest.approx(2 / 3), "iso_week": "2026-W48"}


def test_platform_deploy_signal_dates_and_a_service_adopted_before_the_history_window(con) -> None:
    found = {
        r["service"]: r
        for r in rows(con, "SELECT * FROM service_adoption WHERE signal = 'platform_deploy' ORDER BY service")
    }
    assert found["a"]["held_since"] == d(9, 16)
    assert found["a"]["left_censored"] is False and found["a"]["adopted_before_history"] is False
    # b never deployed another way inside the history: it adopted at or before its first deployment here.
    assert found["b"]["held_since"] == d(8, 5)
    assert found["b"]["left_censored"] is True and found["b"]["adopted_before_history"] is True
    assert found["b"]["detail"] == "2 of 2 production deployments through the platform"
    assert found["c"]["held_since"] is None and found["c"]["holds_now"] is False
    # b counts as adopted from the first week of the series.
    assert shares(con, "platform_deploy", date(2026, 8, 3))[("organisation", "acme")] == (1, 3)
    assert shares(con, "platform_deploy", date(2026, 9, 14))[("organisation", "acme")] == (2, 3)


def test_registered_evidence_from_before_the_history_window_counts_from_the_start(con) -> None:
    con.execute("UPDATE raw_adoption_evidence SET held_since = TIMESTAMP '2025-01-06' WHERE service = 'a'")
    from adoption_rows import run_adoption_sql as rerun

    rerun(con)
    (row,) = rows(con, "SELECT * FROM service_adoption WHERE service = 'a' AND signal = 'registered'")
    assert row["adopted_before_history"] is True
    assert shares(con, "registered", date(2026, 8, 3))[("team", "payments")] == (1, 2)


def test_platform_pipeline_share_of_production_deployments(con) -> None:
    found = rows(
        con,
        "SELECT scope, scope_name, deployments, platform_deployments, platform_share FROM platform_deploys_weekly"
        " WHERE week_start = DATE '2026-11-16' ORDER BY scope, scope_name",
    )
    assert found == [
        {"scope": "department", "scope_name": "money", "deployments": 2, "platform_deployments": 2,
         "platform_share": 1.0},
        {"scope": "organisation", "scope_name": "acme", "deployments": 3, "platform_deployments": 2,
         "platform_share": pytest.approx(2 / 3)},
        {"scope": "team", "scope_name": "payments", "deployments": 2, "platform_deployments": 2,
         "platform_share": 1.0},
        {"scope": "team", "scope_name": "search", "deployments": 1, "platform_deployments": 0,
         "platform_share": 0.0},
    ]  # fmt: skip
    # A week without deployments has no share (not 0%).
    quiet = rows(
        con,
        "SELECT deployments, platform_share FROM platform_deploys_weekly WHERE scope = 'organisation'"
        " AND week_start = DATE '2026-10-05'",
    )
    assert quiet == [{"deployments": 0, "platform_share": None}]


def test_min_share_delays_the_platform_deploy_date() -> None:
    con = connect()
    insert(con, "raw_catalog_services", [service("a", "payments")])
    signals(con, ("platform_deploy", "platform_deploys", {"min_share": 0.5}))
    settings(con)
    insert(
        con,
        "deployments",
        [
            deployment("1", "a", d(10, 1), "payments", platform=False),
            deployment("2", "a", d(10, 2), "payments", platform=False),
            deployment("3", "a", d(10, 5), "payments", platform=True),  # 1 of 3 in 28 days
            deployment("4", "a", d(10, 6), "payments", platform=True),  # 2 of 4: reaches one half
        ],
    )
    run_adoption_sql(con)
    (row,) = rows(con, "SELECT held_since FROM service_adoption")
    assert row["held_since"] == d(10, 6)


def test_without_the_deployments_column_the_workflow_files_decide() -> None:
    con = connect(platform_column=False)
    insert(con, "raw_catalog_services", [service("a", "payments")])
    signals(con, ("platform_deploy", "platform_deploys", {}))
    settings(con)
    for run_id, at in ((1, d(9, 1)), (2, d(10, 1))):
        insert(
            con,
            "deployments",
            [{**deployment(f"workflow_run:a:{run_id}", "a", at, "payments"), "source": "workflow_run"}],
        )
        insert(
            con,
            "raw_github_workflow_runs",
            [{"repository": "a", "run_id": run_id, "workflow_path": ".github/workflows/deploy.yml",
              "fetched_at": LOADED_AT}],
        )  # fmt: skip
    insert(
        con,
        "raw_catalog_workflow_calls",
        [{"repository": "a", "workflow_path": ".github/workflows/deploy.yml", "line": 5,
          "target_repository": "acme/platform-workflows", "target_workflow": "platform-deploy.yml", "ref": "v3",
          "pin": "current", "is_platform": True, "is_reusable": True, "is_deploy": True,
          "first_seen_at": d(9, 15), "loaded_at": LOADED_AT}],
    )  # fmt: skip
    run_adoption_sql(con)

    decided = rows(con, "SELECT deployment_key, via_platform, decided_by FROM deployment_platform ORDER BY 1")
    # The file has called the platform since 15 Sep: the run before that did not go through it.
    assert decided == [
        {"deployment_key": "workflow_run:a:1", "via_platform": False, "decided_by": "workflow file"},
        {"deployment_key": "workflow_run:a:2", "via_platform": True, "decided_by": "workflow file"},
    ]


def test_services_the_catalog_does_not_describe_are_listed_as_unowned_not_dropped() -> None:
    con = connect()
    insert(con, "raw_catalog_services", [service("a", "payments")])
    insert(con, "team_ownership", [{"team": "search", "kind": "repository", "key": "s", "repository": "s"}])
    insert(
        con,
        "raw_github_repositories",
        [{"repository": "orphan", "full_name": "acme/orphan", "fetched_at": LOADED_AT}],
    )
    insert(con, "deployments", [deployment("x", "mystery", d(10, 1), "unowned")])
    signals(con, ("registered", "registered", {}))
    settings(con)
    run_adoption_sql(con)

    found = rows(con, "SELECT service, team, in_catalog, described FROM catalog_services ORDER BY service")
    assert found == [
        {"service": "a", "team": "payments", "in_catalog": True, "described": True},
        {"service": "mystery", "team": "unowned", "in_catalog": False, "described": False},
        {"service": "orphan", "team": "unowned", "in_catalog": False, "described": False},
        {"service": "s", "team": "search", "in_catalog": False, "described": False},
    ]
    hierarchy = {r["team"]: r["known"] for r in rows(con, "SELECT team, known FROM team_hierarchy")}
    assert hierarchy == {"payments": False, "search": False, "unowned": False}


def test_the_workflows_a_run_called_decide_before_todays_files() -> None:
    con = connect(platform_column=False)
    con.execute("ALTER TABLE deployments ADD COLUMN reusable_workflow TEXT")
    insert(con, "raw_catalog_services", [service("a", "payments"), service("b", "payments")])
    signals(con, ("platform_deploy", "platform_deploys", {}))
    settings(
        con,
        platform_repository="acme/platform-workflows",
        deploy_workflows='["platform-deploy.yml"]',
    )
    platform = "acme/platform-workflows/.github/workflows/platform-deploy.yml@v2"
    called = {
        1: ["acme/platform-workflows/.github/workflows/build.yml@v3", platform],  # called it second: counts
        2: [],  # called nothing: did not go through the platform, whatever the file says today
        3: ["other/tools/.github/workflows/platform-deploy.yml@v1"],  # same file name, another repository
    }
    for run_id, refs in called.items():
        key = f"workflow_run:a:{run_id}:a-svc" if run_id == 3 else f"workflow_run:a:{run_id}"
        insert(
            con,
            "deployments",
            [{**deployment(key, "a", d(10, run_id), "payments"), "source": "workflow_run"}],
        )
        insert(
            con,
            "raw_github_workflow_runs",
            [{"repository": "a", "run_id": run_id, "workflow_path": ".github/workflows/deploy.yml",
              "referenced_workflows": refs, "fetched_at": LOADED_AT}],
        )  # fmt: skip
    # b's deployment has no run row: the workflow ingestion kept on the deployment decides.
    insert(
        con,
        "deployments",
        [{**deployment("workflow_run:b:9", "b", d(10, 9), "payments"), "source": "workflow_run",
          "reusable_workflow": platform.upper()}],
    )  # fmt: skip
    insert(
        con,
        "raw_catalog_workflow_calls",
        [{"repository": "a", "workflow_path": ".github/workflows/deploy.yml", "line": 5,
          "target_repository": "acme/platform-workflows", "target_workflow": "platform-deploy.yml", "ref": "v3",
          "pin": "current", "is_platform": True, "is_reusable": True, "is_deploy": True, "first_seen_at": None,
          "loaded_at": LOADED_AT}],
    )  # fmt: skip
    run_adoption_sql(con)

    decided = rows(con, "SELECT deployment_key, via_platform, decided_by FROM deployment_platform ORDER BY 1")
    assert decided == [
        {"deployment_key": "workflow_run:a:1", "via_platform": True, "decided_by": "called workflows"},
        {"deployment_key": "workflow_run:a:2", "via_platform": False, "decided_by": "called workflows"},
        {"deployment_key": "workflow_run:a:3:a-svc", "via_platform": False, "decided_by": "called workflows"},
        {"deployment_key": "workflow_run:b:9", "via_platform": True, "decided_by": "called workflows"},
    ]
