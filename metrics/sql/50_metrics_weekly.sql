-- Purpose: the four DORA delivery metrics per team and for the organisation, per ISO week.
-- Grain: one row per scope ('organisation' or 'team') per week; weeks start Monday 00:00 UTC.
-- Inputs: deployments, changes, incidents, failed_deployments, team_ownership; $week_from, $week_to (Mondays),
--         $organisation.
-- Rules (see docs/metrics.md): deployments and changes count in the week they reached production;
--        a failed deployment counts in the week of the deployment; medians are interpolated
--        (quantile_cont); rates and durations are NULL, never 0, when nothing stands behind them.
--        Every team has a row for every week in range, so a quiet week shows as zero deployments.
CREATE OR REPLACE TABLE metrics_weekly AS
WITH weeks AS (
    SELECT CAST(w AS DATE) AS week_start
    FROM range(CAST($week_from AS DATE), CAST($week_to AS DATE) + INTERVAL 1 DAY, INTERVAL 7 DAY) t(w)
),
scopes AS (
    SELECT DISTINCT 'team' AS scope, team AS scope_name FROM team_ownership
    UNION SELECT DISTINCT 'team', team FROM deployments
    UNION SELECT DISTINCT 'team', team FROM incidents
    UNION SELECT 'organisation', $organisation
),
-- Each fact once per scope it belongs to: its team, and the organisation.
dep AS (
    SELECT 'team' AS scope, team AS scope_name, deployment_key, deployed_at FROM deployments
    UNION ALL SELECT 'organisation', $organisation, deployment_key, deployed_at FROM deployments
),
chg AS (
    SELECT 'team' AS scope, team AS scope_name, lead_time_hours, deployed_at FROM changes
    WHERE deployed_at IS NOT NULL
    UNION ALL SELECT 'organisation', $organisation, lead_time_hours, deployed_at FROM changes
    WHERE deployed_at IS NOT NULL
),
inc AS (
    SELECT 'team' AS scope, team AS scope_name, created_at FROM incidents
    UNION ALL SELECT 'organisation', $organisation, created_at FROM incidents
),
fail AS (
    SELECT 'team' AS scope, team AS scope_name, deployed_at, recovery_hours FROM failed_deployments
    UNION ALL SELECT 'organisation', $organisation, deployed_at, recovery_hours FROM failed_deployments
),
dep_w AS (
    SELECT scope, scope_name, CAST(date_trunc('week', deployed_at) AS DATE) AS week_start,
           count(*) AS deployments,
           count(DISTINCT CAST(deployed_at AS DATE)) AS deployment_days
    FROM dep GROUP BY ALL
),
chg_w AS (
    SELECT scope, scope_name, CAST(date_trunc('week', deployed_at) AS DATE) AS week_start,
           count(*) AS changes,
           quantile_cont(lead_time_hours, 0.5) AS lead_time_median_hours,
           quantile_cont(lead_time_hours, 0.75) AS lead_time_p75_hours
    FROM chg GROUP BY ALL
),
inc_w AS (
    SELECT scope, scope_name, CAST(date_trunc('week', created_at) AS DATE) AS week_start, count(*) AS incidents
    FROM inc GROUP BY ALL
),
fail_w AS (
    SELECT scope, scope_name, CAST(date_trunc('week', deployed_at) AS DATE) AS week_start,
           count(*) AS failed_deployments,
           count(recovery_hours) AS recoveries,
           quantile_cont(recovery_hours, 0.5) AS recovery_time_median_hours
    FROM fail GROUP BY ALL
)
SELECT
    s.scope,
    s.scope_name,
    w.week_start,
    strftime(w.week_start, '%G-W%V') AS iso_week,
    coalesce(d.deployments, 0) AS deployments,
    coalesce(d.deployment_days, 0) AS deployment_days,
    coalesce(d.deployments, 0) / 7.0 AS deployments_per_day,
    coalesce(c.changes, 0) AS changes,
    c.lead_time_median_hours,
    c.lead_time_p75_hours,
    coalesce(f.failed_deployments, 0) AS failed_deployments,
    CASE WHEN coalesce(d.deployments, 0) > 0
         THEN coalesce(f.failed_deployments, 0) / d.deployments END AS change_fail_rate,
    coalesce(i.incidents, 0) AS incidents,
    coalesce(f.recoveries, 0) AS recoveries,
    f.recovery_time_median_hours
FROM scopes s
CROSS JOIN weeks w
LEFT JOIN dep_w d USING (scope, scope_name, week_start)
LEFT JOIN chg_w c USING (scope, scope_name, week_start)
LEFT JOIN inc_w i USING (scope, scope_name, week_start)
LEFT JOIN fail_w f USING (scope, scope_name, week_start)
ORDER BY s.scope, s.scope_name, w.week_start;
