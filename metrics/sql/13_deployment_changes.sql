-- Purpose: which changes each successful production deployment shipped.
-- Grain: one row per deployment x change shipped (a change re-shipped after a rollback appears again).
-- Inputs: deployments, change_candidates (bots excluded), raw_github_compares,
--         raw_github_compare_commits.
-- Rules: a deployment ships the commits between the previous successful deployment of its service and
--        environment and itself (compare API, every page); a change is shipped when its commit (a pull request's
--        merge or squash commit, a direct push's own commit) is among them (matched_by 'compare'). A deployment
--        of the same commit as the previous one ships nothing. Where no comparison is available (the first
--        deployment of a chain, a commit that a force-push removed, a comparison not fetched yet) a deployment
--        ships the changes merged after the previous deployment started and no later than it started itself
--        (matched_by 'merge_time'). In a monorepo a change belongs to the services whose paths it touches; one
--        touching none belongs to the repository and ships with any of its services.
CREATE OR REPLACE TABLE deployment_changes AS
WITH chg AS (
    SELECT * FROM change_candidates WHERE NOT is_bot
),
d AS (
    SELECT
        cur.*,
        prev.sha AS previous_sha,
        coalesce(prev.started_at, prev.deployed_at) AS previous_started_at
    FROM deployments cur
    LEFT JOIN deployments prev ON prev.deployment_key = cur.previous_deployment_key
),
compared AS (
    SELECT d.deployment_key, c.base_sha, c.head_sha
    FROM d
    JOIN raw_github_compares c
      ON c.repository = d.repository AND c.base_sha = d.previous_sha AND c.head_sha = d.sha
    WHERE c.status <> 'missing'
),
exact AS (
    SELECT deployment_key FROM compared
    UNION
    SELECT deployment_key FROM d WHERE d.previous_sha = d.sha
),
by_compare AS (
    SELECT d.deployment_key, chg.change_key, chg.service AS change_service, 'compare' AS matched_by
    FROM compared
    JOIN d USING (deployment_key)
    JOIN raw_github_compare_commits cc
      ON cc.repository = d.repository AND cc.base_sha = compared.base_sha AND cc.head_sha = compared.head_sha
    JOIN chg
      ON chg.repository = d.repository AND chg.sha = cc.sha
     AND (chg.service = d.service OR chg.service = chg.repository)
),
by_time AS (
    SELECT d.deployment_key, chg.change_key, chg.service AS change_service, 'merge_time' AS matched_by
    FROM d
    JOIN chg
      ON chg.repository = d.repository
     AND (chg.service = d.service OR chg.service = chg.repository)
     AND chg.merged_at <= coalesce(d.started_at, d.deployed_at)
     AND (d.previous_started_at IS NULL OR chg.merged_at > d.previous_started_at)
    WHERE d.deployment_key NOT IN (SELECT deployment_key FROM exact)
),
shipped AS (
    SELECT * FROM by_compare
    UNION ALL
    SELECT * FROM by_time
)
SELECT
    s.deployment_key,
    d.repository,
    d.service,
    d.team,
    d.environment,
    d.deployed_at,
    s.change_key,
    s.change_service,
    chg.change_kind,
    chg.number,
    chg.sha,
    s.matched_by
FROM shipped s
JOIN d USING (deployment_key)
JOIN chg ON chg.change_key = s.change_key AND chg.service = s.change_service;
