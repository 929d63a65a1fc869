"""One catalog load as the configuration asks for it: source -> services, teams, workflow calls, evidence.

Dagster-free, so the pipeline asset, the tests and a one-off script all run the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import requests

from catalog.adoption import Evidence, evaluate_signals, services_with_repositories
from catalog.backstage import BackstageClient, load_from_backstage
from catalog.github_files import GitHubFiles, github_files_for
from catalog.model import CatalogSnapshot, Problem, Service, SourceLocation, TeamRollup
from catalog.ownership import (
    OwnershipRow,
    derive_services,
    dora_service_names,
    ownership_rows,
    team_rollup,
    unknown_owner_problems,
)
from catalog.sources import LocalRepositoryFiles, load_from_repositories, load_teams_file, load_workflow_calls
from catalog.workflows import ClassifiedCall, classify
from pulse.config import CatalogConfig, PulseConfig


@dataclass(frozen=True)
class CatalogLoad:
    """Everything one load produced; ``services`` includes read repositories that no Component describes."""

    source: str
    organisation: str
    services: tuple[Service, ...]
    dora_services: dict[str, str]
    teams: tuple[TeamRollup, ...]
    ownership: tuple[OwnershipRow, ...]
    calls: tuple[ClassifiedCall, ...]
    evidence: tuple[Evidence, ...]
    problems: tuple[Problem, ...]
    snapshot: CatalogSnapshot
    workflow_files: int = 0
    api_requests: int = 0
    stats: dict[str, int] = field(default_factory=dict)


def _filtered(repositories: list[str], wanted: tuple[str, ...]) -> list[str]:
    if not wanted:
        return repositories
    keep = {w.lower() for w in wanted}
    return [r for r in repositories if r.lower() in keep]


def read_snapshot(
    cfg: PulseConfig, catalog: CatalogConfig, *, session: requests.Session | None = None
) -> tuple[CatalogSnapshot, int]:
    """The raw catalog from the configured source; (snapshot, API requests spent).

    Raises :class:`catalog.backstage.BackstageError` when a Backstage instance cannot be read at all.
    """
    if catalog.source == "backstage":
        assert catalog.backstage is not None  # the configuration requires it for this source
        client = BackstageClient(
            catalog.backstage.base_url,
            catalog.backstage.token(),
            page_size=catalog.backstage.page_size,
            timeout_seconds=catalog.backstage.timeout_seconds,
            retries=catalog.backstage.retries,
            session=session,
        )
        snapshot, fetched = load_from_backstage(client)
        return snapshot, fetched.requests
    if catalog.source == "teams_file":
        assert catalog.teams_file is not None
        return load_teams_file(catalog.teams_file, cfg.organisation), 0
    if catalog.folder is None:
        raise ValueError("read_snapshot reads local folders; use load_catalog for the GitHub contents API")
    files = LocalRepositoryFiles(catalog.folder)
    repos = _filtered(files.repositories(), cfg.github.repositories)
    snapshot = load_from_repositories(
        repos, files.read, paths=catalog.paths, extra_files=catalog.files, first_seen=files.first_seen
    )
    return snapshot, 0


def read_github(cfg: PulseConfig, catalog: CatalogConfig, files: GitHubFiles) -> CatalogLoad:
    """Descriptor and workflow files of the organisation's repositories through the GitHub contents API.

    A repository without a descriptor is "not registered"; a repository that cannot be read is reported and
    the others still load. ``api_requests`` counts every contents, repository and listing request.
    """
    problems: list[Problem] = []
    try:
        repos = files.repositories(cfg.github.repositories)
    except Exception as exc:  # without the listing nothing can be read; say so instead of failing the run
        problems.append(Problem(SourceLocation(cfg.organisation, None), f"repositories could not be listed: {exc}"))
        repos = []
    snapshot = load_from_repositories(repos, files.read, paths=catalog.paths, extra_files=catalog.files)
    if problems:
        snapshot = replace(snapshot, problems=(*problems, *snapshot.problems))

    def read_workflows(names: list[str]) -> tuple[list, list[Problem], int]:
        return load_workflow_calls(names, files.read, files.list)

    load = build_load(cfg, catalog, snapshot, read_workflows=read_workflows)
    return replace(load, api_requests=files.requests)


def build_load(
    cfg: PulseConfig,
    catalog: CatalogConfig,
    snapshot: CatalogSnapshot,
    *,
    read_workflows: Callable[[list[str]], tuple[list, list[Problem], int]] | None = None,
    api_requests: int = 0,
) -> CatalogLoad:
    """Derive services, teams, ownership, workflow calls and adoption evidence from a snapshot."""
    problems: list[Problem] = list(snapshot.problems)
    services, found = derive_services(snapshot, cfg.organisation, path_annotation=catalog.path_annotation)
    problems += found

    repositories: list[str] = list(snapshot.repositories)
    calls: list[ClassifiedCall] = []
    workflow_files = 0
    if read_workflows is None and catalog.folder is not None:
        files = LocalRepositoryFiles(catalog.folder)

        def read_workflows(repos: list[str]) -> tuple[list, list[Problem], int]:
            return load_workflow_calls(repos, files.read, files.list, first_seen=files.first_seen)

        repositories += _filtered(files.repositories(), cfg.github.repositories)
    if read_workflows is not None:
        repositories += [s.repository for s in services if s.repository]
        raw_calls, found, workflow_files = read_workflows(list(dict.fromkeys(repositories)))
        problems += found
        calls = classify(raw_calls, catalog.platform, cfg.organisation)

    groups = [e.key for e in snapshot.entities if e.kind == "Group"]
    problems += unknown_owner_problems(snapshot.entities, groups)
    teams, found = team_rollup(
        snapshot.entities,
        [s.team for s in services if s.team],
        cfg.organisation,
        department_types=catalog.department_types,
    )
    problems += found
    rows, found = ownership_rows(services)
    problems += found
    rows += [OwnershipRow(team, "pagerduty_service", sid, None) for team, sid in snapshot.team_pagerduty]

    everything = services_with_repositories(services, repositories) if repositories else services
    evidence = evaluate_signals(catalog.signals, everything, calls)
    return CatalogLoad(
        source=catalog.source,
        organisation=cfg.organisation,
        services=tuple(everything),
        dora_services=dora_service_names(everything),
        teams=tuple(teams),
        ownership=tuple(rows),
        calls=tuple(calls),
        evidence=tuple(evidence),
        problems=tuple(problems),
        snapshot=snapshot,
        workflow_files=workflow_files,
        api_requests=api_requests,
        stats={
            "entities": len(snapshot.entities),
            "components": len(services),
            "groups": len(groups),
            "files_read": snapshot.files_read,
        },
    )


def load_catalog(
    cfg: PulseConfig, *, session: requests.Session | None = None, github_files: GitHubFiles | None = None
) -> CatalogLoad:
    """Read the configured catalog source and derive everything from it (``cfg.catalog`` must be set).

    Source ``github`` reads a local ``folder`` of repositories when one is configured, else the GitHub contents
    API of the configuration's ``github`` section (``github_files`` replaces that client, for tests).
    """
    catalog = cfg.catalog
    if catalog is None:
        raise ValueError("no catalog is configured")
    if catalog.source == "github" and catalog.folder is None:
        return read_github(cfg, catalog, github_files if github_files is not None else github_files_for(cfg))
    snapshot, spent = read_snapshot(cfg, catalog, session=session)
    return build_load(cfg, catalog, snapshot, api_requests=spent)
