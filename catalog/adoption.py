"""Platform adoption signals that files can show, per service, with when each was first seen to hold.

Each configured signal (``catalog.signals``) is a named rule with a ``check``:

* ``registered``: the service is a Component in the catalog (a teams file registers nothing);
* ``scaffolded``: it carries ``backstage.io/source-template`` (optionally one of ``templates``);
* ``techdocs``: it carries ``backstage.io/techdocs-ref``;
* ``annotation``: it carries the configured annotation;
* ``reusable_workflows``: a workflow file of its repository calls a reusable workflow of the platform
  repository (optionally one of ``workflows``); with ``current: true`` every such call must be pinned at the
  platform's current version or newer;
* ``platform_deploys`` is decided from the deployments themselves, in SQL (``metrics/sql/83_service_adoption``).

When a signal first held: the date the source gives for the file that shows it (the first commit of a
descriptor or workflow file), else the first load that saw it; the warehouse keeps the earliest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from catalog.model import Service, SourceLocation
from catalog.workflows import PIN_CURRENT, ClassifiedCall
from pulse.config import AdoptionSignal

FILE_CHECKS = ("registered", "scaffolded", "techdocs", "annotation", "reusable_workflows")


@dataclass(frozen=True)
class Evidence:
    """A signal that holds for a service now; ``since`` is when the source says it started (None: unknown)."""

    service: str
    signal: str
    since: datetime | None
    detail: str


def services_with_repositories(services: Sequence[Service], repositories: Iterable[str]) -> list[Service]:
    """The catalog's services plus one unregistered service per read repository that has no Component."""
    covered = {s.repository for s in services if s.repository}
    names = {s.name for s in services}
    extra = [
        Service(name=repo, team=None, repository=repo, location=SourceLocation(repo, None), registered=False)
        for repo in dict.fromkeys(repositories)
        if repo not in covered and repo not in names
    ]
    return [*services, *extra]


def _earliest(values: Iterable[datetime | None]) -> datetime | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def evaluate_signals(
    rules: Sequence[AdoptionSignal],
    services: Sequence[Service],
    calls: Sequence[ClassifiedCall],
) -> list[Evidence]:
    """Every (service, file-based signal) that holds now, with its evidence."""
    calls_by_repo: dict[str, list[ClassifiedCall]] = defaultdict(list)
    for c in calls:
        if c.is_platform:
            calls_by_repo[c.call.repository].append(c)
    out: list[Evidence] = []
    for rule in rules:
        if rule.check not in FILE_CHECKS:
            continue
        for service in services:
            found = _check(rule, service, calls_by_repo.get(service.repository or "", []))
            if found is not None:
                since, detail = found
                out.append(Evidence(service.name, rule.name, since, detail))
    return out


def _check(
    rule: AdoptionSignal, service: Service, calls: Sequence[ClassifiedCall]
) -> tuple[datetime | None, str] | None:
    if rule.check == "registered":
        return (service.seen_since, f"catalog entry {service.location}") if service.registered else None
    if rule.check == "scaffolded":
        template = service.source_template
        if not template:
            return None
        if rule.templates and not any(t.lower() in template.lower() for t in rule.templates):
            return None
        return service.seen_since, f"template {template}"
    if rule.check == "techdocs":
        return (service.seen_since, f"techdocs {service.techdocs_ref}") if service.techdocs_ref else None
    if rule.check == "annotation":
        value = service.annotation(rule.annotation or "")
        return (service.seen_since, f"{rule.annotation}: {value}") if value else None
    if rule.check == "reusable_workflows":
        wanted = [
            c
            for c in calls
            if c.is_reusable
            and (not rule.workflows or c.call.target_workflow.lower() in {w.lower() for w in rule.workflows})
        ]
        if not wanted:
            return None
        if rule.current and any(c.pin != PIN_CURRENT for c in wanted):
            return None
        detail = "; ".join(
            sorted({f"{c.call.workflow_path} -> {c.call.target_workflow}@{c.call.ref} ({c.pin})" for c in wanted})
        )
        # A file's history dates the call, not a later bump of its pin: "current" is dated by observation.
        return (None if rule.current else _earliest(c.call.since for c in wanted)), detail
    return None
