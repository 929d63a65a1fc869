"""Writing a catalog load into the warehouse's raw catalog tables (see pulse/sql/schema.sql).

Every table but ``raw_adoption_evidence`` is replaced whole in one transaction, so a re-run with the same
catalog leaves the same rows. Evidence is merged: a (service, signal) keeps the earliest ``held_since`` it
ever had, and ``last_observed_at`` moves to this load when the signal still holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from catalog.load import CatalogLoad
from catalog.model import Problem
from pulse.config import CatalogConfig
from pulse.warehouse import insert_frame, replace_rows, rows_frame, to_utc_naive, transaction

CATALOG_TABLES = (
    "raw_catalog_entities",
    "raw_catalog_services",
    "raw_catalog_teams",
    "raw_catalog_ownership",
    "raw_catalog_problems",
    "raw_catalog_workflow_calls",
    "raw_adoption_signals",
    "raw_adoption_settings",
)


def problem_rows(problems: Sequence[Problem], loaded_at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "severity": p.severity,
            "repository": p.location.repository,
            "path": p.location.path,
            "line": p.location.line,
            "entity": p.entity,
            "message": p.message,
            "loaded_at": loaded_at,
        }
        for p in problems
    ]


def signal_rows(catalog: CatalogConfig) -> list[dict[str, Any]]:
    rows = []
    for position, s in enumerate(catalog.signals):
        params = {
            "annotation": s.annotation,
            "templates": list(s.templates),
            "workflows": list(s.workflows),
            "current": s.current,
            "min_share": s.min_share,
        }
        rows.append(
            {
                "signal": s.name,
                "check_name": s.check,
                "description": s.description,
                "params": json.dumps(params),
                "position": position,
            }
        )
    return rows


def settings_rows(catalog: CatalogConfig, loaded_at: datetime, organisation: str) -> list[dict[str, Any]]:
    """The settings the adoption SQL reads; the platform repository is always ``owner/name``."""
    repository = catalog.platform.repository
    if repository and "/" not in repository:
        repository = f"{organisation}/{repository}"
    values = {
        "source": catalog.source,
        "effect_signal": catalog.effect_signal,
        "effect_weeks": str(catalog.effect_weeks),
        "deployments_column": catalog.platform.deployments_column,
        "platform_repository": repository,
        "deploy_workflows": json.dumps([w.rsplit("/", 1)[-1] for w in catalog.platform.deploy_workflows]),
        "current_version": catalog.platform.current_version,
        "loaded_at": loaded_at.isoformat(sep=" "),
    }
    return [{"key": k, "value": v} for k, v in values.items()]


def write_load(
    con: duckdb.DuckDBPyConnection, load: CatalogLoad, catalog: CatalogConfig, loaded_at: datetime
) -> dict[str, int]:
    """Replace the raw catalog tables with this load and merge its adoption evidence; returns row counts."""
    entities: dict[str, dict[str, Any]] = {}
    for e in load.snapshot.entities:
        entities.setdefault(
            e.ref,
            {
                "entity_ref": e.ref,
                "kind": e.kind,
                "name": e.name,
                "namespace": e.namespace,
                "title": e.title,
                "spec_type": e.spec_type,
                "owner": e.owner,
                "owner_kind": e.owner_kind,
                "system": e.system,
                "lifecycle": e.lifecycle,
                "parent": e.parent,
                "provides_apis": list(e.provides_apis),
                "consumes_apis": list(e.consumes_apis),
                "depends_on": list(e.depends_on),
                "annotations": json.dumps(dict(e.annotations), sort_keys=True),
                "source_repository": e.location.repository,
                "source_path": e.location.path,
                "source_line": e.location.line,
                "loaded_at": loaded_at,
            },
        )
    services = [
        {
            "service": s.name,
            "team": s.team,
            "repository": s.repository,
            "dora_service": load.dora_services.get(s.name, s.repository or s.name),
            "paths": list(s.paths),
            "system": s.system,
            "lifecycle": s.lifecycle,
            "spec_type": s.spec_type,
            "pagerduty_service_ids": list(s.pagerduty_service_ids),
            "source_template": s.source_template,
            "techdocs_ref": s.techdocs_ref,
            "registered": s.registered,
            "source_repository": s.location.repository,
            "source_path": s.location.path,
            "source_line": s.location.line,
            "loaded_at": loaded_at,
        }
        for s in load.services
    ]
    teams = [
        {
            "team": t.team,
            "department": t.department,
            "organisation": t.organisation,
            "display_name": t.display_name,
            "group_type": t.group_type,
            "path": list(t.path),
            "known": t.known,
            "loaded_at": loaded_at,
        }
        for t in load.teams
    ]
    ownership: dict[tuple[str, str], dict[str, Any]] = {}
    for r in load.ownership:
        ownership.setdefault(
            (r.kind, r.key),
            {"team": r.team, "kind": r.kind, "key": r.key, "repository": r.repository, "loaded_at": loaded_at},
        )
    calls: dict[tuple[str, str, int], dict[str, Any]] = {}
    for c in load.calls:
        calls.setdefault(
            (c.call.repository, c.call.workflow_path, c.call.line),
            {
                "repository": c.call.repository,
                "workflow_path": c.call.workflow_path,
                "line": c.call.line,
                "target_repository": c.call.target_repository,
                "target_workflow": c.call.target_workflow,
                "ref": c.call.ref,
                "pin": c.pin,
                "is_platform": c.is_platform,
                "is_reusable": c.is_reusable,
                "is_deploy": c.is_deploy,
                "first_seen_at": to_utc_naive(c.call.since),
                "loaded_at": loaded_at,
            },
        )
    tables: dict[str, list[dict[str, Any]]] = {
        "raw_catalog_entities": list(entities.values()),
        "raw_catalog_services": services,
        "raw_catalog_teams": teams,
        "raw_catalog_ownership": list(ownership.values()),
        "raw_catalog_problems": problem_rows(load.problems, loaded_at),
        "raw_catalog_workflow_calls": list(calls.values()),
        "raw_adoption_signals": signal_rows(catalog),
        "raw_adoption_settings": settings_rows(catalog, loaded_at, load.organisation),
    }
    with transaction(con):
        for table, rows in tables.items():
            replace_rows(con, table, rows, own_transaction=False)
        merge_evidence(con, load, loaded_at)
    return {table: len(rows) for table, rows in tables.items()} | {"evidence": len(load.evidence)}


def merge_evidence(con: duckdb.DuckDBPyConnection, load: CatalogLoad, loaded_at: datetime) -> None:
    """Upsert this load's evidence, keeping the earliest held_since and first_observed_at of each pair."""
    rows = [
        {
            "service": e.service,
            "signal": e.signal,
            "held_since": to_utc_naive(e.since) or loaded_at,
            "detail": e.detail,
        }
        for e in load.evidence
    ]
    unique = {(r["service"], r["signal"]): r for r in rows}
    frame = rows_frame(list(unique.values()), ["service", "signal", "held_since", "detail"])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _incoming_evidence (service TEXT, signal TEXT, held_since TIMESTAMP, detail TEXT)"
    )
    insert_frame(con, "_incoming_evidence", frame)
    con.execute(
        """
        INSERT INTO raw_adoption_evidence AS e
            (service, signal, held_since, first_observed_at, last_observed_at, detail)
        SELECT service, signal, least(held_since, ?), ?, ?, detail FROM _incoming_evidence
        ON CONFLICT (service, signal) DO UPDATE SET
            held_since = least(e.held_since, excluded.held_since),
            last_observed_at = excluded.last_observed_at,
            detail = excluded.detail
        """,
        [loaded_at, loaded_at, loaded_at],
    )
    con.execute("DROP TABLE _incoming_evidence")


def clear_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """Empty the per-load catalog tables (no catalog configured any more); evidence history is kept."""
    with transaction(con):
        for table in CATALOG_TABLES:
            con.execute(f"DELETE FROM {table}")
