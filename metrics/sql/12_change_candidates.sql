-- Purpose: every change the lead-time metrics may count, bots included and flagged, with its revert and
--          hotfix marks.
-- Grain: one row per change per service (change_key, service): a pull request merged into the production branch,
--        or a commit pushed straight to it. Outside monorepos the service is the repository.
-- Inputs: github_change_candidates (GitHub ingestion derives it from the raw pull request, review and commit
--         tables by the configured rules on every sync); raw_github_pull_requests,
--         raw_github_pull_request_commits, raw_github_pull_request_reviews with $production_branch and $bots only
--         when the rules never ran.
-- Rules: see docs/metrics.md, "Change lead time" and "Reverts, hotfixes and rollbacks". A warehouse on which
--        the GitHub sync never applied its rules ($rules_ran false: pulse_meta has no github_rules_applied_at)
--        falls back to the
--        built-in defaults on the raw pull requests: merged into $production_branch; a bot when GitHub says so
--        or its login is in $bots; first commit from its commit list; first review by someone else; reverts by
--        GitHub's title, branch and body conventions; hotfixes by the `hotfix` label or a hotfix/ branch.
-- Storage: a view over ingestion's table (copying three million wide rows on every recompute would only cost
--        time); default_rule_change_candidates holds the fallback rows (empty when the rules ran).
CREATE OR REPLACE TABLE default_rule_change_candidates AS
WITH pulls AS (
    SELECT * FROM raw_github_pull_requests
    WHERE NOT $rules_ran AND merged_at IS NOT NULL AND base_ref = $production_branch
),
listed AS (
    SELECT repository, number, count(*) AS commits, min(authored_at) AS first_authored
    FROM raw_github_pull_request_commits
    WHERE NOT $rules_ran
    GROUP BY repository, number
),
reviewed AS (
    SELECT r.repository, r.number, min(r.submitted_at) AS first_review_at
    FROM raw_github_pull_request_reviews r
    JOIN pulls p USING (repository, number)
    WHERE r.submitted_at IS NOT NULL AND upper(coalesce(r.state, '')) <> 'PENDING'
      AND lower(coalesce(r.reviewer, '')) <> lower(coalesce(p.author, ''))
      AND coalesce(r.reviewer_type, 'User') <> 'Bot'
      AND NOT list_contains($bots::TEXT[], lower(coalesce(r.reviewer, '')))
    GROUP BY r.repository, r.number
),
marked AS (
    SELECT
        p.*,
        coalesce(
            try_cast(regexp_extract(coalesce(p.head_ref, ''), '^revert-([0-9]+)-', 1) AS INTEGER),
            try_cast(regexp_extract(coalesce(p.body, ''), '(?i)\bReverts\s+(?:[\w.-]+/[\w.-]+)?#([0-9]+)', 1) AS INTEGER)
        ) AS reverted_number,
        regexp_matches(coalesce(p.title, ''), '^\s*Revert\s+"')
            OR regexp_matches(coalesce(p.head_ref, ''), '^revert-[0-9]+-')
            OR regexp_matches(coalesce(p.body, ''), '(?i)\bReverts\s+(?:[\w.-]+/[\w.-]+)?#[0-9]+') AS reverting
    FROM pulls p
)
SELECT
    'pr:' || m.repository || ':' || m.number AS change_key,
    m.repository,
    m.repository AS service,
    'pull_request' AS change_kind,
    m.number,
    m.merge_commit_sha AS sha,
    m.title,
    m.author,
    coalesce(m.author_type, 'User') = 'Bot' OR list_contains($bots::TEXT[], lower(coalesce(m.author, ''))) AS is_bot,
    coalesce(l.commits, 0) AS commits,
    coalesce(l.first_authored, m.created_at) AS first_commit_at,
    m.created_at,
    r.first_review_at,
    m.merged_at,
    m.reverting AS is_revert,
    m.reverted_number AS reverts_number,
    reverted.merge_commit_sha AS reverts_sha,
    list_contains(list_transform(coalesce(m.labels, []), lambda x: lower(x)), 'hotfix')
        OR coalesce(m.head_ref, '') LIKE 'hotfix/%' OR coalesce(m.head_ref, '') LIKE 'hotfix-%' AS is_hotfix,
    m.head_ref,
    m.html_url
FROM marked m
LEFT JOIN listed l USING (repository, number)
LEFT JOIN reviewed r USING (repository, number)
LEFT JOIN raw_github_pull_requests reverted
  ON reverted.repository = m.repository AND reverted.number = m.reverted_number;

CREATE OR REPLACE VIEW change_candidates AS
SELECT change_key, repository, service, change_kind, number, sha, title, author, is_bot, commits, first_commit_at,
       created_at, first_review_at, merged_at, is_revert, reverts_number, reverts_sha, is_hotfix, head_ref, html_url
FROM github_change_candidates
WHERE EXISTS (SELECT 1 FROM pulse_meta WHERE key = 'github_rules_applied_at')
UNION ALL
SELECT * FROM default_rule_change_candidates;
