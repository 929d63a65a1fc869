-- Purpose: the free-text answers of one wave, for teams large enough to be shown (the only ones published).
-- Grain:   one row per free-text answer.
-- Inputs:  survey_comments (serving copy); $wave.
SELECT team, department, question_id, text, themes
FROM survey_comments
WHERE wave = $wave
ORDER BY team, question_id, text
