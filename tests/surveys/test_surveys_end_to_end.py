"""The sample organisation's two survey waves through the whole pipeline and every output.

The sample's team answers are display names ("Data Platform"), mapped to team keys by the demo configuration's
aliases; its data-platform team has 4 respondents per wave, whose results must not be readable anywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from pulse.cli import main as pulse_main
from pulse.config import PulseConfig, load_config
from pulse.demo import demo_config
from pulse.warehouse import connect
from surveys.measures import SURVEY_TABLES

END = date(2026, 11, 22)
SMALL = "data-platform"
PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "app_pages" / "surveys.py"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseConfig]:
    from pipelines.run import materialize_all
    from sandbox import start_sandbox

    workdir = tmp_path_factory.mktemp("surveys-e2e")
    keys = ("PULSE_NOW", "PULSE_DEMO_PAGERDUTY_TOKEN", "PULSE_CONFIG", "PULSE_SURVEY_KEY")
    old = {k: os.environ.get(k) for k in keys}
    os.environ["PULSE_NOW"] = "2026-11-25T12:00:00Z"
    os.environ["PULSE_DEMO_PAGERDUTY_TOKEN"] = "sandbox"
    os.environ.pop("PULSE_SURVEY_KEY", None)  # the demo configuration allows its public key
    sandbox = start_sandbox(workdir, end=END, seed=7)
    try:
        config_file = workdir / "pulse.yaml"
        config_file.write_text(yaml.safe_dump(demo_config(sandbox, workdir)), encoding="utf-8")
        os.environ["PULSE_CONFIG"] = str(config_file)
        cfg = load_config(config_file)
        assert materialize_all(cfg, instance=dg.DagsterInstance.ephemeral())
        yield cfg
    finally:
        sandbox.stop()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _rows(path: Path, sql: str) -> list[dict]:
    con = connect(path, read_only=True)
    try:
        cursor = con.execute(sql)
        data = cursor.fetchall()
        columns = [d[0] for d in cursor.description]
    finally:
        con.close()
    return [dict(zip(columns, r, strict=True)) for r in data]


def test_every_sample_answer_loads_and_every_respondent_is_on_the_roster(loaded: PulseConfig) -> None:
    working = loaded.warehouse.path
    assert _rows(working, "SELECT count(*) AS n FROM survey_quarantine") == [{"n": 0}]
    unmatched = _rows(
        working,
        "SELECT count(*) AS n FROM raw_survey_responses "
        "WHERE respondent NOT IN (SELECT respondent FROM raw_survey_roster)",
    )
    assert unmatched == [{"n": 0}]
    teams = {r["team"] for r in _rows(working, "SELECT DISTINCT team FROM raw_survey_responses")}
    assert SMALL in teams and len(teams) == 6


def test_the_serving_copy_has_every_survey_table_and_hides_the_small_team(loaded: PulseConfig) -> None:
    serving = loaded.warehouse.serving_path
    waves = _rows(serving, "SELECT wave FROM survey_waves ORDER BY ordinal")
    assert len(waves) == 2
    for table in ("survey_participation", "survey_nps", "survey_likert", "survey_themes"):
        small = _rows(serving, f"SELECT * FROM {table} WHERE group_name = '{SMALL}'")
        assert small and all(r["suppressed"] and r["suppressed_reason"] == "fewer than 5 respondents" for r in small)
    assert _rows(serving, f"SELECT count(*) AS n FROM survey_comments WHERE team = '{SMALL}'") == [{"n": 0}]
    # Six teams directly under the organisation: hiding one means hiding a second, in every wave.
    hidden = _rows(serving, "SELECT wave, count(*) AS n FROM survey_nps WHERE suppressed GROUP BY wave")
    assert {r["n"] for r in hidden} == {2}
    organisation = _rows(serving, "SELECT * FROM survey_nps WHERE scope = 'organisation'")
    assert all(not r["suppressed"] and 0 < r["response_rate"] <= 1 for r in organisation)
    tables = {r["table_name"] for r in _rows(serving, "SELECT table_name FROM information_schema.tables")}
    assert set(SURVEY_TABLES) <= tables
    assert not {"survey_responses", "survey_cells_nps", "raw_survey_answers"} & tables


def test_pulse_surveys_json_and_table(loaded: PulseConfig, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(loaded.source)
    assert pulse_main(["--config", config, "surveys", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    small = [r for r in doc["nps"] if r["group_name"] == SMALL]
    assert small and small[0]["nps"] is None and small[0]["n"] is None
    assert pulse_main(["--config", config, "surveys"]) == 0
    table = capsys.readouterr().out
    assert f"{SMALL}" in table and "hidden: fewer than 5 respondents" in table


def test_weekly_report_has_the_survey_section(loaded: PulseConfig, tmp_path: Path) -> None:
    assert pulse_main(["--config", str(loaded.source), "report", "--week", "2026-W47", "--out", str(tmp_path)]) == 0
    markdown = (tmp_path / "weekly-2026-W47.md").read_text(encoding="utf-8")
    assert "## Developer survey 2026-Q4" in markdown
    line = next(line for line in markdown.splitlines() if line.startswith(f"| {SMALL} |"))
    assert "hidden: fewer than 5 respondents" in line
    assert markdown.index("## Developer survey") < markdown.index("## How to read this")


def test_dashboard_page(loaded: PulseConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(loaded.warehouse.serving_path))
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value.set_index("Group")
    assert table.loc[SMALL, "NPS"] == "hidden: fewer than 5 respondents"
