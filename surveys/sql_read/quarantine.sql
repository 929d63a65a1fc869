-- Purpose: what was not loaded from the export files, and why; and what each file gave.
-- Grain:   one row per quarantined row (or column, at row 1).
-- Inputs:  survey_quarantine (serving copy).
SELECT file, row_number, reason FROM survey_quarantine ORDER BY file, row_number
