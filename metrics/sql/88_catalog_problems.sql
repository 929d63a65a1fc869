-- Purpose: the problems of the latest catalog load (malformed files, unknown owners, unreachable sources), for the
--          dashboard.
-- Grain: one row per problem, as raw_catalog_problems.
-- Inputs: raw_catalog_problems.
CREATE OR REPLACE TABLE catalog_problems AS
SELECT
    severity,
    repository,
    path,
    line,
    entity,
    message,
    loaded_at
FROM raw_catalog_problems
ORDER BY CASE severity WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END, repository, path, line;
