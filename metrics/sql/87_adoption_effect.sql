-- Purpose: the difference in differences of adopting the platform, per team, department and organisation, with n
--          and a caution: what changed for adopters beyond what changed for the services that had not adopted.
-- Grain: one row per scope ('team' | 'department' | 'organisation') per scope_name per metric, for scopes with at
--        least one adopting service.
-- Inputs: adoption_effect_services; $organisation.
-- Rules: over the adopting services whose status is 'included': services = n; treated_before/after = their mean
--        before/after figures; control_before/after = the mean of each adopter's comparison means;
--        did = mean of the per-service did (so did = (treated_after - treated_before) - (control_after -
--        control_before)). control_services counts the distinct comparison services behind it. Each adopter
--        weighs the same, whatever its volume. excluded_services counts adopters left out (see their status).
--        Units: deployments per week, hours, or a 0..1 ratio (change_fail_rate). An association, not proof.
CREATE OR REPLACE TABLE adoption_effect AS
WITH scoped AS (
    SELECT 'team' AS scope, team AS scope_name, * FROM adoption_effect_services
    UNION ALL
    SELECT 'department', department, * FROM adoption_effect_services WHERE department IS NOT NULL
    UNION ALL
    SELECT 'organisation', $organisation, * FROM adoption_effect_services
)
SELECT
    scope,
    scope_name,
    any_value(signal) AS signal,
    metric,
    any_value(metric_order) AS metric_order,
    any_value(weeks) AS weeks,
    count(*) FILTER (WHERE status = 'included') AS services,
    count(*) FILTER (WHERE status <> 'included') AS excluded_services,
    coalesce(len(list_distinct(flatten(list(control_list) FILTER (WHERE status = 'included')))), 0)
        AS control_services,
    avg(before_value) FILTER (WHERE status = 'included') AS treated_before,
    avg(after_value) FILTER (WHERE status = 'included') AS treated_after,
    avg(control_before) FILTER (WHERE status = 'included') AS control_before,
    avg(control_after) FILTER (WHERE status = 'included') AS control_after,
    avg(did) FILTER (WHERE status = 'included') AS did,
    CASE metric
        WHEN 'deployment_frequency' THEN 'deployments per week'
        WHEN 'change_fail_rate' THEN 'ratio'
        ELSE 'hours'
    END AS unit,
    CASE metric WHEN 'deployment_frequency' THEN false ELSE true END AS lower_is_better,
    'Association, not proof: services chose when to adopt the platform, and whatever else changed for them in '
        || 'the same weeks is part of this difference. Compare with n before drawing conclusions.' AS caution
FROM scoped
GROUP BY scope, scope_name, metric
ORDER BY scope, scope_name, metric_order;
