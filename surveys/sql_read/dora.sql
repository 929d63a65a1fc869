-- Purpose: self-reported DORA buckets of one wave beside the measured ones for the wave's quarter.
-- Grain:   one row per DORA question per group.
-- Inputs:  survey_dora (serving copy); $wave.
SELECT
    question_id, kind, metric, quarter, scope, group_name, n, bucket_counts, self_reported_bucket, self_reported,
    measured_value, measured_unit, measured_based_on, measured_weeks, measured_bucket, measured,
    suppressed, suppressed_reason
FROM survey_dora
WHERE wave = $wave
ORDER BY question_id, CASE scope WHEN 'organisation' THEN 0 WHEN 'department' THEN 1 ELSE 2 END, group_name
