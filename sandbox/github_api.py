"""A local stand-in of the GitHub REST API (v3) on loopback, for PyGithub over real HTTP.

Point PyGithub at it without the ``/api/v3`` suffix::

    with GitHubStandIn(data) as gh_api:
        gh = github.Github(base_url=gh_api.url, auth=github.Auth.Token("x"), seconds_between_requests=0)

Semantics follow api.github.com: ``per_page``/``page`` pagination with absolute ``Link`` headers that keep
every other query parameter, ``X-RateLimit-*`` headers on every response with a configurable hourly budget,
weak ``ETag`` validators with ``If-None-Match`` → 304 (not charged), and GitHub's JSON error documents.
Payloads may be stored with ``https://api.github.com`` URLs; they are rewritten to :attr:`url` on the way
out because PyGithub refuses URLs on another host.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import jwt

from sandbox.github_payloads import API, WEB, full_user_payload, iso, user_payload
from sandbox.http_base import JSON_CONTENT_TYPE, Fault, IncomingRequest, Response, StandInServer

DOCS = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
# Without pagination parameters the compare endpoint lists at most this many commits.
COMPARE_UNPAGED_COMMITS = 250
_APP_ROUTE = re.compile(r"^/app(/|$)|^/orgs/[^/]+/installation$")

# Headers a recorded response carried for its original transport; the stand-in re-frames the body.
_TRANSPORT_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive", "status"}
)


@dataclass
class GitHubRepoData:
    """Everything the stand-in serves for one repository. Lists may be in any order."""

    repository: dict[str, Any]
    """Repository object as listed by ``GET /orgs/{org}/repos``."""
    repository_extras: dict[str, Any] = field(default_factory=dict)
    """Extra fields only ``GET /repos/{owner}/{repo}`` returns."""
    deployments: list[dict[str, Any]] = field(default_factory=list)
    deployment_statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """Deployment id → its statuses."""
    workflows: list[dict[str, Any]] = field(default_factory=list)
    workflow_runs: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    """Pull requests in the list (``pull-request-simple``) shape."""
    pull_details: dict[int, dict[str, Any]] = field(default_factory=dict)
    """PR number → fields only ``GET /pulls/{n}`` returns (merged, commits, additions, ...)."""
    pull_commits: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """PR number → its commits, oldest first (GitHub's order)."""
    commits: list[dict[str, Any]] = field(default_factory=list)
    """Commits reachable from the default branch."""
    releases: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    """Tags in creation order (oldest first); served newest first."""
    pull_reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """PR number → its reviews, oldest first (GitHub's order)."""
    pull_files: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """PR number → the files it changes (``GET /pulls/{n}/files``)."""
    commit_files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Commit SHA → the files it changes (the ``files`` of ``GET /commits/{sha}``)."""
    issues: list[dict[str, Any]] = field(default_factory=list)
    """Issues (not pull requests), in any order; ``GET /issues`` filters and sorts them."""
    files: dict[str, str] = field(default_factory=dict)
    """File path in the repository (``a/b.yml``) → its text, served by ``GET /contents/{path}`` at every ref."""

    @property
    def full_name(self) -> str:
        return str(self.repository["full_name"])


@dataclass
class GitHubData:
    """The stand-in's data store: organisations, repositories and per-repository collections."""

    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Organisation login → ``GET /orgs/{org}`` payload."""
    repos: dict[str, GitHubRepoData] = field(default_factory=dict)
    """``owner/name`` → repository data."""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Login → ``GET /users/{login}`` payload; unknown logins are synthesised."""
    authenticated_user: dict[str, Any] = field(
        default_factory=lambda: full_user_payload(user_payload("pulse-bot", 9000001), name="Pulse Bot")
    )
    apps: dict[int, str] = field(default_factory=dict)
    """GitHub App id → its public key (PEM), for verifying the JWTs the app signs."""
    installations: dict[str, int] = field(default_factory=dict)
    """Organisation login (lower case) → installation id of the app installed there."""
    unlisted_repos: dict[str, GitHubRepoData] = field(default_factory=dict)
    """``owner/name`` → a repository served under ``/repos/...`` but left out of ``GET /orgs/{org}/repos``
    (readable by name, like a repository outside an app installation's selection that a workflow still calls)."""

    def add_repo(self, repo: GitHubRepoData) -> GitHubRepoData:
        self.repos[repo.full_name] = repo
        return repo

    def repo(self, owner: str, name: str) -> GitHubRepoData | None:
        found = self.repos.get(f"{owner}/{name}") or self.unlisted_repos.get(f"{owner}/{name}")
        if found is not None:
            return found
        wanted = f"{owner}/{name}".lower()
        every = itertools.chain(self.repos.items(), self.unlisted_repos.items())
        return next((r for key, r in every if key.lower() == wanted), None)

    def org(self, login: str) -> dict[str, Any] | None:
        found = self.orgs.get(login)
        if found is not None:
            return found
        return next((o for key, o in self.orgs.items() if key.lower() == login.lower()), None)


def secondary_rate_limit_fault(
    path_regex: str, *, status: int = 403, retry_after: int | None = 1, times: int = 1
) -> Fault:
    """GitHub's secondary (abuse) rate-limit answer: 403 or 429 with ``Retry-After``."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Fault(
        path_regex=path_regex,
        status=status,
        body={
            "message": SECONDARY_RATE_LIMIT_MESSAGE,
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            "#about-secondary-rate-limits",
        },
        headers=headers,
        times=times,
    )


@lru_cache(maxsize=65536)
def _parse_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidQuery(ValueError):
    """A query parameter GitHub would reject with 422."""


def _bound(text: str, *, lower: bool, inclusive: bool) -> Callable[[datetime], bool]:
    text = text.strip()
    if _DATE_ONLY.match(text):
        day = _parse_instant(text + "T00:00:00+00:00")
        # A bare date stands for the whole UTC day.
        if lower:
            edge = day if inclusive else day + timedelta(days=1)
            return lambda t: t >= edge
        edge = day + timedelta(days=1) if inclusive else day
        return lambda t: t < edge
    try:
        instant = _parse_instant(text)
    except ValueError as exc:
        raise InvalidQuery(text) from exc
    if lower:
        return (lambda t: t >= instant) if inclusive else (lambda t: t > instant)
    return (lambda t: t <= instant) if inclusive else (lambda t: t < instant)


def date_range_predicate(expression: str) -> Callable[[datetime], bool]:
    """GitHub's date-range query syntax: ``>=D``, ``>D``, ``<=D``, ``<D``, ``A..B``, ``A..*``, or ``D``."""
    expr = expression.strip()
    tests: list[Callable[[datetime], bool]] = []
    if ".." in expr:
        low, high = expr.split("..", 1)
        if low.strip() not in ("", "*"):
            tests.append(_bound(low, lower=True, inclusive=True))
        if high.strip() not in ("", "*"):
            tests.append(_bound(high, lower=False, inclusive=True))
    elif expr.startswith(">="):
        tests.append(_bound(expr[2:], lower=True, inclusive=True))
    elif expr.startswith(">"):
        tests.append(_bound(expr[1:], lower=True, inclusive=False))
    elif expr.startswith("<="):
        tests.append(_bound(expr[2:], lower=False, inclusive=True))
    elif expr.startswith("<"):
        tests.append(_bound(expr[1:], lower=False, inclusive=False))
    elif expr:
        tests.append(_bound(expr, lower=True, inclusive=True))
        tests.append(_bound(expr, lower=False, inclusive=True))
    return lambda moment: all(test(moment) for test in tests)


def _newest_first(items: Iterable[dict[str, Any]], key: str = "created_at") -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (item.get(key) or "", item.get("id") or 0), reverse=True)


@dataclass
class _Recorded:
    responses: list[tuple[int, list[tuple[str, str]], str, str]]
    served: int = 0


@dataclass
class _RateLimit:
    limit: int
    window_seconds: int
    used: int = 0
    reset_at: int = 0


Route = tuple[str, re.Pattern[str], Callable[[IncomingRequest, re.Match[str]], Response], bool]


class GitHubStandIn(StandInServer):
    """GitHub REST stand-in.

    :param data: the store to serve (an empty one by default); it is read live, so tests may mutate it.
    :param token: when set, requests must send ``Authorization: token <token>`` or ``Bearer <token>``.
    :param rate_limit: core requests allowed per window (GitHub: 5000 per hour for a token).
    :param clock: epoch-seconds clock used for the rate-limit window.
    :param path_prefix: serve the API under this path, as GitHub Enterprise Server does (``/api/v3``);
        clients then use :attr:`api_url` as their base URL.
    """

    server_software = "GitHub.com"

    def __init__(
        self,
        data: GitHubData | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        rate_limit: int = 5000,
        rate_window_seconds: int = 3600,
        path_prefix: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(host=host, port=port)
        self.data = data if data is not None else GitHubData()
        self.token = token
        self.path_prefix = path_prefix.rstrip("/")
        self.clock = clock
        self._rate = _RateLimit(limit=rate_limit, window_seconds=rate_window_seconds)
        self._rate_lock = threading.Lock()
        self._recorded: dict[tuple[str, str, tuple[tuple[str, str], ...]], _Recorded] = {}
        self._request_ids = itertools.count(1)
        self._issued_tokens: set[str] = set()
        self._token_ids = itertools.count(1)
        self._routes = self._build_routes()

    # -- configuration ---------------------------------------------------------------------------------
    def set_rate_limit(
        self, *, limit: int | None = None, remaining: int | None = None, reset_at: int | None = None
    ) -> None:
        """Adjust the core budget, e.g. ``set_rate_limit(remaining=0)`` to simulate exhaustion."""
        with self._rate_lock:
            self._roll_window()
            if limit is not None:
                self._rate.limit = limit
            if remaining is not None:
                self._rate.used = max(0, self._rate.limit - remaining)
            if reset_at is not None:
                self._rate.reset_at = reset_at

    @property
    def rate_remaining(self) -> int:
        with self._rate_lock:
            self._roll_window()
            return max(0, self._rate.limit - self._rate.used)

    def add_recorded(
        self,
        method: str,
        path_with_query: str,
        status: int,
        headers: Iterable[tuple[str, str]],
        body_text: str,
        *,
        origin: str = API,
    ) -> None:
        """Serve a recorded response for ``method`` + path + query (query order does not matter).

        Recorded routes take priority over the data store. Several recordings of the same request are
        served in order, the last one repeating. ``origin`` (the recorded API host) is rewritten to
        :attr:`url` in the body and headers when served.
        """
        path, _, query = path_with_query.partition("?")
        key = (method.upper(), unquote(path), tuple(sorted(parse_qsl(query, keep_blank_values=True))))
        kept = [(k, v) for k, v in headers if k.lower() not in _TRANSPORT_HEADERS]
        entry = self._recorded.setdefault(key, _Recorded(responses=[]))
        entry.responses.append((status, kept, body_text, origin))

    def clear_recorded(self) -> None:
        self._recorded.clear()

    # -- response plumbing -----------------------------------------------------------------------------
    def _roll_window(self) -> None:
        now = int(self.clock())
        if self._rate.reset_at == 0 or now >= self._rate.reset_at:
            self._rate.used = 0
            self._rate.reset_at = now + self._rate.window_seconds

    def _rate_headers(self) -> list[tuple[str, str]]:
        with self._rate_lock:
            self._roll_window()
            return self._rate_headers_locked()

    def _rate_headers_locked(self) -> list[tuple[str, str]]:
        rate = self._rate
        return [
            ("X-RateLimit-Limit", str(rate.limit)),
            ("X-RateLimit-Remaining", str(max(0, rate.limit - rate.used))),
            ("X-RateLimit-Reset", str(rate.reset_at)),
            ("X-RateLimit-Used", str(rate.used)),
            ("X-RateLimit-Resource", "core"),
        ]

    def _common_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Api-Version-Selected", "2022-11-28"),
            ("X-GitHub-Request-Id", f"5A4D:{next(self._request_ids):08X}"),
        ]

    @property
    def api_url(self) -> str:
        """The API root clients should use: :attr:`url` plus ``path_prefix``."""
        return self.url + self.path_prefix

    def rewrite(self, text: str, origin: str = API) -> str:
        return text.replace(origin, self.api_url)

    def _json(self, status: int, payload: Any, headers: Sequence[tuple[str, str]] = ()) -> Response:
        text = self.rewrite(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))
        body = text.encode("utf-8")
        out = [("Content-Type", JSON_CONTENT_TYPE), *headers]
        if status == 200:
            out += [
                ("Cache-Control", "private, max-age=60, s-maxage=60"),
                ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
                ("ETag", 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'),
            ]
        return Response(status, body, out)

    def error_body(self, status: int, message: str) -> Any:
        return {"message": message, "documentation_url": DOCS, "status": str(status)}

    def _error(self, status: int, message: str, documentation_url: str = DOCS) -> Response:
        return self._json(status, {"message": message, "documentation_url": documentation_url, "status": str(status)})

    def not_found(self) -> Response:
        return self._error(404, "Not Found")

    def fault_response(self, request: IncomingRequest, fault: Fault) -> Response:
        response = super().fault_response(request, fault)
        response.body = self.rewrite(response.body.decode("utf-8", "replace")).encode("utf-8")
        present = {name.lower() for name, _ in response.headers}
        for name, value in self._rate_headers() + self._common_headers():
            if name.lower() not in present:
                response.headers.append((name, value))
        return response

    def internal_error(self, request: IncomingRequest) -> Response:
        response = self._error(500, "Server Error")
        response.headers += self._rate_headers()
        return response

    @staticmethod
    def _etag_matches(request: IncomingRequest, response: Response) -> bool:
        wanted = request.header("if-none-match")
        etag = response.header("etag")
        if not wanted or not etag:
            return False
        current = etag.removeprefix("W/")
        for candidate in wanted.split(","):
            candidate = candidate.strip()
            if candidate == "*" or candidate.removeprefix("W/") == current:
                return True
        return False

    def _authorised(self, request: IncomingRequest) -> bool:
        if self.token is None:
            return True
        scheme, _, credential = (request.header("authorization") or "").partition(" ")
        accepted = {self.token, *self._issued_tokens}
        return scheme.lower() in ("token", "bearer") and credential.strip() in accepted

    @property
    def issued_tokens(self) -> set[str]:
        """Installation access tokens handed out to GitHub Apps (accepted like ``token``)."""
        return set(self._issued_tokens)

    def _app_id_from_jwt(self, request: IncomingRequest) -> int | None:
        """The app whose key signed the request's bearer JWT, or None when none did (GitHub: 401)."""
        scheme, _, credential = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return None
        try:
            claims = jwt.decode(credential.strip(), options={"verify_signature": False})
            app_id = int(claims["iss"])
            public_key = self.data.apps.get(app_id)
            if public_key is None:
                return None
            jwt.decode(credential.strip(), public_key, algorithms=["RS256"], leeway=120)
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            return None
        return app_id

    def respond(self, request: IncomingRequest) -> Response:
        if self.path_prefix:
            if not request.path.startswith(self.path_prefix + "/"):
                return self.not_found()
            cut = len(self.path_prefix)
            request = replace(request, path=request.path[cut:], target=request.target[cut:])
        if _APP_ROUTE.match(request.path):
            # App endpoints take the app's own JWT, not a user or installation token.
            if self._app_id_from_jwt(request) is None:
                response = self._error(401, "A JSON web token could not be decoded")
                response.headers += self._rate_headers() + self._common_headers()
                return response
        elif not self._authorised(request):
            response = self._error(401, "Bad credentials")
            response.headers += self._rate_headers() + self._common_headers()
            return response

        recorded = self._serve_recorded(request)
        if recorded is not None:
            return recorded

        response, charged = self._route(request)
        if response.status == 200 and self._etag_matches(request, response):
            # Conditional hits are free on GitHub, so the budget is not touched.
            not_modified = Response(304, b"", [(k, v) for k, v in response.headers if k.lower() != "content-type"])
            not_modified.headers += self._rate_headers() + self._common_headers()
            return not_modified
        with self._rate_lock:
            self._roll_window()
            if charged:
                if self._rate.used >= self._rate.limit:
                    exhausted = self._json(
                        403,
                        {"message": "API rate limit exceeded for user ID 1.", "documentation_url": RATE_LIMIT_DOCS},
                    )
                    exhausted.headers += self._rate_headers_locked() + self._common_headers()
                    return exhausted
                self._rate.used += 1
            response.headers += self._rate_headers_locked()
        response.headers += self._common_headers()
        return response

    def _serve_recorded(self, request: IncomingRequest) -> Response | None:
        if not self._recorded:
            return None
        key = (request.method, request.path, tuple(sorted(request.query_pairs)))
        entry = self._recorded.get(key)
        if entry is None:
            return None
        with self._lock:
            status, headers, body, origin = entry.responses[min(entry.served, len(entry.responses) - 1)]
            entry.served += 1
        return Response(
            status,
            self.rewrite(body, origin).encode("utf-8"),
            [(name, self.rewrite(value, origin)) for name, value in headers],
        )

    # -- routing ---------------------------------------------------------------------------------------
    def _build_routes(self) -> list[Route]:
        repo = r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        table: list[tuple[str, Callable[[IncomingRequest, re.Match[str]], Response], bool]] = [
            (r"^/rate_limit$", self._rate_limit, False),
            (r"^/app$", self._app, False),
            (r"^/orgs/(?P<org>[^/]+)/installation$", self._org_installation, False),
            (r"^/user$", self._user, True),
            (r"^/users/(?P<login>[^/]+)$", self._named_user, True),
            (r"^/orgs/(?P<org>[^/]+)$", self._org, True),
            (r"^/orgs/(?P<org>[^/]+)/repos$", self._org_repos, True),
            (repo + r"$", self._repo, True),
            (repo + r"/deployments$", self._deployments, True),
            (repo + r"/deployments/(?P<id>\d+)$", self._deployment, True),
            (repo + r"/deployments/(?P<id>\d+)/statuses$", self._deployment_statuses, True),
            (repo + r"/deployments/(?P<id>\d+)/statuses/(?P<sid>\d+)$", self._deployment_status, True),
            (repo + r"/actions/workflows$", self._workflows, True),
            (repo + r"/actions/workflows/(?P<wf>[^/]+)$", self._workflow, True),
            (repo + r"/actions/workflows/(?P<wf>[^/]+)/runs$", self._workflow_runs, True),
            (repo + r"/actions/runs$", self._runs, True),
            (repo + r"/actions/runs/(?P<id>\d+)$", self._run, True),
            (repo + r"/pulls$", self._pulls, True),
            (repo + r"/pulls/(?P<number>\d+)$", self._pull, True),
            (repo + r"/pulls/(?P<number>\d+)/commits$", self._pull_commits, True),
            (repo + r"/commits$", self._commits, True),
            (repo + r"/commits/(?P<sha>[^/]+)$", self._commit, True),
            (repo + r"/releases$", self._releases, True),
            (repo + r"/releases/latest$", self._latest_release, True),
            (repo + r"/releases/(?P<id>\d+)$", self._release, True),
            (repo + r"/tags$", self._tags, True),
            (repo + r"/compare/(?P<basehead>.+)$", self._compare, True),
            (repo + r"/pulls/(?P<number>\d+)/reviews$", self._pull_reviews, True),
            (repo + r"/pulls/(?P<number>\d+)/files$", self._pull_files, True),
            (repo + r"/issues$", self._issues, True),
            (repo + r"/contents(?:/(?P<path>.*))?$", self._contents, True),
        ]
        routes: list[Route] = [
            ("POST", re.compile(r"^/app/installations/(?P<id>\d+)/access_tokens$"), self._access_token, False)
        ]
        routes += [("GET", re.compile(pattern), handler, charged) for pattern, handler, charged in table]
        return routes

    def _route(self, request: IncomingRequest) -> tuple[Response, bool]:
        for method, pattern, handler, charged in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            if request.method not in (method, "HEAD" if method == "GET" else method):
                return self.not_found(), True
            try:
                return handler(request, match), charged
            except InvalidQuery as exc:
                return self._error(422, f"Validation Failed: {exc}"), charged
        return self.not_found(), True

    def _paginate(
        self,
        request: IncomingRequest,
        items: Sequence[Any],
        wrap: str | None = None,
        envelope: dict[str, Any] | None = None,
    ) -> Response:
        per_page = _int_param(request.param("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        page = max(1, _int_param(request.param("page"), 1))
        total = len(items)
        last = max(1, math.ceil(total / per_page))
        chunk = list(items[(page - 1) * per_page : page * per_page])
        if envelope is not None and wrap:
            payload: Any = {**envelope, wrap: chunk}
        else:
            payload = {"total_count": total, wrap: chunk} if wrap else chunk
        links: list[tuple[int, str]] = []
        if page > 1:
            links.append((page - 1, "prev"))
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            if page > last:
                links.append((last, "last"))
            links.append((1, "first"))
        headers = []
        if links:
            headers.append(("Link", ", ".join(f'<{self._page_url(request, n)}>; rel="{rel}"' for n, rel in links)))
        return self._json(200, payload, headers)

    def _page_url(self, request: IncomingRequest, page: int) -> str:
        pairs = [(k, v) for k, v in request.query_pairs if k != "page"]
        pairs.append(("page", str(page)))
        return f"{self.api_url}{request.raw_path}?{urlencode(pairs)}"

    def _repo_or_none(self, match: re.Match[str]) -> GitHubRepoData | None:
        return self.data.repo(match["owner"], match["repo"])

    # -- handlers --------------------------------------------------------------------------------------
    def _rate_limit(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        with self._rate_lock:
            self._roll_window()
            core = {
                "limit": self._rate.limit,
                "used": self._rate.used,
                "remaining": max(0, self._rate.limit - self._rate.used),
                "reset": self._rate.reset_at,
            }
        reset = core["reset"]

        def fresh(limit: int) -> dict[str, int]:
            return {"limit": limit, "used": 0, "remaining": limit, "reset": reset}

        return self._json(
            200,
            {
                "resources": {
                    "core": core,
                    "search": fresh(30),
                    "graphql": fresh(5000),
                    "integration_manifest": fresh(5000),
                    "source_import": fresh(100),
                    "code_scanning_upload": fresh(1000),
                    "actions_runner_registration": fresh(10000),
                    "scim": fresh(15000),
                    "dependency_snapshots": fresh(100),
                    "code_search": fresh(10),
                },
                "rate": core,
            },
        )

    def _user(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        return self._json(200, self.data.authenticated_user)

    def _named_user(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        login = match["login"]
        found = self.data.users.get(login)
        if found is None:
            kind = "Bot" if login.endswith("[bot]") else "User"
            user_id = int.from_bytes(hashlib.sha256(login.encode()).digest()[:3], "big") + 100000
            found = full_user_payload(user_payload(login, user_id, kind=kind))
        return self._json(200, found)

    def _org(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        org = self.data.org(match["org"])
        return self._json(200, org) if org is not None else self.not_found()

    def _org_repos(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        org = self.data.org(match["org"])
        if org is None:
            return self.not_found()
        login = str(org["login"]).lower()
        repos = [r.repository for r in self.data.repos.values() if r.repository["owner"]["login"].lower() == login]
        sort = request.param("sort") or "created"
        key = {"created": "created_at", "updated": "updated_at", "pushed": "pushed_at"}.get(sort, "full_name")
        default_direction = "asc" if key == "full_name" else "desc"
        descending = (request.param("direction") or default_direction) == "desc"
        repos.sort(key=lambda r: (str(r.get(key) or ""), r["id"]), reverse=descending)
        return self._paginate(request, repos)

    def _repo(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        return self._json(200, {**repo.repository, **repo.repository_extras})

    def _deployments(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        items = repo.deployments
        for name in ("environment", "sha", "ref", "task"):
            wanted = request.param(name)
            if wanted:
                items = [d for d in items if d.get(name) == wanted]
        return self._paginate(request, _newest_first(items))

    def _find_deployment(self, match: re.Match[str]) -> tuple[GitHubRepoData, dict[str, Any]] | None:
        repo = self._repo_or_none(match)
        if repo is None:
            return None
        wanted = int(match["id"])
        found = next((d for d in repo.deployments if d.get("id") == wanted), None)
        return (repo, found) if found is not None else None

    def _deployment(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_deployment(match)
        return self._json(200, found[1]) if found else self.not_found()

    def _deployment_statuses(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_deployment(match)
        if found is None:
            return self.not_found()
        repo, deployment = found
        statuses = repo.deployment_statuses.get(int(deployment["id"]), [])
        return self._paginate(request, _newest_first(statuses))

    def _deployment_status(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_deployment(match)
        if found is None:
            return self.not_found()
        repo, deployment = found
        wanted = int(match["sid"])
        status = next((s for s in repo.deployment_statuses.get(int(deployment["id"]), []) if s["id"] == wanted), None)
        return self._json(200, status) if status is not None else self.not_found()

    def _workflows(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        return self._paginate(request, sorted(repo.workflows, key=lambda w: w["id"]), wrap="workflows")

    def _find_workflow(self, repo: GitHubRepoData, ref: str) -> dict[str, Any] | None:
        if ref.isdigit():
            return next((w for w in repo.workflows if w["id"] == int(ref)), None)
        return next((w for w in repo.workflows if str(w.get("path", "")).rsplit("/", 1)[-1] == ref), None)

    def _workflow(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        workflow = self._find_workflow(repo, match["wf"]) if repo else None
        return self._json(200, workflow) if workflow is not None else self.not_found()

    def _filtered_runs(self, request: IncomingRequest, runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        items = list(runs)
        for name, field_name in (("branch", "head_branch"), ("event", "event"), ("head_sha", "head_sha")):
            wanted = request.param(name)
            if wanted:
                items = [r for r in items if r.get(field_name) == wanted]
        status = request.param("status")
        if status:
            # GitHub's ``status`` filter accepts both run statuses and conclusions.
            items = [r for r in items if status in (r.get("status"), r.get("conclusion"))]
        actor = request.param("actor")
        if actor:
            items = [r for r in items if (r.get("actor") or {}).get("login") == actor]
        created = request.param("created")
        if created:
            matches = date_range_predicate(created)
            items = [r for r in items if matches(_parse_instant(r["created_at"]))]
        return _newest_first(items)

    def _runs(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        return self._paginate(request, self._filtered_runs(request, repo.workflow_runs), wrap="workflow_runs")

    def _workflow_runs(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        workflow = self._find_workflow(repo, match["wf"]) if repo else None
        if repo is None or workflow is None:
            return self.not_found()
        runs = (r for r in repo.workflow_runs if r.get("workflow_id") == workflow["id"])
        return self._paginate(request, self._filtered_runs(request, runs), wrap="workflow_runs")

    def _run(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        wanted = int(match["id"])
        run = next((r for r in repo.workflow_runs if r["id"] == wanted), None) if repo else None
        return self._json(200, run) if run is not None else self.not_found()

    def _pulls(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        state = request.param("state") or "open"
        items = [p for p in repo.pulls if state == "all" or p.get("state") == state]
        base = request.param("base")
        if base:
            items = [p for p in items if p["base"]["ref"] == base]
        head = request.param("head")
        if head:
            items = [p for p in items if head in (p["head"]["label"], p["head"]["ref"])]
        sort = request.param("sort") or "created"
        key = "updated_at" if sort == "updated" else "created_at"
        # GitHub: descending by default only when sorting by creation time.
        default_direction = "desc" if sort == "created" else "asc"
        descending = (request.param("direction") or default_direction) == "desc"
        items = sorted(items, key=lambda p: (p.get(key) or "", p["number"]), reverse=descending)
        return self._paginate(request, items)

    def _find_pull(self, match: re.Match[str]) -> tuple[GitHubRepoData, dict[str, Any]] | None:
        repo = self._repo_or_none(match)
        if repo is None:
            return None
        wanted = int(match["number"])
        pull = next((p for p in repo.pulls if p["number"] == wanted), None)
        return (repo, pull) if pull is not None else None

    def _pull(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_pull(match)
        if found is None:
            return self.not_found()
        repo, pull = found
        return self._json(200, {**pull, **repo.pull_details.get(int(pull["number"]), {})})

    def _pull_commits(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_pull(match)
        if found is None:
            return self.not_found()
        repo, pull = found
        return self._paginate(request, repo.pull_commits.get(int(pull["number"]), []))

    def _commits(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        items = sorted(repo.commits, key=lambda c: (c["commit"]["committer"]["date"], c["sha"]), reverse=True)
        start = request.param("sha")
        default_branch = repo.repository.get("default_branch", "main")
        if start and start != default_branch:
            position = next((i for i, c in enumerate(items) if c["sha"].startswith(start)), None)
            if position is not None:
                items = items[position:]
            else:
                branch_pull = next((p for p in repo.pulls if p["head"]["ref"] == start), None)
                if branch_pull is None:
                    return self._error(404, f"No commit found for SHA: {start}")
                items = list(reversed(repo.pull_commits.get(int(branch_pull["number"]), [])))
        since, until = request.param("since"), request.param("until")
        try:
            if since:
                after = _parse_instant(since)
                items = [c for c in items if _parse_instant(c["commit"]["committer"]["date"]) >= after]
            if until:
                before = _parse_instant(until)
                items = [c for c in items if _parse_instant(c["commit"]["committer"]["date"]) <= before]
        except ValueError:
            return self._error(422, "Validation Failed")
        return self._paginate(request, items)

    def _commit(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        wanted = match["sha"]
        graph = self._commit_graph(repo)
        sha = self._resolve_ref(repo, wanted, graph)
        if sha is None:
            return self._error(422, f"No commit found for SHA: {wanted}")
        files = repo.commit_files.get(sha, [])
        additions = sum(int(f.get("additions", 0)) for f in files) or 12
        deletions = sum(int(f.get("deletions", 0)) for f in files) or 4
        extras = {"stats": {"total": additions + deletions, "additions": additions, "deletions": deletions}}
        return self._json(200, {**graph[sha], **extras, "files": files})

    def _releases(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        return self._paginate(request, _newest_first(repo.releases))

    def _latest_release(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        published = [r for r in repo.releases if not r.get("draft") and not r.get("prerelease")]
        return self._json(200, _newest_first(published)[0]) if published else self.not_found()

    def _release(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        wanted = int(match["id"])
        release = next((r for r in repo.releases if r["id"] == wanted), None) if repo else None
        return self._json(200, release) if release is not None else self.not_found()

    def _tags(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        return self._paginate(request, list(reversed(repo.tags)))

    # -- GitHub Apps -------------------------------------------------------------------------------------
    def _app(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        app_id = self._app_id_from_jwt(request)
        return self._json(200, {"id": app_id, "slug": f"app-{app_id}", "name": f"App {app_id}", "owner": None})

    def _org_installation(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        org = self.data.org(match["org"])
        installation = self.data.installations.get(match["org"].lower())
        if org is None or installation is None:
            return self.not_found()
        return self._json(
            200,
            {
                "id": installation,
                "account": {"login": org["login"], "id": org["id"], "type": "Organization"},
                "app_id": self._app_id_from_jwt(request),
                "target_type": "Organization",
                "repository_selection": "all",
                "access_tokens_url": f"{API}/app/installations/{installation}/access_tokens",
                "permissions": {"contents": "read", "deployments": "read", "actions": "read", "pull_requests": "read"},
                "events": [],
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            },
        )

    def _access_token(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        if int(match["id"]) not in self.data.installations.values():
            return self.not_found()
        token = f"ghs_sandbox{next(self._token_ids):06d}{hashlib.sha256(request.target.encode()).hexdigest()[:24]}"
        self._issued_tokens.add(token)
        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        return self._json(
            201,
            {
                "token": token,
                "expires_at": iso(expires),
                "permissions": {"contents": "read", "deployments": "read", "actions": "read"},
                "repository_selection": "all",
            },
        )

    # -- compare, reviews, files, issues -----------------------------------------------------------------
    @staticmethod
    def _commit_graph(repo: GitHubRepoData) -> dict[str, dict[str, Any]]:
        graph: dict[str, dict[str, Any]] = {}
        for commit in itertools.chain(repo.commits, *repo.pull_commits.values()):
            graph.setdefault(commit["sha"], commit)
        return graph

    def _resolve_ref(self, repo: GitHubRepoData, ref: str, graph: dict[str, dict[str, Any]]) -> str | None:
        if ref in graph:
            return ref
        tag = next((t for t in repo.tags if t["name"] == ref), None)
        if tag is not None:
            return str(tag["commit"]["sha"]) if tag["commit"]["sha"] in graph else None
        if ref == repo.repository.get("default_branch", "main") and repo.commits:
            newest = max(repo.commits, key=lambda c: (c["commit"]["committer"]["date"], c["sha"]))
            return str(newest["sha"])
        if len(ref) >= 7:
            found = [sha for sha in graph if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    @staticmethod
    def _ancestors(graph: dict[str, dict[str, Any]], sha: str) -> set[str]:
        seen: set[str] = set()
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in seen or current not in graph:
                continue
            seen.add(current)
            stack.extend(parent["sha"] for parent in graph[current].get("parents") or [])
        return seen

    def _compare(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        basehead = match["basehead"]
        separator = "..." if "..." in basehead else ".." if ".." in basehead else None
        if separator is None:
            return self.not_found()
        base_ref, head_ref = basehead.split(separator, 1)
        graph = self._commit_graph(repo)
        base, head = self._resolve_ref(repo, base_ref, graph), self._resolve_ref(repo, head_ref, graph)
        if base is None or head is None:
            return self.not_found()
        from_head, from_base = self._ancestors(graph, head), self._ancestors(graph, base)
        common = from_head & from_base
        if not common:
            return self._error(404, f"No common ancestor between {base_ref} and {head_ref}.")

        def when(sha: str) -> tuple[str, str]:
            return (graph[sha]["commit"]["committer"]["date"], sha)

        ahead = sorted(from_head - from_base, key=when)
        behind = from_base - from_head
        merge_base = max(common, key=when)
        status = "identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged"
        full = f"{self.data.repo(match['owner'], match['repo']).full_name}"  # type: ignore[union-attr]
        api = f"{API}/repos/{full}"
        envelope = {
            "url": f"{api}/compare/{basehead}",
            "html_url": f"{WEB}/{full}/compare/{basehead}",
            "permalink_url": f"{WEB}/{full}/compare/{full.split('/')[0]}:{base[:7]}...{full.split('/')[0]}:{head[:7]}",
            "diff_url": f"{WEB}/{full}/compare/{basehead}.diff",
            "patch_url": f"{WEB}/{full}/compare/{basehead}.patch",
            "base_commit": graph[base],
            "merge_base_commit": graph[merge_base],
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "files": [],
        }
        commits = [graph[sha] for sha in ahead]
        if request.param("page") is None and request.param("per_page") is None:
            return self._json(200, {**envelope, "commits": commits[:COMPARE_UNPAGED_COMMITS]})
        return self._paginate(request, commits, wrap="commits", envelope=envelope)

    def _pull_reviews(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_pull(match)
        if found is None:
            return self.not_found()
        repo, pull = found
        return self._paginate(request, repo.pull_reviews.get(int(pull["number"]), []))

    def _pull_files(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        found = self._find_pull(match)
        if found is None:
            return self.not_found()
        repo, pull = found
        return self._paginate(request, repo.pull_files.get(int(pull["number"]), []))

    def _issues(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        state = request.param("state") or "open"
        items = [i for i in repo.issues if state == "all" or i.get("state") == state]
        wanted = [label.strip() for label in (request.param("labels") or "").split(",") if label.strip()]
        if wanted:
            items = [i for i in items if set(wanted) <= {label["name"] for label in i.get("labels") or []}]
        since = request.param("since")
        if since:
            try:
                after = _parse_instant(since)
            except ValueError:
                return self._error(422, "Validation Failed")
            items = [i for i in items if _parse_instant(i["updated_at"]) >= after]
        sort = request.param("sort") or "created"
        key = {"updated": "updated_at", "comments": "comments"}.get(sort, "created_at")
        descending = (request.param("direction") or "desc") == "desc"
        items = sorted(items, key=lambda i: (i.get(key) or "", i["number"]), reverse=descending)
        return self._paginate(request, items)

    def _contents(self, request: IncomingRequest, match: re.Match[str]) -> Response:
        """A file (base64 ``content``) or a directory listing; the files are the same at every known ref."""
        repo = self._repo_or_none(match)
        if repo is None:
            return self.not_found()
        ref = request.param("ref")
        default_branch = str(repo.repository.get("default_branch", "main"))
        if ref and ref != default_branch and self._resolve_ref(repo, ref, self._commit_graph(repo)) is None:
            return self._error(404, f"No commit found for the ref {ref}")
        path = (match["path"] or "").strip("/")
        ref = ref or default_branch
        if path in repo.files:
            return self._json(200, self._content_entry(repo, path, ref, with_content=True))
        prefix = f"{path}/" if path else ""
        children: set[str] = set()
        for name in repo.files:
            if name.startswith(prefix):
                children.add(prefix + name[len(prefix) :].split("/", 1)[0])
        if not children:
            return self.not_found()
        listing = [self._content_entry(repo, child, ref, with_content=False) for child in sorted(children)]
        return self._json(200, listing)

    def _content_entry(self, repo: GitHubRepoData, path: str, ref: str, *, with_content: bool) -> dict[str, Any]:
        is_file = path in repo.files
        data = repo.files[path].encode("utf-8") if is_file else b""
        # Git's blob id for a file; a directory gets a stable id from its path.
        sha = hashlib.sha1(b"blob %d\0" % len(data) + data if is_file else f"tree {path}".encode()).hexdigest()
        url = f"{API}/repos/{repo.full_name}/contents/{path}?ref={ref}"
        html = f"{WEB}/{repo.full_name}/{'blob' if is_file else 'tree'}/{ref}/{path}"
        git = f"{API}/repos/{repo.full_name}/git/{'blobs' if is_file else 'trees'}/{sha}"
        entry: dict[str, Any] = {
            "type": "file" if is_file else "dir",
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "size": len(data),
            "url": url,
            "html_url": html,
            "git_url": git,
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}" if is_file else None,
            "_links": {"self": url, "git": git, "html": html},
        }
        if with_content:
            encoded = base64.b64encode(data).decode("ascii")
            # GitHub wraps the base64 text at 60 characters per line.
            entry["content"] = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
            entry["encoding"] = "base64"
        return entry


def _int_param(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return default
