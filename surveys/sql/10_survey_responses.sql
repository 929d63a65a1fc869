-- Purpose: the submissions that count: one per respondent per wave, the latest; and the ones they replaced.
-- Grain:   survey_responses: one row per (wave, respondent); survey_superseded: one row per replaced submission.
-- Inputs:  raw_survey_responses, survey_org_units.
-- Rules:   "latest" is the latest submitted_at; ties go to the file loaded last, then the later row. Responses
--          without an e-mail address are each their own respondent (they cannot be matched).
--          PRIVATE: these tables hold respondent hashes and are never published.
CREATE OR REPLACE TABLE survey_responses AS
WITH ranked AS (
    SELECT
        r.file,
        r.row_number,
        r.wave,
        r.respondent,
        r.anonymous,
        r.team,
        u.department,
        r.submitted_at,
        row_number() OVER (
            PARTITION BY r.wave, r.respondent
            ORDER BY r.submitted_at DESC, r.loaded_at DESC, r.file DESC, r.row_number DESC
        ) AS rank
    FROM raw_survey_responses r
    LEFT JOIN survey_org_units u ON u.team = r.team
)
SELECT * EXCLUDE (rank) FROM ranked WHERE rank = 1;

CREATE OR REPLACE TABLE survey_superseded AS
SELECT
    r.file,
    r.row_number,
    r.wave,
    r.loaded_at,
    k.file AS kept_file,
    k.row_number AS kept_row_number
FROM raw_survey_responses r
JOIN survey_responses k ON k.wave = r.wave AND k.respondent = r.respondent
WHERE NOT (k.file = r.file AND k.row_number = r.row_number);

-- Each kept response once for every group it counts in: its team, its department (if any), the organisation.
CREATE OR REPLACE TABLE survey_memberships AS
SELECT wave, respondent, 'team' AS scope, team AS group_name FROM survey_responses
UNION ALL
SELECT wave, respondent, 'department', department FROM survey_responses WHERE department IS NOT NULL
UNION ALL
SELECT wave, respondent, 'organisation', $organisation FROM survey_responses;
