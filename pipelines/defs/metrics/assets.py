"""Derived tables and DORA metrics, rebuilt from the raw tables by the SQL in `metrics/sql/`."""

from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from metrics.runner import (
    LAST_RECOMPUTE_KEY,
    METRIC_TABLES,
    MetricParams,
    compute_metrics,
    table_description,
    week_start,
)
from pipelines.resources import PulseSettings
from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, utc_now

RAW_DEPS = [
    "github_deployments",
    "github_workflow_runs",
    "github_pull_requests",
    "github_pull_request_commits",
    "github_incident_issues",
    "pagerduty_incidents",
    "team_ownership",
]


def metric_params(cfg: PulseConfig) -> MetricParams:
    now = utc_now()
    return MetricParams(
        organisation=cfg.organisation,
        production_branch=cfg.github.production_branch,
        bots=cfg.github.bots,
        window_hours=cfg.incident_window_hours,
        week_from=week_start(now - timedelta(days=cfg.history_days)),
        week_to=week_start(now),
        benchmark_year=cfg.metrics.benchmark_year,
        min_deployments=cfg.metrics.min_deployments,
        min_changes=cfg.metrics.min_changes,
        min_failures=cfg.metrics.min_failures,
    )


class MetricRunConfig(dg.Config):
    """How much to rebuild; the default rebuilds only what raw rows fetched since the last computation changed
    (everything when the metric SQL, its settings, ownership, the catalog or the detection rules changed)."""

    full: bool = False


@dg.multi_asset(
    group_name="metrics",
    specs=[
        dg.AssetSpec(name, deps=RAW_DEPS, kinds={"duckdb", "sql"}, description=table_description(name))
        for name in METRIC_TABLES
    ],
)
def metric_tables(
    context: dg.AssetExecutionContext, config: MetricRunConfig, settings: PulseSettings, duckdb: DuckDBResource
):
    """Bring every derived table up to date in one pass (each SQL file reads the ones before it)."""
    cfg = settings.load()
    params = metric_params(cfg)
    with duckdb.get_connection() as con:
        ensure_schema(con)
        counts = compute_metrics(con, params, log=context.log.info, full=config.full)
        how = con.execute("SELECT value FROM pulse_meta WHERE key = ?", [LAST_RECOMPUTE_KEY]).fetchall()[0][0]
    for name in METRIC_TABLES:
        size = {"rows": counts[name]} if name in counts else {"storage": "view"}
        yield dg.MaterializeResult(asset_key=name, metadata={**size, "recompute": how})
