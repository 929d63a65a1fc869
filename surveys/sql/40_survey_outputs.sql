-- Purpose: the published survey tables: every figure of a hidden group is NULL and the reason is given instead.
-- Grain:   stated per table below; "group" = (scope, group_name) with scope 'team' | 'department' | 'organisation'.
-- Inputs:  survey_cells_* and survey_dora_measured (counts, private), survey_suppressed (surveys/anonymity.py),
--          survey_wave_defs, survey_responses, raw_survey_answers, survey_text_themes, raw_survey_quarantine,
--          survey_superseded, raw_survey_files; $min_group_size.
-- Rules:   see docs/metrics.md, "Developer surveys". NPS = % promoters (9-10) - % detractors (0-6), -100..100;
--          its 90% interval is the adjusted Wald interval: with p = (promoters + 3/4) / (n + 3) and
--          d = (detractors + 3/4) / (n + 3), 100 x (p - d) +/- 1.645 x 100 x sqrt((p + d - (p - d)^2) / (n + 3)),
--          clipped to -100..100. Change from the previous wave only when both figures are shown.
--          These tables never hold a respondent hash, a submission time or the free text of a hidden team.

-- One row per wave.
CREATE OR REPLACE TABLE survey_waves AS
SELECT wave, start_date, end_date, ordinal, previous_wave, quarter_label, $min_group_size AS min_group_size
FROM survey_wave_defs
ORDER BY ordinal;

-- One row per wave per group: how many answered, out of how many on the roster.
CREATE OR REPLACE TABLE survey_participation AS
SELECT
    c.wave,
    c.scope,
    c.group_name,
    c.parent_scope,
    c.parent_name,
    CASE WHEN s.reason IS NULL THEN c.n END AS respondents,
    c.roster_size,
    CASE WHEN s.reason IS NULL AND c.roster_size > 0 THEN c.n / c.roster_size END AS response_rate,
    s.reason IS NOT NULL AS suppressed,
    s.reason AS suppressed_reason
FROM survey_cells_respondents c
LEFT JOIN survey_suppressed s
    ON s.wave = c.wave AND s.measure = 'respondents' AND s.scope = c.scope AND s.group_name = c.group_name
ORDER BY c.wave, c.scope, c.group_name;

-- One row per wave per NPS question per group that answered it.
CREATE OR REPLACE TABLE survey_nps AS
WITH shown AS (
    SELECT
        c.*,
        s.reason,
        c.promoters / c.n AS p,
        c.detractors / c.n AS d,
        -- Adjusted Wald (Rocks 2016): 3/4 of a promoter and of a detractor and 3 answers added, so that a small
        -- or one-sided group still gets an interval of honest width (plain Wald gives 100..100 for 5 promoters).
        (c.promoters + 0.75) / (c.n + 3) AS p_adj,
        (c.detractors + 0.75) / (c.n + 3) AS d_adj
    FROM survey_cells_nps c
    LEFT JOIN survey_suppressed s
        ON s.wave = c.wave AND s.measure = 'nps' AND s.question_id = c.question_id
        AND s.scope = c.scope AND s.group_name = c.group_name
),
figures AS (
    SELECT
        *,
        CASE WHEN reason IS NULL THEN 100.0 * (p - d) END AS nps,
        CASE WHEN reason IS NULL THEN 100.0 * (p_adj - d_adj) END AS centre,
        CASE WHEN reason IS NULL
            THEN 164.48536269514722::DOUBLE * sqrt((p_adj + d_adj - pow(p_adj - d_adj, 2)) / (n + 3))
        END AS margin
    FROM shown
)
SELECT
    f.wave,
    f.question_id,
    f.scope,
    f.group_name,
    f.parent_scope,
    f.parent_name,
    CASE WHEN f.reason IS NULL THEN f.n END AS n,
    pa.respondents,
    pa.roster_size,
    pa.response_rate,
    CASE WHEN f.reason IS NULL THEN 100.0 * f.p END AS promoters_pct,
    CASE WHEN f.reason IS NULL THEN 100.0 * f.passives / f.n END AS passives_pct,
    CASE WHEN f.reason IS NULL THEN 100.0 * f.d END AS detractors_pct,
    f.nps,
    -- greatest/least skip NULLs, so a hidden group's bounds must be NULLed explicitly.
    CASE WHEN f.nps IS NOT NULL THEN greatest(-100.0, f.centre - f.margin) END AS nps_low,
    CASE WHEN f.nps IS NOT NULL THEN least(100.0, f.centre + f.margin) END AS nps_high,
    w.previous_wave,
    prev.nps AS previous_nps,
    f.nps - prev.nps AS nps_change,
    f.reason IS NOT NULL AS suppressed,
    f.reason AS suppressed_reason
FROM figures f
JOIN survey_wave_defs w ON w.wave = f.wave
LEFT JOIN figures prev
    ON prev.wave = w.previous_wave AND prev.question_id = f.question_id
    AND prev.scope = f.scope AND prev.group_name = f.group_name
LEFT JOIN survey_participation pa ON pa.wave = f.wave AND pa.scope = f.scope AND pa.group_name = f.group_name
ORDER BY f.wave, f.question_id, f.scope, f.group_name;

-- One row per wave per Likert question per group that answered it.
CREATE OR REPLACE TABLE survey_likert AS
WITH shown AS (
    SELECT
        c.*,
        s.reason,
        CASE WHEN s.reason IS NULL THEN 100.0 * c.favourable / c.n END AS favourable_pct
    FROM survey_cells_likert c
    LEFT JOIN survey_suppressed s
        ON s.wave = c.wave AND s.measure = 'likert' AND s.question_id = c.question_id
        AND s.scope = c.scope AND s.group_name = c.group_name
)
SELECT
    f.wave,
    f.topic,
    f.question_id,
    f.scope,
    f.group_name,
    f.parent_scope,
    f.parent_name,
    CASE WHEN f.reason IS NULL THEN f.n END AS n,
    f.favourable_pct,
    prev.favourable_pct AS previous_favourable_pct,
    f.favourable_pct - prev.favourable_pct AS favourable_change,
    f.reason IS NOT NULL AS suppressed,
    f.reason AS suppressed_reason
FROM shown f
JOIN survey_wave_defs w ON w.wave = f.wave
LEFT JOIN shown prev
    ON prev.wave = w.previous_wave AND prev.question_id = f.question_id
    AND prev.scope = f.scope AND prev.group_name = f.group_name
ORDER BY f.wave, f.topic, f.question_id, f.scope, f.group_name;

-- One row per wave per topic per group: % favourable over the topic's SHOWN question figures only, so it is
-- computed from published numbers and can reveal nothing they do not.
CREATE OR REPLACE TABLE survey_likert_topics AS
SELECT
    wave,
    topic,
    scope,
    group_name,
    any_value(parent_scope) AS parent_scope,
    any_value(parent_name) AS parent_name,
    count(*) AS questions,
    count(*) FILTER (WHERE NOT suppressed) AS questions_shown,
    sum(n) AS answers,
    sum(n * favourable_pct) / sum(n) AS favourable_pct,
    count(*) FILTER (WHERE NOT suppressed) = 0 AS suppressed
FROM survey_likert
GROUP BY wave, topic, scope, group_name
ORDER BY wave, topic, scope, group_name;

-- One row per wave per DORA self-report question per group that answered it, beside the measured figure.
CREATE OR REPLACE TABLE survey_dora AS
SELECT
    c.wave,
    w.quarter_label AS quarter,
    c.question_id,
    c.kind,
    sc.metric,
    c.scope,
    c.group_name,
    c.parent_scope,
    c.parent_name,
    CASE WHEN s.reason IS NULL THEN c.n END AS n,
    CASE WHEN s.reason IS NULL THEN c.bucket_counts END AS bucket_counts,
    CASE WHEN s.reason IS NULL THEN c.median_bucket END AS self_reported_bucket,
    CASE WHEN s.reason IS NULL THEN own.label END AS self_reported,
    m.value AS measured_value,
    sc.unit AS measured_unit,
    m.based_on AS measured_based_on,
    m.weeks AS measured_weeks,
    m.bucket AS measured_bucket,
    m.label AS measured,
    s.reason IS NOT NULL AS suppressed,
    s.reason AS suppressed_reason
FROM survey_cells_dora c
JOIN survey_wave_defs w ON w.wave = c.wave
JOIN (SELECT DISTINCT kind, metric, unit FROM survey_dora_scale) sc ON sc.kind = c.kind
LEFT JOIN survey_dora_scale own ON own.kind = c.kind AND own.bucket = c.median_bucket
LEFT JOIN survey_dora_measured m
    ON m.wave = c.wave AND m.scope = c.scope AND m.group_name = c.group_name AND m.metric = sc.metric
LEFT JOIN survey_suppressed s
    ON s.wave = c.wave AND s.measure = 'dora' AND s.question_id = c.question_id
    AND s.scope = c.scope AND s.group_name = c.group_name
ORDER BY c.wave, c.question_id, c.scope, c.group_name;

-- One row per wave per theme per group with respondents: how many respondents' free text mentions the theme.
-- Follows the respondents measure's hiding (the mentions add up like respondents do).
CREATE OR REPLACE TABLE survey_themes AS
SELECT
    t.wave,
    t.theme,
    d.ordinal AS theme_order,
    t.scope,
    t.group_name,
    t.parent_scope,
    t.parent_name,
    CASE WHEN s.reason IS NULL THEN t.mentions END AS mentions,
    CASE WHEN s.reason IS NULL THEN c.n END AS respondents,
    CASE WHEN s.reason IS NULL THEN t.mentions / c.n END AS share,
    s.reason IS NOT NULL AS suppressed,
    s.reason AS suppressed_reason
FROM survey_cells_themes t
JOIN survey_theme_defs d ON d.theme = t.theme
JOIN survey_cells_respondents c ON c.wave = t.wave AND c.scope = t.scope AND c.group_name = t.group_name
LEFT JOIN survey_suppressed s
    ON s.wave = t.wave AND s.measure = 'respondents' AND s.scope = t.scope AND s.group_name = t.group_name
ORDER BY t.wave, d.ordinal, t.scope, t.group_name;

-- One row per free-text answer of a SHOWN team (a hidden team's free text is never published), with its themes.
-- No respondent, submission time, file or row: in alphabetical order, not the order it was written in.
CREATE OR REPLACE TABLE survey_comments AS
SELECT
    r.wave,
    r.team,
    r.department,
    a.question_id,
    a.text,
    coalesce(
        (SELECT list(x.theme ORDER BY x.theme) FROM survey_text_themes x
         WHERE x.wave = r.wave AND x.respondent = r.respondent AND x.question_id = a.question_id),
        []
    ) AS themes
FROM survey_responses r
JOIN raw_survey_answers a ON a.file = r.file AND a.row_number = r.row_number
JOIN survey_cells_respondents c ON c.wave = r.wave AND c.scope = 'team' AND c.group_name = r.team
WHERE a.text IS NOT NULL
    AND c.n >= $min_group_size
    AND NOT EXISTS (
        SELECT 1 FROM survey_suppressed s
        WHERE s.wave = r.wave AND s.measure = 'respondents' AND s.scope = 'team' AND s.group_name = r.team
    )
ORDER BY r.wave, r.team, a.question_id, a.text;

-- One row per quarantined row: rejected when read, or replaced by the same respondent's later submission.
CREATE OR REPLACE TABLE survey_quarantine AS
SELECT file, row_number, reason, loaded_at FROM raw_survey_quarantine
UNION ALL
SELECT
    file,
    row_number,
    'duplicate submission: the same respondent answered wave ' || wave || ' again in ' || kept_file
        || ' row ' || kept_row_number || ', and only the latest submission counts',
    loaded_at
FROM survey_superseded
ORDER BY file, row_number;

-- One row per export file: what was read from it.
CREATE OR REPLACE TABLE survey_files AS
SELECT
    f.file, f.format, f.encoding, f.delimiter, f.status, f.data_rows, f.responses,
    f.quarantined + coalesce(s.superseded, 0) AS quarantined, f.loaded_at
FROM raw_survey_files f
LEFT JOIN (SELECT file, count(*) AS superseded FROM survey_superseded GROUP BY file) s USING (file)
ORDER BY f.file;
