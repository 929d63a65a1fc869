-- Purpose: NPS of one wave for the organisation, its departments and teams, hidden groups included (as hidden).
-- Grain:   one row per NPS question per group.
-- Inputs:  survey_nps (serving copy); $wave.
SELECT
    question_id, scope, group_name, parent_name, n, respondents, roster_size, response_rate,
    promoters_pct, passives_pct, detractors_pct, nps, nps_low, nps_high, previous_wave, previous_nps,
    nps_change, suppressed, suppressed_reason
FROM survey_nps
WHERE wave = $wave
ORDER BY question_id, CASE scope WHEN 'organisation' THEN 0 WHEN 'department' THEN 1 ELSE 2 END, group_name
