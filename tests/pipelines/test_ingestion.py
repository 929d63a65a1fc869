"""Ingestion through Dagster with the real clients against the local stand-ins: the GitHub assets' metadata
(requests per endpoint, failed repositories, a rate-limit stop) and the PagerDuty parsing of recorded payloads.

The GitHub rules, faults and incremental behaviour are covered in depth in tests/github/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from pipelines.defs.github.assets import (
    github_commits,
    github_deployments,
    github_deployments_api,
    github_incident_issues,
    github_pull_requests,
    github_releases,
    github_repositories,
    github_workflow_runs,
)
from pipelines.defs.pagerduty.client import make_pagerduty
from pipelines.defs.pagerduty.fetch import fetch_incidents
from pipelines.resources import PulseSettings
from pulse.config import PagerDutyConfig, load_config
from pulse.warehouse import connect
from sandbox import Fault, GitHubStandIn, PagerDutyStandIn, SampleOrg, generate_sample_org
from sandbox.recorded import DEVLAKE_PAGERDUTY_INCIDENTS, fixtures_root, load_devlake_pagerduty

END = date(2026, 11, 22)
NOW = datetime(2026, 11, 25, 12)
GITHUB_ASSETS = [
    github_repositories,
    github_deployments_api,
    github_workflow_runs,
    github_releases,
    github_pull_requests,
    github_commits,
    github_incident_issues,
    github_deployments,
]


@pytest.fixture(scope="module")
def org() -> SampleOrg:
    return generate_sample_org(END, days=21, seed=7)


@pytest.fixture()
def standin(org: SampleOrg) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(org.github, rate_limit=100_000) as server:
        yield server


def write_config(tmp_path: Path, url: str, repos: list[str], **github: object) -> Path:
    path = tmp_path / "pulse.yaml"
    body = {
        "github": {
            "organisation": "acme",
            "base_url": url,
            "repositories": repos,
            "seconds_between_requests": 0,
            "timeout_seconds": 2,
            "retries": 1,
            **github,
        },
        "warehouse": {"path": str(tmp_path / "w.duckdb"), "serving_path": str(tmp_path / "s.duckdb")},
        "history_days": 30,
    }
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def resources(config: Path) -> dict[str, object]:
    cfg = load_config(config)
    return {
        "settings": PulseSettings(config_path=str(config)),
        "duckdb": DuckDBResource(database=str(cfg.warehouse.path)),
    }


def metadata(result: dg.ExecuteInProcessResult, node: str) -> dict[str, object]:
    found = result.asset_materializations_for_node(node)[0].metadata
    return {k: getattr(v, "value", v) for k, v in found.items()}


def repos_of_style(org: SampleOrg, style: str, n: int) -> list[str]:
    return [r for t in org.teams.values() for r, s in t.deployment_styles.items() if s == style][:n]


def test_every_github_asset_reports_its_requests_per_endpoint(
    org: SampleOrg, standin: GitHubStandIn, tmp_path: Path
) -> None:
    repos = repos_of_style(org, "deployments_api", 1) + repos_of_style(org, "actions", 1)
    config = write_config(tmp_path, standin.url, repos)

    first = dg.materialize(GITHUB_ASSETS, resources=resources(config))
    assert first.success
    deployments = metadata(first, "github_deployments_api")
    assert deployments["requests_per_endpoint"]["deployments"] == 2
    assert deployments["requests_per_endpoint"]["deployment_statuses"] == deployments["deployments"]
    pulls = metadata(first, "github_pull_requests")
    assert pulls["requests_per_endpoint"]["pull_commits"] == pulls["pull_requests"]
    assert metadata(first, "github_deployments")["requests_per_endpoint"]["compare"] > 0
    sent = len(standin.requests)
    assert sent == sum(metadata(first, node)["requests"] for node in ("github_repositories", *NODES))

    again = dg.materialize(GITHUB_ASSETS, resources=resources(config))
    assert again.success
    for node in NODES[:-1]:
        md = metadata(again, node)
        assert md["requests"] == sum(md["not_modified_per_endpoint"].values()) <= len(repos), node
    assert {r.status for r in standin.requests[sent:]} == {304}


NODES = (
    "github_deployments_api",
    "github_workflow_runs",
    "github_releases",
    "github_pull_requests",
    "github_commits",
    "github_incident_issues",
    "github_deployments",
)


def test_failed_repository_is_reported_and_keeps_its_rows(
    org: SampleOrg, standin: GitHubStandIn, tmp_path: Path
) -> None:
    repos = repos_of_style(org, "deployments_api", 3)
    config = write_config(tmp_path, standin.url, repos)
    cfg = load_config(config)

    def stored() -> dict[str, int]:
        con = connect(cfg.warehouse.path, read_only=True)
        try:
            return dict(con.execute("SELECT repository, count(*) FROM raw_github_deployments GROUP BY 1").fetchall())
        finally:
            con.close()

    assert dg.materialize([github_repositories, github_deployments_api], resources=resources(config)).success
    before = stored()
    assert set(before) == set(repos)

    broken = repos[1]
    standin.inject(Fault(path_regex=rf"/repos/acme/{broken}/deployments", status=404, times=10))
    result = dg.materialize([github_repositories, github_deployments_api], resources=resources(config))
    assert result.success
    failed = metadata(result, "github_deployments_api")["failed_repositories"]
    assert list(failed) == [broken] and "404" in failed[broken]
    assert stored() == before  # the broken repository kept what it had


def test_every_repository_failing_fails_the_asset(org: SampleOrg, standin: GitHubStandIn, tmp_path: Path) -> None:
    repos = repos_of_style(org, "deployments_api", 2)
    config = write_config(tmp_path, standin.url, repos)
    assert dg.materialize([github_repositories], resources=resources(config)).success
    standin.inject(Fault(path_regex=r"/deployments", status=401, body={"message": "Bad credentials"}, times=10))
    result = dg.materialize([github_deployments_api], resources=resources(config), raise_on_error=False)
    assert not result.success


def test_rate_limit_stop_is_clean_and_says_when_to_resume(
    org: SampleOrg, standin: GitHubStandIn, tmp_path: Path
) -> None:
    repos = repos_of_style(org, "actions", 3)
    config = write_config(tmp_path, standin.url, repos, rate_limit_reserve=20, max_rate_limit_wait_seconds=30)
    assert dg.materialize([github_repositories], resources=resources(config)).success
    reset = int(time.time()) + 3 * 3600
    standin.set_rate_limit(remaining=22, reset_at=reset)

    result = dg.materialize([github_pull_requests], resources=resources(config))

    assert result.success
    md = metadata(result, "github_pull_requests")
    assert "stopped cleanly" in md["stopped_by_rate_limit"]
    assert md["resume_after"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(reset)))
    assert md["not_reached"] and not md["failed_repositories"]


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
