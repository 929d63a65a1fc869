"""Turning an export's rows into responses and answers, and every row that cannot be used into a quarantine row.

Grain of the outputs: one :class:`ResponseRow` per usable data row (a respondent's submission), one
:class:`AnswerRow` per answered question of it, one :class:`QuarantineRow` per rejected row or column. A row
is used whole or not at all: one bad answer quarantines the row, and the rest of the file still loads.
E-mail addresses are hashed here and never leave this module in clear.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from pulse.config import PulseConfig, SurveyQuestion, SurveyWave
from surveys.exports import Cell, RawExport, SurveyFileError, decode, normalise_header, parse_submitted
from surveys.identity import anonymous_identity, hash_identity, key_fingerprint
from surveys.scales import (
    LIKERT_FAVOURABLE_MIN,
    LIKERT_MAX,
    LIKERT_MIN,
    LIKERT_WORDS,
    NPS_MAX,
    NPS_MIN,
    choice_key,
    choice_lookup,
)

HEADER_ROW = 1
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+$")
_LEADING_NUMBER = re.compile(r"^\s*(\d+)\s*(?:(?:[-\u2013:)]|\.(?=\s))\s*\D.*)?$")
_DATE_LIKE = re.compile(r"^\s*\d{1,4}[/.-]\d{1,2}([/.-]\d{1,4})?(\s|$)")


@dataclass(frozen=True)
class ResponseRow:
    """One usable submission. ``respondent`` is a keyed hash; ``submitted_at`` naive UTC."""

    file: str
    row_number: int
    wave: str
    respondent: str
    anonymous: bool
    team: str
    submitted_at: datetime
    loaded_at: datetime


@dataclass(frozen=True)
class AnswerRow:
    """One answer of a usable submission.

    ``score``: NPS 0-10, Likert 1-5 as answered, DORA bucket 1-6 (1 fastest/best); ``favourable`` for Likert
    (agreement, or disagreement for a reversed statement); ``text`` for free text only.
    """

    file: str
    row_number: int
    question_id: str
    question_type: str
    topic: str | None
    score: int | None
    favourable: bool | None
    text: str | None
    loaded_at: datetime


@dataclass(frozen=True)
class QuarantineRow:
    """A row (or, at row 1, a column) that was not loaded, and why; the reason names the column."""

    file: str
    row_number: int
    reason: str
    loaded_at: datetime


@dataclass(frozen=True)
class ParsedExport:
    file: str
    format: str
    data_rows: int
    responses: tuple[ResponseRow, ...]
    answers: tuple[AnswerRow, ...]
    quarantine: tuple[QuarantineRow, ...]


def quarter_wave(day: date) -> SurveyWave:
    """The calendar quarter containing ``day`` as a wave (used when no waves are configured)."""
    quarter = (day.month - 1) // 3
    start = date(day.year, quarter * 3 + 1, 1)
    end = date(day.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    return SurveyWave(f"{day.year}-Q{quarter + 1}", start, end)


@dataclass(frozen=True)
class SurveyRules:
    """Everything from the configuration that decides how a row is read (and nothing else)."""

    questions: tuple[SurveyQuestion, ...]
    teams: frozenset[str]
    aliases: tuple[tuple[str, str], ...]
    waves: tuple[SurveyWave, ...]
    roster: tuple[tuple[str, str], ...]  # respondent hash -> team
    timezone: str
    key: bytes

    @classmethod
    def from_config(cls, cfg: PulseConfig, key: bytes, roster: dict[str, str] | None = None) -> SurveyRules:
        return cls(
            questions=cfg.surveys.questions,
            teams=frozenset(t.name for t in cfg.teams),
            aliases=cfg.surveys.team_aliases,
            waves=cfg.surveys.waves,
            roster=tuple(sorted((roster or {}).items())),
            timezone=cfg.timezone,
            key=key,
        )

    def fingerprint(self) -> str:
        """Changes whenever a stored row would come out differently, so that every file is read again."""
        doc = {
            "questions": [[q.id, q.type, list(q.headers), q.topic, q.reverse, list(q.choices)] for q in self.questions],
            "teams": sorted(self.teams),
            "aliases": [list(a) for a in self.aliases],
            "waves": [[w.id, w.start.isoformat(), w.end.isoformat()] for w in self.waves],
            "roster": hashlib.sha256(json.dumps(self.roster).encode()).hexdigest(),
            "timezone": self.timezone,
            "key": key_fingerprint(self.key),
            "version": 1,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]

    def by_header(self) -> dict[str, SurveyQuestion]:
        return {normalise_header(h): q for q in self.questions for h in q.headers}

    def resolve_team(self, text: str) -> str | None:
        """The team an answer names: an alias or a team name (any case); None when it names none.

        Aliases come first: one written down on purpose wins over a team name that happens to match.
        """
        value = " ".join(text.split())
        for alias, team in self.aliases:
            if " ".join(alias.split()).casefold() == value.casefold():
                return team
        if not self.teams:
            return value
        if value in self.teams:
            return value
        return next((team for team in sorted(self.teams) if team.casefold() == value.casefold()), None)

    def wave_of(self, moment: datetime) -> SurveyWave | None:
        day = moment.date()
        if not self.waves:
            return quarter_wave(day)
        return next((w for w in self.waves if w.start <= day <= w.end), None)


# ------------------------------------------------------------------------------------------ answers


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _whole_number(value: Cell) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    match = _LEADING_NUMBER.match(text)  # "10 - Extremely likely", "4: Agree"
    return int(match.group(1)) if match else None


def _date_hint(value: Cell) -> str:
    return " (a spreadsheet may have turned it into a date)" if _DATE_LIKE.match(_text(value)) else ""


class _AnswerError(ValueError):
    pass


@dataclass(frozen=True)
class ReadAnswer:
    """One answer as stored: score, favourable and text as in :class:`AnswerRow`."""

    score: int | None = None
    favourable: bool | None = None
    text: str | None = None


def read_answer(question: SurveyQuestion, value: Cell, choices: dict[str, int] | None = None) -> ReadAnswer | None:
    """One cell read as an answer to ``question``; None when unanswered (or the type stores nothing).

    Raises _AnswerError with a reason when the cell is not a valid answer to the question.
    """
    text = _text(value)
    if not text:
        return None
    score: int | None = None
    favourable: bool | None = None
    free_text: str | None = None
    if question.type == "nps":
        score = _whole_number(value)
        if score is None or not NPS_MIN <= score <= NPS_MAX:
            raise _AnswerError(f"{text!r} is not a whole number from {NPS_MIN} to {NPS_MAX}{_date_hint(value)}")
    elif question.type == "likert":
        score = LIKERT_WORDS.get(" ".join(text.split()).casefold())
        if score is None:
            score = _whole_number(value)
        if score is None or not LIKERT_MIN <= score <= LIKERT_MAX:
            raise _AnswerError(
                f"{text!r} is not an agreement score from {LIKERT_MIN} to {LIKERT_MAX}{_date_hint(value)}"
            )
        favourable = score <= 2 if question.reverse else score >= LIKERT_FAVOURABLE_MIN
    elif question.type.startswith("dora_"):
        lookup = choices if choices is not None else choice_lookup(question.type, question.choices)
        score = lookup.get(choice_key(text))
        if score is None:
            raise _AnswerError(f"{text!r} is not one of the answer options (surveys.questions.{question.id}.choices)")
    elif question.type == "text":
        free_text = text
    else:
        return None
    return ReadAnswer(score, favourable, free_text)


# ------------------------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class _Columns:
    submitted: int
    response_type: int | None
    email: int | None
    team: int | None
    questions: tuple[tuple[int, SurveyQuestion], ...]
    problems: tuple[str, ...]


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _map_columns(export: RawExport, rules: SurveyRules) -> _Columns:
    layout = export.layout
    by_header = rules.by_header()
    names = [normalise_header(h) for h in export.header]
    submitted = names.index(layout.submitted_header) if layout.submitted_header in names else None
    if submitted is None:
        raise SurveyFileError(f"row 1: no {layout.submitted_header!r} column for the submission time")
    response_type = None
    email = team = None
    questions: list[tuple[int, SurveyQuestion]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, (raw, name) in enumerate(zip(export.header, names, strict=True)):
        where = f"column {_column_name(index)} {raw!r}"
        if index == submitted:
            continue
        if layout.response_type_header and name == layout.response_type_header:
            response_type = index
            continue
        question = by_header.get(name)
        if question is not None:
            if question.id in seen:
                problems.append(
                    f"{where}: question {question.id!r} is already read from column {_column_name(seen[question.id])}; "
                    "this column is not loaded"
                )
                continue
            seen[question.id] = index
            if question.type == "ignore":
                continue
            if question.type == "email":
                email = index if email is None else email
            elif question.type == "team":
                team = index if team is None else team
                if team != index:
                    problems.append(f"{where}: a second team column; only column {_column_name(team)} is read")
            else:
                questions.append((index, question))
            continue
        if name in layout.email_headers:
            email = index if email is None else email
            continue
        if name in layout.meta_headers or not name:
            continue
        problems.append(
            f"{where}: matches no configured question; its answers are not loaded "
            "(add the header under surveys.questions, with type: ignore to skip it)"
        )
    return _Columns(submitted, response_type, email, team, tuple(questions), tuple(problems))


# ---------------------------------------------------------------------------------------------- rows


def parse_export(export: RawExport, rules: SurveyRules, *, file_sha256: str, loaded_at: datetime) -> ParsedExport:
    """Read every data row of an export into responses, answers and quarantine rows."""
    columns = _map_columns(export, rules)
    quarantine = [QuarantineRow(export.file, HEADER_ROW, p, loaded_at) for p in columns.problems]
    roster = dict(rules.roster)
    choices = {q.id: choice_lookup(q.type, q.choices) for _, q in columns.questions if q.type.startswith("dora_")}
    responses: list[ResponseRow] = []
    answers: list[AnswerRow] = []
    width = len(export.header)
    data_rows = 0
    for row in export.rows:
        cells = row.cells
        if not any(_text(c) for c in cells):
            continue
        data_rows += 1
        if len(cells) > width and any(_text(c) for c in cells[width:]):
            reason = f"{len(cells)} fields, the header has {width} (a stray separator or quote?)"
            quarantine.append(QuarantineRow(export.file, row.row_number, reason, loaded_at))
            continue
        cells = tuple(cells[:width]) + (None,) * (width - len(cells))
        result = _parse_row(export, rules, columns, roster, choices, row.row_number, cells, file_sha256, loaded_at)
        if isinstance(result, str):
            quarantine.append(QuarantineRow(export.file, row.row_number, result, loaded_at))
            continue
        response, row_answers = result
        responses.append(response)
        answers.extend(row_answers)
    return ParsedExport(export.file, export.format, data_rows, tuple(responses), tuple(answers), tuple(quarantine))


def _parse_row(
    export: RawExport,
    rules: SurveyRules,
    columns: _Columns,
    roster: dict[str, str],
    choices: dict[str, dict[str, int]],
    row_number: int,
    cells: tuple[Cell, ...],
    file_sha256: str,
    loaded_at: datetime,
) -> str | tuple[ResponseRow, list[AnswerRow]]:
    """A row's response and answers, or the reason it cannot be used."""
    header = export.header
    if columns.response_type is not None:
        kind = _text(cells[columns.response_type]).casefold()
        if kind and kind != "completed":
            return f"{header[columns.response_type]!r} is {kind!r}: the response was never submitted"
    try:
        submitted = parse_submitted(
            cells[columns.submitted],
            local_zone=rules.timezone,
            in_utc=export.layout.submitted_in_utc,
            day_first=export.day_first,
            date1904=export.date1904,
        )
    except ValueError as exc:
        return f"{header[columns.submitted]!r}: {exc}"
    wave = rules.wave_of(submitted)
    if wave is None:
        return f"submitted {submitted:%Y-%m-%d %H:%M} UTC, outside every configured wave (surveys.waves)"

    email = _text(cells[columns.email]) if columns.email is not None else ""
    if email and email.casefold() != "anonymous":
        respondent, anonymous = hash_identity(email, rules.key), False
    else:
        respondent, anonymous = anonymous_identity(file_sha256, row_number, rules.key), True

    team: str | None = None
    if columns.team is not None:
        answer = _text(cells[columns.team])
        if answer:
            team = rules.resolve_team(answer)
            if team is None:
                return (
                    f"{header[columns.team]!r}: unknown team {answer!r} "
                    "(add it to surveys.team_aliases, or the team under teams)"
                )
    if team is None and not anonymous:
        team = roster.get(respondent)
    if team is None:
        return "no team: the team question is unanswered or absent and the respondent is not on the roster"

    problems: list[str] = []
    row_answers: list[AnswerRow] = []
    for index, question in columns.questions:
        try:
            parsed = read_answer(question, cells[index], choices.get(question.id))
        except _AnswerError as exc:
            problems.append(f"{header[index]!r} ({question.type}): {exc}")
            continue
        if parsed is not None:
            row_answers.append(
                AnswerRow(
                    export.file,
                    row_number,
                    question.id,
                    question.type,
                    question.topic,
                    parsed.score,
                    parsed.favourable,
                    parsed.text,
                    loaded_at,
                )
            )
    if problems:
        return "; ".join(problems)
    response = ResponseRow(export.file, row_number, wave.id, respondent, anonymous, team, submitted, loaded_at)
    return response, row_answers


# -------------------------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class Roster:
    """Who was asked: respondent hash -> team, and the roster rows that could not be used."""

    members: dict[str, str]
    problems: tuple[tuple[int, str], ...]
    sha256: str


def read_roster(path: Path, cfg: PulseConfig, key: bytes) -> Roster:
    """Read a roster CSV (``email`` and ``team`` columns; any case, , or ; separated) into hashed members."""
    data = path.read_bytes()
    text, _ = decode(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records:
        raise SurveyFileError(f"{path.name}: empty roster (expected a header with email and team)")
    names = [normalise_header(h) for h in records[0]]
    email_col = next((i for i, n in enumerate(names) if n in ("email", "e-mail", "email address", "mail")), None)
    team_col = next((i for i, n in enumerate(names) if n == "team"), None)
    if email_col is None or team_col is None:
        raise SurveyFileError(f"{path.name}: row 1: the roster needs an 'email' and a 'team' column")
    rules = SurveyRules.from_config(cfg, key)
    members: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        email = record[email_col].strip() if email_col < len(record) else ""
        answer = record[team_col].strip() if team_col < len(record) else ""
        if not _EMAIL_LIKE.match(email):
            problems.append((number, f"{email!r} is not an e-mail address"))
            continue
        team = rules.resolve_team(answer) if answer else None
        if team is None:
            problems.append((number, f"unknown team {answer!r}"))
            continue
        member = hash_identity(email, key)
        if member in members and members[member] != team:
            problems.append((number, f"listed again, now under team {team!r}; the later row wins"))
        members[member] = team
    return Roster(members, tuple(problems), hashlib.sha256(data).hexdigest())


def theme_matcher(keywords: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any keyword as whole words (``ci`` matches "CI", not "specific")."""
    parts = sorted({re.escape(" ".join(k.split())).replace(r"\ ", r"\s+") for k in keywords}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
