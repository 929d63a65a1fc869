"""Apache DevLake's DORA fixtures for change lead time and deployment chaining, run through our metric SQL.

Fixtures (read in place, under ``devlake/backend/plugins/dora/e2e/``):

* ``prev_success_deployment_commit/``: deployment commits before and after DevLake links each successful one to
  the previous successful one of the same CI/CD scope, repository URL and environment.
* ``change_lead_time/``: deployment commits (already chained), ``commits_diffs`` (the commits each deployment
  shipped, from the previous deployment's commit to its own), pull requests, their commits and comments, and the
  expected per-pull-request figures in ``project_pr_metrics.csv`` (whole minutes).

How the fixture maps onto our raw tables (the adapter below):

* a deployment commit is a Deployments API deployment (``raw_github_deployments``) in the repository
  ``<cicd_scope_id>/<repo_url>`` (the scope as the owner: DevLake chains per scope and repository URL, we chain per
  repository, service and environment, and outside monorepos the service is the repository), id = its row id,
  ``created_at`` = started, ``succeeded_at`` (SUCCESS) or ``failed_at`` (FAILURE) = finished. Like our ingestion,
  which lists production environments only, the adapter stores only environments named ``production``;
* ``commits_diffs`` rows become compare results: for every deployment DevLake chains to a previous one, a
  ``raw_github_compares`` row (base = previous deployment's commit, head = its own) listing the diff's commits,
  none when DevLake lists none. Diffs without an old commit (a chain's first deployment) have no comparison here;
* a pull request goes in the repository of the deployment whose diff lists its merge commit (DevLake matches a
  merge commit to a deployment by SHA alone, across repositories; we match within the repository), base ``main``;
  its commits keep their authored times; its comments become reviews (state COMMENTED) by the commenter.

Where the definitions agree, asserted per record: the previous successful deployment of every production
deployment, which deployment ships each pull request and when, and coding, pickup, review and merge-to-deploy time
and lead time, rounded up to whole minutes as DevLake rounds.

Differences on purpose, each asserted with both values:

* DevLake also chains staging deployments (8 -> 7); we keep production deployments only.
* DevLake does not credit a chain's first deployment with any pull request; we ship the changes merged before it
  started (no comparison exists): pr0 counts, deployed by deployment 1 after 455 days.
* DevLake drops a negative part (sets it NULL) and then measures the cycle from PR creation when coding time is
  negative, or to the merge when merge-to-deploy is negative; we keep the timestamps as they are, so a part can be
  negative, and lead time is always first commit -> deployed (pr2: a first commit authored after the pull request
  was opened; pr3: a deployment before the recorded merge; pr3/pr5: a "review" comment before the pull request
  was opened, which a GitHub review cannot be).
* A first review after the merge is no review for us (no pickup or review time); DevLake measures pickup to it
  (pr4: 1,500 minutes).
* Medians: DevLake's dashboards take the lower median; ours is interpolated (pr0..pr3 are four values).
* Incident windows are covered in tests/incidents/test_devlake_golden.py.
"""

from __future__ import annotations

import csv
import math
import statistics
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics.runner import MetricParams, compute_metrics
from pipelines.defs.github.rules import is_production_environment
from pulse.warehouse import ensure_schema
from sandbox.recorded import fixture_path

BASE = Path("devlake/backend/plugins/dora/e2e")
FETCHED = datetime(2026, 11, 25)
PRODUCTION = ["production"]


# -- reading the fixtures ---------------------------------------------------------------------------------------


def _dir(name: str) -> Path:
    found = fixture_path(BASE / name)
    if found is None:
        pytest.skip("DevLake fixtures not found: expected ../shared/fixtures beside the repo or $PULSE_FIXTURES")
    return found


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _time(text: str) -> datetime | None:
    """DevLake writes both ISO 8601 with an offset and unpadded ``2023-4-10 6:51:47``; naive UTC here."""
    if not text:
        return None
    if "T" in text:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def _number(devlake_id: str) -> int:
    """``pr3`` -> 3, ``comment07`` -> 7."""
    return int(devlake_id.lstrip("abcdefghijklmnopqrstuvwxyz_"))


def _repository(row: dict[str, str]) -> str:
    return f"{row['cicd_scope_id']}/{row['repo_url']}"


# -- the adapter ------------------------------------------------------------------------------------------------


def _load_deployments(con: duckdb.DuckDBPyConnection, deployments: list[dict[str, str]]) -> None:
    for row in deployments:
        if not is_production_environment(row["environment"], PRODUCTION):
            continue  # our ingestion never stores a non-production deployment
        finished = _time(row["finished_date"])
        ok = row["result"] == "SUCCESS"
        con.execute(
            "INSERT INTO raw_github_deployments (repository, deployment_id, sha, ref, environment, created_at,"
            " latest_state, latest_state_at, succeeded_at, failed_at, status_count, fetched_at)"
            " VALUES (?, ?, ?, 'main', ?, ?, ?, ?, ?, ?, 1, ?)",
            [
                _repository(row),
                int(row["id"]),
                row["commit_sha"],
                row["environment"],
                _time(row["started_date"]),
                "success" if ok else "failure",
                finished,
                finished if ok else None,
                None if ok else finished,
                FETCHED,
            ],
        )


def _load_compares(
    con: duckdb.DuckDBPyConnection, deployments: list[dict[str, str]], diffs: list[dict[str, str]]
) -> None:
    by_id = {row["id"]: row for row in deployments}
    for row in deployments:
        previous = by_id.get(row["prev_success_deployment_commit_id"])
        if previous is None or not is_production_environment(row["environment"], PRODUCTION):
            continue
        base, head = previous["commit_sha"], row["commit_sha"]
        listed = [d["commit_sha"] for d in diffs if d["old_commit_sha"] == base and d["new_commit_sha"] == head]
        con.execute(
            "INSERT INTO raw_github_compares (repository, base_sha, head_sha, status, ahead_by, behind_by,"
            " total_commits, commits_listed, fetched_at) VALUES (?, ?, ?, 'ahead', ?, 0, ?, ?, ?)",
            [_repository(row), base, head, len(listed), len(listed), len(listed), FETCHED],
        )
        for position, sha in enumerate(listed, start=1):
            con.execute(
                "INSERT INTO raw_github_compare_commits (repository, base_sha, head_sha, sha, position)"
                " VALUES (?, ?, ?, ?, ?)",
                [_repository(row), base, head, sha, position],
            )


def _load_pull_requests(con: duckdb.DuckDBPyConnection, fixture: Path, deployments: list[dict[str, str]]) -> None:
    repository_of_commit = {row["commit_sha"]: _repository(row) for row in deployments}
    shipped_from = {
        d["commit_sha"]: repository_of_commit[d["new_commit_sha"]] for d in _rows(fixture / "commits_diffs.csv")
    }
    repository_of_pr: dict[str, str] = {}
    for pr in _rows(fixture / "pull_requests.csv"):
        repository = shipped_from.get(pr["merge_commit_sha"], "cicd1/REPO111")
        repository_of_pr[pr["id"]] = repository
        con.execute(
            "INSERT INTO raw_github_pull_requests (repository, number, title, author, author_type, head_ref,"
            " base_ref, labels, created_at, merged_at, merge_commit_sha, fetched_at)"
            " VALUES (?, ?, ?, ?, 'User', ?, 'main', [], ?, ?, ?, ?)",
            [
                repository,
                _number(pr["id"]),
                pr["id"],
                pr["author_id"] or None,
                f"feature/{pr['id']}",
                _time(pr["created_date"]),
                _time(pr["merged_date"]),
                pr["merge_commit_sha"],
                FETCHED,
            ],
        )
    for commit in _rows(fixture / "pull_request_commits.csv"):
        con.execute(
            "INSERT INTO raw_github_pull_request_commits (repository, number, sha, authored_at, committed_at,"
            " fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                repository_of_pr[commit["pull_request_id"]],
                _number(commit["pull_request_id"]),
                commit["commit_sha"],
                _time(commit["commit_authored_date"]),
                _time(commit["commit_authored_date"]),
                FETCHED,
            ],
        )
    for comment in _rows(fixture / "pull_request_comments.csv"):
        con.execute(
            "INSERT INTO raw_github_pull_request_reviews (repository, number, review_id, reviewer, reviewer_type,"
            " state, submitted_at, fetched_at) VALUES (?, ?, ?, ?, 'User', 'COMMENTED', ?, ?)",
            [
                repository_of_pr[comment["pull_request_id"]],
                _number(comment["pull_request_id"]),
                _number(comment["id"]),
                comment["account_id"],
                _time(comment["created_date"]),
                FETCHED,
            ],
        )


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_schema(con)
    return con


def _compute(con: duckdb.DuckDBPyConnection, week_from: date, week_to: date) -> None:
    # No pulse_meta.github_rules_applied_at: the SQL applies its built-in defaults to the raw tables.
    compute_metrics(con, MetricParams("devlake", "main", [], 24, week_from, week_to))


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]


def _id(deployment_key: str | None) -> str | None:
    """``deployment:cicd1/REPO111:5`` -> ``5`` (DevLake's deployment commit id)."""
    return deployment_key.rsplit(":", 1)[1] if deployment_key else None


def _minutes(hours: float | None) -> int | None:
    """Hours -> whole minutes rounded up, as DevLake stores them (via whole seconds, so no float noise)."""
    if hours is None:
        return None
    return math.ceil(round(hours * 3600) / 60)


def _theirs(value: str) -> int | None:
    return int(value) if value else None


# -- previous successful deployment -----------------------------------------------------------------------------


def _chain(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return {
        _id(r["deployment_key"]): _id(r["previous_deployment_key"])
        for r in _table(con, "SELECT deployment_key, previous_deployment_key FROM deployments")
    }


def _assert_chain(expected_rows: list[dict[str, str]], ours: dict[str, str | None], statuses: dict[str, str]) -> None:
    for row in expected_rows:
        theirs = row["prev_success_deployment_commit_id"] or None
        if row["result"] != "SUCCESS":
            # A failed attempt is never a deployment nor anyone's previous one, for them or for us.
            assert theirs is None and row["id"] not in ours
            assert statuses[row["id"]] == "failure"
        elif is_production_environment(row["environment"], PRODUCTION):
            assert ours[row["id"]] == theirs, f"deployment {row['id']}"
        else:
            # Staging (and unnamed) environments: DevLake chains them too; we never store them.
            assert row["id"] not in ours and row["id"] not in statuses


def _statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {_id(r["deployment_key"]): r["status"] for r in _table(con, "SELECT * FROM deployment_attempts")}


def test_previous_successful_deployment_matches_devlake() -> None:
    fixture = _dir("prev_success_deployment_commit")
    before = _rows(fixture / "cicd_deployment_commits_before.csv")
    con = _warehouse()
    _load_deployments(con, before)
    _compute(con, date(2022, 9, 5), date(2022, 9, 19))
    after = _rows(fixture / "cicd_deployment_commits_after.csv")
    _assert_chain(after, _chain(con), _statuses(con))
    expected = {r["id"]: r["prev_success_deployment_commit_id"] or None for r in after}
    # The retried deployment skips the failed attempt; another scope's deployment of the same repository and a
    # staging chain are separate.
    assert _chain(con)["13"] == expected["13"] == "3"
    assert _chain(con)["15"] is expected["15"] is None
    assert expected["8"] == "7" and "8" not in _chain(con)
    assert sorted(_chain(con), key=int) == ["1", "2", "3", "4", "5", "6", "9", "10", "12", "13", "15"]


# -- change lead time per pull request --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lead_time() -> tuple[duckdb.DuckDBPyConnection, list[dict[str, str]], dict[str, dict[str, str]]]:
    fixture = _dir("change_lead_time")
    deployments = _rows(fixture / "cicd_deployment_commits.csv")
    con = _warehouse()
    _load_deployments(con, deployments)
    _load_compares(con, deployments, _rows(fixture / "commits_diffs.csv"))
    _load_pull_requests(con, fixture, deployments)
    _compute(con, date(2023, 4, 3), date(2023, 4, 17))
    expected = {r["id"]: r for r in _rows(fixture / "project_pr_metrics.csv")}
    return con, deployments, expected


def _changes(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    return {f"pr{r['number']}": r for r in _table(con, "SELECT * FROM changes")}


def test_lead_time_fixture_deployments_chain_as_in_devlake(lead_time: tuple) -> None:
    con, deployments, _ = lead_time
    _assert_chain(deployments, _chain(con), _statuses(con))


def test_each_pull_request_ships_with_devlakes_deployment(lead_time: tuple) -> None:
    """pr1..pr5 agree; pr0 is the first-deployment difference; pr6 was never merged (neither counts it)."""
    con, _, expected = lead_time
    ours = _changes(con)
    assert set(ours) == set(expected)  # pr6 (not merged) is in neither
    for pr, row in expected.items():
        if pr == "pr0":
            continue
        assert _id(ours[pr]["deployment_key"]) == (row["deployment_commit_id"] or None), pr
        assert ours[pr]["deployed_at"] == _time(row["pr_deployed_date"]), pr
    shipped = _table(con, "SELECT deployment_key, number, matched_by FROM deployment_changes ORDER BY number")
    assert [(_id(s["deployment_key"]), s["number"], s["matched_by"]) for s in shipped] == [
        ("1", 0, "merge_time"),
        ("5", 1, "compare"),
        ("5", 2, "compare"),
        ("6", 3, "compare"),
    ]
    # pr0: DevLake's own diff puts its merge commit in deployment 1, but a chain's first deployment credits nothing.
    assert expected["pr0"]["deployment_commit_id"] == "" and expected["pr0"]["pr_deployed_date"] == ""
    assert _id(ours["pr0"]["deployment_key"]) == "1"
    assert _minutes(ours["pr0"]["lead_time_hours"]) == 655_321  # 2022-01-10 04:51:47 -> 2023-04-10 06:52:47


def test_first_commit_and_first_review_as_in_devlake(lead_time: tuple) -> None:
    con, _, expected = lead_time
    ours = _changes(con)
    for pr, row in expected.items():
        commits = _table(
            con, f"SELECT sha, authored_at FROM raw_github_pull_request_commits WHERE number = {_number(pr)}"
        )
        first = min(commits, key=lambda c: c["authored_at"])
        assert first["sha"] == row["first_commit_sha"] and ours[pr]["first_commit_at"] == _time(
            row["first_commit_authored_date"]
        )
        assert ours[pr]["created_at"] == _time(row["pr_created_date"])
        assert ours[pr]["merged_at"] == _time(row["pr_merged_date"])
    # The first comment by someone other than the author (pr1: comment01 is the author's own).
    for pr in ("pr1", "pr2", "pr3", "pr5"):
        assert ours[pr]["first_review_at"] == _time(expected[pr]["first_comment_date"]), pr
    # pr4's only comments came a day after the merge: for us it was merged without review.
    assert expected["pr4"]["first_comment_date"] == "2023-04-14T08:55:01.000+00:00"
    assert ours["pr4"]["first_review_at"] is None


PARTS = {
    "pr_coding_time": "coding_hours",
    "pr_pickup_time": "pickup_hours",
    "pr_review_time": "review_hours",
    "pr_deploy_time": "merge_to_deploy_hours",
}
# (pr, DevLake column): (theirs, ours) in minutes, where the definitions differ on purpose (module docstring).
DIFFERENT = {
    ("pr2", "pr_coding_time"): (None, -1440),  # first commit authored a day after the pull request was opened
    ("pr3", "pr_pickup_time"): (None, -1440),  # "reviewed" a day before the pull request was opened
    ("pr3", "pr_deploy_time"): (None, -1403),  # deployed 23 h 23 min before the recorded merge
    ("pr4", "pr_pickup_time"): (1500, None),  # the first comment came after the merge
    ("pr5", "pr_pickup_time"): (None, -313_007),  # a comment seven months before the pull request
    ("pr0", "pr_deploy_time"): (None, 610_681),  # the first deployment of its chain
}


def test_lead_time_breakdown_per_pull_request(lead_time: tuple) -> None:
    """Every part DevLake computes matches ours to the minute, except the differences listed in DIFFERENT."""
    con, _, expected = lead_time
    ours = _changes(con)
    checked = 0
    for pr, row in expected.items():
        for theirs_column, ours_column in PARTS.items():
            theirs, mine = _theirs(row[theirs_column]), _minutes(ours[pr][ours_column])
            if (pr, theirs_column) in DIFFERENT:
                assert (theirs, mine) == DIFFERENT[(pr, theirs_column)], (pr, theirs_column)
            else:
                assert mine == theirs, (pr, theirs_column)
                checked += theirs is not None
    assert checked == 13


def test_lead_time_per_pull_request(lead_time: tuple) -> None:
    """Lead time (first commit -> deployed) equals DevLake's cycle time where DevLake measures the same span.

    DevLake's ``pr_cycle_time`` runs from the first commit (from the creation when coding time is negative) to the
    deployment (to the merge when not deployed or when merge-to-deploy is negative). Ours is first commit ->
    deployed, and only for deployed changes.
    """
    con, _, expected = lead_time
    ours = _changes(con)
    theirs = {pr: _theirs(row["pr_cycle_time"]) for pr, row in expected.items()}
    mine = {pr: _minutes(ours[pr]["lead_time_hours"]) for pr in expected}
    assert mine["pr1"] == theirs["pr1"] == 4478  # same span, to the minute
    assert (theirs["pr2"], mine["pr2"]) == (1598, 158)  # theirs from creation, ours from the (later) first commit
    assert (theirs["pr3"], mine["pr3"]) == (10203, 8799)  # theirs to the merge, ours to the earlier deployment
    assert (theirs["pr0"], mine["pr0"]) == (44640, 655_321)  # theirs to the merge: not deployed for them
    # Not deployed: DevLake still reports merge - first commit; we have no lead time yet.
    for pr in ("pr4", "pr5"):
        assert theirs[pr] is not None and mine[pr] is None and ours[pr]["deployment_key"] is None
    # Where both spans are the same, they agree exactly.
    for pr in ("pr0", "pr4", "pr5"):
        merged_minutes = math.ceil(
            (_time(expected[pr]["pr_merged_date"]) - ours[pr]["first_commit_at"]).total_seconds() / 60
        )
        assert merged_minutes == theirs[pr], pr


def test_median_is_interpolated_where_devlake_takes_the_lower_one(lead_time: tuple) -> None:
    """Four deployed changes in week 2023-W15 (all of service cicd1/REPO111 and cicd1/REPO222, team 'unowned')."""
    con, _, _ = lead_time
    leads = sorted(
        r["lead_time_hours"] for r in _table(con, "SELECT lead_time_hours FROM changes") if r["lead_time_hours"]
    )
    assert len(leads) == 4
    row = _table(
        con,
        "SELECT lead_time_median_hours FROM metrics_period WHERE grain = 'week' AND period_label = '2023-W15'"
        " AND scope = 'organisation'",
    )[0]
    assert row["lead_time_median_hours"] == pytest.approx(statistics.median(leads))
    lower = statistics.median_low(leads)
    assert lower == pytest.approx(leads[1]) and lower < row["lead_time_median_hours"]
