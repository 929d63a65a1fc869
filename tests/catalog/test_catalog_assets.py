"""The Dagster side: catalog assets and team_ownership materialized against a temporary warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from catalog_samples import ARTIST_WEB, ORG_GROUPS, write_org
from dagster_duckdb import DuckDBResource

from metrics.runner import MetricParams, compute_metrics
from pipelines.defs.catalog.assets import catalog_assets
from pipelines.defs.teams.assets import team_ownership
from pipelines.resources import PulseSettings
from pulse.config import load_config
from sandbox.backstage_api import BackstageStandIn, entities_from_yaml
from sandbox.http_base import Fault


def write_config(tmp_path: Path, catalog: dict | None, name: str = "pulse.yaml") -> Path:
    body = {
        "github": {"organisation": "acme"},
        "teams": {
            "artists-old": {"repositories": ["artist-web"]},  # the catalog says otherwise and wins
            "legacy-team": {"repositories": ["legacy"], "pagerduty_services": {"PLEG": "legacy"}, "department": "ops"},
        },
        "warehouse": {"path": str(tmp_path / "pulse.duckdb"), "serving_path": str(tmp_path / "serving.duckdb")},
    }
    if catalog is not None:
        body["catalog"] = catalog
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def materialize(path: Path) -> dg.ExecuteInProcessResult:
    cfg = load_config(path)
    resources = {
        "settings": PulseSettings(config_path=str(path)),
        "duckdb": DuckDBResource(database=str(cfg.warehouse.path)),
    }
    return dg.materialize([catalog_assets, team_ownership], resources=resources)


def query(tmp_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(tmp_path / "pulse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_catalog_ownership_wins_and_the_configuration_fills_the_gaps(tmp_path: Path) -> None:
    org = write_org(tmp_path / "repos")
    path = write_config(
        tmp_path,
        {
            "source": "github",
            "folder": str(org),
            "files": ["org-data/groups.yaml"],
            "platform": {"repository": "platform-workflows", "current_version": "v3"},
        },
    )
    result = materialize(path)
    assert result.success

    ownership = {(k, key): (team, source) for team, k, key, source in query(
        tmp_path,
        "SELECT o.team, o.kind, o.key, CASE WHEN c.key IS NULL THEN 'config' ELSE 'catalog' END"
        " FROM team_ownership o LEFT JOIN raw_catalog_ownership c USING (kind, key)",
    )}  # fmt: skip
    assert ownership[("repository", "artist-web")] == ("artist-relations", "catalog")
    assert ownership[("repository", "legacy")] == ("legacy-team", "config")
    assert ownership[("pagerduty_service", "PLEG")] == ("legacy-team", "config")
    assert ownership[("pagerduty_service", "PARTIST")] == ("artist-relations", "catalog")
    assert ownership[("service", "checkout")] == ("checkout-crew", "catalog")

    hierarchy = {t: (dept, source) for t, dept, source in query(
        tmp_path, "SELECT team, department, source FROM raw_team_hierarchy"
    )}  # fmt: skip
    assert hierarchy["artist-relations"] == ("artists", "catalog")
    assert hierarchy["legacy-team"] == ("ops", "config")

    # The malformed ledger document is a failed (warning) check, not a failed run.
    (check,) = result.get_asset_check_evaluations()
    assert check.passed is False and check.metadata["malformed"].value == 1
    materialized = {
        str(m.asset_key.path[-1]): m.metadata
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    }
    assert materialized["service_catalog"]["errors"].value == 1
    assert materialized["service_catalog"]["unknown_owners"].value == 1
    assert materialized["platform_adoption"]["outdated_pins"].value == 1
    problems = query(
        tmp_path, "SELECT severity, repository, path, line FROM raw_catalog_problems WHERE severity = 'error'"
    )
    assert problems == [("error", "ledger", "catalog-info.yaml", 11)]


def test_evidence_keeps_the_first_time_a_signal_was_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    org = write_org(tmp_path / "repos")
    path = write_config(tmp_path, {"source": "github", "folder": str(org)})
    assert materialize(path).success
    first = dict(query(tmp_path, "SELECT service, held_since FROM raw_adoption_evidence WHERE signal = 'registered'"))

    monkeypatch.setenv("PULSE_NOW", "2026-12-02T12:00:00Z")
    (org / "artist-web" / "catalog-info.yaml").unlink()  # artist-web leaves the catalog
    assert materialize(path).success

    later = {s: (h, seen) for s, h, seen in query(
        tmp_path, "SELECT service, held_since, last_observed_at FROM raw_adoption_evidence WHERE signal = 'registered'"
    )}  # fmt: skip
    assert later["cart"][0] == first["cart"] == first["checkout"]
    assert str(later["cart"][1]) == "2026-12-02 12:00:00"
    # No longer seen: its last sighting stays at the first load, so it stops counting from then.
    assert later["artist-web"][1] == first["artist-web"]


def test_without_a_catalog_ownership_comes_from_the_configuration(tmp_path: Path) -> None:
    org = write_org(tmp_path / "repos")
    assert materialize(write_config(tmp_path, {"source": "github", "folder": str(org)}, "with.yaml")).success
    assert query(tmp_path, "SELECT count(*) FROM raw_catalog_services")[0][0] > 0

    assert materialize(write_config(tmp_path, None, "without.yaml")).success

    assert query(tmp_path, "SELECT count(*) FROM raw_catalog_services")[0][0] == 0
    rows = query(tmp_path, "SELECT team, kind, key FROM team_ownership ORDER BY kind, key")
    assert rows == [
        ("legacy-team", "pagerduty_service", "PLEG"),
        ("artists-old", "repository", "artist-web"),
        ("legacy-team", "repository", "legacy"),
    ]


def test_backstage_down_keeps_the_previous_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entities = entities_from_yaml(ARTIST_WEB) + entities_from_yaml(ORG_GROUPS)
    monkeypatch.setenv("BACKSTAGE_TOKEN", "s3cret")
    with BackstageStandIn(entities, token="s3cret") as api:
        path = write_config(
            tmp_path, {"source": "backstage", "backstage": {"base_url": api.url, "retries": 1, "timeout_seconds": 5}}
        )
        assert materialize(path).success
        before = query(tmp_path, "SELECT service, team FROM raw_catalog_services")

        api.inject(Fault(r"/api/catalog", status=503, times=10))
        result = materialize(path)

    assert result.success
    assert query(tmp_path, "SELECT service, team FROM raw_catalog_services") == before
    assert ("artist-web", "artist-relations") in before
    (problem,) = query(tmp_path, "SELECT severity, message FROM raw_catalog_problems")
    assert problem[0] == "error" and "503" in problem[1]
    assert "s3cret" not in problem[1]
    (check,) = result.get_asset_check_evaluations()
    assert check.passed is False


def test_metric_sql_runs_over_a_real_catalog_load(tmp_path: Path) -> None:
    org = write_org(tmp_path / "repos")
    path = write_config(
        tmp_path,
        {"source": "github", "folder": str(org), "platform": {"repository": "platform-workflows"}},
    )
    assert materialize(path).success
    con = duckdb.connect(str(tmp_path / "pulse.duckdb"))
    try:
        compute_metrics(con, MetricParams("acme", "main", [], 24, date(2026, 6, 1), date(2026, 11, 23)))
        services = dict(con.execute("SELECT service, team FROM catalog_services").fetchall())
        signals = con.execute("SELECT DISTINCT signal FROM adoption_weekly ORDER BY 1").fetchall()
        latest = con.execute(
            "SELECT services_meeting, services FROM adoption_weekly WHERE scope = 'organisation'"
            " AND signal = 'registered' AND week_start = DATE '2026-11-23'"
        ).fetchall()
    finally:
        con.close()
    assert services["checkout"] == "checkout-crew"
    assert services["legacy"] == "legacy-team"
    assert [s for (s,) in signals] == ["docs", "platform_ci", "platform_deploy", "registered", "scaffolded"]
    # artist-web, cart, checkout, ledger are Components; legacy and org-data are repositories without one.
    assert latest == [(4, 6)]
