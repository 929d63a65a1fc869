-- Purpose: incidents from every source with their service and team, attributed to the deployment that caused them,
--          with the rule that made each attribution.
-- Grain: one row per incident (PagerDuty incident or GitHub incident issue). Units: hours.
-- Inputs: incident_reports, incident_fixes, deployments, changes, raw_github_pull_requests (bodies);
--         $window_hours (0 = no window).
-- Rules: a deployment can only cause an incident that starts at or after it finished. Rules, first that applies:
--          1 incident_names_deployment    the incident names a deployment (its URL, or its deployment/run id)
--          2 incident_names_commit        ... names a commit SHA a deployment shipped (same service when known)
--          3 incident_names_pull_request  ... names a pull request a deployment shipped
--          4 fix_reverts_change           the deployment that fixed it ships a revert of a change; that change's deployment
--          5 fix_names_deployment         a fixing change's title or body links a deployment
--          6 fix_names_commit             ... names a commit SHA
--          7 fix_names_pull_request       ... names a pull request
--          8 fix_rolls_back               the fix was a rollback: the last deployment it undid that finished before the
--                                         incident started
--          9 last_deployment_in_window    the last successful production deployment of the same service (repository for
--                                         GitHub issues) at or before the incident started, at most $window_hours earlier
--        Within a rule the latest qualifying deployment wins. Otherwise the incident stays unattributed
--        (deployment_key NULL, attributed_by 'unattributed') and still counts; unattributed_reason says why:
--        'no_service' (its PagerDuty service maps to no service), 'no_earlier_deployment', or 'outside_window'.
--        last_deployment_key / hours_after_last_deployment show the nearest earlier deployment whatever the window.
--        restore_hours = resolved_at - created_at (classic time to restore, kept apart from recovery time).
-- Incremental: rebuilt are the incidents whose report changed (changed_incident_reports, filled by the runner),
--        that started at or after $since (a deployment or change from $since on can only be behind those), and
--        whose fix is new or gone (incident_fixes, or the kept row, with a fix from $since on); a full recompute
--        passes the start of time. Every other incident keeps its row.
CREATE TABLE IF NOT EXISTS incidents (
    incident_id                 TEXT,
    source                      TEXT,
    incident_number             BIGINT,
    title                       TEXT,
    status                      TEXT,
    urgency                     TEXT,
    priority                    TEXT,
    pagerduty_service_id        TEXT,
    service                     TEXT,
    repository                  TEXT,
    team                        TEXT,
    created_at                  TIMESTAMP,
    acknowledged_at             TIMESTAMP,
    resolved_at                 TIMESTAMP,
    restore_hours               DOUBLE,
    deployment_key              TEXT,
    attributed_by               TEXT,
    unattributed_reason         TEXT,
    last_deployment_key         TEXT,
    hours_after_last_deployment DOUBLE,
    fix_deployment_key          TEXT,
    fixed_at                    TIMESTAMP,
    fix_kind                    TEXT,
    html_url                    TEXT
);

CREATE OR REPLACE TEMP TABLE incidents_rebuilt AS
WITH
-- The incidents rebuilt.
rebuilt_ids AS (
    SELECT incident_id FROM changed_incident_reports
    UNION SELECT incident_id FROM incident_reports WHERE created_at >= $since
    UNION SELECT incident_id FROM incident_fixes WHERE fixed_at >= $since
    UNION SELECT incident_id FROM incidents WHERE fixed_at >= $since
),
reports AS MATERIALIZED (
    SELECT * FROM incident_reports SEMI JOIN rebuilt_ids USING (incident_id)
),
-- Inlined where used, so that each use reads only its columns and rows.
dep AS NOT MATERIALIZED (SELECT * FROM pulse_deployments()),
chg AS NOT MATERIALIZED (SELECT * FROM pulse_changes()),
used_keys AS (
    SELECT DISTINCT match_key FROM reports WHERE match_key IS NOT NULL
),
keyed AS (
    -- Deployments under the keys incidents use: by service for PagerDuty, by repository for GitHub issues.
    SELECT k.match_key, d.deployment_key, d.deployed_at
    FROM dep d JOIN used_keys k ON k.match_key = 'service:' || d.service
    UNION ALL
    SELECT k.match_key, d.deployment_key, d.deployed_at
    FROM dep d JOIN used_keys k ON k.match_key = 'repository:' || d.repository
),
keyed_latest AS (
    -- One row per key and instant, so the as-of join below is deterministic when two deployments tie.
    SELECT match_key, deployed_at, max(deployment_key) AS deployment_key FROM keyed GROUP BY match_key, deployed_at
),
last_before AS (
    SELECT r.incident_id, k.deployment_key, k.deployed_at
    FROM reports r
    ASOF JOIN keyed_latest k ON r.match_key = k.match_key AND r.created_at >= k.deployed_at
),
fix_changes AS (
    -- The changes of each fixing deployment that were opened after the incident started, with their bodies.
    SELECT f.incident_id, c.*, p.body
    FROM incident_fixes f
    JOIN reports r USING (incident_id)
    JOIN chg c ON c.deployment_key = f.fix_deployment_key AND coalesce(c.created_at, c.merged_at) >= r.created_at
    LEFT JOIN raw_github_pull_requests p ON p.repository = c.repository AND p.number = c.number
),
refs AS (
    SELECT
        incident_id,
        'incident' AS origin,
        ref_shas AS shas,
        ref_pulls AS pulls,
        ref_urls AS urls,
        ref_deployments AS deployments
    FROM reports
    UNION ALL
    SELECT
        incident_id,
        'fix',
        pulse_ref_shas(concat_ws(' ', title, body)),
        pulse_ref_pulls(concat_ws(' ', title, body), repository),
        pulse_ref_urls(concat_ws(' ', title, body)),
        pulse_ref_deployment_ids(concat_ws(' ', title, body))
    FROM fix_changes
),
sha_refs AS (
    SELECT incident_id, origin, unnest(shas) AS sha FROM refs
),
sha_prefixes AS (
    SELECT DISTINCT left(sha, 7) AS prefix FROM sha_refs
),
shipped_shas AS (
    -- Only commits that share a 7-character prefix with a reference: a cheap filter before matching.
    SELECT lower(sha) AS sha, deployment_key FROM dep
    WHERE left(lower(sha), 7) IN (SELECT prefix FROM sha_prefixes)
    UNION ALL
    SELECT lower(sha), deployment_key FROM chg
    WHERE deployment_key IS NOT NULL AND left(lower(sha), 7) IN (SELECT prefix FROM sha_prefixes)
    UNION ALL
    SELECT lower(merge_commit_sha), deployment_key FROM chg
    WHERE deployment_key IS NOT NULL AND left(lower(merge_commit_sha), 7) IN (SELECT prefix FROM sha_prefixes)
),
named_deployment AS (
    -- Deployment URLs are compared as stored; the reference side is normalised (run URLs cut after the id).
    SELECT x.incident_id, x.origin, d.deployment_key, d.deployed_at
    FROM (SELECT incident_id, origin, unnest(urls) AS url FROM refs) x
    JOIN dep d ON d.url = x.url
    UNION ALL
    SELECT x.incident_id, x.origin, d.deployment_key, d.deployed_at
    FROM (SELECT incident_id, origin, unnest(deployments, recursive := true) FROM refs) x
    JOIN dep d
      ON d.repository = x.repository
     AND pulse_deployment_id(d.repository, d.url) = {'repository': x.repository, 'kind': x.kind, 'id': x.id}
),
named_commit AS (
    SELECT x.incident_id, x.origin, d.deployment_key, d.deployed_at
    FROM sha_refs x
    JOIN shipped_shas s ON left(s.sha, 7) = left(x.sha, 7) AND starts_with(s.sha, x.sha)
    JOIN dep d ON d.deployment_key = s.deployment_key
    JOIN reports r ON r.incident_id = x.incident_id
    -- A short SHA is only trusted within the incident's own service, when it has one.
    WHERE r.match_key IS NULL OR r.match_key IN ('service:' || d.service, 'repository:' || d.repository)
),
named_pull AS (
    SELECT x.incident_id, x.origin, d.deployment_key, d.deployed_at
    FROM (SELECT incident_id, origin, unnest(pulls, recursive := true) FROM refs) x
    JOIN chg c ON c.repository = x.repository AND c.number = x.number
    JOIN dep d ON d.deployment_key = c.deployment_key
),
reverted AS (
    SELECT fc.incident_id, d.deployment_key, d.deployed_at
    FROM fix_changes fc
    JOIN chg t
      ON t.repository = fc.repository
     AND (t.number = fc.reverts_number
          OR (length(fc.reverts_sha) >= 7
              AND (starts_with(lower(t.sha), lower(fc.reverts_sha))
                   OR starts_with(lower(t.merge_commit_sha), lower(fc.reverts_sha)))))
    JOIN dep d ON d.deployment_key = t.deployment_key
    WHERE coalesce(fc.is_revert, false)
),
rolled_back AS (
    SELECT f.incident_id, k.deployment_key, k.deployed_at
    FROM incident_fixes f
    JOIN reports r USING (incident_id)
    JOIN dep rb ON rb.deployment_key = f.fix_deployment_key
    LEFT JOIN dep target ON target.deployment_key = rb.rollback_of
    JOIN keyed k
      ON k.match_key = r.match_key
     AND k.deployed_at <= r.created_at
     AND (target.deployed_at IS NULL OR k.deployed_at > target.deployed_at)
    WHERE f.fix_kind = 'rollback'
),
candidates AS (
    SELECT incident_id, 1 AS priority, 'incident_names_deployment' AS rule, deployment_key, deployed_at
    FROM named_deployment WHERE origin = 'incident'
    UNION ALL
    SELECT incident_id, 2, 'incident_names_commit', deployment_key, deployed_at FROM named_commit
    WHERE origin = 'incident'
    UNION ALL
    SELECT incident_id, 3, 'incident_names_pull_request', deployment_key, deployed_at FROM named_pull
    WHERE origin = 'incident'
    UNION ALL
    SELECT incident_id, 4, 'fix_reverts_change', deployment_key, deployed_at FROM reverted
    UNION ALL
    SELECT incident_id, 5, 'fix_names_deployment', deployment_key, deployed_at FROM named_deployment
    WHERE origin = 'fix'
    UNION ALL
    SELECT incident_id, 6, 'fix_names_commit', deployment_key, deployed_at FROM named_commit WHERE origin = 'fix'
    UNION ALL
    SELECT incident_id, 7, 'fix_names_pull_request', deployment_key, deployed_at FROM named_pull
    WHERE origin = 'fix'
    UNION ALL
    SELECT incident_id, 8, 'fix_rolls_back', deployment_key, deployed_at FROM rolled_back
    UNION ALL
    SELECT l.incident_id, 9, 'last_deployment_in_window', l.deployment_key, l.deployed_at
    FROM last_before l
    JOIN reports r USING (incident_id)
    WHERE CAST($window_hours AS BIGINT) = 0
       OR l.deployed_at >= r.created_at - to_hours(CAST($window_hours AS BIGINT))
),
chosen AS (
    SELECT c.incident_id, c.rule, c.deployment_key
    FROM candidates c
    JOIN reports r USING (incident_id)
    WHERE c.deployed_at <= r.created_at
    QUALIFY row_number() OVER (
        PARTITION BY c.incident_id ORDER BY c.priority, c.deployed_at DESC, c.deployment_key DESC
    ) = 1
)
SELECT
    r.incident_id,
    r.source,
    r.number AS incident_number,
    r.title,
    r.status,
    r.urgency,
    r.priority,
    r.pagerduty_service_id,
    r.service,
    r.repository,
    r.team,
    r.created_at,
    r.acknowledged_at,
    r.resolved_at,
    date_diff('second', r.created_at, r.resolved_at) / 3600.0 AS restore_hours,
    c.deployment_key,
    coalesce(c.rule, 'unattributed') AS attributed_by,
    CASE
        WHEN c.deployment_key IS NOT NULL THEN NULL
        WHEN r.match_key IS NULL THEN 'no_service'
        WHEN l.deployment_key IS NULL THEN 'no_earlier_deployment'
        ELSE 'outside_window'
    END AS unattributed_reason,
    l.deployment_key AS last_deployment_key,
    date_diff('second', l.deployed_at, r.created_at) / 3600.0 AS hours_after_last_deployment,
    f.fix_deployment_key,
    f.fixed_at,
    f.fix_kind,
    r.html_url
FROM reports r
LEFT JOIN chosen c USING (incident_id)
LEFT JOIN last_before l USING (incident_id)
LEFT JOIN incident_fixes f USING (incident_id);

DELETE FROM incidents
WHERE incident_id IN (SELECT incident_id FROM changed_incident_reports)
   OR incident_id IN (SELECT incident_id FROM incidents_rebuilt);

INSERT INTO incidents SELECT * FROM incidents_rebuilt;

DROP TABLE incidents_rebuilt;
