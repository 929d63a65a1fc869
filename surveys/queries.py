"""Reading published survey results from the serving copy, for the command line, the dashboard and the report.

Only the published survey tables are read, and they already hold no figure for a hidden group: readers show
the ``suppressed_reason`` instead. The file is opened read-only and closed after each call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from surveys.presentation import rounded

SQL_DIR = Path(__file__).with_name("sql_read")
NO_SURVEYS = (
    "no survey results in the serving copy yet: drop form exports into surveys.folder and run `pulse run` "
    "(for the demo, `pulse demo --reload`)"
)


class SurveyDataError(RuntimeError):
    """The serving copy is missing, has no survey tables, or has no such wave; the message says what to do."""


@dataclass(frozen=True)
class Wave:
    """A survey wave: dates inclusive (UTC); ``organisation_respondents`` None when hidden or none."""

    wave: str
    start_date: date
    end_date: date
    previous_wave: str | None
    quarter_label: str
    min_group_size: int
    organisation_respondents: int | None


@dataclass(frozen=True)
class SurveyResults:
    """One wave's published results. Each section is a tuple of records (column -> value) in display order.

    Grains: ``nps`` one record per NPS question per group; ``participation`` per group; ``likert`` per topic
    (question_id None) or question per group; ``dora`` per DORA question per group; ``themes`` per theme per
    group; ``comments`` per free-text answer of a shown team. Percentages are 0..100, rates 0..1.
    """

    wave: Wave
    waves: tuple[Wave, ...]
    nps: tuple[dict[str, Any], ...] = ()
    participation: tuple[dict[str, Any], ...] = ()
    likert: tuple[dict[str, Any], ...] = ()
    dora: tuple[dict[str, Any], ...] = ()
    themes: tuple[dict[str, Any], ...] = ()
    comments: tuple[dict[str, Any], ...] = field(default=(), repr=False)


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.is_file():
        raise SurveyDataError(f"{path}: no serving copy yet. Run `pulse run` (or `make demo` for the sample).")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SurveyDataError(f"{path}: cannot open the serving copy read-only: {exc}") from exc


def _records(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(_sql(name), params or None)
    rows = cursor.fetchall()
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _read(path: Path, reader: Any) -> Any:
    con = _connect(path)
    try:
        return reader(con)
    except duckdb.CatalogException as exc:
        raise SurveyDataError(f"{path}: {NO_SURVEYS}") from exc
    finally:
        con.close()


def read_waves(path: Path) -> list[Wave]:
    """Every wave of the serving copy, oldest first."""
    return [Wave(**r) for r in _read(path, lambda con: _records(con, "waves.sql"))]


def has_surveys(path: Path) -> bool:
    """True when the serving copy holds at least one survey wave."""
    try:
        return bool(read_waves(path))
    except SurveyDataError:
        return False


def read_results(path: Path, wave: str | None = None) -> SurveyResults:
    """The published results of ``wave`` (default: the latest wave)."""

    def read(con: duckdb.DuckDBPyConnection) -> SurveyResults:
        waves = tuple(Wave(**r) for r in _records(con, "waves.sql"))
        if not waves:
            raise SurveyDataError(f"{path}: {NO_SURVEYS}")
        chosen = waves[-1] if wave is None else next((w for w in waves if w.wave == wave), None)
        if chosen is None:
            known = ", ".join(w.wave for w in waves)
            raise SurveyDataError(f"no survey wave {wave!r}; known waves: {known}")
        params = {"wave": chosen.wave}
        comments = _records(con, "comments.sql", params)
        for c in comments:
            c["themes"] = list(c["themes"] or [])
        dora = _records(con, "dora.sql", params)
        for d in dora:
            d["bucket_counts"] = None if d["bucket_counts"] is None else list(d["bucket_counts"])
        return SurveyResults(
            wave=chosen,
            waves=waves,
            nps=tuple(_records(con, "nps.sql", params)),
            participation=tuple(_records(con, "participation.sql", params)),
            likert=tuple(_records(con, "likert.sql", params)),
            dora=tuple(dora),
            themes=tuple(_records(con, "themes.sql", params)),
            comments=tuple(comments),
        )

    return _read(path, read)


def read_load_quality(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The export files read (format, rows, quarantined) and every quarantined row with its reason."""
    return _read(path, lambda con: (_records(con, "files.sql"), _records(con, "quarantine.sql")))


def results_json(results: SurveyResults) -> str:
    """The results as JSON (dates as ISO strings); what `pulse surveys --format json` prints."""

    def wave_doc(w: Wave) -> dict[str, Any]:
        return {**w.__dict__, "start_date": w.start_date.isoformat(), "end_date": w.end_date.isoformat()}

    doc = {
        "wave": wave_doc(results.wave),
        "nps": [rounded(r) for r in results.nps],
        "participation": [rounded(r) for r in results.participation],
        "likert": [rounded(r) for r in results.likert],
        "dora": [rounded(r) for r in results.dora],
        "themes": [rounded(r) for r in results.themes],
        "comments": list(results.comments),
    }
    return json.dumps(doc, indent=2, default=str)
