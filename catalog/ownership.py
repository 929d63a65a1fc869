"""From catalog entities to services, team ownership rows and the team -> department -> organisation roll-up.

Rules (docs/metrics.md, "Platform adoption"):

* Every Component is a service. Its repository comes from ``github.com/project-slug``, else from the
  repository its descriptor file was read from; the organisation's own prefix is dropped (``acme/shop`` ->
  ``shop``).
* A monorepo holds several Components; each names the folder it lives in with the path annotation
  (default ``backstage.io/source-location``, a GitHub ``tree`` URL or a plain path), else the folder of its
  descriptor file (``services/checkout/catalog-info.yaml`` -> ``services/checkout/``).
* The owning team is ``spec.owner`` normalised (``group:default/payments`` -> ``payments``). An owner that no
  Group defines is still the team (nothing is dropped) and is reported once, with every entity it owns.
* A team's department is its nearest ancestor Group whose ``spec.type`` is a department type (configurable),
  else its nearest ancestor that is not the organisation itself; teams without ancestors roll up directly to
  the organisation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from catalog.model import (
    ANNOTATION_SOURCE_LOCATION,
    CatalogSnapshot,
    Entity,
    Problem,
    Service,
    SourceLocation,
    TeamRollup,
)
from catalog.parse import github_location

DEFAULT_DEPARTMENT_TYPES = ("department", "business-unit", "division", "product-area", "tribe")
ORGANISATION_TYPES = ("organization", "organisation", "company", "root", "enterprise")


def repository_name(slug: str | None, organisation: str) -> str | None:
    """``acme/payments-api`` -> ``payments-api`` inside organisation ``acme``; other owners keep ``owner/name``."""
    if not slug:
        return None
    text = slug.strip().strip("/")
    if "/" not in text:
        return text or None
    owner, _, name = text.partition("/")
    return name if owner.lower() == organisation.lower() else text


def _service_paths(entity: Entity, repository: str | None, organisation: str, path_annotation: str) -> tuple[str, ...]:
    value = entity.annotation(path_annotation)
    if value:
        if "://" in value:
            repo, path = github_location(value)
            if repo is not None and repository is not None and repository_name(repo, organisation) != repository:
                return ()
            return (path.rstrip("/") + "/",) if path else ()
        # A plain path (a custom annotation such as `acme.com/service-path: services/checkout`).
        folders = [p.strip().strip("/") for p in value.split(",") if p.strip().strip("/")]
        return tuple(f"{p}/" for p in folders)
    # No annotation: a descriptor in a sub-folder describes that folder.
    file_path = entity.location.path or ""
    if "/" in file_path and repository_name(entity.location.repository, organisation) == repository:
        return (file_path.rsplit("/", 1)[0] + "/",)
    return ()


def derive_services(
    snapshot: CatalogSnapshot,
    organisation: str,
    *,
    path_annotation: str = ANNOTATION_SOURCE_LOCATION,
) -> tuple[list[Service], list[Problem]]:
    """One service per Component (the first definition wins when a name appears twice)."""
    problems: list[Problem] = []
    services: list[Service] = []
    seen: dict[str, Entity] = {}
    for entity in snapshot.entities:
        if entity.kind != "Component":
            continue
        key = entity.key.lower()
        if key in seen:
            first = seen[key]
            problems.append(
                Problem(
                    entity.location,
                    f"component {entity.key} is also defined at {first.location}; ignored here",
                    "warning",
                    entity.ref,
                )
            )
            continue
        seen[key] = entity
        repository = repository_name(entity.project_slug, organisation) or repository_name(
            entity.location.repository, organisation
        )
        pagerduty = tuple(p.strip() for p in (entity.pagerduty_service_id or "").split(",") if p.strip())
        services.append(
            Service(
                name=entity.key,
                team=entity.owner,
                repository=repository,
                location=entity.location,
                paths=_service_paths(entity, repository, organisation, path_annotation),
                system=entity.system,
                lifecycle=entity.lifecycle,
                spec_type=entity.spec_type,
                pagerduty_service_ids=pagerduty,
                source_template=entity.source_template,
                techdocs_ref=entity.techdocs_ref,
                annotations=entity.annotations,
                registered=snapshot.registered,
                seen_since=snapshot.first_seen(entity.location),
            )
        )
    by_repo: dict[str, list[Service]] = defaultdict(list)
    for service in services:
        if service.repository:
            by_repo[service.repository].append(service)
    for repo, members in sorted(by_repo.items()):
        if len(members) > 1:
            pathless = [s.name for s in members if not s.paths]
            if pathless:
                problems.append(
                    Problem(
                        members[0].location,
                        f"repository {repo} holds {len(members)} components but {', '.join(pathless)} name no "
                        f"folder ({path_annotation}); their changes cannot be told apart by path",
                        "warning",
                    )
                )
    return services, problems


def unknown_owner_problems(entities: Sequence[Entity], known_teams: Iterable[str]) -> list[Problem]:
    """One warning per owner that no Group (or configured team) defines, listing the entities it owns."""
    known = {t.lower() for t in known_teams}
    owned: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities:
        if entity.owner and entity.kind != "Group" and entity.owner.lower() not in known:
            owned[entity.owner].append(entity)
    problems = []
    for owner, items in sorted(owned.items()):
        kind = items[0].owner_kind or "group"
        what = "a user, not a team" if kind == "user" else "not a Group in the catalog"
        refs = ", ".join(e.ref for e in items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
        problems.append(
            Problem(
                items[0].location,
                f"owner {owner!r} is {what}; kept as the team of {refs}",
                "warning",
                entity=f"{kind}:{owner}",
            )
        )
    return problems


@dataclass(frozen=True)
class _Group:
    name: str
    group_type: str | None
    parent: str | None
    display_name: str | None
    location: SourceLocation


def team_rollup(
    entities: Sequence[Entity],
    owners: Iterable[str],
    organisation: str,
    *,
    department_types: Sequence[str] = DEFAULT_DEPARTMENT_TYPES,
) -> tuple[list[TeamRollup], list[Problem]]:
    """team -> department -> organisation for every owning team and every Group of type ``team``."""
    problems: list[Problem] = []
    groups: dict[str, _Group] = {}
    for e in entities:
        if e.kind == "Group" and e.key.lower() not in groups:
            groups[e.key.lower()] = _Group(
                e.key, (e.spec_type or "").lower() or None, e.parent, e.display_name, e.location
            )
    # Backstage accepts the hierarchy from either end: a child's spec.parent or a parent's spec.children.
    parent_of = {k: g.parent.lower() for k, g in groups.items() if g.parent}
    for e in entities:
        if e.kind == "Group":
            for child in e.children:
                parent_of.setdefault(child.lower(), e.key.lower())
    dept_types = {t.lower() for t in department_types}

    teams: dict[str, str] = {}
    for owner in owners:
        if owner:
            teams.setdefault(owner.lower(), owner)
    for key, g in groups.items():
        if g.group_type == "team":
            teams.setdefault(key, g.name)

    rows = []
    for key, name in sorted(teams.items()):
        chain = [key]
        while chain[-1] in parent_of:
            nxt = parent_of[chain[-1]]
            if nxt in chain:
                where = groups[key].location if key in groups else SourceLocation(None, None)
                problems.append(Problem(where, f"group hierarchy of {name} loops back to {nxt}; cut there", "warning"))
                break
            chain.append(nxt)
        ancestors = chain[1:]
        department = None
        own = groups.get(key)
        if own is not None and own.group_type in dept_types:
            department = own.name
        else:
            typed = [a for a in ancestors if groups.get(a) and groups[a].group_type in dept_types]
            untyped = [a for a in ancestors if not (groups.get(a) and groups[a].group_type in ORGANISATION_TYPES)]
            pick = typed[0] if typed else (untyped[0] if untyped else None)
            department = (groups[pick].name if pick in groups else pick) if pick else None
        rows.append(
            TeamRollup(
                team=name,
                department=department,
                organisation=organisation,
                display_name=own.display_name if own else None,
                group_type=own.group_type if own else None,
                path=tuple(groups[c].name if c in groups else c for c in chain),
                known=own is not None,
            )
        )
    return rows, problems


@dataclass(frozen=True)
class OwnershipRow:
    """One row of ``team_ownership``: a team owns a repository, a catalog service or a PagerDuty service.

    For ``pagerduty_service`` rows ``repository`` holds the service name the DORA tables use for it (the
    repository for a single-service repository, the component for a monorepo component).
    """

    team: str
    kind: str  # 'repository' | 'service' | 'pagerduty_service'
    key: str
    repository: str | None
    source: str = "catalog"


def ownership_rows(services: Sequence[Service]) -> tuple[list[OwnershipRow], list[Problem]]:
    """Ownership rows from catalog services; one owner per repository (the majority owner of its components)."""
    problems: list[Problem] = []
    rows: list[OwnershipRow] = []
    by_repo: dict[str, list[Service]] = defaultdict(list)
    for s in services:
        if s.repository:
            by_repo[s.repository].append(s)
    for repo, members in sorted(by_repo.items()):
        owners = Counter(s.team or "unowned" for s in members)
        root = [s.team or "unowned" for s in members if not s.paths]
        # The component at the repository root owns it; otherwise the team owning most of its components.
        team = root[0] if root else sorted(owners.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        if len(owners) > 1:
            problems.append(
                Problem(
                    members[0].location,
                    f"repository {repo} has components owned by {', '.join(sorted(owners))}; the repository is "
                    f"counted under {team}, each component under its own owner",
                    "info",
                )
            )
        rows.append(OwnershipRow(team, "repository", repo, repo))
    multi = {repo for repo, members in by_repo.items() if len(members) > 1}
    pagerduty_owner: dict[str, Service] = {}
    for s in services:
        team = s.team or "unowned"
        rows.append(OwnershipRow(team, "service", s.name, s.repository))
        dora_service = s.name if s.repository in multi else (s.repository or s.name)
        for pid in s.pagerduty_service_ids:
            if pid in pagerduty_owner:
                problems.append(
                    Problem(
                        s.location,
                        f"PagerDuty service {pid} is annotated on {pagerduty_owner[pid].name} and {s.name}; "
                        f"kept for {pagerduty_owner[pid].name}",
                        "warning",
                    )
                )
                continue
            pagerduty_owner[pid] = s
            rows.append(OwnershipRow(team, "pagerduty_service", pid, dora_service))
    return rows, problems


def dora_service_names(services: Sequence[Service]) -> dict[str, str]:
    """Catalog service -> the service name the DORA tables use: its repository, or itself in a monorepo."""
    counts = Counter(s.repository for s in services if s.repository)
    return {s.name: (s.name if not s.repository or counts[s.repository] > 1 else s.repository) for s in services}
