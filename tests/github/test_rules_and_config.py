"""The rules as plain functions (environments, workflows, tags, paths, reverts, hotfixes, bots, issue
references) and the GitHub section of the configuration."""

from __future__ import annotations

import pytest

from pipelines.defs.github import rules as rl
from pipelines.defs.github.references import find_references
from pulse.config import ConfigError, GitHubConfig, WorkflowRule, parse_config

PLATFORM = "acme/platform-workflows/.github/workflows/platform-deploy.yml"


def config(**github: object) -> GitHubConfig:
    return parse_config({"github": {"organisation": "acme", **github}}).github


def test_environment_names_patterns_and_monorepo_prefixes() -> None:
    plain = config(production_environments=["production", "prod-*"]).rules_for("shop")
    assert rl.match_environment("Prod-EU", plain) == ("shop", "Prod-EU")
    assert rl.match_environment("staging", plain) is None
    assert rl.environment_listings(plain) == [None]  # a glob needs the unfiltered list

    mono = config(overrides={"platform": {"services": {"checkout": {}, "search": {"environment_prefix": "srch/"}}}})
    rules = mono.rules_for("platform")
    assert rl.match_environment("checkout:production", rules) == ("checkout", "production")
    assert rl.match_environment("srch/production", rules) == ("search", "production")
    assert rl.match_environment("checkout:staging", rules) is None
    assert rl.match_environment("production", rules) == ("platform", "production")
    assert rl.environment_listings(rules) == ["production", "checkout:production", "srch/production"]


def test_workflow_rules_by_file_name_path_reusable_branch_and_event() -> None:
    rules = config(
        deploy_workflows=[
            "deploy.yml",
            {"workflow": "Release", "branch": "*", "events": ["release"]},
            f"{PLATFORM}@v2",
        ]
    ).rules_for("shop")

    def match(**run: object) -> list[str]:
        found = rl.match_run(rules, **{"referenced": [], "event": "push", "head_branch": "main", **run})  # type: ignore[arg-type]
        return [rule.workflow for _, rule, _ in found]

    assert match(path=".github/workflows/deploy.yml", name="Deploy") == ["deploy.yml"]
    assert match(path=".github/workflows/deploy.yml", name="Deploy", head_branch="feature") == []
    assert match(path=".github/workflows/release.yml", name="Release", event="release", head_branch="v1.2") == [
        "Release"
    ]
    assert match(path=".github/workflows/release.yml", name="Release", event="push") == []
    assert match(path=".github/workflows/ship.yml", name="Ship", referenced=[f"{PLATFORM}@v2"]) == [f"{PLATFORM}@v2"]
    assert match(path=".github/workflows/ship.yml", name="Ship", referenced=[f"{PLATFORM}@v1"]) == []
    assert WorkflowRule(PLATFORM).is_reusable and not WorkflowRule(".github/workflows/deploy.yml").is_reusable


def test_overrides_merge_with_the_defaults() -> None:
    cfg = config(
        production_branch="main",
        release_tags=["v*"],
        overrides={"legacy": {"production_branch": "master", "deploy_on_merge": True, "release_tags": []}},
    )
    legacy, other = cfg.rules_for("legacy"), cfg.rules_for("other")
    assert (legacy.production_branch, legacy.deploy_on_merge, legacy.release_tags) == ("master", True, ())
    assert (other.production_branch, other.deploy_on_merge, other.release_tags) == ("main", False, ("v*",))
    assert legacy.deploy_workflows == other.deploy_workflows == (WorkflowRule("deploy.yml"),)


def test_tags_and_paths() -> None:
    cfg = config(
        release_tags=["v*"],
        overrides={"mono": {"services": {"api": {"paths": ["services/api"], "release_tags": ["api-v*"]}}}},
    )
    rules = cfg.rules_for("mono")
    assert rl.match_tag("v1.0.0", rules, releases=True) == "mono"
    assert rl.match_tag("api-v2.1", rules, releases=True) == "api"
    assert rl.match_tag("nightly", rules, releases=True) is None
    assert rl.services_for_files(["services/api/main.go", "README.md"], rules) == ["api"]
    assert rl.services_for_files(["services/api-gateway/main.go"], rules) == []  # a prefix, not a substring


def test_revert_conventions() -> None:
    full = "acme/shop"
    assert rl.revert_of(
        title='Revert "Add cache"', head_ref="revert-12-feature", body=None, messages=[], full_name=full
    )[:2] == (True, 12)
    assert rl.revert_of(title="Undo", head_ref="x", body="Reverts acme/shop#7", messages=[], full_name=full)[:2] == (
        True,
        7,
    )
    assert (
        rl.revert_of(title="Undo", head_ref="x", body="Reverts other/repo#7", messages=[], full_name=full)[0] is False
    )
    sha = "a" * 40
    assert rl.revert_of(
        title="x", head_ref=None, body=None, messages=[f"Revert\n\nThis reverts commit {sha}."], full_name=full
    ) == (True, None, sha, None)
    assert (
        rl.revert_of(title="Add cache", head_ref="feature", body="", messages=["Add cache"], full_name=full)[0] is False
    )


def test_hotfixes_and_bots() -> None:
    cfg = config(hotfix_labels=["urgent"], hotfix_branches=["fix/prod-*"], bots=["release-robot"])
    assert rl.is_hotfix(["Urgent"], "feature", cfg) and rl.is_hotfix([], "fix/prod-123", cfg)
    assert not rl.is_hotfix(["hotfix"], "hotfix/x", cfg)  # the configured lists replace the defaults
    assert rl.is_bot("Release-Robot", "User", cfg.bots) and rl.is_bot("some-app[bot]", "Bot", cfg.bots)
    assert not rl.is_bot("dependabot[bot]", "User", cfg.bots)
    assert rl.is_bot("dependabot[bot]", "User", config().bots)  # the defaults name the usual bots


def test_references_in_incident_issue_bodies() -> None:
    sha = "4e36ac879e3a8c4aab2aece136c56259943a3a4d"
    text = (
        "Began after deployment 1400000884 of `c7951a0`; see https://api.github.com/repos/acme/shop/deployments/77.\n"
        f"Run https://github.com/acme/shop/actions/runs/15000001463 shipped commit {sha} (short: commit {sha[:8]}).\n"
        "Suspects: #12, acme/shop#13, other/repo#99, https://github.com/acme/shop/pull/14, issue 2026-11-03 #nope\n"
        "Build 1234567 took 20 minutes."
    )
    found = find_references(text, "acme/shop")
    assert found.deployment_ids == [1400000884, 77]
    assert found.run_ids == [15000001463]
    assert found.shas == [sha, "c7951a0"]
    assert found.pull_numbers == [12, 13, 14]


@pytest.mark.parametrize(
    ("github", "key"),
    [
        ({"deploy_workflows": [{"branch": "main"}]}, r"github\.deploy_workflows\[0\]\.workflow"),
        ({"deploy_workflows": [{"workflow": "d.yml", "when": "always"}]}, r"github\.deploy_workflows\[0\]\.when"),
        ({"deploy_on_merge": "yes"}, r"github\.deploy_on_merge"),
        (
            {"overrides": {"shop": {"services": {"api": {"path": ["x"]}}}}},
            r"github\.overrides\.shop\.services\.api\.path",
        ),
        ({"repositories": ["a"], "overrides": {"b": {}}}, r"github\.overrides\.b: is not in github\.repositories"),
        ({"app": {"private_key_env": "K"}}, r"github\.app\.app_id"),
        ({"app": {"app_id": 1, "private_key_env": "-----BEGIN"}}, r"github\.app\.private_key_env"),
        ({"rate_limit_reserve": -1}, r"github\.rate_limit_reserve"),
    ],
)
def test_configuration_errors_name_the_key(github: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        parse_config({"github": {"organisation": "acme", **github}})
