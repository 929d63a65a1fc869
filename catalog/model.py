"""What a service catalog says, as frozen values: entities, the services and teams derived from them, problems.

Entity references follow Backstage's ``[<kind>:][<namespace>/]<name>`` form. The default namespace is dropped
when a reference is normalised (``group:default/payments`` and ``payments`` are the same team), other
namespaces are kept (``finance/payments``). Names compare case-insensitively in Backstage; here they are kept
as written and looked up case-insensitively where it matters (owners, parents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# The kinds this project reads; other kinds (User, Domain, Template, ...) are skipped without complaint, and
# Location entities only point at more files.
KINDS = ("Component", "System", "API", "Resource", "Group")
DEFAULT_NAMESPACE = "default"

ANNOTATION_PROJECT_SLUG = "github.com/project-slug"
ANNOTATION_PAGERDUTY = "pagerduty.com/service-id"
ANNOTATION_TEMPLATE = "backstage.io/source-template"
ANNOTATION_TECHDOCS = "backstage.io/techdocs-ref"
ANNOTATION_SOURCE_LOCATION = "backstage.io/source-location"
ANNOTATION_MANAGED_BY = "backstage.io/managed-by-location"
ANNOTATION_MANAGED_BY_ORIGIN = "backstage.io/managed-by-origin-location"


@dataclass(frozen=True)
class SourceLocation:
    """Where an entity or a problem came from: repository, file path in it, 1-based line (None when unknown).

    Entities read from a Backstage instance carry the location Backstage recorded (``managed-by-location``)
    and no line.
    """

    repository: str | None
    path: str | None
    line: int | None = None

    def __str__(self) -> str:
        where = "/".join(p for p in (self.repository, self.path) if p) or "(catalog)"
        return f"{where}:{self.line}" if self.line else where


@dataclass(frozen=True)
class Problem:
    """Something in the catalog that could not be used as written; reported, never fatal to the other files.

    ``severity`` is ``error`` (the document or file was skipped), ``warning`` (used, but something in it was
    ignored or is doubtful, such as an unknown owner) or ``info``.
    """

    location: SourceLocation
    message: str
    severity: str = "error"
    entity: str | None = None  # the entity reference when known

    def __str__(self) -> str:
        about = f" ({self.entity})" if self.entity else ""
        return f"{self.location}: {self.severity}: {self.message}{about}"


@dataclass(frozen=True)
class EntityRef:
    """A normalised entity reference; ``name`` keeps a non-default namespace (``finance/payments``)."""

    kind: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.kind.lower()}:{self.name}" if self.kind else self.name


_REF = re.compile(r"^(?:(?P<kind>[A-Za-z][\w-]*):)?(?:(?P<namespace>[\w.\-]+)/)?(?P<name>[\w.\-]+)$")


def parse_ref(value: str, default_kind: str | None = None) -> EntityRef | None:
    """``group:default/payments`` -> (group, payments); None when the text is not an entity reference."""
    match = _REF.match(value.strip())
    if match is None:
        return None
    kind = match["kind"] or default_kind
    namespace = match["namespace"]
    name = match["name"] if namespace in (None, DEFAULT_NAMESPACE) else f"{namespace}/{match['name']}"
    return EntityRef(kind.lower() if kind else None, name)


@dataclass(frozen=True)
class Entity:
    """One catalog entity of a kind in :data:`KINDS`, with the fields this project reads.

    ``owner`` is the normalised owning group (``group:default/payments`` -> ``payments``) and
    ``owner_kind`` the kind the reference named (``group`` unless it says ``user:``). Relations
    (``provides_apis``, ``consumes_apis``, ``depends_on``) are normalised references as text.
    """

    kind: str
    name: str
    location: SourceLocation
    namespace: str = DEFAULT_NAMESPACE
    title: str | None = None
    description: str | None = None
    spec_type: str | None = None
    owner: str | None = None
    owner_kind: str | None = None
    system: str | None = None
    lifecycle: str | None = None
    parent: str | None = None
    children: tuple[str, ...] = ()
    provides_apis: tuple[str, ...] = ()
    consumes_apis: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    display_name: str | None = None  # Group: spec.profile.displayName

    @property
    def ref(self) -> str:
        name = self.name if self.namespace == DEFAULT_NAMESPACE else f"{self.namespace}/{self.name}"
        return f"{self.kind.lower()}:{name}"

    @property
    def key(self) -> str:
        """The name other entities use for this one (namespace kept when it is not ``default``)."""
        return self.name if self.namespace == DEFAULT_NAMESPACE else f"{self.namespace}/{self.name}"

    def annotation(self, name: str) -> str | None:
        for key, value in self.annotations:
            if key == name:
                return value
        return None

    @property
    def project_slug(self) -> str | None:
        return self.annotation(ANNOTATION_PROJECT_SLUG)

    @property
    def pagerduty_service_id(self) -> str | None:
        return self.annotation(ANNOTATION_PAGERDUTY)

    @property
    def source_template(self) -> str | None:
        return self.annotation(ANNOTATION_TEMPLATE)

    @property
    def techdocs_ref(self) -> str | None:
        return self.annotation(ANNOTATION_TECHDOCS)


@dataclass(frozen=True)
class Service:
    """One deployable service: a catalog Component (or, without a catalog, a repository a team owns).

    ``repository`` is the GitHub repository name within the organisation (``owner/name`` when it belongs to
    another owner); ``paths`` are the folders of a monorepo the service lives in (empty: the whole
    repository). ``registered`` is True only for services that come from a real catalog (not a teams file).
    ``seen_since`` is when the source first had the catalog file, when the source can tell (else None).
    """

    name: str
    team: str | None
    repository: str | None
    location: SourceLocation
    paths: tuple[str, ...] = ()
    system: str | None = None
    lifecycle: str | None = None
    spec_type: str | None = None
    pagerduty_service_ids: tuple[str, ...] = ()
    source_template: str | None = None
    techdocs_ref: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()
    registered: bool = True
    seen_since: datetime | None = None

    def annotation(self, name: str) -> str | None:
        for key, value in self.annotations:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class TeamRollup:
    """Where a team sits: team -> department -> organisation (one row per group that owns or is a team).

    ``department`` is None when the team hangs directly under the organisation. ``path`` lists the group
    chain from the team up to its top-most ancestor.
    """

    team: str
    department: str | None
    organisation: str
    display_name: str | None = None
    group_type: str | None = None
    path: tuple[str, ...] = ()
    known: bool = True  # False: an owner that no Group entity (or teams entry) defines


@dataclass(frozen=True)
class CatalogSnapshot:
    """Everything read from a catalog source in one pass."""

    source: str  # 'github' | 'backstage' | 'teams_file'
    entities: tuple[Entity, ...] = ()
    problems: tuple[Problem, ...] = ()
    files_read: int = 0
    repositories: tuple[str, ...] = ()  # repositories whose files were read
    seen_since: tuple[tuple[str, datetime], ...] = field(default=())  # "repository/path" -> first seen
    registered: bool = True  # False for a teams file: nothing is registered in a catalog
    # (team, PagerDuty service id) for services a teams file lists without a repository.
    team_pagerduty: tuple[tuple[str, str], ...] = ()

    def first_seen(self, location: SourceLocation) -> datetime | None:
        key = f"{location.repository}/{location.path}"
        for k, when in self.seen_since:
            if k == key:
                return when
        return None
