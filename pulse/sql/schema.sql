-- Purpose: the raw tables that ingestion writes; one table per source object.
-- Grain: stated per table below. Every timestamp is a naive TIMESTAMP in UTC.
-- Inputs: none (DDL only). Idempotent: CREATE ... IF NOT EXISTS, safe to run on every start.
-- Secrets and personal data are never stored: survey e-mail addresses arrive here only as keyed hashes.

-- One row per repository of the organisation that ingestion covered.
CREATE TABLE IF NOT EXISTS raw_github_repositories (
    repository      TEXT NOT NULL PRIMARY KEY,   -- repository name within the organisation
    full_name       TEXT NOT NULL,
    repo_id         BIGINT,
    default_branch  TEXT,
    html_url        TEXT,
    archived        BOOLEAN,
    created_at      TIMESTAMP,
    pushed_at       TIMESTAMP,
    fetched_at      TIMESTAMP NOT NULL
);

-- One row per GitHub deployment to an environment the deployment rules watch, with its statuses summarised.
CREATE TABLE IF NOT EXISTS raw_github_deployments (
    repository      TEXT NOT NULL,
    deployment_id   BIGINT NOT NULL,
    sha             TEXT,
    ref             TEXT,
    task            TEXT,
    environment     TEXT,                        -- as named on GitHub (a monorepo's `checkout:production`)
    creator         TEXT,
    created_at      TIMESTAMP,
    updated_at      TIMESTAMP,
    latest_state    TEXT,                        -- state of the newest status, NULL when it has none
    latest_state_at TIMESTAMP,
    succeeded_at    TIMESTAMP,                   -- first `success` status
    failed_at       TIMESTAMP,                   -- first `failure` or `error` status
    status_count    INTEGER,
    url             TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, deployment_id)
);
ALTER TABLE raw_github_deployments ADD COLUMN IF NOT EXISTS failed_at TIMESTAMP;
ALTER TABLE raw_github_deployments ADD COLUMN IF NOT EXISTS status_count INTEGER;

-- One row per workflow run that a deployment rule matches (by workflow file, name or called reusable workflow).
CREATE TABLE IF NOT EXISTS raw_github_workflow_runs (
    repository      TEXT NOT NULL,
    run_id          BIGINT NOT NULL,
    workflow_id     BIGINT,
    workflow_name   TEXT,
    workflow_path   TEXT,
    head_branch     TEXT,
    head_sha        TEXT,
    event           TEXT,
    status          TEXT,
    conclusion      TEXT,
    run_attempt     INTEGER,
    created_at      TIMESTAMP,
    run_started_at  TIMESTAMP,
    updated_at      TIMESTAMP,
    actor           TEXT,
    html_url        TEXT,
    referenced_workflows TEXT[],                 -- reusable workflows the run called, as `owner/repo/path@ref`
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, run_id)
);
ALTER TABLE raw_github_workflow_runs ADD COLUMN IF NOT EXISTS referenced_workflows TEXT[];

-- One row per pull request merged into the repository's production branch.
CREATE TABLE IF NOT EXISTS raw_github_pull_requests (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    title           TEXT,
    author          TEXT,
    author_type     TEXT,                        -- 'User' or 'Bot'
    head_ref        TEXT,
    base_ref        TEXT,
    labels          TEXT[],
    body            TEXT,                        -- first 4,000 characters (revert links live here)
    created_at      TIMESTAMP,
    updated_at      TIMESTAMP,
    merged_at       TIMESTAMP,
    merge_commit_sha TEXT,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number)
);
ALTER TABLE raw_github_pull_requests ADD COLUMN IF NOT EXISTS body TEXT;
ALTER TABLE raw_github_pull_requests ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP;

-- One row per commit listed on a merged pull request.
CREATE TABLE IF NOT EXISTS raw_github_pull_request_commits (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    sha             TEXT NOT NULL,
    author          TEXT,
    authored_at     TIMESTAMP,
    committed_at    TIMESTAMP,
    message         TEXT,                        -- first 1,000 characters
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number, sha)
);
ALTER TABLE raw_github_pull_request_commits ADD COLUMN IF NOT EXISTS message TEXT;

-- One row per review submitted on a merged pull request.
CREATE TABLE IF NOT EXISTS raw_github_pull_request_reviews (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    review_id       BIGINT NOT NULL,
    reviewer        TEXT,
    reviewer_type   TEXT,
    state           TEXT,                        -- APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
    submitted_at    TIMESTAMP,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number, review_id)
);

-- One row per file a merged pull request changes; read only for monorepos split into services by path.
CREATE TABLE IF NOT EXISTS raw_github_pull_request_files (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    filename        TEXT NOT NULL,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number, filename)
);

-- One row per commit on a repository's production branch (for changes pushed without a pull request).
CREATE TABLE IF NOT EXISTS raw_github_commits (
    repository      TEXT NOT NULL,
    sha             TEXT NOT NULL,
    branch          TEXT NOT NULL,
    author          TEXT,                        -- GitHub login, NULL when the e-mail maps to no account
    author_name     TEXT,
    author_type     TEXT,
    authored_at     TIMESTAMP,
    committed_at    TIMESTAMP,
    message         TEXT,                        -- first 1,000 characters
    parent_shas     TEXT[],
    files           TEXT[],                      -- monorepos only: the paths it changes; NULL when not read
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, sha)
);

-- One row per release (not draft) whose tag a release rule matches.
CREATE TABLE IF NOT EXISTS raw_github_releases (
    repository      TEXT NOT NULL,
    release_id      BIGINT NOT NULL,
    tag_name        TEXT,
    name            TEXT,
    target_commitish TEXT,
    sha             TEXT,                        -- the commit the tag points at
    prerelease      BOOLEAN,
    author          TEXT,
    created_at      TIMESTAMP,
    published_at    TIMESTAMP,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, release_id)
);

-- One row per tag that a tag rule matches.
CREATE TABLE IF NOT EXISTS raw_github_tags (
    repository      TEXT NOT NULL,
    name            TEXT NOT NULL,
    sha             TEXT,
    committed_at    TIMESTAMP,                   -- the tagged commit's commit time: the tag's deployment time
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, name)
);

-- One row per comparison between two consecutive successful production deployments (compare API).
CREATE TABLE IF NOT EXISTS raw_github_compares (
    repository      TEXT NOT NULL,
    base_sha        TEXT NOT NULL,               -- the previous deployment's commit
    head_sha        TEXT NOT NULL,               -- this deployment's commit
    status          TEXT,                        -- ahead | behind | identical | diverged | missing
    ahead_by        INTEGER,
    behind_by       INTEGER,
    total_commits   INTEGER,
    commits_listed  INTEGER,
    error           TEXT,                        -- why a comparison failed (a base gone after a force-push)
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, base_sha, head_sha)
);

-- One row per commit a comparison lists: the commits a deployment shipped.
CREATE TABLE IF NOT EXISTS raw_github_compare_commits (
    repository      TEXT NOT NULL,
    base_sha        TEXT NOT NULL,
    head_sha        TEXT NOT NULL,
    sha             TEXT NOT NULL,
    position        INTEGER,                     -- 1 = oldest
    author          TEXT,
    authored_at     TIMESTAMP,
    committed_at    TIMESTAMP,
    PRIMARY KEY (repository, base_sha, head_sha, sha)
);

-- One row per GitHub issue carrying the incident label (github.incident_label).
CREATE TABLE IF NOT EXISTS raw_github_incident_issues (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    title           TEXT,
    labels          TEXT[],
    state           TEXT,
    author          TEXT,
    created_at      TIMESTAMP,
    updated_at      TIMESTAMP,
    closed_at       TIMESTAMP,
    referenced_deployment_ids BIGINT[],          -- "deployment 123", ".../deployments/123"
    referenced_run_ids BIGINT[],                 -- ".../actions/runs/123"
    referenced_shas TEXT[],                      -- full SHAs, or 7+ hex characters after "commit"/"sha" or in `code`
    referenced_pull_numbers INTEGER[],           -- "#12", "owner/repo#12", ".../pull/12" (same repository)
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number)
);

-- One row per repository and endpoint: where the last sync stopped. Written in the same transaction as the
-- rows it covers, so a crash never leaves a cursor ahead of its data.
CREATE TABLE IF NOT EXISTS github_sync_cursors (
    repository      TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    cursor_at       TIMESTAMP,                   -- the next sync stops paging at items older than this
    etag            TEXT,                        -- validator of the first page, sent as If-None-Match
    rules_hash      TEXT,                        -- the rules it was read under; a change resets the cursor
    synced_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, endpoint)
);

-- One row per production deployment attempt the deployment rules detect, from any source (ingestion derives
-- it from the raw tables above on every sync, so a rule change applies to everything already stored).
CREATE TABLE IF NOT EXISTS github_deployment_attempts (
    deployment_key  TEXT NOT NULL PRIMARY KEY,   -- '<source>:<repository>:<id>[:<service>]'
    source          TEXT NOT NULL,               -- deployments_api | workflow_run | release | tag | pull_request_merge
    rule            TEXT,                        -- the rule that matched, e.g. 'workflow:deploy.yml'
    repository      TEXT NOT NULL,
    service         TEXT NOT NULL,
    environment     TEXT NOT NULL,
    github_environment TEXT,                     -- the name on GitHub before a monorepo prefix is removed
    status          TEXT NOT NULL,               -- success | failure | other
    sha             TEXT,
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP,                   -- when it succeeded or failed; NULL while pending
    url             TEXT,
    actor           TEXT,
    reusable_workflow TEXT                       -- the reusable workflow (path@ref) a matching run called
);

-- One row per change (a merged pull request, or a commit pushed straight to the production branch) per
-- service it belongs to; bots are kept and flagged so the rule can change without a re-sync.
CREATE TABLE IF NOT EXISTS github_change_candidates (
    change_key      TEXT NOT NULL,               -- 'pr:<repository>:<number>' or 'push:<repository>:<sha>'
    repository      TEXT NOT NULL,
    service         TEXT NOT NULL,
    change_kind     TEXT NOT NULL,               -- pull_request | direct_push
    number          INTEGER,
    sha             TEXT,                        -- merge (or squash) commit; the pushed commit
    title           TEXT,
    author          TEXT,
    is_bot          BOOLEAN NOT NULL,
    commits         INTEGER,
    first_commit_at TIMESTAMP,
    created_at      TIMESTAMP,
    first_review_at TIMESTAMP,
    merged_at       TIMESTAMP,                   -- for a direct push: when it was committed
    is_revert       BOOLEAN NOT NULL,
    reverts_number  INTEGER,
    reverts_sha     TEXT,
    is_hotfix       BOOLEAN NOT NULL,
    head_ref        TEXT,
    html_url        TEXT,
    PRIMARY KEY (change_key, service)
);

-- One row per PagerDuty service.
CREATE TABLE IF NOT EXISTS raw_pagerduty_services (
    service_id      TEXT NOT NULL PRIMARY KEY,
    name            TEXT,
    status          TEXT,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    team_ids        TEXT[]                       -- PagerDuty teams the service belongs to
);
-- Columns added after the first release: warehouses created before them gain them here.
ALTER TABLE raw_pagerduty_services ADD COLUMN IF NOT EXISTS team_ids TEXT[];

-- One row per PagerDuty team.
CREATE TABLE IF NOT EXISTS raw_pagerduty_teams (
    team_id         TEXT NOT NULL PRIMARY KEY,
    name            TEXT,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL
);

-- One row per PagerDuty incident.
CREATE TABLE IF NOT EXISTS raw_pagerduty_incidents (
    incident_id     TEXT NOT NULL PRIMARY KEY,
    incident_number BIGINT,
    title           TEXT,
    status          TEXT,                        -- 'triggered' | 'acknowledged' | 'resolved'
    urgency         TEXT,                        -- 'high' | 'low'
    priority        TEXT,                        -- priority name (P1 ...), NULL when none is set
    service_id      TEXT,
    created_at      TIMESTAMP,
    acknowledged_at TIMESTAMP,                   -- first acknowledgement, when known (payload or log entries)
    resolved_at     TIMESTAMP,
    resolved_from   TEXT,                        -- 'incident' or 'log_entries': where resolved_at came from
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    description     TEXT,                        -- searched for links to the deployment, commit or pull request
    last_status_change_at TIMESTAMP
);
ALTER TABLE raw_pagerduty_incidents ADD COLUMN IF NOT EXISTS description TEXT;
ALTER TABLE raw_pagerduty_incidents ADD COLUMN IF NOT EXISTS last_status_change_at TIMESTAMP;

-- One row per incident-sync scope: a PagerDuty service id, or '*' when every service is read. Incidents created
-- in [synced_from, synced_until) have been read; written in the same transaction as the incidents it covers.
CREATE TABLE IF NOT EXISTS raw_pagerduty_cursors (
    scope           TEXT NOT NULL PRIMARY KEY,
    synced_from     TIMESTAMP NOT NULL,
    synced_until    TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- Surveys. A file is loaded once per content (sha256) and configuration (fingerprint); a new version of a file
-- replaces every row of its earlier version. Row numbers are as a spreadsheet shows them: the header is row 1.

-- One row per export file seen in surveys.folder.
CREATE TABLE IF NOT EXISTS raw_survey_files (
    file            TEXT NOT NULL PRIMARY KEY,   -- file name within surveys.folder
    sha256          TEXT NOT NULL,               -- of the file's bytes: the same bytes are never read twice
    fingerprint     TEXT NOT NULL,               -- of the survey configuration the rows were read with
    format          TEXT,                        -- 'google_forms' | 'typeform' | 'microsoft_forms'; NULL if unreadable
    encoding        TEXT,                        -- 'utf-8', 'utf-8-sig', 'utf-16', 'cp1252' or 'xlsx'
    delimiter       TEXT,                        -- CSV field separator as found
    status          TEXT NOT NULL,               -- 'loaded' | 'unreadable' | 'duplicate of <file>'
    data_rows       INTEGER NOT NULL,
    responses       INTEGER NOT NULL,            -- rows loaded
    quarantined     INTEGER NOT NULL,            -- quarantine rows written for the file
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per usable submission (a data row of an export).
CREATE TABLE IF NOT EXISTS raw_survey_responses (
    file            TEXT NOT NULL,
    row_number      INTEGER NOT NULL,
    wave            TEXT NOT NULL,               -- surveys.waves id whose dates contain submitted_at
    respondent      TEXT NOT NULL,               -- keyed hash of the e-mail address, never the address
    anonymous       BOOLEAN NOT NULL,            -- no address: the row is its own respondent
    team            TEXT NOT NULL,
    submitted_at    TIMESTAMP NOT NULL,
    loaded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (file, row_number)
);

-- One row per answered question of a usable submission.
CREATE TABLE IF NOT EXISTS raw_survey_answers (
    file            TEXT NOT NULL,
    row_number      INTEGER NOT NULL,
    question_id     TEXT NOT NULL,               -- surveys.questions key
    question_type   TEXT NOT NULL,               -- nps | likert | dora_* | text
    topic           TEXT,                        -- likert topic
    score           INTEGER,                     -- nps 0-10; likert 1-5 as answered; dora bucket 1-6 (1 = fastest)
    favourable      BOOLEAN,                     -- likert: agreed (disagreed, for a reversed statement)
    text            TEXT,                        -- free text only
    loaded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (file, row_number, question_id)
);

-- One row per rejected data row, or (row 1) rejected column, of a file; also roster rows that could not be used.
CREATE TABLE IF NOT EXISTS raw_survey_quarantine (
    file            TEXT NOT NULL,
    row_number      INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per person on the roster (surveys.roster): who was asked, for response rates.
CREATE TABLE IF NOT EXISTS raw_survey_roster (
    respondent      TEXT NOT NULL PRIMARY KEY,   -- keyed hash of the e-mail address
    team            TEXT NOT NULL
);

-- One row per (team, repository or PagerDuty service) from the configuration.
CREATE TABLE IF NOT EXISTS team_ownership (
    team            TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- 'repository' | 'pagerduty_service' | 'service' (catalog component)
    key             TEXT NOT NULL,               -- repository name, PagerDuty service id or catalog service name
    repository      TEXT,                        -- for a PagerDuty service: the repository (service) it pages for
    PRIMARY KEY (kind, key)
);

-- ------------------------------------------------------------------ service catalog and platform adoption
-- Written by the catalog assets (pipelines/defs/catalog) from the latest catalog load; each load replaces
-- them whole, except raw_adoption_evidence, which keeps when each signal was first seen across loads.

-- One row per team: team -> department -> organisation, from the catalog's Groups or the `teams` section.
CREATE TABLE IF NOT EXISTS raw_team_hierarchy (
    team            TEXT NOT NULL PRIMARY KEY,
    department      TEXT,                        -- NULL: the team sits directly under the organisation
    organisation    TEXT NOT NULL,
    display_name    TEXT,
    group_type      TEXT,                        -- the Group's spec.type
    path            TEXT[],                      -- group chain from the team up to its top-most ancestor
    known           BOOLEAN,                     -- false: an owner no Group (or teams entry) defines
    source          TEXT NOT NULL                -- 'catalog' | 'config'
);

-- One row per team the catalog knows (owning groups and Groups of type team), with its roll-up.
CREATE TABLE IF NOT EXISTS raw_catalog_teams (
    team            TEXT NOT NULL PRIMARY KEY,
    department      TEXT,
    organisation    TEXT NOT NULL,
    display_name    TEXT,
    group_type      TEXT,
    path            TEXT[],
    known           BOOLEAN NOT NULL,            -- false: an owner no Group defines (reported)
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per (kind, key) the catalog assigns to a team, in the shape of team_ownership.
CREATE TABLE IF NOT EXISTS raw_catalog_ownership (
    team            TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- 'repository' | 'service' | 'pagerduty_service'
    key             TEXT NOT NULL,
    repository      TEXT,
    loaded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, key)
);

-- One row per catalog entity (Component, System, API, Resource, Group).
CREATE TABLE IF NOT EXISTS raw_catalog_entities (
    entity_ref      TEXT NOT NULL PRIMARY KEY,   -- kind:name, e.g. 'component:payments-api'
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    namespace       TEXT NOT NULL,
    title           TEXT,
    spec_type       TEXT,
    owner           TEXT,                        -- normalised: 'group:default/payments' -> 'payments'
    owner_kind      TEXT,                        -- 'group' | 'user'
    system          TEXT,
    lifecycle       TEXT,
    parent          TEXT,                        -- Group: its parent group
    provides_apis   TEXT[],
    consumes_apis   TEXT[],
    depends_on      TEXT[],
    annotations     TEXT,                        -- JSON object
    source_repository TEXT,
    source_path     TEXT,
    source_line     INTEGER,
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per service: each catalog Component, and each read repository no Component describes.
CREATE TABLE IF NOT EXISTS raw_catalog_services (
    service         TEXT NOT NULL PRIMARY KEY,   -- the Component's name (the repository for the undescribed)
    team            TEXT,                        -- spec.owner, normalised; NULL: unowned
    repository      TEXT,                        -- from github.com/project-slug, else the repository read
    dora_service    TEXT,                        -- the service name in deployments/changes for this service
    paths           TEXT[],                      -- monorepo folders of the service; empty: whole repository
    system          TEXT,
    lifecycle       TEXT,
    spec_type       TEXT,
    pagerduty_service_ids TEXT[],
    source_template TEXT,
    techdocs_ref    TEXT,
    registered      BOOLEAN NOT NULL,            -- true: a Component of a catalog (not a teams file)
    source_repository TEXT,
    source_path     TEXT,
    source_line     INTEGER,
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per problem found in the latest load: malformed files, unknown owners, unreadable sources.
CREATE TABLE IF NOT EXISTS raw_catalog_problems (
    severity        TEXT NOT NULL,               -- 'error' (skipped) | 'warning' | 'info'
    repository      TEXT,
    path            TEXT,
    line            INTEGER,
    entity          TEXT,
    message         TEXT NOT NULL,
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per reusable-workflow call (`uses: owner/repo/.github/workflows/x.yml@ref`) in a repository's workflows.
CREATE TABLE IF NOT EXISTS raw_catalog_workflow_calls (
    repository      TEXT NOT NULL,
    workflow_path   TEXT NOT NULL,               -- .github/workflows/deploy.yml
    line            INTEGER NOT NULL,
    target_repository TEXT NOT NULL,             -- owner/name of the called workflow's repository
    target_workflow TEXT NOT NULL,               -- file name of the called workflow
    ref             TEXT NOT NULL,               -- the pin: v2, v2.1.0, main, a SHA
    pin             TEXT NOT NULL,               -- 'current' | 'outdated' | 'branch' | 'sha' | 'not checked'
    is_platform     BOOLEAN NOT NULL,
    is_reusable     BOOLEAN NOT NULL,
    is_deploy       BOOLEAN NOT NULL,            -- calls one of catalog.platform.deploy_workflows
    first_seen_at   TIMESTAMP,                   -- when the calling file first existed, when the source knows
    loaded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, workflow_path, line)
);

-- One row per configured adoption signal (catalog.signals), in configuration order.
CREATE TABLE IF NOT EXISTS raw_adoption_signals (
    signal          TEXT NOT NULL PRIMARY KEY,
    check_name      TEXT NOT NULL,
    description     TEXT,
    params          TEXT,                        -- JSON: annotation, templates, workflows, current, min_share
    position        INTEGER NOT NULL
);

-- Settings the adoption SQL reads (effect_signal, effect_weeks, deployments_column, loaded_at, source).
CREATE TABLE IF NOT EXISTS raw_adoption_settings (
    key             TEXT NOT NULL PRIMARY KEY,
    value           TEXT
);

-- One row per (service, file-based signal) ever seen to hold. Kept across loads: held_since is the earliest of
-- the source's date and the first load that saw it; last_observed_at older than the latest load means it
-- no longer holds.
CREATE TABLE IF NOT EXISTS raw_adoption_evidence (
    service         TEXT NOT NULL,
    signal          TEXT NOT NULL,
    held_since      TIMESTAMP NOT NULL,
    first_observed_at TIMESTAMP NOT NULL,
    last_observed_at TIMESTAMP NOT NULL,
    detail          TEXT,
    PRIMARY KEY (service, signal)
);

CREATE TABLE IF NOT EXISTS pulse_meta (
    key             TEXT PRIMARY KEY,
    value           TEXT
);
