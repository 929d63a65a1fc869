-- Purpose: for each service that adopted the platform (the catalog.effect.signal, default platform_deploy), its
--          DORA figures over the N weeks before and after adoption beside those of services that had not adopted
--          over the same weeks: a difference in differences per service.
-- Grain: one row per adopting service per metric ('deployment_frequency' in deployments per week,
--        'lead_time' and 'recovery_time' in hours (medians), 'change_fail_rate' as a 0..1 ratio).
-- Inputs: service_adoption, catalog_services, deployments, changes, failed_deployments, raw_adoption_settings;
--         $week_from, $week_to.
-- Rules: adoption week A = the ISO week of the adoption date. Before = the N full weeks before A; after = the N
--        full weeks after A (A itself mixes both ways of working and is left out). N = catalog.effect.weeks
--        (default 4). Both windows must lie inside the history: from the first full week after $week_from up to
--        the last complete week before $week_to; otherwise the service is listed with the reason and no figure.
--        Comparison services: every other service that had not adopted by the end of the after window and
--        deployed at least once in [before start, after end). Per metric:
--          treated_change = after - before of the adopting service;
--          control_change = mean over comparison services of their own after - before (those with both values);
--          did = treated_change - control_change.
--        A value with nothing behind it (no deployments, no changes, no recoveries) is NULL, never 0.
--        This is an association, not proof that adopting caused the difference.
CREATE OR REPLACE TABLE adoption_effect_services AS
WITH settings AS (
    SELECT
        coalesce(max(value) FILTER (WHERE key = 'effect_signal'), 'platform_deploy') AS signal,
        coalesce(TRY_CAST(max(value) FILTER (WHERE key = 'effect_weeks') AS INTEGER), 4) AS weeks
    FROM raw_adoption_settings
),
bounds AS (
    SELECT
        CAST(date_trunc('week', CAST($week_from AS DATE)) + INTERVAL 7 DAY AS DATE) AS first_full_week,
        CAST(date_trunc('week', CAST($week_to AS DATE)) AS DATE) AS current_week
),
adopters AS (
    SELECT
        a.service,
        a.team,
        a.department,
        a.signal,
        a.held_since AS adopted_at,
        a.left_censored,
        s.weeks,
        CAST(date_trunc('week', a.held_since) AS DATE) AS adoption_week
    FROM service_adoption a
    JOIN settings s ON s.signal = a.signal
    WHERE a.held_since IS NOT NULL
),
windows AS (
    SELECT
        a.*,
        CAST(a.adoption_week - to_weeks(a.weeks) AS DATE) AS before_start,
        CAST(a.adoption_week + INTERVAL 7 DAY AS DATE) AS after_start,
        CAST(a.adoption_week + to_weeks(a.weeks + 1) AS DATE) AS after_end,
        CASE
            WHEN a.left_censored
                THEN 'adopted before the history window: every deployment in it already used the platform'
            WHEN a.adoption_week < b.first_full_week THEN 'adopted before the history window'
            WHEN a.adoption_week - to_weeks(a.weeks) < b.first_full_week
                THEN 'fewer than ' || a.weeks || ' full weeks of history before adoption'
            WHEN a.adoption_week + to_weeks(a.weeks + 1) > b.current_week
                THEN 'fewer than ' || a.weeks || ' complete weeks since adoption'
        END AS excluded_because
    FROM adopters a
    CROSS JOIN bounds b
),
included AS (
    SELECT * FROM windows WHERE excluded_because IS NULL
),
service_of AS (
    SELECT dora_service, min(service) AS service FROM catalog_services GROUP BY dora_service
),
-- Only the weeks some comparison reads: no facts at all are read when nobody adopted.
fact_span AS (
    SELECT CAST(min(before_start) AS TIMESTAMP) AS lo, CAST(max(after_end) AS TIMESTAMP) AS hi FROM included
),
facts_all AS (
    SELECT coalesce(m.service, d.service) AS service, d.deployed_at AS occurred_at, 'deployment' AS kind,
           NULL::DOUBLE AS hours, f.deployment_key IS NOT NULL AS failed
    FROM deployments d
    LEFT JOIN failed_deployments f USING (deployment_key)
    LEFT JOIN service_of m ON m.dora_service = d.service
    UNION ALL
    SELECT coalesce(m.service, c.service), c.deployed_at, 'change', c.lead_time_hours, NULL
    FROM changes c
    LEFT JOIN service_of m ON m.dora_service = c.service
    WHERE c.deployed_at IS NOT NULL AND c.lead_time_hours IS NOT NULL
    UNION ALL
    SELECT coalesce(m.service, f.service), f.deployed_at, 'recovery', f.recovery_hours, NULL
    FROM failed_deployments f
    LEFT JOIN service_of m ON m.dora_service = f.service
    WHERE f.recovery_hours IS NOT NULL
),
facts AS (
    SELECT * FROM facts_all
    WHERE occurred_at >= (SELECT lo FROM fact_span) AND occurred_at < (SELECT hi FROM fact_span)
),
-- Weekly sums and value lists first, so each window reads a few weekly rows rather than every fact.
weekly AS (
    SELECT
        service,
        CAST(date_trunc('week', occurred_at) AS DATE) AS week_start,
        count(*) FILTER (WHERE kind = 'deployment') AS deployments,
        count(*) FILTER (WHERE kind = 'deployment' AND failed) AS failed,
        list(hours) FILTER (WHERE kind = 'change') AS lead_hours,
        list(hours) FILTER (WHERE kind = 'recovery') AS recovery_hours
    FROM facts
    GROUP BY ALL
),
members AS (
    SELECT i.service AS adopter, i.service AS member, 'adopter' AS role, i.before_start, i.adoption_week,
           i.after_start, i.after_end, i.weeks
    FROM included i
    UNION ALL
    SELECT i.service, c.service, 'comparison', i.before_start, i.adoption_week, i.after_start, i.after_end, i.weeks
    FROM included i
    JOIN catalog_services c ON c.service <> i.service
    LEFT JOIN adopters a ON a.service = c.service
    WHERE a.adopted_at IS NULL OR (a.adopted_at >= i.after_end AND NOT a.left_censored)
),
periods AS (
    SELECT m.*, p.period FROM members m CROSS JOIN (VALUES ('before'), ('after')) p(period)
),
windowed AS (
    SELECT
        p.adopter,
        p.member,
        p.role,
        p.period,
        p.weeks,
        coalesce(sum(w.deployments), 0) AS deployments,
        coalesce(sum(w.failed), 0) AS failed,
        coalesce(flatten(list(w.lead_hours)), []) AS lead_hours,
        coalesce(flatten(list(w.recovery_hours)), []) AS recovery_hours
    FROM periods p
    LEFT JOIN weekly w
      ON w.service = p.member
     AND w.week_start >= CASE p.period WHEN 'before' THEN p.before_start ELSE p.after_start END
     AND w.week_start < CASE p.period WHEN 'before' THEN p.adoption_week ELSE p.after_end END
    GROUP BY p.adopter, p.member, p.role, p.period, p.weeks
),
figures AS (
    SELECT adopter, member, role, period, 'deployment_frequency' AS metric,
           deployments / weeks AS value, deployments AS n
    FROM windowed
    UNION ALL
    SELECT adopter, member, role, period, 'lead_time',
           list_aggregate(lead_hours, 'median'), len(lead_hours)
    FROM windowed
    UNION ALL
    SELECT adopter, member, role, period, 'change_fail_rate',
           CASE WHEN deployments > 0 THEN failed / deployments END, deployments
    FROM windowed
    UNION ALL
    SELECT adopter, member, role, period, 'recovery_time',
           list_aggregate(recovery_hours, 'median'), len(recovery_hours)
    FROM windowed
),
paired AS (
    SELECT
        adopter,
        member,
        role,
        metric,
        any_value(value) FILTER (WHERE period = 'before') AS before_value,
        any_value(value) FILTER (WHERE period = 'after') AS after_value,
        any_value(n) FILTER (WHERE period = 'before') AS before_n,
        any_value(n) FILTER (WHERE period = 'after') AS after_n
    FROM figures
    GROUP BY adopter, member, role, metric
),
active AS (
    -- Comparison services must have deployed in the combined window, or they only add zeros.
    SELECT adopter, member FROM paired
    WHERE metric = 'deployment_frequency' AND before_n + after_n > 0
),
comparison AS (
    SELECT
        p.adopter,
        p.metric,
        count(*) AS control_services,
        list(p.member ORDER BY p.member) AS control_list,
        avg(p.before_value) AS control_before,
        avg(p.after_value) AS control_after,
        avg(p.after_value - p.before_value) AS control_change
    FROM paired p
    JOIN active a USING (adopter, member)
    WHERE p.role = 'comparison' AND p.before_value IS NOT NULL AND p.after_value IS NOT NULL
    GROUP BY p.adopter, p.metric
),
metrics AS (
    SELECT * FROM (VALUES ('deployment_frequency', 1), ('lead_time', 2), ('change_fail_rate', 3),
                          ('recovery_time', 4)) m(metric, metric_order)
)
SELECT
    w.service,
    w.team,
    w.department,
    w.signal,
    m.metric,
    m.metric_order,
    w.adopted_at,
    w.adoption_week,
    w.weeks,
    w.before_start,
    w.after_start,
    w.after_end,
    CASE
        WHEN w.excluded_because IS NOT NULL THEN w.excluded_because
        WHEN t.before_value IS NULL OR t.after_value IS NULL THEN 'nothing to measure before or after adoption'
        WHEN c.control_services IS NULL THEN 'no comparison service with figures in the same weeks'
        ELSE 'included'
    END AS status,
    t.before_value,
    t.after_value,
    t.before_n,
    t.after_n,
    t.after_value - t.before_value AS treated_change,
    coalesce(c.control_services, 0) AS control_services,
    coalesce(c.control_list, []) AS control_list,
    c.control_before,
    c.control_after,
    c.control_change,
    (t.after_value - t.before_value) - c.control_change AS did
FROM windows w
CROSS JOIN metrics m
LEFT JOIN paired t ON t.adopter = w.service AND t.member = w.service AND t.metric = m.metric
LEFT JOIN comparison c ON c.adopter = w.service AND c.metric = m.metric
ORDER BY w.service, m.metric_order;
