-- Purpose: stands in for metrics_weekly while the metrics have never been computed (a first survey-only run):
--          the comparison then shows self-reports with no measured figures beside them.
-- Grain:   none (no rows).
-- Inputs:  none.
CREATE OR REPLACE TEMP VIEW survey_metrics_source AS
SELECT
    CAST(NULL AS TEXT) AS scope,
    CAST(NULL AS TEXT) AS scope_name,
    CAST(NULL AS DATE) AS week_start,
    CAST(NULL AS BIGINT) AS deployments,
    CAST(NULL AS BIGINT) AS changes,
    CAST(NULL AS DOUBLE) AS lead_time_median_hours,
    CAST(NULL AS BIGINT) AS failed_deployments,
    CAST(NULL AS BIGINT) AS recoveries,
    CAST(NULL AS DOUBLE) AS recovery_time_median_hours
WHERE false;
