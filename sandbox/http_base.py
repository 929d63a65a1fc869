"""Loopback HTTP(S) machinery shared by the GitHub and PagerDuty stand-ins.

A stand-in is a ``ThreadingHTTPServer`` bound to loopback and served from a daemon thread. Every request is
logged as a :class:`RequestRecord` (one per HTTP request, in arrival order), may be hit by an injected
:class:`Fault`, and is otherwise answered by the subclass' :meth:`StandInServer.respond`.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Self
from urllib.parse import parse_qsl, unquote

log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Responses that must not carry a body (RFC 9110 section 6.4.1).
_BODYLESS_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class IncomingRequest:
    """One parsed HTTP request as the stand-in received it."""

    method: str
    target: str
    """Raw request target as sent (path plus ``?query``), still percent-encoded."""
    path: str
    """Percent-decoded path without the query string."""
    query_pairs: tuple[tuple[str, str], ...]
    """Decoded query parameters in the order sent; repeated keys stay repeated."""
    headers: Mapping[str, str]
    """Request headers with lower-cased names."""
    body: bytes = b""

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for key, value in self.query_pairs:
            grouped.setdefault(key, []).append(value)
        return grouped

    def param(self, name: str, default: str | None = None) -> str | None:
        """Last value of a query parameter (what most servers use for a repeated scalar)."""
        found = default
        for key, value in self.query_pairs:
            if key == name:
                found = value
        return found

    def params(self, name: str) -> list[str]:
        return [value for key, value in self.query_pairs if key == name]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    """An HTTP response to write back; ``body`` is already encoded."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return cls(status, body, [("Content-Type", JSON_CONTENT_TYPE), *(headers or [])])

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        """Replace every header called ``name`` (case-insensitive) with a single value."""
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        self.headers.append((name, value))


@dataclass
class Fault:
    """A misbehaviour to inject into the next matching request(s).

    ``path_regex`` is searched (``re.search``) in the raw request target, so it can also pin query
    parameters, e.g. ``r"/deployments\\?.*page=2"``. ``method`` None matches any method. Faults are
    consumed in injection order; each match counts ``times`` down and the fault is dropped at zero.

    What happens to a matched request, in order:

    * ``mutate`` is called first (e.g. to grow a list between two page requests);
    * the handler sleeps ``delay_seconds`` (to provoke client read timeouts);
    * with ``status`` set, that status is answered with ``body`` (JSON-encoded unless ``str``/``bytes``;
      None means the stand-in's usual error body for the status) plus ``headers``; without ``status`` the
      request is answered normally;
    * with ``truncated``, the response announces its full ``Content-Length`` but only half of the body is
      written before the connection is closed.
    """

    path_regex: str
    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    times: int = 1
    method: str | None = None
    delay_seconds: float = 0.0
    truncated: bool = False
    mutate: Callable[[], None] | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError("times must be at least 1")
        self._pattern = re.compile(self.path_regex)

    def matches(self, request: IncomingRequest) -> bool:
        if self.method is not None and self.method.upper() != request.method:
            return False
        return self._pattern.search(request.target) is not None


@dataclass(frozen=True)
class RequestRecord:
    """One served request: what was asked and which status went back."""

    method: str
    path: str
    query: dict[str, str]
    """Query parameters, last value wins for repeated keys; see ``query_lists`` for all values."""
    status: int
    conditional: bool
    """True when the request carried ``If-None-Match`` or ``If-Modified-Since``."""
    query_lists: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    faulted: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: StandInServer) -> None:
        self.owner = owner
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the FQDN of the bind address, which can stall for seconds
        # on hosts without reverse DNS; loopback never needs it.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.forget_connection(request)
        super().shutdown_request(request)

    def replace_connection(self, old: socket.socket, new: socket.socket) -> None:
        with self.connections_lock:
            self.open_connections.discard(old)
            self.open_connections.add(new)

    def forget_connection(self, connection: socket.socket) -> None:
        with self.connections_lock:
            self.open_connections.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or reject our test certificate are expected in tests; keep them quiet.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are dropped after this many seconds so their threads end.
    timeout = 60
    # Without TCP_NODELAY every keep-alive response stalls ~40 ms on Nagle + delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        raw = self.request
        self.request = self.server.owner.wrap_connection(raw)
        if self.request is not raw:
            # Wrapping detaches the accepted socket, so socketserver would close only an empty shell:
            # track the wrapper instead and close it ourselves in finish().
            self.server.replace_connection(raw, self.request)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.request is not None and self.request.fileno() != -1:
                with contextlib.suppress(OSError):
                    self.request.shutdown(socket.SHUT_RDWR)
                self.request.close()
            self.server.forget_connection(self.request)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        request = IncomingRequest(
            method=self.command,
            target=self.path,
            path=unquote(raw_path),
            query_pairs=tuple(parse_qsl(raw_query, keep_blank_values=True)),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
        )
        response, fault = self.server.owner.process(request)
        try:
            self._write(request, response, truncated=bool(fault and fault.truncated))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            # The client gave up first (typically an injected delay beat its timeout).
            self.close_connection = True

    def _write(self, request: IncomingRequest, response: Response, *, truncated: bool) -> None:
        headers = list(response.headers)
        names = {name.lower() for name, _ in headers}
        if "date" not in names:
            headers.append(("Date", email.utils.formatdate(usegmt=True)))
        if "server" not in names:
            headers.append(("Server", self.server.owner.server_software))
        body = b"" if response.status in _BODYLESS_STATUSES else response.body
        if response.status not in _BODYLESS_STATUSES:
            headers.append(("Content-Length", str(len(body))))
        if truncated:
            headers.append(("Connection", "close"))
        head = f"{self.protocol_version} {response.status} {_reason(response.status)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        if request.method == "HEAD":
            body = b""
        elif truncated:
            body = body[: len(body) // 2]
        # One write per response: split writes stall on delayed ACKs even with TCP_NODELAY on some stacks.
        self.wfile.write(head.encode("latin-1") + body)
        self.wfile.flush()
        if truncated:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class StandInServer:
    """Base class: a loopback HTTP server with a request log and a fault queue.

    Subclasses implement :meth:`respond` and may override :meth:`fault_response` (error body shape for
    injected statuses) and :meth:`wrap_connection` (TLS).
    """

    scheme = "http"
    server_software = "sandbox-standin"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self.requests: list[RequestRecord] = []

    # -- lifecycle -------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL without trailing slash, e.g. ``http://127.0.0.1:54321``."""
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self.before_start()
        httpd = _Server((self.host, self._requested_port), self)
        self._httpd = httpd
        self._port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with httpd.connections_lock:
            connections = list(httpd.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = None
        self._thread = None
        self._port = None
        self.after_stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def before_start(self) -> None:
        """Hook run before the socket is bound (e.g. to build TLS material)."""

    def after_stop(self) -> None:
        """Hook run once the server is closed."""

    def wrap_connection(self, sock: socket.socket) -> socket.socket:
        """Wrap an accepted connection (runs in the connection's own thread)."""
        return sock

    # -- faults and log --------------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def requests_matching(self, path_regex: str, method: str | None = "GET") -> list[RequestRecord]:
        """Logged requests whose path matches ``path_regex`` (``re.search``), for counting per endpoint."""
        pattern = re.compile(path_regex)
        with self._lock:
            return [
                record
                for record in self.requests
                if (method is None or record.method == method) and pattern.search(record.path)
            ]

    def _take_fault(self, request: IncomingRequest) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- request processing ----------------------------------------------------------------------------
    def process(self, request: IncomingRequest) -> tuple[Response, Fault | None]:
        fault = self._take_fault(request)
        if fault is not None:
            if fault.mutate is not None:
                fault.mutate()
            if fault.delay_seconds > 0:
                # Waiting on the stop event lets stop() cut an injected delay short.
                self._stopping.wait(fault.delay_seconds)
        try:
            if fault is not None and fault.status is not None:
                response = self.fault_response(request, fault)
            else:
                response = self.respond(request)
        except Exception:
            log.exception("%s failed on %s %s", type(self).__name__, request.method, request.target)
            response = self.internal_error(request)
        self._record(request, response, fault)
        return response, fault

    def _record(self, request: IncomingRequest, response: Response, fault: Fault | None) -> None:
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query={key: value for key, value in request.query_pairs},
            status=response.status,
            conditional=self.is_conditional(request),
            query_lists=request.query,
            headers=dict(request.headers),
            faulted=fault is not None,
        )
        with self._lock:
            self.requests.append(record)

    @staticmethod
    def is_conditional(request: IncomingRequest) -> bool:
        return "if-none-match" in request.headers or "if-modified-since" in request.headers

    def respond(self, request: IncomingRequest) -> Response:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        """JSON error document in the shape the emulated API uses."""
        return {"message": message}

    def fault_response(self, request: IncomingRequest, fault: Fault) -> Response:
        status = int(fault.status or 500)
        if fault.body is None:
            response = Response.json(status, self.error_body(status, _reason(status) or "Error"))
        elif isinstance(fault.body, bytes):
            response = Response(status, fault.body, [("Content-Type", JSON_CONTENT_TYPE)])
        elif isinstance(fault.body, str):
            response = Response(status, fault.body.encode("utf-8"), [("Content-Type", JSON_CONTENT_TYPE)])
        else:
            response = Response.json(status, fault.body)
        for name, value in fault.headers.items():
            response.set_header(name, value)
        return response

    def internal_error(self, request: IncomingRequest) -> Response:
        return Response.json(500, self.error_body(500, "Internal Server Error"))
