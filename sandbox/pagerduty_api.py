"""A local stand-in of the PagerDuty REST API v2 over HTTPS on loopback.

python-pagerduty only talks https, so the server presents a certificate for ``127.0.0.1``/``localhost``
issued by a throw-away ``trustme`` CA whose PEM is written to :attr:`PagerDutyStandIn.ca_path`.
python-pagerduty 7 is built on ``httpx2``: TLS trust is fixed when the client is constructed, so pass it
there (setting ``client.verify`` afterwards has no effect)::

    with PagerDutyStandIn(data) as pd_api:
        client = pagerduty.RestApiV2Client("key", base_url=pd_api.url, verify=pd_api.ssl_context())
        incidents = list(client.iter_all("incidents", params={"since": "...", "until": "..."}))

Index endpoints use classic pagination (``offset``/``limit``/``more``/``total``). Payload URLs may be
stored with ``https://api.pagerduty.com``; they are rewritten to :attr:`url` when served.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sandbox.http_base import JSON_CONTENT_TYPE, Fault, IncomingRequest, Response, StandInServer

API = "https://api.pagerduty.com"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# offset + limit beyond this is refused by the real API (python-pagerduty stops before it).
MAX_POSITION = 10000
DEFAULT_WINDOW = timedelta(days=30)
# The longest since/until range the incidents and log-entries indexes accept ("maximum range is 6 months").
MAX_WINDOW = timedelta(days=180)

_ERROR_CODES = {400: 2001, 401: 2006, 403: 2010, 404: 2100, 429: 2020}


@dataclass
class PagerDutyData:
    """The stand-in's store. Incidents are stored without ``log_entries``; those live per incident."""

    services: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    log_entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Incident id → its log entries (any order; served newest first)."""

    def incident(self, incident_id: str) -> dict[str, Any] | None:
        return next((i for i in self.incidents if i["id"] == incident_id), None)


def rate_limited_fault(path_regex: str, *, times: int = 1, reset_seconds: int = 1, limit: int = 960) -> Fault:
    """PagerDuty's 429 with its ``ratelimit-*`` headers."""
    return Fault(
        path_regex=path_regex,
        status=429,
        body={"error": {"message": "Rate Limit Exceeded", "code": 2020}},
        headers={
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset_seconds),
        },
        times=times,
    )


@lru_cache(maxsize=65536)
def _instant(text: str) -> datetime:
    text = text.strip().replace(" ", "+")  # a '+' sent unencoded arrives as a space
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _BadRequest(ValueError):
    pass


class PagerDutyStandIn(StandInServer):
    """PagerDuty REST API v2 stand-in over TLS.

    :param data: the store to serve (read live).
    :param api_key: when set, requests must send ``Authorization: Token token=<api_key>``.
    :param ca_path: where to write the CA certificate PEM (a temporary directory by default).
    :param clock: "now" for the default ``since``/``until`` window of ``/incidents`` and ``/log_entries``.

    :attr:`max_position` (offset + limit cap, 10,000 like the real API) can be lowered to exercise paging limits
    with few records.
    """

    scheme = "https"
    server_software = "nginx"

    def __init__(
        self,
        data: PagerDutyData | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        ca_path: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(host=host, port=port)
        self.data = data if data is not None else PagerDutyData()
        self.api_key = api_key
        self.clock = clock or (lambda: datetime.now(UTC))
        self._requested_ca_path = Path(ca_path) if ca_path is not None else None
        self._ca_path: Path | None = None
        self._temp_dir: Path | None = None
        self._server_context: ssl.SSLContext | None = None
        self.max_position = MAX_POSITION

    # -- TLS -------------------------------------------------------------------------------------------
    @property
    def ca_path(self) -> Path:
        """PEM file of the CA that signed the server certificate (exists while started)."""
        if self._ca_path is None:
            raise RuntimeError("PagerDutyStandIn is not started")
        return self._ca_path

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only this stand-in's CA."""
        return ssl.create_default_context(cafile=str(self.ca_path))

    def before_start(self) -> None:
        import trustme  # deferred: pulls in cryptography, only needed once a server starts

        authority = trustme.CA(organization_name="Platform Pulse sandbox")
        certificate = authority.issue_cert("127.0.0.1", "localhost", "::1")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self._server_context = context
        if self._requested_ca_path is not None:
            target = self._requested_ca_path
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="pagerduty-standin-"))
            target = self._temp_dir / "ca.pem"
        target.write_bytes(authority.cert_pem.bytes())
        self._ca_path = target

    def after_stop(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
            self._ca_path = None

    def wrap_connection(self, sock: socket.socket) -> socket.socket:
        assert self._server_context is not None
        sock.settimeout(10)
        return self._server_context.wrap_socket(sock, server_side=True)

    # -- plumbing --------------------------------------------------------------------------------------
    def rewrite(self, text: str) -> str:
        return text.replace(API, self.url)

    def _json(self, status: int, payload: Any) -> Response:
        text = self.rewrite(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))
        return Response(status, text.encode("utf-8"), [("Content-Type", JSON_CONTENT_TYPE)])

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"message": message, "code": _ERROR_CODES.get(status, 2000)}}

    def _error(self, status: int, message: str, errors: list[str] | None = None) -> Response:
        body = self.error_body(status, message)
        if errors:
            body["error"]["errors"] = errors
        return self._json(status, body)

    def fault_response(self, request: IncomingRequest, fault: Fault) -> Response:
        response = super().fault_response(request, fault)
        response.body = self.rewrite(response.body.decode("utf-8", "replace")).encode("utf-8")
        return response

    def internal_error(self, request: IncomingRequest) -> Response:
        return self._error(500, "Internal Server Error")

    def _authorised(self, request: IncomingRequest) -> bool:
        if self.api_key is None:
            return True
        header = (request.header("authorization") or "").strip()
        return header in (f"Token token={self.api_key}", f"Bearer {self.api_key}")

    def respond(self, request: IncomingRequest) -> Response:
        if not self._authorised(request):
            return self._error(401, "Authentication required")
        if request.method != "GET":
            return self._error(404, "Not Found")
        parts = [p for p in request.path.split("/") if p]
        try:
            return self._route(request, parts)
        except _BadRequest as exc:
            return self._error(400, "Invalid Input Provided", [str(exc)])

    def _route(self, request: IncomingRequest, parts: list[str]) -> Response:
        data = self.data
        match parts:
            case ["services"]:
                return self._index(request, "services", self._filter_named(request, data.services))
            case ["services", service_id]:
                return self._single("service", _by_id(data.services, service_id))
            case ["teams"]:
                return self._index(request, "teams", self._filter_named(request, data.teams))
            case ["teams", team_id]:
                return self._single("team", _by_id(data.teams, team_id))
            case ["users"]:
                return self._index(request, "users", self._filter_named(request, data.users))
            case ["users", user_id]:
                return self._single("user", _by_id(data.users, user_id))
            case ["incidents"]:
                return self._index(request, "incidents", self._incidents(request))
            case ["incidents", incident_id]:
                return self._single("incident", data.incident(incident_id))
            case ["incidents", incident_id, "log_entries"]:
                if data.incident(incident_id) is None:
                    return self._error(404, "Not Found")
                entries = self._log_entries(request, data.log_entries.get(incident_id, []), windowed=False)
                return self._index(request, "log_entries", entries)
            case ["log_entries"]:
                every = [e for entries in data.log_entries.values() for e in entries]
                return self._index(request, "log_entries", self._log_entries(request, every, windowed=True))
            case ["log_entries", entry_id]:
                every = [e for entries in data.log_entries.values() for e in entries]
                return self._single("log_entry", _by_id(every, entry_id))
        return self._error(404, "Not Found")

    def _single(self, wrapper: str, item: dict[str, Any] | None) -> Response:
        return self._json(200, {wrapper: item}) if item is not None else self._error(404, "Not Found")

    def _index(self, request: IncomingRequest, wrapper: str, items: list[dict[str, Any]]) -> Response:
        limit = _int(request.param("limit"), DEFAULT_LIMIT, "limit")
        offset = _int(request.param("offset"), 0, "offset")
        limit = min(max(limit, 1), MAX_LIMIT)
        if offset < 0:
            raise _BadRequest("Offset must be a non-negative integer.")
        if offset + limit > self.max_position:
            raise _BadRequest(f"Offset plus limit must not exceed {self.max_position}.")
        want_total = (request.param("total") or "false").lower() == "true"
        page = items[offset : offset + limit]
        return self._json(
            200,
            {
                wrapper: page,
                "limit": limit,
                "offset": offset,
                "more": offset + limit < len(items),
                "total": len(items) if want_total else None,
            },
        )

    @staticmethod
    def _filter_named(request: IncomingRequest, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        found = list(items)
        query = (request.param("query") or "").lower()
        if query:
            found = [i for i in found if query in str(i.get("name", i.get("summary", ""))).lower()]
        team_ids = set(request.params("team_ids[]"))
        if team_ids:
            found = [i for i in found if team_ids & {t["id"] for t in i.get("teams", [])}]
        return found

    def _window(self, request: IncomingRequest) -> tuple[datetime, datetime] | None:
        if request.param("date_range") == "all":
            return None
        try:
            until = _instant(request.param("until") or "") if request.param("until") else self.clock()
            since = _instant(request.param("since") or "") if request.param("since") else until - DEFAULT_WINDOW
        except ValueError as exc:
            raise _BadRequest("since and until must be ISO 8601 date-times.") from exc
        if until < since:
            raise _BadRequest("until must not be before since.")
        if until - since > MAX_WINDOW:
            raise _BadRequest("The date range must not exceed 6 months.")
        return since, until

    def _incidents(self, request: IncomingRequest) -> list[dict[str, Any]]:
        items = list(self.data.incidents)
        window = self._window(request)
        if window is not None:
            since, until = window
            items = [i for i in items if since <= _instant(i["created_at"]) < until]
        statuses = set(request.params("statuses[]"))
        if statuses:
            items = [i for i in items if i.get("status") in statuses]
        urgencies = set(request.params("urgencies[]"))
        if urgencies:
            items = [i for i in items if i.get("urgency") in urgencies]
        service_ids = set(request.params("service_ids[]"))
        if service_ids:
            items = [i for i in items if (i.get("service") or {}).get("id") in service_ids]
        team_ids = set(request.params("team_ids[]"))
        if team_ids:
            items = [i for i in items if team_ids & {t["id"] for t in i.get("teams") or []}]
        incident_key = request.param("incident_key")
        if incident_key:
            items = [i for i in items if i.get("incident_key") == incident_key]
        items.sort(key=lambda i: (i["created_at"], i.get("incident_number", 0)))
        sort_by = request.param("sort_by")
        if sort_by:
            # Apply the secondary key first so the primary one wins (sort is stable).
            for clause in reversed([c for c in sort_by.split(",") if c]):
                name, _, direction = clause.partition(":")
                if name not in ("created_at", "resolved_at", "incident_number", "urgency"):
                    raise _BadRequest(f"Invalid sort_by field: {name}")
                present = [i for i in items if i.get(name) is not None]
                missing = [i for i in items if i.get(name) is None]
                present.sort(key=lambda i, n=name: i[n], reverse=direction == "desc")
                items = present + missing
        return items

    def _log_entries(
        self, request: IncomingRequest, entries: Iterable[dict[str, Any]], *, windowed: bool
    ) -> list[dict[str, Any]]:
        items = list(entries)
        window = self._window(request) if windowed or request.param("since") or request.param("until") else None
        if window is not None:
            since, until = window
            items = [e for e in items if since <= _instant(e["created_at"]) < until]
        if (request.param("is_overview") or "false").lower() == "true":
            items = [e for e in items if e.get("type") != "notify_log_entry"]
        items.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
        return items


def _by_id(items: Iterable[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    return next((i for i in items if i.get("id") == wanted), None)


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise _BadRequest(f"{name} must be an integer.") from exc
