-- Purpose: every fact a DORA figure counts, once per scope it belongs to, so that every scope and period is
--          aggregated by one query from rows (team and organisation figures are never averages of service figures).
-- Grain: one row per fact per scope. kind: 'deployment' (a successful production deployment, at deployed_at),
--        'change' (a change that reached production, at deployed_at), 'failure' (a failed deployment, at its
--        deployed_at), 'incident' (at created_at). scope: 'service' | 'team' | 'organisation'.
-- Inputs: deployments, deployment_outcomes, changes, failed_deployments, incidents; $organisation.
-- Units: hours for every duration column.
CREATE OR REPLACE TABLE metric_facts AS
WITH facts AS (
    SELECT
        'deployment' AS kind, d.service, d.team, d.deployed_at AS occurred_at, d.deployment_key AS ref,
        NULL::DOUBLE AS hours,
        NULL::DOUBLE AS coding_hours, NULL::DOUBLE AS pickup_hours, NULL::DOUBLE AS review_hours,
        NULL::DOUBLE AS deploy_hours,
        coalesce(o.failed, false) AS failed,
        coalesce(o.is_rework, false) AS rework
    FROM deployments d
    LEFT JOIN deployment_outcomes o USING (deployment_key)
    UNION ALL
    SELECT
        'change', c.service, c.team, c.deployed_at, c.change_key,
        c.lead_time_hours,
        c.coding_hours,
        c.pickup_hours,
        c.review_hours,
        c.merge_to_deploy_hours,
        NULL,
        NULL
    FROM changes c
    WHERE c.deployed_at IS NOT NULL
    UNION ALL
    SELECT
        'failure', f.service, f.team, f.deployed_at, f.deployment_key, f.recovery_hours,
        NULL, NULL, NULL, NULL, true, NULL
    FROM failed_deployments f
    UNION ALL
    SELECT
        'incident', i.service, i.team, i.created_at, i.incident_id, i.restore_hours,
        NULL, NULL, NULL, NULL, NULL, NULL
    FROM incidents i
)
SELECT s.scope,
       CASE s.scope WHEN 'service' THEN coalesce(f.service, '(no service)')
                    WHEN 'team' THEN f.team
                    ELSE $organisation END AS scope_name,
       f.*
FROM facts f
CROSS JOIN (VALUES ('service'), ('team'), ('organisation')) s(scope)
WHERE f.occurred_at IS NOT NULL;
