"""Real recorded GitHub/PagerDuty payloads (../shared/fixtures) served by the stand-ins to the real clients.

Every test here skips with a clear reason when the fixtures folder is absent (a fresh clone).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.github_api import GitHubStandIn
from sandbox.pagerduty_api import PagerDutyStandIn
from sandbox.recorded import (
    DEVLAKE_PAGERDUTY_INCIDENTS,
    load_devlake_pagerduty,
    load_pygithub_replay,
    load_vcr_cassette,
    serve_recorded,
)

Factory = Callable[..., Any]
REPLAY = Path("pygithub-replaydata/tests/ReplayData")
RUNS_CASSETTE = Path(
    "octokit-rb-cassettes/spec/cassettes/Octokit_Client_ActionsWorkflowRuns/_repository_workflow_runs"
    "/auto-paginates_the_results.json"
)
PLACEHOLDERS = {"<GITHUB_LOGIN>": "octo-org", "<GITHUB_TEST_REPOSITORY>": "octo-repo"}


def test_octokit_workflow_runs_over_three_link_pages(shared_fixtures: Path, gh_factory: Factory) -> None:
    exchanges = load_vcr_cassette(shared_fixtures / RUNS_CASSETTE, PLACEHOLDERS)
    with GitHubStandIn() as standin:
        assert serve_recorded(standin, exchanges) == 3
        gh = gh_factory(standin.url, per_page=1)

        runs = list(gh.get_repo("octo-org/octo-repo", lazy=True).get_workflow_runs())

        assert [r.id for r in runs] == [3109327341, 3109327220, 3109325726]
        assert {(r.event, r.conclusion, r.head_branch) for r in runs} == {("workflow_dispatch", "success", "main")}
        # Pages 2 and 3 were reached through the recorded Link headers, rewritten to the stand-in.
        assert [r.path for r in standin.requests] == [
            "/repos/octo-org/octo-repo/actions/runs",
            "/repositories/540180744/actions/runs",
            "/repositories/540180744/actions/runs",
        ]
        assert [r.query.get("page") for r in standin.requests] == [None, "2", "3"]


def test_pygithub_replay_deployments_and_statuses(shared_fixtures: Path, gh_factory: Factory) -> None:
    with GitHubStandIn() as standin:
        serve_recorded(standin, load_pygithub_replay(shared_fixtures / REPLAY / "Repository.testGetDeployments.txt"))
        serve_recorded(standin, load_pygithub_replay(shared_fixtures / REPLAY / "DeploymentStatus.setUp.txt"))
        serve_recorded(standin, load_pygithub_replay(shared_fixtures / REPLAY / "DeploymentStatus.testGetStatuses.txt"))
        gh = gh_factory(standin.url)

        deployments = list(gh.get_repo("PyGithub/PyGithub", lazy=True).get_deployments())
        assert len(deployments) == 2
        assert all(len(d.sha) == 40 and d.creator.login for d in deployments)
        assert deployments[0].environment == "test" and deployments[0].payload == {"test": True}

        deployment = gh.get_repo("jacquev6/PyGithub").get_deployment(263877258)
        statuses = list(deployment.get_statuses())
        assert len(statuses) == 3
        assert {s.state for s in statuses} <= {"success", "failure", "queued", "in_progress", "pending", "error"}
        assert all(s.url.startswith(standin.url) for s in statuses)


def test_pygithub_replay_commit_pages_follow_opaque_links(shared_fixtures: Path, gh_factory: Factory) -> None:
    with GitHubStandIn() as standin:
        serve_recorded(standin, load_pygithub_replay(shared_fixtures / REPLAY / "Repository.testGetCommits.txt"))
        gh = gh_factory(standin.url)

        commits = list(itertools.islice(gh.get_repo("PyGithub/PyGithub", lazy=True).get_commits(), 90))

        assert len({c.sha for c in commits}) == 90
        assert [r.query for r in standin.requests][1] == {
            "last_sha": "c1440bdf20bfeb62684c6d1779448719dce9d2df",
            "top": "master",
        }
        assert commits[0].commit.author.name


def test_devlake_pagerduty_incidents(shared_fixtures: Path, pd_factory: Factory) -> None:
    data = load_devlake_pagerduty(shared_fixtures / DEVLAKE_PAGERDUTY_INCIDENTS)
    with PagerDutyStandIn(data, api_key="test-key") as standin:
        client = pd_factory(standin)

        incidents = list(client.iter_all("incidents", params={"since": "2022-11-01", "until": "2022-11-30"}))

        assert [(i["incident_number"], i["status"]) for i in incidents] == [
            (4, "triggered"),
            (5, "acknowledged"),
            (6, "resolved"),
        ]
        resolved = incidents[2]
        assert "resolved_at" not in resolved  # the real payload lacks it ...
        entries = list(client.iter_all(f"incidents/{resolved['id']}/log_entries"))
        resolves = [e["created_at"] for e in entries if e["type"] == "resolve_log_entry"]
        assert resolves == ["2022-11-03T06:51:44.000000Z"]  # ... the log entry carries the time
        assert client.rget("services")[0]["id"] == "PIKL83L"
