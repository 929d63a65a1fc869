-- Purpose: the changes that reached production and how long each took, for change lead time and its breakdown.
-- Grain: one row per change per service: a pull request merged into the production branch, or a commit pushed
--        straight to it, by a person (bots excluded). Outside monorepos the service is the repository, so one
--        row per change.
-- Inputs: change_candidates, deployment_changes (its macro deployment_changes_since), team_ownership.
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
-- Incremental: rebuilt are the changes merged at or after $since, the ones not deployed yet, and the ones first
--        deployed at or after $since (a full recompute passes the start of time). A change first deployed before
--        $since keeps its row: its candidate row and its first deployment are older than anything new. A change
--        merged before $since has the same candidate row as at the last computation (anything fetched about a pull
--        request moves $since back to its merge), so the rebuilt ones among them take their change columns from
--        their own rows rather than from reading every candidate again.
-- Keys and commit SHAs, unique to each row, are stored uncompressed: compressing them (DICT_FSST) about halves
-- their size but was most of the time spent writing them (benchmarks/README.md).
CREATE TABLE IF NOT EXISTS changes (
    repository              TEXT,
    service                 TEXT,
    team                    TEXT,
    number                  INTEGER,
    sha                     TEXT USING COMPRESSION uncompressed,
    title                   TEXT,
    author                  TEXT,
    commits                 BIGINT,
    first_commit_at         TIMESTAMP,
    created_at              TIMESTAMP,
    first_review_at         TIMESTAMP,
    merged_at               TIMESTAMP,
    deployment_key          TEXT USING COMPRESSION uncompressed,
    deployed_at             TIMESTAMP,
    lead_time_hours         DOUBLE,
    coding_hours            DOUBLE,
    pickup_hours            DOUBLE,
    review_hours            DOUBLE,
    merge_to_deploy_hours   DOUBLE,
    is_revert               BOOLEAN,
    reverts_number          INTEGER,
    reverts_sha             TEXT,
    is_hotfix               BOOLEAN,
    change_kind             TEXT,
    change_key              TEXT USING COMPRESSION uncompressed,
    merge_commit_sha        TEXT USING COMPRESSION uncompressed,
    head_ref                TEXT,
    html_url                TEXT
);

-- Older changes whose deployment may be new: not deployed yet, or first deployed at or after $since.
CREATE OR REPLACE TEMP TABLE changes_reshipped AS
SELECT * FROM changes
WHERE merged_at < $since AND (deployed_at IS NULL OR deployed_at >= $since);

DELETE FROM changes WHERE deployed_at IS NULL OR deployed_at >= $since OR merged_at >= $since;

INSERT INTO changes
WITH chg AS (
    SELECT change_key, repository, service, change_kind, number, sha, title, author, commits, first_commit_at,
           created_at, CASE WHEN first_review_at <= merged_at THEN first_review_at END AS first_review_at,
           merged_at, is_revert, reverts_number, reverts_sha, is_hotfix, head_ref, html_url
    FROM change_candidates
    WHERE coalesce(merged_at >= $since, true) AND NOT is_bot
    UNION ALL
    SELECT change_key, repository, service, change_kind, number, sha, title, author, commits, first_commit_at,
           created_at, first_review_at, merged_at, is_revert, reverts_number, reverts_sha, is_hotfix, head_ref,
           html_url
    FROM changes_reshipped
),
-- An aggregate rather than a window: no sort of five million rows is needed to find each change's first. The
-- smallest deployment_seq is the earliest (deployed_at, deployment_key); taking the pair itself with arg_min
-- kept a copy of a key string per change and cost seconds more.
first_deployment AS (
    SELECT f.change_key, f.change_service, d.deployment_key, d.deployed_at
    FROM (
        SELECT change_key, change_service, min(deployment_seq) AS deployment_seq
        -- Everything that ships a rebuilt change was deployed at or after $since.
        FROM deployment_changes_since($since)
        GROUP BY change_key, change_service
    ) f
    JOIN deployments d ON d.deployment_seq = f.deployment_seq AND d.deployed_at >= $since
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
LEFT JOIN first_deployment f ON f.change_key = c.change_key AND f.change_service = c.service
LEFT JOIN team_ownership by_service ON by_service.kind = 'repository' AND by_service.key = c.service
LEFT JOIN team_ownership by_repository ON by_repository.kind = 'repository' AND by_repository.key = c.repository;

DROP TABLE changes_reshipped;
