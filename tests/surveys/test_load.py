"""A file loads once per content; a corrected file replaces its earlier version; the hash key guards identity."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import LOADED_AT, load, load_and_compute, rows
from survey_fixtures import Answer, google_forms_csv, survey_config

from surveys.identity import DEMO_KEY, SurveyKeyError, hash_identity, survey_key
from surveys.load import export_files

ANSWERS = [
    Answer("a@acme.example", "Checkout", datetime(2026, 9, 15, 9, 0), nps="9"),
    Answer("b@acme.example", "Checkout", datetime(2026, 9, 15, 10, 0), nps="4"),
]


def _snapshot(con) -> list[tuple]:
    return con.execute(
        "SELECT r.file, r.row_number, r.respondent, a.question_id, a.score FROM raw_survey_responses r "
        "JOIN raw_survey_answers a USING (file, row_number) ORDER BY ALL"
    ).fetchall()


def test_the_same_file_dropped_again_adds_nothing(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    path = cfg.surveys.folder / "wave.csv"
    path.write_text(google_forms_csv(ANSWERS), encoding="utf-8")
    first = load(warehouse, cfg)
    before = _snapshot(warehouse)

    path.write_text(google_forms_csv(ANSWERS), encoding="utf-8")  # dropped again, same bytes
    second = load(warehouse, cfg, loaded_at=datetime(2026, 11, 26))

    assert [o.status for o in first.outcomes] == ["loaded"]
    assert [o.status for o in second.outcomes] == ["unchanged"]
    assert _snapshot(warehouse) == before
    # Not even re-stamped: the file was not read again.
    assert rows(warehouse, "SELECT loaded_at FROM raw_survey_files") == [{"loaded_at": LOADED_AT}]


def test_a_copy_under_another_name_is_recorded_as_a_duplicate(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    path = cfg.surveys.folder / "wave.csv"
    path.write_text(google_forms_csv(ANSWERS), encoding="utf-8")
    load(warehouse, cfg)
    before = _snapshot(warehouse)
    shutil.copy(path, cfg.surveys.folder / "wave (1).csv")

    summary = load(warehouse, cfg)

    assert {o.file: o.status for o in summary.outcomes} == {"wave (1).csv": "duplicate", "wave.csv": "unchanged"}
    assert _snapshot(warehouse) == before
    files = rows(warehouse, "SELECT file, status FROM raw_survey_files ORDER BY file")
    assert files == [
        {"file": "wave (1).csv", "status": "duplicate of wave.csv"},
        {"file": "wave.csv", "status": "loaded"},
    ]


def test_a_corrected_file_replaces_its_earlier_version(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    path = cfg.surveys.folder / "wave.csv"
    path.write_text(google_forms_csv([*ANSWERS, Answer("c@acme.example", "Checkout", ANSWERS[0].submitted, nps="11")]))
    load_and_compute(warehouse, cfg)
    assert len(rows(warehouse, "SELECT * FROM survey_quarantine")) == 1

    corrected = [ANSWERS[0], Answer("c@acme.example", "Checkout", ANSWERS[0].submitted, nps="10")]
    path.write_text(google_forms_csv(corrected), encoding="utf-8")
    summary = load_and_compute(warehouse, cfg)

    assert [o.status for o in summary.outcomes] == ["loaded"]
    scores = [(r[1], r[4]) for r in _snapshot(warehouse)]
    assert scores == [(2, 9), (3, 10)]  # b@ is gone with the old version; c@ now loads
    assert rows(warehouse, "SELECT * FROM survey_quarantine") == []


def test_a_configuration_change_reads_every_file_again(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "wave.csv").write_text(google_forms_csv(ANSWERS), encoding="utf-8")
    load(warehouse, cfg)
    changed = survey_config(tmp_path, team_aliases={"Checkout": "identity"})
    summary = load(warehouse, changed)
    assert [o.status for o in summary.outcomes] == ["loaded"]
    assert {r["team"] for r in rows(warehouse, "SELECT team FROM raw_survey_responses")} == {"identity"}


def test_a_new_key_rehashes_every_respondent(tmp_path: Path, warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "wave.csv").write_text(google_forms_csv(ANSWERS), encoding="utf-8")
    load(warehouse, cfg)
    monkeypatch.setenv("PULSE_SURVEY_KEY", "another-key")
    assert [o.status for o in load(warehouse, cfg).outcomes] == ["loaded"]
    stored = {r["respondent"] for r in rows(warehouse, "SELECT respondent FROM raw_survey_responses")}
    assert stored == {hash_identity(a.email, b"another-key") for a in ANSWERS}


def test_no_key_no_load_unless_the_demo_allows_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSE_SURVEY_KEY")
    with pytest.raises(SurveyKeyError, match=r"\$PULSE_SURVEY_KEY is not set"):
        survey_key(survey_config(tmp_path).surveys)
    key = survey_key(survey_config(tmp_path, allow_demo_key=True).surveys)
    assert key.is_demo and key.value == DEMO_KEY


def test_the_key_variable_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_SURVEY_SECRET", "s3cret")
    key = survey_key(survey_config(tmp_path, key_env="ACME_SURVEY_SECRET").surveys)
    assert key.value == b"s3cret" and not key.is_demo


def test_a_warehouse_with_the_old_answer_table_is_upgraded(tmp_path: Path, warehouse) -> None:
    warehouse.execute(
        "CREATE TABLE raw_survey_answers (file TEXT, row_number INTEGER, submitted_at TIMESTAMP, respondent TEXT, "
        "team TEXT, question TEXT, answer TEXT, loaded_at TIMESTAMP)"
    )
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "wave.csv").write_text(google_forms_csv(ANSWERS), encoding="utf-8")
    load_and_compute(warehouse, cfg)
    assert len(_snapshot(warehouse)) == 2


def test_only_export_files_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("a.csv", "b.XLSX", "c.txt", ".hidden.csv", "~$open.xlsx", "notes.md", "roster.csv"):
        (folder / name).write_text("x")
    (folder / "sub").mkdir()
    assert [p.name for p in export_files(folder, exclude=folder / "roster.csv")] == ["a.csv", "b.XLSX", "c.txt"]
