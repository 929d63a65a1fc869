-- Purpose: the counts behind every survey figure, per wave and group, before anything is hidden.
-- Grain:   one row per wave per group (team, department, organisation) per measure and question:
--          survey_cells_respondents (every group, also with no respondents), survey_cells_nps,
--          survey_cells_likert, survey_cells_dora, survey_cells_themes (only groups with answers).
-- Inputs:  survey_responses, survey_memberships, survey_org_units, raw_survey_answers, raw_survey_roster,
--          survey_text_themes, survey_theme_defs, survey_wave_defs; $organisation.
-- Rules:   n counts respondents (one kept submission each). Every count is a plain sum over respondents, which
--          is what makes subtraction between groups possible and why surveys/anonymity.py looks at all of them.
--          PRIVATE: small groups are not hidden yet; only the survey_* tables built from these are published.
CREATE OR REPLACE TABLE survey_groups AS
WITH teams AS (
    SELECT team, department FROM survey_org_units
    UNION
    SELECT DISTINCT team, NULL FROM survey_responses WHERE team NOT IN (SELECT team FROM survey_org_units)
)
SELECT 'team' AS scope, team AS group_name,
       CASE WHEN department IS NULL THEN 'organisation' ELSE 'department' END AS parent_scope,
       coalesce(department, $organisation) AS parent_name
FROM teams
UNION ALL
SELECT DISTINCT 'department', department, 'organisation', $organisation FROM teams WHERE department IS NOT NULL
UNION ALL
SELECT 'organisation', $organisation, NULL, NULL;

CREATE OR REPLACE TABLE survey_cells_respondents AS
WITH roster AS (
    SELECT 'team' AS scope, r.team AS group_name, count(*) AS members FROM raw_survey_roster r GROUP BY ALL
    UNION ALL
    SELECT 'department', u.department, count(*) FROM raw_survey_roster r
    JOIN survey_org_units u ON u.team = r.team WHERE u.department IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'organisation', $organisation, count(*) FROM raw_survey_roster HAVING count(*) > 0
),
counts AS (
    SELECT wave, scope, group_name, count(DISTINCT respondent) AS n FROM survey_memberships GROUP BY ALL
)
SELECT
    w.wave,
    g.scope,
    g.group_name,
    g.parent_scope,
    g.parent_name,
    coalesce(c.n, 0) AS n,
    ro.members AS roster_size
FROM survey_wave_defs w
CROSS JOIN survey_groups g
LEFT JOIN counts c ON c.wave = w.wave AND c.scope = g.scope AND c.group_name = g.group_name
LEFT JOIN roster ro ON ro.scope = g.scope AND ro.group_name = g.group_name;

-- Kept answers, each once for every group its respondent counts in.
CREATE OR REPLACE TEMP TABLE survey_group_answers AS
SELECT m.wave, m.scope, m.group_name, m.respondent, a.question_id, a.question_type, a.topic, a.score, a.favourable
FROM survey_responses r
JOIN raw_survey_answers a ON a.file = r.file AND a.row_number = r.row_number
JOIN survey_memberships m ON m.wave = r.wave AND m.respondent = r.respondent
WHERE a.score IS NOT NULL;

CREATE OR REPLACE TABLE survey_cells_nps AS
SELECT
    a.wave, a.question_id, a.scope, a.group_name, g.parent_scope, g.parent_name,
    count(*) AS n,
    count(*) FILTER (WHERE a.score >= 9) AS promoters,
    count(*) FILTER (WHERE a.score BETWEEN 7 AND 8) AS passives,
    count(*) FILTER (WHERE a.score <= 6) AS detractors
FROM survey_group_answers a
JOIN survey_groups g ON g.scope = a.scope AND g.group_name = a.group_name
WHERE a.question_type = 'nps'
GROUP BY ALL;

CREATE OR REPLACE TABLE survey_cells_likert AS
SELECT
    a.wave, a.question_id, coalesce(a.topic, 'other') AS topic, a.scope, a.group_name, g.parent_scope, g.parent_name,
    count(*) AS n,
    count(*) FILTER (WHERE a.favourable) AS favourable
FROM survey_group_answers a
JOIN survey_groups g ON g.scope = a.scope AND g.group_name = a.group_name
WHERE a.question_type = 'likert'
GROUP BY ALL;

CREATE OR REPLACE TABLE survey_cells_dora AS
SELECT
    a.wave, a.question_id, a.question_type AS kind, a.scope, a.group_name, g.parent_scope, g.parent_name,
    count(*) AS n,
    [
        count(*) FILTER (WHERE a.score = 1), count(*) FILTER (WHERE a.score = 2),
        count(*) FILTER (WHERE a.score = 3), count(*) FILTER (WHERE a.score = 4),
        count(*) FILTER (WHERE a.score = 5), count(*) FILTER (WHERE a.score = 6)
    ] AS bucket_counts,
    -- Buckets are ordered options, not numbers: the median is the middle answer (with an even count, the
    -- lower, i.e. faster, of the two middle answers), never a value between options.
    quantile_disc(a.score, 0.5) AS median_bucket
FROM survey_group_answers a
JOIN survey_groups g ON g.scope = a.scope AND g.group_name = a.group_name
WHERE a.question_type LIKE 'dora\_%' ESCAPE '\'
GROUP BY ALL;

CREATE OR REPLACE TABLE survey_cells_themes AS
WITH mentions AS (
    SELECT m.wave, m.scope, m.group_name, x.theme, count(DISTINCT m.respondent) AS mentions
    FROM survey_memberships m
    JOIN survey_text_themes x ON x.wave = m.wave AND x.respondent = m.respondent
    GROUP BY ALL
)
SELECT
    c.wave, t.theme, c.scope, c.group_name, c.parent_scope, c.parent_name,
    coalesce(mn.mentions, 0) AS mentions
FROM survey_cells_respondents c
CROSS JOIN survey_theme_defs t
LEFT JOIN mentions mn ON mn.wave = c.wave AND mn.scope = c.scope AND mn.group_name = c.group_name
    AND mn.theme = t.theme
WHERE c.n > 0;

-- What the anonymity rules look at: every measure's group sizes and where each group sits.
CREATE OR REPLACE TABLE survey_cell_sizes AS
SELECT wave, 'respondents' AS measure, '' AS question_id, scope, group_name, parent_scope, parent_name, n
FROM survey_cells_respondents
UNION ALL
SELECT wave, 'nps', question_id, scope, group_name, parent_scope, parent_name, n FROM survey_cells_nps
UNION ALL
SELECT wave, 'likert', question_id, scope, group_name, parent_scope, parent_name, n FROM survey_cells_likert
UNION ALL
SELECT wave, 'dora', question_id, scope, group_name, parent_scope, parent_name, n FROM survey_cells_dora;
