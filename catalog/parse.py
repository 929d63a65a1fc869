"""Parsing Backstage descriptor files (``catalog-info.yaml``) and Backstage API entities into :class:`Entity`.

A file may hold several YAML documents separated by ``---``. Each document is parsed on its own, so one
malformed document is reported with its repository, file and line while the documents around it still load.
Documents of kinds this project does not read are skipped; ``Location`` documents are returned as targets to
follow (relative paths, or GitHub URLs into a repository).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import yaml

from catalog.model import (
    ANNOTATION_MANAGED_BY,
    ANNOTATION_MANAGED_BY_ORIGIN,
    DEFAULT_NAMESPACE,
    KINDS,
    Entity,
    Problem,
    SourceLocation,
    parse_ref,
)

_SEPARATOR = re.compile(r"^---(?=\s|$)")
_END = re.compile(r"^\.\.\.(?=\s|$)")
# Backstage's rule for metadata.name: 1-63 characters of [a-z0-9A-Z] joined by [-_.].
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
_KIND_BY_LOWER = {k.lower(): k for k in KINDS}


@dataclass(frozen=True)
class ParsedFile:
    """The entities of one file, the problems found in it, and the files its Location entities point at."""

    entities: tuple[Entity, ...]
    problems: tuple[Problem, ...]
    targets: tuple[tuple[str, str], ...] = ()  # (repository, path) to read next
    documents: int = 0
    skipped_kinds: tuple[str, ...] = ()


def split_documents(text: str) -> list[tuple[int, str]]:
    """The YAML documents of a file as (1-based line the document starts on, text).

    Each chunk keeps the lines it had (the ``---`` line itself becomes empty) so a parser's line number inside
    the chunk plus the start line is the line in the file.
    """
    chunks: list[tuple[int, list[str]]] = [(1, [])]
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if _SEPARATOR.match(line):
            rest = line[3:]
            chunks.append((number, [rest if rest.strip() else "\n"]))
        elif _END.match(line):
            chunks[-1][1].append("\n")
        else:
            chunks[-1][1].append(line)
    return [(start, "".join(lines)) for start, lines in chunks]


def _first_content_line(start: int, chunk: str) -> int:
    for offset, line in enumerate(chunk.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return start + offset
    return start


def _error_line(exc: yaml.YAMLError, start: int, fallback: int) -> int:
    # The context mark is where the broken construct began (an unclosed `[`), the problem mark where the parser
    # gave up (often the next document); the first is where a person should look.
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    return start + mark.line if mark is not None else fallback


def _yaml_error(exc: yaml.YAMLError) -> str:
    context = getattr(exc, "context", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"not valid YAML: {context}: {problem}" if context else f"not valid YAML: {problem}"


def parse_catalog_text(text: str, repository: str | None, path: str | None) -> ParsedFile:
    """Every entity in one descriptor file; problems name the repository, file and line."""
    entities: list[Entity] = []
    problems: list[Problem] = []
    targets: list[tuple[str, str]] = []
    skipped: list[str] = []
    documents = 0
    for start, chunk in split_documents(text):
        if not chunk.strip():
            continue
        line = _first_content_line(start, chunk)
        try:
            data = yaml.safe_load(chunk)
        except yaml.YAMLError as exc:
            problems.append(Problem(SourceLocation(repository, path, _error_line(exc, start, line)), _yaml_error(exc)))
            continue
        if data is None:
            continue
        documents += 1
        location = SourceLocation(repository, path, line)
        if not isinstance(data, Mapping):
            problems.append(Problem(location, f"a catalog document must be a mapping, got {type(data).__name__}"))
            continue
        kind_text = data.get("kind")
        if not isinstance(kind_text, str) or not kind_text.strip():
            problems.append(Problem(location, "`kind` is missing"))
            continue
        if kind_text.strip().lower() == "location":
            targets += _location_targets(data, repository, path, location, problems)
            continue
        kind = _KIND_BY_LOWER.get(kind_text.strip().lower())
        if kind is None:
            skipped.append(kind_text.strip())
            continue
        entity = entity_from_mapping(data, kind, location, problems)
        if entity is not None:
            entities.append(entity)
    return ParsedFile(tuple(entities), tuple(problems), tuple(targets), documents, tuple(skipped))


def entity_from_api(item: Mapping[str, Any]) -> tuple[Entity | None, list[Problem]]:
    """An entity as a Backstage instance's catalog API returns it (already validated there).

    Its location is what Backstage recorded in ``backstage.io/managed-by-location`` (a GitHub URL gives the
    repository and file); the line is unknown.
    """
    problems: list[Problem] = []
    metadata = item.get("metadata") if isinstance(item.get("metadata"), Mapping) else {}
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), Mapping) else {}
    managed = annotations.get(ANNOTATION_MANAGED_BY) or annotations.get(ANNOTATION_MANAGED_BY_ORIGIN)
    repository, path = github_location(str(managed)) if managed else (None, None)
    location = SourceLocation(repository, path, None)
    kind = _KIND_BY_LOWER.get(str(item.get("kind") or "").lower())
    if kind is None:
        return None, problems
    return entity_from_mapping(item, kind, location, problems), problems


def entity_from_mapping(
    data: Mapping[str, Any], kind: str, location: SourceLocation, problems: list[Problem]
) -> Entity | None:
    """Validate one entity document; problems are appended, and None means the document was skipped."""

    def fail(message: str, severity: str = "error") -> None:
        problems.append(Problem(location, message, severity, entity=ref))

    ref: str | None = None
    metadata = data.get("metadata")
    if not isinstance(metadata, Mapping):
        fail(f"{kind}: `metadata` must be a mapping with a `name`")
        return None
    name = metadata.get("name")
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        fail(f"{kind}: metadata.name must be 1-63 letters, digits, '-', '_' or '.', got {name!r}")
        return None
    name = name.strip()
    namespace = str(metadata.get("namespace") or DEFAULT_NAMESPACE).strip()
    ref = f"{kind.lower()}:{name}" if namespace == DEFAULT_NAMESPACE else f"{kind.lower()}:{namespace}/{name}"
    if not data.get("apiVersion"):
        fail("`apiVersion` is missing (backstage.io/v1alpha1 expected)", "warning")

    spec = data.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        fail("`spec` must be a mapping")
        return None

    annotations_raw = metadata.get("annotations") or {}
    if not isinstance(annotations_raw, Mapping):
        fail("metadata.annotations must be a mapping; ignored", "warning")
        annotations_raw = {}
    annotations = tuple(
        (str(k), str(v).strip()) for k, v in annotations_raw.items() if v is not None and str(v).strip()
    )
    tags_raw = metadata.get("tags") or []
    tags = tuple(str(t) for t in tags_raw) if isinstance(tags_raw, list) else ()

    owner = owner_kind = None
    owner_text = spec.get("owner")
    if owner_text is not None:
        parsed = parse_ref(str(owner_text), default_kind="group")
        if parsed is None:
            fail(f"spec.owner {owner_text!r} is not an entity reference; treated as unowned", "warning")
        else:
            owner, owner_kind = parsed.name, parsed.kind
    elif kind in ("Component", "System", "API", "Resource"):
        fail(f"{kind} has no spec.owner; its service is listed as unowned", "warning")

    def refs(key: str, default_kind: str) -> tuple[str, ...]:
        value = spec.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            fail(f"spec.{key} must be a list of entity references; ignored", "warning")
            return ()
        out = []
        for item in value:
            parsed = parse_ref(str(item), default_kind=default_kind)
            if parsed is None:
                fail(f"spec.{key}: {item!r} is not an entity reference; ignored", "warning")
            else:
                out.append(str(parsed))
        return tuple(out)

    def single(key: str, default_kind: str) -> str | None:
        value = spec.get(key)
        if value is None:
            return None
        parsed = parse_ref(str(value), default_kind=default_kind)
        if parsed is None:
            fail(f"spec.{key} {value!r} is not an entity reference; ignored", "warning")
            return None
        return parsed.name

    def text(value: Any) -> str | None:
        return str(value).strip() if value is not None and str(value).strip() else None

    profile = spec.get("profile") if isinstance(spec.get("profile"), Mapping) else {}
    children = refs("children", "group") if kind == "Group" else ()
    return Entity(
        kind=kind,
        name=name,
        location=location,
        namespace=namespace,
        title=text(metadata.get("title")),
        description=text(metadata.get("description")),
        spec_type=text(spec.get("type")),
        owner=owner,
        owner_kind=owner_kind,
        system=single("system", "system"),
        lifecycle=text(spec.get("lifecycle")),
        parent=single("parent", "group") if kind == "Group" else None,
        children=tuple(c.split(":", 1)[-1] for c in children),
        provides_apis=refs("providesApis", "api"),
        consumes_apis=refs("consumesApis", "api"),
        depends_on=refs("dependsOn", "component"),
        tags=tags,
        annotations=annotations,
        display_name=text(profile.get("displayName")),
    )


def _location_targets(
    data: Mapping[str, Any],
    repository: str | None,
    path: str | None,
    location: SourceLocation,
    problems: list[Problem],
) -> list[tuple[str, str]]:
    spec = data.get("spec") if isinstance(data.get("spec"), Mapping) else {}
    raw = list(spec.get("targets") or [])
    if spec.get("target"):
        raw.append(spec["target"])
    out: list[tuple[str, str]] = []
    folder = posixpath.dirname(path or "")
    for target in raw:
        target = str(target).strip()
        if "://" in target:
            repo, file = github_location(target)
            if repo and file:
                out.append((repo, file))
            else:
                problems.append(Problem(location, f"Location target {target!r} is not a GitHub file; skipped", "info"))
        elif repository is not None:
            resolved = posixpath.normpath(posixpath.join(folder, target)).lstrip("/")
            if resolved.startswith(".."):
                problems.append(Problem(location, f"Location target {target!r} leaves the repository; skipped"))
            else:
                out.append((repository, resolved))
    return out


_GITHUB_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)(?:/(?:blob|tree)/(?P<ref>[^/]+)(?P<path>/.*)?)?/?$")


def github_location(url: str) -> tuple[str | None, str | None]:
    """(repository, path in it) of a GitHub URL such as ``url:https://github.com/acme/shop/tree/main/svc/a/``.

    The repository is ``owner/name``; callers drop the owner when it is their organisation. The path has no
    leading slash and keeps a trailing one for folders; None when the URL names the repository root.
    """
    text = url.strip()
    if text.startswith("url:"):
        text = text[4:]
    parsed = urlparse(text)
    if not parsed.scheme.startswith("http"):
        return None, None
    match = _GITHUB_PATH.match(parsed.path)
    if match is None:
        return None, None
    repo = match["repo"][:-4] if match["repo"].endswith(".git") else match["repo"]
    path = (match["path"] or "").lstrip("/") or None
    return f"{match['owner']}/{repo}", path
