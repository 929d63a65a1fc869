"""Reading what a GitHub sync already stored, and writing its rows with their cursors in one transaction.

Writes are upserts on each table's natural key (delete the incoming keys, insert), so a sync that reads an
item again replaces it instead of duplicating it, and one killed half-way leaves either all of a repository
endpoint's rows and its cursor, or none of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from pipelines.defs.github.detect import RawGitHub
from pipelines.defs.github.fetch import StoredDeployment
from pipelines.defs.github.rows import CursorRow, columns
from pulse.warehouse import insert_frame, transaction

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_ident(name: str) -> None:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")


KEYS: dict[str, tuple[str, ...]] = {
    "raw_github_repositories": ("repository",),
    "raw_github_deployments": ("repository", "deployment_id"),
    "raw_github_workflow_runs": ("repository", "run_id"),
    "raw_github_pull_requests": ("repository", "number"),
    "raw_github_pull_request_commits": ("repository", "number", "sha"),
    "raw_github_pull_request_reviews": ("repository", "number", "review_id"),
    "raw_github_pull_request_files": ("repository", "number", "filename"),
    "raw_github_commits": ("repository", "sha"),
    "raw_github_releases": ("repository", "release_id"),
    "raw_github_tags": ("repository", "name"),
    "raw_github_compares": ("repository", "base_sha", "head_sha"),
    "raw_github_compare_commits": ("repository", "base_sha", "head_sha", "sha"),
    "raw_github_incident_issues": ("repository", "number"),
    "github_sync_cursors": ("repository", "endpoint"),
}


@dataclass
class Write:
    """Everything one repository endpoint's sync writes, applied together by :func:`apply`."""

    upserts: list[tuple[str, Sequence[Any]]] = field(default_factory=list)
    """(table, rows): rows replacing those with the same key."""
    replace_children: list[tuple[str, str, list[int], Sequence[Any]]] = field(default_factory=list)
    """(table, repository, parent numbers, rows): every child of those pull requests replaced by ``rows``."""
    replace_slices: list[tuple[str, str, Sequence[Any]]] = field(default_factory=list)
    """(table, repository, rows): the repository's whole slice of the table replaced by ``rows``."""
    cursors: list[CursorRow] = field(default_factory=list)


def frame_of(rows: Sequence[Any], row_type: type | None = None) -> pd.DataFrame:
    """A DataFrame of dataclass rows, column per field (without ``asdict``'s deep copies: these rows are flat)."""
    kind = row_type or type(rows[0])
    names = columns(kind)
    return pd.DataFrame.from_records([tuple(getattr(r, n) for n in names) for r in rows], columns=names)


def upsert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Any]) -> int:
    """Replace rows with the same key (``KEYS[table]``) and insert the rest; the caller owns the transaction."""
    if not rows:
        return 0
    _check_ident(table)
    keys = KEYS[table]
    frame = frame_of(rows)
    con.register("_upsert_keys", frame[list(keys)].drop_duplicates())
    try:
        condition = " AND ".join(f"t.{k} = k.{k}" for k in keys)
        con.execute(f"DELETE FROM {table} t USING _upsert_keys k WHERE {condition}")
    finally:
        con.unregister("_upsert_keys")
    insert_frame(con, table, frame.drop_duplicates(subset=list(keys), keep="last"))
    return len(frame)


def apply(con: duckdb.DuckDBPyConnection, write: Write) -> None:
    """Apply one sync's rows and cursors atomically: all of them or, on any error, none."""
    with transaction(con):
        for table, repository, numbers, rows in write.replace_children:
            _check_ident(table)
            if numbers:
                con.execute(
                    f"DELETE FROM {table} WHERE repository = $repo AND number IN (SELECT unnest($numbers::INTEGER[]))",
                    {"repo": repository, "numbers": numbers},
                )
            if rows:
                insert_frame(con, table, frame_of(rows))
        for table, repository, rows in write.replace_slices:
            _check_ident(table)
            con.execute(f"DELETE FROM {table} WHERE repository = ?", [repository])
            if rows:
                insert_frame(con, table, frame_of(rows))
        merged: dict[str, list[Any]] = {}
        for table, rows in write.upserts:
            merged.setdefault(table, []).extend(rows)
        for table, rows in merged.items():
            upsert(con, table, rows)
        upsert(con, "github_sync_cursors", write.cursors)


def replace_table(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Any], row_type: type) -> None:
    """Replace a whole derived table's contents atomically."""
    _check_ident(table)
    with transaction(con):
        con.execute(f"DELETE FROM {table}")
        if rows:
            insert_frame(con, table, frame_of(rows, row_type))


# -- reading -----------------------------------------------------------------------------------------------


def cursors(con: duckdb.DuckDBPyConnection, repository: str) -> dict[str, CursorRow]:
    rows = con.execute(
        """SELECT repository, endpoint, cursor_at, etag, rules_hash, synced_at
           FROM github_sync_cursors WHERE repository = ?""",
        [repository],
    ).fetchall()
    return {r[1]: CursorRow(*r) for r in rows}


def active_repositories(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT repository FROM raw_github_repositories WHERE NOT coalesce(archived, false) ORDER BY repository"
        ).fetchall()
    ]


def stored_deployments(con: duckdb.DuckDBPyConnection, repository: str) -> dict[int, StoredDeployment]:
    rows = con.execute(
        "SELECT deployment_id, updated_at, latest_state, created_at FROM raw_github_deployments WHERE repository = ?",
        [repository],
    ).fetchall()
    return {int(r[0]): StoredDeployment(r[1], r[2], r[3]) for r in rows}


def stored_pull_updates(con: duckdb.DuckDBPyConnection, repository: str) -> dict[int, datetime | None]:
    rows = con.execute(
        "SELECT number, updated_at FROM raw_github_pull_requests WHERE repository = ?", [repository]
    ).fetchall()
    return {int(r[0]): r[1] for r in rows}


def pull_request_shas(con: duckdb.DuckDBPyConnection, repository: str) -> set[str]:
    """Every commit a stored pull request brought: merge (or squash) commits and the listed commits."""
    rows = con.execute(
        """SELECT merge_commit_sha FROM raw_github_pull_requests WHERE repository = $r AND merge_commit_sha IS NOT NULL
           UNION SELECT sha FROM raw_github_pull_request_commits WHERE repository = $r""",
        {"r": repository},
    ).fetchall()
    return {r[0] for r in rows}


def known_commit_files(con: duckdb.DuckDBPyConnection, repository: str) -> dict[str, list[str] | None]:
    rows = con.execute("SELECT sha, files FROM raw_github_commits WHERE repository = ?", [repository]).fetchall()
    return {r[0]: (list(r[1]) if r[1] is not None else None) for r in rows}


def known_release_shas(con: duckdb.DuckDBPyConnection, repository: str) -> dict[int, str | None]:
    rows = con.execute("SELECT release_id, sha FROM raw_github_releases WHERE repository = ?", [repository]).fetchall()
    return {int(r[0]): r[1] for r in rows}


def known_tags(con: duckdb.DuckDBPyConnection, repository: str) -> dict[str, tuple[str | None, datetime | None]]:
    rows = con.execute(
        "SELECT name, sha, committed_at FROM raw_github_tags WHERE repository = ?", [repository]
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def stored_compares(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    rows = con.execute("SELECT repository, base_sha, head_sha FROM raw_github_compares").fetchall()
    return {(r[0], r[1], r[2]) for r in rows}


def records(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts (column name → value)."""
    cursor = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def grouped(rows: Iterable[dict[str, Any]], *key: str) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in key), []).append(row)
    return out


def load_raw(con: duckdb.DuckDBPyConnection) -> RawGitHub:
    """Every raw GitHub row detection reads (one query per table)."""
    return RawGitHub(
        deployments=records(con, "SELECT * FROM raw_github_deployments"),
        runs=records(con, "SELECT * FROM raw_github_workflow_runs"),
        releases=records(con, "SELECT * FROM raw_github_releases"),
        tags=records(con, "SELECT * FROM raw_github_tags"),
        pulls=records(con, "SELECT * FROM raw_github_pull_requests"),
        pull_commits=records(
            con, "SELECT repository, number, sha, authored_at, message FROM raw_github_pull_request_commits"
        ),
        reviews=records(con, "SELECT * FROM raw_github_pull_request_reviews"),
        pull_files=records(con, "SELECT repository, number, filename FROM raw_github_pull_request_files"),
        commits=records(con, "SELECT * FROM raw_github_commits"),
    )
