"""Reading GitHub through PyGithub into row dataclasses (one per raw table row).

Nothing here writes to the warehouse: assets decide what to replace. Each function covers one repository so
that one repository's failure cannot cost the others their rows.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from github import Github
from github.Repository import Repository

from pulse.config import GitHubConfig
from pulse.warehouse import to_utc_naive

Log = Callable[[str], None]


@dataclass(frozen=True)
class RepositoryRow:
    """One repository of the organisation."""

    repository: str
    full_name: str
    repo_id: int
    default_branch: str | None
    html_url: str | None
    archived: bool
    created_at: datetime | None
    pushed_at: datetime | None
    fetched_at: datetime


@dataclass(frozen=True)
class DeploymentRow:
    """One GitHub deployment with the outcome of its statuses."""

    repository: str
    deployment_id: int
    sha: str | None
    ref: str | None
    task: str | None
    environment: str | None
    creator: str | None
    created_at: datetime | None
    updated_at: datetime | None
    latest_state: str | None
    latest_state_at: datetime | None
    succeeded_at: datetime | None
    url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class WorkflowRunRow:
    """One run of a deploy workflow."""

    repository: str
    run_id: int
    workflow_id: int | None
    workflow_name: str | None
    workflow_path: str | None
    head_branch: str | None
    head_sha: str | None
    event: str | None
    status: str | None
    conclusion: str | None
    run_attempt: int | None
    created_at: datetime | None
    run_started_at: datetime | None
    updated_at: datetime | None
    actor: str | None
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class PullRequestRow:
    """One merged pull request."""

    repository: str
    number: int
    title: str | None
    author: str | None
    author_type: str | None
    head_ref: str | None
    base_ref: str | None
    labels: list[str]
    created_at: datetime | None
    merged_at: datetime | None
    merge_commit_sha: str | None
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class PullRequestCommitRow:
    """One commit in a merged pull request's commit list."""

    repository: str
    number: int
    sha: str
    author: str | None
    authored_at: datetime | None
    committed_at: datetime | None
    fetched_at: datetime


def list_repositories(gh: Github, cfg: GitHubConfig, fetched_at: datetime) -> list[RepositoryRow]:
    """The configured repositories, or every repository of the organisation when none are listed."""
    if cfg.repositories:
        repos: Iterable[Repository] = (gh.get_repo(f"{cfg.organisation}/{name}") for name in cfg.repositories)
    else:
        repos = gh.get_organization(cfg.organisation).get_repos(type="all")
    rows = []
    for repo in repos:
        rows.append(
            RepositoryRow(
                repository=repo.name,
                full_name=repo.full_name,
                repo_id=repo.id,
                default_branch=repo.default_branch,
                html_url=repo.html_url,
                archived=bool(repo.archived),
                created_at=to_utc_naive(repo.created_at),
                pushed_at=to_utc_naive(repo.pushed_at),
                fetched_at=fetched_at,
            )
        )
    return rows


def fetch_deployments(
    gh: Github, cfg: GitHubConfig, repository: str, since: datetime, fetched_at: datetime
) -> list[DeploymentRow]:
    """Deployments to production environments created since ``since`` (UTC), newest first as GitHub lists them."""
    repo = gh.get_repo(f"{cfg.organisation}/{repository}", lazy=True)
    exact = [p for p in cfg.production_environments if not _is_pattern(p)]
    patterns = [p for p in cfg.production_environments if _is_pattern(p)]
    # Exact names are filtered server-side; patterns need the unfiltered list.
    listings = [repo.get_deployments(environment=name) for name in exact]
    if patterns:
        listings.append(repo.get_deployments())
    rows: dict[int, DeploymentRow] = {}
    for listing in listings:
        for dep in listing:
            created = to_utc_naive(dep.created_at)
            if created is not None and created < since:
                break  # the list is newest first
            if not is_production_environment(dep.environment, cfg.production_environments):
                continue
            if dep.id in rows:
                continue
            statuses = list(dep.get_statuses())
            latest = max(statuses, key=lambda s: (s.created_at, s.id), default=None)
            successes = [to_utc_naive(s.created_at) for s in statuses if s.state == "success"]
            rows[dep.id] = DeploymentRow(
                repository=repository,
                deployment_id=dep.id,
                sha=dep.sha,
                ref=dep.ref,
                task=dep.task,
                environment=dep.environment,
                creator=dep.creator.login if dep.creator else None,
                created_at=created,
                updated_at=to_utc_naive(dep.updated_at),
                latest_state=latest.state if latest else None,
                latest_state_at=to_utc_naive(latest.created_at) if latest else None,
                succeeded_at=min((s for s in successes if s is not None), default=None),
                url=dep.url,
                fetched_at=fetched_at,
            )
    return list(rows.values())


def fetch_workflow_runs(
    gh: Github, cfg: GitHubConfig, repository: str, since: datetime, fetched_at: datetime
) -> list[WorkflowRunRow]:
    """Runs on the production branch of the workflows named in ``github.deploy_workflows``, since ``since``."""
    repo = gh.get_repo(f"{cfg.organisation}/{repository}", lazy=True)
    rows: list[WorkflowRunRow] = []
    for workflow in repo.get_workflows():
        if not is_deploy_workflow(workflow.path, workflow.name, cfg.deploy_workflows):
            continue
        # The API filters by date only; the exact bound is applied here so re-runs replace the same slice.
        runs = workflow.get_runs(branch=cfg.production_branch, created=f">={since.date().isoformat()}")
        for run in runs:
            created = to_utc_naive(run.created_at)
            if created is None or created < since:
                continue
            rows.append(
                WorkflowRunRow(
                    repository=repository,
                    run_id=run.id,
                    workflow_id=run.workflow_id,
                    workflow_name=run.name,
                    workflow_path=run.path,
                    head_branch=run.head_branch,
                    head_sha=run.head_sha,
                    event=run.event,
                    status=run.status,
                    conclusion=run.conclusion,
                    run_attempt=run.run_attempt,
                    created_at=created,
                    run_started_at=to_utc_naive(run.run_started_at),
                    updated_at=to_utc_naive(run.updated_at),
                    actor=run.actor.login if run.actor else None,
                    html_url=run.html_url,
                    fetched_at=fetched_at,
                )
            )
    return rows


def fetch_pull_requests(
    gh: Github, cfg: GitHubConfig, repository: str, since: datetime, fetched_at: datetime
) -> tuple[list[PullRequestRow], list[PullRequestCommitRow]]:
    """Pull requests merged into the production branch since ``since``, each with its full commit list.

    The commit list, not the merge commit, gives the first commit time: squash and rebase merges rewrite the
    merge commit but the pull request still lists the commits as authored.
    """
    repo = gh.get_repo(f"{cfg.organisation}/{repository}", lazy=True)
    pulls = repo.get_pulls(state="closed", sort="updated", direction="desc", base=cfg.production_branch)
    pr_rows: list[PullRequestRow] = []
    commit_rows: list[PullRequestCommitRow] = []
    for pr in pulls:
        updated = to_utc_naive(pr.updated_at)
        if updated is not None and updated < since:
            break  # sorted by last update, newest first: everything after is older
        merged_at = to_utc_naive(pr.merged_at)
        if merged_at is None or merged_at < since:
            continue
        pr_rows.append(
            PullRequestRow(
                repository=repository,
                number=pr.number,
                title=pr.title,
                author=pr.user.login if pr.user else None,
                author_type=pr.user.type if pr.user else None,
                head_ref=pr.head.ref if pr.head else None,
                base_ref=pr.base.ref if pr.base else None,
                labels=[label.name for label in pr.labels],
                created_at=to_utc_naive(pr.created_at),
                merged_at=merged_at,
                merge_commit_sha=pr.merge_commit_sha,
                html_url=pr.html_url,
                fetched_at=fetched_at,
            )
        )
        for commit in pr.get_commits():
            git_commit = commit.commit
            commit_rows.append(
                PullRequestCommitRow(
                    repository=repository,
                    number=pr.number,
                    sha=commit.sha,
                    author=commit.author.login if commit.author else None,
                    authored_at=to_utc_naive(git_commit.author.date) if git_commit.author else None,
                    committed_at=to_utc_naive(git_commit.committer.date) if git_commit.committer else None,
                    fetched_at=fetched_at,
                )
            )
    return pr_rows, commit_rows


def history_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _is_pattern(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def is_production_environment(environment: str | None, patterns: Iterable[str]) -> bool:
    """Case-insensitive match of an environment name against names or glob patterns (``prod-*``)."""
    if not environment:
        return False
    env = environment.lower()
    return any(fnmatch.fnmatchcase(env, p.lower()) for p in patterns)


def is_deploy_workflow(path: str | None, name: str | None, wanted: Iterable[str]) -> bool:
    """A workflow matches by file name (``deploy.yml``), full path, or display name."""
    basename = (path or "").rsplit("/", 1)[-1]
    return any(w in (basename, path, name) for w in wanted)
