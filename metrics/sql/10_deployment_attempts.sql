-- Purpose: every production deployment attempt, successful, failed or pending, from every deployment source.
-- Grain: one row per production deployment attempt (deployment_key is unique; the successful ones are the
--        rows of `deployments` with the same key).
-- Inputs: github_deployment_attempts (GitHub ingestion applies the configured deployment rules to the raw
--         Deployments API, Actions run, release, tag and pull-request tables on every sync), team_ownership;
--         raw_github_deployments and raw_github_workflow_runs with $production_branch only when the rules never ran.
-- Rules: status 'success' | 'failure' (a failure or error status; a run that concluded failure, timed out or
--        could not start) | 'other' (pending, in progress, cancelled, skipped). finished_at is when it succeeded
--        or failed, NULL otherwise. Team: the team owning the service, else the repository, else 'unowned'.
--        A warehouse on which the GitHub sync never applied its rules ($rules_ran false: pulse_meta has no
--        github_rules_applied_at; raw rows written by other means, such as tests) falls back to the built-in
--        defaults on the raw tables: every stored Deployments API deployment, and runs on $production_branch.
-- Storage: a view. The attempts are ingestion's table joined to ownership, so copying a million wide rows on
--        every recompute would only cost time; default_rule_deployment_attempts holds the fallback rows (empty
--        when the rules ran).
CREATE OR REPLACE TABLE default_rule_deployment_attempts AS
SELECT
    'deployment:' || repository || ':' || deployment_id AS deployment_key,
    'deployments_api' AS source,
    'environment:' || coalesce(environment, '') AS rule,
    repository,
    repository AS service,
    coalesce(environment, 'production') AS environment,
    environment AS github_environment,
    CASE WHEN succeeded_at IS NOT NULL THEN 'success'
         WHEN latest_state IN ('failure', 'error') THEN 'failure'
         ELSE 'other' END AS status,
    sha,
    created_at AS started_at,
    CASE WHEN succeeded_at IS NOT NULL THEN succeeded_at
         WHEN latest_state IN ('failure', 'error') THEN coalesce(failed_at, latest_state_at) END AS finished_at,
    url,
    creator AS actor,
    NULL AS reusable_workflow
FROM raw_github_deployments
WHERE NOT $rules_ran
UNION ALL
SELECT
    'workflow_run:' || repository || ':' || run_id,
    'workflow_run',
    'workflow:' || coalesce(workflow_path, workflow_name, ''),
    repository,
    repository,
    'production',
    NULL,
    CASE WHEN conclusion = 'success' THEN 'success'
         WHEN conclusion IN ('failure', 'timed_out', 'startup_failure') THEN 'failure'
         ELSE 'other' END,
    head_sha,
    coalesce(run_started_at, created_at),
    CASE WHEN conclusion IS NOT NULL THEN updated_at END,
    html_url,
    actor,
    referenced_workflows[1]
FROM raw_github_workflow_runs
WHERE NOT $rules_ran AND head_branch = $production_branch;

CREATE OR REPLACE VIEW deployment_attempts AS
WITH attempts AS (
    SELECT deployment_key, source, rule, repository, service, environment, github_environment, status, sha,
           started_at, finished_at, url, actor, reusable_workflow
    FROM github_deployment_attempts
    WHERE EXISTS (SELECT 1 FROM pulse_meta WHERE key = 'github_rules_applied_at')
    UNION ALL
    SELECT * FROM default_rule_deployment_attempts
)
SELECT
    a.deployment_key,
    a.source,
    a.repository,
    a.service,
    coalesce(by_service.team, by_repository.team, 'unowned') AS team,
    a.environment,
    a.status,
    a.started_at,
    a.finished_at,
    a.sha,
    a.url,
    a.rule,
    a.github_environment,
    a.actor,
    a.reusable_workflow
FROM attempts a
LEFT JOIN team_ownership by_service ON by_service.kind = 'repository' AND by_service.key = a.service
LEFT JOIN team_ownership by_repository ON by_repository.kind = 'repository' AND by_repository.key = a.repository;
