-- Purpose: the DORA benchmark bands used to label figures with a tier, loaded from data, not code.
-- Grain: one row per report year per metric per tier: a half-open band [lower, upper) of the metric's value
--        (upper NULL = no upper bound). Units: deployments per day, hours, or a 0..1 ratio.
-- Inputs: $benchmarks_csv (metrics/benchmarks/dora_tiers.csv). Where the published ranges overlap or leave gaps,
--         the CSV's source_text says what was published and the band says what this project applies.
CREATE OR REPLACE TABLE dora_benchmarks AS
SELECT
    CAST(year AS INTEGER) AS year,
    metric,
    tier,
    CAST(rank AS INTEGER) AS rank,
    CAST(lower AS DOUBLE) AS lower,
    CAST(upper AS DOUBLE) AS upper,
    source_text
FROM read_csv($benchmarks_csv, header = true, all_varchar = true);
