"""Reading PagerDuty services and incidents into row dataclasses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pagerduty

from pulse.config import PagerDutyConfig
from pulse.warehouse import to_utc_naive

# The incidents index accepts bounded since/until ranges and caps offset paging, so long histories are read
# in windows of this size.
WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class ServiceRow:
    """One PagerDuty service."""

    service_id: str
    name: str | None
    status: str | None
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class IncidentRow:
    """One PagerDuty incident; times in UTC."""

    incident_id: str
    incident_number: int | None
    title: str | None
    status: str | None
    urgency: str | None
    priority: str | None
    service_id: str | None
    created_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_from: str | None
    html_url: str | None
    fetched_at: datetime


def parse_time(value: str | None) -> datetime | None:
    """PagerDuty's ISO 8601 (``2026-01-02T03:04:05Z`` or with an offset) to naive UTC."""
    if not value:
        return None
    return to_utc_naive(datetime.fromisoformat(value.replace("Z", "+00:00")))


def fetch_services(client: pagerduty.RestApiV2Client, cfg: PagerDutyConfig, fetched_at: datetime) -> list[ServiceRow]:
    wanted = set(cfg.services)
    rows = []
    for svc in client.iter_all("services"):
        if wanted and svc["id"] not in wanted:
            continue
        rows.append(
            ServiceRow(
                service_id=svc["id"],
                name=svc.get("name") or svc.get("summary"),
                status=svc.get("status"),
                html_url=svc.get("html_url"),
                fetched_at=fetched_at,
            )
        )
    return rows


def windows(since: datetime, until: datetime, size: timedelta = WINDOW) -> Iterator[tuple[datetime, datetime]]:
    start = since
    while start < until:
        end = min(start + size, until)
        yield start, end
        start = end


def fetch_incidents(
    client: pagerduty.RestApiV2Client,
    cfg: PagerDutyConfig,
    since: datetime,
    until: datetime,
    fetched_at: datetime,
) -> list[IncidentRow]:
    """Incidents created in [since, until), read window by window; resolve times filled from log entries."""
    rows: dict[str, IncidentRow] = {}
    for start, end in windows(since, until):
        params: dict[str, object] = {
            "since": start.isoformat() + "Z",
            "until": end.isoformat() + "Z",
            "time_zone": "UTC",
            "sort_by": "created_at:asc",
        }
        if cfg.services:
            params["service_ids[]"] = list(cfg.services)
        for inc in client.iter_all("incidents", params=params):
            row = incident_row(inc, fetched_at)
            if row.status == "resolved" and row.resolved_at is None:
                row = _with_log_entry_times(client, row, inc["id"])
            rows[row.incident_id] = row
    return list(rows.values())


def incident_row(inc: dict, fetched_at: datetime) -> IncidentRow:
    service = inc.get("service") or {}
    priority = inc.get("priority") or {}
    resolved_at = parse_time(inc.get("resolved_at"))
    return IncidentRow(
        incident_id=inc["id"],
        incident_number=inc.get("incident_number"),
        title=inc.get("title") or inc.get("summary"),
        status=inc.get("status"),
        urgency=inc.get("urgency"),
        priority=(priority.get("summary") or priority.get("name")) if isinstance(priority, dict) else None,
        service_id=service.get("id"),
        created_at=parse_time(inc.get("created_at")),
        acknowledged_at=None,
        resolved_at=resolved_at,
        resolved_from="incident" if resolved_at else None,
        html_url=inc.get("html_url"),
        fetched_at=fetched_at,
    )


def _with_log_entry_times(client: pagerduty.RestApiV2Client, row: IncidentRow, incident_id: str) -> IncidentRow:
    """Real resolved incidents can lack ``resolved_at``; their resolve log entry carries the time."""
    resolved: list[datetime] = []
    acknowledged: list[datetime] = []
    for entry in client.iter_all(f"incidents/{incident_id}/log_entries", params={"time_zone": "UTC"}):
        at = parse_time(entry.get("created_at"))
        if at is None:
            continue
        if entry.get("type") == "resolve_log_entry":
            resolved.append(at)
        elif entry.get("type") == "acknowledge_log_entry":
            acknowledged.append(at)
    return replace(
        row,
        resolved_at=max(resolved) if resolved else None,
        resolved_from="log_entries" if resolved else None,
        acknowledged_at=min(acknowledged) if acknowledged else row.acknowledged_at,
    )
