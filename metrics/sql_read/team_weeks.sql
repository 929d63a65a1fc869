-- Purpose: the published weekly metrics for the command line, newest weeks only.
-- Grain: one row per scope (team, and the organisation unless a team is asked for) per ISO week.
-- Inputs: metrics_weekly (serving copy); $team (NULL for all), $weeks (how many recent weeks),
--         $include_organisation.
WITH recent AS (
    SELECT DISTINCT week_start FROM metrics_weekly ORDER BY week_start DESC LIMIT $weeks
)
SELECT
    scope,
    scope_name AS team,
    iso_week,
    CAST(week_start AS TEXT) AS week_start,
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
WHERE week_start IN (SELECT week_start FROM recent)
  AND (
        (scope = 'team' AND ($team IS NULL OR scope_name = $team))
     OR (scope = 'organisation' AND $include_organisation)
  )
ORDER BY week_start, scope, scope_name
