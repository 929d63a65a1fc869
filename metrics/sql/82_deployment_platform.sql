-- Purpose: which production deployments went through the platform's deploy pipeline.
-- Grain: one row per successful production deployment (deployment_key is unique).
-- Inputs: deployments, raw_github_workflow_runs, raw_catalog_workflow_calls, raw_adoption_settings,
--         catalog_services.
-- Rules: the first of these that has an answer decides (decided_by says which):
--        1. the boolean column of `deployments` named by catalog.platform.deployments_column (default
--           via_platform), when ingestion provides it and it is set for the row;
--        2. the reusable workflows the deployment's workflow run called (the run's referenced_workflows, else
--           deployments.reusable_workflow): through the platform when one of them is a deploy workflow
--           (catalog.platform.deploy_workflows) of the platform repository (catalog.platform.repository);
--        3. the run's workflow file as read today calls such a deploy workflow, and the run started after the
--           file was first seen to (a file whose history the source does not know counts for every run).
--        Anything else did not. `service` is the catalog service of the deployment (its DORA service when none).
--        The settings' column is read through the row's JSON, so a missing one is NULL; so is a missing
--        reusable_workflow.
-- Incremental: the deployments deployed at or after $since are rebuilt (a full recompute passes the start of
--        time); the catalog and settings that decide older rows are part of the recompute's fingerprint, so a change
--        to them rebuilds everything.
-- Keys and commit SHAs, unique to each row, are stored uncompressed: compressing them (DICT_FSST) about halves
-- their size but was most of the time spent writing them (benchmarks/README.md).
CREATE TABLE IF NOT EXISTS deployment_platform (
    deployment_key  TEXT USING COMPRESSION uncompressed,
    source          TEXT,
    repository      TEXT,
    dora_service    TEXT,
    service         TEXT,
    team            TEXT,
    deployed_at     TIMESTAMP,
    via_platform    BOOLEAN,
    decided_by      TEXT
);

DELETE FROM deployment_platform WHERE deployed_at >= $since;

INSERT INTO deployment_platform
WITH settings AS (
    SELECT
        max(value) FILTER (WHERE key = 'deployments_column') AS deployments_column,
        lower(max(value) FILTER (WHERE key = 'platform_repository')) || '/.github/workflows/' AS platform_prefix,
        list_transform(
            coalesce(from_json(max(value) FILTER (WHERE key = 'deploy_workflows'), '["VARCHAR"]'), []),
            lambda w: lower(w)
        ) AS deploy_workflows
    FROM raw_adoption_settings
),
deploy_files AS (
    SELECT
        repository,
        workflow_path,
        CASE WHEN bool_or(first_seen_at IS NULL) THEN NULL ELSE min(first_seen_at) END AS since
    FROM raw_catalog_workflow_calls
    WHERE is_deploy
    GROUP BY repository, workflow_path
),
-- Whether deployments has the column the settings name (ingestion may add it; deployments_column).
named_column AS (
    SELECT count(*) > 0 AS present
    FROM duckdb_columns()
    WHERE schema_name = 'main' AND table_name = 'deployments'
      AND column_name = (SELECT deployments_column FROM settings)
),
-- A row is turned into JSON (to read that column whatever its name) only when the column exists: for a million
-- deployments that costs half a second. reusable_workflow is NULL where the table lacks it.
deps AS (
    SELECT d.*, CASE WHEN (SELECT present FROM named_column) THEN to_json(d) END AS row_json
    FROM (SELECT * FROM deployments UNION ALL BY NAME SELECT NULL::TEXT AS reusable_workflow WHERE false) d
    WHERE d.deployed_at >= $since
),
runs AS (
    SELECT repository, run_id, workflow_path, referenced_workflows AS referenced
    FROM raw_github_workflow_runs
    WHERE (repository, run_id) IN (
        SELECT repository, TRY_CAST(split_part(deployment_key, ':', 3) AS BIGINT)
        FROM deps WHERE source = 'workflow_run'
    )
),
service_of AS (
    SELECT dora_service, min(service) AS service FROM catalog_services GROUP BY dora_service
),
evidence AS (
    SELECT
        d.deployment_key,
        d.source,
        d.repository,
        d.service AS dora_service,
        coalesce(m.service, d.service) AS service,
        d.team,
        d.started_at,
        d.deployed_at,
        s.deployments_column,
        CASE WHEN s.deployments_column IS NOT NULL
             THEN TRY_CAST(json_extract_string(d.row_json, '$.' || s.deployments_column) AS BOOLEAN) END
            AS column_says,
        -- A run's own list of called workflows; else the one ingestion kept on the deployment.
        coalesce(r.referenced, CASE WHEN d.reusable_workflow IS NOT NULL THEN [d.reusable_workflow] END) AS called,
        s.platform_prefix,
        s.deploy_workflows,
        CASE WHEN f.repository IS NOT NULL
             THEN f.since IS NULL OR coalesce(d.started_at, d.deployed_at) >= f.since END AS file_says
    FROM deps d
    CROSS JOIN settings s
    -- Workflow-run deployment keys are workflow_run:<repository>:<run id>[:<service>].
    LEFT JOIN runs r
      ON d.source = 'workflow_run'
     AND r.repository = d.repository
     AND r.run_id = TRY_CAST(split_part(d.deployment_key, ':', 3) AS BIGINT)
    LEFT JOIN deploy_files f ON f.repository = r.repository AND f.workflow_path = r.workflow_path
    LEFT JOIN service_of m ON m.dora_service = d.service
),
decided AS (
    SELECT
        *,
        CASE WHEN called IS NOT NULL AND platform_prefix IS NOT NULL
             THEN coalesce(list_bool_or(list_transform(called, lambda c:
                      starts_with(lower(c), platform_prefix)
                      AND list_contains(deploy_workflows, lower(regexp_extract(c, '/([^/@]+)@', 1))))), false)
        END AS calls_say
    FROM evidence
)
SELECT
    deployment_key,
    source,
    repository,
    dora_service,
    service,
    team,
    deployed_at,
    coalesce(column_says, calls_say, file_says, false) AS via_platform,
    CASE WHEN column_says IS NOT NULL THEN 'deployments.' || deployments_column
         WHEN calls_say IS NOT NULL THEN 'called workflows'
         WHEN file_says IS NOT NULL THEN 'workflow file'
         ELSE 'no evidence' END AS decided_by
FROM decided;
