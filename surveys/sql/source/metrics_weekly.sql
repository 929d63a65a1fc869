-- Purpose: the measured DORA figures the survey comparison reads: metrics_weekly as built by metrics/sql.
-- Grain:   one row per scope ('team' | 'organisation') per scope_name per ISO week (week_start, Monday).
-- Inputs:  metrics_weekly (read only).
CREATE OR REPLACE TEMP VIEW survey_metrics_source AS
SELECT
    scope,
    scope_name,
    week_start,
    deployments,
    changes,
    lead_time_median_hours,
    failed_deployments,
    recoveries,
    recovery_time_median_hours
FROM metrics_weekly;
