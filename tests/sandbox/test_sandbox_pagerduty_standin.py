"""The PagerDuty stand-in over HTTPS, driven by the real python-pagerduty client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pagerduty
import pytest
import requests

from sandbox.http_base import Fault
from sandbox.pagerduty_api import PagerDutyData, PagerDutyStandIn, rate_limited_fault

Factory = Callable[..., Any]
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _incidents(count: int) -> PagerDutyData:
    """``count`` incidents, one every 6 hours back from NOW; every third one on service PB, the rest on PA;
    every fifth one still triggered."""
    data = PagerDutyData(
        services=[
            {"id": "PA00001", "type": "service", "name": "api", "summary": "api", "teams": []},
            {"id": "PB00002", "type": "service", "name": "web", "summary": "web", "teams": []},
        ]
    )
    for index in range(count):
        created = NOW - timedelta(hours=6 * (index + 1))
        service = "PB00002" if index % 3 == 0 else "PA00001"
        incident_id = f"Q{index:013d}"
        status = "triggered" if index % 5 == 0 else "resolved"
        incident: dict[str, Any] = {
            "id": incident_id,
            "type": "incident",
            "incident_number": count - index,
            "title": f"incident {index}",
            "status": status,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "service": {"id": service, "type": "service_reference", "summary": service},
            "teams": [],
            "self": f"https://api.pagerduty.com/incidents/{incident_id}",
        }
        if status == "resolved":
            incident["resolved_at"] = (created + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        data.incidents.append(incident)
        data.log_entries[incident_id] = [
            {
                "id": f"R{index}T",
                "type": "trigger_log_entry",
                "created_at": incident["created_at"],
                "incident": {"id": incident_id, "type": "incident_reference"},
            }
        ]
    return data


@pytest.fixture
def pd_standin() -> Iterator[PagerDutyStandIn]:
    with PagerDutyStandIn(_incidents(260), api_key="test-key", clock=lambda: NOW) as standin:
        yield standin


def test_iter_all_walks_offset_pages_over_https(pd_standin: PagerDutyStandIn, pd_factory: Factory) -> None:
    client = pd_factory(pd_standin)
    since = "2026-01-01T00:00:00Z"
    params = {"since": since, "until": NOW.isoformat(), "service_ids[]": ["PA00001"]}

    found = list(client.iter_all("incidents", params=params, page_size=50, total=True))

    expected = [i for i in pd_standin.data.incidents if i["service"]["id"] == "PA00001" and i["created_at"] >= since]
    assert len(found) == len(expected) == 157
    assert [i["created_at"] for i in found] == sorted(i["created_at"] for i in found)
    pages = pd_standin.requests_matching(r"^/incidents$")
    assert [r.query["offset"] for r in pages] == ["0", "50", "100", "150"]
    assert all(r.query_lists["service_ids[]"] == ["PA00001"] and r.query["since"] == since for r in pages)
    assert pd_standin.url.startswith("https://127.0.0.1:")
    assert "api.pagerduty.com" not in str(found[0])


def test_classic_pagination_envelope(pd_standin: PagerDutyStandIn) -> None:
    response = requests.get(
        f"{pd_standin.url}/incidents",
        params={"limit": 10, "offset": 20, "total": "true", "date_range": "all", "statuses[]": "triggered"},
        headers={"Authorization": "Token token=test-key"},
        verify=str(pd_standin.ca_path),
        timeout=5,
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["limit"], body["offset"], body["more"], body["total"]) == (10, 20, True, 52)
    assert {i["status"] for i in body["incidents"]} == {"triggered"}

    no_total = requests.get(
        f"{pd_standin.url}/incidents",
        headers={"Authorization": "Token token=test-key"},
        verify=str(pd_standin.ca_path),
        timeout=5,
    ).json()
    # Default window: the 30 days before "now", 25 per page.
    assert no_total["total"] is None and no_total["limit"] == 25 and no_total["more"] is True


def test_single_incident_log_entries_and_sorting(pd_standin: PagerDutyStandIn, pd_factory: Factory) -> None:
    client = pd_factory(pd_standin)
    incident = client.rget("incidents/Q0000000000003")
    assert incident["title"] == "incident 3"
    entries = client.rget("incidents/Q0000000000003/log_entries")
    assert [e["type"] for e in entries] == ["trigger_log_entry"]
    newest = list(client.iter_all("incidents", params={"date_range": "all", "sort_by": "created_at:desc"}))
    assert newest[0]["id"] == "Q0000000000000"
    every_entry = list(client.iter_all("log_entries", params={"since": "2026-02-28T00:00:00Z"}))
    assert len(every_entry) == 4


def test_wrong_key_is_rejected(pd_standin: PagerDutyStandIn, pd_factory: Factory) -> None:
    client = pd_factory(pd_standin, api_key="wrong")
    with pytest.raises(pagerduty.HttpError) as raised:
        client.rget("services")
    assert raised.value.response.status_code == 401
    assert raised.value.response.json() == {"error": {"message": "Authentication required", "code": 2006}}


def test_unknown_incident_is_404(pd_standin: PagerDutyStandIn, pd_factory: Factory) -> None:
    response = pd_factory(pd_standin).get("incidents/QNOPE")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 2100


def test_429_with_ratelimit_headers_is_retried(pd_standin: PagerDutyStandIn, pd_factory: Factory) -> None:
    pd_standin.inject(rate_limited_fault(r"^/services", times=2))
    services = pd_factory(pd_standin).list_all("services")
    assert [s["id"] for s in services] == ["PA00001", "PB00002"]
    logged = pd_standin.requests_matching(r"^/services$")
    assert [r.status for r in logged] == [429, 429, 200]


def test_injected_500_is_served(pd_standin: PagerDutyStandIn, pd_factory: Factory) -> None:
    pd_standin.inject(Fault(path_regex=r"^/incidents", status=500))
    with pytest.raises(pagerduty.HttpError) as raised:
        list(pd_factory(pd_standin).iter_all("incidents", params={"date_range": "all"}))
    assert raised.value.response.status_code == 500


def test_certificate_only_trusted_with_the_test_ca(pd_standin: PagerDutyStandIn) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{pd_standin.url}/services", timeout=5)
    assert pd_standin.ca_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
