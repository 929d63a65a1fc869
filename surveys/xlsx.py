"""Reading the first worksheet of an XLSX workbook with the standard library only.

An XLSX file is a zip of XML parts: ``xl/workbook.xml`` lists the sheets, ``xl/_rels/workbook.xml.rels`` says
which part holds each, ``xl/sharedStrings.xml`` holds the text that cells refer to by index, and each
worksheet lists its non-empty cells row by row. Only what a forms export needs is read: values, not styles
or formulas. Dates are numbers in a workbook ("serial dates"); :func:`excel_serial_to_datetime` converts
them once the caller knows a column holds dates.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
# A forms export is a few MB at most; refuse archives that would inflate far beyond that (zip bombs).
_MAX_PART_BYTES = 200 * 1024 * 1024

# Day 0 of Excel's default date system. 1899-12-30 rather than -31 absorbs Excel's fictitious 29 Feb 1900,
# so every serial from 1 March 1900 on converts exactly (forms exports are far later than that).
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


class XlsxError(ValueError):
    """A file that is not a readable XLSX workbook."""


@dataclass(frozen=True)
class Sheet:
    """The cell values of one worksheet: ``rows[i]`` is spreadsheet row ``row_numbers[i]`` (1-based).

    Values are ``str`` (text), ``float`` (numbers, including serial dates), ``bool`` or ``None`` (empty);
    every row is padded to the same width so that columns line up with the header.
    """

    name: str
    rows: tuple[tuple[str | float | bool | None, ...], ...]
    row_numbers: tuple[int, ...]
    date1904: bool = False


def excel_serial_to_datetime(value: float, *, date1904: bool = False) -> datetime:
    """A serial date-time (days since the workbook's epoch, fraction = time of day) as a naive datetime.

    Rounded to the second: Excel stores times as binary fractions, so 10:31:02 comes back as 10:31:01.9999.
    """
    if value < 0 or value > 2958465:  # 9999-12-31, Excel's own upper bound
        raise ValueError(f"{value!r} is not an Excel date")
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    return epoch + timedelta(seconds=round(value * 86400))


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART_BYTES:
        raise XlsxError(f"{name} inflates to {info.file_size} bytes; refusing to read it")
    return archive.read(info)


def _text_of(element: ET.Element) -> str:
    """The text of a shared or inline string: plain ``<t>`` or rich-text runs ``<r><t>``, phonetics skipped."""
    direct = element.find(f"{_MAIN}t")
    if direct is not None:
        return direct.text or ""
    return "".join(t.text or "" for t in element.findall(f"{_MAIN}r/{_MAIN}t"))


def _first_sheet_part(archive: zipfile.ZipFile) -> tuple[str, str, bool]:
    workbook = _read_part(archive, "xl/workbook.xml")
    if workbook is None:
        raise XlsxError("no xl/workbook.xml: not an XLSX workbook")
    root = ET.fromstring(workbook)
    pr = root.find(f"{_MAIN}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    sheet = root.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise XlsxError("the workbook has no worksheet")
    name = sheet.get("name", "Sheet1")
    rel_id = sheet.get(f"{_REL}id")
    target = "worksheets/sheet1.xml"
    rels = _read_part(archive, "xl/_rels/workbook.xml.rels")
    if rels is not None and rel_id:
        for rel in ET.fromstring(rels).findall(f"{_PKG_REL}Relationship"):
            if rel.get("Id") == rel_id and rel.get("Target"):
                target = rel.get("Target", target)
                break
    # Targets are relative to xl/ unless absolute within the package.
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return path, name, date1904


def read_first_sheet(path: Path) -> Sheet:
    """The first worksheet of the workbook at ``path`` (what a forms export has)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxError(f"not an XLSX workbook ({exc})") from exc
    with archive:
        part, name, date1904 = _first_sheet_part(archive)
        shared: list[str] = []
        strings = _read_part(archive, "xl/sharedStrings.xml")
        if strings is not None:
            shared = [_text_of(si) for si in ET.fromstring(strings).findall(f"{_MAIN}si")]
        data = _read_part(archive, part)
        if data is None:
            raise XlsxError(f"the workbook names {part} as its first sheet, but it is missing")
        root = ET.fromstring(data)

    parsed: list[tuple[int, dict[int, str | float | bool | None]]] = []
    next_row = 1
    for row in root.iter(f"{_MAIN}row"):
        # The row and cell references are optional in the format; without them, position counts.
        number = int(row.get("r") or next_row)
        next_row = number + 1
        cells: dict[int, str | float | bool | None] = {}
        next_col = 0
        for cell in row.findall(f"{_MAIN}c"):
            ref = cell.get("r")
            match = _CELL_REF.match(ref) if ref else None
            col = _column_index(match.group(1)) if match else next_col
            next_col = col + 1
            cells[col] = _cell_value(cell, shared)
        parsed.append((number, cells))
    width = max((max(cells) + 1 for _, cells in parsed if cells), default=0)
    rows = tuple(tuple(cells.get(i) for i in range(width)) for _, cells in parsed)
    return Sheet(name=name, rows=rows, row_numbers=tuple(n for n, _ in parsed), date1904=date1904)


def _cell_value(cell: ET.Element, shared: list[str]) -> str | float | bool | None:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{_MAIN}is")
        return _text_of(inline) if inline is not None else None
    value = cell.find(f"{_MAIN}v")
    text = value.text if value is not None else None
    if text is None:
        return None
    if kind == "s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError) as exc:
            raise XlsxError(f"cell {cell.get('r')}: shared string {text!r} does not exist") from exc
    if kind in ("str", "e"):
        # A formula's cached text result, or an error value such as #N/A: both are text to the reader.
        return text
    if kind == "b":
        return text.strip() == "1"
    try:
        return float(text)
    except ValueError:
        return text
