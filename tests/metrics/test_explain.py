"""`pulse explain`: a published figure and the rows behind it agree."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from metrics.explain import explain, parse_period
from metrics.queries import NoDataError
from metrics.runner import PUBLISHED_TABLES, MetricParams, compute_metrics
from pulse.cli import main as pulse_main
from pulse.warehouse import connect, ensure_schema, publish_serving_copy, set_meta

T0 = datetime(2026, 11, 25)
PARAMS = MetricParams("acme", "main", ["dependabot[bot]"], 24, date(2026, 11, 2), date(2026, 11, 23))


@pytest.fixture()
def serving(tmp_path: Path) -> Path:
    con = connect(tmp_path / "work.duckdb")
    ensure_schema(con)
    con.execute("INSERT INTO team_ownership VALUES ('payments', 'repository', 'pay', 'pay')")
    con.execute("INSERT INTO team_ownership VALUES ('payments', 'pagerduty_service', 'P1', 'pay')")
    for n, day in ((1, 16), (2, 18)):
        con.execute(
            "INSERT INTO raw_github_deployments (repository, deployment_id, environment, created_at, succeeded_at,"
            " fetched_at) VALUES ('pay', ?, 'production', ?, ?, ?)",
            [n, datetime(2026, 11, day, 10), datetime(2026, 11, day, 10), T0],
        )
    for number, merged, first in (
        (7, datetime(2026, 11, 16, 9), datetime(2026, 11, 15, 10)),
        (8, datetime(2026, 11, 17, 9), datetime(2026, 11, 17, 8)),
    ):
        con.execute(
            "INSERT INTO raw_github_pull_requests (repository, number, title, author, author_type, base_ref,"
            " created_at, merged_at, fetched_at) VALUES ('pay', ?, ?, 'ana', 'User', 'main', ?, ?, ?)",
            [number, f"Change {number}", merged, merged, T0],
        )
        con.execute(
            "INSERT INTO raw_github_pull_request_commits (repository, number, sha, authored_at, fetched_at)"
            " VALUES ('pay', ?, ?, ?, ?)",
            [number, f"c{number}", first, T0],
        )
    con.execute(
        "INSERT INTO raw_pagerduty_incidents (incident_id, service_id, status, created_at, resolved_at, fetched_at)"
        " VALUES ('INC1', 'P1', 'resolved', ?, ?, ?)",
        [datetime(2026, 11, 18, 12), datetime(2026, 11, 18, 15), T0],
    )
    compute_metrics(con, PARAMS)
    set_meta(con, {"organisation": "acme"})
    path = publish_serving_copy(con, tmp_path / "serving.duckdb", [*PUBLISHED_TABLES, "pulse_meta"])
    con.close()
    return path


def test_lead_time_rows_match_the_figure(serving: Path) -> None:
    result = explain(serving, "lead_time", "2026-W47", team="payments")
    assert result.figure["changes"] == 2
    numbers = [dict(zip(result.columns, r, strict=True))["number"] for r in result.rows]
    hours = [dict(zip(result.columns, r, strict=True))["lead_time_hours"] for r in result.rows]
    # PR 7: first commit 15th 10:00, shipped by deployment 1 on the 16th 10:00 -> 24 h.
    # PR 8: first commit 17th 08:00, shipped by deployment 2 on the 18th 10:00 -> 26 h. Longest first.
    assert numbers == [8, 7]
    assert hours == [26.0, 24.0]
    assert result.figure["lead_time_median_hours"] == pytest.approx(25.0)


def test_change_fail_rate_rows_name_the_incident_and_rule(serving: Path) -> None:
    result = explain(serving, "change_fail_rate", "2026-W47")
    assert result.scope == "organisation" and result.name == "acme"
    rows = [dict(zip(result.columns, r, strict=True)) for r in result.rows]
    failed = [r for r in rows if r["failed"]]
    assert len(rows) == result.figure["deployments"] == 2
    assert len(failed) == result.figure["failed_deployments"] == 1
    assert failed[0]["incidents"] == "INC1 (last_deployment_in_window)"


def test_recovery_rows(serving: Path) -> None:
    result = explain(serving, "recovery_time", "2026-11", service="pay")
    rows = [dict(zip(result.columns, r, strict=True)) for r in result.rows]
    assert [r["recovery_hours"] for r in rows] == [5.0]  # deployed 18th 10:00, resolved 15:00
    assert result.figure["recovery_time_median_hours"] == pytest.approx(5.0)


def test_unknown_team_and_bad_period_are_explained(serving: Path) -> None:
    with pytest.raises(NoDataError, match="known: payments"):
        explain(serving, "lead_time", "2026-W47", team="paymnets")
    with pytest.raises(ValueError, match="expected a week"):
        explain(serving, "lead_time", "last week")


@pytest.mark.parametrize(
    ("text", "grain", "start", "end"),
    [
        ("2026-W47", "week", date(2026, 11, 16), date(2026, 11, 23)),
        ("2026-W53", "week", date(2026, 12, 28), date(2027, 1, 4)),
        ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
        ("R90:2026-11-23", "rolling_90d", date(2026, 8, 25), date(2026, 11, 23)),
    ],
)
def test_parse_period(text: str, grain: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.grain, period.start, period.end) == (grain, start, end)


def test_cli_json(serving: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text(
        f"github:\n  organisation: acme\nwarehouse:\n  path: {tmp_path / 'other.duckdb'}\n  serving_path: {serving}\n",
        encoding="utf-8",
    )
    code = pulse_main(
        [
            "--config",
            str(config),
            "explain",
            "--metric",
            "lead_time",
            "--team",
            "payments",
            "--week",
            "2026-W47",
            "--format",
            "json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["figure"]["changes"] == len(payload["rows"]) == 2
