-- Purpose: the deployments behind a change fail rate figure, each marked failed or not, with the incidents
--          attributed to it and the rule that attributed each.
-- Grain: one row per successful production deployment in [$start, $end) within the scope.
-- Inputs: deployments, incidents (serving copy); $start, $end, $scope, $name.
SELECT
    d.deployment_key, d.service, d.team, d.deployed_at,
    count(i.incident_id) > 0 AS failed,
    string_agg(i.incident_id || ' (' || i.attributed_by || ')', ', ' ORDER BY i.created_at) AS incidents
FROM deployments d
LEFT JOIN incidents i ON i.deployment_key = d.deployment_key
WHERE d.deployed_at >= $start AND d.deployed_at < $end
  AND ($scope = 'organisation' OR ($scope = 'team' AND d.team = $name) OR ($scope = 'service' AND d.service = $name))
GROUP BY d.deployment_key, d.service, d.team, d.deployed_at
ORDER BY failed DESC, d.deployed_at
