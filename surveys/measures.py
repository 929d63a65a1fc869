"""Survey measures: from the loaded responses to the published tables, with small groups hidden.

Runs ``surveys/sql/*.sql`` in order against the working warehouse. Between the SQL steps, Python does the two
things SQL is poor at: tagging free text with themes (keyword rules from the configuration) and deciding which
groups to hide (:mod:`surveys.anonymity`). Every table is rebuilt (``CREATE OR REPLACE``), so a recompute is
idempotent. Only :data:`SURVEY_TABLES` are published to the serving copy; the rest hold respondent hashes or
unhidden counts and stay in the working file.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pulse.config import PulseConfig, SurveyTheme, SurveyWave
from pulse.warehouse import insert_frame, rows_frame, run_sql_file, table_count
from surveys.anonymity import Group, suppressed_groups
from surveys.responses import quarter_wave, theme_matcher
from surveys.scales import scale_rows

SQL_DIR = Path(__file__).with_name("sql")

# Published (serving copy): the figures, with hidden groups' figures NULL, and the load's bookkeeping.
SURVEY_TABLES = (
    "survey_waves",
    "survey_participation",
    "survey_nps",
    "survey_likert",
    "survey_likert_topics",
    "survey_dora",
    "survey_themes",
    "survey_comments",
    "survey_quarantine",
    "survey_files",
)


@dataclass(frozen=True)
class SurveyParams:
    """What the survey SQL needs from the configuration."""

    organisation: str
    min_group_size: int
    waves: tuple[SurveyWave, ...]  # empty: one wave per calendar quarter that has responses
    org_units: tuple[tuple[str, str | None], ...]  # team -> department
    themes: tuple[SurveyTheme, ...]

    @classmethod
    def from_config(cls, cfg: PulseConfig) -> SurveyParams:
        return cls(
            organisation=cfg.organisation,
            min_group_size=cfg.surveys.min_group_size,
            waves=cfg.surveys.waves,
            org_units=tuple((t.name, t.department) for t in cfg.teams),
            themes=cfg.surveys.themes,
        )


def _sql(name: str) -> Path:
    return SQL_DIR / name


def _quarter_start(day: date) -> date:
    return quarter_wave(day).start


def wave_rows(waves: tuple[SurveyWave, ...], seen: list[str]) -> list[dict[str, object]]:
    """``survey_wave_defs`` rows: the configured waves, or the calendar quarters seen in the responses."""
    if not waves:
        derived = []
        for wave_id in sorted(set(seen)):
            match = re.fullmatch(r"(\d{4})-Q([1-4])", wave_id)
            if match:
                derived.append(quarter_wave(date(int(match.group(1)), (int(match.group(2)) - 1) * 3 + 1, 1)))
        waves = tuple(derived)
    rows: list[dict[str, object]] = []
    previous: str | None = None
    for ordinal, wave in enumerate(sorted(waves, key=lambda w: w.start), start=1):
        quarter = quarter_wave(wave.start)
        rows.append(
            {
                "wave": wave.id,
                "start_date": wave.start,
                "end_date": wave.end,
                "ordinal": ordinal,
                "previous_wave": previous,
                "quarter_label": quarter.id,
                "quarter_start": quarter.start,
                "quarter_end": quarter.end + timedelta(days=1),
            }
        )
        previous = wave.id
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]], columns: list[str]) -> None:
    insert_frame(con, table, rows_frame(rows, columns))


def _tag_themes(con: duckdb.DuckDBPyConnection, themes: tuple[SurveyTheme, ...]) -> int:
    if not themes:
        return 0
    matchers = [(t.name, theme_matcher(t.keywords)) for t in themes]
    answers = con.execute(
        "SELECT r.wave, r.respondent, a.question_id, a.text FROM survey_responses r "
        "JOIN raw_survey_answers a ON a.file = r.file AND a.row_number = r.row_number WHERE a.text IS NOT NULL"
    ).fetchall()
    rows = [
        {"wave": wave, "respondent": respondent, "question_id": qid, "theme": name}
        for wave, respondent, qid, text in answers
        for name, pattern in matchers
        if pattern.search(text)
    ]
    _insert(con, "survey_text_themes", rows, ["wave", "respondent", "question_id", "theme"])
    return len(rows)


def _suppress(con: duckdb.DuckDBPyConnection, minimum: int) -> int:
    cells = con.execute(
        "SELECT wave, measure, question_id, scope, group_name, parent_scope, parent_name, n FROM survey_cell_sizes"
    ).fetchall()
    by_measure: dict[tuple[str, str, str], list[Group]] = defaultdict(list)
    for wave, measure, qid, scope, name, parent_scope, parent_name, n in cells:
        parent = (parent_scope, parent_name) if parent_scope is not None else None
        by_measure[(wave, measure, qid)].append(Group((scope, name), parent, int(n)))
    rows = []
    for (wave, measure, qid), groups in sorted(by_measure.items()):
        for (scope, name), reason in sorted(suppressed_groups(groups, minimum).items()):
            rows.append(
                {
                    "wave": wave,
                    "measure": measure,
                    "question_id": qid,
                    "scope": scope,
                    "group_name": name,
                    "reason": reason,
                }
            )
    _insert(con, "survey_suppressed", rows, ["wave", "measure", "question_id", "scope", "group_name", "reason"])
    return len(rows)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [name]
    ).fetchall()
    return bool(found[0][0])


def compute_survey_tables(
    con: duckdb.DuckDBPyConnection, params: SurveyParams, log: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Rebuild every survey table from the raw survey tables (and metrics_weekly); returns published row counts."""
    started = time.perf_counter()
    bound = {"organisation": params.organisation, "min_group_size": params.min_group_size}
    run_sql_file(con, _sql("00_reference.sql"))
    seen = [r[0] for r in con.execute("SELECT DISTINCT wave FROM raw_survey_responses").fetchall()]
    _insert(
        con,
        "survey_wave_defs",
        wave_rows(params.waves, seen),
        ["wave", "start_date", "end_date", "ordinal", "previous_wave", "quarter_label", "quarter_start", "quarter_end"],
    )
    _insert(
        con, "survey_org_units", [{"team": t, "department": d} for t, d in params.org_units], ["team", "department"]
    )
    _insert(
        con,
        "survey_dora_scale",
        scale_rows(),
        ["kind", "metric", "unit", "bucket", "label", "lower_bound", "upper_bound"],
    )
    _insert(
        con,
        "survey_theme_defs",
        [{"theme": t.name, "ordinal": i} for i, t in enumerate(params.themes, start=1)],
        ["theme", "ordinal"],
    )
    run_sql_file(con, _sql("10_survey_responses.sql"), bound)
    tagged = _tag_themes(con, params.themes)
    run_sql_file(con, _sql("20_survey_cells.sql"), bound)
    source = "metrics_weekly.sql" if _has_table(con, "metrics_weekly") else "metrics_weekly_empty.sql"
    run_sql_file(con, SQL_DIR / "source" / source)
    run_sql_file(con, _sql("30_survey_dora_measured.sql"), bound)
    hidden = _suppress(con, params.min_group_size)
    run_sql_file(con, _sql("40_survey_outputs.sql"), bound)
    counts = {table: table_count(con, table) for table in SURVEY_TABLES}
    if log:
        log(
            f"survey tables rebuilt in {time.perf_counter() - started:.2f}s: "
            f"{table_count(con, 'survey_responses')} responses counted, {tagged} theme tags, "
            f"{hidden} hidden groups (minimum {params.min_group_size})"
        )
    return counts
