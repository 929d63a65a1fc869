-- Purpose: the reference tables the survey SQL reads, recreated empty on every run and then filled from the
--          configuration by surveys/measures.py (waves, teams and departments, DORA answer scales).
-- Grain:   survey_wave_defs: one row per wave; survey_org_units: one row per team;
--          survey_dora_scale: one row per answer bucket per DORA question type; survey_theme_defs: one row
--          per theme; survey_text_themes: one row per (kept free-text answer, theme it mentions);
--          survey_suppressed: one row per hidden group per wave and measure (from surveys/anonymity.py).
-- Inputs:  none.
CREATE OR REPLACE TABLE survey_wave_defs (
    wave            TEXT NOT NULL PRIMARY KEY,
    start_date      DATE NOT NULL,
    end_date        DATE NOT NULL,               -- inclusive
    ordinal         INTEGER NOT NULL,            -- 1 = earliest
    previous_wave   TEXT,
    quarter_label   TEXT NOT NULL,               -- the calendar quarter of start_date, e.g. 2026-Q3
    quarter_start   DATE NOT NULL,
    quarter_end     DATE NOT NULL                -- exclusive
);

CREATE OR REPLACE TABLE survey_org_units (
    team            TEXT NOT NULL PRIMARY KEY,
    department      TEXT                         -- NULL: the team sits directly under the organisation
);

CREATE OR REPLACE TABLE survey_dora_scale (
    kind            TEXT NOT NULL,               -- question type, e.g. dora_lead_time
    metric          TEXT NOT NULL,               -- lead_time | deploy_frequency | recovery_time | change_fail_rate
    unit            TEXT NOT NULL,
    bucket          INTEGER NOT NULL,            -- 1 = fastest / best
    label           TEXT NOT NULL,
    lower_bound     DOUBLE NOT NULL,             -- measured value range [lower_bound, upper_bound)
    upper_bound     DOUBLE,                      -- NULL: no upper bound
    PRIMARY KEY (kind, bucket)
);

CREATE OR REPLACE TABLE survey_theme_defs (
    theme           TEXT NOT NULL PRIMARY KEY,
    ordinal         INTEGER NOT NULL             -- order in the configuration
);

-- PRIVATE: which kept free-text answer mentions which theme (tagged in Python from surveys.themes).
CREATE OR REPLACE TABLE survey_text_themes (
    wave            TEXT NOT NULL,
    respondent      TEXT NOT NULL,
    question_id     TEXT NOT NULL,
    theme           TEXT NOT NULL
);

CREATE OR REPLACE TABLE survey_suppressed (
    wave            TEXT NOT NULL,
    measure         TEXT NOT NULL,               -- respondents | nps | likert | dora
    question_id     TEXT NOT NULL,               -- '' for respondents
    scope           TEXT NOT NULL,
    group_name      TEXT NOT NULL,
    reason          TEXT NOT NULL
);
