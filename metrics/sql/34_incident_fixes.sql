-- Purpose: the production deployment that fixed each incident, when one did.
-- Grain: one row per incident that has a fixing deployment.
-- Inputs: incident_reports, deployments, changes, raw_github_pull_requests (bodies), and the pulse_ref_* macros
--         of 32_incident_reports.sql.
-- Rules: a fixing deployment is a successful production deployment that finished after the incident started and
--          * ships a change whose title or body names the incident (its URL, its PagerDuty id in the title, or a
--            GitHub closing keyword such as "Fixes #12" for an incident issue): any service, any time after the
--            start; or
--          * belongs to the incident's service (its repository, for GitHub incident issues), finished no later than
--            the incident's resolution (or the incident is still open), and is a rollback or ships a revert or a
--            hotfix opened after the incident started.
--        Ordinary changes that merely ship while an incident is open are not fixes. The first fixing deployment is
--        the fix. fix_kind: 'names_incident', 'rollback', 'revert' or 'hotfix' (in that precedence for one deployment).
--        Columns that GitHub ingestion adds later (is_rollback, is_revert, is_hotfix) read as NULL until they exist.
-- Incremental: an incident keeps its fix when its report did not change (changed_incident_reports, which the
--        runner fills by comparing incident_reports before and after) and the fix deployed before $since: nothing
--        earlier can have appeared. The others look for their first fix among the deployments from $since on (or
--        from their start, for a changed report); a full recompute passes the start of time.
CREATE TABLE IF NOT EXISTS incident_fixes (
    incident_id         TEXT,
    fix_deployment_key  TEXT,
    fixed_at            TIMESTAMP,
    fix_kind            TEXT
);

DELETE FROM incident_fixes
WHERE fixed_at >= $since OR incident_id IN (SELECT incident_id FROM changed_incident_reports);

INSERT INTO incident_fixes
WITH
-- Inlined where used, so that each use reads only its columns and rows.
dep AS NOT MATERIALIZED (SELECT * FROM pulse_deployments()),
chg AS NOT MATERIALIZED (SELECT * FROM pulse_changes()),
-- The incidents that look for a fix: every one without a kept row.
reports AS MATERIALIZED (
    SELECT * FROM incident_reports WHERE incident_id NOT IN (SELECT incident_id FROM incident_fixes)
),
-- Fixes are looked for from here on: $since, or the start of the earliest changed incident.
scan AS (
    SELECT least(
        $since,
        coalesce((SELECT min(created_at) FROM changed_incident_reports), $since)
    ) AS scan_from
),
issue_repositories AS (
    SELECT DISTINCT repository FROM incident_reports WHERE source = 'github_issue'
),
bodies AS (
    -- Pull request bodies that could name an incident: a PagerDuty or issue link, or a closing keyword in a
    -- repository with incident issues. Everything else is left out before any pattern runs.
    SELECT repository, number, body
    FROM raw_github_pull_requests
    WHERE contains(body, 'pagerduty.com/incidents/')
       OR contains(body, '/issues/')
       OR (contains(body, '#') AND repository IN (SELECT repository FROM issue_repositories))
),
earliest AS (
    SELECT greatest(min(r.created_at), (SELECT scan_from FROM scan)) AS started FROM reports r
),
change_text AS (
    -- Only changes deployed after the first incident that looks for a fix (and from where fixes are looked
    -- for) can be one.
    SELECT c.deployment_key, c.repository, c.title, concat_ws(' ', c.title, b.body) AS text
    FROM chg c
    CROSS JOIN earliest e
    LEFT JOIN bodies b ON b.repository = c.repository AND b.number = c.number
    WHERE c.deployment_key IS NOT NULL AND c.deployed_at >= e.started
),
naming AS (
    -- Cheap tests first (most titles name nothing); the extracting expressions then run on few rows.
    SELECT r.incident_id, t.deployment_key
    FROM (
        SELECT deployment_key, unnest(pulse_ref_urls(text)) AS url FROM change_text WHERE contains(text, '://')
    ) t
    JOIN reports r ON pulse_norm_url(r.html_url) = t.url
    UNION
    SELECT r.incident_id, t.deployment_key
    FROM (
        -- Bare PagerDuty ids are looked for in titles only: bodies are full of upper-case words.
        SELECT deployment_key, unnest(pulse_ref_ids(title)) AS token
        FROM change_text
        -- A superset of what pulse_ref_ids keeps (7 to 20 upper-case letters and digits, at least one letter).
        WHERE regexp_matches(title, '[A-Z0-9]{7}') AND regexp_matches(title, '\b[A-Z0-9]*[A-Z][A-Z0-9]*\b')
    ) t
    JOIN reports r ON r.source = 'pagerduty' AND r.incident_id = t.token
    UNION
    SELECT r.incident_id, t.deployment_key
    FROM (
        SELECT deployment_key, unnest(pulse_ref_closes(text, repository), recursive := true)
        FROM change_text
        WHERE repository IN (SELECT repository FROM issue_repositories)
          AND regexp_matches(text, '(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+[A-Za-z0-9_./]*#[0-9]')
    ) t
    JOIN reports r ON r.source = 'github_issue' AND r.repository = t.repository AND r.number = t.number
),
named_fixes AS (
    SELECT n.incident_id, d.deployment_key, d.deployed_at, 'names_incident' AS fix_kind, 1 AS precedence
    FROM naming n
    JOIN reports r USING (incident_id)
    JOIN dep d ON d.deployment_key = n.deployment_key AND d.deployed_at > r.created_at
),
unplanned_deployments AS (
    -- Only rollbacks and deployments shipping a revert or hotfix can be a fix by the service rule.
    SELECT deployment_key FROM dep
    WHERE coalesce(is_rollback, false) AND deployed_at >= (SELECT scan_from FROM scan)
    UNION
    SELECT deployment_key FROM chg
    WHERE deployment_key IS NOT NULL AND (coalesce(is_revert, false) OR coalesce(is_hotfix, false))
      AND deployed_at >= (SELECT scan_from FROM scan)
),
keyed AS (
    SELECT 'service:' || d.service AS match_key, d.deployment_key, d.deployed_at,
           coalesce(d.is_rollback, false) AS is_rollback
    FROM dep d SEMI JOIN unplanned_deployments u USING (deployment_key)
    WHERE d.service IS NOT NULL
    UNION ALL
    SELECT 'repository:' || d.repository, d.deployment_key, d.deployed_at, coalesce(d.is_rollback, false)
    FROM dep d SEMI JOIN unplanned_deployments u USING (deployment_key)
    WHERE d.repository IS NOT NULL
),
in_time AS (
    SELECT r.incident_id, r.created_at, k.deployment_key, k.deployed_at, k.is_rollback
    FROM reports r
    JOIN keyed k
      ON k.match_key = r.match_key
     AND k.deployed_at > r.created_at
     AND (r.resolved_at IS NULL OR k.deployed_at <= r.resolved_at)
),
unplanned AS (
    -- Reverts and hotfixes each candidate ships that were opened after the incident started.
    SELECT
        t.incident_id,
        t.deployment_key,
        bool_or(coalesce(c.is_revert, false)) AS ships_revert,
        bool_or(coalesce(c.is_hotfix, false)) AS ships_hotfix
    FROM in_time t
    JOIN chg c
      ON c.deployment_key = t.deployment_key
     AND coalesce(c.created_at, c.merged_at) >= t.created_at
     AND (coalesce(c.is_revert, false) OR coalesce(c.is_hotfix, false))
    GROUP BY t.incident_id, t.deployment_key
),
service_fixes AS (
    SELECT
        t.incident_id,
        t.deployment_key,
        t.deployed_at,
        CASE
            WHEN t.is_rollback THEN 'rollback'
            WHEN u.ships_revert THEN 'revert'
            WHEN u.ships_hotfix THEN 'hotfix'
        END AS fix_kind,
        CASE WHEN t.is_rollback THEN 2 WHEN u.ships_revert THEN 3 ELSE 4 END AS precedence
    FROM in_time t
    LEFT JOIN unplanned u USING (incident_id, deployment_key)
    WHERE t.is_rollback OR u.ships_revert OR u.ships_hotfix
)
SELECT
    incident_id,
    deployment_key AS fix_deployment_key,
    deployed_at AS fixed_at,
    fix_kind
FROM (SELECT * FROM named_fixes UNION ALL SELECT * FROM service_fixes)
QUALIFY row_number() OVER (PARTITION BY incident_id ORDER BY deployed_at, precedence, deployment_key) = 1;
