"""The whole sandbox: one-call start, the real clients reading the sample organisation, and the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.run import Sandbox, start_sandbox
from sandbox.sample_org import DEPLOY_WORKFLOW_PATH, DEPLOYMENTS_API, SampleOrg

Factory = Callable[..., Any]
REPO_ROOT = Path(__file__).resolve().parents[2]
FINGERPRINT = """
import hashlib, json, sys
from datetime import date
from sandbox.sample_org import generate_sample_org
org = generate_sample_org(date(2026, 1, 31), days=14, seed=11)
doc = [org.github.orgs, {n: vars(r) for n, r in org.github.repos.items()}, vars(org.pagerduty), org.survey_exports]
print(hashlib.sha256(json.dumps(doc, default=str).encode()).hexdigest())
"""


@pytest.fixture
def sandbox(tmp_path: Path, sample_org: SampleOrg) -> Iterator[Sandbox]:
    with start_sandbox(tmp_path, sample_org.end, org=sample_org) as running:
        yield running


def _single_object_requests(sandbox: Sandbox) -> list[str]:
    """PyGithub fetches an object's own URL when an attribute is missing from a list payload."""
    return [
        r.path
        for r in sandbox.github.requests
        if re.search(r"/(deployments|statuses|runs|pulls|commits|workflows)/[^/]+$", r.path)
    ]


def test_start_sandbox_writes_surveys_and_serves_both_apis(sandbox: Sandbox) -> None:
    files = sorted(p.name for p in sandbox.survey_dir.iterdir())
    assert files == sorted(sandbox.org.survey_exports)
    for name in files:
        assert (sandbox.survey_dir / name).read_bytes() == sandbox.org.survey_exports[name].encode("utf-8")
    assert sandbox.github_url.startswith("http://127.0.0.1:")
    assert sandbox.pagerduty_url.startswith("https://127.0.0.1:")
    assert sandbox.ca_path.exists()


def test_pygithub_reads_every_needed_attribute_from_list_payloads(sandbox: Sandbox, gh_factory: Factory) -> None:
    gh = gh_factory(sandbox.github_url, per_page=100)
    org = gh.get_organization("acme")
    repos = {r.name: r for r in org.get_repos()}
    assert len(repos) == 20
    for repo in repos.values():
        assert (repo.id, repo.full_name, repo.owner.login, repo.default_branch, repo.html_url) and repo.topics
        assert repo.archived is False and repo.created_at < repo.pushed_at

    team = sandbox.org.teams["fulfilment"]
    api_repo = next(r for r in team.repositories if team.deployment_styles[r] == DEPLOYMENTS_API)
    actions_repo = next(r for r in team.repositories if team.deployment_styles[r] != DEPLOYMENTS_API)

    deployments = list(repos[api_repo].get_deployments(environment="production"))
    assert deployments
    for deployment in deployments[:5]:
        assert len(deployment.sha) == 40 and deployment.ref == "main" and deployment.task == "deploy"
        assert deployment.original_environment == "production" and deployment.production_environment
        assert deployment.transient_environment is False and deployment.payload is not None
        assert deployment.created_at <= deployment.updated_at and deployment.creator.login
        assert deployment.url and deployment.statuses_url
        statuses = list(deployment.get_statuses())
        assert [s.state for s in statuses][-1] == "in_progress"  # newest first
        for status in statuses:
            assert status.id and status.environment == "production" and status.description
            assert status.created_at == status.updated_at
            assert status.log_url and status.target_url and status.environment_url

    workflows = {w.name: w for w in repos[actions_repo].get_workflows()}
    assert {(w.name, w.path, w.state) for w in workflows.values()} >= {("Deploy", DEPLOY_WORKFLOW_PATH, "active")}
    runs = list(repos[actions_repo].get_workflow("deploy.yml").get_runs(status="success"))
    assert runs and all(r.conclusion == "success" for r in runs)
    for run in runs:
        assert (run.name, run.path, run.event, run.head_branch) == ("Deploy", DEPLOY_WORKFLOW_PATH, "push", "main")
        assert run.workflow_id == workflows["Deploy"].id and run.status == "completed"
        assert run.created_at <= run.run_started_at <= run.updated_at
        assert run.run_attempt >= 1 and run.run_number >= 1 and run.html_url
        assert run.actor.login and run.triggering_actor.login and len(run.head_sha) == 40

    pulls = list(repos[actions_repo].get_pulls(state="closed", base="main", sort="updated", direction="desc"))
    assert pulls == sorted(pulls, key=lambda p: p.updated_at, reverse=True)
    for pull in pulls[:4]:
        assert pull.number and pull.title and pull.state == "closed" and pull.draft is False
        assert pull.user.login and pull.user.type in ("User", "Bot") and [label.name for label in pull.labels]
        assert pull.created_at <= pull.updated_at and pull.closed_at and pull.html_url
        assert pull.head.ref and len(pull.head.sha) == 40 and pull.base.ref == "main"
        assert (pull.merged_at is None) or (len(pull.merge_commit_sha) == 40)
        for commit in pull.get_commits():
            assert commit.sha and commit.commit.message and commit.parents
            assert commit.commit.author.name and commit.commit.author.email
            assert commit.commit.author.date <= pull.created_at and commit.commit.committer.date
            assert commit.author is None or commit.author.login
    # Only the Deploy workflow, fetched on purpose by file name: no lazy completion anywhere.
    assert _single_object_requests(sandbox) == [f"/repos/acme/{actions_repo}/actions/workflows/deploy.yml"]


def test_run_created_filter_and_commit_window(sandbox: Sandbox, gh_factory: Factory) -> None:
    gh = gh_factory(sandbox.github_url, per_page=100)
    repo = gh.get_repo("acme/checkout-web", lazy=True)
    last_week = f">={sandbox.org.end - timedelta(days=6)}"
    runs = list(repo.get_workflow_runs(created=last_week, event="pull_request"))
    floor = datetime.combine(sandbox.org.end - timedelta(days=6), time(0), tzinfo=UTC)
    assert runs and all(r.created_at >= floor and r.event == "pull_request" for r in runs)

    until = datetime.combine(sandbox.org.end, time(0), tzinfo=UTC)
    since = until - timedelta(days=3)
    commits = list(repo.get_commits(since=since, until=until))
    assert commits and all(since <= c.commit.committer.date <= until for c in commits)


def test_pagerduty_client_reads_the_sample_incidents(sandbox: Sandbox, pd_factory: Factory) -> None:
    client = pd_factory(sandbox.pagerduty)
    team = sandbox.org.teams["billing"]
    since = datetime.combine(sandbox.org.start, time(0), tzinfo=UTC)
    until = datetime.combine(sandbox.org.end + timedelta(days=1), time(0), tzinfo=UTC)

    incidents = list(
        client.iter_all(
            "incidents",
            params={"since": since.isoformat(), "until": until.isoformat(), "team_ids[]": [team.pagerduty_team_id]},
        )
    )

    expected = [t for t in sandbox.org.truth.incidents if t.team == "billing"]
    assert len(incidents) == len(expected) > 10
    assert {i["service"]["id"] for i in incidents} <= set(team.pagerduty_service_ids.values())
    services = client.list_all("services")
    assert len(services) == 20
    recent = list(client.iter_all("incidents"))  # default window: the last 30 days before the window end
    assert recent and all(_parse(i["created_at"]) >= until - timedelta(days=30) for i in recent)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_payloads_do_not_depend_on_the_process_hash_seed() -> None:
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", FINGERPRINT], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1


def test_command_line_serves_until_interrupted(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "sandbox", "--port-github", "0", "--port-pagerduty", "0"]
    command += ["--workdir", str(tmp_path), "--end", "2026-09-30", "--days", "21"]
    with subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            lines = []
            for line in process.stdout:
                lines.append(line)
                if line.startswith("Press Ctrl-C"):
                    break
            github_url = next(line.split()[-1] for line in lines if line.startswith("GitHub stand-in:"))
            assert requests.get(f"{github_url}/orgs/acme", timeout=5).json()["login"] == "acme"
            assert (tmp_path / "surveys").is_dir() and (tmp_path / "sandbox-ca.pem").exists()
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
