"""Which reusable platform workflows a repository's GitHub Actions workflows call, and at which version.

A reusable workflow is called at job level: ``uses: <owner>/<repo>/.github/workflows/<file>@<ref>``. The files
are scanned line by line rather than parsed as YAML, so a workflow file that GitHub itself would reject still
shows what it calls, with the line of each call.

Pins are compared with the platform's current version: ``v2`` against current ``v3`` is outdated; a
major-only pin (``@v3``) is GitHub's floating major tag and counts as current when its major matches;
a branch (``@main``) or a commit SHA cannot be compared and is reported as such.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pulse.config import PlatformConfig

WORKFLOWS_FOLDER = ".github/workflows"
_USES = re.compile(r"""^\s*(?:-\s*)?uses\s*:\s*["']?(?P<uses>[^\s"'#]+)""")
_REUSABLE = re.compile(r"^(?P<repo>[^/\s]+/[^/\s]+)/(?P<path>\.github/workflows/[^@\s]+)@(?P<ref>\S+)$")
_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")

PIN_CURRENT = "current"
PIN_OUTDATED = "outdated"
PIN_BRANCH = "branch"
PIN_SHA = "sha"
PIN_NOT_CHECKED = "not checked"  # no current version configured


@dataclass(frozen=True)
class WorkflowCall:
    """One ``uses:`` of a reusable workflow in a repository's workflow file.

    ``target_repository`` is ``owner/name`` as written; ``target_workflow`` the called file's name
    (``platform-deploy.yml``). ``since`` is when the calling file first existed, when the source can tell.
    """

    repository: str
    workflow_path: str
    line: int
    target_repository: str
    target_workflow: str
    ref: str
    since: datetime | None = None


def is_workflow_file(path: str) -> bool:
    return path.startswith(f"{WORKFLOWS_FOLDER}/") and path.endswith((".yml", ".yaml"))


def parse_workflow_calls(text: str, repository: str, path: str, since: datetime | None = None) -> list[WorkflowCall]:
    """Every reusable workflow another repository provides that this workflow file calls."""
    calls = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _USES.match(line)
        if match is None:
            continue
        reusable = _REUSABLE.match(match["uses"])
        if reusable is None:
            continue  # an action (owner/repo@ref) or a local workflow (./.github/workflows/x.yml)
        calls.append(
            WorkflowCall(
                repository=repository,
                workflow_path=path,
                line=number,
                target_repository=reusable["repo"],
                target_workflow=reusable["path"].rsplit("/", 1)[-1],
                ref=reusable["ref"],
                since=since,
            )
        )
    return calls


def _version(text: str) -> tuple[int, ...] | None:
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def pin_status(ref: str, current: str | None) -> str:
    """'current', 'outdated', 'branch', 'sha' or 'not checked' (no current version configured)."""
    pinned = _version(ref)
    if pinned is None:
        return PIN_SHA if _SHA.match(ref) and not ref.isdigit() else PIN_BRANCH
    if not current:
        return PIN_NOT_CHECKED
    wanted = _version(current)
    if wanted is None:
        return PIN_NOT_CHECKED
    # A shorter pin floats: @v3 follows every v3.x, so compare only the parts it names.
    width = len(pinned) if len(pinned) < len(wanted) else max(len(pinned), len(wanted))
    a = (pinned + (0,) * width)[:width]
    b = (wanted + (0,) * width)[:width]
    return PIN_CURRENT if a >= b else PIN_OUTDATED


def _repo_matches(target: str, platform_repository: str | None, organisation: str) -> bool:
    if not platform_repository:
        return False
    wanted = platform_repository if "/" in platform_repository else f"{organisation}/{platform_repository}"
    return target.lower() == wanted.lower()


def _workflow_matches(name: str, wanted: Sequence[str]) -> bool:
    lowered = name.lower()
    return any(lowered == w.lower().rsplit("/", 1)[-1] for w in wanted)


@dataclass(frozen=True)
class ClassifiedCall:
    """A workflow call with what it means for adoption."""

    call: WorkflowCall
    is_platform: bool  # calls a workflow of the platform repository
    is_reusable: bool  # ... one of the configured reusable workflows (any, when none are configured)
    is_deploy: bool  # ... one of the platform's deploy workflows
    pin: str


def classify(calls: Sequence[WorkflowCall], platform: PlatformConfig, organisation: str) -> list[ClassifiedCall]:
    out = []
    for call in calls:
        is_platform = _repo_matches(call.target_repository, platform.repository, organisation)
        reusable = is_platform and (
            not platform.reusable_workflows or _workflow_matches(call.target_workflow, platform.reusable_workflows)
        )
        deploy = is_platform and _workflow_matches(call.target_workflow, platform.deploy_workflows)
        out.append(
            ClassifiedCall(
                call=call,
                is_platform=is_platform,
                is_reusable=reusable or deploy,
                is_deploy=deploy,
                pin=pin_status(call.ref, platform.current_version) if is_platform else PIN_NOT_CHECKED,
            )
        )
    return out
