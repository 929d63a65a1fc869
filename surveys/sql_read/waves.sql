-- Purpose: the survey waves of the serving copy, oldest first, with how many groups each has figures for.
-- Grain:   one row per wave.
-- Inputs:  survey_waves, survey_participation (serving copy).
SELECT
    w.wave,
    w.start_date,
    w.end_date,
    w.previous_wave,
    w.quarter_label,
    w.min_group_size,
    o.respondents AS organisation_respondents
FROM survey_waves w
LEFT JOIN survey_participation o ON o.wave = w.wave AND o.scope = 'organisation'
ORDER BY w.ordinal
