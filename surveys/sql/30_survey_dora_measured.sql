-- Purpose: the measured DORA figures of each group for the calendar quarter of each wave, with the DORA answer
--          bucket they fall in, to set beside what the group's respondents said.
-- Grain:   one row per wave per group (team, department, organisation) per metric
--          (deploy_frequency, lead_time, recovery_time, change_fail_rate).
-- Inputs:  survey_metrics_source (metrics_weekly), survey_wave_defs, survey_org_units, survey_dora_scale;
--          $organisation.
-- Rules:   the quarter's weeks are those whose week_start falls in it.
--          deploy_frequency = deployments / (7 x weeks), deployments per day.
--          change_fail_rate = failed deployments / deployments (NULL without deployments).
--          lead_time and recovery_time: metrics_weekly keeps weekly medians, not the changes behind them, so
--          the quarter's figure is the median of the weekly medians with each week counted once per change
--          (recovery) it had: a week of 20 changes weighs 20 times a week of one. Interpolated (quantile_cont).
--          A team's department figures pool its teams' weeks the same way; the organisation uses its own rows.
CREATE OR REPLACE TABLE survey_dora_measured AS
WITH weeks AS (
    SELECT w.wave, 'team' AS scope, m.scope_name AS group_name, m.*  EXCLUDE (scope, scope_name)
    FROM survey_metrics_source m
    JOIN survey_wave_defs w ON m.week_start >= w.quarter_start AND m.week_start < w.quarter_end
    WHERE m.scope = 'team'
    UNION ALL
    SELECT w.wave, 'department', u.department, m.* EXCLUDE (scope, scope_name)
    FROM survey_metrics_source m
    JOIN survey_wave_defs w ON m.week_start >= w.quarter_start AND m.week_start < w.quarter_end
    JOIN survey_org_units u ON u.team = m.scope_name
    WHERE m.scope = 'team' AND u.department IS NOT NULL
    UNION ALL
    SELECT w.wave, 'organisation', $organisation, m.* EXCLUDE (scope, scope_name)
    FROM survey_metrics_source m
    JOIN survey_wave_defs w ON m.week_start >= w.quarter_start AND m.week_start < w.quarter_end
    WHERE m.scope = 'organisation'
),
totals AS (
    SELECT
        wave, scope, group_name,
        count(DISTINCT week_start) AS weeks,
        sum(deployments) AS deployments,
        sum(changes) AS changes,
        sum(failed_deployments) AS failed_deployments,
        sum(recoveries) AS recoveries
    FROM weeks GROUP BY ALL
),
lead AS (
    SELECT wave, scope, group_name, quantile_cont(lead_time_median_hours, 0.5) AS lead_time_hours
    FROM (
        SELECT wave, scope, group_name, lead_time_median_hours, unnest(range(changes)) AS copy
        FROM weeks WHERE changes > 0 AND lead_time_median_hours IS NOT NULL
    )
    GROUP BY ALL
),
recovery AS (
    SELECT wave, scope, group_name, quantile_cont(recovery_time_median_hours, 0.5) AS recovery_hours
    FROM (
        SELECT wave, scope, group_name, recovery_time_median_hours, unnest(range(recoveries)) AS copy
        FROM weeks WHERE recoveries > 0 AND recovery_time_median_hours IS NOT NULL
    )
    GROUP BY ALL
),
figures AS (
    SELECT t.wave, t.scope, t.group_name, t.weeks, 'deploy_frequency' AS metric,
           t.deployments / (7.0 * t.weeks) AS value, t.deployments AS based_on
    FROM totals t
    UNION ALL
    SELECT t.wave, t.scope, t.group_name, t.weeks, 'change_fail_rate',
           CASE WHEN t.deployments > 0 THEN t.failed_deployments / t.deployments END, t.deployments
    FROM totals t
    UNION ALL
    SELECT t.wave, t.scope, t.group_name, t.weeks, 'lead_time', l.lead_time_hours, t.changes
    FROM totals t LEFT JOIN lead l USING (wave, scope, group_name)
    UNION ALL
    SELECT t.wave, t.scope, t.group_name, t.weeks, 'recovery_time', r.recovery_hours, t.recoveries
    FROM totals t LEFT JOIN recovery r USING (wave, scope, group_name)
)
SELECT
    f.wave, f.scope, f.group_name, f.metric, f.weeks, f.value, f.based_on,
    s.bucket, s.label
FROM figures f
LEFT JOIN (SELECT DISTINCT metric, bucket, label, lower_bound, upper_bound FROM survey_dora_scale) s
    ON s.metric = f.metric AND f.value >= s.lower_bound AND (s.upper_bound IS NULL OR f.value < s.upper_bound);
