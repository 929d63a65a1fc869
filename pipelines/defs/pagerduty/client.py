"""Building the python-pagerduty REST client from configuration, with bounded, header-honouring rate-limit waits.

python-pagerduty retries a 429 forever with its own growing sleeps and never reads PagerDuty's ``ratelimit-reset``
header. :class:`PulsePagerDutyClient` takes over 429s: it waits exactly as long as the header asks (``Retry-After``
when that is what the server sends), at most ``retries`` times and never longer than ``max_wait_seconds`` per
wait; past either bound it raises :class:`RateLimitError`, which says when the limit resets.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pagerduty

from pulse.config import PagerDutyConfig

# Server errors worth another attempt; each waits longer than the last (the client's own backoff).
_RETRIED_STATUSES = (500, 502, 503, 504)


class MissingTokenError(RuntimeError):
    pass


class RateLimitError(RuntimeError):
    """PagerDuty kept answering 429 beyond the configured retries, or asked for a longer wait than allowed."""

    def __init__(self, message: str, reset_seconds: float | None) -> None:
        super().__init__(message)
        self.reset_seconds = reset_seconds


class _RateLimited(Exception):
    """Raised from ``postprocess`` so that the library's own endless 429 loop never runs."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def reset_seconds(headers: Any) -> float | None:
    """Seconds until the rate limit resets: ``ratelimit-reset`` (PagerDuty), else ``Retry-After``; None if absent."""
    for name in ("ratelimit-reset", "retry-after"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value), 0.0)
        except ValueError:
            continue
    return None


class PulsePagerDutyClient(pagerduty.RestApiV2Client):
    """A REST API v2 client whose 429 handling is bounded and follows the server's reset time."""

    def __init__(
        self,
        api_key: str,
        *,
        rate_limit_retries: int = 5,
        max_wait_seconds: float = 60.0,
        fallback_wait_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(api_key, **kwargs)
        self.rate_limit_retries = rate_limit_retries
        self.max_wait_seconds = max_wait_seconds
        self.fallback_wait_seconds = fallback_wait_seconds
        self.sleep = sleep
        self.rate_limit_waits: list[float] = []
        """Every wait spent on a 429, in seconds, in order."""

    def postprocess(self, response: httpx2.Response, suffix: str | None = None) -> None:
        super().postprocess(response, suffix)
        if response.status_code == 429:
            raise _RateLimited(response)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        limited = 0
        while True:
            try:
                return super().request(method, url, **kwargs)
            except _RateLimited as hit:
                limited += 1
                reset = reset_seconds(hit.response.headers)
                # Without a header, back off the way the library would, from a short first wait.
                wait = reset if reset is not None else self.fallback_wait_seconds * 2 ** (limited - 1)
                where = f"{method.upper()} {url}"
                if wait > self.max_wait_seconds:
                    raise RateLimitError(
                        f"PagerDuty rate limit on {where}: it resets in {wait:g} s, longer than "
                        f"pagerduty.max_wait_seconds ({self.max_wait_seconds:g} s); run again after the reset",
                        reset,
                    ) from None
                if limited > self.rate_limit_retries:
                    raise RateLimitError(
                        f"PagerDuty rate limit on {where}: still 429 after {self.rate_limit_retries} waits "
                        "(pagerduty.retries); run again later",
                        reset,
                    ) from None
                self.rate_limit_waits.append(wait)
                self.sleep(wait)

    @property
    def requests_by_endpoint(self) -> dict[str, int]:
        """HTTP requests sent, per endpoint (``GET /incidents``), retries included."""
        return dict(self.api_call_counts)


def make_pagerduty(
    cfg: PagerDutyConfig,
    *,
    token: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff_seconds: float = 1.5,
) -> PulsePagerDutyClient:
    """A REST API v2 client; ``ca_bundle`` lets it trust a proxy's or a local stand-in's certificate authority.

    ``backoff_seconds`` is the first wait after a 5xx or network error (it doubles each time) and the first wait
    after a 429 that carries no reset header; tests pass a small value.
    """
    token = token if token is not None else cfg.token()
    if not token:
        raise MissingTokenError(
            f"PagerDuty token missing: set the environment variable {cfg.token_env} "
            "(or remove the pagerduty section from the configuration)"
        )
    kwargs: dict[str, Any] = {}
    if cfg.ca_bundle is not None:
        kwargs["verify"] = ssl.create_default_context(cafile=str(cfg.ca_bundle))
    client = PulsePagerDutyClient(
        token,
        base_url=cfg.base_url,
        rate_limit_retries=cfg.retries,
        max_wait_seconds=cfg.max_wait_seconds,
        fallback_wait_seconds=backoff_seconds,
        sleep=sleep,
        **kwargs,
    )
    client.timeout = cfg.timeout_seconds
    client.retry = {status: cfg.retries for status in _RETRIED_STATUSES}
    client.max_http_attempts = cfg.retries
    client.max_network_attempts = cfg.retries
    # The library multiplies this by 2 before the first wait.
    client.sleep_timer = backoff_seconds / 2
    return client
