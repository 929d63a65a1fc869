"""PagerDuty ingestion through the real python-pagerduty client against the HTTPS stand-in.

Recorded incidents (Apache DevLake's), incremental windows and cursors, rate limits, bad pages, the 10,000-record
paging cap, and the Dagster assets end to end.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from pipelines.defs.pagerduty.assets import pagerduty_incidents, pagerduty_services, pagerduty_teams
from pipelines.defs.pagerduty.client import PulsePagerDutyClient, RateLimitError, make_pagerduty
from pipelines.defs.pagerduty.fetch import PagerDutyFetchError, fetch_services, fetch_teams
from pipelines.defs.pagerduty.sync import OVERLAP, read_cursors, sync_incidents
from pipelines.resources import PulseSettings
from pulse.config import PagerDutyConfig
from pulse.warehouse import connect, ensure_schema
from sandbox.http_base import Fault
from sandbox.pagerduty_api import PagerDutyData, PagerDutyStandIn, rate_limited_fault
from sandbox.recorded import DEVLAKE_PAGERDUTY_INCIDENTS, fixture_path, load_devlake_pagerduty

NOW = datetime(2026, 3, 1)
KEY = "test-key"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_data(
    count: int, *, every: timedelta = timedelta(hours=6), services: tuple[str, ...] = ("PA", "PB")
) -> PagerDutyData:
    """``count`` incidents, one every ``every`` back from NOW, services in turn; every fifth one still triggered,
    every seventh resolved without ``resolved_at`` (only its log says when)."""
    data = PagerDutyData(
        services=[
            {"id": s, "type": "service", "name": f"svc-{s}", "summary": f"svc-{s}", "teams": [{"id": "PT1"}]}
            for s in services
        ],
        teams=[{"id": "PT1", "type": "team", "name": "Core", "summary": "Core", "html_url": "https://x/teams/PT1"}],
    )
    for index in range(count):
        add_incident(data, f"Q{index:07d}", NOW - every * (index + 1), services[index % len(services)], index)
    return data


def add_incident(data: PagerDutyData, incident_id: str, created: datetime, service: str, index: int = 1) -> dict:
    status = "triggered" if index % 5 == 0 else "resolved"
    incident: dict[str, Any] = {
        "id": incident_id,
        "type": "incident",
        "incident_number": index,
        "title": f"incident {index}",
        "status": status,
        "urgency": "high",
        "created_at": iso(created),
        "service": {"id": service, "type": "service_reference", "summary": service},
        "acknowledgements": [],
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
    }
    entries = [{"id": f"{incident_id}-t", "type": "trigger_log_entry", "created_at": iso(created)}]
    if status == "resolved":
        resolved = created + timedelta(minutes=40)
        entries.append({"id": f"{incident_id}-r", "type": "resolve_log_entry", "created_at": iso(resolved)})
        if index % 7 != 0:
            incident["resolved_at"] = iso(resolved)
    data.incidents.append(incident)
    data.log_entries[incident_id] = entries
    return incident


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    ensure_schema(connection)
    yield connection
    connection.close()


def cfg_for(server: PagerDutyStandIn, **overrides: Any) -> PagerDutyConfig:
    values: dict[str, Any] = {"base_url": server.url, "ca_bundle": server.ca_path, "retries": 2, "timeout_seconds": 5}
    values.update(overrides)
    return PagerDutyConfig(**values)


def client_for(cfg: PagerDutyConfig, waits: list[float] | None = None) -> PulsePagerDutyClient:
    return make_pagerduty(
        cfg, token=KEY, sleep=(waits.append if waits is not None else lambda _s: None), backoff_seconds=0.01
    )


def stored(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute("SELECT incident_id, status, resolved_at, resolved_from FROM raw_pagerduty_incidents").fetchall()
    return {r[0]: r[1:] for r in rows}


# --------------------------------------------------------------------------------------------- recorded payloads


def test_recorded_devlake_incidents_over_https(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    source = fixture_path(DEVLAKE_PAGERDUTY_INCIDENTS)
    if source is None:
        pytest.skip("recorded API fixtures not found: expected ../shared/fixtures beside the repo or $PULSE_FIXTURES")
    with PagerDutyStandIn(load_devlake_pagerduty(source), api_key=KEY, ca_path=tmp_path / "ca.pem") as server:
        cfg = cfg_for(server)
        client = client_for(cfg)
        report = sync_incidents(con, client, cfg, datetime(2022, 9, 1), datetime(2023, 1, 1))
        log_requests = [r.path for r in server.requests_matching(r"/log_entries$")]
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT incident_number, status, urgency, service_id, created_at, acknowledged_at, resolved_at, "
            "resolved_from, title FROM raw_pagerduty_incidents"
        ).fetchall()
    }
    assert sorted(rows) == [4, 5, 6]
    assert rows[4][:4] == ("triggered", "high", "PIKL83L", datetime(2022, 11, 3, 6, 23, 6))
    assert rows[4][5] is None
    # Acknowledged now: the payload's acknowledgements say when.
    assert rows[5][0] == "acknowledged" and rows[5][4] == datetime(2022, 11, 3, 6, 44, 37)
    # Resolved without resolved_at: its log entries give both times.
    assert rows[6][:2] == ("resolved", "low")
    assert rows[6][4:7] == (datetime(2022, 11, 3, 6, 45, 46), datetime(2022, 11, 3, 6, 51, 44), "log_entries")
    assert report.resolved_from_log_entries == 1
    assert log_requests == ["/incidents/Q1OHFWFP3GPXOG/log_entries"]  # only where the time was missing

    # DevLake's own snapshot of the same incidents agrees on resolution date and lead time in minutes.
    snapshot = fixture_path(Path("devlake/backend/plugins/pagerduty/e2e/snapshot_tables/issues.csv"))
    assert snapshot is not None
    with snapshot.open(encoding="utf-8", newline="") as handle:
        devlake = {int(r["issue_key"]): r for r in csv.DictReader(handle)}
    resolved_at = rows[6][5]
    assert resolved_at == datetime.fromisoformat(devlake[6]["resolution_date"]).replace(tzinfo=None)
    assert int((resolved_at - rows[6][3]).total_seconds() // 60) == int(devlake[6]["lead_time_minutes"])
    assert devlake[4]["resolution_date"] == "" and rows[4][5] is None


# --------------------------------------------------------------------------------------------- windows, cursors


def test_history_is_read_in_windows_and_rerun_only_reads_what_is_new(con: duckdb.DuckDBPyConnection) -> None:
    data = make_data(120)  # 30 days of incidents, one every 6 hours
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW) as server:
        cfg = cfg_for(server, window_days=10)
        since = NOW - timedelta(days=40)
        first = sync_incidents(con, client_for(cfg), cfg, since, NOW)
        windows = [(r.query["since"], r.query["until"]) for r in server.requests_matching(r"^/incidents$")]
        assert windows == [
            (iso(since + timedelta(days=10 * n)), iso(since + timedelta(days=10 * (n + 1)))) for n in range(4)
        ]
        assert first.windows_read == 4
        assert len(stored(con)) == 120
        assert read_cursors(con, ["*"])["*"].synced_until == NOW
        # Incidents without resolved_at got it from their log.
        assert stored(con)["Q0000007"][1:] == (NOW - timedelta(hours=48) + timedelta(minutes=40), "log_entries")

        # A day later: one new incident, and an open one (Q0000005) has been resolved meanwhile.
        later = NOW + timedelta(days=1)
        add_incident(data, "QNEW", NOW + timedelta(hours=3), "PA", index=1)
        reopened = next(i for i in data.incidents if i["id"] == "Q0000005")
        reopened.update(status="resolved", resolved_at=iso(NOW + timedelta(hours=2)))
        server.requests.clear()
        second = sync_incidents(con, client_for(cfg), cfg, later - timedelta(days=40), later)
        pages = server.requests_matching(r"^/incidents$")
        assert [(r.query["since"], r.query["until"]) for r in pages] == [(iso(NOW - OVERLAP), iso(later))]
        by_id = server.requests_matching(r"^/incidents/Q")
        open_ids = {i["id"] for i in data.incidents if i["id"] != "QNEW" and i["status"] != "resolved"}
        assert {r.path.rsplit("/", 1)[1] for r in by_id} == open_ids | {"Q0000005"}
    assert second.windows_read == 1
    rows = stored(con)
    assert len(rows) == 121
    assert rows["QNEW"][0] == "resolved"
    assert rows["Q0000005"][:2] == ("resolved", NOW + timedelta(hours=2))


def test_an_open_incident_gone_from_the_api_is_kept_and_reported(con: duckdb.DuckDBPyConnection) -> None:
    data = make_data(10)
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW) as server:
        cfg = cfg_for(server)
        sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=10), NOW)
        data.incidents = [i for i in data.incidents if i["id"] != "Q0000005"]  # open (triggered) when stored
        report = sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=10), NOW + timedelta(days=2))
    assert report.open_not_found == ["Q0000005"]
    assert stored(con)["Q0000005"][0] == "triggered"


def test_a_sync_stopped_halfway_resumes_without_gaps_or_duplicates(tmp_path: Path) -> None:
    data = make_data(120)
    since = NOW - timedelta(days=40)
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW) as server:
        cfg = cfg_for(server, window_days=10)
        clean = duckdb.connect()
        ensure_schema(clean)
        sync_incidents(clean, client_for(cfg), cfg, since, NOW)

        broken = duckdb.connect()
        ensure_schema(broken)
        third_window = iso(since + timedelta(days=20))[:10]
        server.inject(Fault(rf"^/incidents\?.*since={third_window}", status=502, times=10))
        with pytest.raises(PagerDutyFetchError, match="HTTP 502"):
            sync_incidents(broken, client_for(cfg), cfg, since, NOW)
        # Two windows committed with their cursor; nothing of the third.
        cursor = read_cursors(broken, ["*"])["*"]
        assert (cursor.synced_from, cursor.synced_until) == (since, since + timedelta(days=20))
        assert len(stored(broken)) == 40  # created in [now - 30 d, now - 20 d): one every 6 h
        server.clear_faults()
        sync_incidents(broken, client_for(cfg), cfg, since, NOW)
        assert stored(broken) == stored(clean)
        assert broken.execute(
            "SELECT count(*), count(DISTINCT incident_id) FROM raw_pagerduty_incidents"
        ).fetchall() == [(120, 120)]


def test_per_service_cursors_read_a_newly_configured_service_from_the_start(con: duckdb.DuckDBPyConnection) -> None:
    data = make_data(60, services=("PA", "PB", "PC"))
    since = NOW - timedelta(days=20)
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW) as server:
        two = cfg_for(server, services=("PA", "PB"))
        sync_incidents(con, client_for(two), two, since, NOW)
        first = server.requests_matching(r"^/incidents$")
        assert [r.query_lists["service_ids[]"] for r in first] == [["PA", "PB"]]
        assert {r[0] for r in con.execute("SELECT DISTINCT service_id FROM raw_pagerduty_incidents").fetchall()} == {
            "PA",
            "PB",
        }
        server.requests.clear()
        later = NOW + timedelta(hours=5)
        three = cfg_for(server, services=("PA", "PB", "PC"))
        sync_incidents(con, client_for(three), three, since, later)
        asked = [(r.query_lists["service_ids[]"], r.query["since"]) for r in server.requests_matching(r"^/incidents$")]
    assert asked == [(["PA", "PB"], iso(NOW - OVERLAP)), (["PC"], iso(since))]
    assert set(read_cursors(con, ["PA", "PB", "PC"])) == {"PA", "PB", "PC"}
    assert con.execute("SELECT count(*) FROM raw_pagerduty_incidents").fetchall()[0][0] == 60


def test_longer_history_is_read_backwards_from_the_cursor(con: duckdb.DuckDBPyConnection) -> None:
    data = make_data(120)
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW) as server:
        cfg = cfg_for(server, window_days=10)
        sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=10), NOW)
        assert len(stored(con)) == 40
        server.requests.clear()
        sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=30), NOW)
        windows = [(r.query["since"], r.query["until"]) for r in server.requests_matching(r"^/incidents$")]
    assert windows == [
        (iso(NOW - OVERLAP), iso(NOW)),
        (iso(NOW - timedelta(days=20)), iso(NOW - timedelta(days=10))),
        (iso(NOW - timedelta(days=30)), iso(NOW - timedelta(days=20))),
    ]
    assert len(stored(con)) == 120
    assert read_cursors(con, ["*"])["*"].synced_from == NOW - timedelta(days=30)


def test_a_window_beyond_the_paging_cap_is_split(con: duckdb.DuckDBPyConnection) -> None:
    data = make_data(230, every=timedelta(hours=1))
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW) as server:
        # The real cap is 10,000 records; 100 here keeps the test small (one page of 100 is still allowed).
        server.max_position = 100
        cfg = cfg_for(server)
        sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=10), NOW, max_position=100)
        refused = [r for r in server.requests_matching(r"^/incidents$") if r.status != 200]
        spans = {(r.query["since"], r.query["until"]) for r in server.requests_matching(r"^/incidents$")}
    assert refused == []
    assert len(spans) > 2
    assert len(stored(con)) == 230


def test_window_days_over_six_months_is_refused_by_the_api_and_the_configuration() -> None:
    from pulse.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"pagerduty.window_days: must be at most 180"):
        parse_config({"github": {"organisation": "acme"}, "pagerduty": {"window_days": 181}})
    with PagerDutyStandIn(PagerDutyData(), api_key=KEY) as server:
        client = client_for(cfg_for(server))
        response = client.get("incidents", params={"since": "2025-01-01T00:00:00Z", "until": "2025-08-01T00:00:00Z"})
    assert response.status_code == 400


# --------------------------------------------------------------------------------------------- rate limits, bad pages


def test_429_waits_as_long_as_ratelimit_reset_says(con: duckdb.DuckDBPyConnection) -> None:
    with PagerDutyStandIn(make_data(20), api_key=KEY, clock=lambda: NOW) as server:
        server.inject(rate_limited_fault(r"^/incidents\?", times=2, reset_seconds=7))
        waits: list[float] = []
        cfg = cfg_for(server)
        sync_incidents(con, client_for(cfg, waits), cfg, NOW - timedelta(days=10), NOW)
    assert waits == [7.0, 7.0]
    assert len(stored(con)) == 20


def test_429_is_bounded_by_retries_and_by_the_longest_wait(con: duckdb.DuckDBPyConnection) -> None:
    with PagerDutyStandIn(make_data(5), api_key=KEY, clock=lambda: NOW) as server:
        cfg = cfg_for(server, retries=3)
        server.inject(rate_limited_fault(r"^/incidents\?", times=50, reset_seconds=2))
        waits: list[float] = []
        with pytest.raises(RateLimitError, match="still 429 after 3 waits"):
            sync_incidents(con, client_for(cfg, waits), cfg, NOW - timedelta(days=10), NOW)
        assert waits == [2.0, 2.0, 2.0]
        server.clear_faults()

        server.inject(rate_limited_fault(r"^/incidents\?", times=1, reset_seconds=3600))
        with pytest.raises(RateLimitError, match="resets in 3600 s") as raised:
            sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=10), NOW)
    assert raised.value.reset_seconds == 3600
    assert stored(con) == {}


def test_429_without_header_backs_off() -> None:
    with PagerDutyStandIn(make_data(3), api_key=KEY, clock=lambda: NOW) as server:
        server.inject(Fault(r"^/services", status=429, times=2))
        waits: list[float] = []
        rows = fetch_services(client_for(cfg_for(server), waits), cfg_for(server), NOW)
    assert len(rows) == 2
    assert waits == [pytest.approx(0.01), pytest.approx(0.02)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>upstream error</html>", "not JSON"),
        ({"limit": 100, "offset": 100, "more": False}, "no 'incidents' list"),
        ({"incidents": [{"title": "no id"}], "more": False}, "an item without an id"),
        ({"incidents": [], "more": True}, "'more' is true but the page is empty"),
    ],
)
def test_a_bad_page_is_reported_with_its_request(con: duckdb.DuckDBPyConnection, body: Any, message: str) -> None:
    with PagerDutyStandIn(make_data(150, every=timedelta(hours=1)), api_key=KEY, clock=lambda: NOW) as server:
        server.inject(Fault(r"^/incidents\?.*offset=100", status=200, body=body))
        cfg = cfg_for(server)
        with pytest.raises(PagerDutyFetchError) as raised:
            sync_incidents(con, client_for(cfg), cfg, NOW - timedelta(days=10), NOW)
    text = str(raised.value)
    assert message in text and "GET /incidents" in text and "offset 100" in text and "since=" in text
    assert stored(con) == {}  # the window is not half written
    assert read_cursors(con, ["*"]) == {}


def test_a_server_error_that_persists_is_reported() -> None:
    with PagerDutyStandIn(make_data(3), api_key=KEY, clock=lambda: NOW) as server:
        server.inject(Fault(r"^/teams", status=503, times=10))
        with pytest.raises(PagerDutyFetchError, match=r"GET /teams .*HTTP 503"):
            fetch_teams(client_for(cfg_for(server)), NOW)
        assert len(server.requests_matching(r"^/teams")) == 3  # first try + 2 retries


def test_services_and_teams() -> None:
    with PagerDutyStandIn(make_data(3), api_key=KEY, clock=lambda: NOW) as server:
        client = client_for(cfg_for(server))
        services = fetch_services(client, cfg_for(server, services=("PB",)), NOW)
        teams = fetch_teams(client, NOW)
    assert [(s.service_id, s.name, s.team_ids) for s in services] == [("PB", "svc-PB", ["PT1"])]
    assert [(t.team_id, t.name) for t in teams] == [("PT1", "Core")]


# --------------------------------------------------------------------------------------------- assets


def test_assets_materialize_and_report_incidents_on_services_no_team_owns(tmp_path: Path) -> None:
    data = make_data(30, services=("PA", "PB"))
    with PagerDutyStandIn(data, api_key=KEY, clock=lambda: NOW, ca_path=tmp_path / "ca.pem") as server:
        config = {
            "github": {"organisation": "acme"},
            "pagerduty": {"base_url": server.url, "ca_bundle": str(server.ca_path), "token_env": "PD_TEST_KEY"},
            "teams": {"payments": {"repositories": ["pay"], "pagerduty_services": {"PA": "pay"}}},
            "warehouse": {"path": str(tmp_path / "w.duckdb"), "serving_path": str(tmp_path / "s.duckdb")},
            "history_days": 30,
        }
        path = tmp_path / "pulse.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PD_TEST_KEY", KEY)
            mp.setenv("PULSE_NOW", iso(NOW))
            result = dg.materialize(
                [pagerduty_services, pagerduty_teams, pagerduty_incidents],
                resources={
                    "settings": PulseSettings(config_path=str(path)),
                    "duckdb": DuckDBResource(database=str(tmp_path / "w.duckdb")),
                },
            )
    assert result.success
    metadata = result.asset_materializations_for_node("pagerduty_incidents")[0].metadata
    assert metadata["incidents_read"].value == 30
    assert json.loads(json.dumps(metadata["requests"].value))  # per endpoint
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 1 and checks[0].passed is False
    assert "PB (svc-PB): 15" in checks[0].metadata["services"].value
    con = connect(tmp_path / "w.duckdb", read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw_pagerduty_incidents").fetchall()[0][0] == 30
        assert con.execute("SELECT team_ids FROM raw_pagerduty_services WHERE service_id = 'PA'").fetchall() == [
            (["PT1"],)
        ]
        assert con.execute("SELECT count(*) FROM raw_pagerduty_teams").fetchall()[0][0] == 1
    finally:
        con.close()


# --------------------------------------------------------------------------------------------- sample organisation


def test_sample_organisation_incidents_against_its_ground_truth() -> None:
    """The sample's PagerDuty incidents through the real client, its successful deployments from the ground truth.

    Resolve times (from the payload, or the log for those without) must match exactly. Attribution is the window
    rule here (no GitHub changes are loaded, so no revert points anywhere): every deployment-caused incident starts
    within 6 h of its cause, so none may stay unattributed, and nearly all must name the true cause (a later
    deployment in between can take the blame; explicit links fix that when the changes are loaded).
    """
    from datetime import date

    from incident_world import World

    from sandbox import generate_sample_org

    org = generate_sample_org(date(2026, 11, 22), days=60, seed=7)
    w = World()
    for team in org.teams.values():
        for repo in team.repositories:
            w.owns(team.name, repo)
        for repo, service_id in team.pagerduty_service_ids.items():
            w.pages(team.name, service_id, repo)
    for d in org.truth.deployments:
        if d.succeeded:
            w.deploy(f"{d.repository}:{d.record_id}", d.repository, d.finished_at.replace(tzinfo=None))
    with PagerDutyStandIn(org.pagerduty, api_key=KEY, clock=lambda: datetime(2026, 11, 23)) as server:
        cfg = cfg_for(server)
        sync_incidents(w.con, client_for(cfg), cfg, datetime(2026, 9, 1), datetime(2026, 11, 23))
    w.compute()

    incidents = w.incidents()
    assert set(incidents) == {i.incident_id for i in org.truth.incidents}
    caused = [i for i in org.truth.incidents if i.caused_by is not None]
    unrelated = [i for i in org.truth.incidents if i.caused_by is None]
    for truth in org.truth.incidents:
        row = incidents[truth.incident_id]
        assert row["resolved_at"] == (truth.resolved_at.replace(tzinfo=None) if truth.resolved_at else None)
        assert row["team"] == truth.team
    right = [i for i in caused if incidents[i.incident_id]["deployment_key"] == f"{i.repository}:{i.caused_by}"]
    assert all(incidents[i.incident_id]["deployment_key"] is not None for i in caused)
    assert len(right) >= 0.85 * len(caused)
    assert sum(incidents[i.incident_id]["deployment_key"] is None for i in unrelated) >= 0.7 * len(unrelated)
