-- Purpose: the weekly figures of each team and of the organisation, in the shape the dashboard, the weekly report
--          and `pulse metrics` read.
-- Grain: one row per scope ('organisation' | 'team') per ISO week (Monday 00:00 UTC), from $week_from to $week_to.
-- Inputs: metrics_period (grain 'week'); $week_from, $week_to.
CREATE OR REPLACE TABLE metrics_weekly AS
SELECT
    scope,
    scope_name,
    period_start AS week_start,
    period_label AS iso_week,
    deployments,
    deployment_days,
    deployments_per_day,
    changes,
    lead_time_median_hours,
    lead_time_p75_hours,
    lead_time_p90_hours,
    failed_deployments,
    change_fail_rate,
    rework_deployments,
    rework_rate,
    incidents,
    recoveries,
    recovery_time_median_hours,
    deployment_frequency_tier,
    lead_time_tier,
    change_fail_rate_tier,
    recovery_time_tier
FROM metrics_period
WHERE grain = 'week'
  AND scope IN ('organisation', 'team')
  AND period_start BETWEEN CAST($week_from AS DATE) AND CAST($week_to AS DATE)
ORDER BY scope, scope_name, week_start;
