from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pulse.config import PulseConfig
from pulse.warehouse import connect
from surveys.identity import survey_key
from surveys.load import LoadSummary, load_survey_folder
from surveys.measures import SurveyParams, compute_survey_tables

TEST_KEY = "test-survey-key-3f9a"
LOADED_AT = datetime(2026, 11, 25, 12, 0)


@pytest.fixture(autouse=True)
def _survey_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SURVEY_KEY", TEST_KEY)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path / "pulse.duckdb")
    yield con
    con.close()


def load(con: duckdb.DuckDBPyConnection, cfg: PulseConfig, loaded_at: datetime = LOADED_AT) -> LoadSummary:
    return load_survey_folder(con, cfg, survey_key(cfg.surveys), loaded_at)


def load_and_compute(con: duckdb.DuckDBPyConnection, cfg: PulseConfig) -> LoadSummary:
    summary = load(con, cfg)
    compute_survey_tables(con, SurveyParams.from_config(cfg))
    return summary


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    data = cursor.fetchall()
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in data]


@pytest.fixture
def serving_db(tmp_path: Path, warehouse: duckdb.DuckDBPyConnection) -> Path:
    """A serving copy holding the published survey tables of the two-wave organisation with a 4-person team."""
    from survey_fixtures import survey_config, write_org_waves

    from pulse.warehouse import publish_serving_copy
    from surveys.measures import SURVEY_TABLES

    cfg = survey_config(tmp_path)
    write_org_waves(cfg)
    load_and_compute(warehouse, cfg)
    return publish_serving_copy(warehouse, cfg.warehouse.serving_path, SURVEY_TABLES)
