-- Purpose: the changes that reached production and how long each took, for change lead time and its breakdown.
-- Grain: one row per change per service: a pull request merged into the production branch, or a commit pushed
--        straight to it, by a person (bots excluded). Outside monorepos the service is the repository, so one
--        row per change.
-- Inputs: change_candidates, deployment_changes, team_ownership.
-- Rules: a change starts at its first commit: for a pull request the earliest authored commit in its commit
--        list (falls back to its creation when the list is empty), so squash and rebase merges keep their true
--        start; for a direct push its authored time. It reaches production with the first successful production
--        deployment that shipped it (deployment_changes). Lead time = deployed_at - first_commit_at, in hours,
--        once per change. Breakdown (hours): coding = first commit -> created, pickup = created -> first review
--        (by someone other than the author, bots excluded), review = first review -> merged, merge_to_deploy =
--        merged -> deployed. A direct push has no review: created and merged are its commit time. A review
--        submitted only after the merge is no review (no pickup or review time, rather than a negative review
--        time). Reverts (GitHub's `Revert "..."` title, a `revert-<N>-` branch, a `Reverts owner/repo#N` body,
--        git's "This reverts commit") and hotfixes (github.hotfix_labels / github.hotfix_branches) are marked.
--        Changes not deployed yet keep NULL deployment columns and do not count in lead time.
CREATE OR REPLACE TABLE changes AS
WITH chg AS (
    SELECT
        * REPLACE (CASE WHEN first_review_at <= merged_at THEN first_review_at END AS first_review_at)
    FROM change_candidates
    WHERE NOT is_bot
),
first_deployment AS (
    SELECT
        change_key,
        change_service,
        deployment_key,
        deployed_at,
        row_number() OVER (PARTITION BY change_key, change_service ORDER BY deployed_at, deployment_key) AS rn
    FROM deployment_changes
)
SELECT
    c.repository,
    c.service,
    coalesce(by_service.team, by_repository.team, 'unowned') AS team,
    c.number,
    c.sha,
    c.title,
    c.author,
    c.commits,
    c.first_commit_at,
    c.created_at,
    c.first_review_at,
    c.merged_at,
    f.deployment_key,
    f.deployed_at,
    date_diff('second', c.first_commit_at, f.deployed_at) / 3600.0 AS lead_time_hours,
    date_diff('second', c.first_commit_at, c.created_at) / 3600.0 AS coding_hours,
    date_diff('second', c.created_at, c.first_review_at) / 3600.0 AS pickup_hours,
    date_diff('second', c.first_review_at, c.merged_at) / 3600.0 AS review_hours,
    date_diff('second', c.merged_at, f.deployed_at) / 3600.0 AS merge_to_deploy_hours,
    c.is_revert,
    c.reverts_number,
    c.reverts_sha,
    c.is_hotfix,
    c.change_kind,
    c.change_key,
    c.sha AS merge_commit_sha,
    c.head_ref,
    c.html_url
FROM chg c
LEFT JOIN first_deployment f ON f.change_key = c.change_key AND f.change_service = c.service AND f.rn = 1
LEFT JOIN team_ownership by_service ON by_service.kind = 'repository' AND by_service.key = c.service
LEFT JOIN team_ownership by_repository ON by_repository.kind = 'repository' AND by_repository.key = c.repository;
