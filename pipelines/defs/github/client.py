"""Building the PyGithub client from configuration: auth, timeouts, retries and rate-limit behaviour."""

from __future__ import annotations

import github
from github import Auth, Github, GithubRetry

from pulse.config import GitHubConfig

# Retried with backoff: 429, every 5xx, and (through GithubRetry) 403s that are rate limits. urllib3 honours
# Retry-After on these. A primary limit whose reset is further away than this is reported, not waited for.
MAX_RATE_LIMIT_WAIT_SECONDS = 15 * 60


def make_github(cfg: GitHubConfig, *, token: str | None = None) -> Github:
    """A PyGithub client for the configured server; the token comes from the environment, never from config."""
    token = token if token is not None else cfg.token()
    retry = GithubRetry(
        total=cfg.retries,
        backoff_factor=0.5,
        status_forcelist=[429, *range(500, 600)],
        secondary_rate_wait=60,
        max_rate_limit_wait=MAX_RATE_LIMIT_WAIT_SECONDS,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    return Github(
        base_url=cfg.base_url,
        auth=Auth.Token(token) if token else None,
        timeout=int(cfg.timeout_seconds),
        retry=retry,
        per_page=100,
        seconds_between_requests=cfg.seconds_between_requests,
        seconds_between_writes=cfg.seconds_between_requests,
    )


def describe_error(exc: Exception) -> str:
    """A one-line reason for a failed request, without headers (they may echo credentials)."""
    if isinstance(exc, github.GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
        return f"HTTP {exc.status}: {message}"
    return f"{type(exc).__name__}: {exc}"
