-- Purpose: the five DORA figures for every scope and period, with the n behind each and a DORA tier.
-- Grain: one row per scope ('service' | 'team' | 'organisation') per scope_name per period. Periods (grain):
--        'week' (ISO, Monday 00:00 UTC), 'month', 'quarter' (calendar, UTC), and 'rolling_28d' / 'rolling_90d'
--        windows [period_end - N days, period_end) that end on each Monday from $rolling_from to $rolling_to.
--        Every scope has a row for every period in range, so quiet periods show as zero deployments.
-- Inputs: metric_facts, dora_benchmarks, team_ownership; $period_from, $period_to (DATE; weeks/months/quarters
--         touching this range), $rolling_from, $rolling_to (Mondays), $benchmark_year, $min_deployments,
--         $min_changes, $min_failures, $organisation.
-- Rules (docs/metrics.md): durations in hours, medians and percentiles interpolated (quantile_cont); rates and
--        durations are NULL when nothing stands behind them; a tier is given only with enough rows behind it.
CREATE OR REPLACE TABLE metrics_period AS
WITH periods AS (
    SELECT 'week' AS grain, CAST(p AS DATE) AS period_start, CAST(p + INTERVAL 7 DAY AS DATE) AS period_end
    FROM range(date_trunc('week', CAST($period_from AS DATE)), CAST($period_to AS DATE) + INTERVAL 1 DAY,
               INTERVAL 7 DAY) t(p)
    UNION ALL
    SELECT 'month', CAST(p AS DATE), CAST(p + INTERVAL 1 MONTH AS DATE)
    FROM range(date_trunc('month', CAST($period_from AS DATE)), CAST($period_to AS DATE) + INTERVAL 1 DAY,
               INTERVAL 1 MONTH) t(p)
    UNION ALL
    SELECT 'quarter', CAST(p AS DATE), CAST(p + INTERVAL 3 MONTH AS DATE)
    FROM range(date_trunc('quarter', CAST($period_from AS DATE)), CAST($period_to AS DATE) + INTERVAL 1 DAY,
               INTERVAL 3 MONTH) t(p)
    UNION ALL
    SELECT 'rolling_28d', CAST(e - INTERVAL 28 DAY AS DATE), CAST(e AS DATE)
    FROM range(CAST($rolling_from AS DATE), CAST($rolling_to AS DATE) + INTERVAL 1 DAY, INTERVAL 7 DAY) t(e)
    UNION ALL
    SELECT 'rolling_90d', CAST(e - INTERVAL 90 DAY AS DATE), CAST(e AS DATE)
    FROM range(CAST($rolling_from AS DATE), CAST($rolling_to AS DATE) + INTERVAL 1 DAY, INTERVAL 7 DAY) t(e)
),
-- Each fact lands in the one week, month and quarter containing it, and in every rolling window ending on a
-- Monday after it and at most N days later (so no range join over all windows is needed).
fact_periods AS (
    SELECT f.*, 'week' AS grain, CAST(date_trunc('week', f.occurred_at) AS DATE) AS period_start FROM metric_facts f
    UNION ALL
    SELECT f.*, 'month', CAST(date_trunc('month', f.occurred_at) AS DATE) FROM metric_facts f
    UNION ALL
    SELECT f.*, 'quarter', CAST(date_trunc('quarter', f.occurred_at) AS DATE) FROM metric_facts f
    UNION ALL
    SELECT f.*, 'rolling_' || w.days || 'd', CAST(e.e - to_days(w.days) AS DATE)
    FROM metric_facts f
    CROSS JOIN (VALUES (28), (90)) w(days)
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(
            CAST(date_trunc('week', f.occurred_at) + INTERVAL 7 DAY AS TIMESTAMP),
            CAST(f.occurred_at + to_days(w.days) AS TIMESTAMP),
            INTERVAL 7 DAY)) AS e
    ) e
    WHERE f.occurred_at >= CAST($rolling_from AS DATE) - INTERVAL 91 DAY
      AND e.e BETWEEN CAST($rolling_from AS DATE) AND CAST($rolling_to AS DATE)
),
agg AS (
    SELECT
        scope, scope_name, grain, period_start,
        count(*) FILTER (WHERE kind = 'deployment') AS deployments,
        count(DISTINCT CAST(occurred_at AS DATE)) FILTER (WHERE kind = 'deployment') AS deployment_days,
        count(*) FILTER (WHERE kind = 'deployment' AND failed) AS failed_deployments,
        count(*) FILTER (WHERE kind = 'deployment' AND rework) AS rework_deployments,
        count(*) FILTER (WHERE kind = 'change') AS changes,
        quantile_cont(hours, [0.5, 0.75, 0.9]) FILTER (WHERE kind = 'change') AS lead_q,
        quantile_cont(coding_hours, 0.5) FILTER (WHERE kind = 'change') AS coding_median_hours,
        quantile_cont(pickup_hours, 0.5) FILTER (WHERE kind = 'change') AS pickup_median_hours,
        quantile_cont(review_hours, 0.5) FILTER (WHERE kind = 'change') AS review_median_hours,
        quantile_cont(deploy_hours, 0.5) FILTER (WHERE kind = 'change') AS merge_to_deploy_median_hours,
        count(hours) FILTER (WHERE kind = 'failure') AS recoveries,
        quantile_cont(hours, [0.5, 0.75, 0.9]) FILTER (WHERE kind = 'failure') AS recovery_q,
        count(*) FILTER (WHERE kind = 'incident') AS incidents,
        quantile_cont(hours, 0.5) FILTER (WHERE kind = 'incident') AS restore_median_hours
    FROM fact_periods
    GROUP BY ALL
),
scopes AS (
    SELECT DISTINCT scope, scope_name FROM metric_facts
    UNION SELECT 'team', team FROM team_ownership
    UNION SELECT 'service', key FROM team_ownership WHERE kind = 'repository'
    UNION SELECT 'organisation', $organisation
),
figures AS (
    SELECT
        s.scope, s.scope_name, p.grain, p.period_start, p.period_end,
        CASE p.grain
            WHEN 'week' THEN strftime(p.period_start, '%G-W%V')
            WHEN 'month' THEN strftime(p.period_start, '%Y-%m')
            WHEN 'quarter' THEN strftime(p.period_start, '%Y') || '-Q' || quarter(p.period_start)
            ELSE 'R' || date_diff('day', p.period_start, p.period_end) || ' to ' || strftime(p.period_end, '%Y-%m-%d')
        END AS period_label,
        date_diff('day', p.period_start, p.period_end) AS period_days,
        coalesce(a.deployments, 0) AS deployments,
        coalesce(a.deployment_days, 0) AS deployment_days,
        coalesce(a.deployments, 0) / date_diff('day', p.period_start, p.period_end) AS deployments_per_day,
        coalesce(a.deployment_days, 0) * 7.0 / date_diff('day', p.period_start, p.period_end)
            AS deployment_days_per_week,
        coalesce(a.changes, 0) AS changes,
        a.lead_q[1] AS lead_time_median_hours,
        a.lead_q[2] AS lead_time_p75_hours,
        a.lead_q[3] AS lead_time_p90_hours,
        a.coding_median_hours,
        a.pickup_median_hours,
        a.review_median_hours,
        a.merge_to_deploy_median_hours,
        coalesce(a.failed_deployments, 0) AS failed_deployments,
        CASE WHEN coalesce(a.deployments, 0) > 0 THEN a.failed_deployments / a.deployments END AS change_fail_rate,
        coalesce(a.rework_deployments, 0) AS rework_deployments,
        CASE WHEN coalesce(a.deployments, 0) > 0 THEN a.rework_deployments / a.deployments END AS rework_rate,
        coalesce(a.recoveries, 0) AS recoveries,
        a.recovery_q[1] AS recovery_time_median_hours,
        a.recovery_q[2] AS recovery_time_p75_hours,
        a.recovery_q[3] AS recovery_time_p90_hours,
        coalesce(a.incidents, 0) AS incidents,
        a.restore_median_hours
    FROM scopes s
    CROSS JOIN periods p
    LEFT JOIN agg a USING (scope, scope_name, grain, period_start)
),
bands AS (
    SELECT * FROM dora_benchmarks WHERE year = $benchmark_year
)
SELECT
    f.*,
    CASE
        WHEN f.deployments_per_day > 1 THEN 'multiple per day'
        WHEN f.deployments_per_day >= 1.0 / 7 THEN 'daily to weekly'
        WHEN f.deployments_per_day >= 1.0 / 30 THEN 'weekly to monthly'
        WHEN f.deployments_per_day >= 1.0 / 182 THEN 'monthly to every six months'
        WHEN f.period_days >= 182 THEN 'less than every six months'
        ELSE 'less than monthly'
    END AS deployment_frequency_bucket,
    -- A week is too short to tell a monthly deployer from a rare one: frequency tiers need a month of time
    -- or enough deployments in the period.
    CASE WHEN f.period_days < 28 AND f.deployments < $min_deployments THEN 'not enough data'
         ELSE (SELECT b.tier FROM bands b WHERE b.metric = 'deployment_frequency'
               AND f.deployments_per_day >= b.lower AND (b.upper IS NULL OR f.deployments_per_day < b.upper))
    END AS deployment_frequency_tier,
    CASE WHEN f.changes = 0 THEN 'no data'
         WHEN f.changes < $min_changes THEN 'not enough data'
         ELSE (SELECT b.tier FROM bands b WHERE b.metric = 'lead_time'
               AND f.lead_time_median_hours >= b.lower
               AND (b.upper IS NULL OR f.lead_time_median_hours < b.upper))
    END AS lead_time_tier,
    CASE WHEN f.deployments = 0 THEN 'no data'
         WHEN f.deployments < $min_deployments THEN 'not enough data'
         ELSE (SELECT b.tier FROM bands b WHERE b.metric = 'change_fail_rate'
               AND (f.change_fail_rate > b.lower OR (b.lower = 0 AND f.change_fail_rate = 0))
               AND (b.upper IS NULL OR f.change_fail_rate <= b.upper))
    END AS change_fail_rate_tier,
    CASE WHEN f.recoveries = 0 THEN 'no data'
         WHEN f.recoveries < $min_failures THEN 'not enough data'
         ELSE (SELECT b.tier FROM bands b WHERE b.metric = 'recovery_time'
               AND f.recovery_time_median_hours >= b.lower
               AND (b.upper IS NULL OR f.recovery_time_median_hours < b.upper))
    END AS recovery_time_tier
FROM figures f;
