"""The `surveys` configuration section and `teams.<team>.department`: defaults, and errors that name the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from survey_fixtures import survey_config, survey_doc

from pulse.config import ConfigError, SurveyConfig, parse_config


def _parse(tmp_path: Path, **surveys) -> None:
    parse_config(survey_doc(tmp_path, **surveys), base_dir=tmp_path)


def test_defaults() -> None:
    cfg = parse_config({"github": {"organisation": "acme"}}, base_dir=Path("/srv/pulse"))
    assert cfg.surveys.folder == Path("/srv/pulse/surveys/exports")
    assert (cfg.surveys.min_group_size, cfg.surveys.key_env, cfg.surveys.allow_demo_key) == (
        5,
        "PULSE_SURVEY_KEY",
        False,
    )
    assert cfg.surveys.waves == () and cfg.surveys.questions == () and cfg.surveys.roster is None
    assert SurveyConfig().min_group_size == 5


def test_a_full_section(tmp_path: Path) -> None:
    cfg = survey_config(tmp_path, min_group_size=7)
    assert cfg.surveys.min_group_size == 7
    assert [w.id for w in cfg.surveys.waves] == ["2026-Q3", "2026-Q4"]
    assert cfg.surveys.waves[0].start == date(2026, 9, 1)
    waiting = next(q for q in cfg.surveys.questions if q.id == "waiting")
    assert (waiting.type, waiting.topic, waiting.reverse) == ("likert", "flow", True)
    assert dict(cfg.surveys.team_aliases)["Data Platform"] == "data-platform"
    assert {t.name: t.department for t in cfg.teams}["billing"] == "Commerce"
    assert {t.name: t.department for t in cfg.teams}["search"] is None


@pytest.mark.parametrize(
    ("surveys", "message"),
    [
        ({"min_group_size": 2}, r"surveys\.min_group_size: must be a whole number >= 3"),
        ({"team_aliases": {"Data Platform": "data"}}, r"surveys\.team_aliases\.Data Platform: 'data' is not a team"),
        (
            {"waves": [{"id": "Q3", "start": "2026-09-01", "end": "2026-08-01"}]},
            r"surveys\.waves\[0\]\.end: 2026-08-01",
        ),
        (
            {"waves": [{"id": "Q3", "start": "1 Sept", "end": "2026-08-01"}]},
            r"surveys\.waves\[0\]\.start: must be a date",
        ),
        ({"waves": [{"start": "2026-09-01", "end": "2026-09-30"}]}, r"surveys\.waves\[0\]\.id: is required"),
        (
            {
                "waves": [
                    {"id": "a", "start": "2026-09-01", "end": "2026-09-30"},
                    {"id": "b", "start": "2026-09-30", "end": "2026-10-30"},
                ]
            },
            r"surveys\.waves\[1\]: b .* overlaps a",
        ),
        ({"questions": {"x": {"type": "stars", "headers": ["X"]}}}, r"surveys\.questions\.x\.type: must be one of"),
        ({"questions": {"x": {"type": "nps"}}}, r"surveys\.questions\.x\.headers: is required"),
        (
            {"questions": {"x": {"type": "nps", "headers": ["X"], "topic": "t"}}},
            r"questions\.x\.topic: applies to likert",
        ),
        ({"questions": {"x": {"type": "dora_lead_time", "headers": ["X"], "choices": ["a"]}}}, r"lists the 6 answer"),
        (
            {"questions": {"x": {"type": "nps", "headers": ["Same"]}, "y": {"type": "text", "headers": ["same "]}}},
            r"surveys\.questions\.y\.headers: 'same' is already a header of question 'x'",
        ),
        (
            {"questions": {"x": {"type": "nps", "headers": ["X"], "weight": 2}}},
            r"surveys\.questions\.x\.weight: unknown key",
        ),
        ({"themes": {"ci": []}}, r"surveys\.themes\.ci: must be a list of keywords"),
        ({"roster": "missing.csv"}, r"surveys\.roster: file not found"),
        ({"key_env": "my key"}, r"surveys\.key_env: must be an environment variable name"),
        ({"allow_demo_key": "yes"}, r"surveys\.allow_demo_key: must be true or false"),
        ({"colour": "blue"}, r"surveys\.colour: unknown key"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, surveys: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _parse(tmp_path, **surveys)


def test_department_must_be_text(tmp_path: Path) -> None:
    doc = survey_doc(tmp_path)
    doc["teams"]["search"]["department"] = ["a"]
    with pytest.raises(ConfigError, match=r"teams\.search\.department: must be a non-empty string"):
        parse_config(doc, base_dir=tmp_path)
