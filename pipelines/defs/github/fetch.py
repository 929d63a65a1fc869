"""Reading GitHub incrementally, one repository and endpoint at a time, into row dataclasses.

Nothing here writes to the warehouse: each ``sync_*`` function takes what is already stored (its cursor and
whatever it needs to skip known items) and returns the rows to upsert plus the new cursor; the asset writes
both in one transaction. Payloads are parsed by PyGithub's own classes.

Every list is read newest first with a constant query, so an unchanged list answers the conditional first
page with 304 (free), and a changed one is paged only down to the cursor (less an overlap for equal
timestamps and clock skew). The first sync pages down to the history start. Items are de-duplicated by id,
so a list that grows while it is paged (GitHub shifts every page by one) yields no duplicate; the newcomer
is newer than the cursor and comes with the next sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from github.Commit import Commit
from github.Deployment import Deployment
from github.DeploymentStatus import DeploymentStatus
from github.File import File
from github.GithubObject import CompletableGithubObject
from github.GitRelease import GitRelease
from github.Issue import Issue
from github.PullRequest import PullRequest
from github.PullRequestReview import PullRequestReview
from github.Repository import Repository
from github.Tag import Tag
from github.WorkflowRun import WorkflowRun

from pipelines.defs.github import rules as rl
from pipelines.defs.github.client import GitHubApi, Page
from pipelines.defs.github.references import find_references
from pipelines.defs.github.rows import (
    CommitRow,
    CompareCommitRow,
    CompareRow,
    CursorRow,
    DeploymentRow,
    IncidentIssueRow,
    PullFileRow,
    PullRequestCommitRow,
    PullRequestRow,
    ReleaseRow,
    RepositoryRow,
    ReviewRow,
    TagRow,
    WorkflowRunRow,
)

# Re-exported for callers of the earlier module layout.
from pipelines.defs.github.rules import is_production_environment  # noqa: F401
from pulse.config import GitHubConfig, RepositoryRules
from pulse.warehouse import to_utc_naive

# Items this close to the cursor are read again: equal timestamps, clock skew, late-arriving writes.
OVERLAP = timedelta(hours=1)
COMMIT_OVERLAP = timedelta(days=1)
# A deployment or run still pending after this long is taken as abandoned and no longer holds the cursor back.
UNSETTLED_GRACE = timedelta(days=3)
# The runs list of one query stops at 1,000 results (GitHub's limit with a branch filter).
RUNS_LIST_LIMIT = 1000
FINAL_DEPLOYMENT_STATES = {"success", "failure", "error", "inactive"}
BODY_LIMIT = 4000
MESSAGE_LIMIT = 1000


def _repo_path(cfg: GitHubConfig, repository: str) -> str:
    """``/repos/{organisation}/{repository}``, each part URL-quoted."""
    return f"/repos/{quote(cfg.organisation, safe='')}/{quote(repository, safe='')}"


def _if_same_rules(cursor: CursorRow | None, digest: str) -> CursorRow | None:
    """The cursor, unless it was written under other rules: then the endpoint is read again from the start."""
    return cursor if cursor is not None and cursor.rules_hash == digest else None


def history_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def month_start(moment: datetime) -> datetime:
    """A stable lower bound for ``since`` filters: the same all month, so the query (and its ETag) stays put."""
    return datetime(moment.year, moment.month, 1)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _obj(cls: Any, api: GitHubApi, data: dict[str, Any]) -> Any:
    """A PyGithub object from a payload; complete, so a missing attribute reads as None instead of a request."""
    if issubclass(cls, CompletableGithubObject):
        return cls(api.requester, {}, data, completed=True)
    return cls(api.requester, {}, data)


def _login(user: Any) -> str | None:
    return user.login if user is not None else None


def _items(page: Page, wrap: str | None = None) -> list[dict[str, Any]]:
    data = page.data
    if wrap and isinstance(data, dict):
        data = data.get(wrap) or []
    if not isinstance(data, list):
        raise ValueError(f"expected a list in the response, got {type(data).__name__}")
    return data


@dataclass
class Walk:
    """What a newest-first list walk saw: the items newer than the stop point, de-duplicated, in list order."""

    items: list[dict[str, Any]] = field(default_factory=list)
    etag: str | None = None
    unchanged: bool = False
    reached_stop: bool = False
    first: Page | None = None


def walk(
    api: GitHubApi,
    endpoint: str,
    path: str,
    params: dict[str, Any],
    *,
    etag: str | None,
    key: Callable[[dict[str, Any]], Any],
    older: Callable[[dict[str, Any]], bool],
    wrap: str | None = None,
) -> Walk:
    """Page through a newest-first list until an item is ``older`` than the stop point (or the list ends)."""
    result = Walk()
    seen: dict[Any, dict[str, Any]] = {}
    for page in api.pages(endpoint, path, params, etag=etag):
        if result.first is None:
            result.first, result.etag = page, page.etag
            if page.not_modified:
                result.unchanged = True
                return result
        for item in _items(page, wrap):
            if older(item):
                result.reached_stop = True
                break
            seen.setdefault(key(item), item)
        if result.reached_stop:
            break
    result.items = list(seen.values())
    return result


def _stop_at(cursor: CursorRow | None, since: datetime, overlap: timedelta = OVERLAP) -> datetime:
    if cursor is None or cursor.cursor_at is None:
        return since
    return max(since, cursor.cursor_at - overlap)


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    return to_utc_naive(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _older_than(field_name: str, bound: datetime) -> Callable[[dict[str, Any]], bool]:
    def check(item: dict[str, Any]) -> bool:
        moment = _instant(item.get(field_name))
        return moment is not None and moment < bound

    return check


# -- repositories --------------------------------------------------------------------------------------------


@dataclass
class RepositoryListing:
    rows: list[RepositoryRow]
    etag: str | None
    unchanged: bool
    etags: dict[str, str | None] = field(default_factory=dict)
    """Configured repositories: name → validator of its ``GET /repos/{owner}/{name}``."""
    unchanged_names: list[str] = field(default_factory=list)
    """Configured repositories answered 304 (their stored rows stand)."""


def list_repositories(
    api: GitHubApi,
    cfg: GitHubConfig,
    fetched_at: datetime,
    *,
    etag: str | None = None,
    etags: dict[str, str] | None = None,
) -> RepositoryListing:
    """The configured repositories, or every repository of the organisation when none are listed.

    Both are asked conditionally: with ``etag`` the organisation's first page (up to 100 repositories, newest
    first, so an added one changes it), with ``etags`` each configured repository.
    """
    org = quote(cfg.organisation, safe="")
    payloads: list[dict[str, Any]] = []
    listing = RepositoryListing([], None, False)
    if cfg.repositories:
        for name in cfg.repositories:
            page = api.get("repositories", f"/repos/{org}/{quote(name, safe='')}", etag=(etags or {}).get(name))
            listing.etags[name] = page.etag
            if page.not_modified:
                listing.unchanged_names.append(name)
            else:
                payloads.append(page.data)
    else:
        params = {"type": "all", "sort": "created", "direction": "desc"}
        for page in api.pages("repositories", f"/orgs/{org}/repos", params, etag=etag):
            if page.not_modified and not page.next_url:
                return RepositoryListing([], page.etag, True)
            listing.etag = listing.etag or page.etag
            payloads += _items(page)
        # More than one page: a 304 on the first would not vouch for the others, so keep no validator.
        if len(payloads) > 100:
            listing.etag = None
    for payload in payloads:
        repo: Repository = _obj(Repository, api, payload)
        listing.rows.append(
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
    listing.unchanged = bool(cfg.repositories) and len(listing.unchanged_names) == len(cfg.repositories)
    return listing


# -- Deployments API -----------------------------------------------------------------------------------------


@dataclass
class StoredDeployment:
    updated_at: datetime | None
    latest_state: str | None
    created_at: datetime | None


@dataclass
class EndpointSync:
    """Rows to upsert for one repository and endpoint family, and the cursors to store with them."""

    rows: list[Any] = field(default_factory=list)
    cursors: list[CursorRow] = field(default_factory=list)
    children: dict[str, list[Any]] = field(default_factory=dict)
    """Child table → rows replacing the children of the parents in ``rows``."""
    listed: int = 0
    unchanged: int = 0
    """Listings answered 304."""


def sync_deployments(
    api: GitHubApi,
    cfg: GitHubConfig,
    rules: RepositoryRules,
    repository: str,
    *,
    since: datetime,
    now: datetime,
    cursors: dict[str, CursorRow],
    stored: dict[int, StoredDeployment],
) -> EndpointSync:
    """Deployments to production environments (per the rules), each with its statuses summarised.

    Statuses are read only for deployments that are new, changed (``updated_at``) or not yet final.
    """
    path = f"{_repo_path(cfg, repository)}/deployments"
    digest = rl.rules_hash(rules.production_environments, [s.environment_prefix for s in rules.services])
    result = EndpointSync()
    listed: dict[int, dict[str, Any]] = {}
    walks: list[tuple[str, CursorRow | None, Walk]] = []
    for environment in rl.environment_listings(rules):
        endpoint = f"deployments:{environment or '*'}"
        cursor = cursors.get(endpoint)
        cursor = _if_same_rules(cursor, digest)
        seen = walk(
            api,
            "deployments",
            path,
            {"environment": environment} if environment else {},
            etag=cursor.etag if cursor else None,
            key=lambda d: d["id"],
            older=_older_than("created_at", _stop_at(cursor, since)),
        )
        if seen.unchanged:
            result.unchanged += 1
            continue
        walks.append((endpoint, cursor, seen))
        for item in seen.items:
            if rl.match_environment(item.get("environment"), rules) is not None:
                listed.setdefault(int(item["id"]), item)
    # Deployments stored earlier whose outcome was still open: look again even if they were not listed.
    for deployment_id, known in stored.items():
        if deployment_id in listed or known.latest_state in FINAL_DEPLOYMENT_STATES:
            continue
        if known.created_at is not None and known.created_at >= max(since, now - UNSETTLED_GRACE):
            page = api.get("deployments", f"{path}/{deployment_id}", allow=(404,))
            if page.status == 200:
                listed[deployment_id] = page.data
    states: dict[int, str | None] = {i: s.latest_state for i, s in stored.items()}
    for deployment_id, item in listed.items():
        dep: Deployment = _obj(Deployment, api, item)
        known = stored.get(deployment_id)
        updated = to_utc_naive(dep.updated_at)
        if known is not None and known.updated_at == updated and known.latest_state in FINAL_DEPLOYMENT_STATES:
            continue  # nothing new since it was stored with its final outcome
        statuses: list[DeploymentStatus] = []
        for page in api.pages("deployment_statuses", f"{path}/{deployment_id}/statuses"):
            statuses += [_obj(DeploymentStatus, api, s) for s in _items(page)]
        row = _deployment_row(repository, dep, statuses, now)
        states[deployment_id] = row.latest_state
        result.rows.append(row)
    for endpoint, cursor, seen in walks:
        created = [_instant(d.get("created_at")) for d in seen.items]
        unsettled = [
            _instant(d.get("created_at"))
            for d in seen.items
            if int(d["id"]) in listed and states.get(int(d["id"])) not in FINAL_DEPLOYMENT_STATES
        ]
        position = _cursor_position(created, unsettled, cursor, now)
        result.cursors.append(CursorRow(repository, endpoint, position, seen.etag, digest, now))
    result.listed = len(listed)
    return result


def _cursor_position(
    seen: list[datetime | None], unsettled: list[datetime | None], cursor: CursorRow | None, now: datetime
) -> datetime | None:
    """The newest time seen, held back to the oldest item whose outcome may still change (within the grace)."""
    known = [cursor.cursor_at] if cursor and cursor.cursor_at else []
    newest = max([t for t in seen if t is not None] + known, default=None)
    pending = [t for t in unsettled if t is not None and t >= now - UNSETTLED_GRACE]
    if pending and newest is not None:
        return min(newest, min(pending))
    return newest


def _deployment_row(
    repository: str, dep: Deployment, statuses: list[DeploymentStatus], fetched_at: datetime
) -> DeploymentRow:
    dated = [(to_utc_naive(s.created_at), s.id or 0, s.state) for s in statuses if s.created_at is not None]
    latest = max(dated, default=None)
    successes = [t for t, _, state in dated if state == "success"]
    failures = [t for t, _, state in dated if state in ("failure", "error")]
    return DeploymentRow(
        repository=repository,
        deployment_id=dep.id,
        sha=dep.sha,
        ref=dep.ref,
        task=dep.task,
        environment=dep.environment,
        creator=_login(dep.creator),
        created_at=to_utc_naive(dep.created_at),
        updated_at=to_utc_naive(dep.updated_at),
        latest_state=latest[2] if latest else None,
        latest_state_at=latest[0] if latest else None,
        succeeded_at=min(successes, default=None),
        failed_at=min(failures, default=None),
        status_count=len(statuses),
        url=dep.url,
        fetched_at=fetched_at,
    )


# -- Actions workflow runs -----------------------------------------------------------------------------------


def sync_workflow_runs(
    api: GitHubApi,
    cfg: GitHubConfig,
    rules: RepositoryRules,
    repository: str,
    *,
    since: datetime,
    now: datetime,
    cursor: CursorRow | None,
) -> EndpointSync:
    """Runs that a workflow rule matches (file, path, display name, or a reusable workflow the run called).

    One list of the repository's runs (on the production branch when every rule wants that branch), so a
    caller workflow of any name is seen; runs still in progress hold the cursor back until they finish.
    """
    result = EndpointSync()
    if not rules.all_workflow_rules:
        return result
    path = f"{_repo_path(cfg, repository)}/actions/runs"
    branches = rl.run_branches(rules)
    # GitHub filters one exact branch; several branches or a pattern need the unfiltered list.
    single = branches[0] if len(branches) == 1 and not any(ch in branches[0] for ch in "*?[") else None
    params: dict[str, Any] = {"branch": single} if single else {}
    digest = rl.rules_hash(rules.all_workflow_rules, rules.production_branch, [s.name for s in rules.services])
    cursor = _if_same_rules(cursor, digest)
    stop = _stop_at(cursor, since)
    seen = walk(
        api,
        "workflow_runs",
        path,
        params,
        etag=cursor.etag if cursor else None,
        key=lambda r: r["id"],
        older=_older_than("created_at", stop),
        wrap="workflow_runs",
    )
    if seen.unchanged:
        result.unchanged = 1
        return result
    items = {int(r["id"]): r for r in seen.items}
    first_etag = seen.etag
    total = seen.first.data.get("total_count") if seen.first and isinstance(seen.first.data, dict) else None
    # One query lists at most 1,000 runs: carry on below the oldest one seen until the stop point.
    while not seen.reached_stop and total is not None and len(seen.items) >= RUNS_LIST_LIMIT and items:
        oldest = min(_instant(r["created_at"]) for r in items.values())  # type: ignore[type-var]
        seen = walk(
            api,
            "workflow_runs",
            path,
            {**params, "created": f"<={_iso(oldest)}"},  # type: ignore[arg-type]
            etag=None,
            key=lambda r: r["id"],
            older=_older_than("created_at", stop),
            wrap="workflow_runs",
        )
        fresh = {int(r["id"]): r for r in seen.items if int(r["id"]) not in items}
        if not fresh:
            break
        items.update(fresh)
    unsettled: list[datetime | None] = []
    for item in items.values():
        run: WorkflowRun = _obj(WorkflowRun, api, item)
        referenced = [str(w.get("path")) for w in (run.referenced_workflows or []) if w.get("path")]
        matches = rl.match_run(
            rules, path=run.path, name=run.name, head_branch=run.head_branch, event=run.event, referenced=referenced
        )
        if not matches:
            continue
        if run.status != "completed":
            unsettled.append(to_utc_naive(run.created_at))
        result.rows.append(
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
                created_at=to_utc_naive(run.created_at),
                run_started_at=to_utc_naive(run.run_started_at),
                updated_at=to_utc_naive(run.updated_at),
                actor=_login(run.actor),
                html_url=run.html_url,
                referenced_workflows=referenced,
                fetched_at=now,
            )
        )
    position = _cursor_position([_instant(r.get("created_at")) for r in items.values()], unsettled, cursor, now)
    result.cursors.append(CursorRow(repository, "workflow_runs", position, first_etag, digest, now))
    result.listed = len(items)
    return result


# -- pull requests -------------------------------------------------------------------------------------------


@dataclass
class PullSync(EndpointSync):
    commits: list[PullRequestCommitRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    files: list[PullFileRow] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    """Pull requests whose commits, reviews and files were read again (their old child rows are replaced)."""


def sync_pull_requests(
    api: GitHubApi,
    cfg: GitHubConfig,
    rules: RepositoryRules,
    repository: str,
    *,
    since: datetime,
    now: datetime,
    cursor: CursorRow | None,
    stored: dict[int, datetime | None],
) -> PullSync:
    """Pull requests merged into the production branch since ``since``, each with its commit list and reviews
    (and, in a monorepo split by path, its files). Known pull requests with an unchanged ``updated_at`` are
    not read again.

    The commit list, not the merge commit, gives the first commit time: squash and rebase merges rewrite the
    merge commit but the pull request still lists the commits as authored.
    """
    result = PullSync()
    base = f"{_repo_path(cfg, repository)}/pulls"
    digest = rl.rules_hash(rules.production_branch, rules.has_paths)
    cursor = _if_same_rules(cursor, digest)
    params = {"state": "closed", "base": rules.production_branch, "sort": "updated", "direction": "desc"}
    seen = walk(
        api,
        "pulls",
        base,
        params,
        etag=cursor.etag if cursor else None,
        key=lambda p: p["number"],
        older=_older_than("updated_at", _stop_at(cursor, since)),
    )
    if seen.unchanged:
        result.unchanged = 1
        return result
    for item in seen.items:
        pr: PullRequest = _obj(PullRequest, api, item)
        merged_at = to_utc_naive(pr.merged_at)
        if merged_at is None or merged_at < since:
            continue
        updated = to_utc_naive(pr.updated_at)
        if pr.number in stored and stored[pr.number] == updated:
            continue
        result.rows.append(
            PullRequestRow(
                repository=repository,
                number=pr.number,
                title=pr.title,
                author=_login(pr.user),
                author_type=pr.user.type if pr.user else None,
                head_ref=pr.head.ref if pr.head else None,
                base_ref=pr.base.ref if pr.base else None,
                labels=[label.name for label in pr.labels or []],
                body=(pr.body or "")[:BODY_LIMIT] or None,
                created_at=to_utc_naive(pr.created_at),
                updated_at=updated,
                merged_at=merged_at,
                merge_commit_sha=pr.merge_commit_sha,
                html_url=pr.html_url,
                fetched_at=now,
            )
        )
        result.refreshed.append(pr.number)
        for page in api.pages("pull_commits", f"{base}/{pr.number}/commits"):
            for raw in _items(page):
                commit: Commit = _obj(Commit, api, raw)
                git = commit.commit
                result.commits.append(
                    PullRequestCommitRow(
                        repository=repository,
                        number=pr.number,
                        sha=commit.sha,
                        author=_login(commit.author),
                        authored_at=to_utc_naive(git.author.date) if git and git.author else None,
                        committed_at=to_utc_naive(git.committer.date) if git and git.committer else None,
                        message=(git.message or "")[:MESSAGE_LIMIT] if git else None,
                        fetched_at=now,
                    )
                )
        for page in api.pages("pull_reviews", f"{base}/{pr.number}/reviews"):
            for raw in _items(page):
                review: PullRequestReview = _obj(PullRequestReview, api, raw)
                result.reviews.append(
                    ReviewRow(
                        repository=repository,
                        number=pr.number,
                        review_id=review.id,
                        reviewer=_login(review.user),
                        reviewer_type=review.user.type if review.user else None,
                        state=review.state,
                        submitted_at=to_utc_naive(review.submitted_at),
                        fetched_at=now,
                    )
                )
        if rules.has_paths:
            for page in api.pages("pull_files", f"{base}/{pr.number}/files"):
                names = {_obj(File, api, raw).filename for raw in _items(page)}
                result.files += [PullFileRow(repository, pr.number, name, now) for name in sorted(names) if name]
    newest = max([t for t in (_instant(p.get("updated_at")) for p in seen.items) if t is not None], default=None)
    position = max([t for t in (newest, cursor.cursor_at if cursor else None) if t is not None], default=None)
    result.cursors.append(CursorRow(repository, "pulls", position, seen.etag, digest, now))
    result.listed = len(seen.items)
    return result


# -- production-branch commits ---------------------------------------------------------------------------------


def sync_commits(
    api: GitHubApi,
    cfg: GitHubConfig,
    rules: RepositoryRules,
    repository: str,
    *,
    since: datetime,
    now: datetime,
    cursor: CursorRow | None,
    pull_request_shas: set[str],
    known_files: dict[str, list[str] | None],
) -> EndpointSync:
    """Commits on the production branch since ``since`` (newest first, down to the cursor).

    In a monorepo split by path, the files of each commit that no pull request brought are read too
    (``GET /commits/{sha}``), to give a direct push its service.
    """
    result = EndpointSync()
    repo_path = _repo_path(cfg, repository)
    digest = rl.rules_hash(rules.production_branch, rules.has_paths)
    cursor = _if_same_rules(cursor, digest)
    params = {"sha": rules.production_branch, "since": _iso(month_start(since))}
    stop = _stop_at(cursor, since, COMMIT_OVERLAP)

    def older(item: dict[str, Any]) -> bool:
        moment = _instant(((item.get("commit") or {}).get("committer") or {}).get("date"))
        return moment is not None and moment < stop

    seen = walk(
        api,
        "commits",
        f"{repo_path}/commits",
        params,
        etag=cursor.etag if cursor else None,
        key=lambda c: c["sha"],
        older=older,
    )
    if seen.unchanged:
        result.unchanged = 1
        return result
    newest: datetime | None = cursor.cursor_at if cursor else None
    for item in seen.items:
        commit: Commit = _obj(Commit, api, item)
        git = commit.commit
        committed = to_utc_naive(git.committer.date) if git and git.committer else None
        if committed is not None and committed < since:
            continue
        files = known_files.get(commit.sha)
        if rules.has_paths and files is None and commit.sha not in pull_request_shas:
            detail = api.get("commit", f"{repo_path}/commits/{commit.sha}").data
            files = sorted({f.get("filename") for f in detail.get("files") or [] if f.get("filename")})
        result.rows.append(
            CommitRow(
                repository=repository,
                sha=commit.sha,
                branch=rules.production_branch,
                author=_login(commit.author),
                author_name=git.author.name if git and git.author else None,
                author_type=commit.author.type if commit.author else None,
                authored_at=to_utc_naive(git.author.date) if git and git.author else None,
                committed_at=committed,
                message=(git.message or "")[:MESSAGE_LIMIT] if git else None,
                parent_shas=[p.sha for p in commit.parents or []],
                files=files,
                fetched_at=now,
            )
        )
        if committed is not None and (newest is None or committed > newest):
            newest = committed
    result.cursors.append(CursorRow(repository, "commits", newest, seen.etag, digest, now))
    result.listed = len(seen.items)
    return result


# -- releases and tags -----------------------------------------------------------------------------------------


def sync_releases(
    api: GitHubApi,
    cfg: GitHubConfig,
    rules: RepositoryRules,
    repository: str,
    *,
    since: datetime,
    now: datetime,
    cursors: dict[str, CursorRow],
    known_release_shas: dict[int, str | None],
    known_tags: dict[str, tuple[str | None, datetime | None]],
) -> EndpointSync:
    """Published releases whose tag a release rule matches, and tags a tag rule matches.

    A release's commit is its ``target_commitish`` when that is a SHA, else the commit its tag names (one
    request per new release). A plain tag's deployment time is its commit's time (one request per new tag).
    """
    result = EndpointSync()
    repo_path = _repo_path(cfg, repository)
    if rules.all_release_tags:
        digest = rl.rules_hash(rules.all_release_tags)
        cursor = cursors.get("releases")
        cursor = _if_same_rules(cursor, digest)
        seen = walk(
            api,
            "releases",
            f"{repo_path}/releases",
            {},
            etag=cursor.etag if cursor else None,
            key=lambda r: r["id"],
            older=_older_than("created_at", since),
        )
        if seen.unchanged:
            result.unchanged += 1
        else:
            for item in seen.items:
                release: GitRelease = _obj(GitRelease, api, item)
                if release.draft or rl.match_tag(release.tag_name, rules, releases=True) is None:
                    continue
                sha = known_release_shas.get(release.id)
                target = release.target_commitish or ""
                if sha is None:
                    if len(target) == 40 and all(ch in "0123456789abcdef" for ch in target.lower()):
                        sha = target.lower()
                    else:
                        page = api.get("release_commit", f"{repo_path}/commits/{quote(release.tag_name, safe='')}")
                        sha = page.data.get("sha")
                result.rows.append(
                    ReleaseRow(
                        repository=repository,
                        release_id=release.id,
                        tag_name=release.tag_name,
                        name=release.title,
                        target_commitish=release.target_commitish,
                        sha=sha,
                        prerelease=bool(release.prerelease),
                        author=_login(release.author),
                        created_at=to_utc_naive(release.created_at),
                        published_at=to_utc_naive(release.published_at),
                        html_url=release.html_url,
                        fetched_at=now,
                    )
                )
            result.cursors.append(CursorRow(repository, "releases", None, seen.etag, digest, now))
            result.listed += len(seen.items)
    if rules.all_deployment_tags:
        digest = rl.rules_hash(rules.all_deployment_tags)
        cursor = cursors.get("tags")
        cursor = _if_same_rules(cursor, digest)
        seen = walk(
            api,
            "tags",
            f"{repo_path}/tags",
            {},
            etag=cursor.etag if cursor else None,
            key=lambda t: t["name"],
            older=lambda t: False,
        )
        if seen.unchanged:
            result.unchanged += 1
        else:
            tags: list[TagRow] = []
            for item in seen.items:
                tag: Tag = _obj(Tag, api, item)
                if rl.match_tag(tag.name, rules, releases=False) is None:
                    continue
                sha = tag.commit.sha if tag.commit else None
                known_sha, known_time = known_tags.get(tag.name, (None, None))
                when = known_time if known_sha == sha else None
                if when is None and sha:
                    detail = api.get("tag_commit", f"{repo_path}/commits/{sha}").data
                    when = _instant(((detail.get("commit") or {}).get("committer") or {}).get("date"))
                if when is not None and when < since:
                    continue
                tags.append(TagRow(repository, tag.name, sha, when, now))
            result.children["raw_github_tags"] = tags
            result.cursors.append(CursorRow(repository, "tags", None, seen.etag, digest, now))
            result.listed += len(seen.items)
    return result


# -- incident issues -------------------------------------------------------------------------------------------


def sync_incident_issues(
    api: GitHubApi,
    cfg: GitHubConfig,
    repository: str,
    *,
    since: datetime,
    now: datetime,
    cursor: CursorRow | None,
) -> EndpointSync:
    """Issues carrying ``github.incident_label`` updated since the cursor, with the deployments, runs,
    commits and pull requests their title and body mention. Pull requests with the label are skipped."""
    result = EndpointSync()
    path = f"{_repo_path(cfg, repository)}/issues"
    digest = rl.rules_hash(cfg.incident_label)
    cursor = _if_same_rules(cursor, digest)
    params = {
        "labels": cfg.incident_label,
        "state": "all",
        "sort": "updated",
        "direction": "desc",
        "since": _iso(month_start(since)),
    }
    seen = walk(
        api,
        "issues",
        path,
        params,
        etag=cursor.etag if cursor else None,
        key=lambda i: i["number"],
        older=_older_than("updated_at", _stop_at(cursor, since)),
    )
    if seen.unchanged:
        result.unchanged = 1
        return result
    full_name = f"{cfg.organisation}/{repository}"
    newest = cursor.cursor_at if cursor else None
    for item in seen.items:
        if item.get("pull_request"):
            continue
        issue: Issue = _obj(Issue, api, item)
        created = to_utc_naive(issue.created_at)
        updated = to_utc_naive(issue.updated_at)
        if updated is not None and (newest is None or updated > newest):
            newest = updated
        if created is not None and created < since:
            continue
        found = find_references(f"{issue.title or ''}\n{issue.body or ''}", full_name)
        result.rows.append(
            IncidentIssueRow(
                repository=repository,
                number=issue.number,
                title=issue.title,
                labels=[label.name for label in issue.labels or []],
                state=issue.state,
                author=_login(issue.user),
                created_at=created,
                updated_at=updated,
                closed_at=to_utc_naive(issue.closed_at),
                referenced_deployment_ids=found.deployment_ids,
                referenced_run_ids=found.run_ids,
                referenced_shas=found.shas,
                referenced_pull_numbers=found.pull_numbers,
                html_url=issue.html_url,
                fetched_at=now,
            )
        )
    result.cursors.append(CursorRow(repository, "issues", newest, seen.etag, digest, now))
    result.listed = len(seen.items)
    return result


# -- compare ---------------------------------------------------------------------------------------------------


def compare_commits(
    api: GitHubApi, cfg: GitHubConfig, repository: str, base: str, head: str, fetched_at: datetime
) -> tuple[CompareRow, list[CompareCommitRow]]:
    """The commits ``head`` has that ``base`` has not (what a deployment of ``head`` shipped after ``base``),
    paged 100 at a time so that comparisons beyond the 250 commits of an unpaged response are complete.

    A base or head that no longer exists (a force-push rewrote history) gives status ``missing`` and the error.
    """
    repo_path = _repo_path(cfg, repository)
    first = api.get("compare", f"{repo_path}/compare/{base}...{head}", {"per_page": 100}, allow=(404, 422))
    if first.status in (404, 422):
        # GitHub says 404 for a missing repository too: only a reachable repository means the commit is gone.
        api.get("repositories", repo_path)
        message = first.data.get("message") if isinstance(first.data, dict) else None
        row = CompareRow(repository, base, head, "missing", None, None, None, 0, message or "Not Found", fetched_at)
        return row, []
    data = first.data
    commits: list[CompareCommitRow] = []
    seen: set[str] = set()

    def add(items: Iterable[dict[str, Any]]) -> None:
        for raw in items:
            commit: Commit = _obj(Commit, api, raw)
            if commit.sha in seen:
                continue
            seen.add(commit.sha)
            git = commit.commit
            commits.append(
                CompareCommitRow(
                    repository=repository,
                    base_sha=base,
                    head_sha=head,
                    sha=commit.sha,
                    position=len(commits) + 1,
                    author=_login(commit.author),
                    authored_at=to_utc_naive(git.author.date) if git and git.author else None,
                    committed_at=to_utc_naive(git.committer.date) if git and git.committer else None,
                )
            )

    add(data.get("commits") or [])
    next_url = first.next_url
    while next_url:
        page = api.get("compare", next_url)
        add((page.data or {}).get("commits") or [])
        next_url = page.next_url
    row = CompareRow(
        repository=repository,
        base_sha=base,
        head_sha=head,
        status=str(data.get("status") or ""),
        ahead_by=data.get("ahead_by"),
        behind_by=data.get("behind_by"),
        total_commits=data.get("total_commits"),
        commits_listed=len(commits),
        error=None,
        fetched_at=fetched_at,
    )
    return row, commits
