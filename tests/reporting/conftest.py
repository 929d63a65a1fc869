from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

# The hand-made serving file is shared with the dashboard tests; load it by path because the test folders
# are not packages (a `tests/dashboards` package would shadow the real `dashboards`).
if "serving_fixture" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "serving_fixture", Path(__file__).resolve().parents[1] / "dashboards" / "serving_fixture.py"
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["serving_fixture"] = _module
    _spec.loader.exec_module(_module)

from serving_fixture import build_serving_db


@pytest.fixture
def serving_db(tmp_path: Path) -> Path:
    return build_serving_db(tmp_path / "pulse_serving.duckdb")
