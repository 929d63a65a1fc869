-- Purpose: each call of a platform reusable workflow and whether its pin is older than the current version.
-- Grain: one row per `uses:` of a platform workflow in a repository's workflow file (repository, file, line).
-- Inputs: raw_catalog_workflow_calls, catalog_services.
-- Rules: pin is 'current' (at the configured current version or newer; a major-only pin such as @v3 floats with
--        its major), 'outdated', 'branch' or 'sha' (not comparable), or 'not checked' (no current version set).
CREATE OR REPLACE TABLE platform_workflow_pins AS
SELECT
    w.repository,
    coalesce(o.team, 'unowned') AS team,
    w.workflow_path,
    w.line,
    w.target_repository,
    w.target_workflow,
    w.ref,
    w.pin,
    w.is_deploy
FROM raw_catalog_workflow_calls w
LEFT JOIN (
    SELECT repository, min(team) AS team FROM catalog_services WHERE repository IS NOT NULL GROUP BY repository
) o ON o.repository = w.repository
WHERE w.is_platform
ORDER BY w.repository, w.workflow_path, w.line;
