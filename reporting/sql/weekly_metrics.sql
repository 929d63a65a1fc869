-- Purpose: the weekly DORA figures of the organisation and of every team for a range of weeks,
--          as read by the dashboard (trend window) and the weekly report (one week and the one before).
-- Grain:   one row per scope ('organisation' | 'team') per scope_name per ISO week (week_start, Monday UTC).
-- Inputs:  metrics_weekly of the serving copy;
--          $first_week, $last_week (DATE): inclusive bounds on week_start.
SELECT
    scope,
    scope_name,
    week_start,
    iso_week,
    deployments,
    deployment_days,
    deployments_per_day,
    changes,
    lead_time_median_hours,
    lead_time_p75_hours,
    failed_deployments,
    change_fail_rate,
    incidents,
    recoveries,
    recovery_time_median_hours,
    rework_deployments,
    rework_rate
FROM metrics_weekly
WHERE week_start BETWEEN $first_week AND $last_week
ORDER BY scope, scope_name, week_start
