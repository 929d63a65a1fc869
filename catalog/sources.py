"""Catalog sources: descriptor files read from repositories, or a ``teams.yaml`` when there is no catalog.

Reading files is a callable ``read_file(repository, path) -> text | None`` (None: no such file), so the same
loader runs over a local folder of checked-out repositories (:class:`LocalRepositoryFiles`) and, later, over
the GitHub contents API. ``list_files(repository, folder)`` lists a folder (for ``.github/workflows``) and
``first_seen(repository, path)`` tells when a file first existed, when the source knows (commit history).

A Backstage instance is the third source: see :mod:`catalog.backstage`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from catalog.model import (
    ANNOTATION_PAGERDUTY,
    ANNOTATION_PROJECT_SLUG,
    CatalogSnapshot,
    Entity,
    Problem,
    SourceLocation,
)
from catalog.parse import parse_catalog_text
from catalog.workflows import WORKFLOWS_FOLDER, WorkflowCall, is_workflow_file, parse_workflow_calls

ReadFile = Callable[[str, str], str | None]
ListFiles = Callable[[str, str], Sequence[str]]
FirstSeen = Callable[[str, str], datetime | None]

# A Location that points back at itself, or a chain of them, must end somewhere.
MAX_FILES_PER_LOAD = 5000


@dataclass(frozen=True)
class LocalRepositoryFiles:
    """Repositories checked out (or copied) under one folder: ``<root>/<repository>/<path>``.

    It knows no history, so ``first_seen`` is always None.
    """

    root: Path

    def repositories(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def _file(self, repository: str, path: str) -> Path | None:
        base = (self.root / repository).resolve()
        target = (base / path).resolve()
        # A Location target or a configured path must not read outside its repository.
        if base != target and base not in target.parents:
            return None
        return target

    def read(self, repository: str, path: str) -> str | None:
        target = self._file(repository, path)
        if target is None or not target.is_file():
            return None
        return target.read_text(encoding="utf-8")

    def list(self, repository: str, folder: str) -> list[str]:
        target = self._file(repository, folder)
        if target is None or not target.is_dir():
            return []
        return sorted(f"{folder.rstrip('/')}/{p.name}" for p in target.iterdir() if p.is_file())

    def first_seen(self, repository: str, path: str) -> datetime | None:
        return None


def load_from_repositories(
    repositories: Iterable[str],
    read_file: ReadFile,
    *,
    paths: Sequence[str] = ("catalog-info.yaml",),
    extra_files: Sequence[str] = (),
    first_seen: FirstSeen | None = None,
) -> CatalogSnapshot:
    """Every entity in the descriptor files of each repository (and the Locations they point at).

    ``extra_files`` are ``repository/path`` entries read once (an organisation's Group definitions).
    A file that cannot be read or parsed is reported and the others still load.
    """
    queue: deque[tuple[str, str, bool]] = deque()
    repos = list(dict.fromkeys(repositories))
    for repo in repos:
        for path in paths:
            queue.append((repo, path, False))
    for item in extra_files:
        repo, _, path = item.partition("/")
        queue.append((repo, path, True))
    entities: list[Entity] = []
    problems: list[Problem] = []
    seen_since: list[tuple[str, datetime]] = []
    visited: set[tuple[str, str]] = set()
    files = 0
    while queue and files < MAX_FILES_PER_LOAD:
        repo, path, required = queue.popleft()
        if (repo, path) in visited:
            continue
        visited.add((repo, path))
        try:
            text = read_file(repo, path)
        except Exception as exc:  # one unreadable file must not stop the others
            problems.append(Problem(SourceLocation(repo, path), f"could not be read: {exc}"))
            continue
        if text is None:
            if required:
                problems.append(Problem(SourceLocation(repo, path), "file not found"))
            continue
        files += 1
        parsed = parse_catalog_text(text, repo, path)
        entities += parsed.entities
        problems += parsed.problems
        if first_seen is not None:
            try:
                when = first_seen(repo, path)
            except Exception:  # a missing date only loses the date
                when = None
            if when is not None:
                seen_since.append((f"{repo}/{path}", when))
        for target in parsed.targets:
            queue.append((target[0], target[1], True))
    if queue:
        problems.append(Problem(SourceLocation(None, None), f"stopped after {MAX_FILES_PER_LOAD} files", "warning"))
    return CatalogSnapshot(
        source="github",
        entities=tuple(entities),
        problems=tuple(problems),
        files_read=files,
        repositories=tuple(repos),
        seen_since=tuple(seen_since),
    )


def load_workflow_calls(
    repositories: Iterable[str],
    read_file: ReadFile,
    list_files: ListFiles,
    *,
    first_seen: FirstSeen | None = None,
) -> tuple[list[WorkflowCall], list[Problem], int]:
    """Reusable-workflow calls in every ``.github/workflows/*.yml`` of each repository; (calls, problems, files)."""
    calls: list[WorkflowCall] = []
    problems: list[Problem] = []
    files = 0
    for repo in dict.fromkeys(repositories):
        try:
            names = [p for p in list_files(repo, WORKFLOWS_FOLDER) if is_workflow_file(p)]
        except Exception as exc:
            problems.append(Problem(SourceLocation(repo, WORKFLOWS_FOLDER), f"could not be listed: {exc}", "warning"))
            continue
        for path in names:
            try:
                text = read_file(repo, path)
            except Exception as exc:
                problems.append(Problem(SourceLocation(repo, path), f"could not be read: {exc}", "warning"))
                continue
            if text is None:
                continue
            files += 1
            when = None
            if first_seen is not None:
                try:
                    when = first_seen(repo, path)
                except Exception:
                    when = None
            calls += parse_workflow_calls(text, repo, path, when)
    return calls, problems, files


def load_teams_file(path: Path, organisation: str) -> CatalogSnapshot:
    """A ``teams.yaml`` in the shape of the configuration's ``teams`` section, as catalog entities.

    ``{team: {repositories: [...], pagerduty_services: [...] | {id: repository}, department: name}}``,
    optionally under a top-level ``teams:`` key. Each repository becomes a Component owned by its team and
    each department a Group; nothing from this file counts as registered in a catalog.
    """
    location = SourceLocation(None, path.name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = SourceLocation(None, path.name, mark.line + 1 if mark is not None else None)
        return CatalogSnapshot("teams_file", problems=(Problem(where, f"not readable: {exc}"),), registered=False)
    if isinstance(data, dict) and isinstance(data.get("teams"), dict):
        data = data["teams"]
    if not isinstance(data, dict):
        problem = Problem(location, "must map team names to their repositories")
        return CatalogSnapshot("teams_file", problems=(problem,), registered=False)
    entities: list[Entity] = []
    problems: list[Problem] = []
    departments: set[str] = set()
    team_pagerduty: list[tuple[str, str]] = []
    for team, body in data.items():
        body = body or {}
        if not isinstance(body, dict):
            problems.append(Problem(location, f"team {team!r}: must be a mapping with repositories"))
            continue
        department = body.get("department")
        if department:
            departments.add(str(department))
        entities.append(
            Entity("Group", str(team), location, spec_type="team", parent=str(department) if department else None)
        )
        services = body.get("pagerduty_services") or {}
        pagerduty_of: dict[str, list[str]] = {}
        loose: list[str] = []
        if isinstance(services, dict):
            for sid, repo in services.items():
                pagerduty_of.setdefault(str(repo), []).append(str(sid))
        elif isinstance(services, list):
            loose = [str(s) for s in services]
        for repo in _strings(body.get("repositories")):
            annotations = [(ANNOTATION_PROJECT_SLUG, f"{organisation}/{repo}")]
            if pagerduty_of.get(repo):
                annotations.append((ANNOTATION_PAGERDUTY, ",".join(pagerduty_of[repo])))
            entities.append(
                Entity("Component", repo, location, owner=str(team), owner_kind="group", annotations=tuple(annotations))
            )
        team_pagerduty += [(str(team), sid) for sid in loose]
    for department in sorted(departments):
        entities.append(Entity("Group", department, location, spec_type="department"))
    return CatalogSnapshot(
        "teams_file",
        tuple(entities),
        tuple(problems),
        files_read=1,
        registered=False,
        team_pagerduty=tuple(team_pagerduty),
    )


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []
