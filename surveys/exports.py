"""Reading survey form exports into answer rows (one row per respondent per question).

E-mail addresses are replaced by a keyed hash here, before anything reaches the warehouse.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Columns that describe the response rather than answer a question.
_META_HEADERS = {"timestamp", "email address", "email", "e-mail"}
_TIMESTAMP_FORMATS = ("%m/%d/%Y %H:%M:%S", "%Y/%m/%d %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")


class SurveyFileError(ValueError):
    """An export that cannot be read; the message names the file and, where known, the row and column."""


@dataclass(frozen=True)
class AnswerRow:
    """One answer: one respondent, one question, one export file."""

    file: str
    row_number: int
    submitted_at: datetime | None
    respondent: str | None
    team: str | None
    question: str
    answer: str | None
    loaded_at: datetime


def hash_identity(email: str, key: bytes) -> str:
    """A keyed hash of a normalised e-mail address: stable per respondent, not reversible without the key."""
    return hmac.new(key, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def parse_timestamp(value: str) -> datetime | None:
    text = value.strip()
    # Google Forms may append the zone (``GMT+1``); answers are compared by wave, so the date matters most.
    text = text.split(" GMT")[0].split(" UTC")[0]
    for fmt in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def read_google_forms_csv(path: Path, key: bytes, loaded_at: datetime) -> list[AnswerRow]:
    """Parse a Google Forms CSV export: ``Timestamp``, optional ``Email Address``, then one column per question."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise SurveyFileError(f"{path}: empty file (expected a header row)") from exc
    normalised = [h.strip().lower() for h in header]
    if "timestamp" not in normalised:
        raise SurveyFileError(f"{path}: row 1: no 'Timestamp' column; is this a Google Forms export?")
    ts_col = normalised.index("timestamp")
    email_col = next((i for i, h in enumerate(normalised) if h in {"email address", "email", "e-mail"}), None)
    team_col = next((i for i, h in enumerate(normalised) if "team" in h), None)
    rows: list[AnswerRow] = []
    for number, record in enumerate(reader, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise SurveyFileError(f"{path}: row {number + 1}: {len(record)} fields, the header has {len(header)}")
        email = record[email_col].strip() if email_col is not None else ""
        respondent = hash_identity(email, key) if email else None
        team = record[team_col].strip() or None if team_col is not None else None
        submitted = parse_timestamp(record[ts_col])
        for col, question in enumerate(header):
            if normalised[col] in _META_HEADERS:
                continue
            rows.append(
                AnswerRow(
                    file=path.name,
                    row_number=number,
                    submitted_at=submitted,
                    respondent=respondent,
                    team=team,
                    question=question.strip(),
                    answer=record[col].strip() or None,
                    loaded_at=loaded_at,
                )
            )
    return rows
