"""Export files written in each tool's real layout, a survey configuration to read them, and a loaded warehouse.

Every fixture file is written by the test that uses it, from :class:`Answer` records, so each test states its
own data. Layouts (../shared/reference/DORA.md):

- Google Forms CSV: Timestamp, Email Address, question columns; every field quoted, CRLF, timestamps such as
  ``2026/09/15 10:31:02 AM GMT+1`` (the form's zone).
- Typeform CSV: #, question columns, Response Type, Start Date (UTC), Stage Date (UTC), Submit Date (UTC),
  Network ID, hidden fields (``email``), Tags.
- Microsoft Forms XLSX: ID, Start time, Completion time, Email, Name, Last modified time, question columns;
  text in the shared-strings part, times as serial dates with a date number format.
"""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pulse.config import PulseConfig, parse_config

TEAM_Q = "Which team are you on?"
NPS_Q = "How likely are you to recommend the platform to a colleague? (0-10)"
EASE_Q = "The platform makes it easy to ship a change"
DOCS_Q = "Documentation helps me find what I need"
WAIT_Q = "I often wait on other teams to get my work done"
LEAD_Q = "How long does it take to go from code committed to code running in production?"
FREQ_Q = "How often does your team deploy code to production?"
TEXT_Q = "What should the platform team improve?"
QUESTION_HEADERS = (TEAM_Q, NPS_Q, EASE_Q, DOCS_Q, WAIT_Q, LEAD_Q, FREQ_Q, TEXT_Q)

QUESTIONS = {
    "team": {"type": "team", "headers": [TEAM_Q]},
    "recommend": {"type": "nps", "headers": [NPS_Q]},
    "ease": {"type": "likert", "topic": "ease of use", "headers": [EASE_Q]},
    "docs": {"type": "likert", "topic": "documentation quality", "headers": [DOCS_Q]},
    "waiting": {"type": "likert", "topic": "flow", "reverse": True, "headers": [WAIT_Q]},
    "lead_time": {"type": "dora_lead_time", "headers": [LEAD_Q]},
    "deploy_frequency": {"type": "dora_deploy_frequency", "headers": [FREQ_Q]},
    "improve": {"type": "text", "headers": [TEXT_Q]},
}
TEAMS = {
    "checkout": {"repositories": ["checkout-web"], "department": "Commerce"},
    "billing": {"repositories": ["invoicing"], "department": "Commerce"},
    "identity": {"repositories": ["auth-service"], "department": "Platform"},
    "data-platform": {"repositories": ["events-pipeline"], "department": "Platform"},
    "search": {"repositories": ["search-api"]},
}
ALIASES = {"Data Platform": "data-platform", "Checkout team": "checkout"}
WAVES = [
    {"id": "2026-Q3", "start": "2026-09-01", "end": "2026-09-30"},
    {"id": "2026-Q4", "start": "2026-11-01", "end": "2026-11-30"},
]
THEMES = {"CI speed": ["ci", "build", "builds"], "documentation": ["docs", "documentation"]}


@dataclass(frozen=True)
class Answer:
    """One respondent's submission; values as the form would export them (text)."""

    email: str
    team: str
    submitted: datetime  # UTC
    nps: str = ""
    ease: str = ""
    docs: str = ""
    waiting: str = ""
    lead: str = ""
    freq: str = ""
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def values(self) -> list[str]:
        return [self.team, self.nps, self.ease, self.docs, self.waiting, self.lead, self.freq, self.text]


def survey_doc(tmp_path: Path, **surveys: Any) -> dict[str, Any]:
    """A configuration document for the test teams, questions and waves; keyword arguments override `surveys`."""
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    section: dict[str, Any] = {
        "folder": str(folder),
        "team_aliases": ALIASES,
        "waves": WAVES,
        "questions": QUESTIONS,
        "themes": THEMES,
    }
    section.update(surveys)
    # Copied, so that a test that edits its document cannot change the next test's.
    return copy.deepcopy(
        {
            "github": {"organisation": "acme"},
            "teams": TEAMS,
            "surveys": section,
            "warehouse": {"path": str(tmp_path / "pulse.duckdb"), "serving_path": str(tmp_path / "serving.duckdb")},
            "timezone": "Europe/London",
        }
    )


def survey_config(tmp_path: Path, **surveys: Any) -> PulseConfig:
    return parse_config(survey_doc(tmp_path, **surveys), source="pulse.yaml", base_dir=tmp_path)


# --------------------------------------------------------------------------------------- Google Forms


def google_timestamp(moment_utc: datetime, offset_hours: int = 1) -> str:
    """``2026/09/15 10:31:02 AM GMT+1``: Google Forms' CSV download format, in the form's zone."""
    local = moment_utc + timedelta(hours=offset_hours)
    hour = local.hour % 12 or 12
    zone = f"GMT+{offset_hours}" if offset_hours else "GMT"
    return f"{local:%Y/%m/%d} {hour}:{local:%M:%S} {'AM' if local.hour < 12 else 'PM'} {zone}"


def google_forms_csv(answers: list[Answer], *, headers: tuple[str, ...] = QUESTION_HEADERS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["Timestamp", "Email Address", *headers])
    for a in answers:
        writer.writerow([google_timestamp(a.submitted), a.email, *a.values()[: len(headers)]])
    return buffer.getvalue()


# -------------------------------------------------------------------------------------------- Typeform


def typeform_csv(answers: list[Answer], *, partial: set[int] = frozenset()) -> str:
    """Typeform's "Download all responses (CSV)": the team is a question, the e-mail a hidden field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "#",
            *QUESTION_HEADERS,
            "Response Type",
            "Start Date (UTC)",
            "Stage Date (UTC)",
            "Submit Date (UTC)",
            "Network ID",
            "email",
            "Tags",
        ]
    )
    for index, a in enumerate(answers):
        started = a.submitted - timedelta(minutes=4)
        is_partial = index in partial
        writer.writerow(
            [
                f"r{index:04d}kx9q2",
                *a.values(),
                "partial" if is_partial else "completed",
                f"{started:%Y-%m-%d %H:%M:%S}",
                f"{a.submitted:%Y-%m-%d %H:%M:%S}" if is_partial else "",
                "" if is_partial else f"{a.submitted:%Y-%m-%d %H:%M:%S}",
                f"net{index:03d}",
                a.email,
                "",
            ]
        )
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- Microsoft Forms


def excel_serial(moment: datetime) -> float:
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86400


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path: Path, rows: list[list[Any]], *, date_columns: set[int] = frozenset()) -> Path:
    """A minimal but complete workbook as Excel writes it: shared strings, styles, serial dates."""
    strings: list[str] = []
    index_of: dict[str, int] = {}
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                cells.append(f'<c r="{ref}" s="1"><v>{excel_serial(value):.10f}</v></c>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                style = ' s="1"' if c in date_columns and r > 1 else ""
                cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
            else:
                text = str(value)
                if text not in index_of:
                    index_of[text] = len(strings)
                    strings.append(text)
                cells.append(f'<c r="{ref}" t="s"><v>{index_of[text]}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{main}">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="m/d/yy h:mm:ss"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
            + "</sst>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{main}">'
            f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def microsoft_forms_xlsx(path: Path, answers: list[Answer], *, local_offset_hours: int = 0) -> Path:
    """Microsoft Forms' "Open results in Excel" workbook; times are the owner's local time (no zone)."""
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time", *QUESTION_HEADERS]
    rows: list[list[Any]] = [header]
    for index, a in enumerate(answers, start=1):
        local = a.submitted + timedelta(hours=local_offset_hours)
        values: list[Any] = [int(v) if v.isdigit() else v for v in a.values()]
        rows.append([index, local - timedelta(minutes=3), local, a.email, a.email.split("@")[0].title(), None, *values])
    return write_xlsx(path, rows)


# --------------------------------------------------------------------- an organisation with a 4-person team

# Department Commerce = checkout + billing; Platform = identity + data-platform; search sits under the organisation.
ORG_SIZES = {"checkout": 6, "billing": 8, "identity": 7, "data-platform": 4, "search": 9}
SMALL_TEAM = "data-platform"


def org_answers(when: datetime, sizes: dict[str, int] = ORG_SIZES, *, shift: int = 0) -> list[Answer]:
    """Deterministic answers for every team: varied scores, free text from every other respondent."""
    leads = ["Less than one day", "Between one day and one week", "Between one week and one month"]
    out, k = [], shift
    for team, n in sizes.items():
        for i in range(n):
            out.append(
                Answer(
                    f"{team}.{i}@acme.example",
                    team,
                    when,
                    nps=str(k % 11),
                    ease=str(1 + k % 5),
                    docs=str(1 + (k * 3) % 5),
                    waiting=str(1 + (k * 7) % 5),
                    lead=leads[k % 3],
                    freq="Between once per day and once per week",
                    text=f"{team} secret {i}: faster CI builds please" if i % 2 == 0 else "",
                )
            )
            k += 1
    return out


def write_org_waves(cfg: PulseConfig) -> None:
    """Two waves of the organisation above: 2026-Q3 (September) and 2026-Q4 (November, scores shifted)."""
    folder = cfg.surveys.folder
    (folder / "q3.csv").write_text(google_forms_csv(org_answers(datetime(2026, 9, 15, 9, 0))), encoding="utf-8")
    (folder / "q4.csv").write_text(
        google_forms_csv(org_answers(datetime(2026, 11, 10, 9, 0), shift=3)), encoding="utf-8"
    )
