"""GitHub ingestion assets: repositories, the four deployment sources, pull requests, production-branch
commits and incident issues (raw, incremental per repository and endpoint), then `github_deployments`, which
applies the deployment rules, compares consecutive deployments and derives the changes.

The work itself is in `sync.py` (Dagster-free). Each repository's endpoint is written with its cursor in one
transaction; a failing repository is reported in `failed_repositories` while the others go on; a spent rate
limit stops the asset cleanly (`stopped_by_rate_limit`, `resume_after`) and the next run resumes. Every asset
reports the requests it spent per endpoint.
"""

from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.github import sync
from pipelines.defs.github.client import GitHubApi
from pipelines.resources import PulseSettings
from pulse.warehouse import utc_now

GROUP = "github"
KINDS = {"github", "duckdb"}


def _metadata(context: dg.AssetExecutionContext, api: GitHubApi, report: sync.Report) -> dict[str, Any]:
    stats = api.stats.metadata()
    out: dict[str, Any] = {
        **dict(report.counts),
        "repositories": report.repositories or report.counts.get("repositories", 0),
        "failed_repositories": dg.MetadataValue.json(report.failures),
        "requests": stats["requests"],
        "requests_per_endpoint": dg.MetadataValue.json(stats["requests_per_endpoint"]),
        "not_modified_per_endpoint": dg.MetadataValue.json(stats["not_modified_per_endpoint"]),
        "retries_per_endpoint": dg.MetadataValue.json(stats["retries_per_endpoint"]),
        "rate_limit_wait_seconds": stats["rate_limit_wait_seconds"],
        **{k: v for k, v in api.rate_limit_metadata.items() if v is not None},
        **{k: dg.MetadataValue.json(v) for k, v in report.notes.items() if isinstance(v, (dict, list))},
    }
    if report.stopped is not None:
        out["stopped_by_rate_limit"] = str(report.stopped)
        out["resume_after"] = report.stopped.reset_at.isoformat() + "Z"
        out["not_reached"] = dg.MetadataValue.json(report.not_reached)
        context.log.warning(f"{report.stopped} Not reached this run: {len(report.not_reached)}.")
    if report.all_failed:
        raise dg.Failure(
            description=f"every repository failed; first error: {next(iter(report.failures.values()))}",
            metadata=out,
        )
    return out


def _run_endpoint(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource, endpoint: str
) -> dict[str, Any]:
    cfg = settings.load()
    api = GitHubApi(cfg.github, log=context.log.info)
    with duckdb.get_connection() as con:
        report = sync.sync_endpoint(con, api, cfg, endpoint, utc_now(), log=context.log.info)
    return _metadata(context, api, report)


@dg.asset(group_name=GROUP, kinds=KINDS)
def github_repositories(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per repository of the organisation (or of the configured list)."""
    cfg = settings.load()
    api = GitHubApi(cfg.github, log=context.log.info)
    with duckdb.get_connection() as con:
        report = sync.sync_repositories(con, api, cfg, utc_now())
    context.log.info(f"{report.counts['repositories']} repositories in {cfg.organisation}")
    return dg.MaterializeResult(metadata=_metadata(context, api, report))


@dg.asset(group_name=GROUP, kinds=KINDS, deps=[github_repositories])
def github_deployments_api(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per GitHub deployment to a production environment (per the rules), statuses summarised."""
    return dg.MaterializeResult(metadata=_run_endpoint(context, settings, duckdb, "deployments"))


@dg.asset(group_name=GROUP, kinds=KINDS, deps=[github_repositories])
def github_workflow_runs(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per GitHub Actions run a workflow rule matches (by file, name, or called reusable workflow)."""
    return dg.MaterializeResult(metadata=_run_endpoint(context, settings, duckdb, "workflow_runs"))


@dg.asset(group_name=GROUP, kinds=KINDS, deps=[github_repositories])
def github_releases(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per release (and per tag) a release or tag rule matches; repositories without such rules cost
    no request."""
    return dg.MaterializeResult(metadata=_run_endpoint(context, settings, duckdb, "releases"))


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec(
            "github_pull_requests",
            kinds=KINDS,
            deps=[github_repositories],
            description="One row per pull request merged into the production branch.",
        ),
        dg.AssetSpec(
            "github_pull_request_commits",
            kinds=KINDS,
            deps=[github_repositories],
            description="One row per commit listed on a merged pull request.",
        ),
        dg.AssetSpec(
            "github_pull_request_reviews",
            kinds=KINDS,
            deps=[github_repositories],
            description="One row per review of a merged pull request (and, in monorepos, one per file it changes).",
        ),
    ],
)
def github_pull_requests(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """Merged pull requests with their commit lists, reviews (and monorepo files); a pull request's children
    are replaced together with it, in its repository's transaction."""
    metadata = _run_endpoint(context, settings, duckdb, "pull_requests")
    yield dg.MaterializeResult(asset_key="github_pull_requests", metadata=metadata)
    children = {"github_pull_request_commits": "pull_request_commits", "github_pull_request_reviews": "reviews"}
    for key, count in children.items():
        yield dg.MaterializeResult(asset_key=key, metadata={count: metadata.get(count, 0)})


@dg.asset(group_name=GROUP, kinds=KINDS, deps=[github_repositories, "github_pull_requests"])
def github_commits(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per commit on each repository's production branch (direct pushes are found among them)."""
    return dg.MaterializeResult(metadata=_run_endpoint(context, settings, duckdb, "commits"))


@dg.asset(group_name=GROUP, kinds=KINDS, deps=[github_repositories])
def github_incident_issues(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per GitHub issue labelled `github.incident_label` (raw_github_incident_issues), with the
    deployments, runs, commits and pull requests its text mentions."""
    return dg.MaterializeResult(metadata=_run_endpoint(context, settings, duckdb, "incident_issues"))


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    deps=[
        github_deployments_api,
        github_workflow_runs,
        github_releases,
        "github_pull_requests",
        "github_pull_request_commits",
        "github_pull_request_reviews",
        github_commits,
        # Not read here: this is the last GitHub step, so anything downstream of it sees the whole GitHub load.
        github_incident_issues,
    ],
)
def github_deployments(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per production deployment attempt the rules detect (github_deployment_attempts), the commits each
    successful one shipped (compare API against the previous one of its service and environment), and one row
    per change per service (github_change_candidates)."""
    cfg = settings.load()
    api = GitHubApi(cfg.github, log=context.log.info)
    with duckdb.get_connection() as con:
        report = sync.derive(con, api, cfg, utc_now(), log=context.log.info)
    # Comparisons that failed fall back to the merge-time rule in the metrics, so they never fail the asset.
    report.repositories = 0
    return dg.MaterializeResult(metadata=_metadata(context, api, report))
