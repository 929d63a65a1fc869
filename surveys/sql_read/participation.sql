-- Purpose: respondents and response rate of one wave per group (hidden groups included, as hidden).
-- Grain:   one row per group.
-- Inputs:  survey_participation (serving copy); $wave.
SELECT scope, group_name, parent_name, respondents, roster_size, response_rate, suppressed, suppressed_reason
FROM survey_participation
WHERE wave = $wave
ORDER BY CASE scope WHEN 'organisation' THEN 0 WHEN 'department' THEN 1 ELSE 2 END, group_name
