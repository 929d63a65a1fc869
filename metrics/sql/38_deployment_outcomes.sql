-- Purpose: for every production deployment, whether it failed (and why), when it recovered, and whether it was
--          itself unplanned rework; the rows behind change fail rate, failed deployment recovery time and
--          deployment rework rate.
-- Grain: one row per successful production deployment (deployment_key unique). Units: hours.
-- Inputs: deployments, changes (through the pulse_deployments() and pulse_changes() macros of
--         32_incident_reports.sql), incidents; $window_hours (0 = no window).
-- Rules: a deployment failed when at least one of these points at it (failure_reasons lists each once):
--          'incident'     an incident is attributed to it (see incidents);
--          'reverted'     a revert (changes.is_revert) names a change it shipped, by number (reverts_number) or
--                         commit (reverts_sha), unless the revert shipped in the same deployment (never live);
--          'rolled_back'  a later deployment is a rollback (deployments.is_rollback) whose previous deployment it was
--                         (previous_deployment_key, else the one before it of the same service and environment);
--          'hotfixed'     a hotfix (changes.is_hotfix) fixed it: the hotfix ships in the deployment that fixed an
--                         incident attributed to it, else it is the last deployment of the hotfix's service that
--                         finished before the hotfix was opened, at most $window_hours earlier.
--        Several signals or incidents on one deployment make one failed deployment.
--        recovered_at: with attributed incidents, when the last of them was restored, each at the earlier of its
--        resolution and its fixing deployment (NULL while one is neither); without incidents, the first deployment
--        that reverted, rolled back or hotfixed it (NULL until one is deployed).
--        recovery_hours = recovered_at - deployed_at (failed deployment recovery time).
--        Rework: a deployment is unplanned rework when it is a rollback, ships a revert, ships a hotfix, or is the
--        fixing deployment of an attributed incident (rework_reason, in that order of precedence);
--        fixes_deployment_keys lists the failed deployments it fixed, where known.
--        Columns GitHub ingestion adds later (is_rollback, previous_deployment_key, is_revert, reverts_number,
--        reverts_sha, is_hotfix) read as NULL until they exist, so their rules then find nothing.
-- Incremental: rebuilt are the deployments deployed at or after $since and every deployment that had or has a
--        signal (failed, rework or a fix); every other deployment keeps its row (not failed, not rework). The
--        signals are few, so they are always worked out over all rows (a full recompute passes the start of time).
-- Keys and commit SHAs, unique to each row, are stored uncompressed: compressing them (DICT_FSST) about halves
-- their size but was most of the time spent writing them (benchmarks/README.md).
CREATE TABLE IF NOT EXISTS deployment_outcomes (
    deployment_key          TEXT USING COMPRESSION uncompressed,
    repository              TEXT,
    service                 TEXT,
    team                    TEXT,
    environment             TEXT,
    deployed_at             TIMESTAMP,
    failed                  BOOLEAN,
    failure_reasons         TEXT[],
    incidents               BIGINT,
    first_incident_at       TIMESTAMP,
    recovered_at            TIMESTAMP,
    recovery_hours          DOUBLE,
    is_rework               BOOLEAN,
    rework_reason           TEXT,
    fixes_deployment_keys   TEXT[]
);

CREATE OR REPLACE TEMP TABLE deployment_outcomes_rebuilt AS
WITH
-- Inlined where used, so that each use reads only its columns and rows.
dep AS NOT MATERIALIZED (SELECT * FROM pulse_deployments()),
chg AS NOT MATERIALIZED (SELECT * FROM pulse_changes()),
rollbacks AS (
    SELECT * FROM dep WHERE coalesce(is_rollback, false)
),
rolled_back_from AS (
    -- A rollback without previous_deployment_key undoes the deployment before it (same service and environment).
    SELECT r.deployment_key, coalesce(r.previous_deployment_key, p.deployment_key) AS previous_key, r.deployed_at
    FROM rollbacks r
    ASOF LEFT JOIN (
        SELECT service, environment, deployed_at, max(deployment_key) AS deployment_key
        FROM dep
        WHERE service IN (SELECT service FROM rollbacks)
        GROUP BY service, environment, deployed_at
    ) p
      ON p.service = r.service AND p.environment = r.environment AND r.deployed_at > p.deployed_at
),
incident_signals AS (
    SELECT
        i.deployment_key,
        'incident' AS reason,
        i.incident_id,
        least(i.resolved_at, i.fixed_at) AS recovered_at,
        CAST(NULL AS TEXT) AS fixed_by
    FROM incidents i
    WHERE i.deployment_key IS NOT NULL
),
reverts AS MATERIALIZED (
    SELECT * FROM chg WHERE coalesce(is_revert, false)
),
-- Only the changes of repositories that have a revert can be reverted: filtering first keeps the prefix joins
-- below from hashing every change.
revertible AS MATERIALIZED (
    SELECT repository, number, sha, merge_commit_sha, deployment_key, is_revert
    FROM chg
    WHERE repository IN (SELECT repository FROM reverts)
),
revert_targets AS (
    -- What each revert names: a change of the same repository, by number or by (a prefix of) its commit.
    SELECT r.deployment_key AS revert_key, r.deployed_at AS reverted_at, t.deployment_key, t.is_revert
    FROM reverts r
    JOIN revertible t ON t.repository = r.repository AND t.number = r.reverts_number
    UNION ALL
    SELECT r.deployment_key, r.deployed_at, t.deployment_key, t.is_revert
    FROM reverts r
    JOIN revertible t
      ON t.repository = r.repository
     AND left(lower(t.sha), 7) = left(lower(r.reverts_sha), 7)
     AND starts_with(lower(t.sha), lower(r.reverts_sha))
    WHERE length(r.reverts_sha) >= 7
    UNION ALL
    SELECT r.deployment_key, r.deployed_at, t.deployment_key, t.is_revert
    FROM reverts r
    JOIN revertible t
      ON t.repository = r.repository
     AND left(lower(t.merge_commit_sha), 7) = left(lower(r.reverts_sha), 7)
     AND starts_with(lower(t.merge_commit_sha), lower(r.reverts_sha))
    WHERE length(r.reverts_sha) >= 7
),
revert_signals AS (
    SELECT DISTINCT deployment_key, 'reverted' AS reason, NULL AS incident_id, reverted_at AS recovered_at,
           revert_key AS fixed_by
    FROM revert_targets
    WHERE deployment_key IS NOT NULL
      AND deployment_key IS DISTINCT FROM revert_key
      -- Reverting a revert lands the change again; the first revert's deployment did not fail.
      AND NOT coalesce(is_revert, false)
),
rollback_signals AS (
    SELECT previous_key AS deployment_key, 'rolled_back' AS reason, NULL AS incident_id, deployed_at AS recovered_at,
           deployment_key AS fixed_by
    FROM rolled_back_from
    WHERE previous_key IS NOT NULL
),
hotfixes AS (
    SELECT h.repository, h.service, h.number, h.deployment_key AS hotfix_deployment_key,
           coalesce(h.created_at, h.merged_at) AS opened_at,
           d.deployed_at AS hotfix_deployed_at
    FROM chg h
    LEFT JOIN dep d ON d.deployment_key = h.deployment_key
    WHERE coalesce(h.is_hotfix, false)
),
hotfix_of_incident AS (
    -- The hotfix ships in the deployment that fixed an incident: it fixed the incident's deployment.
    SELECT DISTINCT i.deployment_key, h.hotfix_deployment_key, h.hotfix_deployed_at, h.repository, h.number
    FROM hotfixes h
    JOIN incidents i ON i.fix_deployment_key = h.hotfix_deployment_key AND i.deployment_key IS NOT NULL
),
hotfix_live AS (
    -- Otherwise: what was live on the hotfix's service when it was opened, if recent enough.
    SELECT d.deployment_key, h.hotfix_deployment_key, h.hotfix_deployed_at, h.repository, h.number
    FROM (
        SELECT * FROM hotfixes h
        WHERE NOT EXISTS (SELECT 1 FROM hotfix_of_incident x WHERE x.repository = h.repository AND x.number = h.number)
    ) h
    ASOF JOIN (
        SELECT service, deployed_at, max(deployment_key) AS deployment_key
        FROM dep
        WHERE service IN (SELECT coalesce(service, repository) FROM hotfixes)
        GROUP BY service, deployed_at
    ) d
      ON d.service = coalesce(h.service, h.repository) AND h.opened_at >= d.deployed_at
    WHERE (CAST($window_hours AS BIGINT) = 0 OR d.deployed_at >= h.opened_at - to_hours(CAST($window_hours AS BIGINT)))
      AND d.deployment_key IS DISTINCT FROM h.hotfix_deployment_key
),
hotfix_signals AS (
    SELECT deployment_key, 'hotfixed' AS reason, NULL AS incident_id, hotfix_deployed_at AS recovered_at,
           hotfix_deployment_key AS fixed_by
    FROM (SELECT * FROM hotfix_of_incident UNION ALL SELECT * FROM hotfix_live)
),
signals AS (
    SELECT * FROM incident_signals
    UNION ALL SELECT * FROM revert_signals
    UNION ALL SELECT * FROM rollback_signals
    UNION ALL SELECT * FROM hotfix_signals
),
failure AS (
    SELECT
        deployment_key,
        list_sort(list_distinct(list(reason))) AS failure_reasons,
        count(DISTINCT incident_id) AS incidents,
        CASE
            WHEN count(incident_id) > 0 THEN
                CASE WHEN bool_and(recovered_at IS NOT NULL) FILTER (WHERE reason = 'incident')
                     THEN max(recovered_at) FILTER (WHERE reason = 'incident') END
            ELSE min(recovered_at)
        END AS recovered_at
    FROM signals
    GROUP BY deployment_key
),
first_incident AS (
    SELECT deployment_key, min(created_at) AS first_incident_at
    FROM incidents WHERE deployment_key IS NOT NULL GROUP BY deployment_key
),
shipped AS (
    SELECT
        deployment_key,
        bool_or(coalesce(is_revert, false)) AS ships_revert,
        bool_or(coalesce(is_hotfix, false)) AS ships_hotfix
    FROM chg
    WHERE deployment_key IS NOT NULL AND (coalesce(is_revert, false) OR coalesce(is_hotfix, false))
    GROUP BY deployment_key
),
incident_fixes_of AS (
    SELECT fix_deployment_key AS deployment_key, list_distinct(list(deployment_key)) AS fixed
    FROM incidents WHERE deployment_key IS NOT NULL AND fix_deployment_key IS NOT NULL
    GROUP BY fix_deployment_key
),
fixes_of AS (
    SELECT fixed_by AS deployment_key, list_distinct(list(deployment_key)) AS fixed
    FROM signals WHERE fixed_by IS NOT NULL
    GROUP BY fixed_by
),
rework AS (
    -- Only the few deployments that are rework or fixed something; every other deployment joins nothing.
    SELECT
        d.deployment_key,
        CASE
            WHEN coalesce(d.is_rollback, false) THEN 'rollback'
            WHEN s.ships_revert THEN 'revert'
            WHEN s.ships_hotfix THEN 'hotfix'
            WHEN ifx.deployment_key IS NOT NULL THEN 'incident_fix'
        END AS rework_reason,
        list_sort(list_distinct(list_concat(coalesce(fx.fixed, []::TEXT[]), coalesce(ifx.fixed, []::TEXT[]))))
            AS fixes_deployment_keys
    FROM dep d
    LEFT JOIN shipped s USING (deployment_key)
    LEFT JOIN incident_fixes_of ifx USING (deployment_key)
    LEFT JOIN fixes_of fx USING (deployment_key)
    WHERE coalesce(d.is_rollback, false)
       OR s.deployment_key IS NOT NULL
       OR ifx.deployment_key IS NOT NULL
       OR fx.deployment_key IS NOT NULL
)
SELECT
    d.deployment_key,
    d.repository,
    d.service,
    d.team,
    d.environment,
    d.deployed_at,
    f.deployment_key IS NOT NULL AS failed,
    coalesce(f.failure_reasons, []::TEXT[]) AS failure_reasons,
    coalesce(f.incidents, 0) AS incidents,
    fi.first_incident_at,
    f.recovered_at,
    date_diff('second', d.deployed_at, f.recovered_at) / 3600.0 AS recovery_hours,
    r.rework_reason IS NOT NULL AS is_rework,
    r.rework_reason,
    coalesce(r.fixes_deployment_keys, []::TEXT[]) AS fixes_deployment_keys
FROM dep d
LEFT JOIN failure f USING (deployment_key)
LEFT JOIN first_incident fi USING (deployment_key)
LEFT JOIN rework r USING (deployment_key)
WHERE d.deployed_at >= $since
   OR f.deployment_key IS NOT NULL
   OR r.deployment_key IS NOT NULL
   OR d.deployment_key IN (
        SELECT deployment_key FROM deployment_outcomes
        WHERE failed OR is_rework OR len(fixes_deployment_keys) > 0
   );

DELETE FROM deployment_outcomes WHERE deployment_key IN (SELECT deployment_key FROM deployment_outcomes_rebuilt);

INSERT INTO deployment_outcomes SELECT * FROM deployment_outcomes_rebuilt;

DROP TABLE deployment_outcomes_rebuilt;
