"""Each mistake other DORA tools made (../shared/reference/DORA.md, "What peers got wrong"), as a hand-computed case.

Where a mistake is already pinned elsewhere, the test named here covers it:
- lower median instead of interpolated: test_metric_sql.py::test_median_is_interpolated_not_lower
- deployments dropped by an inner join to changes: test_metric_sql.py::test_deployment_without_changes_still_counts
- failed runs counted as deployments: test_metric_sql.py::test_deployments_count_only_successful_production_runs
- squash merges erase the first-commit time: test_metric_sql.py::test_lead_time_starts_at_first_commit_and_excludes_bots
- bots not excludable: same test (author type Bot and the configurable `github.bots` list)
- empty data shown as the best tier: test_metric_sql.py::test_tiers_need_enough_rows_and_no_data_is_never_a_good_tier
- numbers that cannot be traced to rows: test_explain.py
- dashboards that come up empty with no hint: tests/dashboards (missing serving copy, quiet teams)
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from metrics.runner import MetricParams, compute_metrics
from pipelines.defs.github.fetch import is_production_environment
from pulse.warehouse import ensure_schema

T0 = datetime(2026, 11, 25)
PARAMS = MetricParams("acme", "main", ["dependabot[bot]"], 24, date(2026, 11, 2), date(2026, 11, 23))


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour)


def build(
    deployments: list[tuple[str, int, datetime]], incidents: list[tuple[str, str, datetime]]
) -> duckdb.DuckDBPyConnection:
    """Repositories a (team alpha, PagerDuty PA) and b (team beta, PagerDuty PB)."""
    con = duckdb.connect()
    ensure_schema(con)
    for team, repo, service in (("alpha", "a", "PA"), ("beta", "b", "PB")):
        con.execute("INSERT INTO team_ownership VALUES (?, 'repository', ?, ?)", [team, repo, repo])
        con.execute("INSERT INTO team_ownership VALUES (?, 'pagerduty_service', ?, ?)", [team, service, repo])
    for repo, n, when in deployments:
        con.execute(
            "INSERT INTO raw_github_deployments (repository, deployment_id, environment, created_at, succeeded_at,"
            " fetched_at) VALUES (?, ?, 'production', ?, ?, ?)",
            [repo, n, when, when, T0],
        )
    for incident_id, service, when in incidents:
        con.execute(
            "INSERT INTO raw_pagerduty_incidents (incident_id, service_id, status, created_at, resolved_at, fetched_at)"
            " VALUES (?, ?, 'resolved', ?, ?, ?)",
            [incident_id, service, when, when.replace(hour=when.hour + 1), T0],
        )
    compute_metrics(con, PARAMS)
    return con


def week(con: duckdb.DuckDBPyConnection, scope: str, name: str) -> dict:
    cur = con.execute(
        "SELECT * FROM metrics_period WHERE grain = 'week' AND period_label = '2026-W47'"
        " AND scope = ? AND scope_name = ?",
        [scope, name],
    )
    return dict(zip([d[0] for d in cur.description], cur.fetchall()[0], strict=True))


def test_change_fail_rate_cannot_exceed_100_percent() -> None:
    """Four Keys divided joined rows: three incidents on one deployment gave 300%."""
    con = build([("a", 1, at(16, 10))], [(f"I{n}", "PA", at(16, 11 + n)) for n in range(3)])
    row = week(con, "team", "alpha")
    assert row["deployments"] == 1 and row["incidents"] == 3
    assert row["failed_deployments"] == 1
    assert row["change_fail_rate"] == pytest.approx(1.0)


def test_incident_is_not_blamed_on_another_service_or_an_old_deployment() -> None:
    """DevLake attributed an incident to the last deployment before it, of any service, however long before."""
    con = build(
        [("a", 1, at(16, 10)), ("b", 2, at(17, 10))],
        [
            ("on-a-next-day", "PA", at(17, 11)),  # a's deployment was 25 h earlier: outside the 24 h window
            ("on-b", "PB", at(17, 12)),  # b deployed 2 h earlier: b's deployment, not a's
        ],
    )
    links = dict(con.execute("SELECT incident_id, deployment_key FROM incidents").fetchall())
    assert links == {"on-a-next-day": None, "on-b": "deployment:b:2"}
    assert week(con, "team", "alpha")["change_fail_rate"] == pytest.approx(0.0)
    assert week(con, "team", "alpha")["incidents"] == 1  # unattributed, still counted


def test_figures_exist_per_service_and_team() -> None:
    """Four Keys had no team or repository column: everything was one organisation."""
    con = build([("a", 1, at(16, 10)), ("b", 2, at(17, 10)), ("b", 3, at(18, 10))], [])
    assert week(con, "service", "a")["deployments"] == 1
    assert week(con, "team", "beta")["deployments"] == 2
    assert week(con, "organisation", "acme")["deployments"] == 3


@pytest.mark.parametrize(
    ("environment", "patterns", "counts"),
    [
        ("staging", ["production"], False),  # Four Keys counted every environment
        ("Production", ["production"], True),
        ("prod-eu-1", ["prod-*"], True),
        ("preprod", ["prod-*"], False),
        (None, ["production"], False),
    ],
)
def test_only_production_environments_count(environment: str | None, patterns: list[str], counts: bool) -> None:
    assert is_production_environment(environment, patterns) is counts
