-- Purpose: the inputs of metrics_period (metrics/sql/60_metrics_period.sql) as temp tables; metrics.period_quantiles
--          runs this file, then takes the medians and percentiles of every scope and period from period_facts and
--          period_grid.
-- Grain: period_all: one row per period in the reporting range (grain, period_start, period_end);
--        period_bounds: one row (base: the first day of the rebuilt periods, span: days up to the end of the last,
--        scope_from: facts from this time on name scopes); period_list: one row per rebuilt period (pidx) with its
--        days as day indexes [s_idx, e_idx) from base; period_scopes: one row per scope (sid, scope, scope_name);
--        period_facts: one row per fact inside the rebuilt periods' days (kind 1 deployment, 2 change, 3 failed
--        deployment, 4 incident) with its three scope ids (service_sid, team_sid, organisation_sid; team_sid 0 when it
--        has none), its day index di and its durations in hours (v1 lead time, recovery or restore; v2..v5
--        coding, pickup, review, merge to deploy); period_grid: one row per scope and rebuilt period with its
--        counts, and for changes, failed deployments and incidents the positions [lo, hi) of the period's facts
--        among that scope's facts of that kind sorted by day, and n, all of them.
-- Inputs: deployments, deployment_outcomes, changes, failed_deployments, incidents, team_ownership,
--         period_kept_scopes (made by metrics.period_quantiles: the scopes metrics_period has, none before it
--         exists); $period_from, $period_to, $rolling_from, $rolling_to, $period_since, $start_of_time,
--         $organisation.
-- How (for speed and memory): every period is a range of whole UTC days, so a fact is placed by its day index only.
--        Counts come from running totals per scope at the period boundaries (a period's count = total before its
--        end - total before its start). The same running totals give each period's facts as one contiguous run
--        of its scope's facts sorted by day, so each fact is read once per scope, never copied into every period
--        containing it (up to 20 with the rolling windows).
CREATE OR REPLACE TEMP TABLE period_all AS
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
    FROM range(CAST($rolling_from AS DATE), CAST($rolling_to AS DATE) + INTERVAL 1 DAY, INTERVAL 7 DAY) t(e);

CREATE OR REPLACE TEMP TABLE period_bounds AS
WITH rebuilt AS (
    SELECT * FROM period_all WHERE CAST(period_end AS TIMESTAMP) > $period_since
)
-- Facts from scope_from on are read: those of the rebuilt periods; in a full recompute all of them, since facts
-- outside every period still make their scopes appear.
SELECT min(period_start) AS base, date_diff('day', min(period_start), max(period_end)) AS span,
       CASE WHEN $period_since = $start_of_time THEN $start_of_time ELSE CAST(min(period_start) AS TIMESTAMP) END
           AS scope_from
FROM rebuilt;

-- The periods rebuilt: those that can contain a changed fact.
CREATE OR REPLACE TEMP TABLE period_list AS
SELECT CAST(row_number() OVER (ORDER BY p.grain, p.period_start) AS INTEGER) AS pidx, p.*,
       date_diff('day', b.base, p.period_start) AS s_idx, date_diff('day', b.base, p.period_end) AS e_idx
FROM period_all p CROSS JOIN period_bounds b
WHERE CAST(p.period_end AS TIMESTAMP) > $period_since;

-- Successful production deployments with their outcome (failed, unplanned rework), from scope_from on.
CREATE OR REPLACE TEMP TABLE period_deployments AS
SELECT coalesce(d.service, '(no service)') AS service, d.team, CAST(d.deployed_at AS DATE) AS day,
       coalesce(o.failed, false) AS failed, coalesce(o.is_rework, false) AS rework
FROM deployments d LEFT JOIN deployment_outcomes o USING (deployment_key)
WHERE d.deployed_at >= (SELECT scope_from FROM period_bounds);

-- Every scope with a small integer id (sid), carried through the heavy steps instead of strings.
CREATE OR REPLACE TEMP TABLE period_scopes AS
WITH
-- Every (service, team) a fact names; facts outside all periods still make their scopes appear. Facts before
-- the rebuilt periods named theirs at an earlier computation: those scopes are in the table already.
named AS (
    SELECT DISTINCT service, team FROM (
        SELECT service, team FROM period_deployments
        UNION ALL SELECT coalesce(service, '(no service)'), team FROM changes
        WHERE deployed_at >= (SELECT scope_from FROM period_bounds)
        UNION ALL SELECT coalesce(service, '(no service)'), team FROM failed_deployments
        WHERE deployed_at >= (SELECT scope_from FROM period_bounds)
        UNION ALL SELECT coalesce(service, '(no service)'), team FROM incidents
        WHERE created_at >= (SELECT scope_from FROM period_bounds))
)
SELECT CAST(row_number() OVER (ORDER BY scope, scope_name) AS INTEGER) AS sid, scope, scope_name
FROM (
    SELECT 'service' AS scope, service AS scope_name FROM named
    UNION SELECT 'team', team FROM named
    UNION SELECT 'team', team FROM team_ownership
    UNION SELECT 'service', key FROM team_ownership WHERE kind = 'repository'
    UNION SELECT 'organisation', $organisation
    UNION SELECT scope, scope_name FROM period_kept_scopes);

-- One row per fact with its day index (facts outside every period are left out). kind: 1 deployment, 2 change,
-- 3 failed deployment, 4 incident. v1 is the duration a quantile is taken of (lead time, recovery, restore);
-- v2..v5 are the lead time breakdown (coding, pickup, review, merge to deploy).
CREATE OR REPLACE TEMP TABLE period_facts AS
WITH x AS (
    SELECT service, team, day, 1 AS kind, failed, rework, NULL::DOUBLE AS v1, NULL::DOUBLE AS v2,
           NULL::DOUBLE AS v3, NULL::DOUBLE AS v4, NULL::DOUBLE AS v5
    FROM period_deployments
    UNION ALL
    SELECT coalesce(service, '(no service)'), team, CAST(deployed_at AS DATE), 2, NULL, NULL, lead_time_hours,
           coding_hours, pickup_hours, review_hours, merge_to_deploy_hours
    FROM changes WHERE deployed_at >= (SELECT base FROM period_bounds)
    UNION ALL
    SELECT coalesce(service, '(no service)'), team, CAST(deployed_at AS DATE), 3, NULL, NULL, recovery_hours,
           NULL, NULL, NULL, NULL
    FROM failed_deployments WHERE deployed_at >= (SELECT base FROM period_bounds)
    UNION ALL
    SELECT coalesce(service, '(no service)'), team, CAST(created_at AS DATE), 4, NULL, NULL, restore_hours,
           NULL, NULL, NULL, NULL
    FROM incidents WHERE created_at >= (SELECT base FROM period_bounds)
),
-- The three scopes a fact of a (service, team) counts under. A NULL team matches no team scope (team_sid 0), so
-- such facts count for their service and the organisation only (its (team, NULL) scope row shows zeros).
fact_sids AS MATERIALIZED (
    SELECT n.service, n.team, s.sid AS service_sid, coalesce(t.sid, 0) AS team_sid, o.sid AS organisation_sid
    FROM (SELECT DISTINCT service, team FROM x) n
    JOIN period_scopes s ON s.scope = 'service' AND s.scope_name = n.service
    LEFT JOIN period_scopes t ON t.scope = 'team' AND t.scope_name = n.team
    CROSS JOIN (SELECT sid FROM period_scopes WHERE scope = 'organisation') o
)
SELECT k.service_sid, k.team_sid, k.organisation_sid, x.* EXCLUDE (service, team, day),
       date_diff('day', b.base, x.day) AS di
FROM x
JOIN fact_sids k ON k.service = x.service AND k.team IS NOT DISTINCT FROM x.team
CROSS JOIN period_bounds b
WHERE x.day >= b.base AND x.day < b.base + CAST(b.span AS INTEGER);

DROP TABLE period_deployments;

-- Per scope and period: counts as differences of running totals, and for changes, failed deployments and
-- incidents the positions [lo, hi) of the period's facts among that scope's facts of that kind sorted by day
-- (n = all of them).
CREATE OR REPLACE TEMP TABLE period_grid AS
WITH
-- Counts per (service, team) and day first: far fewer rows than facts, so that repeating them for each of the
-- three scopes (and adding them up per scope) is cheap.
pair_days AS (
    SELECT service_sid, team_sid, organisation_sid, di,
        count(*) FILTER (WHERE kind = 1) AS deployments,
        count(*) FILTER (WHERE kind = 1 AND failed) AS failed_deployments,
        count(*) FILTER (WHERE kind = 1 AND rework) AS rework_deployments,
        count(*) FILTER (WHERE kind = 2) AS changes,
        count(*) FILTER (WHERE kind = 3) AS failures,
        count(v1) FILTER (WHERE kind = 3) AS recoveries,
        count(*) FILTER (WHERE kind = 4) AS incidents
    FROM period_facts GROUP BY service_sid, team_sid, organisation_sid, di
),
-- Counts per scope and day (deployment_days: days with at least one deployment).
day_counts AS (
    SELECT sid, di,
        sum(deployments) AS deployments,
        sum(failed_deployments) AS failed_deployments,
        sum(rework_deployments) AS rework_deployments,
        sum(changes) AS changes,
        sum(failures) AS failures,
        sum(recoveries) AS recoveries,
        sum(incidents) AS incidents
    FROM (
        SELECT service_sid AS sid, * FROM pair_days
        UNION ALL SELECT team_sid, * FROM pair_days
        UNION ALL SELECT organisation_sid, * FROM pair_days)
    WHERE sid <> 0 GROUP BY sid, di
),
-- Every day index at which a period starts or ends (0 and span among them): running totals are only ever read
-- there, so days are summed into the segments between consecutive cuts, each labelled by the cut it starts at.
cuts AS MATERIALIZED (
    SELECT DISTINCT unnest([s_idx, e_idx]) AS cut FROM period_list
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
)
SELECT s.sid, p.pidx,
    c1.deployments - c0.deployments AS deployments,
    c1.deployment_days - c0.deployment_days AS deployment_days,
    c1.failed_deployments - c0.failed_deployments AS failed_deployments,
    c1.rework_deployments - c0.rework_deployments AS rework_deployments,
    c0.changes AS changes_lo, c1.changes AS changes_hi, n.changes AS changes_n,
    c0.failures AS failures_lo, c1.failures AS failures_hi, n.failures AS failures_n,
    c1.recoveries - c0.recoveries AS recoveries,
    c0.incidents AS incidents_lo, c1.incidents AS incidents_hi, n.incidents AS incidents_n
FROM period_scopes s
CROSS JOIN period_list p
CROSS JOIN period_bounds b
JOIN cum c0 ON c0.sid = s.sid AND c0.cut = p.s_idx
JOIN cum c1 ON c1.sid = s.sid AND c1.cut = p.e_idx
JOIN cum n ON n.sid = s.sid AND n.cut = b.span;
