-- Purpose: the changes behind a change lead time figure.
-- Grain: one row per change that reached production in [$start, $end) within the scope.
-- Inputs: changes (serving copy); $start, $end (TIMESTAMP, UTC), $scope ('service'|'team'|'organisation'), $name.
SELECT
    repository, number, title, author, commits,
    first_commit_at, created_at, merged_at, deployed_at, deployment_key,
    round(lead_time_hours, 2) AS lead_time_hours
FROM changes
WHERE deployed_at >= $start AND deployed_at < $end
  AND ($scope = 'organisation' OR ($scope = 'team' AND team = $name) OR ($scope = 'service' AND service = $name))
ORDER BY lead_time_hours DESC, repository, number
