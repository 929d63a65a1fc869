"""Shape, determinism and internal consistency of the generated sample organisation."""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sandbox.sample_org import (
    ACTIONS,
    DEPLOY_WORKFLOW_PATH,
    DEPLOYMENTS_API,
    SURVEY_COLUMNS,
    SampleOrg,
    generate_sample_org,
)

CADENCE_ORDER = ("checkout", "identity", "search", "fulfilment", "billing", "data-platform")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _fingerprint(org: SampleOrg) -> str:
    document = {
        "orgs": org.github.orgs,
        "repos": {name: vars(repo) for name, repo in org.github.repos.items()},
        "pagerduty": vars(org.pagerduty),
        "surveys": org.survey_exports,
    }
    return hashlib.sha256(json.dumps(document, default=str).encode()).hexdigest()


def _production_records(org: SampleOrg, repo: str) -> list[tuple[str, str, bool]]:
    """(created_at, sha, succeeded) of every production deployment attempt, read from the payloads."""
    data = org.github.repo(org.organisation, repo)
    assert data is not None
    if org.team_of(repo).deployment_styles[repo] == DEPLOYMENTS_API:
        return [
            (d["created_at"], d["sha"], data.deployment_statuses[d["id"]][-1]["state"] == "success")
            for d in data.deployments
            if d["environment"] == "production"
        ]
    deploy = next(w["id"] for w in data.workflows if w["path"] == DEPLOY_WORKFLOW_PATH)
    return [
        (r["created_at"], r["head_sha"], r["conclusion"] == "success")
        for r in data.workflow_runs
        if r["workflow_id"] == deploy
    ]


def test_same_inputs_give_identical_payloads() -> None:
    first = generate_sample_org(date(2026, 3, 31), days=45, seed=3)
    again = generate_sample_org(date(2026, 3, 31), days=45, seed=3)
    other_seed = generate_sample_org(date(2026, 3, 31), days=45, seed=4)

    assert _fingerprint(first) == _fingerprint(again)
    assert _fingerprint(first) != _fingerprint(other_seed)
    assert (first.start, first.end) == (date(2026, 2, 15), date(2026, 3, 31))


def test_organisation_shape(sample_org: SampleOrg) -> None:
    assert sample_org.organisation == "acme"
    assert len(sample_org.teams) >= 6
    repositories = sample_org.repositories
    assert len(repositories) == len(set(repositories)) == 20
    assert sorted(r.split("/")[1] for r in sample_org.github.repos) == sorted(repositories)
    styles = Counter(style for team in sample_org.teams.values() for style in team.deployment_styles.values())
    assert styles == {DEPLOYMENTS_API: 10, ACTIONS: 10}
    service_ids = [sid for team in sample_org.teams.values() for sid in team.pagerduty_service_ids.values()]
    assert len(set(service_ids)) == 20 and all(re.fullmatch(r"P[A-Z0-9]{6}", sid) for sid in service_ids)
    assert {s["name"] for s in sample_org.pagerduty.services} == set(repositories)
    assert len(sample_org.pagerduty.teams) == 6
    for team in sample_org.teams.values():
        for repo in team.repositories:
            topics = sample_org.github.repos[f"acme/{repo}"].repository["topics"]
            assert f"team-{team.name}" in topics


def test_cadences_spread_and_volume(sample_org: SampleOrg) -> None:
    weeks = ((sample_org.end - sample_org.start).days + 1) / 7
    per_week = {}
    total = 0
    for slug in CADENCE_ORDER:
        team = sample_org.teams[slug]
        counts = []
        for repo in team.repositories:
            records = _production_records(sample_org, repo)
            total += len(records)
            counts.append(sum(ok for *_, ok in records) / weeks)
        per_week[slug] = statistics.mean(counts)
    rates = [per_week[slug] for slug in CADENCE_ORDER]
    assert rates == sorted(rates, reverse=True), per_week
    assert per_week["checkout"] > 7  # several a day on working days
    assert per_week["data-platform"] < 0.5  # about monthly
    assert 2000 <= total <= 4000


def test_deployment_sha_is_latest_merge_before_it(sample_org: SampleOrg) -> None:
    for repo in sample_org.repositories:
        data = sample_org.github.repos[f"acme/{repo}"]
        merged = sorted((p for p in data.pulls if p["merged_at"]), key=lambda p: p["merged_at"])
        merge_times = [p["merged_at"] for p in merged]
        main_shas = {c["sha"] for c in data.commits}
        for created_at, sha, _ in _production_records(sample_org, repo):
            index = bisect.bisect_right(merge_times, created_at) - 1
            assert index >= 0
            assert sha == merged[index]["merge_commit_sha"]
            assert sha in main_shas


def test_pull_requests_have_realistic_variety(sample_org: SampleOrg) -> None:
    pulls = [(name, p) for name, data in sample_org.github.repos.items() for p in data.pulls]
    kinds: Counter[str] = Counter()
    for name, pull in pulls:
        data = sample_org.github.repos[name]
        commits = data.pull_commits[pull["number"]]
        assert 1 <= len(commits) <= 6
        assert all(c["commit"]["author"]["date"] <= pull["created_at"] for c in commits)
        assert pull["base"]["ref"] == "main" or pull["state"] == "open"
        if pull["user"]["type"] == "Bot":
            kinds["bot"] += 1
            assert pull["user"]["login"] in ("dependabot[bot]", "renovate[bot]")
        if pull["state"] == "closed" and pull["merged_at"] is None:
            kinds["closed_unmerged"] += 1
        if pull["merged_at"]:
            merge_commit = next(c for c in data.commits if c["sha"] == pull["merge_commit_sha"])
            assert pull["merge_commit_sha"] not in {c["sha"] for c in commits}
            kinds["squash" if len(merge_commit["parents"]) == 1 else "merge_commit"] += 1
        if any(label["name"] == "hotfix" for label in pull["labels"]):
            kinds["hotfix"] += 1
            assert pull["head"]["ref"].startswith("hotfix/")
        if pull["title"].startswith('Revert "'):
            kinds["revert"] += 1
            number = int(re.fullmatch(r"revert-(\d+)-.+", pull["head"]["ref"])[1])  # type: ignore[index]
            original = next(p for p in data.pulls if p["number"] == number)
            assert pull["title"] == f'Revert "{original["title"]}"'
            assert pull["body"] == f"Reverts {name}#{number}"
            assert original["merged_at"] < pull["created_at"]
    assert all(kinds[k] >= 10 for k in ("bot", "closed_unmerged", "squash", "merge_commit", "hotfix", "revert"))


def test_incidents_follow_deployments_and_vary_by_team(sample_org: SampleOrg) -> None:
    service_repo = {sid: repo for team in sample_org.teams.values() for repo, sid in team.pagerduty_service_ids.items()}
    finished: dict[str, list[datetime]] = defaultdict(list)
    for deployment in sample_org.truth.deployments:
        if deployment.succeeded:
            finished[deployment.repository].append(deployment.finished_at)
    incidents = sample_org.pagerduty.incidents
    near = 0
    for incident in incidents:
        started = _instant(incident["created_at"])
        before = [t for t in finished[service_repo[incident["service"]["id"]]] if t <= started]
        near += bool(before) and started - max(before) <= timedelta(hours=6)
    assert near / len(incidents) > 0.5

    statuses = Counter(i["status"] for i in incidents)
    assert statuses["triggered"] >= 1 and statuses["acknowledged"] >= 1
    resolved = [i for i in incidents if i["status"] == "resolved"]
    missing = [i for i in resolved if "resolved_at" not in i]
    assert 0.04 <= len(missing) / len(resolved) <= 0.2
    for incident in missing:
        kinds = [e["type"] for e in sample_org.pagerduty.log_entries[incident["id"]]]
        assert "resolve_log_entry" in kinds
    assert all(re.fullmatch(r"Q[A-Z0-9]{13}", i["id"]) for i in incidents)

    per_team = Counter(t.team for t in sample_org.truth.incidents)
    per_service = {slug: per_team[slug] / len(sample_org.teams[slug].repositories) for slug in CADENCE_ORDER}
    assert per_service["billing"] > 2 * per_service["checkout"]
    caused = {t.caused_by for t in sample_org.truth.incidents if t.caused_by is not None}
    assert caused <= {d.record_id for d in sample_org.truth.deployments}


def test_truth_matches_payloads(sample_org: SampleOrg) -> None:
    payload_total = sum(len(_production_records(sample_org, repo)) for repo in sample_org.repositories)
    assert len(sample_org.truth.deployments) == payload_total
    assert len(sample_org.truth.incidents) == len(sample_org.pagerduty.incidents)
    shipped = [n for d in sample_org.truth.deployments for n in d.pull_numbers]
    assert shipped and all(d.succeeded for d in sample_org.truth.deployments if d.pull_numbers)


def test_survey_exports_look_like_google_forms(sample_org: SampleOrg) -> None:
    assert len(sample_org.survey_exports) == 2
    display = {team.display_name: slug for slug, team in sample_org.teams.items()}
    for name, text in sample_org.survey_exports.items():
        assert re.fullmatch(r"developer-survey-\d{4}-Q[1-4]\.csv", name)
        assert text.startswith('"Timestamp","Email Address","Which team are you on?"')
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert list(rows[0]) == list(SURVEY_COLUMNS)
        per_team = Counter(display[row["Which team are you on?"]] for row in rows)
        assert per_team["data-platform"] == 4
        assert all(6 <= count <= 15 for slug, count in per_team.items() if slug != "data-platform")
        for row in rows:
            assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2} [AP]M GMT(\+1)?", row["Timestamp"])
            assert row["Email Address"].endswith("@acme.example")
            assert 0 <= int(row[SURVEY_COLUMNS[3]]) <= 10
            assert all(1 <= int(row[column]) <= 5 for column in SURVEY_COLUMNS[4:8])
    # Free-text answers may span lines inside a quoted field, as real exports do.
    assert any("\n" in text.replace("\r\n", "") for text in sample_org.survey_exports.values())
