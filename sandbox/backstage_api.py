"""A local stand-in of a Backstage instance's catalog API (plain HTTP on loopback).

It serves what Platform Pulse reads::

    GET /api/catalog/entities/by-query?filter=kind=component&limit=N   -> {items, totalItems, pageInfo}
    GET /api/catalog/entities/by-query?cursor=C&limit=N                -> the next page
    GET /api/catalog/entities?filter=...&limit=N&offset=K              -> a bare JSON array (older instances),
                                                                          with a `Link: <...after=...>; rel="next"`
    GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}

Filters follow Backstage: each ``filter`` parameter is a set of ``key=value`` conditions joined by commas that
must all match (AND); several ``filter`` parameters match entities matching any of them (OR). Keys are dotted
paths (``kind``, ``metadata.name``, ``spec.type``); values compare case-insensitively. With ``legacy=True`` the
by-query endpoint answers 404, as instances from before it existed do. With a ``token``, requests without
``Authorization: Bearer <token>`` get Backstage's 401.

    with BackstageStandIn(entities, token="secret") as api:
        requests.get(f"{api.url}/api/catalog/entities/by-query", headers={"Authorization": "Bearer secret"})
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import yaml

from sandbox.http_base import IncomingRequest, Response, StandInServer

API_ROOT = "/api/catalog"
DEFAULT_BY_QUERY_LIMIT = 20


def entities_from_yaml(text: str) -> list[dict[str, Any]]:
    """The entity documents of a multi-document descriptor text (Location documents skipped)."""
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and str(d.get("kind")).lower() != "location"]


def _lookup(entity: Mapping[str, Any], dotted: str) -> list[str] | None:
    """Values at a dotted path (lists flattened, lower-cased); None when the path does not exist."""
    current: Any = entity
    for part in dotted.split("."):
        if isinstance(current, Mapping):
            # Annotation keys contain dots and slashes: try the longest remaining key first.
            if part not in current:
                rest = dotted.split(".")
                joined = ".".join(rest[rest.index(part) :])
                if joined in current:
                    current = current[joined]
                    break
                return None
            current = current[part]
        else:
            return None
    values = current if isinstance(current, list) else [current]
    return [str(v).lower() for v in values]


def _matches(entity: Mapping[str, Any], condition_set: str) -> bool:
    for condition in (c for c in condition_set.split(",") if c.strip()):
        key, sep, value = condition.partition("=")
        found = _lookup(entity, key.strip())
        if found is None:
            return False
        if sep and value.strip().lower() not in found:
            return False
    return True


class BackstageStandIn(StandInServer):
    """Backstage's catalog read API over a fixed list of entities (mutable through :meth:`set_entities`)."""

    server_software = "backstage-standin"

    def __init__(
        self,
        entities: Iterable[Mapping[str, Any]] = (),
        *,
        token: str | None = None,
        legacy: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        self.legacy = legacy
        self._entities_lock = threading.Lock()
        self._entities: list[dict[str, Any]] = []
        self.set_entities(entities)

    def set_entities(self, entities: Iterable[Mapping[str, Any]]) -> None:
        """Replace the catalog; entities get a namespace, uid and etag as the real API adds them."""
        prepared = []
        for raw in entities:
            entity = json.loads(json.dumps(raw, default=str))
            metadata = entity.setdefault("metadata", {})
            metadata.setdefault("namespace", "default")
            ref = f"{entity.get('kind', '')}:{metadata['namespace']}/{metadata.get('name', '')}".lower()
            digest = hashlib.sha1(ref.encode()).hexdigest()
            metadata.setdefault("uid", f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}")
            metadata.setdefault("etag", hashlib.sha1(json.dumps(entity, sort_keys=True).encode()).hexdigest()[:20])
            entity.setdefault("relations", [])
            prepared.append(entity)
        prepared.sort(key=lambda e: (str(e.get("kind")).lower(), e["metadata"]["namespace"], e["metadata"].get("name")))
        with self._entities_lock:
            self._entities = prepared

    @property
    def entities(self) -> list[dict[str, Any]]:
        with self._entities_lock:
            return list(self._entities)

    # -- HTTP ------------------------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        names = {400: "InputError", 401: "AuthenticationError", 404: "NotFoundError"}
        return {"error": {"name": names.get(status, "Error"), "message": message}, "response": {"statusCode": status}}

    def respond(self, request: IncomingRequest) -> Response:
        if self.token is not None and request.header("authorization") != f"Bearer {self.token}":
            return Response.json(401, self.error_body(401, "Missing or invalid credentials"))
        if request.method != "GET" or not request.path.startswith(API_ROOT):
            return Response.json(404, self.error_body(404, f"Not found: {request.path}"))
        parts = [p for p in request.path[len(API_ROOT) :].split("/") if p]
        try:
            match parts:
                case ["entities", "by-query"] if not self.legacy:
                    return self._by_query(request)
                case ["entities"]:
                    return self._entities_page(request)
                case ["entities", "by-name", kind, namespace, name]:
                    return self._by_name(kind, namespace, name)
        except ValueError as exc:
            return Response.json(400, self.error_body(400, str(exc)))
        return Response.json(404, self.error_body(404, f"Not found: {request.path}"))

    def _filtered(self, filters: Sequence[str]) -> list[dict[str, Any]]:
        entities = self.entities
        if not filters:
            return entities
        return [e for e in entities if any(_matches(e, f) for f in filters)]

    @staticmethod
    def _int(request: IncomingRequest, name: str, default: int | None) -> int | None:
        value = request.param(name)
        if value is None or value == "":
            return default
        if not value.isdigit():
            raise ValueError(f"Invalid {name} query parameter, must be a non-negative integer")
        return int(value)

    @staticmethod
    def _encode(cursor: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode()

    @staticmethod
    def _decode(text: str) -> dict[str, Any]:
        try:
            value = json.loads(base64.urlsafe_b64decode(text.encode()))
        except (ValueError, json.JSONDecodeError) as exc:
            raise ValueError("Malformed cursor") from exc
        if not isinstance(value, dict):
            raise ValueError("Malformed cursor")
        return value

    def _by_query(self, request: IncomingRequest) -> Response:
        limit = self._int(request, "limit", DEFAULT_BY_QUERY_LIMIT) or DEFAULT_BY_QUERY_LIMIT
        cursor_text = request.param("cursor")
        if cursor_text:
            # A cursor carries the original query; Backstage ignores filters sent beside it.
            cursor = self._decode(cursor_text)
            filters, offset = list(cursor.get("filters", [])), int(cursor.get("offset", 0))
        else:
            filters, offset = request.params("filter"), 0
        matched = self._filtered(filters)
        items = matched[offset : offset + limit]
        page_info: dict[str, str] = {}
        if offset + limit < len(matched):
            page_info["nextCursor"] = self._encode({"filters": filters, "offset": offset + limit})
        if offset > 0:
            page_info["prevCursor"] = self._encode({"filters": filters, "offset": max(offset - limit, 0)})
        return Response.json(200, {"items": items, "totalItems": len(matched), "pageInfo": page_info})

    def _entities_page(self, request: IncomingRequest) -> Response:
        after = request.param("after")
        if after:
            cursor = self._decode(after)
            filters, offset, limit = list(cursor["filters"]), int(cursor["offset"]), int(cursor["limit"])
        else:
            filters = request.params("filter")
            offset = self._int(request, "offset", 0) or 0
            limit = self._int(request, "limit", None)
        matched = self._filtered(filters)
        items = matched[offset : offset + limit] if limit is not None else matched[offset:]
        headers = []
        if limit is not None and offset + limit < len(matched):
            cursor = self._encode({"filters": filters, "offset": offset + limit, "limit": limit})
            query = urlencode({"limit": limit, "after": cursor})
            headers.append(("Link", f'<{API_ROOT}/entities?{query}>; rel="next"'))
        return Response.json(200, items, headers)

    def _by_name(self, kind: str, namespace: str, name: str) -> Response:
        for e in self.entities:
            meta = e["metadata"]
            if (str(e.get("kind")).lower(), meta["namespace"].lower(), str(meta.get("name")).lower()) == (
                kind.lower(),
                namespace.lower(),
                name.lower(),
            ):
                return Response.json(200, e)
        return Response.json(404, self.error_body(404, f"No entity named '{kind}:{namespace}/{name}' found"))
