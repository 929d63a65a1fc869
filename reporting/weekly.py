"""The weekly DORA report: one ISO week of the organisation and its teams, compared with the week before.

Both files are written from one document model so the Markdown (for chat and wikis) and the self-contained
HTML (for e-mail) never disagree. Week boundaries are those of the serving copy (Monday 00:00 UTC); only the
refresh time is shown in the configured time zone.
"""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import markdown

from reporting.presentation import (
    METRICS,
    Change,
    compare,
    format_timestamp,
    sample_text,
    value_text,
)
from reporting.serving import (
    ServingDataError,
    ServingMeta,
    TeamInfo,
    WeekRow,
    read_meta,
    read_teams,
    read_weeks,
)
from reporting.surveys import add_survey_section
from reporting.weeks import iso_week_label, parse_iso_week, previous_complete_week, zone

__all__ = [
    "ReportError",
    "WeeklyReport",
    "parse_iso_week",
    "previous_complete_week",
    "render_weekly_report",
]

DEFAULT_METRICS_DOC = "docs/metrics.md"


class ReportError(RuntimeError):
    """The report cannot be written; the message names the file or week and what to do about it."""


@dataclass(frozen=True)
class WeeklyReport:
    """The files written for one ISO week and the ``metrics_weekly`` rows they were built from.

    ``rows`` are the week's rows (organisation first, then teams by name); ``previous_rows`` those of the
    week before, which the changes are computed against (empty when that week has no data).
    """

    iso_week: str
    markdown_path: Path
    html_path: Path
    rows: tuple[WeekRow, ...]
    previous_rows: tuple[WeekRow, ...]

    @property
    def organisation(self) -> WeekRow:
        return next(row for row in self.rows if row.is_organisation)


# ------------------------------------------------------------------------------------ document model

Tone = Literal["better", "worse", "muted", ""]


@dataclass(frozen=True)
class _Cell:
    text: str
    tone: Tone = ""


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[_Cell, ...], ...]


@dataclass(frozen=True)
class _Section:
    # Titles are plain text (they hold team names); paragraphs and bullets are Markdown written here.
    title: str
    level: int
    paragraphs: tuple[str, ...] = ()
    table: _Table | None = None
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Document:
    title: str
    sections: tuple[_Section, ...] = field(default_factory=tuple)


_HEADER = ("Metric", "This week", "Based on", "Previous week", "Change")


def _change_cell(change: Change) -> _Cell:
    if change.verdict == "better":
        return _Cell(change.describe(), "better")
    if change.verdict == "worse":
        return _Cell(change.describe(), "worse")
    return _Cell(change.describe(), "muted")


def _metrics_table(current: WeekRow, previous: WeekRow | None) -> _Table:
    rows = []
    for spec in METRICS:
        rows.append(
            (
                _Cell(spec.label),
                _Cell(value_text(current, spec)),
                _Cell(sample_text(current, spec), "muted"),
                _Cell(value_text(previous, spec), "muted"),
                _change_cell(compare(spec, current, previous)),
            )
        )
    return _Table(_HEADER, tuple(rows))


def _count_change(now: int, before: int | None) -> str:
    if before is None:
        return f"{now}"
    diff = now - before
    return f"{now} ({diff:+d})" if diff else f"{now} (=)"


def _md_text(text: str) -> str:
    """Escape text taken from the data (team names) so it cannot turn into Markdown markup."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _team_section(team: str, info: TeamInfo | None, current: WeekRow | None, previous: WeekRow | None) -> _Section:
    title = team
    if current is None:
        if info is not None and info.repositories == 0:
            why = "No data this week: the team has no repositories in the configuration."
        else:
            why = "No data this week: the team had no activity yet, or none since its last recorded week."
        return _Section(title, 3, paragraphs=(why,))
    if current.is_idle:
        return _Section(title, 3, paragraphs=("No deployments, changes or incidents this week.",))
    return _Section(title, 3, table=_metrics_table(current, previous))


def _build_document(
    meta: ServingMeta,
    teams: list[TeamInfo],
    monday: date,
    current_rows: list[WeekRow],
    previous_rows: list[WeekRow],
    timezone: str,
    metrics_doc: str,
) -> _Document:
    iso_week = iso_week_label(monday)
    previous_week = iso_week_label(monday - timedelta(days=7))
    organisation = next(row for row in current_rows if row.is_organisation)
    previous_organisation = next((row for row in previous_rows if row.is_organisation), None)

    week_end = monday + timedelta(days=6)
    intro = [
        f"Week {iso_week}: {monday:%a %d %b %Y} to {week_end:%a %d %b %Y} "
        f"(weeks run Monday to Sunday, UTC). Changes are against {previous_week}.",
        f"Data refreshed {format_timestamp(meta.refreshed_at, timezone)}.",
    ]
    if meta.refreshed_at is not None and meta.refreshed_at.date() < monday + timedelta(days=7):
        intro.append("**This week had not ended when the data was refreshed: its figures are partial.**")
    if previous_organisation is None:
        intro.append(f"There is no data for {previous_week}, so changes are not available.")

    before = previous_organisation
    counts = (
        f"Deployments {_count_change(organisation.deployments, before.deployments if before else None)} · "
        f"changes {_count_change(organisation.changes, before.changes if before else None)} · "
        f"incidents {_count_change(organisation.incidents, before.incidents if before else None)}"
    )
    sections = [
        _Section("", 2, paragraphs=tuple(intro)),
        _Section(
            f"Organisation: {organisation.scope_name}",
            2,
            paragraphs=(counts,),
            table=_metrics_table(organisation, previous_organisation),
        ),
        _Section("Teams", 2),
    ]

    info_of = {t.team: t for t in teams}
    current_of = {r.scope_name: r for r in current_rows if not r.is_organisation}
    previous_of = {r.scope_name: r for r in previous_rows if not r.is_organisation}
    for team in sorted(set(info_of) | set(current_of)):
        sections.append(_team_section(team, info_of.get(team), current_of.get(team), previous_of.get(team)))

    bullets = tuple(f"[{spec.label}]({metrics_doc}#{spec.docs_anchor}): {spec.definition}" for spec in METRICS)
    sections.append(
        _Section(
            "How to read this",
            2,
            paragraphs=(
                "Change compares each figure with the previous week: ▲/▼ give the direction and "
                "*better*/*worse* whether that is an improvement for that metric. "
                "“—” means there was nothing to measure (no deployments, changes or incidents), not zero. "
                "Lead time and recovery time are medians; small samples move them a lot, so read them "
                "with the “Based on” column. "
                f"Full definitions: [{metrics_doc}]({metrics_doc}).",
            ),
            bullets=bullets,
        )
    )
    title = f"Weekly DORA report {iso_week}: {meta.organisation}"
    return _Document(title, tuple(sections))


# ------------------------------------------------------------------------------------------ renderers


def _md_cell(cell: _Cell) -> str:
    return cell.text.replace("|", "\\|")


def _to_markdown(doc: _Document) -> str:
    lines = [f"# {_md_text(doc.title)}", ""]
    for section in doc.sections:
        if section.title:
            lines += [f"{'#' * section.level} {_md_text(section.title)}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.table is not None:
            lines.append("| " + " | ".join(section.table.header) + " |")
            lines.append("|" + " --- |" * len(section.table.header))
            for row in section.table.rows:
                lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            lines.append("")
        if section.bullets:
            lines += [f"- {bullet}" for bullet in section.bullets]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _inline_html(markdown_text: str) -> str:
    rendered = markdown.markdown(markdown_text)
    # A single paragraph renders as <p>…</p>; inside list items and headings only its content is wanted.
    if rendered.startswith("<p>") and rendered.endswith("</p>"):
        return rendered[3:-4]
    return rendered


_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.better { color: #1a7f37; font-weight: 600; }
td.worse { color: #cf222e; font-weight: 600; }
td.muted { color: #59636e; }
li { margin: .25rem 0; }
"""


def _td(cell: _Cell) -> str:
    tone = f' class="{cell.tone}"' if cell.tone else ""
    return f"<td{tone}>{html.escape(cell.text)}</td>"


def _to_html(doc: _Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    for section in doc.sections:
        if section.title:
            parts.append(f"<h{section.level}>{html.escape(section.title)}</h{section.level}>")
        parts += [f"<p>{_inline_html(paragraph)}</p>" for paragraph in section.paragraphs]
        if section.table is not None:
            parts.append("<table>")
            header = "".join(f"<th>{html.escape(name)}</th>" for name in section.table.header)
            parts.append(f"<tr>{header}</tr>")
            for row in section.table.rows:
                parts.append("<tr>" + "".join(_td(cell) for cell in row) + "</tr>")
            parts.append("</table>")
        if section.bullets:
            parts.append("<ul>")
            parts += [f"<li>{_inline_html(bullet)}</li>" for bullet in section.bullets]
            parts.append("</ul>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _write(path: Path, text: str) -> None:
    # Written beside the target and renamed so that a reader never sees half a report.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------ entry point


def render_weekly_report(
    serving_db: Path,
    iso_week: str,
    out_dir: Path,
    *,
    timezone: str = "UTC",
    metrics_doc: str = DEFAULT_METRICS_DOC,
) -> WeeklyReport:
    """Write ``out_dir/weekly-<iso_week>.md`` and ``.html`` for one ISO week of the serving copy.

    ``timezone`` (IANA name) is only used to show the refresh time. ``metrics_doc`` is the link target for
    the metric definitions, as seen from the written files (a relative path or a URL).
    Raises ReportError when the week label, time zone or serving file is unusable or the week has no rows.
    """
    try:
        monday = parse_iso_week(iso_week)
        zone(timezone)
    except ValueError as exc:
        raise ReportError(str(exc)) from exc
    week = iso_week_label(monday)
    serving_db = Path(serving_db)
    try:
        meta = read_meta(serving_db)
        teams = read_teams(serving_db)
        rows = read_weeks(serving_db, monday - timedelta(days=7), monday)
    except ServingDataError as exc:
        raise ReportError(f"cannot write the report for {week}: {exc}") from exc

    current = [r for r in rows if r.week_start == monday]
    previous = [r for r in rows if r.week_start != monday]
    if not any(r.is_organisation for r in current):
        covered = (
            f"it covers {meta.history_start} to {meta.history_end}"
            if meta.history_start and meta.history_end
            else "it records no history range"
        )
        raise ReportError(
            f"{serving_db}: no metrics_weekly rows for {week} ({covered}); "
            "choose a week inside that range, or run `pulse run` to refresh the data"
        )
    # Organisation first, then teams by name: the order the report shows them in.
    current.sort(key=lambda r: (not r.is_organisation, r.scope_name))
    previous.sort(key=lambda r: (not r.is_organisation, r.scope_name))

    doc = _build_document(meta, teams, monday, current, previous, timezone, metrics_doc)
    doc = add_survey_section(doc, serving_db, monday + timedelta(days=6))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown_path = out_dir / f"weekly-{week}.md"
    html_path = out_dir / f"weekly-{week}.html"
    _write(markdown_path, _to_markdown(doc))
    _write(html_path, _to_html(doc))
    return WeeklyReport(
        iso_week=week,
        markdown_path=markdown_path,
        html_path=html_path,
        rows=tuple(current),
        previous_rows=tuple(previous),
    )
