"""Catalog and workflow files through the GitHub contents API: the stand-in's route, PyGithub, the loader."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime

import github
import pytest

from catalog.github_files import GitHubFiles
from catalog.load import load_catalog
from pulse.config import parse_config
from sandbox.github_api import GitHubData, GitHubRepoData, GitHubStandIn
from sandbox.github_payloads import full_repository_extras, organisation_payload, repository_payload, user_payload
from sandbox.http_base import Fault
from sandbox.sample_org import DEPLOY_WORKFLOW_PATH, SampleOrg, generate_sample_org

OWNER = user_payload("acme", 81000000, kind="Organization")
COMPONENT = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    github.com/project-slug: acme/{name}
spec:
  type: service
  lifecycle: production
  owner: group:default/{team}
"""
GROUPS = """apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  parent: money
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: money
spec:
  type: department
"""
CALLER = """jobs:
  deploy:
    uses: acme/platform/.github/workflows/platform-deploy.yml@{ref}
"""


def _repo(name: str, files: dict[str, str], *, repo_id: int) -> GitHubRepoData:
    payload = repository_payload(
        OWNER,
        name,
        repo_id,
        description=name,
        language="Go",
        topics=[],
        created_at=datetime(2024, 1, 1),
        pushed_at=datetime(2026, 1, 1),
    )
    return GitHubRepoData(repository=payload, repository_extras=full_repository_extras(OWNER), files=dict(files))


@pytest.fixture()
def standin() -> Iterator[GitHubStandIn]:
    data = GitHubData()
    data.orgs["acme"] = organisation_payload(
        "acme", 81000000, name="Acme", description="", created_at=datetime(2018, 1, 1), public_repos=0
    )
    data.add_repo(
        _repo(
            "ledger",
            {
                "catalog-info.yaml": COMPONENT.format(name="ledger", team="payments"),
                ".github/workflows/deploy.yml": CALLER.format(ref="v1"),
                ".github/workflows/ci.yml": "jobs: {}\n",
                ".github/workflows/README.md": "not a workflow\n",
            },
            repo_id=1,
        )
    )
    data.add_repo(_repo("no-catalog", {"README.md": "# hi\n"}, repo_id=2))
    data.add_repo(_repo("broken", {"catalog-info.yaml": "kind: Component\nmetadata: [unclosed\n"}, repo_id=3))
    data.unlisted_repos["acme/platform"] = _repo("platform", {"catalog-info.yaml": GROUPS}, repo_id=4)
    with GitHubStandIn(data) as server:
        yield server


def _get(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_contents_route_serves_files_folders_and_404s(standin: GitHubStandIn) -> None:
    status, body = _get(f"{standin.url}/repos/acme/ledger/contents/catalog-info.yaml")
    assert status == 200 and isinstance(body, dict)
    assert (body["type"], body["name"], body["path"], body["encoding"]) == (
        "file",
        "catalog-info.yaml",
        "catalog-info.yaml",
        "base64",
    )
    assert base64.b64decode(body["content"]).decode() == COMPONENT.format(name="ledger", team="payments")
    assert len(body["sha"]) == 40 and body["url"].startswith(standin.url)

    status, listing = _get(f"{standin.url}/repos/acme/ledger/contents/.github/workflows")
    assert status == 200 and isinstance(listing, list)
    assert [(e["name"], e["type"]) for e in listing] == [
        ("README.md", "file"),
        ("ci.yml", "file"),
        ("deploy.yml", "file"),
    ]
    assert "content" not in listing[0]
    status, root = _get(f"{standin.url}/repos/acme/ledger/contents/")
    assert [(e["name"], e["type"]) for e in root] == [(".github", "dir"), ("catalog-info.yaml", "file")]

    assert _get(f"{standin.url}/repos/acme/ledger/contents/nope.yaml")[0] == 404
    assert _get(f"{standin.url}/repos/acme/ledger/contents/catalog-info.yaml?ref=main")[0] == 200
    status, body = _get(f"{standin.url}/repos/acme/ledger/contents/catalog-info.yaml?ref=no-such-branch")
    assert status == 404 and "No commit found" in body["message"]
    # An unlisted repository is readable by name but not in the organisation's listing.
    assert _get(f"{standin.url}/repos/acme/platform/contents/catalog-info.yaml")[0] == 200
    status, repos = _get(f"{standin.url}/orgs/acme/repos")
    assert sorted(r["name"] for r in repos) == ["broken", "ledger", "no-catalog"]


def _gh(standin: GitHubStandIn) -> github.Github:
    return github.Github(base_url=standin.url, auth=github.Auth.Token("x"), seconds_between_requests=0, retry=None)


def _config(**platform: object):
    return parse_config(
        {
            "github": {"organisation": "acme", "base_url": "http://127.0.0.1:1"},
            "catalog": {
                "source": "github",
                "files": ["platform/catalog-info.yaml"],
                "platform": {"repository": "platform", "current_version": "v2", **platform},
            },
        }
    )


def test_loader_reads_catalog_and_workflows_through_pygithub(standin: GitHubStandIn) -> None:
    files = GitHubFiles(_gh(standin), "acme")
    load = load_catalog(_config(), github_files=files)

    services = {s.name: s for s in load.services}
    assert services["ledger"].team == "payments" and services["ledger"].registered
    # No catalog-info.yaml: listed as an unregistered, unowned service, never an error.
    assert not services["no-catalog"].registered and services["no-catalog"].team is None
    assert {t.team: t.department for t in load.teams if t.team == "payments"} == {"payments": "money"}
    errors = [p for p in load.problems if p.severity == "error"]
    assert [(p.location.repository, p.location.path) for p in errors] == [("broken", "catalog-info.yaml")]
    assert [(c.call.repository, c.call.ref, c.pin) for c in load.calls] == [("ledger", "v1", "outdated")]
    assert load.workflow_files == 2  # the README in the workflows folder is not read
    assert load.api_requests == files.requests > 0
    assert any(e.service == "ledger" and e.signal == "platform_ci" for e in load.evidence)
    assert not any(e.service == "ledger" and e.signal == "current_pins" for e in load.evidence)


def test_a_repository_that_fails_is_reported_and_the_others_load(standin: GitHubStandIn) -> None:
    standin.inject(Fault(r"^/repos/acme/ledger", status=500, times=100))
    load = load_catalog(_config(), github_files=GitHubFiles(_gh(standin), "acme"))

    failed = {p.location.repository for p in load.problems if "could not be read" in p.message}
    assert failed == {"ledger"}
    assert any(t.team == "payments" for t in load.teams)  # the Groups still loaded


@pytest.fixture(scope="module")
def sample() -> SampleOrg:
    return generate_sample_org(date(2026, 3, 31), days=45, seed=3)


def test_sample_org_catalog_and_workflow_files_match_its_truth(sample: SampleOrg) -> None:
    with GitHubStandIn(sample.github) as server:
        cfg = parse_config(
            {
                "github": {"organisation": "acme", "base_url": server.url},
                "catalog": {
                    "source": "github",
                    "files": ["platform-workflows/catalog-info.yaml"],
                    "platform": {"repository": "platform-workflows", "current_version": "v2"},
                },
            }
        )
        load = load_catalog(cfg, github_files=GitHubFiles(_gh(server), "acme"))

    assert not [p for p in load.problems if p.severity == "error"]
    owner = {s.name: s.team for s in load.services}
    for team in sample.teams.values():
        for repo in team.repositories:
            assert owner[repo] == team.name
            service = next(s for s in load.services if s.name == repo)
            assert service.pagerduty_service_ids == (team.pagerduty_service_ids[repo],)
    parents = {t.team: t.department for t in load.teams}
    assert {parents[name] for name in sample.teams} == {"commerce", "foundations"}
    pins = {c.call.repository: c.call.ref for c in load.calls if c.call.workflow_path == DEPLOY_WORKFLOW_PATH}
    assert pins == sample.platform_pins
    assert set(pins) == {repo for repo, when in sample.platform_adoption.items() if when is not None}
    assert "v1" in pins.values() and "v2" in pins.values()
    # One adopter moved before the window started.
    assert any(when is not None and when.date() < sample.start for when in sample.platform_adoption.values())
    assert "platform-workflows" not in owner
