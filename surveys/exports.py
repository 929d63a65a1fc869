"""Reading survey form exports into a header and rows of cells, whatever the tool and however the file was saved.

Three export layouts are recognised by their header (see docs/metrics.md, "Developer surveys"):

- Google Forms CSV: ``Timestamp``, optional ``Email Address``, then one column per question.
- Typeform CSV: ``#``, the question columns, ``Response Type``, ``Start Date (UTC)``, ``Stage Date (UTC)``,
  ``Submit Date (UTC)``, ``Network ID``, hidden fields, ``Tags``.
- Microsoft Forms XLSX: ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name``,
  ``Last modified time``, then the question columns.

CSV files may come back from a spreadsheet program re-saved: with a byte-order mark, as UTF-16 or Windows-1252,
separated by semicolons or tabs, with dates rewritten or turned into Excel serial numbers. All of that is read
here; what cannot be read becomes a :class:`SurveyFileError` (the whole file) and nothing else.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from surveys.xlsx import XlsxError, excel_serial_to_datetime, read_first_sheet

GOOGLE_FORMS = "google_forms"
TYPEFORM = "typeform"
MICROSOFT_FORMS = "microsoft_forms"

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx",)
EXPORT_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES

Cell = str | float | bool | None


class SurveyFileError(ValueError):
    """An export that cannot be read at all; the message says why and, where known, where."""


@dataclass(frozen=True)
class ExportLayout:
    """What a tool's export looks like: the columns that describe a response rather than answer a question."""

    format: str
    submitted_header: str  # the submission time column
    submitted_in_utc: bool  # else the form's local time (the configured timezone) unless the text names a zone
    email_headers: tuple[str, ...]
    meta_headers: tuple[str, ...]  # read and ignored (never stored): ids, names, other times
    response_type_header: str | None = None  # Typeform: completed | partial


LAYOUTS = {
    GOOGLE_FORMS: ExportLayout(
        GOOGLE_FORMS,
        submitted_header="timestamp",
        submitted_in_utc=False,
        email_headers=("email address", "email", "e-mail", "username"),
        meta_headers=("timestamp", "score"),
    ),
    TYPEFORM: ExportLayout(
        TYPEFORM,
        submitted_header="submit date (utc)",
        submitted_in_utc=True,
        email_headers=("email", "e-mail", "email address"),
        meta_headers=(
            "#",
            "response type",
            "start date (utc)",
            "stage date (utc)",
            "submit date (utc)",
            "network id",
            "tags",
            "ending",
        ),
        response_type_header="response type",
    ),
    MICROSOFT_FORMS: ExportLayout(
        MICROSOFT_FORMS,
        submitted_header="completion time",
        submitted_in_utc=False,
        email_headers=("email",),
        # "Name" is the respondent's display name: personal data that is never read into the warehouse.
        meta_headers=("id", "start time", "completion time", "name", "last modified time", "total points"),
    ),
}


@dataclass(frozen=True)
class RawRow:
    """One data row: ``row_number`` is the row as a spreadsheet shows it (the header is row 1)."""

    row_number: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class RawExport:
    """An export as read: its layout, header texts and data rows, and how the file was encoded."""

    file: str
    layout: ExportLayout
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    encoding: str
    delimiter: str | None = None
    date1904: bool = False
    # Day-first (15/09/2026) or month-first (09/15/2026) for slash dates, decided once for the whole file.
    day_first: bool | None = None

    @property
    def format(self) -> str:
        return self.layout.format


def normalise_header(text: str) -> str:
    """Header text compared case-insensitively, with runs of whitespace (and line breaks) as one space."""
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


# ------------------------------------------------------------------------------------------ decoding


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV export and the encoding it was in: BOMs first, then UTF-8, then Windows-1252."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise SurveyFileError(f"starts with a {encoding} byte-order mark but is not {encoding} text") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves "CSV" in the ANSI code page; every byte decodes, so this is the last resort.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise SurveyFileError(f"not text in UTF-8, UTF-16 or Windows-1252 (byte {exc.start})") from exc


def _sniff_delimiter(text: str) -> str:
    """The field separator: of , ; and tab, the one that gives the first records one consistent width.

    Question texts often hold commas, so the widest split of the header alone can be wrong for a
    semicolon-separated file; agreeing with the rows below it is what a real separator does.
    """
    best, best_score = ",", (False, 0)
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            records = [r for _, r in zip(range(20), reader, strict=False)]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        consistent = width > 1 and all(len(r) == width for r in records[1:] if any(c.strip() for c in r))
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _detect_layout(header: tuple[str, ...], *, xlsx: bool) -> ExportLayout:
    names = [normalise_header(h) for h in header]
    if xlsx:
        if "completion time" in names and "id" in names:
            return LAYOUTS[MICROSOFT_FORMS]
        raise SurveyFileError(
            "row 1: not a Microsoft Forms export (expected ID, Start time, Completion time, ... columns)"
        )
    if names and names[0] == "#" and "submit date (utc)" in names:
        return LAYOUTS[TYPEFORM]
    if "timestamp" in names:
        return LAYOUTS[GOOGLE_FORMS]
    if "completion time" in names and "id" in names:
        # A Microsoft Forms workbook someone saved as CSV.
        return LAYOUTS[MICROSOFT_FORMS]
    shown = ", ".join(repr(h) for h in header[:4])
    raise SurveyFileError(
        f"row 1: not a Google Forms (Timestamp, ...), Typeform (#, ..., Submit Date (UTC)) or "
        f"Microsoft Forms (ID, Start time, Completion time, ...) export; the header starts {shown}"
    )


def read_export(path: Path, data: bytes | None = None) -> RawExport:
    """Read an export file (``data``: its bytes when already read) into header and rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path)
    if suffix not in CSV_SUFFIXES:
        raise SurveyFileError(f"unsupported file type {suffix or '(none)'}; expected .csv or .xlsx")
    raw = path.read_bytes() if data is None else data
    if raw.startswith(b"PK\x03\x04"):
        raise SurveyFileError("is a zip archive (an XLSX workbook?) with a .csv name; rename it to .xlsx")
    text, encoding = decode(raw)
    delimiter = _sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SurveyFileError(f"not valid CSV: {exc}") from exc
    if not records or not any(cell.strip() for cell in records[0]):
        raise SurveyFileError("empty file (expected a header row)")
    header = tuple(h.replace("\ufeff", "").strip() for h in records[0])
    layout = _detect_layout(header, xlsx=False)
    rows = tuple(RawRow(number, tuple(record)) for number, record in enumerate(records[1:], start=2))
    export = RawExport(path.name, layout, header, rows, encoding, delimiter)
    return _with_date_order(export)


def _read_xlsx(path: Path) -> RawExport:
    try:
        sheet = read_first_sheet(path)
    except XlsxError as exc:
        raise SurveyFileError(str(exc)) from exc
    if not sheet.rows:
        raise SurveyFileError("the first worksheet is empty (expected a header row)")
    header = tuple("" if v is None else str(v).strip() for v in sheet.rows[0])
    layout = _detect_layout(header, xlsx=True)
    rows = tuple(RawRow(number, cells) for number, cells in zip(sheet.row_numbers[1:], sheet.rows[1:], strict=True))
    export = RawExport(path.name, layout, header, rows, "xlsx", None, sheet.date1904)
    return _with_date_order(export)


# ---------------------------------------------------------------------------------------- timestamps

_ZONE = re.compile(r"\s*(?:(?:GMT|UTC)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?|Z|([+-])(\d{2}):?(\d{2}))\s*$", re.I)
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %I:%M %p",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
)
_SLASH_TIMES = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
# Excel serial numbers of 1 Jan 1960 .. 1 Jan 2100: a bare number outside that is not a submission time.
_SERIAL_RANGE = (21916.0, 73051.0)


def _with_date_order(export: RawExport) -> RawExport:
    """Decide day-first vs month-first for the file's slash dates: any first part above 12 settles it."""
    try:
        col = [normalise_header(h) for h in export.header].index(export.layout.submitted_header)
    except ValueError:
        return export
    day_first: bool | None = None
    for row in export.rows:
        value = row.cells[col] if col < len(row.cells) else None
        match = _SLASH_DATE.match(value) if isinstance(value, str) else None
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12:
            day_first = True
            break
        if second > 12:
            day_first = False
            break
    return RawExport(
        export.file,
        export.layout,
        export.header,
        export.rows,
        export.encoding,
        export.delimiter,
        export.date1904,
        day_first,
    )


def _offset(match: re.Match[str]) -> timedelta | None:
    sign, hours, minutes = match.group(1), match.group(2), match.group(3)
    if sign is None:
        sign, hours, minutes = match.group(4), match.group(5), match.group(6)
    if sign is None:
        return timedelta(0)  # a bare GMT, UTC or Z
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return delta if sign == "+" else -delta


def parse_submitted(
    value: Cell, *, local_zone: str, in_utc: bool, day_first: bool | None = None, date1904: bool = False
) -> datetime:
    """A submission time as naive UTC. Raises ValueError (with the text) when it is not a date.

    Accepted: ISO dates, Google Forms' ``2026/09/15 10:31:02 AM GMT+1``, slash dates in either order (the
    file's ``day_first``; month-first when undecided, as US exports are), and Excel serial numbers (XLSX
    cells, or CSVs re-saved by Excel). A time with no zone is in ``local_zone`` unless the layout says UTC.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("no submission time")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, (int, float)) or re.fullmatch(r"\s*\d+(\.\d+)?\s*", str(value)):
        serial = float(value)
        if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            raise ValueError(f"{value!r} is not a date")
        moment = excel_serial_to_datetime(serial, date1904=date1904)
        return _to_utc(moment, None, local_zone, in_utc)
    text = str(value).strip()
    offset = None
    zone_match = _ZONE.search(text)
    if zone_match and zone_match.group(0).strip():
        offset = _offset(zone_match)
        text = text[: zone_match.start()].strip()
    moment = _parse_local(text, day_first)
    if moment is None:
        raise ValueError(f"{str(value).strip()!r} is not a date")
    return _to_utc(moment, offset, local_zone, in_utc)


def _parse_local(text: str, day_first: bool | None) -> datetime | None:
    for fmt in _ISO_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    match = _SLASH_DATE.match(text)
    if not match:
        return None
    a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    day, month = (a, b) if day_first else (b, a)
    rest = text[match.end() :].strip().lstrip(",").strip()
    try:
        base = datetime(year, month, day)
    except ValueError:
        return None
    if not rest:
        return base
    for fmt in _SLASH_TIMES:
        try:
            clock = datetime.strptime(rest.upper(), fmt)
        except ValueError:
            continue
        return base.replace(hour=clock.hour, minute=clock.minute, second=clock.second)
    return None


def _to_utc(moment: datetime, offset: timedelta | None, local_zone: str, in_utc: bool) -> datetime:
    if offset is not None:
        aware = moment.replace(tzinfo=timezone(offset))
    elif in_utc:
        aware = moment.replace(tzinfo=UTC)
    else:
        aware = moment.replace(tzinfo=ZoneInfo(local_zone))
    return aware.astimezone(UTC).replace(tzinfo=None)
