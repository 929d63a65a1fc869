"""The Dagster code location: every asset, the resources bound once, the main job and the schedules.

The configuration file is chosen here and only here: $PULSE_CONFIG, else ./pulse.yaml.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.catalog.assets import catalog_assets
from pipelines.defs.github.assets import (
    github_commits,
    github_deployments,
    github_deployments_api,
    github_incident_issues,
    github_pull_requests,
    github_releases,
    github_repositories,
    github_workflow_runs,
)
from pipelines.defs.metrics.assets import metric_tables
from pipelines.defs.pagerduty.assets import pagerduty_incidents, pagerduty_services, pagerduty_teams
from pipelines.defs.reports.jobs import weekly_report_job, weekly_report_schedule
from pipelines.defs.serving.assets import serving_copy
from pipelines.defs.surveys.assets import survey_answers, survey_tables
from pipelines.defs.surveys.sensors import survey_exports_sensor
from pipelines.defs.teams.assets import team_ownership
from pipelines.resources import PulseSettings
from pulse.config import PulseConfig, config_path, load_config

ALL_ASSETS = [
    catalog_assets,
    team_ownership,
    github_repositories,
    github_deployments_api,
    github_workflow_runs,
    github_releases,
    github_pull_requests,
    github_commits,
    github_incident_issues,
    github_deployments,
    pagerduty_services,
    pagerduty_teams,
    pagerduty_incidents,
    survey_answers,
    metric_tables,
    survey_tables,
    serving_copy,
]

refresh_job = dg.define_asset_job(
    "refresh_job",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, rebuild the metrics and publish the serving copy.",
)


def build_definitions(cfg: PulseConfig, path: str) -> dg.Definitions:
    return dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[refresh_job, weekly_report_job],
        schedules=[
            weekly_report_schedule(cfg.report.schedule, cfg.timezone),
            dg.ScheduleDefinition(
                name="refresh_schedule",
                job=refresh_job,
                cron_schedule=cfg.report.refresh_schedule,
                execution_timezone=cfg.timezone,
                default_status=dg.DefaultScheduleStatus.RUNNING,
                description="Refresh every source and the metrics (report.refresh_schedule, timezone).",
            ),
        ],
        sensors=[survey_exports_sensor],
        resources={
            "settings": PulseSettings(config_path=path),
            "duckdb": DuckDBResource(
                database=str(cfg.warehouse.path),
                connection_config={"memory_limit": cfg.warehouse.memory_limit} if cfg.warehouse.memory_limit else {},
            ),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by Dagster when it opens the code location, so a bad configuration fails there, named."""
    path = config_path()
    return build_definitions(load_config(path), str(path.resolve()))
