"""Incident attribution, failed deployments, recovery and rework on hand-computed rows.

Team `payments` owns repository (service) `pay`, paged through PagerDuty service P1; `search` owns `srch` (P2).
Times are November 2026, UTC; `t(day, hour, minute)`.
"""

from __future__ import annotations

import pytest
from incident_world import World, t


def world() -> World:
    return (
        World()
        .owns("payments", "pay")
        .owns("search", "srch")
        .pages("payments", "P1", "pay")
        .pages("search", "P2", "srch")
    )


# --------------------------------------------------------------------------------------------- counting


def test_two_incidents_on_one_deployment_make_one_failed_deployment() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 20))
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 13))
    w.incident("I2", "P1", t(16, 12), resolved=t(16, 18))
    w.compute()

    incidents = w.incidents()
    assert {i: (r["deployment_key"], r["attributed_by"]) for i, r in incidents.items()} == {
        "I1": ("d1", "last_deployment_in_window"),
        "I2": ("d1", "last_deployment_in_window"),
    }
    failed = w.failed()
    assert list(failed) == ["d1"]
    assert failed["d1"]["incidents"] == 2
    assert failed["d1"]["failure_reasons"] == ["incident"]
    # Recovered when the last of its incidents was resolved: 10:00 -> 18:00.
    assert failed["d1"]["recovered_at"] == t(16, 18)
    assert failed["d1"]["recovery_hours"] == pytest.approx(8.0)
    # 1 failed of 2 deployments: never more than 100 %, however many incidents.
    assert w.rates()["pay"][0] == pytest.approx(0.5)
    # Classic time to restore stays per incident.
    assert incidents["I2"]["restore_hours"] == pytest.approx(6.0)


def test_incident_with_no_deployment_in_the_window_is_counted_unattributed() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10))
    w.incident("late", "P1", t(18, 10), resolved=t(18, 11))  # 48 h after d1
    w.incident("early", "P1", t(15, 10), resolved=t(15, 11))  # before any deployment
    w.compute(window_hours=24)

    late, early = w.incidents()["late"], w.incidents()["early"]
    assert late["deployment_key"] is None
    assert late["attributed_by"] == "unattributed"
    assert late["unattributed_reason"] == "outside_window"
    assert late["last_deployment_key"] == "d1"
    assert late["hours_after_last_deployment"] == pytest.approx(48.0)
    assert late["team"] == "payments"  # still an incident of its team
    assert early["unattributed_reason"] == "no_earlier_deployment"
    assert w.failed() == {}
    assert w.rates()["pay"] == (0.0, 0.0)

    # The window is a setting: 0 turns it off, and 48 h is then blamed on d1.
    w.compute(window_hours=0)
    assert w.incidents()["late"]["deployment_key"] == "d1"
    assert w.incidents()["late"]["attributed_by"] == "last_deployment_in_window"
    w.compute(window_hours=48)
    assert w.incidents()["late"]["deployment_key"] == "d1"  # exactly 48 h: inclusive


def test_only_deployments_of_the_incidents_service_are_blamed() -> None:
    w = world()
    w.deploy("srch-1", "srch", t(16, 10, 30)).deploy("pay-1", "pay", t(16, 9))
    w.incident("I1", "P1", t(16, 11))
    w.compute()
    assert w.incidents()["I1"]["deployment_key"] == "pay-1"
    assert w.outcomes()["srch-1"]["failed"] is False


# --------------------------------------------------------------------------------------------- reverts, rollbacks


def test_revert_without_incident_fails_the_reverted_deployment() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 15)).deploy("d3", "pay", t(16, 17))
    w.change("pay", 5, shipped_by="d1", opened=t(16, 9))
    w.change("pay", 6, shipped_by="d2", opened=t(16, 14), title='Revert "A change"', is_revert=True, reverts_number=5)
    w.change("pay", 7, shipped_by="d3", opened=t(16, 16))
    w.compute()

    out = w.outcomes()
    assert out["d1"]["failed"] is True
    assert out["d1"]["failure_reasons"] == ["reverted"]
    assert out["d1"]["incidents"] == 0
    assert out["d1"]["recovered_at"] == t(16, 15)  # when the revert was deployed
    assert out["d1"]["recovery_hours"] == pytest.approx(5.0)
    assert (out["d2"]["failed"], out["d2"]["is_rework"], out["d2"]["rework_reason"]) == (False, True, "revert")
    assert out["d2"]["fixes_deployment_keys"] == ["d1"]
    assert (out["d3"]["failed"], out["d3"]["is_rework"]) == (False, False)
    assert w.rates()["pay"] == (pytest.approx(1 / 3), pytest.approx(1 / 3))


def test_revert_shipped_with_its_change_is_no_failure_and_a_reverted_revert_is_no_failure_of_the_revert() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 12)).deploy("d3", "pay", t(16, 14))
    w.change("pay", 5, shipped_by="d1", opened=t(16, 9))
    w.change("pay", 6, shipped_by="d1", opened=t(16, 9, 30), is_revert=True, reverts_number=5)  # never live
    w.change("pay", 8, shipped_by="d2", opened=t(16, 11))
    w.change("pay", 9, shipped_by="d3", opened=t(16, 13), is_revert=True, reverts_number=8)
    w.change("pay", 10, shipped_by=None, opened=t(16, 15), is_revert=True, reverts_number=9)  # re-lands 8
    w.compute()
    out = w.outcomes()
    assert out["d1"]["failed"] is False
    assert out["d2"]["failure_reasons"] == ["reverted"]
    assert out["d3"]["failed"] is False


def test_revert_named_by_commit_sha() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 12))
    w.change("pay", 5, shipped_by="d1", opened=t(16, 9), sha="0a1b2c3d4e5f60718293a4b5c6d7e8f901234567")
    w.change("pay", 6, shipped_by="d2", opened=t(16, 11), is_revert=True, reverts_sha="0a1b2c3d4e5f")
    w.compute()
    assert w.outcomes()["d1"]["failure_reasons"] == ["reverted"]


def test_rollback_fails_the_deployment_it_rolled_back() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10), sha="a" * 40)
    w.deploy("d2", "pay", t(16, 12), sha="b" * 40, previous="d1")
    w.deploy("d3", "pay", t(16, 13), sha="a" * 40, is_rollback=True, rollback_of="d1", previous="d2")
    w.compute()

    out = w.outcomes()
    assert out["d2"]["failure_reasons"] == ["rolled_back"]
    assert out["d2"]["recovered_at"] == t(16, 13)
    assert out["d2"]["recovery_hours"] == pytest.approx(1.0)
    assert (out["d3"]["is_rework"], out["d3"]["rework_reason"], out["d3"]["fixes_deployment_keys"]) == (
        True,
        "rollback",
        ["d2"],
    )
    assert out["d1"]["failed"] is False
    assert out["d3"]["failed"] is False


def test_rollback_without_previous_key_uses_the_previous_deployment_of_the_service() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 12)).deploy("x", "srch", t(16, 12, 30))
    w.deploy("d3", "pay", t(16, 13), is_rollback=True, rollback_of="d1")
    w.compute()
    assert w.failed().keys() == {"d2"}


def test_incident_fixed_by_a_rollback_is_blamed_on_what_the_rollback_undid() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 8)).deploy("d2", "pay", t(16, 9), previous="d1")
    w.deploy("d3", "pay", t(16, 10), previous="d2")
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 13))
    # Rolled back to d1 at noon: d2 and d3 were undone; d3 is the last one live when the incident began.
    w.deploy("d4", "pay", t(16, 12), is_rollback=True, rollback_of="d1", previous="d3")
    w.compute()
    inc = w.incidents()["I1"]
    assert (inc["deployment_key"], inc["attributed_by"]) == ("d3", "fix_rolls_back")
    assert (inc["fix_deployment_key"], inc["fix_kind"]) == ("d4", "rollback")
    d3 = w.outcomes()["d3"]
    assert d3["failure_reasons"] == ["incident", "rolled_back"]
    assert d3["recovered_at"] == t(16, 12)  # the rollback restored service before the incident was resolved


# --------------------------------------------------------------------------------------------- fixes and recovery


def test_recovery_via_a_fixing_hotfix_deployment() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10))
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 15))
    w.deploy("d2", "pay", t(16, 12, 30))
    w.change("pay", 9, shipped_by="d2", opened=t(16, 11, 30), title="Hotfix: null price", is_hotfix=True)
    w.compute()

    inc = w.incidents()["I1"]
    assert (inc["deployment_key"], inc["attributed_by"]) == ("d1", "last_deployment_in_window")
    assert (inc["fix_deployment_key"], inc["fixed_at"], inc["fix_kind"]) == ("d2", t(16, 12, 30), "hotfix")
    assert inc["restore_hours"] == pytest.approx(4.0)  # classic: created -> resolved
    d1 = w.outcomes()["d1"]
    assert d1["failure_reasons"] == ["hotfixed", "incident"]
    # Recovered when the fix was deployed (12:30), not when the incident was closed (15:00).
    assert d1["recovered_at"] == t(16, 12, 30)
    assert d1["recovery_hours"] == pytest.approx(2.5)
    d2 = w.outcomes()["d2"]
    assert (d2["is_rework"], d2["rework_reason"], d2["fixes_deployment_keys"]) == (True, "hotfix", ["d1"])


def test_incident_resolved_before_its_fix_recovers_at_resolution() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10))
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 11, 45), description="Mitigated by a flag")
    w.deploy("d2", "pay", t(16, 16))  # later clean-up, after the resolution: not the fix
    w.change("pay", 9, shipped_by="d2", opened=t(16, 12), is_hotfix=True)
    w.compute()
    inc = w.incidents()["I1"]
    assert inc["fix_deployment_key"] is None
    assert w.outcomes()["d1"]["recovered_at"] == t(16, 11, 45)
    # The hotfix still counts as unplanned work, and fixes what was live when it was opened.
    assert w.outcomes()["d2"]["rework_reason"] == "hotfix"


def test_ordinary_changes_shipped_during_an_incident_are_not_its_fix() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10))
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 18))
    w.deploy("d2", "pay", t(16, 15))
    w.change("pay", 9, shipped_by="d2", opened=t(16, 12), title="Add a currency")
    w.compute()
    assert w.incidents()["I1"]["fix_deployment_key"] is None
    assert w.outcomes()["d1"]["recovered_at"] == t(16, 18)
    assert w.outcomes()["d2"]["is_rework"] is False


def test_a_change_naming_the_incident_is_its_fix_and_rework() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10))
    w.incident("Q1ABCDEF2GHIJK", "P1", t(16, 11), resolved=t(16, 18))
    w.deploy("d2", "pay", t(16, 13))
    w.change("pay", 9, shipped_by="d2", opened=t(16, 12), title="Guard the null price (Q1ABCDEF2GHIJK)")
    w.compute()
    inc = w.incidents()["Q1ABCDEF2GHIJK"]
    assert (inc["fix_deployment_key"], inc["fix_kind"]) == ("d2", "names_incident")
    assert w.outcomes()["d1"]["recovered_at"] == t(16, 13)
    assert w.outcomes()["d2"]["rework_reason"] == "incident_fix"


def test_unresolved_incident_has_no_recovery_yet() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10))
    w.incident("I1", "P1", t(16, 11))
    w.incident("I2", "P1", t(16, 12), resolved=t(16, 13))
    w.compute()
    d1 = w.failed()["d1"]
    assert d1["incidents"] == 2
    assert d1["recovered_at"] is None and d1["recovery_hours"] is None


def test_hotfix_without_incident_fails_what_was_live_when_it_was_opened() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 15))
    w.change("pay", 9, shipped_by="d2", opened=t(16, 14), is_hotfix=True)
    w.deploy("d3", "pay", t(19, 12))
    w.change("pay", 10, shipped_by="d3", opened=t(19, 11), is_hotfix=True)  # 67 h after d2: outside the window
    w.compute()
    out = w.outcomes()
    assert out["d1"]["failure_reasons"] == ["hotfixed"]
    assert out["d1"]["recovered_at"] == t(16, 15)
    assert out["d2"]["failed"] is False
    assert (out["d3"]["failed"], out["d3"]["rework_reason"]) == (False, "hotfix")


# --------------------------------------------------------------------------------------------- explicit links


def test_explicit_links_win_over_the_window() -> None:
    w = world()
    sha = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
    w.deploy("d1", "pay", t(16, 8), sha=sha, url="https://github.com/acme/pay/actions/runs/111")
    w.deploy("d2", "pay", t(16, 9))
    w.deploy("d3", "pay", t(16, 10))
    w.change("pay", 41, shipped_by="d2", opened=t(16, 8, 30))
    w.deploy("d4", "pay", t(16, 11))
    w.incident("by-sha", "P1", t(16, 12), description="Started right after 9f8e7d6 went out")
    w.incident("by-pr", "P1", t(16, 12), title="Latency since acme/pay#41")
    w.incident(
        "by-url", "P1", t(16, 12), description="see https://github.com/acme/pay/actions/runs/111/job/9, rolled forward"
    )
    w.incident("by-window", "P1", t(16, 12))
    w.compute()
    got = {i: (r["deployment_key"], r["attributed_by"]) for i, r in w.incidents().items()}
    assert got == {
        "by-sha": ("d1", "incident_names_commit"),
        "by-pr": ("d2", "incident_names_pull_request"),
        "by-url": ("d1", "incident_names_deployment"),
        "by-window": ("d4", "last_deployment_in_window"),
    }


def test_a_link_to_a_deployment_after_the_incident_started_is_ignored() -> None:
    w = world()
    sha = "1234abcd" + "0" * 32
    w.deploy("d1", "pay", t(16, 10))
    w.deploy("d2", "pay", t(16, 13), sha=sha)
    w.incident("I1", "P1", t(16, 12), description="fixed by 1234abcd")
    w.compute()
    assert w.incidents()["I1"]["deployment_key"] == "d1"


def test_the_revert_that_fixed_an_incident_points_at_its_cause() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("d2", "pay", t(16, 10, 30))
    w.change("pay", 5, shipped_by="d1", opened=t(16, 9))
    w.change("pay", 6, shipped_by="d2", opened=t(16, 10))
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 12))
    w.deploy("d3", "pay", t(16, 11, 40))
    w.change(
        "pay", 7, shipped_by="d3", opened=t(16, 11, 10), title='Revert "Change 5"', is_revert=True, reverts_number=5
    )
    w.compute()
    inc = w.incidents()["I1"]
    # The window rule alone would have blamed d2, the last deployment before the incident.
    assert (inc["deployment_key"], inc["attributed_by"]) == ("d1", "fix_reverts_change")
    out = w.outcomes()
    assert out["d1"]["failure_reasons"] == ["incident", "reverted"]
    assert out["d1"]["recovered_at"] == t(16, 11, 40)
    assert out["d2"]["failed"] is False
    assert out["d3"]["rework_reason"] == "revert"


# --------------------------------------------------------------------------------------------- ownership, sources


def test_incidents_on_services_owned_by_no_team_are_kept() -> None:
    w = world().owns("platform", "shared-lib")
    w.deploy("pay-1", "pay", t(16, 10)).deploy("orphan-1", "orphan", t(16, 10))
    w.incident("stray", "P9", t(16, 11))  # PagerDuty service nobody lists
    w.issue("orphan", 3, t(16, 11), closed=t(16, 12))  # incident issue in a repository nobody owns
    w.compute()
    incidents = w.incidents()
    stray, orphan = incidents["stray"], incidents["github:orphan#3"]
    assert (stray["team"], stray["service"], stray["deployment_key"]) == ("unowned", None, None)
    assert stray["unattributed_reason"] == "no_service"
    assert (orphan["team"], orphan["service"], orphan["source"]) == ("unowned", "orphan", "github_issue")
    assert orphan["deployment_key"] == "orphan-1"
    assert orphan["resolved_at"] == t(16, 12)
    service_map = w.rows("pagerduty_service_map", "pagerduty_service_id")
    assert service_map["P9"]["team"] == "unowned" and service_map["P9"]["mapped_by"] is None
    assert service_map["P1"]["service"] == "pay" and service_map["P1"]["mapped_by"] == "config"


def test_pagerduty_service_listed_without_repository_counts_for_its_team() -> None:
    w = world().pages("search", "P7", None)
    w.deploy("srch-1", "srch", t(16, 10))
    w.incident("I7", "P7", t(16, 11))
    w.compute()
    inc = w.incidents()["I7"]
    assert (inc["team"], inc["service"], inc["unattributed_reason"]) == ("search", None, "no_service")


def test_github_incident_issue_closed_by_a_pull_request() -> None:
    w = world()
    w.deploy("d1", "srch", t(16, 10))
    w.issue("srch", 12, t(16, 11), closed=t(16, 14), labels=("incident", "severity: 2"))
    w.deploy("d2", "srch", t(16, 13, 30))
    w.change("srch", 13, shipped_by="d2", opened=t(16, 12), title="Fixes #12: index rebuild")
    w.compute()
    inc = w.incidents()["github:srch#12"]
    assert (inc["deployment_key"], inc["team"], inc["status"]) == ("d1", "search", "resolved")
    assert inc["priority"] == "severity: 2" and inc["restore_hours"] == pytest.approx(3.0)
    assert (inc["fix_deployment_key"], inc["fix_kind"]) == ("d2", "names_incident")
    assert w.outcomes()["d1"]["recovered_at"] == t(16, 13, 30)
    assert w.outcomes()["d2"]["rework_reason"] == "incident_fix"


# --------------------------------------------------------------------------------------------- rates


def test_change_fail_rate_and_rework_rate_hand_computed() -> None:
    """pay: ten deployments in a week.

    d1 incident (window) · d2 ok · d3 reverted by d4 · d5 ok · d6 rolled back by d7 · d8 ok · d9 hotfixed by d10.
    Failed: d1, d3, d6, d9 -> 4/10. Rework: d4 (revert), d7 (rollback), d10 (hotfix) -> 3/10.
    """
    w = world()
    for n, hour in enumerate((8, 9, 10, 11, 12, 13, 14, 15, 16, 17), start=1):
        w.deploy(f"d{n}", "pay", t(17, hour), is_rollback=n == 7, rollback_of="d5" if n == 7 else None)
    w.incident("I1", "P1", t(17, 8, 30), resolved=t(17, 8, 50))
    w.change("pay", 30, shipped_by="d3", opened=t(17, 9, 30))
    w.change("pay", 31, shipped_by="d4", opened=t(17, 10, 30), is_revert=True, reverts_number=30)
    w.change("pay", 32, shipped_by="d10", opened=t(17, 16, 30), is_hotfix=True)
    w.compute()
    assert sorted(w.failed()) == ["d1", "d3", "d6", "d9"]
    rework = {k: r["rework_reason"] for k, r in w.outcomes().items() if r["is_rework"]}
    assert rework == {"d4": "revert", "d7": "rollback", "d10": "hotfix"}
    assert w.rates()["pay"] == (pytest.approx(0.4), pytest.approx(0.3))
    assert w.rates("team")["payments"] == (pytest.approx(0.4), pytest.approx(0.3))
    # Recovery from each deployment: d1 50 min (incident resolved 08:50), d3 1 h (revert d4), d6 1 h (rollback d7),
    # d9 1 h (hotfix d10).
    hours = {k: round(r["recovery_hours"], 3) for k, r in w.failed().items()}
    assert hours == {"d1": pytest.approx(0.833, abs=1e-3), "d3": 1.0, "d6": 1.0, "d9": 1.0}


def test_works_before_github_adds_its_revert_and_rollback_columns() -> None:
    """The rules that need is_rollback / is_revert / ... find nothing until those columns exist; nothing breaks."""
    w = World(
        deployments_ddl="""CREATE TABLE deployments (deployment_key TEXT, source TEXT, repository TEXT, service TEXT,
            team TEXT, environment TEXT, sha TEXT, started_at TIMESTAMP, deployed_at TIMESTAMP, url TEXT)""",
        changes_ddl="""CREATE TABLE changes (repository TEXT, service TEXT, team TEXT, number INTEGER, title TEXT,
            author TEXT, commits INTEGER, first_commit_at TIMESTAMP, created_at TIMESTAMP, merged_at TIMESTAMP,
            merge_commit_sha TEXT, html_url TEXT, deployment_key TEXT, deployed_at TIMESTAMP,
            lead_time_hours DOUBLE)""",
    )
    w.owns("payments", "pay").pages("payments", "P1", "pay")
    w.con.execute(
        "INSERT INTO deployments VALUES ('d1', 'deployments_api', 'pay', 'pay', 'payments', 'production', 'abc', "
        "?, ?, NULL), ('d2', 'deployments_api', 'pay', 'pay', 'payments', 'production', 'def', ?, ?, NULL)",
        [t(16, 10), t(16, 10), t(16, 12), t(16, 12)],
    )
    w.incident("I1", "P1", t(16, 11), resolved=t(16, 13))
    w.compute()
    assert w.incidents()["I1"]["deployment_key"] == "d1"
    out = w.outcomes()
    assert out["d1"]["failure_reasons"] == ["incident"] and out["d1"]["recovery_hours"] == pytest.approx(3.0)
    assert out["d2"]["is_rework"] is False


def test_github_incident_issue_references_from_its_body() -> None:
    """GitHub ingestion extracts deployment ids, run ids, SHAs and pull numbers from the issue body."""
    w = world()
    w.deploy("api-7", "srch", t(16, 8), url="https://api.github.com/repos/acme/srch/deployments/7")
    w.deploy("run-55", "srch", t(16, 9), url="https://github.com/acme/srch/actions/runs/55", sha="c0ffee1" + "0" * 33)
    w.deploy("run-56", "srch", t(16, 10), url="https://github.com/acme/srch/actions/runs/56")
    w.change("srch", 21, shipped_by="run-56", opened=t(16, 9, 30))
    w.deploy("run-57", "srch", t(16, 10, 30), url="https://github.com/acme/srch/actions/runs/57")
    w.issue("srch", 1, t(16, 11), referenced_deployment_ids=[7])
    w.issue("srch", 2, t(16, 11), referenced_run_ids=[55])
    w.issue("srch", 3, t(16, 11), referenced_shas=["c0ffee1"])
    w.issue("srch", 4, t(16, 11), referenced_pull_numbers=[21])
    w.issue("srch", 5, t(16, 11))
    w.compute()
    got = {i: (r["deployment_key"], r["attributed_by"]) for i, r in w.incidents().items()}
    assert got == {
        "github:srch#1": ("api-7", "incident_names_deployment"),
        "github:srch#2": ("run-55", "incident_names_deployment"),
        "github:srch#3": ("run-55", "incident_names_commit"),
        "github:srch#4": ("run-56", "incident_names_pull_request"),
        "github:srch#5": ("run-57", "last_deployment_in_window"),
    }


def test_the_mapping_records_where_it_came_from() -> None:
    """team_ownership rows from a service catalog carry source 'catalog'; configuration rows have none."""
    w = world()
    w.con.execute("ALTER TABLE team_ownership ADD COLUMN IF NOT EXISTS source TEXT")
    w.con.execute(
        "INSERT INTO team_ownership (team, kind, key, repository, source) "
        "VALUES ('search', 'pagerduty_service', 'P5', 'srch', 'catalog')"
    )
    w.compute()
    service_map = w.rows("pagerduty_service_map", "pagerduty_service_id")
    assert (service_map["P5"]["service"], service_map["P5"]["team"], service_map["P5"]["mapped_by"]) == (
        "srch",
        "search",
        "catalog",
    )
    assert service_map["P1"]["mapped_by"] == "config"  # a row without source came from the configuration


def test_pull_request_bodies_name_the_incident_they_fix() -> None:
    w = world()
    w.deploy("d1", "pay", t(16, 10)).deploy("s1", "srch", t(16, 10))
    w.incident("QPD1", "P1", t(16, 11), resolved=t(16, 18))
    w.issue("srch", 40, t(16, 11), closed=t(16, 18))
    w.deploy("d2", "pay", t(16, 13)).deploy("s2", "srch", t(16, 14))
    w.change(
        "pay", 9, shipped_by="d2", opened=t(16, 12), body="See https://acme.pagerduty.com/incidents/QPD1 for context."
    )
    w.change("srch", 41, shipped_by="s2", opened=t(16, 12), title="Rebuild the index", body="Closes #40")
    w.compute()
    incidents = w.incidents()
    assert (incidents["QPD1"]["fix_deployment_key"], incidents["QPD1"]["fix_kind"]) == ("d2", "names_incident")
    assert incidents["github:srch#40"]["fix_deployment_key"] == "s2"
    assert w.outcomes()["d1"]["recovered_at"] == t(16, 13)
    assert w.outcomes()["s1"]["recovered_at"] == t(16, 14)
