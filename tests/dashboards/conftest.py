from __future__ import annotations

from pathlib import Path

import pytest
from serving_fixture import build_serving_db


@pytest.fixture
def serving_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default hand-made serving file, announced to the app through $PULSE_SERVING_DB."""
    path = build_serving_db(tmp_path / "pulse_serving.duckdb")
    monkeypatch.setenv("PULSE_SERVING_DB", str(path))
    monkeypatch.setenv("PULSE_TIMEZONE", "Europe/Berlin")
    return path
