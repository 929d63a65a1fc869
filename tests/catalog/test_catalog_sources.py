"""Catalog sources: repositories' files (a local folder), a teams file, and the Backstage API stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from catalog_samples import ARTIST_WEB, ORG_GROUPS, write_org

from catalog.backstage import BackstageClient, BackstageError, load_from_backstage
from catalog.load import build_load, load_catalog
from catalog.ownership import derive_services, team_rollup, unknown_owner_problems
from catalog.sources import LocalRepositoryFiles, load_from_repositories, load_teams_file
from pulse.config import parse_config
from sandbox.backstage_api import BackstageStandIn, entities_from_yaml
from sandbox.http_base import Fault


def config(folder: Path | None = None, **catalog: object):
    section = {"source": "github", "folder": str(folder)} if folder else {}
    section.update(catalog)
    return parse_config({"github": {"organisation": "acme"}, "catalog": section}, base_dir=folder)


@pytest.fixture()
def org(tmp_path: Path) -> Path:
    return write_org(tmp_path / "repos")


def test_every_repository_file_loads_and_a_broken_one_does_not_stop_the_others(org: Path) -> None:
    files = LocalRepositoryFiles(org)
    snapshot = load_from_repositories(files.repositories(), files.read, extra_files=["org-data/groups.yaml"])

    refs = {e.ref for e in snapshot.entities}
    assert {"component:artist-web", "component:cart", "component:checkout", "component:ledger"} <= refs
    assert "group:artist-relations" in refs
    # ledger's second document is malformed: reported with repository, file and line; its neighbours loaded.
    errors = [p for p in snapshot.problems if p.severity == "error"]
    assert [(p.location.repository, p.location.path, p.location.line) for p in errors] == [
        ("ledger", "catalog-info.yaml", 11)
    ]
    assert "resource:ledger-db" in refs
    # The Location in shop's root file was followed into the sub-folder.
    assert snapshot.files_read == 5


def test_a_file_that_cannot_be_read_is_reported_and_the_rest_load() -> None:
    def read(repository: str, path: str) -> str | None:
        if repository == "down":
            raise TimeoutError("read timed out")
        return ARTIST_WEB if repository == "artist-web" else None

    snapshot = load_from_repositories(["down", "artist-web", "no-catalog"], read)

    assert [str(p) for p in snapshot.problems] == ["down/catalog-info.yaml: error: could not be read: read timed out"]
    assert snapshot.files_read == 1
    assert "component:artist-web" in {e.ref for e in snapshot.entities}


def test_a_monorepo_file_with_two_components_maps_to_two_services_with_their_folders(org: Path) -> None:
    files = LocalRepositoryFiles(org)
    snapshot = load_from_repositories(["shop"], files.read)
    services, problems = derive_services(snapshot, "acme")

    by_name = {s.name: s for s in services}
    assert set(by_name) == {"cart", "checkout"}
    assert by_name["cart"].repository == by_name["checkout"].repository == "shop"
    # cart names its folder with backstage.io/source-location; checkout's file lives in its folder.
    assert by_name["cart"].paths == ("services/cart/",)
    assert by_name["checkout"].paths == ("services/checkout/",)
    assert by_name["checkout"].team == "checkout-crew"
    assert problems == []


def test_the_path_annotation_is_configurable() -> None:
    text = """\
kind: Component
metadata:
  name: search
  annotations: {acme.com/service-path: services/search, github.com/project-slug: acme/mono}
spec: {owner: platform}
---
kind: Component
metadata:
  name: index
  annotations: {github.com/project-slug: acme/mono}
spec: {owner: platform}
"""
    snapshot = load_from_repositories(["mono"], lambda r, p: text if p == "catalog-info.yaml" else None)
    services, problems = derive_services(snapshot, "acme", path_annotation="acme.com/service-path")

    assert {s.name: s.paths for s in services} == {"search": ("services/search/",), "index": ()}
    # Two components in one repository, one without a folder: their changes cannot be told apart.
    assert [p.severity for p in problems] == ["warning"] and "index" in problems[0].message


def test_an_unknown_owner_is_reported_once_and_still_owns_its_services(org: Path) -> None:
    load = load_catalog(config(org, files=["org-data/groups.yaml"]))

    unknown = [p for p in load.problems if "not a Group" in p.message]
    assert [p.entity for p in unknown] == ["group:checkout-crew"]
    assert "component:checkout" in unknown[0].message
    teams = {t.team: t for t in load.teams}
    assert teams["checkout-crew"].known is False
    assert {s.name: s.team for s in load.services if s.name == "checkout"} == {"checkout": "checkout-crew"}
    # platform owns ledger (the Group exists) and is not reported.
    assert not any(p.entity == "group:platform" for p in load.problems)


def test_group_hierarchy_rolls_up_team_department_organisation() -> None:
    snapshot = load_from_repositories(["org"], lambda r, p: ORG_GROUPS)
    rollup, problems = team_rollup(snapshot.entities, ["artist-relations", "platform", "nobody"], "acme")

    by_team = {t.team: t for t in rollup}
    assert (by_team["artist-relations"].department, by_team["artist-relations"].organisation) == ("artists", "acme")
    assert by_team["artist-relations"].path == ("artist-relations", "artists", "acme-corp")
    assert by_team["artist-relations"].display_name == "Artist Relations"
    assert by_team["platform"].department == "infrastructure"
    assert by_team["nobody"].department is None and by_team["nobody"].known is False
    assert problems == []


def test_a_group_hierarchy_loop_is_cut_and_reported() -> None:
    text = """\
kind: Group
metadata: {name: a}
spec: {type: team, parent: b}
---
kind: Group
metadata: {name: b}
spec: {type: department, parent: a}
"""
    snapshot = load_from_repositories(["org"], lambda r, p: text)
    rollup, problems = team_rollup(snapshot.entities, ["a"], "acme")
    assert rollup[0].department == "b"
    assert "loops back" in problems[0].message


def test_ownership_rows_from_the_catalog(org: Path) -> None:
    load = load_catalog(config(org, files=["org-data/groups.yaml"]))
    rows = {(r.kind, r.key): (r.team, r.repository) for r in load.ownership}

    assert rows[("repository", "artist-web")] == ("artist-relations", "artist-web")
    assert rows[("service", "artist-web")] == ("artist-relations", "artist-web")
    assert rows[("pagerduty_service", "PARTIST")] == ("artist-relations", "artist-web")
    assert rows[("service", "cart")] == ("platform", "shop")
    assert rows[("service", "checkout")] == ("checkout-crew", "shop")
    # The repository of two components owned by two teams goes to one of them; the split is reported.
    assert rows[("repository", "shop")][0] in {"platform", "checkout-crew"}
    assert any("components owned by checkout-crew, platform" in p.message for p in load.problems)
    # A repository without a catalog file is a service of nobody (the configuration may own it).
    assert ("repository", "legacy") not in rows
    assert {s.name: s.registered for s in load.services}["legacy"] is False


def test_a_teams_file_stands_in_for_a_catalog(tmp_path: Path) -> None:
    path = tmp_path / "teams.yaml"
    path.write_text(
        """\
teams:
  payments:
    department: money
    repositories: [payments-api, ledger]
    pagerduty_services: {PABC: payments-api}
  search:
    repositories: [search-api]
    pagerduty_services: [PDEF]
""",
        encoding="utf-8",
    )
    cfg = parse_config(
        {"github": {"organisation": "acme"}, "catalog": {"source": "teams_file", "teams_file": str(path)}}
    )
    load = build_load(cfg, cfg.catalog, load_teams_file(path, "acme"))

    assert {s.name: (s.team, s.registered) for s in load.services} == {
        "payments-api": ("payments", False),
        "ledger": ("payments", False),
        "search-api": ("search", False),
    }
    rows = {(r.kind, r.key): (r.team, r.repository) for r in load.ownership}
    assert rows[("pagerduty_service", "PABC")] == ("payments", "payments-api")
    assert rows[("pagerduty_service", "PDEF")] == ("search", None)
    assert {t.team: t.department for t in load.teams} == {"payments": "money", "search": None}
    assert not [p for p in load.problems if p.severity != "info"]
    # Nothing in a teams file is registered in a catalog.
    assert not [e for e in load.evidence if e.signal == "registered"]


def test_unknown_owner_problems_name_a_user_owner() -> None:
    snapshot = load_from_repositories(
        ["r"], lambda r, p: "kind: Component\nmetadata: {name: x}\nspec: {owner: 'user:jdoe'}\n"
    )
    (problem,) = unknown_owner_problems(snapshot.entities, [])
    assert "a user, not a team" in problem.message


# ------------------------------------------------------------------------------------------- Backstage API


def api_entities() -> list[dict]:
    entities = entities_from_yaml(ARTIST_WEB) + entities_from_yaml(ORG_GROUPS)
    for e in entities:
        name = e["metadata"]["name"]
        e["metadata"].setdefault("annotations", {})["backstage.io/managed-by-location"] = (
            f"url:https://github.com/acme/{name}/blob/main/catalog-info.yaml"
        )
    # More entities than a page holds, and kinds that are not read.
    for n in range(7):
        entities.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Component",
                "metadata": {"name": f"svc-{n}", "annotations": {"github.com/project-slug": f"acme/svc-{n}"}},
                "spec": {"type": "service", "owner": "platform", "lifecycle": "production"},
            }
        )
    entities.append({"apiVersion": "backstage.io/v1alpha1", "kind": "User", "metadata": {"name": "jdoe"}})
    return entities


def test_backstage_api_is_read_page_by_page_with_the_cursor() -> None:
    with BackstageStandIn(api_entities(), token="s3cret") as api:
        client = BackstageClient(api.url, "s3cret", page_size=5)
        snapshot, fetched = load_from_backstage(client)
        requests_seen = [r.query for r in api.requests]

    assert fetched.endpoint == "by-query"
    assert len(fetched.items) == 16  # 4 + 5 groups + 7 components; the User is filtered out by kind
    assert fetched.requests == 4  # ceil(16 / 5)
    assert requests_seen[0]["limit"] == "5" and "cursor" not in requests_seen[0]
    assert all("cursor" in q and "filter" not in q for q in requests_seen[1:])
    refs = {e.ref for e in snapshot.entities}
    assert {"component:artist-web", "component:svc-6", "group:acme-corp"} <= refs
    services, _ = derive_services(snapshot, "acme")
    assert {s.name: s.repository for s in services}["artist-web"] == "artist-web"


def test_an_older_backstage_is_read_with_limit_and_offset() -> None:
    with BackstageStandIn(api_entities(), legacy=True) as api:
        fetched = BackstageClient(f"{api.url}/api/catalog", None, page_size=6).entities()
        offsets = [r.query.get("offset") for r in api.requests if r.path == "/api/catalog/entities"]

    assert fetched.endpoint == "entities"
    assert len(fetched.items) == 16
    assert offsets == ["0", "6", "12"]


def test_a_refused_token_is_an_error_that_names_the_setting_not_the_token() -> None:
    with BackstageStandIn(api_entities(), token="s3cret") as api, pytest.raises(BackstageError) as raised:
        BackstageClient(api.url, "wrong-token").entities()
    assert "401" in str(raised.value) and "token_env" in str(raised.value)
    assert "wrong-token" not in str(raised.value)


def test_busy_backstage_is_retried_after_the_wait_it_asks_for() -> None:
    waits: list[float] = []
    with BackstageStandIn(api_entities()) as api:
        api.inject(Fault(r"/entities/by-query", status=503, headers={"Retry-After": "2"}, times=2))
        fetched = BackstageClient(api.url, page_size=100, sleep=waits.append).entities()
    assert len(fetched.items) == 16
    assert waits == [2.0, 2.0]


def test_backstage_that_stays_down_fails_after_its_retries() -> None:
    with BackstageStandIn(api_entities()) as api:
        api.inject(Fault(r"/entities", status=502, times=10))
        with pytest.raises(BackstageError, match="502"):
            BackstageClient(api.url, retries=2, sleep=lambda s: None).entities()
        assert len(api.requests) == 3


def test_the_token_travels_only_in_the_authorization_header() -> None:
    with BackstageStandIn([], token="s3cret") as api:
        session = requests.Session()
        BackstageClient(api.url, "s3cret", session=session).entities()
        (record,) = api.requests
    assert record.headers["authorization"] == "Bearer s3cret"
    assert "s3cret" not in str(record.query)


def test_backstage_source_through_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    with BackstageStandIn(api_entities(), token="s3cret") as api:
        monkeypatch.setenv("BACKSTAGE_TOKEN", "s3cret")
        cfg = parse_config(
            {
                "github": {"organisation": "acme"},
                "catalog": {"source": "backstage", "backstage": {"base_url": api.url, "page_size": 10}},
            }
        )
        load = load_catalog(cfg)
    assert load.api_requests == 2
    assert {t.team: t.department for t in load.teams}["artist-relations"] == "artists"
    assert len([s for s in load.services if s.registered]) == 8


def test_one_monorepo_file_with_two_components_is_two_services() -> None:
    text = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations:
    github.com/project-slug: acme/commerce
    backstage.io/source-location: url:https://github.com/acme/commerce/tree/main/services/orders/
spec: {type: service, lifecycle: production, owner: group:default/checkout}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: invoices
  annotations:
    github.com/project-slug: acme/commerce
    backstage.io/source-location: url:https://github.com/acme/commerce/tree/main/services/invoices
spec: {type: service, lifecycle: production, owner: billing}
"""
    snapshot = load_from_repositories(["commerce"], lambda r, p: text if p == "catalog-info.yaml" else None)
    services, problems = derive_services(snapshot, "acme")

    assert [(s.name, s.repository, s.paths, s.team) for s in services] == [
        ("orders", "commerce", ("services/orders/",), "checkout"),
        ("invoices", "commerce", ("services/invoices/",), "billing"),
    ]
    assert problems == []
    # In the delivery tables each component is its own service; the repository row goes to one owner.
    from catalog.ownership import dora_service_names, ownership_rows

    assert dora_service_names(services) == {"orders": "orders", "invoices": "invoices"}
    rows, _ = ownership_rows(services)
    assert {(r.kind, r.key): r.team for r in rows} == {
        ("repository", "commerce"): "billing",  # no component at the root: the alphabetically first of a tie
        ("service", "orders"): "checkout",
        ("service", "invoices"): "billing",
    }
