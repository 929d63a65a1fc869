-- Purpose: every service Platform Pulse knows, with its owner and whether the service catalog describes it.
-- Grain: one row per service: each catalog Component, each repository read without one, and every service of
--        the delivery data (deployments, owned or listed repositories) that the catalog does not describe.
-- Inputs: raw_catalog_services, team_ownership, deployments, raw_github_repositories, team_hierarchy.
-- Rules: `dora_service` is the name deployments and changes use for the service (its repository, or the
--        component itself in a monorepo). The team is the catalog owner, else the team owning the service or its
--        repository, else 'unowned': nothing is dropped. `in_catalog` is true for Components of a real catalog.
CREATE OR REPLACE TABLE catalog_services AS
WITH described AS (
    SELECT
        service,
        coalesce(dora_service, repository, service) AS dora_service,
        repository,
        team AS catalog_team,
        registered,
        source_path IS NOT NULL AS described,
        system,
        lifecycle,
        paths,
        pagerduty_service_ids,
        source_template,
        techdocs_ref,
        CASE WHEN source_path IS NOT NULL
             THEN coalesce(source_repository || '/', '') || source_path || coalesce(':' || source_line, '') END
            AS defined_at
    FROM raw_catalog_services
),
seen AS (
    SELECT service AS dora_service, min(repository) AS repository FROM deployments GROUP BY service
    UNION ALL
    SELECT key, key FROM team_ownership WHERE kind = 'repository'
    UNION ALL
    SELECT repository, repository FROM raw_github_repositories WHERE NOT coalesce(archived, false)
),
undescribed AS (
    SELECT s.dora_service, min(s.repository) AS repository
    FROM seen s
    WHERE s.dora_service IS NOT NULL
      -- A repository whose components the catalog describes is covered by them (a monorepo is not one more service).
      AND NOT EXISTS (
          SELECT 1 FROM described d
          WHERE d.dora_service = s.dora_service OR d.service = s.dora_service OR d.repository = s.dora_service
      )
    GROUP BY s.dora_service
),
services AS (
    SELECT * FROM described
    UNION ALL
    SELECT
        dora_service AS service, dora_service, repository, NULL AS catalog_team, false AS registered,
        false AS described, NULL AS system, NULL AS lifecycle, []::TEXT[] AS paths, []::TEXT[], NULL, NULL, NULL
    FROM undescribed
)
SELECT
    s.service,
    s.dora_service,
    s.repository,
    coalesce(s.catalog_team, by_service.team, by_repo.team, 'unowned') AS team,
    h.department,
    coalesce(h.organisation, $organisation) AS organisation,
    s.registered AS in_catalog,
    s.described,
    s.system,
    s.lifecycle,
    s.paths,
    s.pagerduty_service_ids,
    s.source_template,
    s.techdocs_ref,
    s.defined_at
FROM services s
LEFT JOIN team_ownership by_service ON by_service.kind = 'service' AND by_service.key = s.service
LEFT JOIN team_ownership by_repo ON by_repo.kind = 'repository' AND by_repo.key = s.repository
LEFT JOIN team_hierarchy h ON h.team = coalesce(s.catalog_team, by_service.team, by_repo.team, 'unowned')
ORDER BY s.service;
