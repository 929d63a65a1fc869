"""The DuckDB warehouse: connecting, running SQL files, idempotent writes, and publishing the serving copy.

All timestamps in the warehouse are naive ``TIMESTAMP`` values in UTC; columns ending in ``_at`` follow that
rule. Display code converts to the configured timezone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating its folder when writing."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    return con


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, params: Mapping[str, Any] | None = None) -> None:
    """Run every statement of a SQL file; ``$name`` parameters are bound from params, never formatted in."""
    sql = path.read_text(encoding="utf-8")
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    bound = {k: v for k, v in (params or {}).items() if k in used}
    missing = used - set(bound)
    if missing:
        raise ValueError(f"{path.name}: parameters not given: {', '.join(sorted(missing))}")
    # DuckDB binds named parameters per statement, so split on statement boundaries first.
    for statement in _statements(sql):
        names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", statement))
        con.execute(statement, {k: bound[k] for k in names} if names else None)


def _statements(sql: str) -> list[str]:
    out: list[str] = []
    for chunk in _strip_comments(sql).split(";"):
        if chunk.strip():
            out.append(chunk.strip())
    return out


def _strip_comments(sql: str) -> str:
    lines = []
    for line in sql.splitlines():
        # Our SQL files keep `--` comments on their own or trailing lines and never inside string literals.
        idx = line.find("--")
        lines.append(line if idx < 0 else line[:idx])
    return "\n".join(lines)


def rows_frame(rows: Sequence[Any], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A DataFrame from dataclass rows (or mappings), keeping column order even when there are no rows."""
    if rows and is_dataclass(rows[0]):
        records = [asdict(r) for r in rows]
        columns = columns or [f.name for f in fields(rows[0])]
    else:
        records = [dict(r) for r in rows]
    return pd.DataFrame.from_records(records, columns=list(columns) if columns else None)


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Any],
    *,
    where: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
    newer_than: tuple[str, Any] | None = None,
    own_transaction: bool = True,
) -> int:
    """Replace the slice of ``table`` selected by ``where`` (all rows when None) with ``rows``, atomically.

    ``newer_than=(column, value)`` narrows the slice to rows with ``column >= value``, so a sync that read only
    a recent window leaves older history in place.

    Idempotent: running it twice with the same rows leaves the same table. If the insert fails, the delete is
    rolled back, so nothing already stored is lost. Pass ``own_transaction=False`` inside ``transaction(con)``
    to replace several tables together.
    """
    _check_ident(table)
    frame = rows_frame(rows, columns)
    clauses, values = [], []
    for column, value in (where or {}).items():
        _check_ident(column)
        clauses.append(f"{column} = ?")
        values.append(value)
    if newer_than is not None:
        _check_ident(newer_than[0])
        clauses.append(f"{newer_than[0]} >= ?")
        values.append(newer_than[1])
    where_sql = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with transaction(con) if own_transaction else nullcontext():
        con.execute(f"DELETE FROM {table}{where_sql}", values)
        insert_frame(con, table, frame)
    return len(frame)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a DataFrame's rows by column name (no delete; callers own the transaction)."""
    _check_ident(table)
    if not len(frame):
        return
    # Registering again replaces the view, so a failed insert (rolled back by the caller) leaves nothing stale.
    con.register("_incoming_rows", frame)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming_rows")
    con.unregister("_incoming_rows")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit on success, roll back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` is a table (not a view) of the main schema."""
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [table]
    ).fetchall()
    return rows[0][0] > 0


def table_count(con: duckdb.DuckDBPyConnection, table: str, where: Mapping[str, Any] | None = None) -> int:
    _check_ident(table)
    clauses = []
    for column in where or {}:
        _check_ident(column)
        clauses.append(f"{column} = ?")
    where_sql = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = con.execute(f"SELECT count(*) FROM {table}{where_sql}", list((where or {}).values())).fetchall()
    return int(rows[0][0])


def set_meta(con: duckdb.DuckDBPyConnection, values: Mapping[str, str]) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS pulse_meta (key TEXT PRIMARY KEY, value TEXT)")
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO pulse_meta VALUES (?, ?)", [key, value])


def publish_serving_copy(con: duckdb.DuckDBPyConnection, serving_path: Path, tables: Iterable[str]) -> Path:
    """Copy the given tables into a fresh file and atomically replace the serving copy with it.

    Readers (dashboard, report) open only the serving copy, so they never contend with the writer's lock and
    never see a half-written file: ``os.replace`` swaps the whole file in one step.
    """
    serving_path = Path(serving_path)
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    con.execute("ATTACH ? AS serving_tmp", [str(tmp)])
    try:
        for table in tables:
            _check_ident(table)
            con.execute(f"CREATE TABLE serving_tmp.{table} AS SELECT * FROM main.{table}")
    finally:
        con.execute("DETACH serving_tmp")
    os.replace(tmp, serving_path)
    wal = tmp.with_name(tmp.name + ".wal")
    if wal.exists():
        wal.unlink()
    return serving_path


def utc_now() -> datetime:
    """Now, in UTC, as a naive timestamp (the warehouse convention).

    ``$PULSE_NOW`` (ISO 8601, UTC) freezes it, so that a run over recorded data is reproducible.
    """
    frozen = os.environ.get("PULSE_NOW")
    if frozen:
        return to_utc_naive(datetime.fromisoformat(frozen.replace("Z", "+00:00")))  # type: ignore[return-value]
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc_naive(value: datetime | None) -> datetime | None:
    """Normalise an aware or naive-UTC datetime to naive UTC for storage."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _check_ident(name: str) -> None:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")


SCHEMA_SQL = Path(__file__).with_name("sql") / "schema.sql"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables if they do not exist (idempotent)."""
    run_sql_file(con, SCHEMA_SQL)
