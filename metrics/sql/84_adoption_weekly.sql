-- Purpose: the share of services meeting each adoption signal, week by week, per team, department and for the
--          organisation (a scorecard over time).
-- Grain: one row per scope ('team' | 'department' | 'organisation') per scope_name per ISO week (Monday 00:00
--        UTC, from $week_from to $week_to) per signal.
-- Inputs: service_adoption; $week_from, $week_to, $organisation.
-- Rules: a service meets a signal in a week when the signal held at some point of it (held_since before the
--        week's end, and held_until, if any, not before its start). The denominator is every service known
--        today (catalog_services), so a share is "k of n services", with both published. Teams without a
--        department appear under the team and organisation scopes only.
CREATE OR REPLACE TABLE adoption_weekly AS
WITH weeks AS (
    SELECT CAST(w AS DATE) AS week_start
    FROM range(date_trunc('week', CAST($week_from AS DATE)), CAST($week_to AS DATE) + INTERVAL 1 DAY,
               INTERVAL 7 DAY) t(w)
),
met AS (
    SELECT
        a.service,
        a.team,
        a.department,
        a.signal,
        a.description,
        a.position,
        w.week_start,
        a.held_since IS NOT NULL
            AND a.held_since < w.week_start + INTERVAL 7 DAY
            AND (a.held_until IS NULL OR a.held_until >= w.week_start) AS meets
    FROM service_adoption a
    CROSS JOIN weeks w
),
scoped AS (
    SELECT 'team' AS scope, team AS scope_name, * FROM met
    UNION ALL
    SELECT 'department', department, * FROM met WHERE department IS NOT NULL
    UNION ALL
    SELECT 'organisation', $organisation, * FROM met
)
SELECT
    scope,
    scope_name,
    week_start,
    strftime(week_start, '%G-W%V') AS iso_week,
    signal,
    any_value(description) AS description,
    any_value(position) AS position,
    count(*) AS services,
    count(*) FILTER (WHERE meets) AS services_meeting,
    count(*) FILTER (WHERE meets) / count(*) AS share
FROM scoped
GROUP BY scope, scope_name, week_start, signal
ORDER BY scope, scope_name, week_start, position;
