"""The `catalog` section of pulse.yaml: defaults, every source, signal rules, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pulse.config import DEFAULT_SIGNALS, ConfigError, parse_config

TEAMS = {"source": "teams_file", "teams_file": "t.yaml"}


def parse(catalog: object, tmp_path: Path):
    return parse_config({"github": {"organisation": "acme"}, "catalog": catalog}, base_dir=tmp_path)


def test_no_catalog_section_means_no_catalog() -> None:
    assert parse_config({"github": {"organisation": "acme"}}).catalog is None


def test_source_github_without_a_folder_reads_the_contents_api(tmp_path: Path) -> None:
    catalog = parse({"source": "github", "files": ["platform/catalog-info.yaml"]}, tmp_path).catalog

    assert (catalog.source, catalog.folder, catalog.files) == ("github", None, ("platform/catalog-info.yaml",))


def test_defaults_for_a_folder_of_repositories(tmp_path: Path) -> None:
    (tmp_path / "repos").mkdir()
    catalog = parse({"source": "github", "folder": "repos"}, tmp_path).catalog

    assert catalog.folder == tmp_path / "repos"
    assert catalog.paths == ("catalog-info.yaml",)
    assert catalog.path_annotation == "backstage.io/source-location"
    assert catalog.platform.deploy_workflows == ("platform-deploy.yml",)
    assert catalog.platform.deployments_column == "via_platform"
    # Without a current version there is nothing to compare pins with, so that default signal is left out.
    assert [s.name for s in catalog.signals] == [s.name for s in DEFAULT_SIGNALS if not s.current]
    assert (catalog.effect_signal, catalog.effect_weeks) == ("platform_deploy", 4)


def test_full_section(tmp_path: Path) -> None:
    (tmp_path / "repos").mkdir()
    catalog = parse(
        {
            "source": "backstage",
            "folder": "repos",
            "backstage": {"base_url": "https://backstage.example.com/", "token_env": "BS_TOKEN", "page_size": 100},
            "platform": {
                "repository": "acme/platform-workflows",
                "deploy_workflows": ["platform-deploy.yml", "deploy-k8s.yml"],
                "reusable_workflows": ["build.yml"],
                "current_version": "v3",
                "deployments_column": "through_platform",
            },
            "signals": {
                "in_catalog": {"check": "registered", "description": "in Backstage"},
                "paged": {"check": "annotation", "annotation": "pagerduty.com/service-id"},
                "pinned": {"check": "reusable_workflows", "current": True},
                "golden_path": {"check": "scaffolded", "templates": ["python-service"]},
                "deploys": {"check": "platform_deploys", "min_share": 0.8},
            },
            "effect": {"signal": "deploys", "weeks": 6},
        },
        tmp_path,
    ).catalog

    assert catalog.backstage.base_url == "https://backstage.example.com"
    assert catalog.backstage.token_env == "BS_TOKEN"
    assert catalog.platform.deployments_column == "through_platform"
    assert [s.name for s in catalog.signals] == ["in_catalog", "paged", "pinned", "golden_path", "deploys"]
    assert catalog.signal("deploys").min_share == 0.8
    assert catalog.signal("golden_path").templates == ("python-service",)
    assert (catalog.effect_signal, catalog.effect_weeks) == ("deploys", 6)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"source": "gitlab"}, "catalog.source"),
        ({"source": "github", "folder": "missing"}, "catalog.folder"),
        ({"source": "backstage"}, "catalog.backstage"),
        ({"source": "backstage", "backstage": {"token_env": "X"}}, "catalog.backstage.base_url"),
        ({"source": "backstage", "backstage": {"base_url": "https://b", "token_env": "abc-def"}}, "token_env"),
        ({"source": "teams_file"}, "catalog.teams_file"),
        ({"source": "teams_file", "teams_file": "nope.yaml"}, "catalog.teams_file"),
        ({"source": "teams_file", "teams_file": "t.yaml", "colour": 1}, "catalog.colour"),
        ({"source": "teams_file", "teams_file": "t.yaml", "signals": {"x": {"check": "vibes"}}}, "signals.x.check"),
        ({"source": "teams_file", "teams_file": "t.yaml", "signals": {"x": {"check": "annotation"}}}, "annotation"),
        ({**TEAMS, "signals": {"x": {"check": "registered", "current": True}}}, "signals.x.current"),
        ({**TEAMS, "signals": {"x": {"check": "reusable_workflows", "current": True}}}, "signals.x.current"),
        ({"source": "teams_file", "teams_file": "t.yaml", "effect": {"signal": "nope"}}, "catalog.effect.signal"),
        ({"source": "teams_file", "teams_file": "t.yaml", "effect": {"weeks": 0}}, "catalog.effect.weeks"),
        ({"source": "teams_file", "teams_file": "t.yaml", "files": ["just-a-name"]}, "catalog.files"),
        (
            {"source": "teams_file", "teams_file": "t.yaml", "platform": {"deployments_column": "a b"}},
            "catalog.platform.deployments_column",
        ),
    ],
)
def test_errors_name_the_key(section: dict, key: str, tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("{}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse(section, tmp_path)


def test_the_commented_example_section_is_valid_once_uncommented(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "pulse.example.yaml"
    lines = example.read_text(encoding="utf-8").splitlines()
    section = "\n".join(line[1:] for line in lines if line.startswith(("#catalog:", "#  ")))
    (tmp_path / "repos").mkdir()
    catalog = parse(yaml.safe_load(section)["catalog"], tmp_path).catalog
    assert catalog.platform.current_version == "v3"
    assert [s.name for s in catalog.signals] == [s.name for s in DEFAULT_SIGNALS]
