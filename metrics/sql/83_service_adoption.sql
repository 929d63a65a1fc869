-- Purpose: for every service and every configured adoption signal, whether and since when it holds.
-- Grain: one row per service (catalog_services) per signal (raw_adoption_signals, the catalog.signals rules).
-- Inputs: catalog_services, raw_adoption_signals, raw_adoption_evidence, raw_adoption_settings,
--         deployment_platform; $week_from.
-- Rules: file-based signals (registered, scaffolded, techdocs, annotation, reusable_workflows) hold since the
--        earliest date their evidence gives (the source's file history, else the first load that saw them) and
--        until the last load that saw them (held_until NULL: it still holds).
--        platform_deploys holds from the first production deployment through the platform pipeline at which
--        the platform's share of the service's deployments in the 28 days up to it reached min_share (default:
--        the first one). When no deployment of the service before that went another way, the adoption happened
--        at or before the history window and is `left_censored`: its true date is unknown.
--        adopted_before_history: held since before the first full week of the history, or left censored.
CREATE OR REPLACE TABLE service_adoption AS
WITH rules AS (
    SELECT
        signal,
        check_name,
        description,
        position,
        coalesce(TRY_CAST(json_extract_string(params, '$.min_share') AS DOUBLE), 0) AS min_share
    FROM raw_adoption_signals
),
settings AS (
    SELECT TRY_CAST(max(value) FILTER (WHERE key = 'loaded_at') AS TIMESTAMP) AS loaded_at FROM raw_adoption_settings
),
from_files AS (
    SELECT
        e.service,
        e.signal,
        e.held_since,
        CASE WHEN e.last_observed_at < s.loaded_at THEN e.last_observed_at END AS held_until,
        false AS left_censored,
        e.detail
    FROM raw_adoption_evidence e
    CROSS JOIN settings s
),
recent AS (
    SELECT
        service,
        deployment_key,
        deployed_at,
        via_platform,
        count(*) OVER w AS deployments_28d,
        count(*) FILTER (WHERE via_platform) OVER w AS platform_28d
    FROM deployment_platform
    WINDOW w AS (PARTITION BY service ORDER BY deployed_at RANGE BETWEEN INTERVAL 28 DAY PRECEDING AND CURRENT ROW)
),
from_deployments AS (
    SELECT
        t.service,
        r.signal,
        min(t.deployed_at) FILTER (
            WHERE t.via_platform AND t.platform_28d >= r.min_share * t.deployments_28d
        ) AS held_since,
        min(t.deployed_at) FILTER (WHERE NOT t.via_platform) AS first_other_at,
        count(*) FILTER (WHERE t.via_platform) AS platform_deployments,
        count(*) AS deployments
    FROM recent t
    JOIN rules r ON r.check_name = 'platform_deploys'
    GROUP BY t.service, r.signal
),
platform AS (
    SELECT
        service,
        signal,
        held_since,
        NULL::TIMESTAMP AS held_until,
        held_since IS NOT NULL AND (first_other_at IS NULL OR first_other_at > held_since) AS left_censored,
        platform_deployments || ' of ' || deployments || ' production deployments through the platform' AS detail
    FROM from_deployments
    WHERE held_since IS NOT NULL
),
evidence AS (
    SELECT f.* FROM from_files f JOIN rules r ON r.signal = f.signal AND r.check_name <> 'platform_deploys'
    UNION ALL
    SELECT * FROM platform
)
SELECT
    c.service,
    c.dora_service,
    c.team,
    c.department,
    r.signal,
    r.check_name,
    r.description,
    r.position,
    e.held_since,
    e.held_until,
    e.held_since IS NOT NULL AND e.held_until IS NULL AS holds_now,
    coalesce(e.left_censored, false) AS left_censored,
    coalesce(e.left_censored OR e.held_since < CAST($week_from AS DATE) + INTERVAL 7 DAY, false)
        AS adopted_before_history,
    e.detail
FROM catalog_services c
CROSS JOIN rules r
LEFT JOIN evidence e ON e.service = c.service AND e.signal = r.signal
ORDER BY c.service, r.position;
