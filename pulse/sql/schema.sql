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

-- One row per GitHub deployment (any environment), with its latest status.
CREATE TABLE IF NOT EXISTS raw_github_deployments (
    repository      TEXT NOT NULL,
    deployment_id   BIGINT NOT NULL,
    sha             TEXT,
    ref             TEXT,
    task            TEXT,
    environment     TEXT,
    creator         TEXT,
    created_at      TIMESTAMP,
    updated_at      TIMESTAMP,
    latest_state    TEXT,                        -- state of the newest status, NULL when it has none
    latest_state_at TIMESTAMP,
    succeeded_at    TIMESTAMP,                   -- first `success` status
    url             TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, deployment_id)
);

-- One row per run of a workflow that the configuration names as a deploy workflow.
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
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, run_id)
);

-- One row per merged pull request.
CREATE TABLE IF NOT EXISTS raw_github_pull_requests (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    title           TEXT,
    author          TEXT,
    author_type     TEXT,                        -- 'User' or 'Bot'
    head_ref        TEXT,
    base_ref        TEXT,
    labels          TEXT[],
    created_at      TIMESTAMP,
    merged_at       TIMESTAMP,
    merge_commit_sha TEXT,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number)
);

-- One row per commit listed on a merged pull request.
CREATE TABLE IF NOT EXISTS raw_github_pull_request_commits (
    repository      TEXT NOT NULL,
    number          INTEGER NOT NULL,
    sha             TEXT NOT NULL,
    author          TEXT,
    authored_at     TIMESTAMP,
    committed_at    TIMESTAMP,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repository, number, sha)
);

-- One row per PagerDuty service.
CREATE TABLE IF NOT EXISTS raw_pagerduty_services (
    service_id      TEXT NOT NULL PRIMARY KEY,
    name            TEXT,
    status          TEXT,
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL
);

-- One row per PagerDuty incident.
CREATE TABLE IF NOT EXISTS raw_pagerduty_incidents (
    incident_id     TEXT NOT NULL PRIMARY KEY,
    incident_number BIGINT,
    title           TEXT,
    status          TEXT,
    urgency         TEXT,
    priority        TEXT,
    service_id      TEXT,
    created_at      TIMESTAMP,
    acknowledged_at TIMESTAMP,
    resolved_at     TIMESTAMP,
    resolved_from   TEXT,                        -- 'incident' or 'log_entries': where resolved_at came from
    html_url        TEXT,
    fetched_at      TIMESTAMP NOT NULL
);

-- One row per answer: a respondent's answer to one question of one export file.
CREATE TABLE IF NOT EXISTS raw_survey_answers (
    file            TEXT NOT NULL,
    row_number      INTEGER NOT NULL,            -- 1-based data row in the file (header excluded)
    submitted_at    TIMESTAMP,
    respondent      TEXT,                        -- keyed hash of the e-mail address, never the address
    team            TEXT,
    question        TEXT NOT NULL,               -- the column header as exported
    answer          TEXT,
    loaded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (file, row_number, question)
);

-- One row per (team, repository or PagerDuty service) from the configuration.
CREATE TABLE IF NOT EXISTS team_ownership (
    team            TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- 'repository' | 'pagerduty_service'
    key             TEXT NOT NULL,               -- repository name or PagerDuty service id
    repository      TEXT,                        -- for a PagerDuty service: the repository it pages for
    PRIMARY KEY (kind, key)
);

CREATE TABLE IF NOT EXISTS pulse_meta (
    key             TEXT PRIMARY KEY,
    value           TEXT
);
