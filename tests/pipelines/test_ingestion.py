"""Ingestion code with the real clients against the local stand-ins: parsing, retries, failure reporting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from pipelines.defs.github.assets import github_deployments, github_repositories
from pipelines.defs.github.client import make_github
from pipelines.defs.github.fetch import fetch_deployments, fetch_pull_requests, fetch_workflow_runs
from pipelines.defs.pagerduty.client import make_pagerduty
from pipelines.defs.pagerduty.fetch import fetch_incidents
from pipelines.resources import PulseSettings
from pulse.config import GitHubConfig, PagerDutyConfig, load_config
from pulse.warehouse import connect
from sandbox import Fault, GitHubStandIn, PagerDutyStandIn, SampleOrg, generate_sample_org
from sandbox.recorded import DEVLAKE_PAGERDUTY_INCIDENTS, fixtures_root, load_devlake_pagerduty

END = date(2026, 11, 22)
SINCE = datetime(2026, 10, 1)
NOW = datetime(2026, 11, 25, 12)


@pytest.fixture(scope="module")
def org() -> SampleOrg:
    return generate_sample_org(END, days=60, seed=7)


@pytest.fixture()
def standin(org: SampleOrg) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(org.github, rate_limit=100_000) as server:
        yield server


def gh_config(url: str, **overrides: object) -> GitHubConfig:
    values: dict = {"organisation": "acme", "base_url": url, "seconds_between_requests": 0, "timeout_seconds": 2}
    values.update(overrides)
    return GitHubConfig(**values)


def repo_of_style(org: SampleOrg, style: str) -> str:
    return next(r for t in org.teams.values() for r, s in t.deployment_styles.items() if s == style)


def test_deployments_match_the_sample_truth(org: SampleOrg, standin: GitHubStandIn) -> None:
    repo = repo_of_style(org, "deployments_api")
    cfg = gh_config(standin.url)
    rows = fetch_deployments(make_github(cfg, token=""), cfg, repo, SINCE, NOW)
    truth = [d for d in org.truth.deployments if d.repository == repo and d.created_at.replace(tzinfo=None) >= SINCE]
    assert {r.deployment_id for r in rows} == {d.record_id for d in truth}
    succeeded = {r.deployment_id for r in rows if r.succeeded_at is not None}
    assert succeeded == {d.record_id for d in truth if d.succeeded}
    assert all(r.environment == "production" for r in rows)  # staging is filtered out


def test_workflow_runs_only_from_deploy_workflow(org: SampleOrg, standin: GitHubStandIn) -> None:
    repo = repo_of_style(org, "actions")
    cfg = gh_config(standin.url)
    rows = fetch_workflow_runs(make_github(cfg, token=""), cfg, repo, SINCE, NOW)
    assert rows
    assert {r.workflow_path for r in rows} == {".github/workflows/deploy.yml"}
    assert all(r.head_branch == "main" and r.created_at >= SINCE for r in rows)


def test_pull_requests_keep_their_commit_lists(org: SampleOrg, standin: GitHubStandIn) -> None:
    repo = repo_of_style(org, "actions")
    cfg = gh_config(standin.url)
    prs, commits = fetch_pull_requests(make_github(cfg, token=""), cfg, repo, SINCE, NOW)
    assert prs and all(p.merged_at is not None and p.merged_at >= SINCE for p in prs)
    numbers = {p.number for p in prs}
    assert {c.number for c in commits} == numbers
    assert any(p.author_type == "Bot" for p in prs)


def test_transient_server_error_is_retried(org: SampleOrg, standin: GitHubStandIn) -> None:
    repo = repo_of_style(org, "deployments_api")
    cfg = gh_config(standin.url)
    clean = fetch_deployments(make_github(cfg, token=""), cfg, repo, SINCE, NOW)
    standin.inject(Fault(path_regex=rf"/repos/acme/{repo}/deployments\?", status=502, times=1))
    again = fetch_deployments(make_github(cfg, token=""), cfg, repo, SINCE, NOW)
    assert [r.deployment_id for r in again] == [r.deployment_id for r in clean]
    statuses = [r.status for r in standin.requests_matching(rf"/repos/acme/{repo}/deployments$")]
    assert 502 in statuses and statuses[-1] == 200


def write_config(tmp_path: Path, url: str, repos: list[str]) -> Path:
    path = tmp_path / "pulse.yaml"
    body = {
        "github": {
            "organisation": "acme",
            "base_url": url,
            "repositories": repos,
            "seconds_between_requests": 0,
            "timeout_seconds": 2,
            "retries": 1,
        },
        "warehouse": {"path": str(tmp_path / "w.duckdb"), "serving_path": str(tmp_path / "s.duckdb")},
        "history_days": 60,
    }
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def test_failed_repository_is_reported_and_keeps_its_rows(
    org: SampleOrg, standin: GitHubStandIn, tmp_path: Path
) -> None:
    repos = [r for t in org.teams.values() for r, s in t.deployment_styles.items() if s == "deployments_api"][:3]
    config = write_config(tmp_path, standin.url, repos)
    cfg = load_config(config)
    resources = {
        "settings": PulseSettings(config_path=str(config)),
        "duckdb": DuckDBResource(database=str(cfg.warehouse.path)),
    }

    def stored() -> dict[str, int]:
        con = connect(cfg.warehouse.path, read_only=True)
        try:
            return dict(con.execute("SELECT repository, count(*) FROM raw_github_deployments GROUP BY 1").fetchall())
        finally:
            con.close()

    assert dg.materialize([github_repositories, github_deployments], resources=resources).success
    before = stored()
    assert set(before) == set(repos)

    broken = repos[1]
    standin.inject(Fault(path_regex=rf"/repos/acme/{broken}/deployments", status=404, times=10))
    result = dg.materialize([github_repositories, github_deployments], resources=resources)
    assert result.success
    metadata = result.asset_materializations_for_node("github_deployments")[0].metadata
    failed = metadata["failed_repositories"].value
    assert list(failed) == [broken] and "404" in failed[broken]
    assert stored() == before  # the broken repository kept what it had


@pytest.fixture()
def devlake_pagerduty() -> Path:
    root = fixtures_root()
    if root is None:
        pytest.skip("recorded API fixtures not found: expected ../shared/fixtures beside the repo or $PULSE_FIXTURES")
    return root / DEVLAKE_PAGERDUTY_INCIDENTS


def test_recorded_pagerduty_incidents_take_resolve_time_from_log_entries(
    devlake_pagerduty: Path, tmp_path: Path
) -> None:
    data = load_devlake_pagerduty(devlake_pagerduty)
    with PagerDutyStandIn(data, api_key="test-key", ca_path=tmp_path / "ca.pem") as server:
        cfg = PagerDutyConfig(base_url=server.url, ca_bundle=server.ca_path)
        client = make_pagerduty(cfg, token="test-key")
        rows = fetch_incidents(client, cfg, datetime(2022, 10, 1), datetime(2023, 1, 1), NOW)
    by_number = {r.incident_number: r for r in rows}
    assert sorted(by_number) == [4, 5, 6]
    resolved = by_number[6]
    assert resolved.status == "resolved"
    assert resolved.resolved_at == datetime(2022, 11, 3, 6, 51, 44)
    assert resolved.resolved_from == "log_entries"
    assert by_number[4].resolved_at is None and by_number[4].status == "triggered"


def test_pagerduty_without_token_says_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAGERDUTY_TOKEN", raising=False)
    with pytest.raises(RuntimeError, match="PAGERDUTY_TOKEN"):
        make_pagerduty(PagerDutyConfig())
