"""GitHub ingestion assets: repositories, deployments, deploy workflow runs, merged pull requests."""

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import dagster as dg
import requests
from dagster_duckdb import DuckDBResource
from github import Github, GithubException

from pipelines.defs.github.client import describe_error, make_github
from pipelines.defs.github.fetch import (
    PullRequestCommitRow,
    PullRequestRow,
    fetch_deployments,
    fetch_pull_requests,
    fetch_workflow_runs,
    history_start,
    list_repositories,
)
from pipelines.resources import PulseSettings
from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, insert_frame, replace_rows, rows_frame, transaction, utc_now

GROUP = "github"
PR_COLUMNS = [f.name for f in fields(PullRequestRow)]
COMMIT_COLUMNS = [f.name for f in fields(PullRequestCommitRow)]
FetchErrors = (GithubException, requests.RequestException, ValueError)


@dg.asset(group_name=GROUP, kinds={"github", "duckdb"})
def github_repositories(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per repository of the organisation (or of the configured list)."""
    cfg = settings.load()
    gh = make_github(cfg.github)
    rows = list_repositories(gh, cfg.github, utc_now())
    context.log.info(f"{len(rows)} repositories in {cfg.organisation}")
    with duckdb.get_connection() as con:
        ensure_schema(con)
        replace_rows(con, "raw_github_repositories", rows)
    return dg.MaterializeResult(
        metadata={"repositories": len(rows), **_rate_limit_metadata(gh)},
    )


def _repositories(con: Any) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT repository FROM raw_github_repositories WHERE NOT coalesce(archived, false) ORDER BY repository"
        ).fetchall()
    ]


def _per_repository(
    context: dg.AssetExecutionContext,
    cfg: PulseConfig,
    duckdb: DuckDBResource,
    gh: Github,
    label: str,
    fetch_and_store: Callable[[Any, str], int],
) -> dict[str, Any]:
    """Run one repository at a time; a failure is logged and reported, and that repository keeps its old rows."""
    with duckdb.get_connection() as con:
        ensure_schema(con)
        repos = _repositories(con)
        failures: dict[str, str] = {}
        total = 0
        for i, repo in enumerate(repos, start=1):
            try:
                count = fetch_and_store(con, repo)
            except FetchErrors as exc:
                failures[repo] = describe_error(exc)
                context.log.warning(f"[{i}/{len(repos)}] {repo}: {label} not refreshed: {failures[repo]}")
                continue
            total += count
            context.log.info(f"[{i}/{len(repos)}] {repo}: {count} {label}")
    metadata: dict[str, Any] = {
        label: total,
        "repositories": len(repos),
        "failed_repositories": dg.MetadataValue.json(failures),
        **_rate_limit_metadata(gh),
    }
    if repos and len(failures) == len(repos):
        raise dg.Failure(
            description=f"every repository failed for {label}; first error: {next(iter(failures.values()))}",
            metadata=metadata,
        )
    return metadata


@dg.asset(group_name=GROUP, kinds={"github", "duckdb"}, deps=[github_repositories])
def github_deployments(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per GitHub deployment to a production environment, with its latest and first-success status."""
    cfg = settings.load()
    gh = make_github(cfg.github)
    now = utc_now()
    since = history_start(now, cfg.history_days)

    def run(con: Any, repo: str) -> int:
        rows = fetch_deployments(gh, cfg.github, repo, since, now)
        return replace_rows(
            con, "raw_github_deployments", rows, where={"repository": repo}, newer_than=("created_at", since)
        )

    return dg.MaterializeResult(metadata=_per_repository(context, cfg, duckdb, gh, "deployments", run))


@dg.asset(group_name=GROUP, kinds={"github", "duckdb"}, deps=[github_repositories])
def github_workflow_runs(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per run of a configured deploy workflow on the production branch."""
    cfg = settings.load()
    gh = make_github(cfg.github)
    now = utc_now()
    since = history_start(now, cfg.history_days)

    def run(con: Any, repo: str) -> int:
        rows = fetch_workflow_runs(gh, cfg.github, repo, since, now)
        return replace_rows(
            con,
            "raw_github_workflow_runs",
            rows,
            where={"repository": repo},
            newer_than=("created_at", since),
        )

    return dg.MaterializeResult(metadata=_per_repository(context, cfg, duckdb, gh, "workflow runs", run))


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec(
            "github_pull_requests",
            kinds={"github", "duckdb"},
            deps=[github_repositories],
            description="One row per pull request merged into the production branch.",
        ),
        dg.AssetSpec(
            "github_pull_request_commits",
            kinds={"github", "duckdb"},
            deps=[github_repositories],
            description="One row per commit listed on a merged pull request.",
        ),
    ],
)
def github_pull_requests(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """Merged pull requests and their commit lists, replaced per repository in one transaction each."""
    cfg = settings.load()
    gh = make_github(cfg.github)
    now = utc_now()
    since = history_start(now, cfg.history_days)
    commit_total = 0

    def run(con: Any, repo: str) -> int:
        nonlocal commit_total
        prs, commits = fetch_pull_requests(gh, cfg.github, repo, since, now)
        # Both tables change together, so a crash cannot leave pull requests without their commits.
        with transaction(con):
            con.execute(
                """DELETE FROM raw_github_pull_request_commits WHERE repository = $repo AND number IN (
                       SELECT number FROM raw_github_pull_requests WHERE repository = $repo AND merged_at >= $since
                       UNION ALL SELECT unnest($numbers::INTEGER[]))""",
                {"repo": repo, "since": since, "numbers": [p.number for p in prs]},
            )
            con.execute(
                """DELETE FROM raw_github_pull_requests WHERE repository = $repo
                       AND (merged_at >= $since OR number IN (SELECT unnest($numbers::INTEGER[])))""",
                {"repo": repo, "since": since, "numbers": [p.number for p in prs]},
            )
            insert_frame(con, "raw_github_pull_requests", rows_frame(prs, PR_COLUMNS))
            insert_frame(con, "raw_github_pull_request_commits", rows_frame(commits, COMMIT_COLUMNS))
        commit_total += len(commits)
        return len(prs)

    metadata = _per_repository(context, cfg, duckdb, gh, "pull requests", run)
    yield dg.MaterializeResult(asset_key="github_pull_requests", metadata=metadata)
    yield dg.MaterializeResult(asset_key="github_pull_request_commits", metadata={"commits": commit_total})


def _rate_limit_metadata(gh: Github) -> dict[str, Any]:
    remaining, limit = gh.rate_limiting
    return {"rate_limit_remaining": remaining, "rate_limit_limit": limit}
