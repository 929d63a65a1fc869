"""Team ownership from the configuration (the catalog replaces it where one exists)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.resources import PulseSettings
from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, replace_rows


def ownership_rows(cfg: PulseConfig) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    for team in cfg.teams:
        rows += [{"team": team.name, "kind": "repository", "key": r, "repository": r} for r in team.repositories]
        repo_of = dict(team.service_repositories)
        rows += [
            {"team": team.name, "kind": "pagerduty_service", "key": s, "repository": repo_of.get(s)}
            for s in team.pagerduty_services
        ]
    return rows


@dg.asset(group_name="teams", kinds={"yaml", "duckdb"})
def team_ownership(settings: PulseSettings, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per repository or PagerDuty service a team owns, as configured under `teams`."""
    cfg = settings.load()
    rows = ownership_rows(cfg)
    with duckdb.get_connection() as con:
        ensure_schema(con)
        replace_rows(con, "team_ownership", rows, columns=["team", "kind", "key", "repository"])
    return dg.MaterializeResult(metadata={"teams": len(cfg.teams), "owned_items": len(rows)})
