-- Purpose: production deployments that failed, why, and when each recovered.
-- Grain: one row per failed production deployment (several incidents or signals on one deployment make one row).
-- Inputs: deployment_outcomes.
-- Rules: see deployment_outcomes: a deployment failed when it caused an incident, was reverted, rolled back, or
--        fixed by a hotfix (failure_reasons). recovered_at is NULL until it has recovered; recovery_hours =
--        recovered_at - deployed_at (failed deployment recovery time). Change fail rate = rows here ÷ deployments.
CREATE OR REPLACE TABLE failed_deployments AS
SELECT
    deployment_key,
    repository,
    service,
    team,
    deployed_at,
    incidents,
    first_incident_at,
    recovered_at,
    recovery_hours,
    failure_reasons
FROM deployment_outcomes
WHERE failed;
