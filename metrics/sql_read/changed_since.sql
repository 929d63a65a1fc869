-- Purpose: the earliest event time that raw rows fetched after the last metric computation can change: an
--          incremental recompute rebuilds the deployment and change rows from this time on.
-- Grain: one row, one column (changed_from TIMESTAMP, NULL when nothing was fetched since).
-- Inputs: the raw GitHub tables; $watermark (the latest fetched_at the last computation saw).
-- Rules: a deployment, run, release or tag changes deployments from its creation on; a pull request (or its
--        commits, reviews, files) changes its change from its merge on (an unmerged one is no change); a direct
--        push from its commit time; a comparison changes the deployments of its head commit. Incidents are not
--        here: the incident tables and failed deployments are rebuilt whole on every recompute.
WITH pulls AS (
    SELECT repository, number FROM raw_github_pull_requests WHERE fetched_at > $watermark
    UNION
    SELECT repository, number FROM raw_github_pull_request_commits WHERE fetched_at > $watermark
    UNION
    SELECT repository, number FROM raw_github_pull_request_reviews WHERE fetched_at > $watermark
    UNION
    SELECT repository, number FROM raw_github_pull_request_files WHERE fetched_at > $watermark
),
compared_heads AS (
    SELECT repository, head_sha FROM raw_github_compares WHERE fetched_at > $watermark
),
times AS (
    SELECT min(least(created_at, succeeded_at, failed_at)) AS t
    FROM raw_github_deployments WHERE fetched_at > $watermark
    UNION ALL
    SELECT min(least(created_at, run_started_at)) FROM raw_github_workflow_runs WHERE fetched_at > $watermark
    UNION ALL
    SELECT min(least(created_at, published_at)) FROM raw_github_releases WHERE fetched_at > $watermark
    UNION ALL
    SELECT min(committed_at) FROM raw_github_tags WHERE fetched_at > $watermark
    UNION ALL
    SELECT min(least(authored_at, committed_at)) FROM raw_github_commits WHERE fetched_at > $watermark
    UNION ALL
    SELECT min(p.merged_at)
    FROM raw_github_pull_requests p
    SEMI JOIN pulls USING (repository, number)
    UNION ALL
    SELECT min(least(a.started_at, a.finished_at))
    FROM deployment_attempts a
    SEMI JOIN compared_heads h ON h.repository = a.repository AND h.head_sha = a.sha
)
SELECT min(t) AS changed_from FROM times
