"""The weekly report for a configuration: which week, which files, where the definitions link points."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from pulse.config import PulseConfig
from reporting.weekly import WeeklyReport, previous_complete_week, render_weekly_report

METRICS_DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def render_configured_report(
    cfg: PulseConfig, week: str | None = None, out_dir: Path | None = None, now: datetime | None = None
) -> WeeklyReport:
    """Render ``week`` (default: the last complete ISO week in the configured timezone) from the serving copy."""
    week = week or previous_complete_week(now or datetime.now(UTC), cfg.timezone)
    out_dir = out_dir or cfg.report.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    return render_weekly_report(
        cfg.warehouse.serving_path,
        week,
        out_dir,
        timezone=cfg.timezone,
        metrics_doc=os.path.relpath(METRICS_DOC, out_dir.resolve()),
    )
