"""The GitHub stand-in driven by the real PyGithub client (and raw requests where headers matter)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import github
import pytest
import requests
from github import GithubRetry

from sandbox.github_api import GitHubStandIn, date_range_predicate, secondary_rate_limit_fault
from sandbox.github_payloads import user_payload
from sandbox.http_base import Fault

Factory = Callable[..., Any]


def test_pagination_keeps_filters_across_pages(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    gh = gh_factory(github_standin.url, per_page=10)
    repo = gh.get_repo("acme/api")

    production = list(repo.get_deployments(environment="production"))

    assert len(production) == 38
    assert {d.environment for d in production} == {"production"}
    assert [d.id for d in production] == sorted((d.id for d in production), reverse=True)  # newest first
    pages = github_standin.requests_matching(r"/deployments$")
    assert [r.query.get("page", "1") for r in pages] == ["1", "2", "3", "4"]
    assert all(r.query["environment"] == "production" and r.query["per_page"] == "10" for r in pages)


def test_link_header_is_absolute_and_keeps_query(github_standin: GitHubStandIn) -> None:
    url = f"{github_standin.url}/repos/acme/api/deployments"
    first = requests.get(url, params={"environment": "staging", "per_page": 5, "page": 2}, timeout=5)

    assert first.status_code == 200
    assert len(first.json()) == 5
    links = first.links
    assert set(links) == {"prev", "next", "last", "first"}
    for link in links.values():
        assert link["url"].startswith(f"{github_standin.url}/repos/acme/api/deployments?")
        assert "environment=staging" in link["url"] and "per_page=5" in link["url"]
    assert links["last"]["url"].endswith("page=8")

    single = requests.get(url, params={"environment": "staging", "per_page": 100}, timeout=5)
    assert "Link" not in single.headers


def test_per_page_default_and_cap(github_standin: GitHubStandIn) -> None:
    url = f"{github_standin.url}/repos/acme/api/deployments"
    assert len(requests.get(url, timeout=5).json()) == 30
    assert len(requests.get(url, params={"per_page": 500}, timeout=5).json()) == 75


def test_served_urls_use_the_standin_host(github_standin: GitHubStandIn) -> None:
    body = requests.get(f"{github_standin.url}/repos/acme/api", timeout=5).text
    assert "api.github.com" not in body
    assert f"{github_standin.url}/repos/acme/api/deployments" in body


def test_conditional_request_gets_304_without_spending_budget(
    github_standin: GitHubStandIn, gh_factory: Factory
) -> None:
    url = f"{github_standin.url}/repos/acme/api"
    first = requests.get(url, timeout=5)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    remaining = int(first.headers["X-RateLimit-Remaining"])

    second = requests.get(url, headers={"If-None-Match": etag}, timeout=5)

    assert second.status_code == 304
    assert second.content == b""
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining
    assert github_standin.requests[-1].conditional is True

    gh = gh_factory(github_standin.url)
    repo = gh.get_repo("acme/api")
    assert repo.update() is False  # PyGithub's own conditional refresh


def test_rate_limit_headers_are_parsed_by_pygithub(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    gh = gh_factory(github_standin.url)
    gh.get_repo("acme/api")
    remaining, limit = gh.rate_limiting

    assert limit == 5000
    assert remaining == 4999
    assert gh.rate_limiting_resettime > time.time()
    overview = gh.get_rate_limit()
    assert overview.resources.core.remaining == 4999


def test_exhausted_budget_answers_403(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    github_standin.set_rate_limit(remaining=0)
    gh = gh_factory(github_standin.url)

    with pytest.raises(github.RateLimitExceededException) as raised:
        gh.get_repo("acme/api")

    assert raised.value.status == 403
    assert raised.value.data["message"] == "API rate limit exceeded for user ID 1."
    assert raised.value.headers["x-ratelimit-remaining"] == "0"


def test_unknown_repo_and_route_are_404(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    gh = gh_factory(github_standin.url)
    with pytest.raises(github.UnknownObjectException):
        gh.get_repo("acme/does-not-exist")
    response = requests.get(f"{github_standin.url}/nope", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["message"] == "Not Found"


def test_configured_token_is_enforced(gh_factory: Factory, repo_data_factory: Factory) -> None:
    with GitHubStandIn(repo_data_factory(), token="s3cret") as standin:
        with pytest.raises(github.BadCredentialsException):
            gh_factory(standin.url, auth=github.Auth.Token("wrong")).get_repo("acme/api")
        assert gh_factory(standin.url, auth=github.Auth.Token("s3cret")).get_repo("acme/api").name == "api"
        bearer = requests.get(f"{standin.url}/user", headers={"Authorization": "Bearer s3cret"}, timeout=5)
        assert bearer.status_code == 200


def test_injected_502_is_served_then_recovers(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    github_standin.inject(Fault(path_regex=r"/repos/acme/api/deployments", status=502, times=1))
    gh = gh_factory(github_standin.url)
    with pytest.raises(github.GithubException) as raised:
        list(gh.get_repo("acme/api").get_deployments())
    assert raised.value.status == 502

    github_standin.inject(Fault(path_regex=r"/repos/acme/api/deployments", status=502, times=1))
    retrying = gh_factory(github_standin.url, retry=GithubRetry(total=3, backoff_factor=0))
    assert len(list(retrying.get_repo("acme/api").get_deployments())) == 75
    statuses = [r.status for r in github_standin.requests_matching(r"/deployments$")]
    assert statuses[-4:] == [502, 200, 200, 200]


def test_secondary_rate_limit_and_429(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    github_standin.inject(secondary_rate_limit_fault(r"/repos/acme/api$"))
    gh = gh_factory(github_standin.url)
    with pytest.raises(github.RateLimitExceededException) as raised:
        gh.get_repo("acme/api")
    assert raised.value.headers["retry-after"] == "1"
    assert "secondary rate limit" in raised.value.data["message"]

    github_standin.inject(secondary_rate_limit_fault(r"/repos/acme/api$", status=429, retry_after=0))
    retrying = gh_factory(github_standin.url, retry=GithubRetry(total=2, backoff_factor=0))
    assert retrying.get_repo("acme/api").name == "api"
    assert [r.status for r in github_standin.requests_matching(r"/repos/acme/api$")][-2:] == [429, 200]


def test_delay_provokes_client_timeout(github_standin: GitHubStandIn) -> None:
    github_standin.inject(Fault(path_regex=r"/repos/acme/api$", delay_seconds=1.5))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{github_standin.url}/repos/acme/api", timeout=0.3)


def test_truncated_body_breaks_the_read(github_standin: GitHubStandIn, gh_factory: Factory) -> None:
    github_standin.inject(Fault(path_regex=r"/deployments", truncated=True))
    gh = gh_factory(github_standin.url)
    repo = gh.get_repo("acme/api")
    with pytest.raises(requests.exceptions.RequestException):
        list(repo.get_deployments())
    assert len(list(repo.get_deployments())) == 75  # the fault was single-use


def test_list_growing_between_pages_duplicates_an_item(
    github_standin: GitHubStandIn, gh_factory: Factory, deployment_factory: Factory
) -> None:
    repo_data = github_standin.data.repo("acme", "api")
    assert repo_data is not None
    newest = deployment_factory(1000, datetime(2026, 6, 1), user_payload("deployer", 7))
    github_standin.inject(
        Fault(path_regex=r"/deployments\?.*page=2", mutate=lambda: repo_data.deployments.append(newest))
    )
    gh = gh_factory(github_standin.url, per_page=30)

    ids = [d.id for d in gh.get_repo("acme/api").get_deployments()]

    # A new newest item shifts every page by one: the last item of page 1 comes back on page 2.
    assert len(ids) == 76
    assert len(set(ids)) == 75
    assert 1000 not in ids


def test_created_filter_syntax() -> None:
    moment = datetime.fromisoformat("2026-01-31T23:59:59+00:00")
    assert date_range_predicate(">=2026-01-31")(moment)
    assert not date_range_predicate(">2026-01-31")(moment)
    assert date_range_predicate("<=2026-01-31")(moment)
    assert not date_range_predicate("<2026-01-31")(moment)
    assert date_range_predicate("2026-01-01..2026-01-31")(moment)
    assert date_range_predicate("2026-01-31")(moment)
    assert date_range_predicate("*..2026-02-01T00:00:00Z")(moment)
    assert not date_range_predicate("2026-02-01T00:00:00Z..*")(moment)
    assert date_range_predicate(">=2026-01-31T23:00:00+00:00")(moment - timedelta(minutes=30))


def test_recorded_route_wins_and_is_rewritten(github_standin: GitHubStandIn) -> None:
    body = '[{"url":"https://api.github.com/repos/acme/api/deployments/1","id":1}]'
    link = '<https://api.github.com/repositories/5/deployments?page=2>; rel="next"'
    github_standin.add_recorded(
        "GET", "/repos/acme/api/deployments?page=1", 200, [("Link", link), ("Content-Length", "99")], body
    )
    response = requests.get(f"{github_standin.url}/repos/acme/api/deployments?page=1", timeout=5)
    assert response.json() == [{"url": f"{github_standin.url}/repos/acme/api/deployments/1", "id": 1}]
    assert response.links["next"]["url"] == f"{github_standin.url}/repositories/5/deployments?page=2"
