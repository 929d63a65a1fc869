-- Purpose: the deployments behind a deployment rework rate figure, each marked as unplanned rework or not.
-- Grain: one row per successful production deployment in [$start, $end) within the scope.
-- Inputs: deployment_outcomes (serving copy); $start, $end, $scope, $name.
SELECT deployment_key, service, team, deployed_at, is_rework, rework_reason, fixes_deployment_keys
FROM deployment_outcomes
WHERE deployed_at >= $start AND deployed_at < $end
  AND ($scope = 'organisation' OR ($scope = 'team' AND team = $name) OR ($scope = 'service' AND service = $name))
ORDER BY is_rework DESC, deployed_at
