"""Drill-down page: a figure and its rows, from a serving copy built by the real metric SQL."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.runner import PUBLISHED_TABLES, MetricParams, compute_metrics
from pulse.warehouse import connect, ensure_schema, publish_serving_copy, set_meta

PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "app_pages" / "drilldown.py"
T0 = datetime(2026, 11, 25)


@pytest.fixture()
def serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    con = connect(tmp_path / "work.duckdb")
    ensure_schema(con)
    con.execute("INSERT INTO team_ownership VALUES ('payments', 'repository', 'pay', 'pay')")
    for n in range(3):
        at = datetime(2026, 11, 16 + n, 10)
        con.execute(
            "INSERT INTO raw_github_deployments (repository, deployment_id, environment, created_at, succeeded_at,"
            " fetched_at) VALUES ('pay', ?, 'production', ?, ?, ?)",
            [n, at, at, T0],
        )
    compute_metrics(con, MetricParams("acme", "main", [], 24, date(2026, 11, 2), date(2026, 11, 23)))
    set_meta(con, {"organisation": "acme"})
    path = publish_serving_copy(con, tmp_path / "serving.duckdb", [*PUBLISHED_TABLES, "pulse_meta"])
    con.close()
    monkeypatch.setenv("PULSE_SERVING_DB", str(path))
    return path


def test_drilldown_lists_the_deployments_behind_the_figure(serving: Path) -> None:
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    assert not at.exception
    at.selectbox[0].select("deployment_frequency").run()
    assert not at.exception
    assert at.selectbox[2].value == "week"
    assert at.selectbox[3].value == "2026-W47"
    figure, rows = at.dataframe[0].value, at.dataframe[1].value
    assert int(figure["deployments"].iloc[0]) == 3
    assert len(rows) == 3 and set(rows["service"]) == {"pay"}


def test_drilldown_without_data_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    assert not at.exception
    assert "make demo" in at.info[0].value
