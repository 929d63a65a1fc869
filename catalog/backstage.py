"""Reading entities from a Backstage instance's catalog API, with ``requests``.

Two listing styles exist. Current Backstage serves ``GET /api/catalog/entities/by-query``: a first request
with ``filter`` and ``limit`` answers ``{items, totalItems, pageInfo: {nextCursor}}`` and each next page is
asked for with ``cursor`` (and ``limit``) only. Older instances have only ``GET /api/catalog/entities``, a
bare JSON array paged with ``limit``/``offset``. The by-query endpoint is tried first; a 404 there falls back
to the older one.

The token (a static external-access token or a user's Backstage token) is sent as ``Authorization: Bearer``;
it is read from the environment by the caller and never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from catalog.model import KINDS, CatalogSnapshot, Entity, Problem, SourceLocation
from catalog.parse import entity_from_api

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_PAGES = 10_000
MAX_RETRY_AFTER_SECONDS = 60.0


class BackstageError(RuntimeError):
    """The catalog API could not be read; the message says what to check (never the token)."""


def catalog_api_root(base_url: str) -> str:
    """``https://backstage.example.com`` -> ``https://backstage.example.com/api/catalog`` (kept if already so)."""
    root = base_url.rstrip("/")
    return root if root.endswith("/api/catalog") else f"{root}/api/catalog"


@dataclass(frozen=True)
class BackstageFetch:
    """The raw entities and what it took to get them."""

    items: tuple[dict[str, Any], ...]
    requests: int
    endpoint: str  # 'by-query' | 'entities'


class BackstageClient:
    """A small catalog API client: paging, bounded retries honouring ``Retry-After``, explicit timeouts."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        page_size: int = 500,
        timeout_seconds: float = 30.0,
        retries: int = 3,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.root = catalog_api_root(base_url)
        self.page_size = page_size
        self.timeout = timeout_seconds
        self.retries = retries
        self.session = session or requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.sleep = sleep
        self.requests = 0

    def _get(self, path: str, params: Sequence[tuple[str, str]]) -> requests.Response:
        url = f"{self.root}{path}"
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self.session.get(url, params=list(params), timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.retries:
                    raise BackstageError(f"{url}: no answer after {attempt + 1} tries ({type(exc).__name__})") from exc
                self.sleep(min(2.0**attempt * 0.5, MAX_RETRY_AFTER_SECONDS))
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                self.sleep(self._wait(response, attempt))
                continue
            if response.status_code in (401, 403):
                raise BackstageError(
                    f"{url}: {response.status_code} {response.reason}: the token was refused or is missing "
                    "(set catalog.backstage.token_env's variable to a Backstage token)"
                )
            return response
        raise AssertionError("unreachable")

    @staticmethod
    def _wait(response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After")
        if header:
            try:
                return min(max(float(header), 0.0), MAX_RETRY_AFTER_SECONDS)
            except ValueError:
                pass
        return min(2.0**attempt * 0.5, MAX_RETRY_AFTER_SECONDS)

    @staticmethod
    def _json(response: requests.Response) -> Any:
        if response.status_code != 200:
            raise BackstageError(f"{response.url}: {response.status_code} {response.reason}")
        try:
            return response.json()
        except ValueError as exc:
            raise BackstageError(f"{response.url}: the answer is not JSON") from exc

    def entities(self, kinds: Sequence[str] = KINDS) -> BackstageFetch:
        """Every entity of the given kinds, whichever listing endpoint the instance has."""
        filters = [("filter", f"kind={k.lower()}") for k in kinds]
        first = self._get("/entities/by-query", [*filters, ("limit", str(self.page_size))])
        if first.status_code == 404:
            return self._entities_by_offset(filters)
        items: list[dict[str, Any]] = []
        page = self._json(first)
        for _ in range(MAX_PAGES):
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise BackstageError(f"{self.root}/entities/by-query: unexpected answer (no `items` list)")
            items += [i for i in page["items"] if isinstance(i, dict)]
            cursor = (page.get("pageInfo") or {}).get("nextCursor")
            if not cursor or not page["items"]:
                break
            page = self._json(self._get("/entities/by-query", [("cursor", cursor), ("limit", str(self.page_size))]))
        return BackstageFetch(tuple(items), self.requests, "by-query")

    def _entities_by_offset(self, filters: list[tuple[str, str]]) -> BackstageFetch:
        items: list[dict[str, Any]] = []
        offset = 0
        for _ in range(MAX_PAGES):
            params = [*filters, ("limit", str(self.page_size)), ("offset", str(offset))]
            page = self._json(self._get("/entities", params))
            if not isinstance(page, list):
                raise BackstageError(f"{self.root}/entities: unexpected answer (not a list)")
            items += [i for i in page if isinstance(i, dict)]
            if len(page) < self.page_size:
                break
            offset += len(page)
        return BackstageFetch(tuple(items), self.requests, "entities")


def load_from_backstage(
    client: BackstageClient, kinds: Sequence[str] = KINDS
) -> tuple[CatalogSnapshot, BackstageFetch]:
    """The catalog as a Backstage instance serves it; entities it cannot use are reported, not fatal."""
    fetched = client.entities(kinds)
    entities: list[Entity] = []
    problems: list[Problem] = []
    for item in fetched.items:
        entity, found = entity_from_api(item)
        problems += found
        if entity is not None:
            entities.append(entity)
    if not fetched.items:
        problems.append(Problem(SourceLocation(None, client.root), "the catalog API listed no entities", "warning"))
    snapshot = CatalogSnapshot(
        source="backstage",
        entities=tuple(entities),
        problems=tuple(problems),
        files_read=0,
    )
    return snapshot, fetched
