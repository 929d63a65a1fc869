-- Purpose: which service and team each PagerDuty service pages for, and where that mapping came from.
-- Grain: one row per PagerDuty service id known from the configuration, the services read, or the incidents read.
-- Inputs: team_ownership, raw_pagerduty_services, raw_pagerduty_incidents.
-- Rules: the mapping is the kind 'pagerduty_service' row of team_ownership (key: PagerDuty service id, repository:
--        the service name the DORA tables use). Those rows come from the configuration
--        (`teams.<team>.pagerduty_services: {id: repository}`) or, when a service catalog is configured, from its
--        `pagerduty.com/service-id` annotations; mapped_by says which (team_ownership.source, 'config' if absent).
--        The team is the team owning the mapped service's repository, else the team that lists the PagerDuty
--        service, else 'unowned'. A PagerDuty service nobody lists keeps service NULL and team 'unowned': its
--        incidents are still counted, never dropped.
-- Seam: another mapping source (say, PagerDuty's own service -> team links) becomes one more branch of `mappings`
--       with its precedence; the highest-precedence mapping of each PagerDuty service wins.
CREATE OR REPLACE TABLE pagerduty_service_map AS
WITH ownership AS (
    SELECT * FROM team_ownership
    UNION ALL BY NAME
    SELECT NULL::TEXT AS source WHERE false
),
mappings AS (
    SELECT
        key AS pagerduty_service_id,
        nullif(trim(repository), '') AS service,
        team AS listed_by,
        coalesce(source, 'config') AS mapped_by,
        1 AS precedence
    FROM ownership
    WHERE kind = 'pagerduty_service'
),
best AS (
    SELECT *
    FROM mappings
    QUALIFY row_number() OVER (PARTITION BY pagerduty_service_id ORDER BY precedence, listed_by) = 1
),
known AS (
    SELECT service_id AS pagerduty_service_id FROM raw_pagerduty_services
    UNION
    SELECT service_id FROM raw_pagerduty_incidents WHERE service_id IS NOT NULL
    UNION
    SELECT pagerduty_service_id FROM mappings
)
SELECT
    k.pagerduty_service_id,
    s.name AS pagerduty_service_name,
    b.service,
    coalesce(owner.team, b.listed_by, 'unowned') AS team,
    b.mapped_by
FROM known k
LEFT JOIN best b USING (pagerduty_service_id)
LEFT JOIN raw_pagerduty_services s ON s.service_id = k.pagerduty_service_id
LEFT JOIN team_ownership owner ON owner.kind = 'repository' AND owner.key = b.service;
