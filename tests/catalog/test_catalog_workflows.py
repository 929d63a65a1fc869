"""Reusable platform workflow calls in `.github/workflows/*.yml`, pins against the current version, signals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from catalog_samples import CURRENT_WORKFLOW, DEPLOY_WORKFLOW, write_org

from catalog.adoption import evaluate_signals
from catalog.load import load_catalog
from catalog.workflows import classify, parse_workflow_calls, pin_status
from pulse.config import AdoptionSignal, PlatformConfig, parse_config

PLATFORM = PlatformConfig(
    repository="platform-workflows", deploy_workflows=("platform-deploy.yml",), current_version="v3"
)


def test_job_level_calls_of_reusable_workflows_are_found_with_their_lines() -> None:
    calls = parse_workflow_calls(DEPLOY_WORKFLOW, "artist-web", ".github/workflows/deploy.yml")

    assert [(c.line, c.target_repository, c.target_workflow, c.ref) for c in calls] == [
        (7, "acme/platform-workflows", "build.yml", "v3.1.0"),
        (11, "acme/platform-workflows", "platform-deploy.yml", "v2"),
    ]
    # The commented-out call, the action (actions/checkout@v4) and the local workflow are not calls.


def test_quoted_uses_are_read() -> None:
    (call,) = parse_workflow_calls(CURRENT_WORKFLOW, "shop", ".github/workflows/deploy.yml")
    assert (call.target_workflow, call.ref) == ("platform-deploy.yml", "v3")


@pytest.mark.parametrize(
    ("ref", "current", "expected"),
    [
        ("v2", "v3", "outdated"),
        ("v3", "v3", "current"),
        ("v3", "v3.2", "current"),  # a major tag floats with its minor releases
        ("v3.1.0", "v3.2", "outdated"),
        ("v3.2.1", "v3.2", "current"),
        ("v4", "v3.2", "current"),
        ("3", "v3", "current"),
        ("main", "v3", "branch"),
        ("release/2026", "v3", "branch"),
        ("8f4b2c1d9e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c", "v3", "sha"),
        ("v2", None, "not checked"),
    ],
)
def test_pins_are_compared_with_the_current_version(ref: str, current: str | None, expected: str) -> None:
    assert pin_status(ref, current) == expected


def test_calls_are_classified_against_the_platform_repository() -> None:
    calls = parse_workflow_calls(DEPLOY_WORKFLOW, "artist-web", ".github/workflows/deploy.yml")
    other = "jobs:\n  x:\n    uses: other-org/tools/.github/workflows/lint.yml@v1\n"
    calls += parse_workflow_calls(other, "artist-web", ".github/workflows/x.yml")
    classified = classify(calls, PLATFORM, "acme")

    assert [(c.call.target_workflow, c.is_platform, c.is_deploy, c.pin) for c in classified] == [
        ("build.yml", True, False, "current"),  # v3.1.0 is newer than v3
        ("platform-deploy.yml", True, True, "outdated"),
        ("lint.yml", False, False, "not checked"),
    ]


def test_reusable_workflow_signals_with_and_without_current_pins(tmp_path: Path) -> None:
    org = write_org(tmp_path / "repos")
    cfg = parse_config(
        {
            "github": {"organisation": "acme"},
            "catalog": {
                "source": "github",
                "folder": str(org),
                "platform": {"repository": "acme/platform-workflows", "current_version": "v3"},
            },
        }
    )
    load = load_catalog(cfg)
    held = {(e.service, e.signal) for e in load.evidence}

    # artist-web calls the platform but pins platform-deploy at v2; both shop services call it at v3.
    assert ("artist-web", "platform_ci") in held
    assert ("artist-web", "current_pins") not in held
    assert {("cart", "platform_ci"), ("checkout", "platform_ci"), ("cart", "current_pins")} <= held
    assert ("ledger", "platform_ci") not in held
    assert ("artist-web", "scaffolded") in held and ("artist-web", "docs") in held
    assert ("cart", "scaffolded") not in held


def test_a_workflow_file_date_from_the_source_dates_the_signal() -> None:
    from catalog.model import Service, SourceLocation
    from catalog.workflows import WorkflowCall, classify

    since = datetime(2026, 3, 2, 9, 0)
    call = WorkflowCall("svc", ".github/workflows/ci.yml", 4, "acme/platform-workflows", "build.yml", "v3", since)
    service = Service("svc", "team", "svc", SourceLocation("svc", "catalog-info.yaml"))
    rules = [
        AdoptionSignal("ci", "reusable_workflows"),
        AdoptionSignal("ci_current", "reusable_workflows", current=True),
        AdoptionSignal("build_only", "reusable_workflows", workflows=("deploy.yml",)),
    ]
    evidence = evaluate_signals(rules, [service], classify([call], PLATFORM, "acme"))

    assert {e.signal: e.since for e in evidence} == {"ci": since, "ci_current": None}
