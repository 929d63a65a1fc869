-- Purpose: the changes that reached production and how long each took, for change lead time.
-- Grain: one row per pull request merged into the production branch by a person (bots excluded).
-- Inputs: raw_github_pull_requests, raw_github_pull_request_commits, deployments; $production_branch, $bots.
-- Rules: a change starts at the earliest authored commit in its pull request's commit list (falls back to
--        the pull request's creation when the list is empty), so squash and rebase merges keep their true
--        start. It is shipped by the first successful production deployment of the same repository at or
--        after its merge. Lead time = deployed_at - first_commit_at, in hours. Changes not yet deployed keep
--        NULL deployment columns and do not count in lead time.
CREATE OR REPLACE TABLE changes AS
WITH first_commit AS (
    SELECT repository, number, min(authored_at) AS first_commit_at, count(*) AS commits
    FROM raw_github_pull_request_commits
    GROUP BY repository, number
),
prs AS (
    SELECT
        p.repository,
        p.number,
        p.title,
        p.author,
        p.created_at,
        p.merged_at,
        p.merge_commit_sha,
        p.html_url,
        coalesce(f.first_commit_at, p.created_at) AS first_commit_at,
        coalesce(f.commits, 0) AS commits
    FROM raw_github_pull_requests p
    LEFT JOIN first_commit f USING (repository, number)
    WHERE p.merged_at IS NOT NULL
      AND p.base_ref = $production_branch
      AND coalesce(p.author_type, 'User') <> 'Bot'
      AND NOT list_contains($bots::TEXT[], lower(coalesce(p.author, '')))
),
shipped AS (
    SELECT
        prs.*,
        d.deployment_key,
        d.deployed_at,
        row_number() OVER (PARTITION BY prs.repository, prs.number ORDER BY d.deployed_at, d.deployment_key) AS rn
    FROM prs
    LEFT JOIN deployments d ON d.repository = prs.repository AND d.deployed_at >= prs.merged_at
)
SELECT
    s.repository,
    s.repository AS service,
    coalesce(o.team, 'unowned') AS team,
    s.number,
    s.title,
    s.author,
    s.commits,
    s.first_commit_at,
    s.created_at,
    s.merged_at,
    s.merge_commit_sha,
    s.html_url,
    s.deployment_key,
    s.deployed_at,
    date_diff('second', s.first_commit_at, s.deployed_at) / 3600.0 AS lead_time_hours
FROM shipped s
LEFT JOIN team_ownership o ON o.kind = 'repository' AND o.key = s.repository
WHERE s.rn = 1;
