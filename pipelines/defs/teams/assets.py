"""Team ownership and the team -> department -> organisation roll-up: from the catalog when one is configured,
with the configuration's `teams` section owning whatever the catalog does not mention (and everything when
there is no catalog)."""

import dagster as dg
import duckdb as duckdb_module
from dagster_duckdb import DuckDBResource

from pipelines.resources import PulseSettings
from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, replace_rows, transaction

# `source` stays in the rows for the metadata; the table keeps its four columns.
OWNERSHIP_COLUMNS = ["team", "kind", "key", "repository"]
HIERARCHY_COLUMNS = ["team", "department", "organisation", "display_name", "group_type", "path", "known", "source"]


def ownership_rows(cfg: PulseConfig) -> list[dict[str, str | None]]:
    """One row per repository and PagerDuty service listed under `teams` in the configuration."""
    rows: list[dict[str, str | None]] = []
    for team in cfg.teams:
        rows += [
            {"team": team.name, "kind": "repository", "key": r, "repository": r, "source": "config"}
            for r in team.repositories
        ]
        repo_of = dict(team.service_repositories)
        rows += [
            {"team": team.name, "kind": "pagerduty_service", "key": s, "repository": repo_of.get(s), "source": "config"}
            for s in team.pagerduty_services
        ]
    return rows


def hierarchy_rows(cfg: PulseConfig) -> list[dict[str, object]]:
    """One row per configured team, under its `department` (or directly under the organisation)."""
    return [
        {
            "team": t.name,
            "department": t.department,
            "organisation": cfg.organisation,
            "display_name": None,
            "group_type": None,
            "path": [t.name, t.department] if t.department else [t.name],
            "known": True,
            "source": "config",
        }
        for t in cfg.teams
    ]


def merged_rows(
    con: duckdb_module.DuckDBPyConnection, cfg: PulseConfig
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(ownership, hierarchy): the catalog's rows first, then configured rows for keys the catalog lacks."""
    ownership: list[dict[str, object]] = []
    hierarchy: list[dict[str, object]] = []
    if cfg.catalog is not None:
        for team, kind, key, repository in con.execute(
            "SELECT team, kind, key, repository FROM raw_catalog_ownership ORDER BY kind, key"
        ).fetchall():
            ownership.append({"team": team, "kind": kind, "key": key, "repository": repository, "source": "catalog"})
        for row in con.execute(
            "SELECT team, department, organisation, display_name, group_type, path, known FROM raw_catalog_teams"
            " ORDER BY team"
        ).fetchall():
            hierarchy.append(dict(zip(HIERARCHY_COLUMNS, [*row, "catalog"], strict=True)))
    owned = {(r["kind"], r["key"]) for r in ownership}
    ownership += [r for r in ownership_rows(cfg) if (r["kind"], r["key"]) not in owned]
    known = {str(r["team"]).lower() for r in hierarchy}
    hierarchy += [r for r in hierarchy_rows(cfg) if str(r["team"]).lower() not in known]
    return ownership, hierarchy


@dg.asset(group_name="teams", kinds={"yaml", "duckdb"}, deps=["service_catalog", "platform_adoption"])
def team_ownership(settings: PulseSettings, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per repository, catalog service or PagerDuty service a team owns (catalog first, then `teams`)."""
    cfg = settings.load()
    with duckdb.get_connection() as con:
        ensure_schema(con)
        ownership, hierarchy = merged_rows(con, cfg)
        with transaction(con):
            replace_rows(con, "team_ownership", ownership, columns=OWNERSHIP_COLUMNS, own_transaction=False)
            replace_rows(con, "raw_team_hierarchy", hierarchy, columns=HIERARCHY_COLUMNS, own_transaction=False)
    from_catalog = sum(1 for r in ownership if r["source"] == "catalog")
    return dg.MaterializeResult(
        metadata={
            "teams": len({r["team"] for r in ownership} | {r["team"] for r in hierarchy}),
            "owned_items": len(ownership),
            "from_catalog": from_catalog,
            "from_config": len(ownership) - from_catalog,
            "departments": len({r["department"] for r in hierarchy if r["department"]}),
        }
    )
