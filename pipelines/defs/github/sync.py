"""One GitHub sync, Dagster-free: every repository and endpoint in turn, then detection and comparisons.

The assets call these functions; tests and the request benchmark call them directly. Each repository's
endpoint is written with its cursor in one transaction (:func:`store.apply`); a failing repository is
recorded and the others go on; a spent rate limit stops the endpoint cleanly and says when to resume.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import requests
from github import GithubException

from metrics.incremental import GITHUB_RULES_KEY
from pipelines.defs.github import detect, store
from pipelines.defs.github import rules as rl
from pipelines.defs.github.client import GitHubApi, GitHubApiError, RateLimitStop, describe_error
from pipelines.defs.github.fetch import (
    compare_commits,
    history_start,
    list_repositories,
    sync_commits,
    sync_deployments,
    sync_incident_issues,
    sync_pull_requests,
    sync_releases,
    sync_workflow_runs,
)
from pipelines.defs.github.rows import ChangeCandidateRow, CursorRow, DeploymentAttemptRow
from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, replace_rows, set_meta, transaction

# A repository's failure is reported and the run goes on: HTTP errors, retries exhausted, payloads that do
# not parse (missing or mistyped fields).
FETCH_ERRORS = (
    GithubException,
    GitHubApiError,
    requests.RequestException,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
)
ENDPOINTS = ("deployments", "workflow_runs", "releases", "pull_requests", "commits", "incident_issues")
COMPARE_BATCH = 50
RULES_APPLIED_KEY = "github_rules_applied_at"
Log = Callable[[str], None]


@dataclass
class Report:
    """What one endpoint's (or the detection step's) sync did, for asset metadata and the log."""

    counts: Counter[str] = field(default_factory=Counter)
    repositories: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    stopped: RateLimitStop | None = None
    not_reached: list[str] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def all_failed(self) -> bool:
        return self.repositories > 0 and len(self.failures) == self.repositories


def sync_repositories(con: duckdb.DuckDBPyConnection, api: GitHubApi, cfg: PulseConfig, now: datetime) -> Report:
    """The repository list, asked conditionally: an unchanged listing costs nothing."""
    ensure_schema(con)
    report = Report()
    known = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT repository, etag FROM github_sync_cursors WHERE endpoint = 'repository'"
        ).fetchall()
    }
    stored = set(store.active_repositories(con)) | {
        r[0] for r in con.execute("SELECT repository FROM raw_github_repositories").fetchall()
    }
    org_cursor = store.cursors(con, "").get("repositories")
    listing = list_repositories(
        api,
        cfg.github,
        now,
        etag=org_cursor.etag if org_cursor and stored else None,
        etags={name: etag for name, etag in known.items() if name in stored and etag},
    )
    if listing.unchanged:
        report.counts["repositories"] = len(stored)
        report.notes["unchanged"] = True
        return report
    keep = set(listing.unchanged_names)
    with transaction(con):
        if cfg.github.repositories:
            wanted = set(cfg.github.repositories)
            # Repositories no longer configured go; unchanged ones keep their rows; the rest are replaced.
            con.execute(
                "DELETE FROM raw_github_repositories WHERE NOT list_contains($keep, repository)",
                {"keep": sorted(keep & wanted)},
            )
            store.upsert(con, "raw_github_repositories", listing.rows)
            cursors = [CursorRow(name, "repository", None, etag, None, now) for name, etag in listing.etags.items()]
            store.upsert(con, "github_sync_cursors", cursors)
        else:
            replace_rows(con, "raw_github_repositories", listing.rows, own_transaction=False)
            store.upsert(con, "github_sync_cursors", [CursorRow("", "repositories", None, listing.etag, None, now)])
    report.counts["repositories"] = len(listing.rows) + len(keep)
    return report


def sync_one(
    con: duckdb.DuckDBPyConnection, api: GitHubApi, cfg: PulseConfig, endpoint: str, repo: str, now: datetime
) -> Counter[str]:
    """Read one repository's endpoint from its cursor and write the rows with the new cursor atomically."""
    gh = cfg.github
    rules = gh.rules_for(repo)
    since = history_start(now, cfg.history_days)
    cursors = store.cursors(con, repo)
    if endpoint == "deployments":
        result = sync_deployments(
            api, gh, rules, repo, since=since, now=now, cursors=cursors, stored=store.stored_deployments(con, repo)
        )
        write = store.Write(upserts=[("raw_github_deployments", result.rows)], cursors=result.cursors)
        counted = Counter({"deployments": len(result.rows)})
    elif endpoint == "workflow_runs":
        result = sync_workflow_runs(api, gh, rules, repo, since=since, now=now, cursor=cursors.get("workflow_runs"))
        write = store.Write(upserts=[("raw_github_workflow_runs", result.rows)], cursors=result.cursors)
        counted = Counter({"workflow_runs": len(result.rows)})
    elif endpoint == "releases":
        result = sync_releases(
            api,
            gh,
            rules,
            repo,
            since=since,
            now=now,
            cursors=cursors,
            known_release_shas=store.known_release_shas(con, repo),
            known_tags=store.known_tags(con, repo),
        )
        write = store.Write(upserts=[("raw_github_releases", result.rows)], cursors=result.cursors)
        tags = result.children.get("raw_github_tags")
        if tags is not None:
            write.replace_slices.append(("raw_github_tags", repo, tags))
        counted = Counter({"releases": len(result.rows), "tags": len(tags or [])})
    elif endpoint == "pull_requests":
        pulls = sync_pull_requests(
            api,
            gh,
            rules,
            repo,
            since=since,
            now=now,
            cursor=cursors.get("pulls"),
            stored=store.stored_pull_updates(con, repo),
        )
        result = pulls
        write = store.Write(
            upserts=[("raw_github_pull_requests", pulls.rows)],
            replace_children=[
                ("raw_github_pull_request_commits", repo, pulls.refreshed, pulls.commits),
                ("raw_github_pull_request_reviews", repo, pulls.refreshed, pulls.reviews),
                ("raw_github_pull_request_files", repo, pulls.refreshed, pulls.files),
            ],
            cursors=pulls.cursors,
        )
        counted = Counter(pull_requests=len(pulls.rows), pull_request_commits=len(pulls.commits))
        counted["reviews"] = len(pulls.reviews)
    elif endpoint == "commits":
        result = sync_commits(
            api,
            gh,
            rules,
            repo,
            since=since,
            now=now,
            cursor=cursors.get("commits"),
            pull_request_shas=store.pull_request_shas(con, repo) if rules.has_paths else set(),
            known_files=store.known_commit_files(con, repo) if rules.has_paths else {},
        )
        write = store.Write(upserts=[("raw_github_commits", result.rows)], cursors=result.cursors)
        counted = Counter({"commits": len(result.rows)})
    elif endpoint == "incident_issues":
        result = sync_incident_issues(api, gh, repo, since=since, now=now, cursor=cursors.get("issues"))
        write = store.Write(upserts=[("raw_github_incident_issues", result.rows)], cursors=result.cursors)
        counted = Counter({"incident_issues": len(result.rows)})
    else:
        raise ValueError(f"unknown GitHub endpoint {endpoint!r}")
    store.apply(con, write)
    counted["unchanged_listings"] = result.unchanged
    return +counted


def sync_endpoint(
    con: duckdb.DuckDBPyConnection,
    api: GitHubApi,
    cfg: PulseConfig,
    endpoint: str,
    now: datetime,
    log: Log | None = None,
) -> Report:
    """One endpoint for every active repository, each in its own transaction."""
    say = log or (lambda message: None)
    ensure_schema(con)
    report = Report()
    repos = store.active_repositories(con)
    report.repositories = len(repos)
    for i, repo in enumerate(repos, start=1):
        if report.stopped is not None:
            report.not_reached.append(repo)
            continue
        try:
            counted = sync_one(con, api, cfg, endpoint, repo, now)
        except RateLimitStop as exc:
            report.stopped = exc
            report.not_reached.append(repo)
            say(str(exc))
            continue
        except FETCH_ERRORS as exc:
            report.failures[repo] = describe_error(exc)
            say(f"[{i}/{len(repos)}] {repo}: {endpoint} not refreshed: {report.failures[repo]}")
            continue
        report.counts.update(counted)
        summary = ", ".join(f"{v} {k}" for k, v in counted.items()) or "nothing new"
        say(f"[{i}/{len(repos)}] {repo}: {summary}")
    return report


def derive(
    con: duckdb.DuckDBPyConnection, api: GitHubApi, cfg: PulseConfig, now: datetime, log: Log | None = None
) -> Report:
    """Apply the deployment rules to everything stored, fetch the comparisons not stored yet, derive changes."""
    say = log or (lambda message: None)
    ensure_schema(con)
    report = Report()
    raw = store.load_raw(con)
    attempts = detect.detect_attempts(cfg.github, raw)
    store.replace_table(con, "github_deployment_attempts", attempts, DeploymentAttemptRow)
    done = store.stored_compares(con)
    pairs = [p for p in detect.compare_pairs(attempts) if p not in done]
    broken: set[str] = set()
    missing: list[str] = []
    for start in range(0, len(pairs), COMPARE_BATCH):
        write = store.Write()
        for repo, base, head in pairs[start : start + COMPARE_BATCH]:
            if report.stopped is not None or repo in broken:
                report.not_reached.append(f"{repo} {base[:7]}...{head[:7]}")
                continue
            try:
                row, commits = compare_commits(api, cfg.github, repo, base, head, now)
            except RateLimitStop as exc:
                report.stopped = exc
                report.not_reached.append(f"{repo} {base[:7]}...{head[:7]}")
                say(str(exc))
                continue
            except FETCH_ERRORS as exc:
                # The repository is unreachable: its other comparisons wait for the next run.
                report.failures[repo] = describe_error(exc)
                broken.add(repo)
                continue
            if row.status == "missing":
                missing.append(f"{repo} {base[:12]}...{head[:12]}: {row.error}")
            write.upserts += [("raw_github_compares", [row]), ("raw_github_compare_commits", commits)]
            report.counts["comparisons_fetched"] += 1
        store.apply(con, write)
    if missing:
        say(
            f"{len(missing)} comparisons name a commit that no longer exists (history rewritten by a force-push?); "
            f"those deployments fall back to the merge-time rule. First: {missing[0]}"
        )
    changes = detect.detect_changes(cfg.github, raw)
    store.replace_table(con, "github_change_candidates", changes, ChangeCandidateRow)
    # Tells the metric SQL that these tables, not its built-in defaults over the raw tables, hold the rules' result;
    # the rules' fingerprint tells the metric recompute when old rows may have changed with them.
    set_meta(con, {RULES_APPLIED_KEY: now.isoformat(), GITHUB_RULES_KEY: rl.rules_hash(cfg.github)})
    statuses = Counter(a.status for a in attempts)
    report.counts.update(
        {
            "deployment_attempts": len(attempts),
            "successful_deployments": statuses.get("success", 0),
            "changes": len({c.change_key for c in changes if not c.is_bot}),
            "direct_pushes": len({c.change_key for c in changes if c.change_kind == "direct_push" and not c.is_bot}),
            "bot_changes_excluded": len({c.change_key for c in changes if c.is_bot}),
        }
    )
    report.notes["attempts_per_source"] = dict(Counter(a.source for a in attempts))
    report.notes["attempts_per_status"] = dict(statuses)
    report.notes["comparisons_missing_commit"] = missing
    return report


def sync_all(
    con: duckdb.DuckDBPyConnection, api: GitHubApi, cfg: PulseConfig, now: datetime, log: Log | None = None
) -> dict[str, Report]:
    """The whole GitHub sync in asset order: repositories, every endpoint, then detection and comparisons."""
    reports = {"repositories": sync_repositories(con, api, cfg, now)}
    for endpoint in ENDPOINTS:
        reports[endpoint] = sync_endpoint(con, api, cfg, endpoint, now, log)
    reports["derive"] = derive(con, api, cfg, now, log)
    return reports
