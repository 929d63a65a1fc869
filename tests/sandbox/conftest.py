"""Shared fixtures for the sandbox tests: stand-ins on loopback and the real clients pointed at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import github
import pagerduty
import pytest

from sandbox.github_api import GitHubData, GitHubRepoData, GitHubStandIn
from sandbox.github_payloads import iso, organisation_payload, repository_payload, user_payload
from sandbox.pagerduty_api import PagerDutyStandIn
from sandbox.recorded import fixtures_root
from sandbox.sample_org import SampleOrg, generate_sample_org

SAMPLE_END = date(2026, 9, 30)


def make_github(url: str, **overrides: Any) -> github.Github:
    """PyGithub as the ingestion should configure it against the stand-in (no retries unless asked)."""
    settings: dict[str, Any] = {
        "base_url": url,
        "auth": github.Auth.Token("test-token"),
        "seconds_between_requests": 0,
        "retry": None,
        "timeout": 5,
    }
    settings.update(overrides)
    return github.Github(**settings)


def make_pagerduty(standin: PagerDutyStandIn, api_key: str = "test-key") -> pagerduty.RestApiV2Client:
    client = pagerduty.RestApiV2Client(api_key, base_url=standin.url, verify=standin.ssl_context())
    # Retries back off from 1.5 s by default; keep injected-fault tests fast.
    client.sleep_timer = 0.01
    return client


def small_repo_data(deployments: int = 75) -> GitHubData:
    """Organisation ``acme`` with one repository ``api`` holding ``deployments`` deployments, half of
    them to production, one per hour from 2026-01-01T00:00Z."""
    org_user = user_payload("acme", 100, kind="Organization")
    data = GitHubData()
    data.orgs["acme"] = organisation_payload(
        "acme", 100, name="Acme", description="", created_at=datetime(2020, 1, 1), public_repos=1
    )
    repository = repository_payload(
        org_user,
        "api",
        5,
        description="API",
        language="Go",
        topics=["team-a"],
        created_at=datetime(2020, 1, 1),
        pushed_at=datetime(2026, 1, 1),
    )
    repo = data.add_repo(GitHubRepoData(repository=repository))
    creator = user_payload("deployer", 7)
    base = datetime(2026, 1, 1)
    for index in range(deployments):
        repo.deployments.append(deployment_payload(index + 1, base + timedelta(hours=index), creator))
    return data


def deployment_payload(deployment_id: int, created: datetime, creator: dict[str, Any]) -> dict[str, Any]:
    environment = "production" if deployment_id % 2 else "staging"
    url = f"https://api.github.com/repos/acme/api/deployments/{deployment_id}"
    return {
        "url": url,
        "id": deployment_id,
        "node_id": f"DE_{deployment_id}",
        "sha": f"{deployment_id:040x}",
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": None,
        "creator": creator,
        "created_at": iso(created),
        "updated_at": iso(created),
        "statuses_url": f"{url}/statuses",
        "repository_url": "https://api.github.com/repos/acme/api",
        "transient_environment": False,
        "production_environment": environment == "production",
    }


@pytest.fixture
def github_standin() -> Iterator[GitHubStandIn]:
    with GitHubStandIn(small_repo_data()) as standin:
        yield standin


@pytest.fixture(scope="session")
def sample_org() -> SampleOrg:
    """The full 180-day sample organisation, generated once per session (treat as read-only)."""
    return generate_sample_org(SAMPLE_END)


@pytest.fixture
def shared_fixtures() -> Path:
    root = fixtures_root()
    if root is None:
        pytest.skip("recorded API fixtures not found: expected ../shared/fixtures beside the repo or $PULSE_FIXTURES")
    return root


@pytest.fixture
def gh_factory() -> Iterator[Callable[..., github.Github]]:
    """``gh_factory(url, **overrides)`` → a PyGithub client for a stand-in, closed after the test."""
    clients: list[github.Github] = []

    def create(url: str, **overrides: Any) -> github.Github:
        clients.append(make_github(url, **overrides))
        return clients[-1]

    yield create
    for client in clients:
        client.close()


@pytest.fixture
def pd_factory() -> Iterator[Callable[..., pagerduty.RestApiV2Client]]:
    """``pd_factory(standin, api_key="test-key")`` → a python-pagerduty client trusting the stand-in CA,
    closed after the test."""
    clients: list[pagerduty.RestApiV2Client] = []

    def create(standin: PagerDutyStandIn, api_key: str = "test-key") -> pagerduty.RestApiV2Client:
        clients.append(make_pagerduty(standin, api_key))
        return clients[-1]

    yield create
    for client in clients:
        client.close()


@pytest.fixture
def repo_data_factory() -> Callable[..., GitHubData]:
    return small_repo_data


@pytest.fixture
def deployment_factory() -> Callable[[int, datetime, dict[str, Any]], dict[str, Any]]:
    return deployment_payload
