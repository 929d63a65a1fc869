"""Configuration: valid files load, and every mistake names its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulse.config import ConfigError, load_config, parse_config

MINIMAL = {"github": {"organisation": "acme"}}


def test_minimal_config_uses_documented_defaults(tmp_path: Path) -> None:
    cfg = parse_config(MINIMAL, base_dir=tmp_path)
    assert cfg.github.base_url == "https://api.github.com"
    assert cfg.github.token_env == "GITHUB_TOKEN"
    assert cfg.pagerduty is None
    assert cfg.warehouse.path == tmp_path / "data/pulse.duckdb"
    assert cfg.report.schedule == "0 8 * * 1"
    assert cfg.timezone == "UTC"
    assert cfg.warehouse.memory_limit is None
    assert (
        parse_config({**MINIMAL, "warehouse": {"memory_limit": "2GB"}}, base_dir=tmp_path).warehouse.memory_limit
        == "2GB"
    )


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ({}, "github.organisation", "is required"),
        ({"github": {"organisation": "acme", "base_url": "api.github.com"}}, "github.base_url", "http"),
        (
            {"github": {"organisation": "acme", "token_env": "ghp_abc-123"}},
            "github.token_env",
            "variable name",
        ),
        ({**MINIMAL, "pagerduty": {"base_url": "http://127.0.0.1:9"}}, "pagerduty.base_url", "https://"),
        ({**MINIMAL, "timezone": "Mars/Olympus"}, "timezone", "unknown IANA"),
        ({**MINIMAL, "report": {"schedule": "every monday"}}, "report.schedule", "cron"),
        (
            {**MINIMAL, "teams": {"a": {"repositories": ["x"]}, "b": {"repositories": ["x"]}}},
            "teams.b.repositories",
            "already owned",
        ),
        ({**MINIMAL, "githbu": {}}, "githbu", "unknown key"),
        ({**MINIMAL, "history_days": "lots"}, "history_days", "whole number"),
        (
            {**MINIMAL, "warehouse": {"path": "a.duckdb", "serving_path": "a.duckdb"}},
            "warehouse.serving_path",
            "must differ",
        ),
        ({**MINIMAL, "warehouse": {"memory_limit": "lots"}}, "warehouse.memory_limit", "1500MB"),
    ],
)
def test_errors_name_the_key(data: dict, key: str, words: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(data, source="pulse.yaml", base_dir=tmp_path)
    message = str(err.value)
    assert message.startswith(f"pulse.yaml: {key}:"), message
    assert words in message


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"pulse\.example\.yaml"):
        load_config(tmp_path / "pulse.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pulse.yaml"
    path.write_text("github:\n  organisation: acme\n  repositories: [a, b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pulse.yaml: line \d+"):
        load_config(path)


def test_team_maps_pagerduty_services_to_repositories(tmp_path: Path) -> None:
    cfg = parse_config(
        {**MINIMAL, "teams": {"payments": {"repositories": ["pay"], "pagerduty_services": {"P1": "pay"}}}},
        base_dir=tmp_path,
    )
    team = cfg.teams[0]
    assert team.pagerduty_services == ("P1",)
    assert dict(team.service_repositories) == {"P1": "pay"}


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "pulse.example.yaml"
    cfg = load_config(example)
    assert cfg.organisation
