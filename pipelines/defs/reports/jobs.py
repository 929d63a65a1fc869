"""The weekly report: a job that renders the last complete week, and its Monday-morning schedule."""

import dagster as dg

from pipelines.resources import PulseSettings


@dg.op
def render_weekly_report_op(context: dg.OpExecutionContext, settings: PulseSettings) -> None:
    """Render the previous complete ISO week (in the configured timezone) into the report folder."""
    from reporting.configured import render_configured_report

    report = render_configured_report(settings.load())
    context.log.info(f"weekly report for {report.iso_week}: {report.markdown_path} and {report.html_path}")


@dg.job(description="Render the weekly delivery report for the last complete week.")
def weekly_report_job() -> None:
    render_weekly_report_op()


def weekly_report_schedule(cron: str, timezone: str) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="weekly_report_schedule",
        job=weekly_report_job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every Monday 08:00 in the configured timezone (report.schedule, timezone).",
    )
