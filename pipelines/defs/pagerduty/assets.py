"""PagerDuty ingestion assets: services and incidents."""

from dataclasses import fields
from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.pagerduty.client import make_pagerduty
from pipelines.defs.pagerduty.fetch import IncidentRow, fetch_incidents, fetch_services
from pipelines.resources import PulseSettings
from pulse.warehouse import ensure_schema, insert_frame, replace_rows, rows_frame, transaction, utc_now

GROUP = "pagerduty"
INCIDENT_COLUMNS = [f.name for f in fields(IncidentRow)]


@dg.asset(group_name=GROUP, kinds={"pagerduty", "duckdb"})
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
    return dg.MaterializeResult(metadata={"services": len(rows)})


@dg.asset(group_name=GROUP, kinds={"pagerduty", "duckdb"}, deps=[pagerduty_services])
def pagerduty_incidents(
    context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per PagerDuty incident created within the history window; resolve time from log entries if needed."""
    cfg = settings.load()
    if cfg.pagerduty is None:
        return dg.MaterializeResult(metadata={"incidents": 0, "skipped": "no pagerduty section in the configuration"})
    client = make_pagerduty(cfg.pagerduty)
    now = utc_now()
    since = now - timedelta(days=cfg.history_days)
    rows = fetch_incidents(client, cfg.pagerduty, since, now, now)
    from_logs = sum(1 for r in rows if r.resolved_from == "log_entries")
    context.log.info(f"{len(rows)} incidents ({from_logs} resolve times read from log entries)")
    with duckdb.get_connection() as con:
        ensure_schema(con)
        # Only the window just read is replaced: incidents older than the history window stay as stored.
        with transaction(con):
            con.execute("DELETE FROM raw_pagerduty_incidents WHERE created_at >= ?", [since])
            con.execute(
                "DELETE FROM raw_pagerduty_incidents WHERE incident_id IN (SELECT unnest(?::TEXT[]))",
                [[r.incident_id for r in rows]],
            )
            insert_frame(con, "raw_pagerduty_incidents", rows_frame(rows, INCIDENT_COLUMNS))
    return dg.MaterializeResult(
        metadata={
            "incidents": len(rows),
            "resolved_from_log_entries": from_logs,
            "unresolved": sum(1 for r in rows if r.resolved_at is None),
        }
    )
