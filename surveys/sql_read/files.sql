-- Purpose: every export file read, with its format and row counts.
-- Grain:   one row per file.
-- Inputs:  survey_files (serving copy).
SELECT file, format, status, data_rows, responses, quarantined, loaded_at FROM survey_files ORDER BY file
