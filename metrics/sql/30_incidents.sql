-- Purpose: incidents with their owning service and team, attributed to the deployment that caused them.
-- Grain: one row per incident (PagerDuty).
-- Inputs: raw_pagerduty_incidents, team_ownership, deployments; $window_hours.
-- Rules: an incident's service is the repository its PagerDuty service maps to (kind 'pagerduty_service'
--        rows whose key is the PagerDuty service id); its team is that repository's team, else the team
--        that lists the PagerDuty service, else 'unowned'. It is attributed to the last successful production
--        deployment of the same service that finished at or before the incident started and no more than
--        $window_hours earlier; otherwise it stays unattributed (deployment_key NULL) and still counts as an
--        incident. Restore hours = resolved_at - created_at (classic time to restore).
CREATE OR REPLACE TABLE incidents AS
WITH mapped AS (
    SELECT
        i.*,
        svc.repository AS service,
        coalesce(repo_owner.team, svc.team, 'unowned') AS team
    FROM raw_pagerduty_incidents i
    LEFT JOIN (
        SELECT key AS service_id, team, nullif(repository, '') AS repository
        FROM team_ownership WHERE kind = 'pagerduty_service'
    ) svc ON svc.service_id = i.service_id
    LEFT JOIN team_ownership repo_owner ON repo_owner.kind = 'repository' AND repo_owner.key = svc.repository
),
candidates AS (
    SELECT
        m.incident_id,
        d.deployment_key,
        d.deployed_at,
        row_number() OVER (PARTITION BY m.incident_id ORDER BY d.deployed_at DESC, d.deployment_key DESC) AS rn
    FROM mapped m
    JOIN deployments d
      ON d.service = m.service
     AND d.deployed_at <= m.created_at
     AND d.deployed_at >= m.created_at - to_hours(CAST($window_hours AS BIGINT))
)
SELECT
    m.incident_id,
    m.incident_number,
    m.title,
    m.status,
    m.urgency,
    m.service_id AS pagerduty_service_id,
    m.service,
    m.team,
    m.created_at,
    m.resolved_at,
    date_diff('second', m.created_at, m.resolved_at) / 3600.0 AS restore_hours,
    c.deployment_key,
    CASE WHEN c.deployment_key IS NOT NULL THEN 'last_deployment_in_window' END AS attributed_by,
    m.html_url
FROM mapped m
LEFT JOIN candidates c ON c.incident_id = m.incident_id AND c.rn = 1;
