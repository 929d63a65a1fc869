"""One fixture per export format, written in the tool's real layout, read end to end into the raw tables."""

from __future__ import annotations

import codecs
from datetime import datetime
from pathlib import Path

import pytest
from conftest import TEST_KEY, load, rows
from survey_fixtures import (
    Answer,
    google_forms_csv,
    microsoft_forms_xlsx,
    survey_config,
    typeform_csv,
    write_xlsx,
)

from surveys.exports import GOOGLE_FORMS, MICROSOFT_FORMS, TYPEFORM, SurveyFileError, parse_submitted, read_export
from surveys.identity import hash_identity
from surveys.xlsx import excel_serial_to_datetime, read_first_sheet

ANSWERS = [
    Answer(
        "Ana.Silva@acme.example",
        "Checkout",
        datetime(2026, 9, 15, 9, 31, 2),
        nps="9",
        ease="4",
        docs="2",
        waiting="1",
        lead="Less than one day",
        freq="Between once per day and once per week",
        text="CI builds are slow",
    ),
    Answer(
        "jonas.berg@acme.example",
        "Data Platform",
        datetime(2026, 9, 16, 14, 5, 0),
        nps="6",
        ease="Strongly agree",
        docs="3",
        waiting="4",
        lead="Between one week and one month",
        freq="Once per week\u2013once per month",
    ),
]


def _raw(con, file: str) -> tuple[list[dict], list[dict], list[dict]]:
    responses = rows(con, "SELECT * FROM raw_survey_responses WHERE file = ? ORDER BY row_number", [file])
    answers = rows(con, "SELECT * FROM raw_survey_answers WHERE file = ? ORDER BY row_number, question_id", [file])
    quarantine = rows(con, "SELECT * FROM raw_survey_quarantine WHERE file = ? ORDER BY row_number", [file])
    return responses, answers, quarantine


def _check_two_answers(con, file: str, *, submitted: list[datetime]) -> None:
    responses, answers, quarantine = _raw(con, file)
    assert quarantine == []
    assert [r["row_number"] for r in responses] == [2, 3]
    assert [r["team"] for r in responses] == ["checkout", "data-platform"]
    assert [r["submitted_at"] for r in responses] == submitted
    assert {r["wave"] for r in responses} == {"2026-Q3"}
    # Only the keyed hash is stored, and it is the same hash whatever the case of the address.
    assert responses[0]["respondent"] == hash_identity("ana.silva@acme.example", TEST_KEY.encode())
    assert "acme.example" not in str(responses)
    first = {a["question_id"]: a for a in answers if a["row_number"] == 2}
    second = {a["question_id"]: a for a in answers if a["row_number"] == 3}
    assert first["recommend"]["score"] == 9
    assert (first["ease"]["score"], first["ease"]["favourable"]) == (4, True)
    assert (first["docs"]["score"], first["docs"]["favourable"]) == (2, False)
    # "I often wait on other teams" is reversed: strongly disagreeing is the favourable answer.
    assert (first["waiting"]["score"], first["waiting"]["favourable"]) == (1, True)
    assert (first["lead_time"]["score"], first["deploy_frequency"]["score"]) == (2, 3)
    assert first["improve"]["text"] == "CI builds are slow"
    assert (second["ease"]["score"], second["lead_time"]["score"], second["deploy_frequency"]["score"]) == (5, 4, 4)
    assert "improve" not in second  # unanswered: no row


def test_google_forms_csv(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "google.csv").write_text(google_forms_csv(ANSWERS), encoding="utf-8", newline="")

    summary = load(warehouse, cfg)

    assert [(o.file, o.status, o.responses) for o in summary.outcomes] == [("google.csv", "loaded", 2)]
    # "10:31:02 AM GMT+1" is 09:31:02 UTC.
    _check_two_answers(warehouse, "google.csv", submitted=[a.submitted for a in ANSWERS])
    assert rows(warehouse, "SELECT format FROM raw_survey_files")[0]["format"] == GOOGLE_FORMS


def test_typeform_csv(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "typeform.csv").write_text(typeform_csv(ANSWERS), encoding="utf-8", newline="")

    load(warehouse, cfg)

    _check_two_answers(warehouse, "typeform.csv", submitted=[a.submitted for a in ANSWERS])
    assert rows(warehouse, "SELECT format FROM raw_survey_files")[0]["format"] == TYPEFORM


def test_microsoft_forms_xlsx(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    # Local time in London in September is UTC+1; the workbook holds serial dates with no zone.
    microsoft_forms_xlsx(cfg.surveys.folder / "msforms.xlsx", ANSWERS, local_offset_hours=1)

    load(warehouse, cfg)

    _check_two_answers(warehouse, "msforms.xlsx", submitted=[a.submitted for a in ANSWERS])
    files = rows(warehouse, "SELECT format, encoding FROM raw_survey_files")
    assert files == [{"format": MICROSOFT_FORMS, "encoding": "xlsx"}]


def test_microsoft_forms_name_column_is_never_stored(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    microsoft_forms_xlsx(cfg.surveys.folder / "msforms.xlsx", ANSWERS)
    load(warehouse, cfg)
    stored = str(rows(warehouse, "SELECT * FROM raw_survey_answers")) + str(
        rows(warehouse, "SELECT * FROM raw_survey_responses")
    )
    assert "Ana.Silva" not in stored and "Jonas.Berg" not in stored


def test_byte_order_mark_and_semicolons_as_excel_saves_them(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    # Excel in a comma-decimal locale: UTF-8 with BOM, semicolon-separated, question texts still holding commas.
    text = google_forms_csv(ANSWERS).replace('","', '";"')
    assert text.count(";") > 10
    (cfg.surveys.folder / "resaved.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))

    load(warehouse, cfg)

    _check_two_answers(warehouse, "resaved.csv", submitted=[a.submitted for a in ANSWERS])
    files = rows(warehouse, "SELECT encoding, delimiter FROM raw_survey_files")
    assert files == [{"encoding": "utf-8-sig", "delimiter": ";"}]


def test_utf16_with_bom_and_tabs(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    text = google_forms_csv(ANSWERS).replace('","', '"\t"')
    (cfg.surveys.folder / "unicode.txt").write_bytes(text.encode("utf-16"))  # BOM included
    load(warehouse, cfg)
    _check_two_answers(warehouse, "unicode.txt", submitted=[a.submitted for a in ANSWERS])


def test_windows_1252_text(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    answers = [Answer("zoe@acme.example", "Checkout", datetime(2026, 9, 15, 9, 0), nps="10", text="Café docs, naïve")]
    (cfg.surveys.folder / "ansi.csv").write_bytes(google_forms_csv(answers).encode("cp1252"))
    load(warehouse, cfg)
    texts = rows(warehouse, "SELECT text FROM raw_survey_answers WHERE text IS NOT NULL")
    assert texts == [{"text": "Café docs, naïve"}]


def test_excel_serial_dates_in_a_resaved_csv(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    text = google_forms_csv(ANSWERS)
    # Excel turned both timestamps into serial numbers (local London time, no zone).
    text = text.replace("2026/09/15 10:31:02 AM GMT+1", "46280.43821759259").replace(
        "2026/09/16 3:05:00 PM GMT+1", "46281.62847222222"
    )
    (cfg.surveys.folder / "serials.csv").write_text(text, encoding="utf-8")
    load(warehouse, cfg)
    _check_two_answers(warehouse, "serials.csv", submitted=[a.submitted for a in ANSWERS])


def test_day_first_dates_are_recognised_per_file(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    text = google_forms_csv(ANSWERS)
    # Excel (UK) rewrote the timestamps day-first; 16/09 shows the order, so 15/09... is the 15th of September.
    text = text.replace("2026/09/15 10:31:02 AM GMT+1", "15/09/2026 10:31").replace(
        "2026/09/16 3:05:00 PM GMT+1", "16/09/2026 15:05"
    )
    (cfg.surveys.folder / "uk.csv").write_text(text, encoding="utf-8")
    load(warehouse, cfg)
    responses = rows(warehouse, "SELECT submitted_at FROM raw_survey_responses ORDER BY row_number")
    assert [r["submitted_at"] for r in responses] == [datetime(2026, 9, 15, 9, 31), datetime(2026, 9, 16, 14, 5)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026/09/15 10:31:02 AM GMT+1", datetime(2026, 9, 15, 9, 31, 2)),
        ("2026/01/15 10:31:02 PM GMT", datetime(2026, 1, 15, 22, 31, 2)),
        ("2026/09/15 10:31:02 AM GMT-05:00", datetime(2026, 9, 15, 15, 31, 2)),
        ("9/15/2026 10:31:02", datetime(2026, 9, 15, 9, 31, 2)),  # month-first, London summer time
        ("2026-09-15T10:31:02Z", datetime(2026, 9, 15, 10, 31, 2)),
        ("2026-09-15 10:31:02", datetime(2026, 9, 15, 9, 31, 2)),
        (46280.43821759259, datetime(2026, 9, 15, 9, 31, 2)),
    ],
)
def test_submission_times(text, expected: datetime) -> None:
    assert parse_submitted(text, local_zone="Europe/London", in_utc=False) == expected


@pytest.mark.parametrize("text", ["", "soon", "31/31/2026 10:00", "12.5", "99999999"])
def test_submission_times_that_are_not_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_submitted(text, local_zone="UTC", in_utc=True)


def test_excel_serial_dates_both_date_systems() -> None:
    assert excel_serial_to_datetime(46280.5) == datetime(2026, 9, 15, 12, 0)
    assert excel_serial_to_datetime(1.25) == datetime(1899, 12, 31, 6, 0)
    # The 1904 system (old Mac workbooks) counts from 1 Jan 1904.
    assert excel_serial_to_datetime(44818.5, date1904=True) == datetime(2026, 9, 15, 12, 0)


def test_xlsx_reader_fills_gaps_and_reads_inline_and_rich_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", [["a", None, "c"], [1, "x", None], [None, None, 3.5]])
    sheet = read_first_sheet(path)
    assert sheet.rows == (("a", None, "c"), (1.0, "x", None), (None, None, 3.5))
    assert sheet.row_numbers == (1, 2, 3)


def test_a_file_of_no_known_layout_is_refused_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Name,Score\nann,3\n", encoding="utf-8")
    with pytest.raises(SurveyFileError, match=r"not a Google Forms.*'Name', 'Score'"):
        read_export(path)


def test_an_xlsx_named_csv_is_explained(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", [["ID"]])
    wrong = tmp_path / "book.csv"
    wrong.write_bytes(path.read_bytes())
    with pytest.raises(SurveyFileError, match=r"rename it to \.xlsx"):
        read_export(wrong)
