-- Purpose: the failed deployments behind a failed deployment recovery time figure.
-- Grain: one row per failed production deployment deployed in [$start, $end) within the scope.
-- Inputs: failed_deployments (serving copy); $start, $end, $scope, $name.
SELECT
    deployment_key, service, team, deployed_at, incidents, first_incident_at, recovered_at,
    round(recovery_hours, 2) AS recovery_hours
FROM failed_deployments
WHERE deployed_at >= $start AND deployed_at < $end
  AND ($scope = 'organisation' OR ($scope = 'team' AND team = $name) OR ($scope = 'service' AND service = $name))
ORDER BY recovery_hours DESC NULLS FIRST, deployed_at
