-- Purpose: the five DORA figures for every scope and period, with the n behind each and a DORA tier.
-- Grain: one row per scope ('service' | 'team' | 'organisation') per scope_name per period. Periods (grain):
--        'week' (ISO, Monday 00:00 UTC), 'month', 'quarter' (calendar, UTC), and 'rolling_28d' / 'rolling_90d'
--        windows [period_end - N days, period_end) that end on each Monday from $rolling_from to $rolling_to.
--        Every scope has a row for every period in range, so quiet periods show as zero deployments.
-- Inputs: the temp tables of metrics.period_quantiles (from deployments, deployment_outcomes, changes that reached
--         production, failed_deployments, incidents, team_ownership), dora_benchmarks; $period_from, $period_to
--         (DATE; weeks/months/quarters touching this range), $rolling_from, $rolling_to (Mondays), $period_since,
--         $benchmark_year, $min_deployments, $min_changes, $min_failures.
-- Rules (docs/metrics.md): a deployment, change and failed deployment counts at its deployed_at, an incident at its
--        created_at, each once for its service ('(no service)' when it has none), its team and the organisation
--        (team and organisation figures are never averages of service figures); durations in hours, medians and
--        percentiles interpolated (quantile_cont); rates and durations are NULL when nothing stands behind them;
--        a tier is given only with enough rows behind it.
-- How (for speed and memory): metrics.period_quantiles runs first (metrics.runner calls it before this file). It
--        builds the temp tables of metrics/sql_steps/metrics_period_inputs.sql (the rebuilt periods, the scopes
--        with integer ids, the facts with their day index, and per scope and period the counts, from running
--        totals at the period boundaries), then the medians and percentiles of every scope and period from each
--        scope's facts sorted by day (metrics/quantiles.py: the same numbers as quantile_cont, to the last bit):
--        period_change_quantiles, period_recovery_quantiles, period_restore_quantiles. This file turns them into
--        rows with rates and tiers. Each fact is read once per scope, never copied into every period containing
--        it (up to 20 with the rolling windows).
-- Incremental: rebuilt are the periods that end after $period_since (the earliest time of a fact that changed
--        since the last computation; the start of time for a full recompute), from the facts inside them only;
--        periods that left the reporting range are dropped; a scope seen for the first time gets its (empty) rows
--        for the kept periods too. The other rows are kept.
CREATE TABLE IF NOT EXISTS metrics_period (
    scope                           TEXT,
    scope_name                      TEXT,
    grain                           TEXT,
    period_start                    DATE,
    period_end                      DATE,
    period_label                    TEXT,
    period_days                     BIGINT,
    deployments                     BIGINT,
    deployment_days                 BIGINT,
    deployments_per_day             DOUBLE,
    deployment_days_per_week        DOUBLE,
    changes                         BIGINT,
    lead_time_median_hours          DOUBLE,
    lead_time_p75_hours             DOUBLE,
    lead_time_p90_hours             DOUBLE,
    coding_median_hours             DOUBLE,
    pickup_median_hours             DOUBLE,
    review_median_hours             DOUBLE,
    merge_to_deploy_median_hours    DOUBLE,
    failed_deployments              BIGINT,
    change_fail_rate                DOUBLE,
    rework_deployments              BIGINT,
    rework_rate                     DOUBLE,
    recoveries                      BIGINT,
    recovery_time_median_hours      DOUBLE,
    recovery_time_p75_hours         DOUBLE,
    recovery_time_p90_hours         DOUBLE,
    incidents                       BIGINT,
    restore_median_hours            DOUBLE,
    deployment_frequency_bucket     TEXT,
    deployment_frequency_tier       TEXT,
    lead_time_tier                  TEXT,
    change_fail_rate_tier           TEXT,
    recovery_time_tier              TEXT
);

-- Dropped: the rebuilt periods, and periods that left the reporting range.
DELETE FROM metrics_period
WHERE CAST(period_end AS TIMESTAMP) > $period_since
   OR period_start > CAST($period_to AS DATE)
   OR (grain = 'week' AND period_start < date_trunc('week', CAST($period_from AS DATE)))
   OR (grain = 'month' AND period_start < date_trunc('month', CAST($period_from AS DATE)))
   OR (grain = 'quarter' AND period_start < date_trunc('quarter', CAST($period_from AS DATE)))
   OR (grain IN ('rolling_28d', 'rolling_90d')
       AND (period_end < CAST($rolling_from AS DATE) OR period_end > CAST($rolling_to AS DATE)));

INSERT INTO metrics_period
WITH
-- Every scope's row for every rebuilt period, and a scope seen for the first time also gets its rows for the kept
-- periods (it has no facts there: they are all before anything that changed).
figure_rows AS (
    SELECT s.sid, s.scope, s.scope_name, p.pidx, p.grain, p.period_start, p.period_end
    FROM period_scopes s CROSS JOIN period_list p
    UNION ALL
    SELECT s.sid, s.scope, s.scope_name, NULL, a.grain, a.period_start, a.period_end
    FROM period_scopes s
    CROSS JOIN period_all a
    WHERE CAST(a.period_end AS TIMESTAMP) <= $period_since
      AND NOT EXISTS (
          SELECT 1 FROM period_kept_scopes k WHERE k.scope = s.scope AND k.scope_name IS NOT DISTINCT FROM s.scope_name
      )
),
figures AS (
    SELECT
        p.scope, p.scope_name, p.grain, p.period_start, p.period_end,
        CASE p.grain
            WHEN 'week' THEN strftime(p.period_start, '%G-W%V')
            WHEN 'month' THEN strftime(p.period_start, '%Y-%m')
            WHEN 'quarter' THEN strftime(p.period_start, '%Y') || '-Q' || quarter(p.period_start)
            ELSE 'R' || date_diff('day', p.period_start, p.period_end) || ' to ' || strftime(p.period_end, '%Y-%m-%d')
        END AS period_label,
        date_diff('day', p.period_start, p.period_end) AS period_days,
        coalesce(g.deployments, 0) AS deployments,
        coalesce(g.deployment_days, 0) AS deployment_days,
        coalesce(g.deployments, 0) / date_diff('day', p.period_start, p.period_end) AS deployments_per_day,
        coalesce(g.deployment_days, 0) * 7.0 / date_diff('day', p.period_start, p.period_end)
            AS deployment_days_per_week,
        coalesce(g.changes_hi - g.changes_lo, 0) AS changes,
        c.lead_time_median_hours,
        c.lead_time_p75_hours,
        c.lead_time_p90_hours,
        c.coding_median_hours,
        c.pickup_median_hours,
        c.review_median_hours,
        c.merge_to_deploy_median_hours,
        coalesce(g.failed_deployments, 0) AS failed_deployments,
        CASE WHEN coalesce(g.deployments, 0) > 0 THEN g.failed_deployments / g.deployments END AS change_fail_rate,
        coalesce(g.rework_deployments, 0) AS rework_deployments,
        CASE WHEN coalesce(g.deployments, 0) > 0 THEN g.rework_deployments / g.deployments END AS rework_rate,
        coalesce(g.recoveries, 0) AS recoveries,
        f.recovery_time_median_hours,
        f.recovery_time_p75_hours,
        f.recovery_time_p90_hours,
        coalesce(g.incidents_hi - g.incidents_lo, 0) AS incidents,
        i.restore_median_hours
    FROM figure_rows p
    LEFT JOIN period_grid g ON g.sid = p.sid AND g.pidx = p.pidx
    LEFT JOIN period_change_quantiles c ON c.sid = p.sid AND c.pidx = p.pidx
    LEFT JOIN period_recovery_quantiles f ON f.sid = p.sid AND f.pidx = p.pidx
    LEFT JOIN period_restore_quantiles i ON i.sid = p.sid AND i.pidx = p.pidx
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

DROP TABLE period_kept_scopes;
DROP TABLE period_all;
DROP TABLE period_bounds;
DROP TABLE period_list;
DROP TABLE period_scopes;
DROP TABLE period_facts;
DROP TABLE period_grid;
DROP TABLE period_change_quantiles;
DROP TABLE period_recovery_quantiles;
DROP TABLE period_restore_quantiles;
