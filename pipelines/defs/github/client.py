"""The GitHub REST client: PyGithub for transport, authentication and payload parsing, plus what a large
organisation needs on top of it.

* Every HTTP request is counted per endpoint (``RequestStats``), 304s separately, for asset metadata.
* Conditional requests: ``get(..., etag=...)`` sends ``If-None-Match``; a 304 costs no rate-limit budget.
* Primary rate limit: when fewer than ``rate_limit_reserve`` requests remain, wait for the reset if it is at
  most ``max_rate_limit_wait_seconds`` away, otherwise raise :class:`RateLimitStop` saying when to resume.
* Secondary limits (403/429 with ``Retry-After`` or GitHub's message), 5xx, timeouts, dropped connections and
  truncated JSON bodies are retried with exponential backoff, at most ``retries`` times.
* Authentication by token or as a GitHub App installation; GitHub Enterprise Server through ``base_url``.

PyGithub's own retries are switched off (``retry=None``) so that each attempt is seen, counted and paced here.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import github
import requests
import urllib3
from github import Auth, Github
from github.Requester import Requester

from pulse.config import GitHubConfig

DEFAULT_SECONDARY_WAIT_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 60.0

# Network-level failures worth another attempt: the server or the path to it had a bad moment.
TRANSIENT_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.HTTPError,
    ConnectionError,
    TimeoutError,
)


class RateLimitStop(Exception):
    """The primary rate limit is spent and resets too far ahead to wait: stop cleanly, resume later."""

    def __init__(self, remaining: int, reset_at: datetime) -> None:
        self.remaining = remaining
        self.reset_at = reset_at
        super().__init__(
            f"GitHub rate limit: {remaining} requests left until {reset_at:%Y-%m-%d %H:%M:%S} UTC; stopped cleanly. "
            f"Run again after {reset_at:%H:%M} UTC to resume from the stored cursors."
        )


class GitHubApiError(Exception):
    """A request that failed for good (after retries, or a status that retrying cannot fix)."""

    def __init__(self, endpoint: str, status: int | None, message: str) -> None:
        self.endpoint = endpoint
        self.status = status
        super().__init__(f"{endpoint}: HTTP {status}: {message}" if status else f"{endpoint}: {message}")


@dataclass
class RequestStats:
    """Requests sent per endpoint (every attempt counts), and how many came back 304 Not Modified."""

    requests: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    waited_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def metadata(self) -> dict[str, Any]:
        return {
            "requests": self.total,
            "requests_per_endpoint": dict(sorted(self.requests.items())),
            "not_modified_per_endpoint": dict(sorted(self.not_modified.items())),
            "retries_per_endpoint": dict(sorted(self.retries.items())),
            "rate_limit_wait_seconds": round(self.waited_seconds, 1),
        }


@dataclass(frozen=True)
class Page:
    """One response: status 200 with its parsed JSON, or 304 (``data`` None) when the ETag still matched."""

    status: int
    data: Any
    etag: str | None
    next_url: str | None
    headers: Mapping[str, str]

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_github(cfg: GitHubConfig, *, token: str | None = None) -> Github:
    """A PyGithub client for the configured server with token or GitHub App authentication.

    Secrets come from the environment variables the configuration names, never from the file itself. PyGithub's
    retries are off: :class:`GitHubApi` retries, so that every attempt is counted and paced in one place.
    """
    common: dict[str, Any] = {
        "base_url": cfg.base_url,
        "timeout": int(cfg.timeout_seconds),
        "retry": None,
        "per_page": 100,
        "seconds_between_requests": cfg.seconds_between_requests,
        "seconds_between_writes": cfg.seconds_between_requests,
    }
    if cfg.app is not None and token is None:
        return Github(auth=_app_installation_auth(cfg, common), **common)
    token = token if token is not None else cfg.token()
    return Github(auth=Auth.Token(token) if token else None, **common)


def _app_installation_auth(cfg: GitHubConfig, common: dict[str, Any]) -> Auth.AppInstallationAuth:
    assert cfg.app is not None
    key = cfg.app.private_key()
    if not key:
        raise RuntimeError(
            f"GitHub App authentication needs the app's private key in ${cfg.app.private_key_env} "
            "(the PEM text, or the path of the .pem file)"
        )
    app_auth = Auth.AppAuth(cfg.app.app_id, key)
    installation_id = cfg.app.installation_id
    if installation_id is None:
        integration = github.GithubIntegration(auth=app_auth, **common)
        installation_id = integration.get_org_installation(cfg.organisation).id
    return app_auth.get_installation_auth(int(installation_id))


class GitHubApi:
    """GET requests against the GitHub REST API with counting, conditional requests, retries and rate limits.

    ``sleep`` and ``clock`` are injectable so tests can run rate-limit waits without waiting.
    """

    def __init__(
        self,
        cfg: GitHubConfig,
        *,
        gh: Github | None = None,
        token: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.gh = gh if gh is not None else make_github(cfg, token=token)
        self.requester: Requester = self.gh.requester
        self.stats = RequestStats()
        self.sleep = sleep
        self.clock = clock
        self.log = log or (lambda message: None)
        self.remaining: int | None = None
        self.limit: int | None = None
        self.reset_epoch: float | None = None
        root = urlsplit(cfg.base_url)
        self._origin = (root.scheme, root.netloc)

    # -- public -------------------------------------------------------------------------------------------
    def get(
        self,
        endpoint: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        etag: str | None = None,
        allow: tuple[int, ...] = (),
    ) -> Page:
        """One GET of ``path`` (relative to the API root, or an absolute ``Link`` URL from this server).

        Statuses in ``allow`` come back as a Page instead of raising (e.g. 404 for a compare whose base is gone).
        """
        self._check_same_server(path)
        headers = {"If-None-Match": etag} if etag else {}
        attempt = 0
        primary_waits = 0
        while True:
            self._guard_rate_limit()
            self.stats.requests[endpoint] += 1
            try:
                status, response_headers, body = self.requester.requestJson(
                    "GET", path, dict(params) if params else None, dict(headers)
                )
            except TRANSIENT_ERRORS as exc:
                attempt = self._retry_or_raise(endpoint, attempt, None, f"{type(exc).__name__}: {exc}")
                continue
            lowered = {k.lower(): v for k, v in response_headers.items()}
            self._note_rate_limit(lowered)
            if status == 304:
                self.stats.not_modified[endpoint] += 1
                return Page(304, None, lowered.get("etag") or etag, None, lowered)
            if status in allow:
                return Page(status, _loads_or_none(body), None, None, lowered)
            if status in (403, 429):
                message = _message(body)
                if _is_primary_limit(status, message, lowered):
                    primary_waits += 1
                    if primary_waits > 3:
                        raise GitHubApiError(endpoint, status, f"{message} (still limited after waiting)")
                    self._wait_for_reset(lowered)
                    continue
                if status == 429 or "retry-after" in lowered or Requester.isSecondaryRateLimitError(message):
                    wait = _retry_after(lowered) or DEFAULT_SECONDARY_WAIT_SECONDS * (2**attempt)
                    attempt = self._retry_or_raise(endpoint, attempt, status, message, wait=wait)
                    continue
            if status >= 500:
                attempt = self._retry_or_raise(endpoint, attempt, status, _message(body))
                continue
            if status >= 400:
                raise Requester.createException(status, lowered, _loads_or_none(body) or {})
            try:
                data = json.loads(body) if body else None
            except ValueError:
                # A body cut short in transit; the same request normally succeeds again.
                attempt = self._retry_or_raise(endpoint, attempt, status, "truncated or invalid JSON body")
                continue
            return Page(status, data, lowered.get("etag"), _next_link(lowered.get("link")), lowered)

    def pages(
        self,
        endpoint: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        etag: str | None = None,
    ) -> Iterator[Page]:
        """The first page (conditional when ``etag`` is given), then every ``Link: rel="next"`` page.

        A 304 on the first page yields that one Page and stops: nothing in the list changed.
        """
        page = self.get(endpoint, path, {"per_page": 100, **(params or {})}, etag=etag)
        yield page
        while page.next_url and not page.not_modified:
            page = self.get(endpoint, page.next_url)
            yield page

    @property
    def rate_limit_metadata(self) -> dict[str, Any]:
        reset = datetime.fromtimestamp(self.reset_epoch, UTC).isoformat() if self.reset_epoch else None
        return {"rate_limit_remaining": self.remaining, "rate_limit_limit": self.limit, "rate_limit_reset": reset}

    # -- internals ---------------------------------------------------------------------------------------
    def _check_same_server(self, path: str) -> None:
        if path.startswith("/"):
            return
        parts = urlsplit(path)
        # A Link header pointing elsewhere must not receive our credentials.
        if (parts.scheme, parts.netloc) != self._origin and parts.netloc != self._origin[1]:
            raise GitHubApiError("links", None, f"refusing to follow a link to another server: {parts.netloc}")

    def _retry_or_raise(
        self, endpoint: str, attempt: int, status: int | None, message: str, *, wait: float | None = None
    ) -> int:
        if attempt >= self.cfg.retries:
            raise GitHubApiError(endpoint, status, f"{message} (gave up after {attempt + 1} attempts)")
        delay = wait if wait is not None else min(MAX_BACKOFF_SECONDS, 0.5 * (2**attempt))
        self.stats.retries[endpoint] += 1
        self.log(f"{endpoint}: {'HTTP ' + str(status) if status else message}; retrying in {delay:.1f}s")
        self.sleep(delay)
        return attempt + 1

    def _note_rate_limit(self, headers: Mapping[str, str]) -> None:
        try:
            if "x-ratelimit-remaining" in headers:
                self.remaining = int(headers["x-ratelimit-remaining"])
            if "x-ratelimit-limit" in headers:
                self.limit = int(headers["x-ratelimit-limit"])
            if "x-ratelimit-reset" in headers:
                self.reset_epoch = float(headers["x-ratelimit-reset"])
        except ValueError:
            pass

    def _guard_rate_limit(self) -> None:
        if self.remaining is None or self.remaining > self.cfg.rate_limit_reserve:
            return
        self._wait_for_reset({})

    def _wait_for_reset(self, headers: Mapping[str, str]) -> None:
        self._note_rate_limit(headers)
        reset = self.reset_epoch if self.reset_epoch is not None else self.clock() + 3600
        delay = max(0.0, reset - self.clock()) + 1.0
        if delay > self.cfg.max_rate_limit_wait_seconds:
            raise RateLimitStop(self.remaining or 0, datetime.fromtimestamp(reset, UTC).replace(tzinfo=None))
        self.log(f"GitHub rate limit nearly spent ({self.remaining} left); waiting {delay:.0f}s for the reset")
        self.stats.waited_seconds += delay
        self.sleep(delay)
        # The budget is unknown until the next response says otherwise.
        self.remaining = None


def _loads_or_none(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _message(body: str) -> str:
    data = _loads_or_none(body)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return body[:200] if body else ""


def _is_primary_limit(status: int, message: str, headers: Mapping[str, str]) -> bool:
    if Requester.isPrimaryRateLimitError(message):
        return True
    return status == 403 and headers.get("x-ratelimit-remaining") == "0" and "retry-after" not in headers


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        section = part.split(";")
        if len(section) < 2:
            continue
        url = section[0].strip().strip("<>")
        if any(s.strip() in ('rel="next"', "rel=next") for s in section[1:]):
            return url
    return None


def describe_error(exc: BaseException) -> str:
    """A one-line reason for a failed request, without headers (they may echo credentials)."""
    if isinstance(exc, github.GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
        return f"HTTP {exc.status}: {message}"
    return f"{type(exc).__name__}: {exc}"
