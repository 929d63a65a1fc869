"""From the raw GitHub tables to production deployment attempts and changes, by the configured rules.

Pure functions over rows already stored (no requests): run after every sync, so a changed rule applies to all
history at once. Deployment attempts come from four sources (Deployments API, Actions runs, releases/tags,
merges into a deploy-on-merge branch); changes from merged pull requests and direct pushes.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipelines.defs.github import rules as rl
from pipelines.defs.github.rows import ChangeCandidateRow, DeploymentAttemptRow
from pulse.config import GitHubConfig

SUCCESS, FAILURE, OTHER = "success", "failure", "other"
RUN_FAILURES = {"failure", "timed_out", "startup_failure"}
MERGE_MESSAGE_PREFIX = "Merge pull request #"


@dataclass(frozen=True)
class RawGitHub:
    """The raw rows detection reads, as plain dicts (column → value) grouped by table."""

    deployments: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    releases: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    pulls: list[dict[str, Any]]
    pull_commits: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    pull_files: list[dict[str, Any]]
    commits: list[dict[str, Any]]


def _key(source: str, repository: str, ident: object, service: str) -> str:
    base = f"{source}:{repository}:{ident}"
    return base if service == repository else f"{base}:{service}"


def detect_attempts(cfg: GitHubConfig, raw: RawGitHub) -> list[DeploymentAttemptRow]:
    """One row per production deployment attempt (successful, failed or neither), from every source."""
    out: list[DeploymentAttemptRow] = []
    for d in raw.deployments:
        rules = cfg.rules_for(d["repository"])
        matched = rl.match_environment(d["environment"], rules)
        if matched is None:
            continue
        service, environment = matched
        if d["succeeded_at"] is not None:
            status, finished = SUCCESS, d["succeeded_at"]
        elif d["latest_state"] in ("failure", "error"):
            status, finished = FAILURE, d["failed_at"] or d["latest_state_at"]
        else:
            status, finished = OTHER, None
        out.append(
            DeploymentAttemptRow(
                deployment_key=f"deployment:{d['repository']}:{d['deployment_id']}",
                source="deployments_api",
                rule=f"environment:{environment}",
                repository=d["repository"],
                service=service,
                environment=environment,
                github_environment=d["environment"],
                status=status,
                sha=d["sha"],
                started_at=d["created_at"],
                finished_at=finished,
                url=d["url"],
                actor=d["creator"],
                reusable_workflow=None,
            )
        )
    for r in raw.runs:
        rules = cfg.rules_for(r["repository"])
        matches = rl.match_run(
            rules,
            path=r["workflow_path"],
            name=r["workflow_name"],
            head_branch=r["head_branch"],
            event=r["event"],
            referenced=list(r["referenced_workflows"] or []),
        )
        completed = r["status"] == "completed"
        if completed and r["conclusion"] == "success":
            status = SUCCESS
        elif completed and r["conclusion"] in RUN_FAILURES:
            status = FAILURE
        else:
            status = OTHER
        called = list(r["referenced_workflows"] or [])
        for service, rule, reference in matches:
            out.append(
                DeploymentAttemptRow(
                    deployment_key=_key("workflow_run", r["repository"], r["run_id"], service),
                    source="workflow_run",
                    rule=f"workflow:{rule.workflow}",
                    repository=r["repository"],
                    service=service,
                    environment=rule.environment,
                    github_environment=None,
                    status=status,
                    sha=r["head_sha"],
                    started_at=r["run_started_at"] or r["created_at"],
                    finished_at=r["updated_at"] if completed else None,
                    url=r["html_url"],
                    actor=r["actor"],
                    # The reusable workflow the rule matched, else the first one the run called (if any).
                    reusable_workflow=reference or (called[0] if called else None),
                )
            )
    for rel in raw.releases:
        rules = cfg.rules_for(rel["repository"])
        service = rl.match_tag(rel["tag_name"], rules, releases=True)
        if service is None or rel["prerelease"] or rel["published_at"] is None:
            continue
        out.append(
            DeploymentAttemptRow(
                deployment_key=_key("release", rel["repository"], rel["release_id"], rules.repository),
                source="release",
                rule=f"release:{rel['tag_name']}",
                repository=rel["repository"],
                service=service,
                environment="production",
                github_environment=None,
                status=SUCCESS,
                sha=rel["sha"],
                started_at=rel["created_at"],
                finished_at=rel["published_at"],
                url=rel["html_url"],
                actor=rel["author"],
                reusable_workflow=None,
            )
        )
    for tag in raw.tags:
        rules = cfg.rules_for(tag["repository"])
        service = rl.match_tag(tag["name"], rules, releases=False)
        if service is None or tag["committed_at"] is None:
            continue
        out.append(
            DeploymentAttemptRow(
                deployment_key=_key("tag", tag["repository"], tag["name"], rules.repository),
                source="tag",
                rule=f"tag:{tag['name']}",
                repository=tag["repository"],
                service=service,
                environment="production",
                github_environment=None,
                status=SUCCESS,
                sha=tag["sha"],
                started_at=tag["committed_at"],
                finished_at=tag["committed_at"],
                url=None,
                actor=None,
                reusable_workflow=None,
            )
        )
    files = _files_by_pull(raw)
    for pr in raw.pulls:
        rules = cfg.rules_for(pr["repository"])
        if not rules.deploy_on_merge or pr["merged_at"] is None or pr["base_ref"] != rules.production_branch:
            continue
        services = _services(rules, files.get((pr["repository"], pr["number"])))
        for service in services:
            out.append(
                DeploymentAttemptRow(
                    deployment_key=_key("pull_request_merge", pr["repository"], pr["number"], service),
                    source="pull_request_merge",
                    rule=f"merge:{rules.production_branch}",
                    repository=pr["repository"],
                    service=service,
                    environment="production",
                    github_environment=None,
                    status=SUCCESS,
                    sha=pr["merge_commit_sha"],
                    started_at=pr["merged_at"],
                    finished_at=pr["merged_at"],
                    url=pr["html_url"],
                    actor=pr["author"],
                    reusable_workflow=None,
                )
            )
    # One attempt per key: a deployment seen through two rules (e.g. two listings) is still one.
    unique = {row.deployment_key: row for row in out}
    return sorted(unique.values(), key=lambda a: (a.finished_at or a.started_at or datetime.min, a.deployment_key))


def _files_by_pull(raw: RawGitHub) -> dict[tuple[str, int], list[str]]:
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for f in raw.pull_files:
        out[(f["repository"], f["number"])].append(f["filename"])
    return out


def _services(rules: rl.RepositoryRules, files: Iterable[str] | None) -> list[str]:
    """A change's services in a monorepo split by path; the repository itself when no path matches."""
    if not rules.has_paths or not files:
        return [rules.repository]
    return rl.services_for_files(files, rules) or [rules.repository]


Chains = dict[tuple[str, str, str], list[DeploymentAttemptRow]]


def successful_chains(attempts: Iterable[DeploymentAttemptRow]) -> Chains:
    """Successful production deployments per (repository, service, environment), in the order they finished."""
    chains: Chains = defaultdict(list)
    for a in attempts:
        if a.status == SUCCESS and a.finished_at is not None and a.sha:
            chains[(a.repository, a.service, a.environment)].append(a)
    for chain in chains.values():
        chain.sort(key=lambda a: (a.finished_at, a.deployment_key))
    return chains


def compare_pairs(attempts: Iterable[DeploymentAttemptRow]) -> list[tuple[str, str, str]]:
    """(repository, base, head) for each successful deployment after the first of its chain whose commit
    differs from the previous one's: the comparisons that say what each deployment shipped."""
    pairs: dict[tuple[str, str, str], None] = {}
    for (repository, _, _), chain in successful_chains(attempts).items():
        for previous, current in itertools.pairwise(chain):
            if previous.sha != current.sha:
                pairs[(repository, str(previous.sha), str(current.sha))] = None
    return list(pairs)


def detect_changes(cfg: GitHubConfig, raw: RawGitHub) -> list[ChangeCandidateRow]:
    """One row per change per service: merged pull requests and commits pushed straight to the production
    branch, with their first commit, first review, merge, and revert/hotfix/bot marks."""
    commits = defaultdict(list)
    for c in raw.pull_commits:
        commits[(c["repository"], c["number"])].append(c)
    reviews = defaultdict(list)
    for r in raw.reviews:
        reviews[(r["repository"], r["number"])].append(r)
    files = _files_by_pull(raw)
    by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pr in raw.pulls:
        by_repo[pr["repository"]].append(pr)
    out: list[ChangeCandidateRow] = []
    for repository, pulls in by_repo.items():
        rules = cfg.rules_for(repository)
        full_name = f"{cfg.organisation}/{repository}"
        merged = sorted(
            (p for p in pulls if p["merged_at"] is not None and p["base_ref"] == rules.production_branch),
            key=lambda p: (p["merged_at"], p["number"]),
        )
        by_number = {p["number"]: p for p in merged}
        for pr in merged:
            listed = commits.get((repository, pr["number"]), [])
            authored = [c["authored_at"] for c in listed if c["authored_at"] is not None]
            reviewed = [
                r["submitted_at"]
                for r in reviews.get((repository, pr["number"]), [])
                if r["submitted_at"] is not None
                and (r["state"] or "").upper() != "PENDING"
                and (r["reviewer"] or "").lower() != (pr["author"] or "").lower()
                and not rl.is_bot(r["reviewer"], r["reviewer_type"], cfg.bots)
            ]
            reverting, number, sha, reverted_title = rl.revert_of(
                title=pr["title"],
                head_ref=pr["head_ref"],
                body=pr["body"],
                messages=[c["message"] for c in listed],
                full_name=full_name,
            )
            if reverting and number is None and reverted_title is not None:
                # Only the title says what was reverted: the latest earlier pull request with that title.
                earlier = [
                    p
                    for p in merged
                    if p["title"] == reverted_title and p["merged_at"] <= pr["merged_at"] and p is not pr
                ]
                number = earlier[-1]["number"] if earlier else None
            if reverting and sha is None and number in by_number:
                sha = by_number[number]["merge_commit_sha"]
            for service in _services(rules, files.get((repository, pr["number"]))):
                out.append(
                    ChangeCandidateRow(
                        change_key=f"pr:{repository}:{pr['number']}",
                        repository=repository,
                        service=service,
                        change_kind="pull_request",
                        number=pr["number"],
                        sha=pr["merge_commit_sha"],
                        title=pr["title"],
                        author=pr["author"],
                        is_bot=rl.is_bot(pr["author"], pr["author_type"], cfg.bots),
                        commits=len(listed),
                        first_commit_at=min(authored, default=None) or pr["created_at"],
                        created_at=pr["created_at"],
                        first_review_at=min(reviewed, default=None),
                        merged_at=pr["merged_at"],
                        is_revert=reverting,
                        reverts_number=number,
                        reverts_sha=sha,
                        is_hotfix=rl.is_hotfix(pr["labels"] or [], pr["head_ref"], cfg),
                        head_ref=pr["head_ref"],
                        html_url=pr["html_url"],
                    )
                )
    out += _direct_pushes(cfg, raw)
    return out


def _direct_pushes(cfg: GitHubConfig, raw: RawGitHub) -> list[ChangeCandidateRow]:
    brought: dict[str, set[str]] = defaultdict(set)
    for pr in raw.pulls:
        if pr["merge_commit_sha"]:
            brought[pr["repository"]].add(pr["merge_commit_sha"])
    for c in raw.pull_commits:
        brought[c["repository"]].add(c["sha"])
    out = []
    for c in raw.commits:
        repository = c["repository"]
        rules = cfg.rules_for(repository)
        message = c["message"] or ""
        if c["branch"] != rules.production_branch or c["sha"] in brought[repository]:
            continue
        if message.startswith(MERGE_MESSAGE_PREFIX):
            continue  # a pull request merged before the history window
        title = message.splitlines()[0] if message else None
        reverting, number, sha, _ = rl.revert_of(
            title=title, head_ref=None, body=message, messages=[message], full_name=f"{cfg.organisation}/{repository}"
        )
        for service in _services(rules, c["files"]):
            out.append(
                ChangeCandidateRow(
                    change_key=f"push:{repository}:{c['sha']}",
                    repository=repository,
                    service=service,
                    change_kind="direct_push",
                    number=None,
                    sha=c["sha"],
                    title=title,
                    author=c["author"] or c["author_name"],
                    is_bot=rl.is_bot(c["author"], c["author_type"], cfg.bots),
                    commits=1,
                    first_commit_at=c["authored_at"],
                    created_at=c["committed_at"],
                    first_review_at=None,
                    merged_at=c["committed_at"],
                    is_revert=reverting,
                    reverts_number=number,
                    reverts_sha=sha,
                    is_hotfix=False,
                    head_ref=None,
                    html_url=None,
                )
            )
    return out
