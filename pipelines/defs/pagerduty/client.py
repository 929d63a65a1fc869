"""Building the python-pagerduty REST client from configuration."""

from __future__ import annotations

import ssl

import pagerduty

from pulse.config import PagerDutyConfig


class MissingTokenError(RuntimeError):
    pass


def make_pagerduty(cfg: PagerDutyConfig, *, token: str | None = None) -> pagerduty.RestApiV2Client:
    """A REST API v2 client; ``ca_bundle`` lets it trust a proxy's or a local stand-in's certificate authority."""
    token = token if token is not None else cfg.token()
    if not token:
        raise MissingTokenError(
            f"PagerDuty token missing: set the environment variable {cfg.token_env} "
            "(or remove the pagerduty section from the configuration)"
        )
    kwargs = {}
    if cfg.ca_bundle is not None:
        kwargs["verify"] = ssl.create_default_context(cafile=str(cfg.ca_bundle))
    client = pagerduty.RestApiV2Client(token, base_url=cfg.base_url, **kwargs)
    # 429 is retried by the client itself with growing waits; 5xx a few times more before giving up.
    client.retry = {500: 3, 502: 3, 503: 3, 504: 3}
    client.max_http_attempts = 10
    return client
