-- Purpose: the share of production deployments that went through the platform's deploy pipeline, week by week.
-- Grain: one row per scope ('team' | 'department' | 'organisation') per scope_name per ISO week (Monday 00:00
--        UTC, $week_from to $week_to). Scopes without deployments in the whole range are left out.
-- Inputs: deployment_platform, catalog_services, team_hierarchy; $week_from, $week_to, $organisation.
-- Rules: platform_share = platform deployments / production deployments of the week (0..1); NULL in a week
--        without deployments (no data is not 0%). The team is the owning team of the deployment's service.
CREATE OR REPLACE TABLE platform_deploys_weekly AS
WITH weeks AS (
    SELECT CAST(w AS DATE) AS week_start
    FROM range(date_trunc('week', CAST($week_from AS DATE)), CAST($week_to AS DATE) + INTERVAL 1 DAY,
               INTERVAL 7 DAY) t(w)
),
deployed AS (
    SELECT
        coalesce(c.team, d.team, 'unowned') AS team,
        CAST(date_trunc('week', d.deployed_at) AS DATE) AS week_start,
        d.via_platform
    FROM deployment_platform d
    LEFT JOIN catalog_services c ON c.service = d.service
    WHERE d.deployed_at >= CAST($week_from AS DATE) AND d.deployed_at < CAST($week_to AS DATE) + INTERVAL 7 DAY
),
scoped AS (
    SELECT 'team' AS scope, d.team AS scope_name, d.week_start, d.via_platform FROM deployed d
    UNION ALL
    SELECT 'department', h.department, d.week_start, d.via_platform
    FROM deployed d JOIN team_hierarchy h ON h.team = d.team AND h.department IS NOT NULL
    UNION ALL
    SELECT 'organisation', $organisation, week_start, via_platform FROM deployed
),
counted AS (
    SELECT scope, scope_name, week_start, count(*) AS deployments, count(*) FILTER (WHERE via_platform) AS platform
    FROM scoped
    GROUP BY ALL
),
names AS (
    SELECT DISTINCT scope, scope_name FROM counted
)
SELECT
    n.scope,
    n.scope_name,
    w.week_start,
    strftime(w.week_start, '%G-W%V') AS iso_week,
    coalesce(c.deployments, 0) AS deployments,
    coalesce(c.platform, 0) AS platform_deployments,
    CASE WHEN coalesce(c.deployments, 0) > 0 THEN c.platform / c.deployments END AS platform_share
FROM names n
CROSS JOIN weeks w
LEFT JOIN counted c ON c.scope = n.scope AND c.scope_name = n.scope_name AND c.week_start = w.week_start
ORDER BY n.scope, n.scope_name, w.week_start;
