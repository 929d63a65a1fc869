-- Purpose: the deployments behind a deployment frequency figure.
-- Grain: one row per successful production deployment in [$start, $end) within the scope.
-- Inputs: deployments (serving copy); $start, $end, $scope, $name.
SELECT deployment_key, service, team, environment, source, sha, started_at, deployed_at, url
FROM deployments
WHERE deployed_at >= $start AND deployed_at < $end
  AND ($scope = 'organisation' OR ($scope = 'team' AND team = $name) OR ($scope = 'service' AND service = $name))
ORDER BY deployed_at, deployment_key
