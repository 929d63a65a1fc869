"""The incremental recompute gives exactly what a full recompute gives, and knows when it cannot be incremental.

The data is the benchmark's synthetic organisation at a tiny scale (2 teams, 6 services, two years); one more week
is appended as a sync would, with late changes to old rows mixed in (an old incident resolved now, an old pull
request merged now).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from benchmarks import synthetic_org
from benchmarks.metrics_recompute import FULL_WEEK_TO, UPDATED_WEEK_TO, bench_params
from metrics.incremental import plan_recompute
from metrics.runner import METRIC_TABLES, compute_metrics, sql_files
from pulse.warehouse import connect

SCALE = 0.003
NEW_FETCH = synthetic_org.END + timedelta(days=7, hours=1)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse computed in full up to the end of the generated history."""
    path = tmp_path_factory.mktemp("incremental") / "computed.duckdb"
    con = connect(path)
    con.execute("SET enable_progress_bar = false")
    synthetic_org.generate(con, synthetic_org.OrgSize.at_scale(SCALE))
    compute_metrics(con, bench_params(FULL_WEEK_TO))
    con.close()
    return path


def copy_of(path: Path, tmp_path: Path, name: str) -> duckdb.DuckDBPyConnection:
    target = tmp_path / name
    shutil.copy(path, target)
    con = connect(target)
    con.execute("SET enable_progress_bar = false")
    return con


def differences(con: duckdb.DuckDBPyConnection, other: Path) -> dict[str, tuple[int, int]]:
    """Per metric table: rows only in ``con``'s, rows only in the other warehouse's."""
    con.execute("ATTACH ? AS other (READ_ONLY)", [str(other)])
    found = {}
    for table in METRIC_TABLES:
        mine = con.execute(f"SELECT count(*) FROM (FROM main.{table} EXCEPT ALL FROM other.{table})").fetchall()
        theirs = con.execute(f"SELECT count(*) FROM (FROM other.{table} EXCEPT ALL FROM main.{table})").fetchall()
        if mine[0][0] or theirs[0][0]:
            found[table] = (mine[0][0], theirs[0][0])
    con.execute("DETACH other")
    return found


def late_changes(con: duckdb.DuckDBPyConnection) -> None:
    """What a sync can bring besides new rows: an old incident resolved now, an old open pull request merged now."""
    con.execute(
        """UPDATE raw_pagerduty_incidents SET resolved_at = ?, status = 'resolved', fetched_at = ?
           WHERE incident_id = (SELECT min(incident_id) FROM raw_pagerduty_incidents WHERE resolved_at IS NULL)""",
        [NEW_FETCH - timedelta(hours=2), NEW_FETCH],
    )
    con.execute(
        """UPDATE raw_pagerduty_incidents SET resolved_at = created_at + INTERVAL 3 HOUR, fetched_at = ?
           WHERE incident_id = (SELECT min(incident_id) FROM raw_pagerduty_incidents
                                WHERE resolved_at IS NOT NULL AND created_at < ?)""",
        [NEW_FETCH, synthetic_org.START + timedelta(days=200)],
    )


def test_one_more_week_incremental_equals_full(computed: Path, tmp_path: Path):
    size = synthetic_org.OrgSize.at_scale(SCALE)
    con = copy_of(computed, tmp_path, "updated.duckdb")
    synthetic_org.append_week(con, size)
    late_changes(con)
    con.close()
    shutil.copy(tmp_path / "updated.duckdb", tmp_path / "reference.duckdb")

    reference = connect(tmp_path / "reference.duckdb")
    compute_metrics(reference, bench_params(UPDATED_WEEK_TO))
    reference.close()

    con = connect(tmp_path / "updated.duckdb")
    plan = plan_recompute(con, bench_params(UPDATED_WEEK_TO), sql_files())
    assert not plan.full
    # The new week's rows, not the old ones, set where rebuilding starts.
    assert synthetic_org.END - timedelta(days=2) <= plan.since <= synthetic_org.END + timedelta(days=1)
    lines: list[str] = []
    compute_metrics(con, bench_params(UPDATED_WEEK_TO), log=lines.append, full=False)
    assert lines[0].startswith("incremental recompute from")
    assert con.execute("SELECT value FROM pulse_meta WHERE key = 'metrics_last_recompute'").fetchall() == [(lines[0],)]
    assert differences(con, tmp_path / "reference.duckdb") == {}


def test_nothing_new_rebuilds_nothing_and_changes_nothing(computed: Path, tmp_path: Path):
    con = copy_of(computed, tmp_path, "same.duckdb")
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in METRIC_TABLES}
    plan = plan_recompute(con, bench_params(FULL_WEEK_TO), sql_files())
    assert not plan.full and plan.reason == "no raw rows fetched since the last computation"
    compute_metrics(con, bench_params(FULL_WEEK_TO), full=False)
    assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in METRIC_TABLES} == before
    con.close()
    assert differences(connect(tmp_path / "same.duckdb"), computed) == {}


def test_what_applies_to_old_rows_forces_a_full_recompute(computed: Path, tmp_path: Path):
    con = copy_of(computed, tmp_path, "changed.duckdb")
    params = bench_params(FULL_WEEK_TO)
    assert not plan_recompute(con, params, sql_files()).full
    # Another setting bound into the SQL.
    assert plan_recompute(con, replace(params, window_hours=6), sql_files()).full
    # A moved reporting range is not such a change: metrics_period follows it by itself.
    assert not plan_recompute(con, bench_params(UPDATED_WEEK_TO), sql_files()).full
    # Ownership.
    con.execute(
        "UPDATE team_ownership SET team = 'moved' "
        "WHERE kind = 'repository' AND key = (SELECT min(key) FROM team_ownership WHERE kind = 'repository')"
    )
    plan = plan_recompute(con, params, sql_files())
    assert plan.full and "ownership" in plan.reason
    compute_metrics(con, params, full=False)
    assert con.execute("SELECT count(*) FROM deployments WHERE team = 'moved'").fetchall()[0][0] > 0
    # New detection rules recorded by a sync.
    con.execute("INSERT OR REPLACE INTO pulse_meta VALUES ('github_rules_fingerprint', 'other rules')")
    assert plan_recompute(con, params, sql_files()).full


def test_a_full_recompute_needs_no_earlier_state(tmp_path: Path):
    con = connect(tmp_path / "fresh.duckdb")
    synthetic_org.generate(con, synthetic_org.OrgSize.at_scale(0.001))
    plan = plan_recompute(con, bench_params(FULL_WEEK_TO), sql_files())
    assert plan.full and plan.reason == "no earlier computation"
    compute_metrics(con, bench_params(FULL_WEEK_TO), full=False)
    assert con.execute("SELECT count(*) FROM deployments").fetchall()[0][0] > 0


def test_a_computation_that_did_not_finish_is_followed_by_a_full_one(computed: Path, tmp_path: Path, monkeypatch):
    con = copy_of(computed, tmp_path, "broken.duckdb")
    from metrics import runner

    real = runner.run_metric_file

    def failing(con, path, params):
        if path.name.startswith("20_"):
            raise RuntimeError("disk full")
        real(con, path, params)

    monkeypatch.setattr(runner, "run_metric_file", failing)
    threshold = checkpoint_threshold(con)
    with pytest.raises(RuntimeError):
        compute_metrics(con, bench_params(FULL_WEEK_TO), full=False)
    monkeypatch.undo()
    plan = plan_recompute(con, bench_params(FULL_WEEK_TO), sql_files())
    assert plan.full and plan.reason == "the last computation did not finish"
    # Automatic checkpoints were held during the computation only.
    assert checkpoint_threshold(con) == threshold


def test_automatic_checkpoints_are_back_after_a_computation(computed: Path, tmp_path: Path):
    con = copy_of(computed, tmp_path, "again.duckdb")
    threshold = checkpoint_threshold(con)
    compute_metrics(con, bench_params(FULL_WEEK_TO), full=False)
    assert checkpoint_threshold(con) == threshold


def checkpoint_threshold(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0]


def test_what_deployments_from_a_time_on_shipped_is_the_view_from_that_time_on(computed: Path):
    """The macro an incremental rebuild reads gives exactly the view's rows of the deployments from `since` on."""
    con = connect(computed, read_only=True)
    months = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT date_trunc('month', deployed_at) FROM deployments ORDER BY 1"
        ).fetchall()
    ]
    assert len(months) > 12
    for since in (months[0], months[len(months) // 2], months[-1], synthetic_org.END):
        macro = "SELECT * FROM deployment_changes_since(?)"
        view = "SELECT * FROM deployment_changes WHERE deployed_at >= ?"
        only_macro = con.execute(f"SELECT count(*) FROM ({macro} EXCEPT ALL {view})", [since, since]).fetchall()
        only_view = con.execute(f"SELECT count(*) FROM ({view} EXCEPT ALL {macro})", [since, since]).fetchall()
        assert (only_macro[0][0], only_view[0][0]) == (0, 0), since
    assert con.execute("SELECT count(*) FROM deployment_changes").fetchall()[0][0] > 0
    con.close()
