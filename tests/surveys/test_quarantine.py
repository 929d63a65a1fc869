"""Each kind of bad input goes to the quarantine with its file, row and reason, and the good rows still load."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from conftest import load, load_and_compute, rows
from survey_fixtures import EASE_Q, NPS_Q, TEAM_Q, Answer, google_forms_csv, survey_config, typeform_csv

SEP = datetime(2026, 9, 15, 9, 0)


def _good(email: str = "good@acme.example", team: str = "Checkout", **values: str) -> Answer:
    return Answer(email, team, SEP, nps=values.pop("nps", "8"), ease=values.pop("ease", "4"), **values)


def _quarantine(con) -> list[tuple[str, int, str]]:
    return [(r["file"], r["row_number"], r["reason"]) for r in rows(con, "SELECT * FROM survey_quarantine")]


def _loaded_rows(con, file: str) -> list[int]:
    found = rows(con, "SELECT row_number FROM raw_survey_responses WHERE file = ? ORDER BY 1", [file])
    return [r["row_number"] for r in found]


def _write(cfg, name: str, answers: list[Answer]) -> None:
    (cfg.surveys.folder / name).write_text(google_forms_csv(answers), encoding="utf-8", newline="")


def test_out_of_range_and_non_numeric_scores(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    _write(
        cfg,
        "scores.csv",
        [
            _good("a@acme.example", nps="11"),
            _good("b@acme.example", nps="ten"),
            _good("c@acme.example", ease="6"),
            _good("d@acme.example", nps="7.5"),
            _good("e@acme.example", nps="10/01/2026"),
            _good("f@acme.example", nps="10", ease="Agree"),
        ],
    )
    load_and_compute(warehouse, cfg)

    found = _quarantine(warehouse)
    assert [(f, r) for f, r, _ in found] == [("scores.csv", n) for n in (2, 3, 4, 5, 6)]
    reasons = [reason for _, _, reason in found]
    assert reasons[0] == f"{NPS_Q!r} (nps): '11' is not a whole number from 0 to 10"
    assert "'ten' is not a whole number from 0 to 10" in reasons[1]
    assert reasons[2] == f"{EASE_Q!r} (likert): '6' is not an agreement score from 1 to 5"
    assert "'7.5' is not a whole number" in reasons[3]
    assert "a spreadsheet may have turned it into a date" in reasons[4]
    # The one good row loads, with every answer it gave.
    assert _loaded_rows(warehouse, "scores.csv") == [7]


def test_unknown_team(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    _write(cfg, "teams.csv", [_good("a@acme.example", team="Data Platfrom"), _good("b@acme.example")])
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == [
        (
            "teams.csv",
            2,
            f"{TEAM_Q!r}: unknown team 'Data Platfrom' (add it to surveys.team_aliases, or the team under teams)",
        )
    ]
    assert _loaded_rows(warehouse, "teams.csv") == [3]


def test_duplicate_submissions_the_latest_counts(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    _write(
        cfg,
        "wave.csv",
        [
            Answer("pat@acme.example", "Checkout", datetime(2026, 9, 15, 9, 0), nps="3"),
            Answer("other@acme.example", "Checkout", datetime(2026, 9, 15, 10, 0), nps="9"),
            Answer("PAT@acme.example ", "Checkout", datetime(2026, 9, 16, 9, 0), nps="10"),
        ],
    )
    # The same person again, later, in another tool's export of the same wave.
    (cfg.surveys.folder / "late.csv").write_text(
        typeform_csv([Answer("pat@acme.example", "Checkout", datetime(2026, 9, 20, 9, 0), nps="8")]), encoding="utf-8"
    )
    load_and_compute(warehouse, cfg)

    found = _quarantine(warehouse)
    assert [(f, r) for f, r, _ in found] == [("wave.csv", 2), ("wave.csv", 4)]
    assert found[0][2].startswith("duplicate submission: the same respondent answered wave 2026-Q3 again in late.csv")
    scores = rows(
        warehouse,
        "SELECT r.file, a.score FROM survey_responses r JOIN raw_survey_answers a USING (file, row_number) "
        "WHERE a.question_id = 'recommend' ORDER BY a.score",
    )
    assert scores == [{"file": "late.csv", "score": 8}, {"file": "wave.csv", "score": 9}]


def test_a_header_that_matches_no_question(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    text = google_forms_csv([_good()]).replace("What should the platform team improve?", "Any other comments?")
    (cfg.surveys.folder / "edited.csv").write_text(text, encoding="utf-8")
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == [
        (
            "edited.csv",
            1,
            "column J 'Any other comments?': matches no configured question; its answers are not loaded "
            "(add the header under surveys.questions, with type: ignore to skip it)",
        )
    ]
    assert _loaded_rows(warehouse, "edited.csv") == [2]


def test_a_renamed_header_listed_as_an_old_text_of_the_question_still_maps(tmp_path: Path, warehouse) -> None:
    from survey_fixtures import QUESTIONS

    questions = {**QUESTIONS, "improve": {"type": "text", "headers": ["Any other comments?", "What to improve?"]}}
    cfg = survey_config(tmp_path, questions=questions)
    text = google_forms_csv([_good(text="docs")]).replace(
        "What should the platform team improve?", "ANY other  comments?"
    )
    (cfg.surveys.folder / "edited.csv").write_text(text, encoding="utf-8")
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == []
    assert rows(warehouse, "SELECT text FROM raw_survey_answers WHERE question_id = 'improve'") == [{"text": "docs"}]


def test_typeform_partial_responses(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    answers = [_good("a@acme.example"), _good("b@acme.example")]
    (cfg.surveys.folder / "tf.csv").write_text(typeform_csv(answers, partial={0}), encoding="utf-8")
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == [("tf.csv", 2, "'Response Type' is 'partial': the response was never submitted")]
    assert _loaded_rows(warehouse, "tf.csv") == [3]


def test_submissions_outside_every_wave(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    early = Answer("a@acme.example", "Checkout", datetime(2026, 10, 10, 12, 0), nps="9")
    _write(cfg, "october.csv", [early, _good()])
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == [
        ("october.csv", 2, "submitted 2026-10-10 12:00 UTC, outside every configured wave (surveys.waves)")
    ]


def test_a_row_with_extra_fields(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    lines = google_forms_csv([_good("a@acme.example"), _good("b@acme.example")]).split("\r\n")
    lines[1] += ',"stray"'
    (cfg.surveys.folder / "ragged.csv").write_text("\r\n".join(lines), encoding="utf-8")
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == [("ragged.csv", 2, "11 fields, the header has 10 (a stray separator or quote?)")]
    assert _loaded_rows(warehouse, "ragged.csv") == [3]


def test_an_unreadable_timestamp(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    text = google_forms_csv([_good()]).replace("2026/09/15 10:00:00 AM GMT+1", "yesterday")
    (cfg.surveys.folder / "when.csv").write_text(text, encoding="utf-8")
    load_and_compute(warehouse, cfg)
    assert _quarantine(warehouse) == [("when.csv", 2, "'Timestamp': 'yesterday' is not a date")]


def test_a_dora_answer_that_is_not_an_option(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    _write(cfg, "dora.csv", [_good(lead="It depends")])
    load_and_compute(warehouse, cfg)
    (found,) = _quarantine(warehouse)
    assert "'It depends' is not one of the answer options (surveys.questions.lead_time.choices)" in found[2]


def test_no_team_uses_the_roster_or_is_quarantined(tmp_path: Path, warehouse) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Email;Team\nknown@acme.example;identity\nbad-address;identity\nx@acme.example;nope\n")
    cfg = survey_config(tmp_path, roster=str(roster))
    _write(cfg, "noteam.csv", [_good("known@acme.example", team=""), _good("stranger@acme.example", team="")])
    load_and_compute(warehouse, cfg)
    assert rows(warehouse, "SELECT team FROM raw_survey_responses") == [{"team": "identity"}]
    assert _quarantine(warehouse) == [
        (
            "noteam.csv",
            3,
            "no team: the team question is unanswered or absent and the respondent is not on the roster",
        ),
        ("roster.csv", 3, "roster: 'bad-address' is not an e-mail address"),
        ("roster.csv", 4, "roster: unknown team 'nope'"),
    ]


def test_an_unreadable_file_does_not_stop_the_others(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "notes.csv").write_text("Name,Score\nann,3\n", encoding="utf-8")
    _write(cfg, "good.csv", [_good()])
    summary = load(warehouse, cfg)
    assert {o.file: o.status for o in summary.outcomes} == {"good.csv": "loaded", "notes.csv": "unreadable"}
    found = rows(warehouse, "SELECT file, row_number, reason FROM raw_survey_quarantine")
    assert found[0]["file"] == "notes.csv" and found[0]["row_number"] == 1
    assert found[0]["reason"].startswith("file not read: row 1: not a Google Forms")
    assert _loaded_rows(warehouse, "good.csv") == [2]
