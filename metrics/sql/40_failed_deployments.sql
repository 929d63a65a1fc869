-- Purpose: production deployments that failed (caused at least one incident) and when each recovered.
-- Grain: one row per failed production deployment.
-- Inputs: deployments, incidents.
-- Rules: recovered_at is when the last of its incidents resolved; NULL while any is unresolved.
--        Recovery hours = recovered_at - deployed_at (failed deployment recovery time).
--        Several incidents on one deployment make one failed deployment, never more.
CREATE OR REPLACE TABLE failed_deployments AS
SELECT
    d.deployment_key,
    d.repository,
    d.service,
    d.team,
    d.deployed_at,
    count(*) AS incidents,
    min(i.created_at) AS first_incident_at,
    CASE WHEN bool_and(i.resolved_at IS NOT NULL) THEN max(i.resolved_at) END AS recovered_at,
    CASE WHEN bool_and(i.resolved_at IS NOT NULL)
         THEN date_diff('second', d.deployed_at, max(i.resolved_at)) / 3600.0 END AS recovery_hours
FROM deployments d
JOIN incidents i ON i.deployment_key = d.deployment_key
GROUP BY d.deployment_key, d.repository, d.service, d.team, d.deployed_at;
