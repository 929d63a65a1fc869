"""Loading the export folder into the raw survey tables: each file once per content, a new version replacing the old.

Grain: ``raw_survey_files`` one row per file name; ``raw_survey_responses``/``raw_survey_answers``/
``raw_survey_quarantine`` the rows read from each file (see pulse/sql/schema.sql); ``raw_survey_roster`` one
row per person on the roster. A file is skipped when its bytes (sha256) and the survey configuration
(fingerprint) are those it was last read with; a file with the bytes of another loaded file is recorded as
its duplicate and adds nothing. Files that disappear from the folder keep their rows (exports are archives).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pulse.config import PulseConfig
from pulse.warehouse import ensure_schema, replace_rows, transaction
from surveys.exports import EXPORT_SUFFIXES, SurveyFileError, read_export
from surveys.identity import SurveyKey
from surveys.responses import HEADER_ROW, QuarantineRow, Roster, SurveyRules, parse_export, read_roster

FILE_COLUMNS = [
    "file",
    "sha256",
    "fingerprint",
    "format",
    "encoding",
    "delimiter",
    "status",
    "data_rows",
    "responses",
    "quarantined",
    "loaded_at",
]


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file in this load: loaded, unchanged, duplicate or unreadable."""

    file: str
    status: str
    responses: int = 0
    quarantined: int = 0
    message: str = ""


@dataclass(frozen=True)
class LoadSummary:
    folder: Path
    outcomes: tuple[FileOutcome, ...]
    roster_members: int
    roster_problems: int

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def export_files(folder: Path, *, exclude: Path | None = None) -> list[Path]:
    """The export files in ``folder`` (not its sub-folders), by name; hidden files and Excel lock files skipped."""
    if not folder.is_dir():
        return []
    skip = exclude.resolve() if exclude is not None else None
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in EXPORT_SUFFIXES
        and not p.name.startswith((".", "~$"))
        and p.resolve() != skip
    )


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upgrade_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the survey tables; a warehouse from before per-question answers drops its old answer table.

    Its rows are re-read from the export files, which are still in the folder: nothing is lost.
    """
    columns = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = 'raw_survey_answers'"
    ).fetchall()
    if columns and "question_id" not in {c[0] for c in columns}:
        con.execute("DROP TABLE raw_survey_answers")
    ensure_schema(con)


def _write_file(
    con: duckdb.DuckDBPyConnection,
    record: dict[str, object],
    responses: tuple = (),
    answers: tuple = (),
    quarantine: tuple = (),
) -> None:
    """Replace everything stored for one file name in one transaction: no reader sees half a file."""
    name = record["file"]
    with transaction(con):
        replace_rows(con, "raw_survey_responses", list(responses), where={"file": name}, own_transaction=False)
        replace_rows(con, "raw_survey_answers", list(answers), where={"file": name}, own_transaction=False)
        replace_rows(con, "raw_survey_quarantine", list(quarantine), where={"file": name}, own_transaction=False)
        replace_rows(
            con, "raw_survey_files", [record], where={"file": name}, columns=FILE_COLUMNS, own_transaction=False
        )


def _load_roster(con: duckdb.DuckDBPyConnection, cfg: PulseConfig, key: SurveyKey, loaded_at: datetime) -> Roster:
    path = cfg.surveys.roster
    if path is None:
        replace_rows(con, "raw_survey_roster", [], columns=["respondent", "team"])
        return Roster({}, (), "")
    roster = read_roster(path, cfg, key.value)
    problems = [QuarantineRow(path.name, number, f"roster: {reason}", loaded_at) for number, reason in roster.problems]
    with transaction(con):
        replace_rows(
            con,
            "raw_survey_roster",
            [{"respondent": r, "team": t} for r, t in sorted(roster.members.items())],
            columns=["respondent", "team"],
            own_transaction=False,
        )
        replace_rows(con, "raw_survey_quarantine", problems, where={"file": path.name}, own_transaction=False)
    return roster


def load_survey_folder(
    con: duckdb.DuckDBPyConnection,
    cfg: PulseConfig,
    key: SurveyKey,
    loaded_at: datetime,
    log: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Read every new or changed export of ``surveys.folder`` (and the roster) into the raw survey tables."""
    say = log or (lambda _message: None)
    folder = cfg.surveys.folder
    upgrade_schema(con)
    roster = _load_roster(con, cfg, key, loaded_at)
    rules = SurveyRules.from_config(cfg, key.value, roster.members)
    fingerprint = rules.fingerprint()
    known = {
        row[0]: (row[1], row[2], row[3])
        for row in con.execute("SELECT file, sha256, fingerprint, status FROM raw_survey_files").fetchall()
    }
    outcomes: list[FileOutcome] = []
    for path in export_files(folder, exclude=cfg.surveys.roster):
        data = path.read_bytes()
        sha = file_sha256(data)
        previous = known.get(path.name)
        if previous is not None and previous[:2] == (sha, fingerprint):
            outcomes.append(FileOutcome(path.name, "unchanged"))
            continue
        twin = next(
            (
                name
                for name, (other_sha, other_fp, status) in sorted(known.items())
                if name != path.name and other_sha == sha and other_fp == fingerprint and status == "loaded"
            ),
            None,
        )
        record: dict[str, object] = {
            "file": path.name,
            "sha256": sha,
            "fingerprint": fingerprint,
            "format": None,
            "encoding": None,
            "delimiter": None,
            "status": "loaded",
            "data_rows": 0,
            "responses": 0,
            "quarantined": 0,
            "loaded_at": loaded_at,
        }
        if twin is not None:
            record["status"] = f"duplicate of {twin}"
            _write_file(con, record)
            known[path.name] = (sha, fingerprint, str(record["status"]))
            outcomes.append(FileOutcome(path.name, "duplicate", message=f"same bytes as {twin}; nothing added"))
            say(f"{path.name}: same content as {twin}, already loaded; nothing added")
            continue
        try:
            export = read_export(path, data)
            parsed = parse_export(export, rules, file_sha256=sha, loaded_at=loaded_at)
        except SurveyFileError as exc:
            reason = f"file not read: {exc}"
            record["status"] = "unreadable"
            record["quarantined"] = 1
            _write_file(con, record, quarantine=(QuarantineRow(path.name, HEADER_ROW, reason, loaded_at),))
            known[path.name] = (sha, fingerprint, "unreadable")
            outcomes.append(FileOutcome(path.name, "unreadable", quarantined=1, message=str(exc)))
            say(f"{path.name}: {reason}")
            continue
        record.update(
            format=export.format,
            encoding=export.encoding,
            delimiter=export.delimiter,
            data_rows=parsed.data_rows,
            responses=len(parsed.responses),
            quarantined=len(parsed.quarantine),
        )
        _write_file(con, record, parsed.responses, parsed.answers, parsed.quarantine)
        known[path.name] = (sha, fingerprint, "loaded")
        replaced = " (replacing its earlier version)" if previous is not None else ""
        outcomes.append(FileOutcome(path.name, "loaded", len(parsed.responses), len(parsed.quarantine)))
        say(
            f"{path.name}: {export.format}, {len(parsed.responses)} responses, "
            f"{len(parsed.quarantine)} quarantined{replaced}"
        )
    return LoadSummary(folder, tuple(outcomes), len(roster.members), len(roster.problems))
