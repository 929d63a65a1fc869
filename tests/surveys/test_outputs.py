"""Every output (command line, weekly report, dashboard) shows the published figures and hides the small team."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from survey_fixtures import SMALL_TEAM

from pulse.cli import main as pulse_main
from reporting.surveys import add_survey_section, latest_wave_ended, survey_report_sections
from surveys.cli import surveys_command

PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "app_pages" / "surveys.py"
HIDDEN_REASON = "hidden: fewer than 5 respondents"


def _run(serving_db: Path, *args: str) -> str:
    out = io.StringIO()
    assert surveys_command(serving_db, *args, out=out) == 0
    return out.getvalue()


def test_cli_json_has_no_figure_for_the_small_team(serving_db: Path) -> None:
    doc = json.loads(_run(serving_db, "2026-Q3", "json"))
    assert doc["wave"]["wave"] == "2026-Q3" and doc["wave"]["min_group_size"] == 5
    small = [
        r
        for section in ("nps", "participation", "likert", "dora", "themes")
        for r in doc[section]
        if r["group_name"] == SMALL_TEAM
    ]
    assert small and all(r["suppressed"] for r in small)
    for r in small:
        for column in (
            "n",
            "nps",
            "nps_low",
            "nps_high",
            "promoters_pct",
            "favourable_pct",
            "respondents",
            "response_rate",
            "mentions",
            "self_reported",
            "bucket_counts",
        ):
            assert r.get(column) is None, (column, r)
    assert not any(c["team"] in (SMALL_TEAM, "identity") for c in doc["comments"])
    org = next(r for r in doc["nps"] if r["scope"] == "organisation")
    assert org["n"] == 34 and org["nps"] is not None


def test_cli_table_and_csv(serving_db: Path) -> None:
    table = _run(serving_db, None, "table")
    assert table.startswith("Developer survey 2026-Q4 (2026-11-01 to 2026-11-30)")
    line = next(line for line in table.splitlines() if f" {SMALL_TEAM} " in line and "recommend" in line)
    assert HIDDEN_REASON in line
    assert "Satisfaction by topic" in table and "DORA: self-reported" in table and "Free-text themes" in table

    records = list(csv.DictReader(io.StringIO(_run(serving_db, "2026-Q3", "csv"))))
    small = next(r for r in records if r["group_name"] == SMALL_TEAM)
    assert small["nps"] == "" and small["n"] == "" and small["suppressed"] == "True"
    change = next(r for r in records if r["scope"] == "organisation")
    assert change["previous_wave"] == ""


def test_cli_unknown_wave_and_missing_data(
    serving_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert surveys_command(serving_db, "2020-Q1", "table") == 1
    assert "no survey wave '2020-Q1'; known waves: 2026-Q3, 2026-Q4" in capsys.readouterr().err
    assert surveys_command(tmp_path / "nothing.duckdb", None, "table") == 1
    assert "no serving copy yet" in capsys.readouterr().err


def test_pulse_surveys_subcommand(serving_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pulse-cli.yaml"
    config.write_text(
        f"github:\n  organisation: acme\nwarehouse:\n  path: {tmp_path / 'w.duckdb'}\n  serving_path: {serving_db}\n"
    )
    assert pulse_main(["--config", str(config), "surveys", "--wave", "2026-Q3", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["wave"]["wave"] == "2026-Q3"


def test_report_section_uses_the_latest_ended_wave_and_hides_the_small_team(serving_db: Path) -> None:
    assert latest_wave_ended(serving_db, date(2026, 11, 29)) == "2026-Q3"  # Q4 ends 30 Nov
    assert latest_wave_ended(serving_db, date(2026, 12, 6)) == "2026-Q4"
    assert latest_wave_ended(serving_db, date(2026, 9, 20)) is None
    sections = survey_report_sections(serving_db, date(2026, 12, 6))
    (nps,) = [s for s in sections if s["title"] == "Developer survey 2026-Q4"]
    small = next(row for row in nps["rows"] if row[0] == SMALL_TEAM)
    assert small[3] == HIDDEN_REASON and set(small[1:3] + small[4:]) == {"—"}
    assert nps["header"][-1] == "vs 2026-Q3"
    assert any(s["title"] == "Satisfaction by topic" for s in sections)


def test_report_markdown_and_html_carry_the_section(serving_db: Path) -> None:
    from reporting.weekly import _Document, _Section, _to_html, _to_markdown

    doc = _Document("Weekly DORA report", (_Section("Teams", 2), _Section("How to read this", 2)))
    with_surveys = add_survey_section(doc, serving_db, date(2026, 12, 6))
    titles = [s.title for s in with_surveys.sections]
    assert titles[0] == "Teams" and titles[-1] == "How to read this"
    assert "Developer survey 2026-Q4" in titles
    markdown = _to_markdown(with_surveys)
    assert f"| {SMALL_TEAM} | — | — | {HIDDEN_REASON} |" in markdown
    assert HIDDEN_REASON in _to_html(with_surveys)
    # No serving survey tables (or no ended wave): the report is unchanged.
    assert add_survey_section(doc, serving_db, date(2026, 9, 20)) is doc


def test_dashboard_page_hides_the_small_team(serving_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(serving_db))
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Developer surveys"
    assert at.selectbox(key="survey_wave").value == "2026-Q4"
    at.selectbox(key="survey_wave").select("2026-Q3").run()
    assert not at.exception
    nps = at.dataframe[0].value.set_index("Group")
    assert nps.loc[SMALL_TEAM, "NPS"] == HIDDEN_REASON
    assert nps.loc[SMALL_TEAM, "Respondents"] == "—"
    assert nps.loc["acme (organisation)", "Respondents"] == "34"
    cards = {m.label: m for m in at.metric}
    assert cards["Respondents"].value == "34"
    comments = [t.value for t in at.text]
    assert any("billing secret" in c for c in comments)
    assert not any(SMALL_TEAM in c or "identity" in c for c in comments)


def test_dashboard_page_without_survey_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    empty = tmp_path / "serving.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("PULSE_SERVING_DB", str(empty))
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    assert not at.exception
    assert "No survey results yet" in at.info[0].value
