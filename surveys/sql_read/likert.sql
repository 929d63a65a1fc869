-- Purpose: % favourable of one wave per topic and group (topic rows) and per question and group.
-- Grain:   one row per topic (question_id NULL) or question per group.
-- Inputs:  survey_likert_topics, survey_likert (serving copy); $wave.
SELECT topic, NULL AS question_id, scope, group_name, answers AS n, favourable_pct, NULL AS favourable_change,
       questions, questions_shown, suppressed, NULL AS suppressed_reason
FROM survey_likert_topics
WHERE wave = $wave
UNION ALL
SELECT topic, question_id, scope, group_name, n, favourable_pct, favourable_change, 1, CASE WHEN suppressed THEN 0 ELSE 1 END,
       suppressed, suppressed_reason
FROM survey_likert
WHERE wave = $wave
ORDER BY topic, question_id NULLS FIRST, CASE scope WHEN 'organisation' THEN 0 WHEN 'department' THEN 1 ELSE 2 END,
         group_name
