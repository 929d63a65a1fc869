-- Purpose: every successful production deployment, from either deployment style, in one shape.
-- Grain: one row per successful production deployment (deployment_key is unique).
-- Inputs: raw_github_deployments (already limited to production environments at ingestion),
--         raw_github_workflow_runs (deploy workflows only), team_ownership; $production_branch.
-- Rules: a Deployments API deployment counts at its first `success` status; a workflow run counts when it
--        concluded `success` on the production branch, at the time the run finished (updated_at).
--        Failed or cancelled attempts never reached production and are not deployments.
CREATE OR REPLACE TABLE deployments AS
WITH api AS (
    SELECT
        'deployment:' || repository || ':' || deployment_id AS deployment_key,
        'deployments_api' AS source,
        repository,
        environment,
        sha,
        created_at AS started_at,
        succeeded_at AS deployed_at,
        url
    FROM raw_github_deployments
    WHERE succeeded_at IS NOT NULL
),
runs AS (
    SELECT
        'workflow_run:' || repository || ':' || run_id AS deployment_key,
        'workflow_run' AS source,
        repository,
        'production' AS environment,
        head_sha AS sha,
        coalesce(run_started_at, created_at) AS started_at,
        updated_at AS deployed_at,
        html_url AS url
    FROM raw_github_workflow_runs
    WHERE conclusion = 'success' AND head_branch = $production_branch
),
unioned AS (
    SELECT * FROM api
    UNION ALL
    SELECT * FROM runs
)
SELECT
    u.deployment_key,
    u.source,
    u.repository,
    u.repository AS service,
    coalesce(o.team, 'unowned') AS team,
    u.environment,
    u.sha,
    u.started_at,
    u.deployed_at,
    u.url
FROM unioned u
LEFT JOIN team_ownership o ON o.kind = 'repository' AND o.key = u.repository;
