"""Shared test settings: a frozen "now" for anything that reads the clock through pulse.warehouse.utc_now."""

from __future__ import annotations

import pytest

FROZEN_NOW = "2026-11-25T12:00:00Z"


@pytest.fixture(autouse=True)
def _frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_NOW", FROZEN_NOW)
