"""The PagerDuty and incident settings: defaults, limits, and the key named in each error."""

from __future__ import annotations

import pytest

from pulse.config import ConfigError, PagerDutyConfig, parse_config

BASE = {"github": {"organisation": "acme"}}


def test_defaults() -> None:
    cfg = parse_config({**BASE, "pagerduty": {}})
    assert cfg.pagerduty == PagerDutyConfig()
    assert (cfg.pagerduty.retries, cfg.pagerduty.max_wait_seconds, cfg.pagerduty.window_days) == (5, 60.0, 30)
    assert cfg.incident_window_hours == 24


def test_window_off_and_custom_values() -> None:
    cfg = parse_config(
        {
            **BASE,
            "pagerduty": {"timeout_seconds": 10, "retries": 2, "max_wait_seconds": 5.5, "window_days": 180},
            "incident_window_hours": 0,
        }
    )
    assert cfg.incident_window_hours == 0
    assert (cfg.pagerduty.timeout_seconds, cfg.pagerduty.retries, cfg.pagerduty.max_wait_seconds) == (10, 2, 5.5)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"pagerduty": {"window_days": 0}}, "pagerduty.window_days: must be a whole number >= 1"),
        ({"pagerduty": {"window_days": 200}}, "pagerduty.window_days: must be at most 180"),
        ({"pagerduty": {"retries": 1.5}}, "pagerduty.retries: must be a whole number"),
        ({"pagerduty": {"max_wait_seconds": -1}}, "pagerduty.max_wait_seconds: must be a number >= 0"),
        ({"pagerduty": {"base_url": "http://api.pagerduty.com"}}, "pagerduty.base_url: must start with https://"),
        ({"pagerduty": {"retry": 3}}, "pagerduty.retry: unknown key"),
        ({"incident_window_hours": -1}, "incident_window_hours: must be a whole number >= 0"),
    ],
)
def test_errors_name_the_key(section: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("+", r"\+")):
        parse_config({**BASE, **section})
