"""The sample organisation synced through the real client matches its ground truth: deployments, what each
shipped, direct pushes, reviews, platform adoption and the incident issues with their references."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import Harness

from sandbox.sample_org import PLATFORM_WORKFLOW, SampleOrg, generate_sample_org

END = date(2026, 11, 22)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleOrg, Harness]]:
    org = generate_sample_org(END, days=30, seed=7)
    folder: Path = tmp_path_factory.mktemp("sample")
    h = Harness(org.github, folder, deploy_workflows=[{"workflow": PLATFORM_WORKFLOW}, "deploy.yml"])
    h.sync()
    yield org, h
    h.close()


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def key_of(style: str, repository: str, record_id: int) -> str:
    return f"{'deployment' if style == 'deployments_api' else 'workflow_run'}:{repository}:{record_id}"


def test_every_deployment_attempt_is_detected_with_its_outcome(synced: tuple[SampleOrg, Harness]) -> None:
    org, h = synced
    truth = {key_of(d.style, d.repository, d.record_id): d for d in org.truth.deployments}
    found = dict(h.rows("SELECT deployment_key, status FROM deployment_attempts"))
    assert set(found) == set(truth)
    assert {k for k, s in found.items() if s == "success"} == {k for k, d in truth.items() if d.succeeded}
    finished = dict(h.rows("SELECT deployment_key, deployed_at FROM deployments"))
    assert all(finished[k] == naive(d.finished_at) for k, d in truth.items() if d.succeeded)


def test_each_deployment_shipped_the_pull_requests_the_truth_says(synced: tuple[SampleOrg, Harness]) -> None:
    org, h = synced
    bots = {
        (repo.split("/")[1], p["number"])
        for repo, data in org.github.repos.items()
        for p in data.pulls
        if p["user"]["type"] == "Bot"
    }
    shipped: dict[str, set[int]] = {}
    for key, number in h.rows(
        """SELECT deployment_key, number FROM deployment_changes
           WHERE change_kind = 'pull_request' AND matched_by = 'compare'"""
    ):
        shipped.setdefault(key, set()).add(number)
    compared = {
        r[0] for r in h.rows("SELECT deployment_key FROM deployments WHERE previous_deployment_key IS NOT NULL")
    }
    checked = 0
    for d in org.truth.deployments:
        key = key_of(d.style, d.repository, d.record_id)
        if not d.succeeded or key not in compared:
            continue
        expected = {n for n in d.pull_numbers if (d.repository, n) not in bots}
        assert shipped.get(key, set()) == expected, key
        checked += 1
    assert checked > 200


def test_direct_pushes_are_changes_and_bot_pushes_are_not(synced: tuple[SampleOrg, Harness]) -> None:
    org, h = synced
    people = {(p.repository, p.sha) for p in org.truth.direct_pushes if not p.by_bot}
    robots = {(p.repository, p.sha) for p in org.truth.direct_pushes if p.by_bot}
    # The repositories' initial commits (before the sample window, inside the history) are direct pushes too.
    found = set(
        h.rows("SELECT repository, sha FROM changes WHERE change_kind = 'direct_push' AND merged_at >= ?", [org.start])
    )
    assert found == people and people and robots
    shipped = h.rows("SELECT count(*), count(deployed_at) FROM changes WHERE change_kind = 'direct_push'")[0]
    assert shipped[1] >= shipped[0] - 20  # all but the ones pushed after their repository's last deployment


def test_reviews_give_pickup_times_and_lead_time_breaks_down(synced: tuple[SampleOrg, Harness]) -> None:
    _, h = synced
    total, reviewed, negative, consistent = h.rows(
        """SELECT count(*), count(first_review_at),
                  count(*) FILTER (WHERE pickup_hours < 0 OR review_hours < 0 OR coding_hours < 0),
                  count(*) FILTER (WHERE abs(coding_hours + pickup_hours + review_hours + merge_to_deploy_hours
                                             - lead_time_hours) < 1e-6)
           FROM changes WHERE change_kind = 'pull_request'"""
    )[0]
    assert reviewed / total > 0.85 and negative == 0
    assert consistent > 0.8 * total


def test_runs_through_the_platform_workflow_are_marked(synced: tuple[SampleOrg, Harness]) -> None:
    org, h = synced
    adopted = {repo for repo, moment in org.platform_adoption.items() if moment is not None}
    marked = {r[0] for r in h.rows("SELECT DISTINCT repository FROM deployments WHERE reusable_workflow IS NOT NULL")}
    assert marked and marked <= adopted
    refs = {
        r[0] for r in h.rows("SELECT DISTINCT reusable_workflow FROM deployments WHERE reusable_workflow IS NOT NULL")
    }
    assert refs <= {f"{PLATFORM_WORKFLOW}@v1", f"{PLATFORM_WORKFLOW}@v2"}


def test_incident_issues_and_their_references(synced: tuple[SampleOrg, Harness]) -> None:
    org, h = synced
    rows = {
        (r[0], r[1]): r[2:]
        for r in h.rows(
            """SELECT repository, number, labels, state, referenced_deployment_ids, referenced_run_ids,
                      referenced_shas, referenced_pull_numbers, created_at, closed_at
               FROM raw_github_incident_issues"""
        )
    }
    assert set(rows) == {(t.repository, t.number) for t in org.truth.incident_issues}
    for t in org.truth.incident_issues:
        labels, state, deployments, runs, shas, pulls, created, closed = rows[(t.repository, t.number)]
        assert "incident" in labels and state == ("closed" if t.closed_at else "open")
        assert created == naive(t.created_at) and closed == (naive(t.closed_at) if t.closed_at else None)
        assert deployments == ([t.mentions_deployment_id] if t.mentions_deployment_id else [])
        assert runs == ([t.mentions_run_id] if t.mentions_run_id else [])
        assert shas == ([t.mentions_sha] if t.mentions_sha else [])
        assert pulls == ([t.mentions_pull] if t.mentions_pull else [])
