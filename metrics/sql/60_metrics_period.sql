-- Purpose: the five DORA figures for every scope and period, with the n behind each and a DORA tier.
-- Grain: one row per scope ('service' | 'team' | 'organisation') per scope_name per period. Periods (grain):
--        'week' (ISO, Monday 00:00 UTC), 'month', 'quarter' (calendar, UTC), and 'rolling_28d' / 'rolling_90d'
--        windows [period_end - N days, period_end) that end on each Monday from $rolling_from to $rolling_to.
--        Every scope has a row for every period in range, so quiet periods show as zero deployments.
-- Inputs: deployments, deployment_outcomes, changes (reached production: deployed_at set), failed_deployments,
--         incidents, dora_benchmarks, team_ownership; $period_from, $period_to (DATE; weeks/months/quarters
--         touching this range), $rolling_from, $rolling_to (Mondays), $benchmark_year, $min_deployments,
--         $min_changes, $min_failures, $organisation.
-- Rules (docs/metrics.md): a deployment, change and failed deployment counts at its deployed_at, an incident at its
--        created_at, each once for its service ('(no service)' when it has none), its team and the organisation
--        (team and organisation figures are never averages of service figures); durations in hours, medians and
--        percentiles interpolated (quantile_cont); rates and durations are NULL when nothing stands behind them;
--        a tier is given only with enough rows behind it.
-- How (for speed and memory): every period is a range of whole UTC days, so a fact is placed by its day index only.
--        Counts come from running totals per scope at the period boundaries (a period's count = total before its
--        end - total before its start). Medians and percentiles come from windowed quantile_cont: each scope's
--        facts sorted by day, then one NULL-valued probe row per scope and period whose ROWS frame is exactly the
--        facts of that period; quantile_cont skips the NULLs and fact rows get empty frames. So each fact is read
--        once per scope, not copied into every period containing it (up to 20 with the rolling windows), and no
--        fact table is materialised.
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

CREATE OR REPLACE TEMP TABLE metrics_period_rebuilt AS
WITH all_periods AS (
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
-- The periods rebuilt: those that can contain a changed fact.
periods AS MATERIALIZED (
    SELECT * FROM all_periods WHERE CAST(period_end AS TIMESTAMP) > $period_since
),
-- Day indexes count from the first day of any period; span = number of days up to the end of the last period.
bounds AS MATERIALIZED (
    SELECT min(period_start) AS base, date_diff('day', min(period_start), max(period_end)) AS span FROM periods
),
-- Facts from this time on are read: those of the rebuilt periods; in a full recompute all of them, since facts
-- outside every period still make their scopes appear.
scope_from AS MATERIALIZED (
    SELECT CASE WHEN $period_since = $start_of_time THEN $start_of_time ELSE CAST(base AS TIMESTAMP) END AS t
    FROM bounds
),
-- Each period as a range of day indexes [s_idx, e_idx).
period_idx AS MATERIALIZED (
    SELECT CAST(row_number() OVER () AS INTEGER) AS pidx, p.*,
           date_diff('day', b.base, p.period_start) AS s_idx, date_diff('day', b.base, p.period_end) AS e_idx
    FROM periods p CROSS JOIN bounds b
),
-- Successful production deployments with their outcome (failed, unplanned rework).
deploy_rows AS (
    SELECT coalesce(d.service, '(no service)') AS service, d.team, CAST(d.deployed_at AS DATE) AS day,
           coalesce(o.failed, false) AS failed, coalesce(o.is_rework, false) AS rework
    FROM deployments d LEFT JOIN deployment_outcomes o USING (deployment_key)
    WHERE d.deployed_at >= (SELECT t FROM scope_from)
),
-- Every (service, team) a fact names; facts outside all periods still make their scopes appear. Facts before
-- the rebuilt periods named theirs at an earlier computation: those scopes are in the table already.
named AS MATERIALIZED (
    SELECT DISTINCT service, team FROM (
        SELECT service, team FROM deploy_rows
        UNION ALL SELECT coalesce(service, '(no service)'), team FROM changes
        WHERE deployed_at >= (SELECT t FROM scope_from)
        UNION ALL SELECT coalesce(service, '(no service)'), team FROM failed_deployments
        WHERE deployed_at >= (SELECT t FROM scope_from)
        UNION ALL SELECT coalesce(service, '(no service)'), team FROM incidents
        WHERE created_at >= (SELECT t FROM scope_from))
),
kept_scopes AS MATERIALIZED (
    SELECT DISTINCT scope, scope_name FROM metrics_period
),
-- Every scope with a small integer id (sid), carried through the heavy steps instead of strings.
scopes AS MATERIALIZED (
    SELECT CAST(row_number() OVER () AS INTEGER) AS sid, scope, scope_name FROM (
        SELECT 'service' AS scope, service AS scope_name FROM named
        UNION SELECT 'team', team FROM named
        UNION SELECT 'team', team FROM team_ownership
        UNION SELECT 'service', key FROM team_ownership WHERE kind = 'repository'
        UNION SELECT 'organisation', $organisation
        UNION SELECT scope, scope_name FROM kept_scopes)
),
-- The three scopes a fact of a (service, team) counts under. A NULL team matches no team scope, so such facts
-- count for their service and the organisation only (its (team, NULL) scope row shows zeros).
fact_sids AS MATERIALIZED (
    SELECT n.service, n.team, [s.sid, t.sid, o.sid] AS sids
    FROM named n
    JOIN scopes s ON s.scope = 'service' AND s.scope_name = n.service
    LEFT JOIN scopes t ON t.scope = 'team' AND t.scope_name = n.team
    CROSS JOIN (SELECT sid FROM scopes WHERE scope = 'organisation') o
),
-- One row per fact with its day index (facts outside every period are left out). kind: 1 deployment, 2 change,
-- 3 failed deployment, 4 incident. v1 is the duration a quantile is taken of (lead time, recovery, restore);
-- v2..v5 are the lead time breakdown (coding, pickup, review, merge to deploy).
facts AS MATERIALIZED (
    SELECT k.sids, x.* EXCLUDE (service, team, day), date_diff('day', b.base, x.day) AS di
    FROM (
        SELECT service, team, day, 1 AS kind, failed, rework, NULL::DOUBLE AS v1, NULL::DOUBLE AS v2, NULL::DOUBLE AS v3,
               NULL::DOUBLE AS v4, NULL::DOUBLE AS v5
        FROM deploy_rows
        UNION ALL
        SELECT coalesce(service, '(no service)'), team, CAST(deployed_at AS DATE), 2, NULL, NULL, lead_time_hours,
               coding_hours, pickup_hours, review_hours, merge_to_deploy_hours
        FROM changes WHERE deployed_at >= (SELECT base FROM bounds)
        UNION ALL
        SELECT coalesce(service, '(no service)'), team, CAST(deployed_at AS DATE), 3, NULL, NULL, recovery_hours,
               NULL, NULL, NULL, NULL
        FROM failed_deployments WHERE deployed_at >= (SELECT base FROM bounds)
        UNION ALL
        SELECT coalesce(service, '(no service)'), team, CAST(created_at AS DATE), 4, NULL, NULL, restore_hours,
               NULL, NULL, NULL, NULL
        FROM incidents WHERE created_at >= (SELECT base FROM bounds)
    ) x
    JOIN fact_sids k ON k.service = x.service AND k.team IS NOT DISTINCT FROM x.team
    CROSS JOIN bounds b
    WHERE x.day >= b.base AND x.day < b.base + CAST(b.span AS INTEGER)
),
-- Each fact once per scope it counts under.
scoped AS (
    SELECT unnest(sids) AS sid, * EXCLUDE (sids) FROM facts
),
-- Counts per scope and day (deployment_days: days with at least one deployment).
day_counts AS (
    SELECT sid, di,
        count(*) FILTER (WHERE kind = 1) AS deployments,
        count(*) FILTER (WHERE kind = 1 AND failed) AS failed_deployments,
        count(*) FILTER (WHERE kind = 1 AND rework) AS rework_deployments,
        count(*) FILTER (WHERE kind = 2) AS changes,
        count(*) FILTER (WHERE kind = 3) AS failures,
        count(v1) FILTER (WHERE kind = 3) AS recoveries,
        count(*) FILTER (WHERE kind = 4) AS incidents
    FROM scoped WHERE sid IS NOT NULL GROUP BY sid, di
),
-- Every day index at which a period starts or ends (0 and span among them): running totals are only ever read
-- there, so days are summed into the segments between consecutive cuts, each labelled by the cut it starts at.
cuts AS MATERIALIZED (
    SELECT DISTINCT unnest([s_idx, e_idx]) AS cut FROM period_idx
),
segment_counts AS (
    SELECT d.sid, c.cut,
        sum(d.deployments) AS deployments,
        count(*) FILTER (WHERE d.deployments > 0) AS deployment_days,
        sum(d.failed_deployments) AS failed_deployments,
        sum(d.rework_deployments) AS rework_deployments,
        sum(d.changes) AS changes,
        sum(d.failures) AS failures,
        sum(d.recoveries) AS recoveries,
        sum(d.incidents) AS incidents
    FROM day_counts d ASOF JOIN cuts c ON d.di >= c.cut
    GROUP BY d.sid, c.cut
),
-- Running totals per scope of the facts before each cut.
cum AS MATERIALIZED (
    SELECT s.sid, c.cut,
        coalesce(sum(x.deployments) OVER w, 0)::BIGINT AS deployments,
        coalesce(sum(x.deployment_days) OVER w, 0)::BIGINT AS deployment_days,
        coalesce(sum(x.failed_deployments) OVER w, 0)::BIGINT AS failed_deployments,
        coalesce(sum(x.rework_deployments) OVER w, 0)::BIGINT AS rework_deployments,
        coalesce(sum(x.changes) OVER w, 0)::BIGINT AS changes,
        coalesce(sum(x.failures) OVER w, 0)::BIGINT AS failures,
        coalesce(sum(x.recoveries) OVER w, 0)::BIGINT AS recoveries,
        coalesce(sum(x.incidents) OVER w, 0)::BIGINT AS incidents
    FROM (SELECT DISTINCT sid FROM segment_counts) s
    CROSS JOIN cuts c
    LEFT JOIN segment_counts x ON x.sid = s.sid AND x.cut = c.cut
    WINDOW w AS (PARTITION BY s.sid ORDER BY c.cut ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
-- Per scope and period: counts as differences of running totals, and for changes, failed deployments and
-- incidents the positions [lo, hi) of the period's facts among that scope's facts sorted by day (n = all of them).
grid AS MATERIALIZED (
    SELECT s.sid, p.pidx,
        c1.deployments - c0.deployments AS deployments,
        c1.deployment_days - c0.deployment_days AS deployment_days,
        c1.failed_deployments - c0.failed_deployments AS failed_deployments,
        c1.rework_deployments - c0.rework_deployments AS rework_deployments,
        c0.changes AS changes_lo, c1.changes AS changes_hi, n.changes AS changes_n,
        c0.failures AS failures_lo, c1.failures AS failures_hi, n.failures AS failures_n,
        c1.recoveries - c0.recoveries AS recoveries,
        c0.incidents AS incidents_lo, c1.incidents AS incidents_hi, n.incidents AS incidents_n
    FROM scopes s
    CROSS JOIN period_idx p
    CROSS JOIN bounds b
    JOIN cum c0 ON c0.sid = s.sid AND c0.cut = p.s_idx
    JOIN cum c1 ON c1.sid = s.sid AND c1.cut = p.e_idx
    JOIN cum n ON n.sid = s.sid AND n.cut = b.span
),
-- Windowed quantiles: fact rows (sorted by day, empty frames) then one probe row per period with changes, at
-- position pos = n + its rank, whose frame is the fact rows lo+1..hi. Probe values are NULL, which quantile_cont
-- skips, so each probe gets exactly the quantiles of its period's changes.
change_q AS (
    SELECT sid, pidx, lead_q, coding_median_hours, pickup_median_hours, review_median_hours, merge_to_deploy_median_hours
    FROM (
        SELECT sid, pidx,
            quantile_cont(v1, [0.5, 0.75, 0.9]) OVER w AS lead_q,
            quantile_cont(v2, 0.5) OVER w AS coding_median_hours,
            quantile_cont(v3, 0.5) OVER w AS pickup_median_hours,
            quantile_cont(v4, 0.5) OVER w AS review_median_hours,
            quantile_cont(v5, 0.5) OVER w AS merge_to_deploy_median_hours
        FROM (
            SELECT sid, NULL::INTEGER AS pidx, di AS ord, v1, v2, v3, v4, v5, 0 AS lo, 0 AS hi, 1 AS pos
            FROM scoped WHERE kind = 2 AND sid IS NOT NULL
            UNION ALL
            SELECT sid, pidx, b.span + pidx, NULL, NULL, NULL, NULL, NULL, changes_lo, changes_hi,
                   changes_n + row_number() OVER (PARTITION BY sid ORDER BY pidx)
            FROM grid CROSS JOIN bounds b WHERE changes_hi > changes_lo
        )
        WINDOW w AS (PARTITION BY sid ORDER BY ord ROWS BETWEEN pos - lo - 1 PRECEDING AND pos - hi PRECEDING)
    ) WHERE pidx IS NOT NULL
),
-- The same for recovery times of failed deployments (kind 3; rows without a recovery are NULL and skipped) and
-- incident restore times (kind 4), each kind its own partition.
duration_q AS (
    SELECT sid, kind, pidx, q FROM (
        SELECT sid, kind, pidx, quantile_cont(v1, [0.5, 0.75, 0.9]) OVER w AS q
        FROM (
            SELECT sid, kind, NULL::INTEGER AS pidx, di AS ord, v1, 0 AS lo, 0 AS hi, 1 AS pos
            FROM scoped WHERE kind IN (3, 4) AND sid IS NOT NULL
            UNION ALL
            SELECT sid, 3, pidx, b.span + pidx, NULL, failures_lo, failures_hi,
                   failures_n + row_number() OVER (PARTITION BY sid ORDER BY pidx)
            FROM grid CROSS JOIN bounds b WHERE failures_hi > failures_lo
            UNION ALL
            SELECT sid, 4, pidx, b.span + pidx, NULL, incidents_lo, incidents_hi,
                   incidents_n + row_number() OVER (PARTITION BY sid ORDER BY pidx)
            FROM grid CROSS JOIN bounds b WHERE incidents_hi > incidents_lo
        )
        WINDOW w AS (PARTITION BY sid, kind ORDER BY ord ROWS BETWEEN pos - lo - 1 PRECEDING AND pos - hi PRECEDING)
    ) WHERE pidx IS NOT NULL
),
failure_q AS (
    SELECT sid, pidx, q AS recovery_q FROM duration_q WHERE kind = 3
),
incident_q AS (
    SELECT sid, pidx, q[1] AS restore_median_hours FROM duration_q WHERE kind = 4
),
-- Every scope's row for every rebuilt period, and a scope seen for the first time also gets its rows for the kept
-- periods (it has no facts there: they are all before anything that changed).
figure_rows AS (
    SELECT s.sid, s.scope, s.scope_name, p.pidx, p.grain, p.period_start, p.period_end
    FROM scopes s CROSS JOIN period_idx p
    UNION ALL
    SELECT s.sid, s.scope, s.scope_name, NULL, a.grain, a.period_start, a.period_end
    FROM scopes s
    CROSS JOIN all_periods a
    WHERE CAST(a.period_end AS TIMESTAMP) <= $period_since
      AND NOT EXISTS (
          SELECT 1 FROM kept_scopes k WHERE k.scope = s.scope AND k.scope_name IS NOT DISTINCT FROM s.scope_name
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
        c.lead_q[1] AS lead_time_median_hours,
        c.lead_q[2] AS lead_time_p75_hours,
        c.lead_q[3] AS lead_time_p90_hours,
        c.coding_median_hours,
        c.pickup_median_hours,
        c.review_median_hours,
        c.merge_to_deploy_median_hours,
        coalesce(g.failed_deployments, 0) AS failed_deployments,
        CASE WHEN coalesce(g.deployments, 0) > 0 THEN g.failed_deployments / g.deployments END AS change_fail_rate,
        coalesce(g.rework_deployments, 0) AS rework_deployments,
        CASE WHEN coalesce(g.deployments, 0) > 0 THEN g.rework_deployments / g.deployments END AS rework_rate,
        coalesce(g.recoveries, 0) AS recoveries,
        f.recovery_q[1] AS recovery_time_median_hours,
        f.recovery_q[2] AS recovery_time_p75_hours,
        f.recovery_q[3] AS recovery_time_p90_hours,
        coalesce(g.incidents_hi - g.incidents_lo, 0) AS incidents,
        i.restore_median_hours
    FROM figure_rows p
    LEFT JOIN grid g ON g.sid = p.sid AND g.pidx = p.pidx
    LEFT JOIN change_q c ON c.sid = p.sid AND c.pidx = p.pidx
    LEFT JOIN failure_q f ON f.sid = p.sid AND f.pidx = p.pidx
    LEFT JOIN incident_q i ON i.sid = p.sid AND i.pidx = p.pidx
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

-- Dropped: the rebuilt periods, and periods that left the reporting range.
DELETE FROM metrics_period
WHERE CAST(period_end AS TIMESTAMP) > $period_since
   OR period_start > CAST($period_to AS DATE)
   OR (grain = 'week' AND period_start < date_trunc('week', CAST($period_from AS DATE)))
   OR (grain = 'month' AND period_start < date_trunc('month', CAST($period_from AS DATE)))
   OR (grain = 'quarter' AND period_start < date_trunc('quarter', CAST($period_from AS DATE)))
   OR (grain IN ('rolling_28d', 'rolling_90d')
       AND (period_end < CAST($rolling_from AS DATE) OR period_end > CAST($rolling_to AS DATE)));

INSERT INTO metrics_period SELECT * FROM metrics_period_rebuilt;

DROP TABLE metrics_period_rebuilt;
