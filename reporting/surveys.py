"""The developer-survey section of the weekly report: the latest wave that had ended by the report's week.

Reads only the published survey tables, so hidden groups stay hidden here too: their rows say why, with no
figure. Nothing is added when the serving copy has no survey results or no wave had ended yet.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from surveys.presentation import (
    DASH,
    change_text,
    count_text,
    group_label,
    hidden_text,
    interval_text,
    nps_text,
    percent_text,
    rate_text,
)
from surveys.queries import SurveyDataError, SurveyResults, read_results, read_waves

TOP_THEMES = 5


def latest_wave_ended(serving_db: Path, week_end: date) -> str | None:
    """The id of the latest wave whose last day is on or before ``week_end``; None when there is none."""
    try:
        waves = read_waves(serving_db)
    except SurveyDataError:
        return None
    ended = [w for w in waves if w.end_date <= week_end]
    return ended[-1].wave if ended else None


def _nps_rows(results: SurveyResults) -> list[tuple[str, ...]]:
    rows = []
    question = results.nps[0]["question_id"] if results.nps else None
    for r in results.nps:
        if r["question_id"] != question:
            continue  # the first NPS question only: a report shows one headline number per group
        if r["suppressed"]:
            rows.append((group_label(r), DASH, DASH, hidden_text(r), DASH, DASH))
        else:
            rows.append(
                (
                    group_label(r),
                    count_text(r["n"]),
                    rate_text(r["response_rate"]),
                    nps_text(r["nps"]),
                    interval_text(r["nps_low"], r["nps_high"]),
                    change_text(r["nps_change"]),
                )
            )
    return rows


def survey_report_sections(serving_db: Path, week_end: date) -> list[dict[str, Any]]:
    """The survey section as plain data: a list of {title, level, paragraphs, header, rows, bullets}."""
    wave_id = latest_wave_ended(serving_db, week_end)
    if wave_id is None:
        return []
    results = read_results(serving_db, wave_id)
    wave = results.wave
    organisation = next((r for r in results.participation if r["scope"] == "organisation"), None)
    counts = ""
    if organisation is not None and not organisation["suppressed"]:
        rate = organisation["response_rate"]
        of_roster = f" ({rate_text(rate)} of the roster)" if rate else ""
        counts = f" {organisation['respondents']} respondents{of_roster}."
    intro = (
        f"Wave {wave.wave}, {wave.start_date:%d %b} to {wave.end_date:%d %b %Y}.{counts} "
        f"Groups with fewer than {wave.min_group_size} respondents are hidden, and so is any group whose figures "
        "would let a hidden one be worked out from the totals. NPS runs from -100 to +100 with its 90% interval."
    )
    sections: list[dict[str, Any]] = [
        {
            "title": f"Developer survey {wave.wave}",
            "level": 2,
            "paragraphs": (intro,),
            "header": ("Group", "Respondents", "Response rate", "NPS", "90% interval", f"vs {wave.previous_wave}")
            if results.nps and wave.previous_wave
            else ("Group", "Respondents", "Response rate", "NPS", "90% interval", "Change"),
            "rows": _nps_rows(results),
        }
    ]
    topics = [r for r in results.likert if r["question_id"] is None and r["scope"] == "organisation"]
    if topics:
        sections.append(
            {
                "title": "Satisfaction by topic",
                "level": 3,
                "paragraphs": ("Share of answers that agree or strongly agree, for the whole organisation.",),
                "header": ("Topic", "Favourable", "Answers"),
                "rows": [
                    (r["topic"], percent_text(r["favourable_pct"]), count_text(r["n"]))
                    if not r["suppressed"]
                    else (r["topic"], "hidden", DASH)
                    for r in topics
                ],
            }
        )
    themes = [r for r in results.themes if r["scope"] == "organisation" and not r["suppressed"] and r["mentions"]]
    if themes:
        themes.sort(key=lambda r: -r["mentions"])
        sections.append(
            {
                "title": "What people wrote about",
                "level": 3,
                "bullets": tuple(
                    f"{r['theme']}: {r['mentions']} respondents ({rate_text(r['share'])})" for r in themes[:TOP_THEMES]
                ),
            }
        )
    return sections


def add_survey_section(doc: Any, serving_db: Path, week_end: date) -> Any:
    """``doc`` (the weekly report's document) with the survey section before "How to read this"."""
    # Imported here: reporting.weekly calls this function, so a module-level import would be circular.
    from reporting.weekly import _Cell, _Section, _Table

    try:
        parts = survey_report_sections(serving_db, week_end)
    except SurveyDataError:
        return doc
    if not parts:
        return doc
    sections = []
    for part in parts:
        table = None
        if part.get("rows"):
            table = _Table(
                tuple(part["header"]),
                tuple(tuple(_Cell(c, "muted" if c.startswith("hidden") else "") for c in row) for row in part["rows"]),
            )
        sections.append(
            _Section(
                part["title"],
                part["level"],
                paragraphs=tuple(part.get("paragraphs", ())),
                table=table,
                bullets=tuple(part.get("bullets", ())),
            )
        )
    existing = list(doc.sections)
    at = next((i for i, s in enumerate(existing) if s.title == "How to read this"), len(existing))
    return replace(doc, sections=(*existing[:at], *sections, *existing[at:]))
