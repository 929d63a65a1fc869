"""The ``surveys`` section of the demo configuration, for the sample organisation's Google Forms exports.

The sample's team question is answered with display names ("Data Platform") while team keys are slugs
("data-platform"): the aliases map one to the other, as a real organisation would for its form's options.
Waves are the date ranges the exports cover; the roster lists every member of every team.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from surveys.exports import RawExport, normalise_header, parse_submitted, read_export
from surveys.responses import quarter_wave

# The sample's question texts (sandbox/sample_org.py) and the topics they belong to.
DEMO_LIKERT_TOPICS = {
    "The platform makes it easy to ship a change": ("ease", "ease of use"),
    "Documentation helps me find what I need": ("docs", "documentation quality"),
    "I can get a working development environment quickly": ("dev_env", "feedback loops"),
    "I rarely wait on other teams to get my work done": ("waiting", "flow"),
}
DEMO_THEMES = {
    "CI and build speed": ["ci", "build", "builds", "pipeline"],
    "documentation": ["docs", "documentation"],
    "environments": ["staging", "environment", "dev setup", "preview environments", "bootstrap"],
    "self-service and access": ["self-service", "access", "secrets", "databases"],
    "release process": ["release", "manual steps", "checklist", "golden path"],
    "on-call": ["on-call"],
}


def _covered_dates(export: RawExport, timezone: str) -> tuple[date, date] | None:
    names = [normalise_header(h) for h in export.header]
    col = names.index(export.layout.submitted_header)
    days = []
    for row in export.rows:
        try:
            moment = parse_submitted(
                row.cells[col],
                local_zone=timezone,
                in_utc=export.layout.submitted_in_utc,
                day_first=export.day_first,
                date1904=export.date1904,
            )
        except (ValueError, IndexError):
            continue
        days.append(moment.date())
    return (min(days), max(days)) if days else None


def demo_waves(survey_dir: Path, timezone: str) -> list[dict[str, str]]:
    """One wave per export file's date range (overlapping ranges merged), named by the quarter it starts in."""
    ranges: list[tuple[date, date]] = []
    for path in sorted(survey_dir.iterdir()):
        try:
            covered = _covered_dates(read_export(path), timezone)
        except (ValueError, OSError):
            continue
        if covered:
            ranges.append(covered)
    merged: list[list[date]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    waves, used = [], set()
    for start, end in merged:
        wave_id = quarter_wave(start).id
        if wave_id in used:
            wave_id = f"{wave_id}-{start:%m%d}"
        used.add(wave_id)
        waves.append({"id": wave_id, "start": start.isoformat(), "end": end.isoformat()})
    return waves


def write_demo_roster(org: Any, path: Path) -> Path:
    """Every sample team member with their team. The sample's addresses are ``first.last@<org>.example``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "team"])
        for name, team in sorted(org.teams.items()):
            for login in team.members:
                if login:
                    writer.writerow([f"{login.replace('-', '.')}@{org.organisation}.example", name])
    return path


def demo_survey_config(org: Any, survey_dir: Path, demo_dir: Path, timezone: str = "Europe/London") -> dict:
    """The ``surveys`` section for the sample organisation (writes its roster file into ``demo_dir``)."""
    from sandbox.sample_org import SURVEY_FREE_TEXT_QUESTION, SURVEY_NPS_QUESTION, SURVEY_TEAM_QUESTION

    questions: dict[str, dict[str, Any]] = {
        "team": {"type": "team", "headers": [SURVEY_TEAM_QUESTION]},
        "recommend": {"type": "nps", "headers": [SURVEY_NPS_QUESTION]},
    }
    for header, (qid, topic) in DEMO_LIKERT_TOPICS.items():
        questions[qid] = {"type": "likert", "topic": topic, "headers": [header]}
    questions["improve"] = {"type": "text", "headers": [SURVEY_FREE_TEXT_QUESTION]}
    return {
        "folder": str(survey_dir),
        # The demo's respondents are made up; a real installation sets $PULSE_SURVEY_KEY instead.
        "allow_demo_key": True,
        "min_group_size": 5,
        "roster": str(write_demo_roster(org, Path(demo_dir) / "survey-roster.csv")),
        "team_aliases": {team.display_name: name for name, team in sorted(org.teams.items())},
        "waves": demo_waves(Path(survey_dir), timezone),
        "questions": questions,
        "themes": DEMO_THEMES,
    }
