"""The service catalog and the platform adoption evidence, loaded into the raw catalog tables.

The reading, parsing and derivation live in the Dagster-free ``catalog`` package; this module wires them to
the warehouse and reports what happened. ``team_ownership`` (pipelines/defs/teams) reads what these write.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from catalog.backstage import BackstageError
from catalog.load import CatalogLoad, load_catalog
from catalog.model import Problem, SourceLocation
from catalog.store import clear_catalog, problem_rows, write_load
from pipelines.resources import PulseSettings
from pulse.warehouse import ensure_schema, replace_rows, utc_now

GROUP = "catalog"
MAX_LISTED_PROBLEMS = 20


def _problem_metadata(load: CatalogLoad) -> dict[str, object]:
    by_severity = {s: sum(1 for p in load.problems if p.severity == s) for s in ("error", "warning", "info")}
    listed = [str(p) for p in sorted(load.problems, key=lambda p: ("error", "warning", "info").index(p.severity))]
    return {
        "errors": by_severity["error"],
        "warnings": by_severity["warning"],
        "problems": dg.MetadataValue.md(
            "\n".join(f"- {line}" for line in listed[:MAX_LISTED_PROBLEMS])
            + (f"\n- … and {len(listed) - MAX_LISTED_PROBLEMS} more" if len(listed) > MAX_LISTED_PROBLEMS else "")
            if listed
            else "none"
        ),
    }


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec(
            "service_catalog",
            kinds={"yaml", "duckdb"},
            description="One row per catalog entity, service, team and problem of the latest catalog load.",
        ),
        dg.AssetSpec(
            "platform_adoption",
            kinds={"yaml", "duckdb"},
            description="One row per reusable-workflow call and per (service, adoption signal) seen to hold.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "catalog_files_load",
            asset="service_catalog",
            description="Every catalog document could be read (malformed ones are listed; the others still load).",
        )
    ],
)
def catalog_assets(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """Read the configured catalog (files, Backstage API or teams file) and the repositories' workflow files."""
    cfg = settings.load()
    catalog = cfg.catalog
    loaded_at = utc_now()
    if catalog is None:
        with duckdb.get_connection() as con:
            ensure_schema(con)
            clear_catalog(con)
        context.log.info("no `catalog` section: ownership comes from `teams`, no adoption signals")
        yield dg.MaterializeResult(asset_key="service_catalog", metadata={"source": "none"})
        yield dg.MaterializeResult(asset_key="platform_adoption", metadata={"signals": 0})
        yield dg.AssetCheckResult(check_name="catalog_files_load", asset_key="service_catalog", passed=True)
        return

    try:
        load = load_catalog(cfg)
    except BackstageError as exc:
        # The previous load stays in place (ownership does not vanish because Backstage was down); the failure
        # is recorded where the dashboard lists catalog problems.
        context.log.error(f"catalog not refreshed: {exc}")
        problem = Problem(SourceLocation(None, catalog.backstage.base_url if catalog.backstage else None), str(exc))
        with duckdb.get_connection() as con:
            ensure_schema(con)
            replace_rows(con, "raw_catalog_problems", problem_rows([problem], loaded_at))
        yield dg.MaterializeResult(
            asset_key="service_catalog", metadata={"source": catalog.source, "error": str(exc), "kept_previous": True}
        )
        yield dg.MaterializeResult(asset_key="platform_adoption", metadata={"kept_previous": True})
        yield dg.AssetCheckResult(
            check_name="catalog_files_load",
            asset_key="service_catalog",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"error": str(exc)},
        )
        return

    with duckdb.get_connection() as con:
        ensure_schema(con)
        counts = write_load(con, load, catalog, loaded_at)
    for problem in load.problems:
        if problem.severity == "error":
            context.log.warning(str(problem))

    unknown = sum(1 for t in load.teams if not t.known)
    yield dg.MaterializeResult(
        asset_key="service_catalog",
        metadata={
            "source": catalog.source,
            "entities": counts["raw_catalog_entities"],
            "services": counts["raw_catalog_services"],
            "teams": counts["raw_catalog_teams"],
            "unknown_owners": unknown,
            "files_read": load.stats.get("files_read", 0),
            "api_requests": load.api_requests,
            **_problem_metadata(load),
        },
    )
    meeting = {
        s.name: sum(1 for e in load.evidence if e.signal == s.name)
        for s in catalog.signals
        if s.check != "platform_deploys"
    }
    yield dg.MaterializeResult(
        asset_key="platform_adoption",
        metadata={
            "workflow_files": load.workflow_files,
            "platform_calls": sum(1 for c in load.calls if c.is_platform),
            "outdated_pins": sum(1 for c in load.calls if c.is_platform and c.pin == "outdated"),
            "services": len(load.services),
            # Deployment-based signals (platform_deploys) are decided by the metric SQL, not here.
            "services_meeting_file_signals": dg.MetadataValue.json(meeting),
        },
    )
    errors = [str(p) for p in load.problems if p.severity == "error"]
    yield dg.AssetCheckResult(
        check_name="catalog_files_load",
        asset_key="service_catalog",
        passed=not errors,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"malformed": len(errors), "first": errors[0] if errors else ""},
    )
