"""Publishing the serving copy that the dashboard and the weekly report read."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from metrics.runner import METRIC_TABLES, PUBLISHED_TABLES
from pipelines.resources import PulseSettings
from pulse.warehouse import publish_serving_copy, set_meta, utc_now
from surveys.measures import SURVEY_TABLES


@dg.asset(group_name="serving", kinds={"duckdb"}, deps=[*METRIC_TABLES, *SURVEY_TABLES])
def serving_copy(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """A read-only copy of the metric tables, swapped in atomically; readers never touch the working file."""
    cfg = settings.load()
    with duckdb.get_connection() as con:
        history = con.execute("SELECT min(week_start), max(week_start) FROM metrics_weekly").fetchall()[0]
        set_meta(
            con,
            {
                "organisation": cfg.organisation,
                "refreshed_at": utc_now().isoformat(timespec="seconds") + "Z",
                "history_start": str(history[0]) if history[0] else "",
                "history_end": str(history[1]) if history[1] else "",
                "timezone": cfg.timezone,
            },
        )
        path = publish_serving_copy(con, cfg.warehouse.serving_path, [*PUBLISHED_TABLES, *SURVEY_TABLES, "pulse_meta"])
    context.log.info(f"published {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})
