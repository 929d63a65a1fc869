-- Purpose: every successful production deployment, from every deployment source, in one shape; rollbacks
--          marked and each deployment chained to the previous one of its service and environment.
-- Grain: one row per successful production deployment (deployment_key is unique).
-- Inputs: deployment_attempts (the detected attempts, see 10_deployment_attempts.sql), raw_github_compares.
-- Rules: an attempt counts when it succeeded: a Deployments API deployment at its first `success` status, a
--        matching workflow run when it concluded `success` (at the time it finished), a published release, a
--        matching tag (at its commit time), a merge into a deploy-on-merge branch (at the merge). Failed and
--        pending attempts are in deployment_attempts only. previous_deployment_key is the previous successful
--        deployment of the same repository, service and environment. A rollback is a deployment of a commit
--        that an earlier deployment (not the previous one) already shipped, or one the compare API reports as
--        behind the previous deployment; rollback_of is the latest earlier deployment of that commit (NULL for
--        one marked only by the compare API).
--        Team as in deployment_attempts. deployment_seq numbers the deployments 1, 2, ... in the order of
--        (deployed_at, deployment_key), across every service: later readers find the first deployment of a change
--        as the smallest of these integers, seconds cheaper at scale than comparing (time, key) pairs
--        (benchmarks/README.md).
-- Incremental: rows deployed at or after $since are rebuilt (a full recompute passes the start of time); older
--        rows cannot change, as nothing a deployment's row depends on happens after it. The previous deployment
--        of a chain's first rebuilt row, and earlier deployments of the same commit, are read from the kept rows;
--        the rebuilt rows are numbered on from the last kept deployment_seq, as every kept row is earlier.
-- Keys and commit SHAs, unique to each row, are stored uncompressed: compressing them (DICT_FSST) about halves
-- their size but was most of the time spent writing them (benchmarks/README.md).
CREATE TABLE IF NOT EXISTS deployments (
    deployment_key          TEXT USING COMPRESSION uncompressed,
    source                  TEXT,
    repository              TEXT,
    service                 TEXT,
    team                    TEXT,
    environment             TEXT,
    sha                     TEXT USING COMPRESSION uncompressed,
    started_at              TIMESTAMP,
    deployed_at             TIMESTAMP,
    url                     TEXT,
    is_rollback             BOOLEAN,
    rollback_of             TEXT,
    previous_deployment_key TEXT USING COMPRESSION uncompressed,
    rule                    TEXT,
    actor                   TEXT,
    reusable_workflow       TEXT,
    deployment_seq          BIGINT
);

DELETE FROM deployments WHERE deployed_at >= $since;

INSERT INTO deployments
WITH fresh AS (
    SELECT *, finished_at AS deployed_at
    FROM deployment_attempts
    WHERE status = 'success' AND finished_at IS NOT NULL AND finished_at >= $since
),
kept AS (
    -- What is left of the table: every deployment before $since.
    SELECT deployment_key, repository, service, environment, deployed_at, sha, deployment_seq FROM deployments
),
chain_tail AS (
    -- The last kept deployment of each chain that has fresh ones: the previous deployment of its first fresh one.
    SELECT
        repository, service, environment,
        arg_max(deployment_key, deployment_seq) AS deployment_key,
        arg_max(sha, deployment_seq) AS sha,
        max(deployed_at) AS deployed_at
    FROM kept
    WHERE (repository, service, environment) IN (SELECT DISTINCT repository, service, environment FROM fresh)
    GROUP BY repository, service, environment
),
-- The window sorts only the columns it needs; the wide rows join back by key.
chain AS (
    SELECT
        deployment_key,
        is_fresh,
        lag(deployment_key) OVER w AS previous_deployment_key,
        lag(sha) OVER w AS previous_sha,
        -- Numbered here, on the narrow rows: a window over the wide ones cost a second and a half.
        (SELECT coalesce(max(deployment_seq), 0) FROM deployments)
            + row_number() OVER (PARTITION BY is_fresh ORDER BY deployed_at, deployment_key) AS deployment_seq
    FROM (
        SELECT deployment_key, repository, service, environment, deployed_at, sha, true AS is_fresh FROM fresh
        UNION ALL
        SELECT deployment_key, repository, service, environment, deployed_at, sha, false FROM chain_tail
    )
    WINDOW w AS (PARTITION BY repository, service, environment ORDER BY deployed_at, deployment_key)
),
chained AS (
    SELECT fresh.*, chain.previous_deployment_key, chain.previous_sha, chain.deployment_seq
    FROM fresh
    JOIN chain USING (deployment_key)
),
earlier AS (
    SELECT deployment_key, repository, service, environment, sha, deployment_seq FROM chained
    UNION ALL
    SELECT deployment_key, repository, service, environment, sha, deployment_seq FROM kept
),
-- Earlier and latest in deployment_seq order: (deployed_at, deployment_key), so that two deployments of the
-- commit in the same second give the same rollback_of in a full and an incremental rebuild.
redeployed AS (
    SELECT c.deployment_key, arg_max(e.deployment_key, e.deployment_seq) AS rollback_of
    FROM chained c
    JOIN earlier e
      ON e.repository = c.repository AND e.service = c.service AND e.environment = c.environment
     AND e.sha = c.sha
     AND e.deployment_seq < c.deployment_seq
    WHERE c.previous_sha IS NOT NULL AND c.sha <> c.previous_sha
    GROUP BY c.deployment_key
)
SELECT
    c.deployment_key,
    c.source,
    c.repository,
    c.service,
    c.team,
    c.environment,
    c.sha,
    c.started_at,
    c.deployed_at,
    c.url,
    -- IN, not a join: the planner then hashes the few `behind` comparisons, not the million deployments.
    (r.rollback_of IS NOT NULL
     OR coalesce((c.repository, c.previous_sha, c.sha) IN (
            SELECT (repository, base_sha, head_sha) FROM raw_github_compares WHERE status = 'behind'), false)
    ) AS is_rollback,
    r.rollback_of,
    c.previous_deployment_key,
    c.rule,
    c.actor,
    c.reusable_workflow,
    c.deployment_seq
FROM chained c
LEFT JOIN redeployed r USING (deployment_key);
