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
-- Columns: deployment_seq is the deployment's number in the order of all deployments (see 11_deployments.sql).
-- Storage: a view over the table macro deployment_changes_since(since), which gives the rows of the deployments
--        from `since` on. Its one reader, 20_changes.sql, needs only each change's first deployment, and in an
--        incremental rebuild only the deployments from its $since on. The macro applies `since` before its joins;
--        a filter on the view would be applied after them. Writing five million rows of string keys on every
--        recompute cost seconds and bought nothing.
CREATE OR REPLACE MACRO deployment_changes_since(since) AS TABLE
WITH chg AS (
    SELECT change_key, repository, service, change_kind, number, sha, merged_at
    FROM change_candidates
    WHERE NOT is_bot
),
d AS (
    SELECT
        cur.deployment_key, cur.deployment_seq, cur.repository, cur.service, cur.sha, cur.deployed_at,
        coalesce(cur.started_at, cur.deployed_at) AS started,
        prev.sha AS previous_sha,
        coalesce(prev.started_at, prev.deployed_at) AS previous_started_at
    FROM deployments cur
    LEFT JOIN deployments prev ON prev.deployment_key = cur.previous_deployment_key
    WHERE cur.deployed_at >= since
),
compared AS MATERIALIZED (
    SELECT d.*, c.base_sha, c.head_sha
    FROM d
    JOIN raw_github_compares c
      ON c.repository = d.repository AND c.base_sha = d.previous_sha AND c.head_sha = d.sha
    WHERE c.status <> 'missing'
),
-- Materialized on its own so that the join builds its hash table on the deployments, not on the five million
-- commits (the planner guessed the other way round, which cost seconds and gigabytes).
compared_commits AS MATERIALIZED (
    SELECT cm.deployment_key, cm.deployment_seq, cm.repository, cm.service, cm.deployed_at, cc.sha
    FROM compared cm
    JOIN raw_github_compare_commits cc
      ON cc.repository = cm.repository AND cc.base_sha = cm.base_sha AND cc.head_sha = cm.head_sha
),
by_compare AS (
    SELECT s.deployment_key, s.deployment_seq, s.deployed_at, chg.change_key, chg.service AS change_service,
           chg.change_kind, chg.number, 'compare' AS matched_by
    FROM compared_commits s
    JOIN chg ON chg.repository = s.repository AND chg.sha = s.sha
    WHERE chg.service = s.service OR chg.service = chg.repository
),
-- The merge-time fallback runs only for the few deployments without a comparison: filtering first keeps the
-- range join small.
uncompared AS MATERIALIZED (
    SELECT * FROM d
    WHERE NOT coalesce(d.previous_sha = d.sha, false)
      AND d.deployment_key NOT IN (SELECT deployment_key FROM compared)
),
by_time AS (
    SELECT u.deployment_key, u.deployment_seq, u.deployed_at, chg.change_key, chg.service AS change_service,
           chg.change_kind, chg.number, 'merge_time' AS matched_by
    FROM uncompared u
    JOIN chg
      ON chg.repository = u.repository
     AND (chg.service = u.service OR chg.service = chg.repository)
     AND chg.merged_at <= u.started
     AND (u.previous_started_at IS NULL OR chg.merged_at > u.previous_started_at)
)
SELECT deployment_key, deployment_seq, deployed_at, change_key, change_service, change_kind, number,
       matched_by
FROM by_compare
UNION ALL
SELECT deployment_key, deployment_seq, deployed_at, change_key, change_service, change_kind, number,
       matched_by
FROM by_time;

CREATE OR REPLACE VIEW deployment_changes AS
SELECT * FROM deployment_changes_since(TIMESTAMP '0001-01-01 00:00:00');
