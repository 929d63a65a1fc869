"""Incremental incident sync: windows read once, cursors committed with the rows they cover.

A scope is one configured PagerDuty service id, or ``*`` when every service is read. Its cursor
(``raw_pagerduty_cursors``) says that incidents created in [synced_from, synced_until) are stored. A run:

1. reads forward from ``synced_until`` minus a small overlap (or from the history start on the first run), window by
   window; each window's incidents replace the stored ones of that window and scope, and the cursor moves, in one
   transaction, so a run stopped halfway (rate limit, a bad page, a crash) resumes where it stopped and leaves
   neither gaps nor duplicates;
2. reads backwards from ``synced_from`` when ``history_days`` grew since the last run;
3. reads again, one by one, the stored incidents that were still open and were not in any window just read, so that
   a resolution long after creation is seen.

Scopes with the same cursor are read together (``service_ids[]``), so a fresh configuration costs one query per
window, not one per service. Dagster-free: it needs only a DuckDB connection and a client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

import duckdb
import pagerduty

from pipelines.defs.pagerduty.fetch import (
    MAX_POSITION,
    IncidentRow,
    fetch_incident,
    fetch_incident_window,
    windows,
)
from pulse.config import PagerDutyConfig
from pulse.warehouse import insert_frame, rows_frame, transaction

ALL_SERVICES = "*"
# Incidents are indexed by PagerDuty a moment after they are created: read the last stretch again.
OVERLAP = timedelta(hours=1)
INCIDENT_COLUMNS = [f.name for f in fields(IncidentRow)]


@dataclass(frozen=True)
class Cursor:
    scope: str
    synced_from: datetime
    synced_until: datetime


@dataclass
class SyncReport:
    """What one sync did; the asset turns it into metadata."""

    windows_read: int = 0
    incidents_written: int = 0
    resolved_from_log_entries: int = 0
    open_refreshed: int = 0
    open_not_found: list[str] = field(default_factory=list)
    cursors: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)


def read_cursors(con: duckdb.DuckDBPyConnection, scopes: Sequence[str]) -> dict[str, Cursor]:
    rows = con.execute(
        "SELECT scope, synced_from, synced_until FROM raw_pagerduty_cursors WHERE scope IN (SELECT unnest(?::TEXT[]))",
        [list(scopes)],
    ).fetchall()
    return {r[0]: Cursor(r[0], r[1], r[2]) for r in rows}


def sync_incidents(
    con: duckdb.DuckDBPyConnection,
    client: pagerduty.RestApiV2Client,
    cfg: PagerDutyConfig,
    since: datetime,
    now: datetime,
    *,
    max_position: int = MAX_POSITION,
    log: Callable[[str], None] | None = None,
) -> SyncReport:
    """Bring ``raw_pagerduty_incidents`` up to date for incidents created in [since, now); see the module doc."""
    say = log or (lambda _message: None)
    size = timedelta(days=cfg.window_days)
    scopes = list(cfg.services) or [ALL_SERVICES]
    cursors = read_cursors(con, scopes)
    report = SyncReport()
    read_ids: set[str] = set()

    groups: dict[tuple[datetime, datetime] | None, list[str]] = {}
    for scope in scopes:
        cursor = cursors.get(scope)
        groups.setdefault((cursor.synced_from, cursor.synced_until) if cursor else None, []).append(scope)

    for key, group in groups.items():
        service_ids = [] if group == [ALL_SERVICES] else group
        if key is None:
            forward_from, backfill = since, []
        else:
            synced_from, synced_until = key
            forward_from = max(synced_until - OVERLAP, since)
            backfill = list(windows(since, synced_from, size))[::-1] if since < synced_from else []
        forward = list(windows(forward_from, now, size))
        for start, end in forward + backfill:
            rows = fetch_incident_window(client, start, end, now, service_ids=service_ids, max_position=max_position)
            _write_window(con, group, service_ids, start, end, rows, now)
            read_ids.update(r.incident_id for r in rows)
            report.windows_read += 1
            report.incidents_written += len(rows)
            report.resolved_from_log_entries += sum(1 for r in rows if r.resolved_from == "log_entries")
            say(f"PagerDuty incidents {start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M}: {len(rows)}")

    _refresh_open(con, client, cfg, since, now, read_ids, report)
    report.cursors = {c.scope: (c.synced_from, c.synced_until) for c in read_cursors(con, scopes).values()}
    return report


def _write_window(
    con: duckdb.DuckDBPyConnection,
    scopes: Sequence[str],
    service_ids: Sequence[str],
    start: datetime,
    end: datetime,
    rows: Sequence[IncidentRow],
    now: datetime,
) -> None:
    """Replace one window of one group of scopes and move their cursors, atomically."""
    with transaction(con):
        if service_ids:
            con.execute(
                "DELETE FROM raw_pagerduty_incidents WHERE created_at >= ? AND created_at < ? "
                "AND service_id IN (SELECT unnest(?::TEXT[]))",
                [start, end, list(service_ids)],
            )
        else:
            con.execute("DELETE FROM raw_pagerduty_incidents WHERE created_at >= ? AND created_at < ?", [start, end])
        # An incident moved to another service, or read again by id earlier, is replaced, not duplicated.
        con.execute(
            "DELETE FROM raw_pagerduty_incidents WHERE incident_id IN (SELECT unnest(?::TEXT[]))",
            [[r.incident_id for r in rows]],
        )
        insert_frame(con, "raw_pagerduty_incidents", rows_frame(list(rows), INCIDENT_COLUMNS))
        for scope in scopes:
            con.execute(
                """
                INSERT INTO raw_pagerduty_cursors (scope, synced_from, synced_until, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (scope) DO UPDATE SET
                    synced_from = least(raw_pagerduty_cursors.synced_from, excluded.synced_from),
                    synced_until = greatest(raw_pagerduty_cursors.synced_until, excluded.synced_until),
                    updated_at = excluded.updated_at
                """,
                [scope, start, end, now],
            )


def _refresh_open(
    con: duckdb.DuckDBPyConnection,
    client: pagerduty.RestApiV2Client,
    cfg: PagerDutyConfig,
    since: datetime,
    now: datetime,
    read_ids: set[str],
    report: SyncReport,
) -> None:
    """Read again, by id, stored incidents that were open last time and were not in this run's windows.

    Only those created within the history window: an incident left open for longer no longer counts anywhere.
    """
    params: list[object] = [since]
    scope_sql = ""
    if cfg.services:
        scope_sql = " AND service_id IN (SELECT unnest(?::TEXT[]))"
        params.append(list(cfg.services))
    open_ids = [
        r[0]
        for r in con.execute(
            "SELECT incident_id FROM raw_pagerduty_incidents WHERE status IS DISTINCT FROM 'resolved' "
            "AND created_at >= ?" + scope_sql,
            params,
        ).fetchall()
        if r[0] not in read_ids
    ]
    if not open_ids:
        return
    fresh: list[IncidentRow] = []
    for incident_id in open_ids:
        row = fetch_incident(client, incident_id, now)
        if row is None:
            # Kept as stored: losing an incident would hide a failure; the asset reports it.
            report.open_not_found.append(incident_id)
        else:
            fresh.append(row)
    with transaction(con):
        con.execute(
            "DELETE FROM raw_pagerduty_incidents WHERE incident_id IN (SELECT unnest(?::TEXT[]))",
            [[r.incident_id for r in fresh]],
        )
        insert_frame(con, "raw_pagerduty_incidents", rows_frame(fresh, INCIDENT_COLUMNS))
    report.open_refreshed = len(fresh)
    report.resolved_from_log_entries += sum(1 for r in fresh if r.resolved_from == "log_entries")
