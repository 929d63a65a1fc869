"""Incidents, their fixes, failed deployments and rework, rebuilt incrementally, equal a full rebuild.

A first computation sees the rows before Friday 13:00; then deployments, changes and incidents after it arrive,
some of them pointing at older rows: a rollback, a revert and a hotfix of older deployments, a change naming an
older open incident, an old incident resolved now, and an incident that started before 13:00 but whose PagerDuty
row arrives only now. Rebuilding only from 13:00 on must give the same tables as rebuilding everything.
"""

from __future__ import annotations

from datetime import datetime

from incident_world import World, incident_sql_files, t

from metrics.runner import run_metric_file

CUT = t(20, 13)


def before(w: World) -> World:
    w.owns("payments", "pay").pages("payments", "P1", "pay").owns("search", "srch").pages("search", "P2", "srch")
    w.deploy("pay-1", "pay", t(16, 9)).deploy("pay-2", "pay", t(17, 9)).deploy("pay-3", "pay", t(19, 9))
    w.deploy("srch-1", "srch", t(16, 10)).deploy("srch-2", "srch", t(18, 10))
    w.change("pay", 1, shipped_by="pay-1", opened=t(16, 8))
    w.change("pay", 2, shipped_by="pay-2", opened=t(17, 8))
    w.change("srch", 5, shipped_by="srch-2", opened=t(18, 9))
    # Failed before the cut and recovered before it.
    w.incident("PA", "P1", t(17, 10), resolved=t(17, 12))
    # Failed before the cut, still open at the first computation.
    w.incident("PB", "P2", t(18, 11))
    # Open, and named by a change only after the cut.
    w.incident("PDXYZ12", "P1", t(19, 10))
    return w


def after(w: World) -> World:
    # A rollback of pay-3 to pay-2's commit, a revert of #5 (srch-2), a hotfix on pay; an incident after the cut.
    w.deploy("srch-2b", "srch", t(20, 14))
    w.change("srch", 8, shipped_by="srch-2b", opened=t(20, 13, 30), title="Handle PDXYZ12 timeouts")
    w.deploy("pay-4", "pay", t(20, 15), is_rollback=True, rollback_of="pay-2", previous="pay-3")
    w.deploy("srch-3", "srch", t(21, 9))
    w.change("srch", 6, shipped_by="srch-3", opened=t(21, 8), is_revert=True, reverts_number=5)
    w.deploy("pay-5", "pay", t(22, 9))
    w.change("pay", 7, shipped_by="pay-5", opened=t(22, 8), is_hotfix=True)
    w.incident("PC", "P1", t(22, 10), resolved=t(22, 11))
    # Started before the cut, but PagerDuty's row arrives only now.
    w.incident("PLATE01", "P2", t(20, 10), resolved=t(21, 12))
    return w


def resolve_old_incident(w: World) -> None:
    w.con.execute(
        "UPDATE raw_pagerduty_incidents SET resolved_at = ?, status = 'resolved', fetched_at = ? "
        "WHERE incident_id = 'PB'",
        [t(21, 10), datetime(2026, 11, 26)],
    )


def run(w: World, since: datetime | None) -> None:
    params: dict = {"window_hours": 24}
    if since is not None:
        params["since"] = since
    for path in incident_sql_files():
        run_metric_file(w.con, path, params)


def table(w: World, name: str) -> list[tuple]:
    return sorted(w.con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)


def test_outcomes_rebuilt_from_the_cut_equal_a_full_rebuild():
    incremental = before(World())
    run(incremental, None)
    assert incremental.failed().keys() == {"pay-2", "pay-3", "srch-2"}
    assert incremental.failed()["srch-2"]["recovered_at"] is None
    after(incremental)
    resolve_old_incident(incremental)
    run(incremental, CUT)

    full = after(before(World()))
    resolve_old_incident(full)
    run(full, None)

    for name in ("incident_reports", "incident_fixes", "incidents", "deployment_outcomes", "failed_deployments"):
        assert table(incremental, name) == table(full, name), name
    # The later rows changed older deployments: pay-3 was rolled back; srch-2 was reverted, which recovered it.
    failed = incremental.failed()
    assert failed.keys() == {"pay-2", "pay-3", "srch-2", "pay-5"}
    assert failed["pay-3"]["failure_reasons"] == ["incident", "rolled_back"]
    assert failed["srch-2"]["failure_reasons"] == ["incident", "reverted"]
    assert failed["srch-2"]["recovered_at"] == t(21, 9)
    rework = {k for k, v in incremental.outcomes().items() if v["is_rework"]}
    assert rework == {"pay-4", "srch-3", "pay-5", "srch-2b"}  # srch-2b fixed an attributed incident
    fixes = dict(incremental.con.execute("SELECT incident_id, fix_deployment_key FROM incident_fixes").fetchall())
    assert fixes["PDXYZ12"] == "srch-2b"  # named after the cut, for an incident from before it
    assert fixes["PLATE01"] == "srch-3"  # a revert on its service while it was open, found though it came late


def test_a_report_is_read_again_when_its_incident_changed_and_goes_with_it():
    w = before(World())
    run(w, None)
    unchanged = w.con.execute("SELECT inputs_hash FROM incident_reports WHERE incident_id = 'PA'").fetchall()
    w.con.execute(
        "UPDATE raw_pagerduty_incidents SET description = 'rolled back abc1234def', fetched_at = ? "
        "WHERE incident_id = 'PB'",
        [datetime(2026, 11, 26)],
    )
    w.con.execute("DELETE FROM raw_pagerduty_incidents WHERE incident_id = 'PDXYZ12'")
    run(w, CUT)
    reports = {r[0]: r[1] for r in w.con.execute("SELECT incident_id, ref_shas FROM incident_reports").fetchall()}
    assert reports["PB"] == ["abc1234def"]
    assert "PDXYZ12" not in reports
    assert w.con.execute("SELECT inputs_hash FROM incident_reports WHERE incident_id = 'PA'").fetchall() == unchanged

    full = before(World())
    full.con.execute(
        "UPDATE raw_pagerduty_incidents SET description = 'rolled back abc1234def' WHERE incident_id = 'PB'"
    )
    full.con.execute("DELETE FROM raw_pagerduty_incidents WHERE incident_id = 'PDXYZ12'")
    run(full, None)
    assert table(w, "incident_reports") == table(full, "incident_reports")
