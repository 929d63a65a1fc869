-- Purpose: free-text themes of one wave: respondents mentioning each theme, per group.
-- Grain:   one row per theme per group with respondents.
-- Inputs:  survey_themes (serving copy); $wave.
SELECT theme, scope, group_name, mentions, respondents, share, suppressed, suppressed_reason
FROM survey_themes
WHERE wave = $wave
ORDER BY theme_order, CASE scope WHEN 'organisation' THEN 0 WHEN 'department' THEN 1 ELSE 2 END, group_name
