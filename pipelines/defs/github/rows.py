"""Row types of the GitHub tables: one frozen dataclass per table row (`pulse/sql/schema.sql` has the DDL).

Timestamps are naive UTC. Each docstring states the grain of its table.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime


def columns(row_type: type) -> list[str]:
    return [f.name for f in fields(row_type)]


@dataclass(frozen=True)
class RepositoryRow:
    """raw_github_repositories: one repository of the organisation."""

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
    """raw_github_deployments: one deployment to a watched environment, its statuses summarised."""

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
    failed_at: datetime | None
    status_count: int
    url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class WorkflowRunRow:
    """raw_github_workflow_runs: one run a workflow rule matches."""

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
    referenced_workflows: list[str]
    fetched_at: datetime


@dataclass(frozen=True)
class PullRequestRow:
    """raw_github_pull_requests: one pull request merged into the production branch."""

    repository: str
    number: int
    title: str | None
    author: str | None
    author_type: str | None
    head_ref: str | None
    base_ref: str | None
    labels: list[str]
    body: str | None
    created_at: datetime | None
    updated_at: datetime | None
    merged_at: datetime | None
    merge_commit_sha: str | None
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class PullRequestCommitRow:
    """raw_github_pull_request_commits: one commit in a merged pull request's commit list."""

    repository: str
    number: int
    sha: str
    author: str | None
    authored_at: datetime | None
    committed_at: datetime | None
    message: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class ReviewRow:
    """raw_github_pull_request_reviews: one submitted review of a merged pull request."""

    repository: str
    number: int
    review_id: int
    reviewer: str | None
    reviewer_type: str | None
    state: str | None
    submitted_at: datetime | None
    fetched_at: datetime


@dataclass(frozen=True)
class PullFileRow:
    """raw_github_pull_request_files: one file a merged pull request changes (monorepos only)."""

    repository: str
    number: int
    filename: str
    fetched_at: datetime


@dataclass(frozen=True)
class CommitRow:
    """raw_github_commits: one commit on the production branch."""

    repository: str
    sha: str
    branch: str
    author: str | None
    author_name: str | None
    author_type: str | None
    authored_at: datetime | None
    committed_at: datetime | None
    message: str | None
    parent_shas: list[str]
    files: list[str] | None
    fetched_at: datetime


@dataclass(frozen=True)
class ReleaseRow:
    """raw_github_releases: one published release whose tag a release rule matches."""

    repository: str
    release_id: int
    tag_name: str | None
    name: str | None
    target_commitish: str | None
    sha: str | None
    prerelease: bool
    author: str | None
    created_at: datetime | None
    published_at: datetime | None
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class TagRow:
    """raw_github_tags: one tag a tag rule matches."""

    repository: str
    name: str
    sha: str | None
    committed_at: datetime | None
    fetched_at: datetime


@dataclass(frozen=True)
class CompareRow:
    """raw_github_compares: one comparison of two consecutive deployments' commits."""

    repository: str
    base_sha: str
    head_sha: str
    status: str
    ahead_by: int | None
    behind_by: int | None
    total_commits: int | None
    commits_listed: int
    error: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class CompareCommitRow:
    """raw_github_compare_commits: one commit a comparison lists (shipped by the head deployment)."""

    repository: str
    base_sha: str
    head_sha: str
    sha: str
    position: int
    author: str | None
    authored_at: datetime | None
    committed_at: datetime | None


@dataclass(frozen=True)
class IncidentIssueRow:
    """raw_github_incident_issues: one issue labelled as an incident, with what its body refers to."""

    repository: str
    number: int
    title: str | None
    labels: list[str]
    state: str | None
    author: str | None
    created_at: datetime | None
    updated_at: datetime | None
    closed_at: datetime | None
    referenced_deployment_ids: list[int]
    referenced_run_ids: list[int]
    referenced_shas: list[str]
    referenced_pull_numbers: list[int]
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class CursorRow:
    """github_sync_cursors: where one repository's endpoint sync stopped."""

    repository: str
    endpoint: str
    cursor_at: datetime | None
    etag: str | None
    rules_hash: str | None
    synced_at: datetime


@dataclass(frozen=True)
class DeploymentAttemptRow:
    """github_deployment_attempts: one production deployment attempt detected by the rules."""

    deployment_key: str
    source: str
    rule: str
    repository: str
    service: str
    environment: str
    github_environment: str | None
    status: str
    sha: str | None
    started_at: datetime | None
    finished_at: datetime | None
    url: str | None
    actor: str | None
    reusable_workflow: str | None


@dataclass(frozen=True)
class ChangeCandidateRow:
    """github_change_candidates: one change (merged pull request or direct push) per service it belongs to."""

    change_key: str
    repository: str
    service: str
    change_kind: str
    number: int | None
    sha: str | None
    title: str | None
    author: str | None
    is_bot: bool
    commits: int
    first_commit_at: datetime | None
    created_at: datetime | None
    first_review_at: datetime | None
    merged_at: datetime | None
    is_revert: bool
    reverts_number: int | None
    reverts_sha: str | None
    is_hotfix: bool
    head_ref: str | None
    html_url: str | None
