"""Incremental, rate-limit safe and fault tolerant: injected faults against the stand-in, conditional
re-syncs, rate-limit waits and stops, GitHub Enterprise and GitHub App authentication, and a sync killed
half-way then run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from conftest import at
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github_builders import RepoBuilder, new_data

from pipelines.defs.github.client import GitHubApi
from pipelines.defs.github.sync import sync_all
from pulse.config import load_config
from pulse.warehouse import connect, utc_now
from sandbox import Fault, GitHubStandIn, generate_sample_org, secondary_rate_limit_fault

ROOT = Path(__file__).resolve().parents[2]
RAW_TABLES = (
    "raw_github_repositories",
    "raw_github_deployments",
    "raw_github_workflow_runs",
    "raw_github_pull_requests",
    "raw_github_pull_request_commits",
    "raw_github_pull_request_reviews",
    "raw_github_commits",
    "raw_github_compares",
    "raw_github_compare_commits",
    "raw_github_incident_issues",
    "github_deployment_attempts",
    "github_change_candidates",
    "github_sync_cursors",
)


def two_repositories() -> tuple[RepoBuilder, RepoBuilder]:
    data = new_data()
    shop, broken = RepoBuilder(data, "shop"), RepoBuilder(data, "billing")
    for repo in (shop, broken):
        for day in range(2, 12):
            pr = repo.pull(
                f"Change {day}",
                commits=[at(day, 8), at(day, 9)],
                created=at(day, 10),
                merged=at(day, 12),
                reviews=[(at(day, 11), "bob", "APPROVED")],
            )
            repo.deployment(pr["merge_commit_sha"], at(day, 14))
            repo.run(pr["merge_commit_sha"], at(day, 15))
        repo.issue("Incident: checkout errors", f"After deployment 12345, commit `{repo.head[:9]}`.", at(5, 16))
    return shop, broken


def snapshot(con, tables=RAW_TABLES) -> dict[str, list[tuple]]:
    """Every row of the GitHub tables, without the columns that record when they were fetched."""
    out = {}
    for table in tables:
        names = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in ("fetched_at", "synced_at")]
        out[table] = con.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY ALL").fetchall()
    return out


def test_rate_limits_5xx_timeouts_and_truncated_bodies_are_retried(harness) -> None:
    shop, _ = two_repositories()
    clean = harness(shop.store)
    clean.sync()
    faulty = harness(shop.store, standin=clean.standin, timeout_seconds=1, retries=4)
    standin = faulty.standin
    standin.inject(Fault(path_regex=r"/repos/acme/shop/deployments\?", status=429, headers={"Retry-After": "3"}))
    standin.inject(secondary_rate_limit_fault(r"/repos/acme/shop/pulls\?", retry_after=2))
    standin.inject(Fault(path_regex=r"/repos/acme/billing/pulls/3/commits", status=502))
    standin.inject(Fault(path_regex=r"/repos/acme/shop/actions/runs", delay_seconds=1.6))
    standin.inject(Fault(path_regex=r"/repos/acme/billing/commits\?", truncated=True))
    standin.inject(Fault(path_regex=r"/repos/acme/shop/compare/", status=503, times=2))

    reports = faulty.sync()

    assert not any(r.failures for r in reports.values())
    assert snapshot(faulty.con) == snapshot(clean.con)
    assert {3.0, 2.0} <= set(faulty.sleeps)  # Retry-After honoured
    retries = faulty.last_api.stats.retries
    assert retries["deployments"] == 1 and retries["pulls"] == 1 and retries["pull_commits"] == 1
    assert retries["workflow_runs"] == 1 and retries["commits"] == 1 and retries["compare"] == 2
    assert not standin.pending_faults


def test_repository_returning_404_is_reported_while_the_others_load(harness) -> None:
    shop, _ = two_repositories()
    h = harness(shop.store)
    h.standin.inject(Fault(path_regex=r"/repos/acme/billing/", status=404, times=1000))

    reports = h.sync()

    for endpoint in ("deployments", "workflow_runs", "pull_requests", "commits", "incident_issues"):
        assert list(reports[endpoint].failures) == ["billing"], endpoint
        assert "404" in reports[endpoint].failures["billing"]
    assert h.rows("SELECT DISTINCT repository FROM raw_github_pull_requests") == [("shop",)]
    assert h.rows("SELECT count(*) FROM deployments WHERE repository = 'shop'") == [(20,)]  # API + Actions


def test_a_list_growing_between_two_pages_gives_no_duplicate_and_no_loss(harness) -> None:
    data = new_data()
    repo = RepoBuilder(data)
    pr = repo.pull("One", commits=[at(2, 8)], created=at(2, 9), merged=at(2, 10))
    start = at(2, 11)
    for i in range(150):
        repo.deployment(pr["merge_commit_sha"], start + timedelta(minutes=10 * i))
    newcomer: list[int] = []

    def grow() -> None:
        newcomer.append(repo.deployment(pr["merge_commit_sha"], at(24, 9)))

    h = harness(data)
    h.standin.inject(Fault(path_regex=r"/deployments\?.*page=2", mutate=grow))
    h.sync()
    ids = [r[0] for r in h.rows("SELECT deployment_id FROM raw_github_deployments")]
    assert len(ids) == len(set(ids)) == 150  # page 2 repeated the last item of page 1; stored once

    h.sync()
    ids = {r[0] for r in h.rows("SELECT deployment_id FROM raw_github_deployments")}
    assert newcomer[0] in ids and len(ids) == 151  # newer than the cursor: the next sync brings it


def test_unchanged_resync_is_all_304_and_a_change_costs_only_its_lists(harness) -> None:
    shop, _ = two_repositories()
    h = harness(shop.store)
    h.sync()

    h.standin.clear_requests()
    h.sync()
    assert {r.status for r in h.standin.requests} == {304}
    per_list = {(r.path, tuple(sorted(r.query.items()))) for r in h.standin.requests}
    assert len(per_list) == len(h.standin.requests) == 1 + 2 * 5  # repositories + 2 repos x 5 endpoints

    pr = shop.pull("New", commits=[at(20, 8)], created=at(20, 9), merged=at(20, 10))
    shop.deployment(pr["merge_commit_sha"], at(20, 11))
    h.standin.clear_requests()
    h.sync()
    changed = sorted({r.path for r in h.standin.requests if r.status == 200})
    assert changed == sorted(
        [
            "/repos/acme/shop/deployments",
            "/repos/acme/shop/deployments/"
            + str(h.rows("SELECT max(deployment_id) FROM raw_github_deployments")[0][0])
            + "/statuses",
            "/repos/acme/shop/pulls",
            f"/repos/acme/shop/pulls/{pr['number']}/commits",
            f"/repos/acme/shop/pulls/{pr['number']}/reviews",
            "/repos/acme/shop/commits",
            f"/repos/acme/shop/compare/{shop.data.deployments[-2]['sha']}...{pr['merge_commit_sha']}",
        ]
    )
    assert h.rows("SELECT count(*) FROM changes WHERE number = ? AND repository = 'shop'", [pr["number"]]) == [(1,)]


def test_a_rule_change_resets_the_cursor_of_that_endpoint(harness) -> None:
    shop, _ = two_repositories()
    h = harness(shop.store)
    h.sync()
    h.standin.clear_requests()
    h.sync(deploy_workflows=["deploy.yml", "release.yml"])
    runs = h.standin.requests_matching(r"/actions/runs$")
    assert runs and all(not r.conditional and r.status == 200 for r in runs)
    assert all(r.status == 304 for r in h.standin.requests_matching(r"/pulls$"))


def test_primary_rate_limit_waits_for_a_near_reset(harness) -> None:
    shop, _ = two_repositories()
    now = [1_800_000_000.0]
    # 40 requests per 30-second window: the sync needs several windows and must wait for each reset.
    standin = GitHubStandIn(shop.store, rate_limit=40, rate_window_seconds=30, clock=lambda: now[0]).start()
    h = harness(shop.store, standin=standin, rate_limit_reserve=5, max_rate_limit_wait_seconds=600)
    cfg = h.config()
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    api = GitHubApi(cfg.github, token="t", sleep=sleep, clock=lambda: now[0])
    reports = sync_all(h.con, api, cfg, utc_now())

    assert not any(r.stopped or r.failures for r in reports.values())
    assert len(waited) >= 2 and all(w <= 31 for w in waited)
    assert api.stats.waited_seconds == pytest.approx(sum(waited))
    assert h.rows("SELECT count(*) FROM raw_github_deployments") == [(20,)]
    assert all(r.status != 403 for r in standin.requests)  # it waited before running dry


def test_primary_rate_limit_far_from_reset_stops_cleanly_and_the_next_run_resumes(harness) -> None:
    shop, _ = two_repositories()
    clean = harness(shop.store)
    clean.sync()
    h = harness(shop.store, standin=clean.standin, rate_limit_reserve=10, max_rate_limit_wait_seconds=60)
    reset = int(time.time()) + 7200
    h.standin.set_rate_limit(limit=5000, remaining=30, reset_at=reset)

    reports = h.sync()

    stopped = [name for name, r in reports.items() if r.stopped is not None]
    assert stopped, "the sync should have stopped on the rate limit"
    message = str(reports[stopped[0]].stopped)
    assert "Run again after" in message and time.strftime("%H:%M", time.gmtime(reset)) in message
    assert not any(r.failures for r in reports.values())

    h.standin.set_rate_limit(remaining=5000)
    h.sync(rate_limit_reserve=10)
    assert snapshot(h.con) == snapshot(clean.con)


def test_github_enterprise_base_url(harness) -> None:
    shop, _ = two_repositories()
    with GitHubStandIn(shop.store, path_prefix="/api/v3") as ghe:
        h = harness(shop.store, standin=ghe)
        h.sync(base_url=ghe.api_url)
        assert h.rows("SELECT count(*) FROM deployments") == [(40,)]
        assert ghe.requests and all(r.path.startswith("/api/v3/") for r in ghe.requests)


def test_github_app_installation_authentication(harness, monkeypatch: pytest.MonkeyPatch) -> None:
    shop, _ = two_repositories()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    shop.store.apps[4242] = public
    shop.store.installations["acme"] = 777
    monkeypatch.setenv("PULSE_TEST_APP_KEY", private)
    h = harness(shop.store)
    h.standin.token = "a-token-nobody-has"  # only the installation token the app obtains is accepted

    cfg = h.config(app={"app_id": 4242, "private_key_env": "PULSE_TEST_APP_KEY"})
    sync_all(h.con, GitHubApi(cfg.github, sleep=lambda s: None), cfg, utc_now())

    assert h.rows("SELECT count(*) FROM raw_github_deployments") == [(20,)]
    assert [r.path for r in h.standin.requests[:2]] == [
        "/orgs/acme/installation",
        "/app/installations/777/access_tokens",
    ]
    issued = h.standin.issued_tokens
    assert issued and all(r.headers["authorization"] == f"token {next(iter(issued))}" for r in h.standin.requests[2:])


def test_missing_app_key_names_the_variable(harness, monkeypatch: pytest.MonkeyPatch) -> None:
    shop, _ = two_repositories()
    monkeypatch.delenv("PULSE_TEST_APP_KEY", raising=False)
    h = harness(shop.store)
    cfg = h.config(app={"app_id": 4242, "private_key_env": "PULSE_TEST_APP_KEY"})
    with pytest.raises(RuntimeError, match="PULSE_TEST_APP_KEY"):
        GitHubApi(cfg.github)


KILLABLE = textwrap.dedent(
    """
    import sys
    from pipelines.defs.github.client import GitHubApi
    from pipelines.defs.github.sync import sync_all
    from pulse.config import load_config
    from pulse.warehouse import connect, utc_now

    cfg = load_config(sys.argv[1])
    con = connect(cfg.warehouse.path)
    sync_all(con, GitHubApi(cfg.github, token="t"), cfg, utc_now())
    """
)


def test_a_sync_killed_half_way_then_rerun_matches_one_clean_sync(tmp_path: Path) -> None:
    org = generate_sample_org(at(22).date(), days=14, seed=5)
    with GitHubStandIn(org.github) as standin:

        def config(name: str) -> Path:
            path = tmp_path / f"{name}.yaml"
            body = {
                "github": {"organisation": "acme", "base_url": standin.url, "seconds_between_requests": 0},
                "warehouse": {
                    "path": str(tmp_path / f"{name}.duckdb"),
                    "serving_path": str(tmp_path / f"{name}-s.duckdb"),
                },
                "history_days": 14,
            }
            path.write_text(yaml.safe_dump(body), encoding="utf-8")
            return path

        clean_cfg = load_config(config("clean"))
        con = connect(clean_cfg.warehouse.path)
        sync_all(con, GitHubApi(clean_cfg.github, token="t"), clean_cfg, utc_now())
        clean = snapshot(con)
        con.close()

        killed = config("killed")
        reached = threading.Event()
        # Half-way through the pull requests of the sixth repository (alphabetically) the process is killed.
        standin.inject(
            Fault(path_regex=r"/repos/acme/order-router/pulls/\d+/reviews", mutate=reached.set, delay_seconds=30)
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen([sys.executable, "-c", KILLABLE, str(killed)], cwd=ROOT, env=env)
        try:
            assert reached.wait(120), "the killable sync never reached the marked request"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        standin.clear_faults()

        cfg = load_config(killed)
        con = connect(cfg.warehouse.path)
        partial = snapshot(con)
        assert 0 < len(partial["raw_github_pull_requests"]) < len(clean["raw_github_pull_requests"])
        sync_all(con, GitHubApi(cfg.github, token="t"), cfg, utc_now())
        again = snapshot(con)
        con.close()
    assert again == clean
