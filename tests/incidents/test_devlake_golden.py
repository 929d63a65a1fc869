"""Apache DevLake's incident -> deployment fixtures, run through our attribution SQL.

DevLake (`plugins/dora/tasks/incident_deploy_connector.go`) links each incident to the last successful production
deployment commit of the incident's project that finished strictly before the incident was created, with no time
limit. The fixture (`dora/e2e/connect_incident_to_deployment/`) holds the deployment commits, the incidents, the
project mapping and the expected links.

How the fixture maps onto our model: a DevLake project is one service; each successful production deployment commit
is one deployment (key `<cicd_deployment_id>/<commit row id>`, compared at the cicd_deployment_id level DevLake
reports); failed and non-production commits are not deployments here at all; an incident's scope (`repos:repo1`,
`boards:board1`) is a PagerDuty service mapped to its project's service.

Differences on purpose, asserted below:
* with the window turned off (incident_window_hours: 0) every DevLake link is reproduced;
* with the default 24 h window, the five November incidents lose their link: the last deployment was in
  September, about 50 days earlier, so blaming it is exactly the mistake the window prevents; they stay as
  unattributed incidents (reason 'outside_window'), and only board1's incident, 19 h after its deployment, keeps it;
* the repo3 incident belongs to no project: DevLake leaves it out, we keep it unattributed ('no_service').
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from incident_world import World

from sandbox.recorded import fixture_path

BASE = Path("devlake/backend/plugins/dora/e2e/connect_incident_to_deployment")
CHANGED_BY_WINDOW = {
    "github:GithubIssue:1:1367714738",
    "github:GithubIssue:1:1370816458",
    "github:GithubIssue:1:1371320153",
    "github:GithubIssue:1:1372381019",
    "github:GithubIssue:1:1372644519",
}


@pytest.fixture(scope="module")
def fixture_dir() -> Path:
    found = fixture_path(BASE)
    if found is None:
        pytest.skip("DevLake fixtures not found: expected ../shared/fixtures beside the repo or $PULSE_FIXTURES")
    return found


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _load(fixture_dir: Path) -> tuple[World, dict[str, str]]:
    mapping = _rows(fixture_dir / "raw_tables" / "project_mapping.csv")
    project_of = {(m["table"], m["row_id"]): m["project_name"] for m in mapping}
    w = World()
    for project in sorted(set(project_of.values())):
        w.owns(project, project)
    for row in _rows(fixture_dir / "prev_success_deployment_commit" / "cicd_deployment_commits_after.csv"):
        project = project_of.get(("cicd_scopes", row["cicd_scope_id"]))
        if project and row["result"] == "SUCCESS" and row["environment"] == "PRODUCTION":
            w.deploy(
                f"{row['cicd_deployment_id']}/{row['id']}", project, _time(row["finished_date"]), sha=row["commit_sha"]
            )
    incidents = _rows(fixture_dir / "raw_tables" / "incidents.csv")
    for table, scope_id in sorted({(r["table"], r["scope_id"]) for r in incidents}):
        if (table, scope_id) in project_of:
            w.pages(project_of[(table, scope_id)], f"{table}:{scope_id}", project_of[(table, scope_id)])
    for row in incidents:
        scope = f"{row['table']}:{row['scope_id']}"
        w.incident(row["id"], scope, _time(row["created_date"]), resolved=_time(row["updated_date"]))
    expected = {
        r["id"]: r["deployment_id"]
        for r in _rows(fixture_dir / "snapshot_tables" / "project_incident_deployment_relationships.csv")
    }
    return w, expected


def _links(w: World) -> dict[str, str | None]:
    return {i: (r["deployment_key"].split("/")[0] if r["deployment_key"] else None) for i, r in w.incidents().items()}


def test_devlake_links_reproduced_with_the_window_off(fixture_dir: Path) -> None:
    w, expected = _load(fixture_dir)
    w.compute(window_hours=0)
    links = _links(w)
    assert {i: d for i, d in links.items() if d is not None} == expected
    # DevLake drops the incident of an unmapped scope; we keep it, unattributed, with the reason.
    missing = set(links) - set(expected)
    assert missing == {"github:GithubIssue:1:1373792477"}
    assert w.incidents()["github:GithubIssue:1:1373792477"]["unattributed_reason"] == "no_service"
    assert {r["attributed_by"] for i, r in w.incidents().items() if i in expected} == {"last_deployment_in_window"}


def test_default_window_unlinks_the_incidents_50_days_after_their_deployment(fixture_dir: Path) -> None:
    w, expected = _load(fixture_dir)
    w.compute(window_hours=24)
    links = _links(w)
    changed = {i for i in expected if links[i] != expected[i]}
    assert changed == CHANGED_BY_WINDOW
    incidents = w.incidents()
    for incident_id in CHANGED_BY_WINDOW:
        row = incidents[incident_id]
        assert row["deployment_key"] is None and row["attributed_by"] == "unattributed"
        assert row["unattributed_reason"] == "outside_window"
        # The deployment DevLake blamed is still named as the nearest earlier one, and it is weeks away.
        assert row["last_deployment_key"].split("/")[0] == expected[incident_id] == "pipeline7"
        assert row["hours_after_last_deployment"] > 24 * 38
    kept = incidents["github:GithubIssue:1:1373792478"]
    assert kept["deployment_key"].split("/")[0] == "pipeline2"
    assert kept["hours_after_last_deployment"] == pytest.approx(19.07, abs=0.01)  # 09-14 06:51:47 -> 09-15 01:56:16
    # Every incident is still counted, linked or not.
    assert len(incidents) == 7
    # One failed deployment (pipeline2's commit), however many incidents were once blamed on pipeline7.
    assert [k.split("/")[0] for k in w.failed()] == ["pipeline2"]
