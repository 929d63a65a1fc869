"""Descriptor parsing: real-shaped documents, reference normalisation, malformed YAML and invalid documents."""

from __future__ import annotations

from catalog_samples import ARTIST_WEB, MALFORMED, ORG_GROUPS, SHOP_ROOT

from catalog.model import parse_ref
from catalog.parse import entity_from_api, github_location, parse_catalog_text, split_documents


def test_the_documented_component_with_its_relations_and_annotations() -> None:
    parsed = parse_catalog_text(ARTIST_WEB, "artist-web", "catalog-info.yaml")

    assert parsed.problems == ()
    assert [e.ref for e in parsed.entities] == [
        "component:artist-web",
        "api:artist-api",
        "resource:artists-db",
        "system:public-websites",
    ]
    web = parsed.entities[0]
    assert web.title == "Artist Web"
    assert web.spec_type == "website"
    assert web.lifecycle == "production"
    assert (web.owner, web.owner_kind) == ("artist-relations", "group")
    assert web.system == "public-websites"
    assert web.provides_apis == ("api:artist-api",)
    assert web.consumes_apis == ("api:payments-api",)
    assert web.depends_on == ("resource:artists-db", "component:search-web")
    assert web.project_slug == "acme/artist-web"
    assert web.pagerduty_service_id == "PARTIST"
    assert web.source_template == "template:default/react-website"
    assert web.techdocs_ref == "dir:."
    assert web.annotation("example.com/service-discovery") == "artistweb"
    assert web.tags == ("java",)
    # The comment line above the first document does not shift the reported line.
    assert web.location.line == 2
    assert parsed.entities[1].location.line == 35


def test_owner_references_are_normalised() -> None:
    assert parse_ref("group:default/payments", "group").name == "payments"
    assert parse_ref("default/payments", "group").name == "payments"
    assert str(parse_ref("payments", "group")) == "group:payments"
    assert parse_ref("group:finance/payments", "group").name == "finance/payments"
    assert parse_ref("user:jdoe", "group").kind == "user"
    assert parse_ref("not a ref", "group") is None


def test_a_malformed_document_is_reported_with_repository_file_and_line_and_the_others_load() -> None:
    parsed = parse_catalog_text(MALFORMED, "ledger", "catalog-info.yaml")

    assert [e.ref for e in parsed.entities] == ["component:ledger", "resource:ledger-db"]
    (problem,) = parsed.problems
    assert problem.severity == "error"
    assert (problem.location.repository, problem.location.path, problem.location.line) == (
        "ledger",
        "catalog-info.yaml",
        11,  # the line with the unclosed `[`
    )
    assert "not valid YAML" in problem.message
    assert str(problem).startswith("ledger/catalog-info.yaml:11: error:")


def test_invalid_documents_are_skipped_with_a_reason() -> None:
    text = """\
- just
- a list
---
apiVersion: backstage.io/v1alpha1
metadata: {name: no-kind}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: "bad name!"}
---
apiVersion: backstage.io/v1alpha1
kind: Template
metadata: {name: skipped-kind}
---
kind: Component
metadata: {name: fine}
spec: {type: service}
"""
    parsed = parse_catalog_text(text, "repo", "catalog-info.yaml")

    assert [e.name for e in parsed.entities] == ["fine"]
    assert parsed.skipped_kinds == ("Template",)
    messages = [(p.location.line, p.severity, p.message) for p in parsed.problems]
    assert messages[0][:2] == (1, "error") and "must be a mapping" in messages[0][2]
    assert messages[1][:2] == (4, "error") and "`kind` is missing" in messages[1][2]
    assert messages[2][:2] == (7, "error") and "metadata.name" in messages[2][2]
    # The last one loads, with what is doubtful about it reported.
    assert {m[2] for m in messages[3:]} == {
        "`apiVersion` is missing (backstage.io/v1alpha1 expected)",
        "Component has no spec.owner; its service is listed as unowned",
    }


def test_groups_keep_parent_children_and_display_name() -> None:
    parsed = parse_catalog_text(ORG_GROUPS, "org-data", "groups.yaml")

    groups = {e.name: e for e in parsed.entities}
    assert groups["artist-relations"].parent == "artists"
    assert groups["artist-relations"].display_name == "Artist Relations"
    assert groups["acme-corp"].children == ("infrastructure", "artists")
    assert groups["platform"].parent == "infrastructure"
    assert groups["artists"].spec_type == "business-unit"


def test_location_targets_are_followed_relative_to_the_file() -> None:
    parsed = parse_catalog_text(SHOP_ROOT, "shop", "catalog-info.yaml")

    assert parsed.targets == (("shop", "services/checkout/catalog-info.yaml"),)
    assert [e.name for e in parsed.entities] == ["cart"]


def test_documents_split_on_separators_keep_their_line_numbers() -> None:
    chunks = split_documents("a: 1\n---\nb: 2\n--- # comment\nc: 3\n")
    assert [start for start, _ in chunks] == [1, 2, 4]
    assert chunks[2][1].splitlines()[1] == "c: 3"


def test_github_urls_name_repository_and_path() -> None:
    assert github_location("url:https://github.com/acme/shop/tree/main/services/cart/") == (
        "acme/shop",
        "services/cart/",
    )
    assert github_location("https://github.com/acme/shop/blob/main/catalog-info.yaml") == (
        "acme/shop",
        "catalog-info.yaml",
    )
    assert github_location("url:https://github.com/acme/shop") == ("acme/shop", None)
    assert github_location("dir:.") == (None, None)


def test_an_api_entity_takes_its_location_from_managed_by_location() -> None:
    entity, problems = entity_from_api(
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": "artist-web",
                "namespace": "default",
                "uid": "0b4c-...",
                "annotations": {
                    "backstage.io/managed-by-location": "url:https://github.com/acme/artist-web/blob/main/catalog-info.yaml"
                },
            },
            "spec": {"owner": "group:default/artist-relations", "type": "website"},
            "relations": [{"type": "ownedBy", "targetRef": "group:default/artist-relations"}],
        }
    )
    assert problems == []
    assert entity is not None
    assert (entity.location.repository, entity.location.path, entity.location.line) == (
        "acme/artist-web",
        "catalog-info.yaml",
        None,
    )
    assert entity.owner == "artist-relations"
