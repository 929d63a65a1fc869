-- Purpose: every incident from every source in one shape, with its service, team and the links its text gives
--          (deployment URLs, commit SHAs, pull requests), before attribution.
-- Grain: one row per incident (PagerDuty incident, or GitHub issue carrying the incident label).
-- Inputs: raw_pagerduty_incidents, pagerduty_service_map, raw_github_incident_issues, team_ownership, deployments.
-- Rules: a PagerDuty incident's service and team come from pagerduty_service_map; it is matched to deployments of
--        that service (match_key 'service:<service>'), and has no match_key when its PagerDuty service maps to no
--        service. A GitHub incident issue belongs to its repository (match_key 'repository:<repository>') and to the
--        team owning that repository, else 'unowned'; a closed issue is resolved at closed_at.
--        References are read from the PagerDuty title and description, and from the GitHub issue title, plus the
--        references GitHub ingestion extracted from the issue body (referenced_deployment_ids, referenced_run_ids,
--        referenced_shas, referenced_pull_numbers, all of the issue's own repository): commit SHAs (7 to 40 hex
--        characters with at least one letter and one digit), pull requests (`owner/repo#12`,
--        `github.com/owner/repo/pull/12`, `PR #12` in the incident's own repository), deployments by id
--        (`.../repos/owner/repo/deployments/123`, `github.com/owner/repo/actions/runs/456`) and URLs (a workflow run
--        URL is cut to `.../actions/runs/<id>`).
-- Incremental: a report's references are read again only when what the report is made of changed (a 64-bit hash of
--        its inputs: the incident's columns, its text and the references ingestion gave, its service, repository and
--        team): reading references with patterns is most of this file's cost, and most reports stay the same from
--        one refresh to the next. Reports whose incident is gone are deleted. A full recompute starts from an empty
--        table and reads them all.
-- Also defines the temporary macros pulse_ref_* and pulse_norm_url, which the later incident files use on pull
-- request text and deployment URLs, so the same rules apply everywhere, and pulse_deployments() and
-- pulse_changes(), the deployments and changes they read.

-- The GitHub incident-issue table belongs to GitHub ingestion (pulse/sql/schema.sql); this only guards a warehouse
-- that predates it. Reference columns it may lack are read as NULL below.
CREATE TABLE IF NOT EXISTS raw_github_incident_issues (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    title           TEXT,
    labels          TEXT[],
    state           TEXT,
    created_at      TIMESTAMP,
    closed_at       TIMESTAMP,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number)
);

-- Deployments and changes as the incident files read them: the columns GitHub ingestion adds later (rollbacks,
-- reverts, hotfixes) read as NULL until they exist, so the rules that need them then find nothing.
CREATE OR REPLACE TEMP MACRO pulse_deployments() AS TABLE
    SELECT * FROM deployments
    UNION ALL BY NAME
    SELECT NULL::BOOLEAN AS is_rollback, NULL::TEXT AS rollback_of, NULL::TEXT AS previous_deployment_key
    WHERE false;

CREATE OR REPLACE TEMP MACRO pulse_changes() AS TABLE
    SELECT * FROM changes
    UNION ALL BY NAME
    SELECT NULL::TEXT AS sha, NULL::BOOLEAN AS is_revert, NULL::BIGINT AS reverts_number, NULL::TEXT AS reverts_sha,
           NULL::BOOLEAN AS is_hotfix
    WHERE false;

CREATE OR REPLACE TEMP MACRO pulse_norm_url(u) AS
    regexp_replace(rtrim(u, '.,:!?/'), '(/actions/runs/[0-9]+).*', '\1');

CREATE OR REPLACE TEMP MACRO pulse_ref_urls(txt) AS
    list_distinct(list_transform(
        regexp_extract_all(coalesce(txt, ''), 'https?://[^\s<>()"\[\]'']+'),
        lambda u: pulse_norm_url(u)));

-- Deployments named by id in a URL: {repository, kind ('deployment' | 'run'), id}.
CREATE OR REPLACE TEMP MACRO pulse_ref_deployment_ids(txt) AS
    list_distinct(list_concat(
        list_transform(
            regexp_extract_all(coalesce(txt, ''), '/repos/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/deployments/[0-9]+'),
            lambda x: {'repository': regexp_extract(x, '/repos/[^/]+/([^/]+)/', 1), 'kind': 'deployment',
                       'id': CAST(regexp_extract(x, '/deployments/([0-9]+)', 1) AS BIGINT)}),
        list_transform(
            regexp_extract_all(coalesce(txt, ''), 'github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/actions/runs/[0-9]+'),
            lambda x: {'repository': regexp_extract(x, 'github\.com/[^/]+/([^/]+)/actions', 1), 'kind': 'run',
                       'id': CAST(regexp_extract(x, '/runs/([0-9]+)', 1) AS BIGINT)})));

-- The same triple for a deployment's own URL (NULL when its URL names no id).
CREATE OR REPLACE TEMP MACRO pulse_deployment_id(repo, u) AS
    CASE
        WHEN regexp_matches(coalesce(u, ''), '/actions/runs/[0-9]+')
            THEN {'repository': repo, 'kind': 'run', 'id': CAST(regexp_extract(u, '/actions/runs/([0-9]+)', 1) AS BIGINT)}
        WHEN regexp_matches(coalesce(u, ''), '/deployments/[0-9]+')
            THEN {'repository': repo, 'kind': 'deployment',
                  'id': CAST(regexp_extract(u, '/deployments/([0-9]+)', 1) AS BIGINT)}
    END;

CREATE OR REPLACE TEMP MACRO pulse_ref_shas(txt) AS
    list_distinct(list_filter(
        regexp_extract_all(lower(coalesce(txt, '')), '\b[0-9a-f]{7,40}\b'),
        lambda x: regexp_matches(x, '[a-f]') AND regexp_matches(x, '[0-9]')));

CREATE OR REPLACE TEMP MACRO pulse_ref_pulls(txt, repo) AS
    list_distinct(list_concat(
        list_transform(
            regexp_extract_all(coalesce(txt, ''), '[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#[0-9]+'),
            lambda x: {'repository': regexp_extract(x, '/([A-Za-z0-9_.-]+)#', 1),
                       'number': CAST(regexp_extract(x, '#([0-9]+)', 1) AS INTEGER)}),
        list_transform(
            regexp_extract_all(coalesce(txt, ''), 'github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/pull/[0-9]+'),
            lambda x: {'repository': regexp_extract(x, 'github\.com/[^/]+/([^/]+)/pull', 1),
                       'number': CAST(regexp_extract(x, '/pull/([0-9]+)', 1) AS INTEGER)}),
        list_transform(
            regexp_extract_all(coalesce(txt, ''), '(?i)\b(?:pr|pull request)\s*#?\s*[0-9]+'),
            lambda x: {'repository': repo, 'number': CAST(regexp_extract(x, '([0-9]+)$', 1) AS INTEGER)})));

-- Tokens that may be incident ids (PagerDuty ids are upper-case letters and digits).
CREATE OR REPLACE TEMP MACRO pulse_ref_ids(txt) AS
    list_distinct(list_filter(
        regexp_extract_all(coalesce(txt, ''), '\b[A-Z0-9]{7,20}\b'),
        lambda x: regexp_matches(x, '[A-Z]')));

-- GitHub's closing keywords: "Fixes #12", "closes acme/pay#12" (a repository-less reference is the text's own).
CREATE OR REPLACE TEMP MACRO pulse_ref_closes(txt, repo) AS
    list_distinct(list_transform(
        regexp_extract_all(coalesce(txt, ''), '(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+[A-Za-z0-9_./]*#[0-9]+'),
        lambda x: {'repository': coalesce(nullif(regexp_extract(x, '/([A-Za-z0-9_.-]+)#', 1), ''), repo),
                   'number': CAST(regexp_extract(x, '#([0-9]+)', 1) AS INTEGER)}));

CREATE TABLE IF NOT EXISTS incident_reports (
    incident_id             TEXT,
    source                  TEXT,
    number                  BIGINT,
    title                   TEXT,
    status                  TEXT,
    urgency                 TEXT,
    priority                TEXT,
    pagerduty_service_id    TEXT,
    service                 TEXT,
    repository              TEXT,
    team                    TEXT,
    match_key               TEXT,
    created_at              TIMESTAMP,
    acknowledged_at         TIMESTAMP,
    resolved_at             TIMESTAMP,
    html_url                TEXT,
    ref_shas                TEXT[],
    ref_pulls               STRUCT(repository TEXT, number INTEGER)[],
    ref_urls                TEXT[],
    ref_deployments         STRUCT(repository TEXT, kind TEXT, id BIGINT)[],
    inputs_hash             UBIGINT
);

CREATE OR REPLACE TEMP TABLE incident_report_inputs AS
WITH gh AS (
    -- Reference columns the GitHub ingestion may add; absent ones read as NULL.
    SELECT * FROM raw_github_incident_issues
    UNION ALL BY NAME
    SELECT
        NULL::TEXT AS body,
        NULL::BIGINT[] AS referenced_deployment_ids,
        NULL::BIGINT[] AS referenced_run_ids,
        NULL::TEXT[] AS referenced_shas,
        NULL::INTEGER[] AS referenced_pull_numbers
    WHERE false
),
service_of_repository AS (
    -- A repository deployed as exactly one service is that service; a monorepo's issues stay on the repository.
    SELECT repository, CASE WHEN count(DISTINCT service) = 1 THEN any_value(service) END AS service
    FROM deployments
    GROUP BY repository
),
repository_of_service AS (
    SELECT service, min(repository) AS repository FROM deployments GROUP BY service
),
pagerduty AS (
    SELECT
        i.incident_id,
        'pagerduty' AS source,
        i.incident_number AS number,
        i.title,
        i.status,
        i.urgency,
        i.priority,
        i.service_id AS pagerduty_service_id,
        m.service,
        coalesce(rs.repository, m.service) AS repository,
        coalesce(m.team, 'unowned') AS team,
        CASE WHEN m.service IS NOT NULL THEN 'service:' || m.service END AS match_key,
        i.created_at,
        i.acknowledged_at,
        i.resolved_at,
        i.html_url,
        concat_ws(' ', i.title, i.description) AS text,
        []::TEXT[] AS given_shas,
        []::STRUCT(repository TEXT, number INTEGER)[] AS given_pulls,
        []::STRUCT(repository TEXT, kind TEXT, id BIGINT)[] AS given_deployments
    FROM raw_pagerduty_incidents i
    LEFT JOIN pagerduty_service_map m ON m.pagerduty_service_id = i.service_id
    LEFT JOIN repository_of_service rs ON rs.service = m.service
),
github AS (
    SELECT
        'github:' || g.repository || '#' || g.number AS incident_id,
        'github_issue' AS source,
        g.number,
        g.title,
        CASE WHEN g.state = 'closed' THEN 'resolved' ELSE 'open' END AS status,
        NULL::TEXT AS urgency,
        list_filter(g.labels, lambda l: regexp_matches(lower(l), '^(p|sev|severity)[ :-]*[0-9]\b'))[1] AS priority,
        NULL::TEXT AS pagerduty_service_id,
        coalesce(sr.service, g.repository) AS service,
        g.repository,
        coalesce(o.team, 'unowned') AS team,
        'repository:' || g.repository AS match_key,
        g.created_at,
        NULL::TIMESTAMP AS acknowledged_at,
        CASE WHEN g.state = 'closed' THEN g.closed_at END AS resolved_at,
        g.html_url,
        concat_ws(' ', g.title, g.body) AS text,
        coalesce(g.referenced_shas, []::TEXT[]) AS given_shas,
        list_transform(
            coalesce(g.referenced_pull_numbers, []::INTEGER[]), lambda n: {'repository': g.repository, 'number': n}
        ) AS given_pulls,
        list_concat(
            list_transform(
                coalesce(g.referenced_deployment_ids, []::BIGINT[]),
                lambda n: {'repository': g.repository, 'kind': 'deployment', 'id': n}),
            list_transform(
                coalesce(g.referenced_run_ids, []::BIGINT[]),
                lambda n: {'repository': g.repository, 'kind': 'run', 'id': n})
        ) AS given_deployments
    FROM gh g
    LEFT JOIN service_of_repository sr ON sr.repository = g.repository
    LEFT JOIN team_ownership o ON o.kind = 'repository' AND o.key = g.repository
),
reports AS (
    SELECT * FROM pagerduty
    UNION ALL BY NAME
    SELECT * FROM github
)
SELECT
    *,
    hash(incident_id, source, number, title, status, urgency, priority, pagerduty_service_id, service, repository,
         team, match_key, created_at, acknowledged_at, resolved_at, html_url, text, given_shas, given_pulls,
         given_deployments) AS inputs_hash
FROM reports
WHERE created_at IS NOT NULL;

-- Reports whose inputs changed, and those of incidents that are gone, are dropped; new and changed ones are read.
DELETE FROM incident_reports r
WHERE NOT EXISTS (
    SELECT 1 FROM incident_report_inputs i WHERE i.incident_id = r.incident_id AND i.inputs_hash = r.inputs_hash
);

INSERT INTO incident_reports
SELECT
    incident_id,
    source,
    number,
    title,
    status,
    urgency,
    priority,
    pagerduty_service_id,
    service,
    repository,
    team,
    match_key,
    created_at,
    acknowledged_at,
    resolved_at,
    html_url,
    list_distinct(list_concat(list_transform(given_shas, lambda s: lower(s)), pulse_ref_shas(text))) AS ref_shas,
    list_distinct(list_concat(given_pulls, pulse_ref_pulls(text, repository))) AS ref_pulls,
    pulse_ref_urls(text) AS ref_urls,
    list_distinct(list_concat(given_deployments, pulse_ref_deployment_ids(text))) AS ref_deployments,
    inputs_hash
FROM incident_report_inputs i
WHERE NOT EXISTS (SELECT 1 FROM incident_reports r WHERE r.incident_id = i.incident_id);

DROP TABLE incident_report_inputs;
