"""Reading PagerDuty services, teams and incidents into row dataclasses.

Index endpoints are paged here rather than with ``iter_all``: python-pagerduty stops quietly (a warning only) when
offset + limit reaches the API's 10,000-record cap, which would drop incidents without a trace. Here a window that
would hit the cap is split in two and read again, and a page that is not what the API promises (not JSON, no
list under its key, an item without an id, ``more`` with an empty page) raises :class:`PagerDutyFetchError`
naming the endpoint, the window and the offset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pagerduty

from pulse.config import PagerDutyConfig
from pulse.warehouse import to_utc_naive

# offset + limit may not exceed this on classic pagination (a documented API limit).
MAX_POSITION = 10_000
PAGE_SIZE = 100
# Service ids sent per incidents query; a longer list is read in several queries.
SERVICE_IDS_PER_QUERY = 100
# A window is never split below this: so many incidents in so short a time means something else is wrong.
SMALLEST_WINDOW = timedelta(minutes=1)


class PagerDutyFetchError(RuntimeError):
    """A response that cannot be used; the message says which request and why."""


class _WindowFull(Exception):
    """The window holds more incidents than offset paging can reach."""


@dataclass(frozen=True)
class ServiceRow:
    """One PagerDuty service."""

    service_id: str
    name: str | None
    status: str | None
    html_url: str | None
    team_ids: list[str]
    fetched_at: datetime


@dataclass(frozen=True)
class TeamRow:
    """One PagerDuty team."""

    team_id: str
    name: str | None
    html_url: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class IncidentRow:
    """One PagerDuty incident; times in UTC (naive)."""

    incident_id: str
    incident_number: int | None
    title: str | None
    description: str | None
    status: str | None
    urgency: str | None
    priority: str | None
    service_id: str | None
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_from: str | None
    """``incident`` (the payload's ``resolved_at``) or ``log_entries`` (its latest ``resolve_log_entry``)."""
    last_status_change_at: datetime | None
    html_url: str | None
    fetched_at: datetime


def parse_time(value: str | None) -> datetime | None:
    """PagerDuty's ISO 8601 (``2026-01-02T03:04:05Z`` or with an offset) to naive UTC."""
    if not value:
        return None
    return to_utc_naive(datetime.fromisoformat(value.replace("Z", "+00:00")))


def api_time(moment: datetime) -> str:
    """A naive-UTC datetime as the API expects it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------- paging


def iter_index(
    client: pagerduty.RestApiV2Client,
    path: str,
    wrapper: str,
    params: Mapping[str, Any] | None = None,
    *,
    max_position: int = MAX_POSITION,
    page_size: int = PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Every item of a classic-paginated index, validated page by page."""
    offset = 0
    while True:
        limit = min(page_size, max_position - offset)
        if limit <= 0:
            raise _WindowFull(path)
        query = {**(params or {}), "offset": offset, "limit": limit, "total": "false"}
        where = f"GET /{path} {_describe(params)} offset {offset}"
        try:
            response = client.get(path, params=query)
        except pagerduty.Error as exc:
            raise PagerDutyFetchError(f"{where}: {exc}") from exc
        if not response.is_success:
            raise PagerDutyFetchError(f"{where}: HTTP {response.status_code}: {_error_message(response)}")
        try:
            body = response.json()
        except ValueError as exc:
            raise PagerDutyFetchError(f"{where}: the response is not JSON ({exc})") from exc
        items = body.get(wrapper) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise PagerDutyFetchError(f"{where}: the response has no '{wrapper}' list")
        for item in items:
            if not isinstance(item, dict) or not item.get("id"):
                raise PagerDutyFetchError(f"{where}: an item without an id: {str(item)[:200]}")
        yield from items
        if not body.get("more"):
            return
        if not items:
            raise PagerDutyFetchError(f"{where}: 'more' is true but the page is empty")
        offset += len(items)


def _describe(params: Mapping[str, Any] | None) -> str:
    if not params:
        return ""
    shown = {k: v for k, v in params.items() if k in ("since", "until", "service_ids[]")}
    return " ".join(f"{k}={v}" for k, v in shown.items())


def _error_message(response: Any) -> str:
    try:
        error = response.json().get("error") or {}
        return str(error.get("message") or error)[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


# --------------------------------------------------------------------------------------------- services, teams


def fetch_services(client: pagerduty.RestApiV2Client, cfg: PagerDutyConfig, fetched_at: datetime) -> list[ServiceRow]:
    """One row per service (all, or those listed in ``pagerduty.services``)."""
    wanted = set(cfg.services)
    rows = []
    for svc in iter_index(client, "services", "services"):
        if wanted and svc["id"] not in wanted:
            continue
        rows.append(
            ServiceRow(
                service_id=svc["id"],
                name=svc.get("name") or svc.get("summary"),
                status=svc.get("status"),
                html_url=svc.get("html_url"),
                team_ids=[t["id"] for t in svc.get("teams") or [] if isinstance(t, dict) and t.get("id")],
                fetched_at=fetched_at,
            )
        )
    return rows


def fetch_teams(client: pagerduty.RestApiV2Client, fetched_at: datetime) -> list[TeamRow]:
    """One row per PagerDuty team."""
    return [
        TeamRow(
            team_id=team["id"],
            name=team.get("name") or team.get("summary"),
            html_url=team.get("html_url"),
            fetched_at=fetched_at,
        )
        for team in iter_index(client, "teams", "teams")
    ]


# --------------------------------------------------------------------------------------------- incidents


def windows(since: datetime, until: datetime, size: timedelta) -> Iterator[tuple[datetime, datetime]]:
    """Consecutive [start, end) windows covering [since, until), oldest first."""
    start = since
    while start < until:
        end = min(start + size, until)
        yield start, end
        start = end


def fetch_incident_window(
    client: pagerduty.RestApiV2Client,
    start: datetime,
    end: datetime,
    fetched_at: datetime,
    *,
    service_ids: Sequence[str] = (),
    max_position: int = MAX_POSITION,
) -> list[IncidentRow]:
    """Incidents created in [start, end) (of the given services, or all), with resolve times completed.

    A window with more incidents than offset paging reaches is split in halves until each half fits.
    """
    chunks = [
        list(service_ids[i : i + SERVICE_IDS_PER_QUERY]) for i in range(0, len(service_ids), SERVICE_IDS_PER_QUERY)
    ] or [[]]
    found: dict[str, IncidentRow] = {}
    for chunk in chunks:
        for payload in _incident_payloads(client, start, end, chunk, max_position):
            row = incident_row(payload, fetched_at)
            found[row.incident_id] = complete_times(client, row)
    return sorted(found.values(), key=lambda r: (r.created_at, r.incident_id))


def _incident_payloads(
    client: pagerduty.RestApiV2Client,
    start: datetime,
    end: datetime,
    service_ids: list[str],
    max_position: int,
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {
        "since": api_time(start),
        "until": api_time(end),
        "time_zone": "UTC",
        "sort_by": "created_at:asc",
    }
    if service_ids:
        params["service_ids[]"] = service_ids
    try:
        return list(iter_index(client, "incidents", "incidents", params, max_position=max_position))
    except _WindowFull:
        if end - start <= SMALLEST_WINDOW:
            raise PagerDutyFetchError(
                f"GET /incidents {_describe(params)}: more than {max_position} incidents in {end - start}; "
                "cannot page further"
            ) from None
        middle = start + (end - start) / 2
        middle = middle.replace(microsecond=0)
        return _incident_payloads(client, start, middle, service_ids, max_position) + _incident_payloads(
            client, middle, end, service_ids, max_position
        )


def fetch_incidents(
    client: pagerduty.RestApiV2Client,
    cfg: PagerDutyConfig,
    since: datetime,
    until: datetime,
    fetched_at: datetime,
) -> list[IncidentRow]:
    """Incidents created in [since, until), read window by window (``pagerduty.window_days``)."""
    rows: dict[str, IncidentRow] = {}
    for start, end in windows(since, until, timedelta(days=cfg.window_days)):
        for row in fetch_incident_window(client, start, end, fetched_at, service_ids=cfg.services):
            rows[row.incident_id] = row
    return list(rows.values())


def fetch_incident(client: pagerduty.RestApiV2Client, incident_id: str, fetched_at: datetime) -> IncidentRow | None:
    """One incident read again by id (to see an open incident change status); None when it no longer exists."""
    where = f"GET /incidents/{incident_id}"
    try:
        response = client.get(f"incidents/{incident_id}")
    except pagerduty.Error as exc:
        raise PagerDutyFetchError(f"{where}: {exc}") from exc
    if response.status_code == 404:
        return None
    if not response.is_success:
        raise PagerDutyFetchError(f"{where}: HTTP {response.status_code}: {_error_message(response)}")
    try:
        payload = response.json().get("incident")
    except (ValueError, AttributeError) as exc:
        raise PagerDutyFetchError(f"{where}: the response is not a JSON object ({exc})") from exc
    if not isinstance(payload, dict) or not payload.get("id"):
        raise PagerDutyFetchError(f"{where}: the response has no incident")
    return complete_times(client, incident_row(payload, fetched_at))


def incident_row(inc: Mapping[str, Any], fetched_at: datetime) -> IncidentRow:
    """An incident payload as a row; a payload without an id or creation time is refused."""
    created_at = _time(inc, "created_at")
    if created_at is None:
        raise PagerDutyFetchError(f"incident {inc.get('id')}: no created_at")
    service = inc.get("service") or {}
    priority = inc.get("priority") or {}
    resolved_at = _time(inc, "resolved_at")
    acknowledged = [t for t in (_time(a, "at") for a in inc.get("acknowledgements") or []) if t is not None]
    return IncidentRow(
        incident_id=inc["id"],
        incident_number=inc.get("incident_number"),
        title=inc.get("title") or inc.get("summary"),
        description=inc.get("description"),
        status=inc.get("status"),
        urgency=inc.get("urgency"),
        priority=(priority.get("summary") or priority.get("name")) if isinstance(priority, dict) else None,
        service_id=service.get("id") if isinstance(service, dict) else None,
        created_at=created_at,
        acknowledged_at=min(acknowledged) if acknowledged else None,
        resolved_at=resolved_at,
        resolved_from="incident" if resolved_at else None,
        last_status_change_at=_time(inc, "last_status_change_at"),
        html_url=inc.get("html_url"),
        fetched_at=fetched_at,
    )


def _time(payload: Mapping[str, Any], key: str) -> datetime | None:
    try:
        return parse_time(payload.get(key))
    except (TypeError, ValueError) as exc:
        raise PagerDutyFetchError(
            f"{payload.get('id', 'item')}: {key} is not a date-time: {payload.get(key)!r}"
        ) from exc


def complete_times(client: pagerduty.RestApiV2Client, row: IncidentRow) -> IncidentRow:
    """Real resolved incidents can lack ``resolved_at``; their log entries carry the resolve (and acknowledge) time.

    Only such incidents cost the extra requests; the others keep what their payload says.
    """
    if row.status != "resolved" or row.resolved_at is not None:
        return row
    resolved: list[datetime] = []
    acknowledged: list[datetime] = []
    path = f"incidents/{row.incident_id}/log_entries"
    # The log of one incident is not windowed by default; is_overview leaves out the many notify entries.
    for entry in iter_index(client, path, "log_entries", {"time_zone": "UTC", "is_overview": "true"}):
        at = _time(entry, "created_at")
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
        acknowledged_at=row.acknowledged_at or (min(acknowledged) if acknowledged else None),
    )
