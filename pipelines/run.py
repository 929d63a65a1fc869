"""Materializing every asset once, in this process (`pulse run`, the demo, and the end-to-end test)."""

import os
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pulse.config import PulseConfig


def materialize_all(
    cfg: PulseConfig, *, instance: dg.DagsterInstance | None = None, full_recompute: bool = False
) -> bool:
    """Run the refresh job once; runs are recorded in $DAGSTER_HOME when it is set, so the UI shows them.

    ``full_recompute`` rebuilds every metric row rather than only what the new raw rows changed."""
    if cfg.source is None:
        raise ValueError("the configuration must come from a file so that Dagster runs can reload it")
    defs = build_definitions(cfg, str(Path(cfg.source).resolve()))
    if instance is None:
        instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("refresh_job")
    # INFO, not Dagster's default DEBUG: the console shows per-repository progress, not every engine event.
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if full_recompute:
        run_config["ops"] = {"metric_tables": {"config": {"full": True}}}
    result = job.execute_in_process(instance=instance, run_config=run_config)
    return result.success
