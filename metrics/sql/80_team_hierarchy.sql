-- Purpose: where every team sits: team -> department -> organisation, for roll-ups and filters.
-- Grain: one row per team that owns anything or appears in the delivery data (including 'unowned').
-- Inputs: raw_team_hierarchy (the catalog's Groups, else the `teams` section), team_ownership, deployments,
--         incidents, raw_catalog_services; $organisation.
-- Rules: a team's department is its nearest ancestor Group of a department type (catalog) or its configured
--        `department`; NULL when it sits directly under the organisation. A team that only appears in the data
--        (an owner no Group defines, or 'unowned') has known = false and no department.
CREATE OR REPLACE TABLE team_hierarchy AS
WITH named AS (
    SELECT team FROM raw_team_hierarchy
    UNION SELECT team FROM team_ownership
    UNION SELECT team FROM deployments
    UNION SELECT team FROM incidents
    UNION SELECT team FROM raw_catalog_services WHERE team IS NOT NULL
)
SELECT
    n.team,
    h.department,
    coalesce(h.organisation, $organisation) AS organisation,
    coalesce(h.display_name, n.team) AS display_name,
    h.group_type,
    coalesce(h.path, [n.team]) AS path,
    coalesce(h.known, false) AND n.team <> 'unowned' AS known,
    coalesce(h.source, 'data') AS source
FROM named n
LEFT JOIN raw_team_hierarchy h USING (team)
WHERE n.team IS NOT NULL
ORDER BY n.team;
