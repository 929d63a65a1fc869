-- Purpose: the list of teams with what they own, for filters and empty states.
-- Grain: one row per team (including 'unowned' when anything maps to no team).
-- Inputs: team_ownership, deployments, incidents.
CREATE OR REPLACE TABLE teams AS
WITH names AS (
    SELECT team FROM team_ownership
    UNION SELECT team FROM deployments
    UNION SELECT team FROM incidents
)
SELECT
    n.team,
    count(o.key) FILTER (WHERE o.kind = 'repository') AS repositories,
    count(o.key) FILTER (WHERE o.kind = 'pagerduty_service') AS pagerduty_services
FROM names n
LEFT JOIN team_ownership o USING (team)
GROUP BY n.team
ORDER BY n.team;
