"""The metrics benchmark at a tiny scale: the generator's rows, and the pandas reference against the metric SQL.

Numbers only, never timing: the benchmark itself (benchmarks/metrics_recompute.py) measures speed and memory.
"""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pytest

from benchmarks import synthetic_org
from benchmarks.metrics_recompute import FULL_WEEK_TO, UPDATED_WEEK_TO, bench_params, main
from benchmarks.pandas_reference import FIGURE_COLUMNS, compare, load_raw, unmodelled, weekly_figures
from metrics.runner import compute_metrics
from pulse.warehouse import connect

SCALE = 0.003  # 2 teams, 6 services, ~3,000 deployments, 9,000 pull requests, 300 incidents


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path_factory.mktemp("bench") / "bench.duckdb")
    con.execute("SET enable_progress_bar = false")
    synthetic_org.generate(con, synthetic_org.OrgSize.at_scale(SCALE))
    compute_metrics(con, bench_params(FULL_WEEK_TO))
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


DIGEST = "SELECT sum(hash(repository, number, authored_at)) FROM raw_github_pull_request_commits"


def test_generated_rows_carry_the_edge_cases(warehouse):
    con = warehouse
    size = synthetic_org.OrgSize.at_scale(SCALE)
    counts = synthetic_org.row_counts(con)
    assert counts["raw_github_pull_requests"] == size.pull_requests
    assert counts["raw_pagerduty_incidents"] == size.incidents
    # ~3.33 commits per pull request.
    assert 3.1 < counts["raw_github_pull_request_commits"] / size.pull_requests < 3.6
    deployments = scalar(con, "SELECT count(*) FROM deployments")
    assert abs(deployments - size.deployments) < 0.1 * size.deployments
    assert scalar(con, "SELECT count(DISTINCT source) FROM deployments") == 2
    # Deployments finishing in the same second in one repository (the tie-breaking rules matter).
    ties = "SELECT count(*) FROM (SELECT 1 FROM deployments GROUP BY repository, deployed_at HAVING count(*) > 1)"
    assert scalar(con, ties)
    assert scalar(con, "SELECT count(*) FROM deployments WHERE team = 'unowned'")
    # Bots and other branches are not changes; some changes have an empty commit list.
    assert scalar(con, "SELECT count(*) FROM raw_github_pull_requests") > scalar(con, "SELECT count(*) FROM changes")
    assert scalar(con, "SELECT count(*) FROM changes WHERE commits = 0")
    # Incidents: attributed, unattributed, on unlisted services, unresolved.
    assert scalar(con, "SELECT count(*) FROM incidents WHERE deployment_key IS NOT NULL")
    assert scalar(con, "SELECT count(*) FROM incidents WHERE deployment_key IS NULL AND service IS NOT NULL")
    assert scalar(con, "SELECT count(*) FROM incidents WHERE service IS NULL")
    assert scalar(con, "SELECT count(*) FROM failed_deployments WHERE recovery_hours IS NULL")
    assert unmodelled(con) == []


def test_generated_detection_is_what_ingestion_detects(warehouse):
    """The attempts and change candidates the generator writes equal those GitHub ingestion derives from the same
    raw rows under the benchmark's settings."""
    detect = pytest.importorskip("pipelines.defs.github.detect")
    store = pytest.importorskip("pipelines.defs.github.store")
    if not synthetic_org.has_detected_tables(warehouse):
        pytest.skip("this schema has no ingestion-derived tables")
    cfg = synthetic_org.BENCH_GITHUB
    sync = pytest.importorskip("pipelines.defs.github.sync")
    assert synthetic_org.RULES_APPLIED_KEY == sync.RULES_APPLIED_KEY
    raw = store.load_raw(warehouse)
    attempt_columns = ["deployment_key", "source", "rule", "service", "environment", "status", "sha", "started_at"]
    attempt_columns += ["finished_at", "url", "actor"]
    expected = {tuple(getattr(a, c) for c in attempt_columns) for a in detect.detect_attempts(cfg, raw)}
    written = set(warehouse.execute(f"SELECT {', '.join(attempt_columns)} FROM github_deployment_attempts").fetchall())
    assert written == expected
    change_columns = ["change_key", "service", "is_bot", "commits", "first_commit_at", "created_at", "merged_at"]
    change_columns += ["sha", "is_revert", "is_hotfix"]
    expected = {tuple(getattr(c, k) for k in change_columns) for c in detect.detect_changes(cfg, raw)}
    written = set(warehouse.execute(f"SELECT {', '.join(change_columns)} FROM github_change_candidates").fetchall())
    assert written == expected


def test_pandas_reference_gives_the_sql_figures(warehouse):
    sql = warehouse.execute("SELECT * FROM metrics_weekly").df()
    reference = weekly_figures(load_raw(warehouse), bench_params(FULL_WEEK_TO), synthetic_org.BENCH_GITHUB)
    assert len(reference) == len(sql) > 0
    assert compare(sql, reference) == []
    # The comparison is not vacuous: the figures have substance, and a small change is caught.
    assert reference["failed_deployments"].sum() > 0 and reference["recoveries"].sum() > 0
    assert reference["lead_time_median_hours"].notna().sum() > 0
    assert set(FIGURE_COLUMNS) <= set(sql.columns)
    nudged = reference.copy()
    nudged.loc[nudged["lead_time_p75_hours"].notna().idxmax(), "lead_time_p75_hours"] += 1e-6
    assert any(p.startswith("lead_time_p75_hours") for p in compare(sql, nudged))
    assert compare(sql, reference.iloc[1:])


def test_same_seed_same_rows_and_appended_week_follows(tmp_path, warehouse):
    con = connect(tmp_path / "w.duckdb")
    size = synthetic_org.OrgSize.at_scale(SCALE)
    assert synthetic_org.generate(con, size) == synthetic_org.row_counts(warehouse)
    assert scalar(con, DIGEST) == scalar(warehouse, DIGEST)
    added = synthetic_org.append_week(con, size)
    assert added["raw_github_pull_requests"] == size.per_days(7)["pull_requests"]
    assert added["team_ownership"] == 0
    start, end = synthetic_org.END, synthetic_org.END + timedelta(weeks=1)
    newest = scalar(con, "SELECT max(merged_at) FROM raw_github_pull_requests")
    assert start <= newest < end
    compute_metrics(con, bench_params(UPDATED_WEEK_TO))
    reference = weekly_figures(load_raw(con), bench_params(UPDATED_WEEK_TO), synthetic_org.BENCH_GITHUB)
    assert compare(con.execute("SELECT * FROM metrics_weekly").df(), reference) == []


def test_benchmark_command_runs_and_reports(tmp_path, capsys):
    result = tmp_path / "result.json"
    args = ["--scale", "0.001", "--workdir", str(tmp_path), "--timeout", "120", "--repeat", "2", "--json", str(result)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "CHECK pandas vs SQL: same weekly figures" in out
    assert "full recompute (DuckDB SQL)" in out and "one-week update (incremental)" in out
    assert "CHECK incremental update vs full recompute: every metric table has the same rows" in out
    assert "pandas ÷ DuckDB" in out
    # Each repeated run starts from the same state; the last update is the one compared with a full recompute.
    assert "full recompute: 2 runs" in out and "one-week update: 2 runs" in out
    measured = json.loads(result.read_text(encoding="utf-8"))
    assert len(measured["full"]["runs"]) == len(measured["update"]["runs"]) == 2
    assert measured["update"]["seconds"] in measured["update"]["runs"]
    assert not list(tmp_path.glob("*.start"))
