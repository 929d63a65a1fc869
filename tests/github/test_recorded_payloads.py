"""Real recorded GitHub payloads (../shared/fixtures), served by the stand-in to the real PyGithub-based
client, parse into the expected rows. Routes are registered under the queries our sync sends; pages after the
first are reached through the recorded ``Link`` headers. Skipped with the reason when the fixtures are absent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.defs.github.client import GitHubApi
from pipelines.defs.github.fetch import compare_commits, sync_deployments, sync_pull_requests, sync_workflow_runs
from pulse.config import GitHubConfig
from sandbox.github_api import GitHubStandIn
from sandbox.recorded import RecordedExchange, fixtures_root, load_pygithub_replay, load_vcr_cassette

REPLAY = Path("pygithub-replaydata/tests/ReplayData")
GITHUB3 = Path("github3py-cassettes/tests/cassettes")
OCTOKIT = Path("octokit-rb-cassettes/spec/cassettes")
PLACEHOLDERS = {"<GITHUB_LOGIN>": "octo-org", "<GITHUB_TEST_REPOSITORY>": "octo-repo"}
SINCE = datetime(2010, 1, 1)
NOW = datetime(2026, 11, 25, 12)


@pytest.fixture
def fixtures() -> Path:
    root = fixtures_root()
    if root is None:
        pytest.skip("recorded API fixtures not found: expected ../shared/fixtures beside the repo or $PULSE_FIXTURES")
    return root


@pytest.fixture
def standin() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        yield server


def serve(
    standin: GitHubStandIn, exchange: RecordedExchange, as_path: str | None = None, body: str | None = None
) -> None:
    """Serve a recorded response, optionally under the path and query our client asks for."""
    standin.add_recorded(
        "GET",
        as_path or exchange.path,
        exchange.status,
        exchange.headers,
        exchange.body if body is None else body,
        origin=exchange.origin,
    )


def api_for(standin: GitHubStandIn, organisation: str, **settings: object) -> tuple[GitHubApi, GitHubConfig]:
    cfg = GitHubConfig(organisation=organisation, base_url=standin.url, seconds_between_requests=0, **settings)
    return GitHubApi(cfg, token="recorded", sleep=lambda s: None), cfg


def test_pygithub_deployments_with_statuses(fixtures: Path, standin: GitHubStandIn) -> None:
    listing = load_pygithub_replay(fixtures / REPLAY / "Repository.testGetDeployments.txt")[0]
    statuses = load_pygithub_replay(fixtures / REPLAY / "DeploymentStatus.testGetStatuses.txt")[0]
    serve(standin, listing, "/repos/PyGithub/PyGithub/deployments?per_page=100")
    serve(standin, statuses, "/repos/PyGithub/PyGithub/deployments/263877258/statuses?per_page=100")
    serve(standin, statuses, "/repos/PyGithub/PyGithub/deployments/262350588/statuses?per_page=100", body="[]")
    api, cfg = api_for(standin, "PyGithub", production_environments=("production", "tes*"))

    result = sync_deployments(
        api, cfg, cfg.rules_for("PyGithub"), "PyGithub", since=SINCE, now=NOW, cursors={}, stored={}
    )

    rows = {r.deployment_id: r for r in result.rows}
    assert set(rows) == {263877258, 262350588}
    test = rows[263877258]
    assert (test.environment, test.sha, test.creator) == (
        "test",
        "743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5",
        "jacquev6",
    )
    assert (test.latest_state, test.status_count, test.succeeded_at) == ("queued", 3, None)
    assert test.latest_state_at == datetime(2020, 8, 26, 14, 32, 51)
    assert rows[262350588].environment == "production" and rows[262350588].status_count == 0
    assert result.cursors[0].cursor_at == datetime(2020, 8, 26, 11, 44, 53)


def test_github3py_deployments_with_success_statuses(fixtures: Path, standin: GitHubStandIn) -> None:
    exchanges = load_vcr_cassette(fixtures / GITHUB3 / "Deployment_statuses.json")
    listing = next(e for e in exchanges if e.path.endswith("/deployments?per_page=100"))
    statuses = next(e for e in exchanges if "/statuses" in e.path)
    serve(standin, listing, "/repos/sigmavirus24/github3.py/deployments?environment=production&per_page=100")
    serve(standin, statuses, "/repos/sigmavirus24/github3.py/deployments/801/statuses?per_page=100")
    serve(standin, statuses, "/repos/sigmavirus24/github3.py/deployments/797/statuses?per_page=100", body="[]")
    api, cfg = api_for(standin, "sigmavirus24")

    result = sync_deployments(
        api, cfg, cfg.rules_for("github3.py"), "github3.py", since=SINCE, now=NOW, cursors={}, stored={}
    )

    rows = {r.deployment_id: r for r in result.rows}
    assert set(rows) == {801, 797}
    shipped = rows[801]
    assert shipped.sha == "aa0b457c3c7692a0da05b6771ce44c980febd4a1" and shipped.ref == "develop"
    assert shipped.status_count == 5 and shipped.latest_state == "success"
    # The first success, not the newest status, is when it reached production.
    assert shipped.succeeded_at == datetime(2014, 2, 25, 2, 57, 29)
    assert rows[797].succeeded_at is None and rows[797].latest_state is None


def test_octokit_workflow_runs_over_three_link_pages(fixtures: Path, standin: GitHubStandIn) -> None:
    exchanges = load_vcr_cassette(
        fixtures
        / OCTOKIT
        / "Octokit_Client_ActionsWorkflowRuns/_repository_workflow_runs/auto-paginates_the_results.json",
        PLACEHOLDERS,
    )
    serve(standin, exchanges[0], "/repos/octo-org/octo-repo/actions/runs?per_page=100&branch=main")
    for exchange in exchanges[1:]:
        serve(standin, exchange)
    api, cfg = api_for(standin, "octo-org", deploy_workflows=("workflow.yml",))

    result = sync_workflow_runs(api, cfg, cfg.rules_for("octo-repo"), "octo-repo", since=SINCE, now=NOW, cursor=None)

    assert [r.run_id for r in result.rows] == [3109327341, 3109327220, 3109325726]
    assert {(r.workflow_path, r.event, r.conclusion, r.head_branch) for r in result.rows} == {
        (".github/workflows/workflow.yml", "workflow_dispatch", "success", "main")
    }
    assert [r.path for r in standin.requests] == [
        "/repos/octo-org/octo-repo/actions/runs",
        "/repositories/540180744/actions/runs",
        "/repositories/540180744/actions/runs",
    ]
    assert result.cursors[0].cursor_at == datetime(2022, 9, 22, 23, 6, 16)
    assert api.stats.requests["workflow_runs"] == 3


def test_pygithub_merged_pull_request_and_its_commits(fixtures: Path, standin: GitHubStandIn) -> None:
    detail = load_pygithub_replay(fixtures / REPLAY / "PullRequest.setUp.txt")[1]
    commits = load_pygithub_replay(fixtures / REPLAY / "PullRequest.testGetCommits.txt")[0]
    query = "state=closed&base=topic/RewriteWithGeneratedCode&sort=updated&direction=desc&per_page=100"
    serve(standin, detail, f"/repos/PyGithub/PyGithub/pulls?{query}", body=f"[{detail.body}]")
    serve(standin, commits, "/repos/PyGithub/PyGithub/pulls/31/commits?per_page=100")
    serve(standin, commits, "/repos/PyGithub/PyGithub/pulls/31/reviews?per_page=100", body="[]")
    api, cfg = api_for(standin, "PyGithub", production_branch="topic/RewriteWithGeneratedCode")

    result = sync_pull_requests(
        api, cfg, cfg.rules_for("PyGithub"), "PyGithub", since=SINCE, now=NOW, cursor=None, stored={}
    )

    (pull,) = result.rows
    assert (pull.number, pull.author, pull.merged_at) == (31, "jacquev6", datetime(2012, 5, 27, 10, 29, 7))
    assert pull.merge_commit_sha == "28ae6dd10ebccd5eaf8db8dacb5b699ee7f4a663"
    assert [c.sha[:10] for c in result.commits] == ["4aadfff21c", "93dcae5cf2", "8a4f306d4b"]
    # Authored times in -07:00 are stored in UTC.
    assert result.commits[0].authored_at == datetime(2012, 5, 27, 7, 33, 23)


def test_octokit_compare_follows_its_pages(fixtures: Path, standin: GitHubStandIn) -> None:
    exchanges = load_vcr_cassette(fixtures / OCTOKIT / "Octokit_Client_Commits/_compare/utilizes_auto_pagination.json")
    base, head = "b7b37f75a80b8e84061cd45b246232ad958158f5", "0e0d7ae299514da692eb1cab741562c253d44188"
    serve(standin, exchanges[0], f"/repos/mrpinsky/octokit.rb/compare/{base}...{head}?per_page=100")
    serve(standin, exchanges[1])
    api, cfg = api_for(standin, "mrpinsky")

    row, commits = compare_commits(api, cfg, "octokit.rb", base, head, NOW)

    assert (row.status, row.ahead_by, row.total_commits, row.commits_listed) == ("ahead", 2, 2, 2)
    assert [c.position for c in commits] == [1, 2] and len({c.sha for c in commits}) == 2
    assert api.stats.requests["compare"] == 2
