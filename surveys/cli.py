"""`pulse surveys [--wave W] [--format table|json|csv]`: one wave's survey results from the serving copy.

``table`` prints NPS per group, satisfaction by topic, self-reported vs measured DORA and the free-text
themes; ``json`` all of that as one document; ``csv`` the NPS rows (one per question and group). Hidden
groups appear with their reason and no figures, in every format.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import TextIO

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
    render_table,
    rounded,
)
from surveys.queries import SurveyDataError, SurveyResults, read_results, results_json

NPS_CSV_COLUMNS = (
    "wave",
    "question_id",
    "scope",
    "group_name",
    "n",
    "respondents",
    "roster_size",
    "response_rate",
    "promoters_pct",
    "passives_pct",
    "detractors_pct",
    "nps",
    "nps_low",
    "nps_high",
    "previous_wave",
    "previous_nps",
    "nps_change",
    "suppressed",
    "suppressed_reason",
)


def surveys_command(serving_path: Path, wave: str | None, fmt: str, out: TextIO | None = None) -> int:
    """Print one wave's results (default: the latest); 1 with a message on stderr when there are none."""
    out = out or sys.stdout
    try:
        results = read_results(serving_path, wave)
    except SurveyDataError as exc:
        print(f"surveys: {exc}", file=sys.stderr)
        return 1
    if fmt == "json":
        print(results_json(results), file=out)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(NPS_CSV_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        for record in results.nps:
            writer.writerow({**rounded(record), "wave": results.wave.wave})
        print(buffer.getvalue(), end="", file=out)
    else:
        print(results_table(results), file=out)
    return 0


def _nps_rows(results: SurveyResults) -> list[list[str]]:
    rows = []
    for r in results.nps:
        label = group_label(r)
        if r["suppressed"]:
            rows.append([r["question_id"], label, DASH, DASH, hidden_text(r), "", ""])
            continue
        rows.append(
            [
                r["question_id"],
                label,
                count_text(r["n"]),
                rate_text(r["response_rate"]),
                nps_text(r["nps"]),
                interval_text(r["nps_low"], r["nps_high"]),
                change_text(r["nps_change"]),
            ]
        )
    return rows


def results_table(results: SurveyResults) -> str:
    """The plain-text rendering of one wave (what `pulse surveys` prints by default)."""
    wave = results.wave
    previous = wave.previous_wave or "previous wave"
    parts = [
        f"Developer survey {wave.wave} ({wave.start_date} to {wave.end_date}); "
        f"groups under {wave.min_group_size} respondents are hidden.",
        "",
        "NPS (% promoters 9-10 minus % detractors 0-6; 90% interval)",
        render_table(
            ["question", "group", "n", "response rate", "NPS", "90% interval", f"change vs {previous}"],
            _nps_rows(results),
        )
        if results.nps
        else "no NPS answers in this wave",
    ]
    topics = [r for r in results.likert if r["question_id"] is None]
    if topics:
        rows = []
        for r in topics:
            shown = f"{r['questions_shown']} of {r['questions']}"
            if r["suppressed"]:
                rows.append([r["topic"], group_label(r), DASH, "hidden", shown])
            else:
                rows.append([r["topic"], group_label(r), count_text(r["n"]), percent_text(r["favourable_pct"]), shown])
        parts += [
            "",
            "Satisfaction by topic (% favourable: agree or strongly agree)",
            render_table(["topic", "group", "answers", "favourable", "questions shown"], rows),
        ]
    if results.dora:
        rows = []
        for r in results.dora:
            reported = hidden_text(r) if r["suppressed"] else (r["self_reported"] or DASH)
            rows.append(
                [r["metric"], group_label(r), count_text(r["n"]), reported, r["measured"] or DASH, r["quarter"]]
            )
        parts += [
            "",
            "DORA: self-reported (median answer) vs measured in the same quarter",
            render_table(["metric", "group", "n", "self-reported", "measured", "quarter"], rows),
        ]
    if results.themes:
        rows = []
        for r in results.themes:
            if r["suppressed"]:
                rows.append([r["theme"], group_label(r), hidden_text(r), ""])
            else:
                rows.append([r["theme"], group_label(r), count_text(r["mentions"]), rate_text(r["share"])])
        parts += [
            "",
            "Free-text themes (respondents mentioning each)",
            render_table(["theme", "group", "mentions", "of respondents"], rows),
        ]
    return "\n".join(parts)
