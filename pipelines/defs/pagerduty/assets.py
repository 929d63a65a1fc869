"""PagerDuty ingestion assets: services, teams and incidents."""

from datetime import timedelta

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.defs.pagerduty.client import make_pagerduty
from pipelines.defs.pagerduty.fetch import fetch_services, fetch_teams
from pipelines.defs.pagerduty.sync import sync_incidents
from pipelines.resources import PulseSettings
from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, replace_rows, utc_now

GROUP = "pagerduty"
OWNED_CHECK = "incidents_on_owned_services"


@dg.asset(group_name=GROUP, kinds={"pagerduty", "duckdb"}, deps=["team_ownership"])
def pagerduty_services(settings: PulseSettings, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per PagerDuty service (all, or those listed in `pagerduty.services`)."""
    cfg = settings.load()
    if cfg.pagerduty is None:
        return dg.MaterializeResult(metadata={"services": 0, "skipped": "no pagerduty section in the configuration"})
    client = make_pagerduty(cfg.pagerduty)
    rows = fetch_services(client, cfg.pagerduty, utc_now())
    with duckdb.get_connection() as con:
        ensure_schema(con)
        replace_rows(con, "raw_pagerduty_services", rows)
        owned = _owned_services(con, cfg)
    unmapped = sorted(r.service_id for r in rows if r.service_id not in owned)
    return dg.MaterializeResult(
        metadata={
            "services": len(rows),
            "services_in_no_team": len(unmapped),
            "services_in_no_team_ids": ", ".join(unmapped[:50]),
            "requests": client.total_call_count,
        }
    )


@dg.asset(group_name=GROUP, kinds={"pagerduty", "duckdb"})
def pagerduty_teams(settings: PulseSettings, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per PagerDuty team."""
    cfg = settings.load()
    if cfg.pagerduty is None:
        return dg.MaterializeResult(metadata={"teams": 0, "skipped": "no pagerduty section in the configuration"})
    client = make_pagerduty(cfg.pagerduty)
    rows = fetch_teams(client, utc_now())
    with duckdb.get_connection() as con:
        ensure_schema(con)
        replace_rows(con, "raw_pagerduty_teams", rows)
    return dg.MaterializeResult(metadata={"teams": len(rows), "requests": client.total_call_count})


@dg.asset(
    group_name=GROUP,
    kinds={"pagerduty", "duckdb"},
    deps=[pagerduty_services, "team_ownership"],
    check_specs=[
        dg.AssetCheckSpec(
            OWNED_CHECK,
            asset="pagerduty_incidents",
            description="Every incident's PagerDuty service is owned by a team (others count under 'unowned').",
        )
    ],
)
def pagerduty_incidents(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """One row per PagerDuty incident created within the history window, read incrementally; resolve times from
    log entries where the incident lacks them."""
    cfg = settings.load()
    if cfg.pagerduty is None:
        yield dg.MaterializeResult(
            metadata={"incidents": 0, "skipped": "no pagerduty section in the configuration"},
            check_results=[dg.AssetCheckResult(check_name=OWNED_CHECK, passed=True)],
        )
        return
    client = make_pagerduty(cfg.pagerduty)
    now = utc_now()
    since = now - timedelta(days=cfg.history_days)
    with duckdb.get_connection() as con:
        ensure_schema(con)
        report = sync_incidents(con, client, cfg.pagerduty, since, now, log=context.log.info)
        stored, open_now = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IS DISTINCT FROM 'resolved') FROM raw_pagerduty_incidents"
        ).fetchall()[0]
        unowned = con.execute(
            """
            SELECT i.service_id, any_value(s.name), count(*) FROM raw_pagerduty_incidents i
            LEFT JOIN raw_pagerduty_services s USING (service_id)
            WHERE i.created_at >= ? AND i.service_id NOT IN (SELECT unnest(?::TEXT[]))
            GROUP BY 1 ORDER BY 3 DESC, 1
            """,
            [since, sorted(_owned_services(con, cfg))],
        ).fetchall()
    unowned_text = ", ".join(f"{sid} ({name or 'unnamed'}): {n}" for sid, name, n in unowned[:50])
    if unowned:
        context.log.warning(f"incidents on PagerDuty services no team lists (counted under 'unowned'): {unowned_text}")
    yield dg.MaterializeResult(
        metadata={
            "incidents_read": report.incidents_written,
            "incidents_stored": stored,
            "open_incidents": open_now,
            "windows_read": report.windows_read,
            "open_incidents_read_again": report.open_refreshed,
            "open_incidents_not_found": ", ".join(report.open_not_found),
            "resolved_from_log_entries": report.resolved_from_log_entries,
            "requests": dg.MetadataValue.json(client.requests_by_endpoint),
            "rate_limit_waits_seconds": sum(client.rate_limit_waits),
            "cursors": dg.MetadataValue.json(
                {scope: [str(a), str(b)] for scope, (a, b) in sorted(report.cursors.items())}
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=OWNED_CHECK,
                passed=not unowned,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "incidents_on_unowned_services": sum(n for _, _, n in unowned),
                    "services": unowned_text or "none",
                },
            )
        ],
    )


def _configured_services(cfg: PulseConfig) -> set[str]:
    return {sid for team in cfg.teams for sid in team.pagerduty_services}


def _owned_services(con: duckdb.DuckDBPyConnection, cfg: PulseConfig) -> set[str]:
    """PagerDuty services some team owns: team_ownership (configuration or catalog), else the configuration."""
    rows = con.execute("SELECT key FROM team_ownership WHERE kind = 'pagerduty_service'").fetchall()
    return {r[0] for r in rows} or _configured_services(cfg)
