"""`pulse demo`: the sample organisation end to end, on this machine, with no tokens.

Starts the local GitHub and PagerDuty stand-ins serving the sample organisation, writes a configuration
that points at them (`.demo/pulse.yaml`), materializes every asset, then starts the Dagster UI and the
dashboard and waits. Ctrl-C stops everything it started: the child processes run in their own process
groups and are terminated as groups, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import yaml

from surveys.demo import demo_survey_config

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = Path(os.environ.get("PULSE_DEMO_DIR", ROOT / ".demo"))
GITHUB_PORT = int(os.environ.get("PULSE_DEMO_GITHUB_PORT", "8787"))
PAGERDUTY_PORT = int(os.environ.get("PULSE_DEMO_PAGERDUTY_PORT", "8788"))
DAGSTER_PORT = int(os.environ.get("PULSE_DEMO_DAGSTER_PORT", "3000"))
DASHBOARD_PORT = int(os.environ.get("PULSE_DEMO_DASHBOARD_PORT", "8501"))
SEED = 7
# The stand-ins accept any token; the client libraries still want one to send.
DEMO_TOKEN_ENV = "PULSE_DEMO_PAGERDUTY_TOKEN"
SAMPLE_VERSION = 3


def say(message: str) -> None:
    print(f"[pulse demo] {message}", flush=True)


def demo_config(sandbox, demo_dir: Path) -> dict:
    """The configuration for the sample organisation served by the local stand-ins."""
    from sandbox.sample_org import INCIDENT_LABEL, PLATFORM_WORKFLOW

    org = sandbox.org
    teams = {}
    for name, team in org.teams.items():
        teams[name] = {
            "repositories": list(team.repositories),
            "pagerduty_services": {sid: repo for repo, sid in team.pagerduty_service_ids.items()},
        }
    return {
        "github": {
            "organisation": org.organisation,
            "base_url": sandbox.github_url,
            "token_env": "PULSE_DEMO_GITHUB_TOKEN",
            "production_environments": ["production"],
            # Runs that call the platform's reusable deploy workflow, and the services' own deploy.yml.
            "deploy_workflows": [{"workflow": PLATFORM_WORKFLOW}, "deploy.yml"],
            "production_branch": "main",
            "hotfix_labels": ["hotfix"],
            "hotfix_branches": ["hotfix/*"],
            "incident_label": INCIDENT_LABEL,
            "seconds_between_requests": 0,
            "timeout_seconds": 10,
        },
        "pagerduty": {
            "base_url": sandbox.pagerduty_url,
            "token_env": DEMO_TOKEN_ENV,
            "ca_bundle": str(sandbox.ca_path),
        },
        "teams": teams,
        # Ownership and platform adoption from the repositories' catalog-info.yaml and workflow files, read
        # through the GitHub contents API; the Groups live in the platform team's repository.
        "catalog": {
            "source": "github",
            "files": ["platform-workflows/catalog-info.yaml"],
            "platform": {
                "repository": "platform-workflows",
                "reusable_workflows": ["platform-deploy.yml", "platform-ci.yml"],
                "current_version": "v2",
            },
        },
        "surveys": demo_survey_config(sandbox.org, sandbox.survey_dir, demo_dir),
        "warehouse": {
            "path": str(demo_dir / "pulse.duckdb"),
            "serving_path": str(demo_dir / "pulse_serving.duckdb"),
        },
        "report": {"output_dir": str(demo_dir / "reports")},
        "timezone": "Europe/London",
        "history_days": 180,
    }


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run_demo(*, ui: bool = True, reload: bool = False) -> int:
    from sandbox import start_sandbox

    # Ctrl-C, `kill` and a closed terminal all take the same path: stop the children, then the stand-ins.
    # (A shell that starts this in the background would otherwise leave SIGINT ignored.)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)

    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    dagster_home = DEMO_DIR / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ.setdefault(DEMO_TOKEN_ENV, "sandbox")

    today = datetime.now(UTC).date()
    say(f"starting the local GitHub and PagerDuty stand-ins (sample organisation up to {today})")
    sandbox = start_sandbox(DEMO_DIR, end=today, seed=SEED, github_port=GITHUB_PORT, pagerduty_port=PAGERDUTY_PORT)
    children: list[subprocess.Popen] = []
    try:
        say(f"GitHub stand-in:    {sandbox.github_url}")
        say(f"PagerDuty stand-in: {sandbox.pagerduty_url}")
        config_file = DEMO_DIR / "pulse.yaml"
        config_file.write_text(
            "# Written by `pulse demo`: the sample organisation on the local stand-ins.\n"
            + yaml.safe_dump(demo_config(sandbox, DEMO_DIR), sort_keys=False),
            encoding="utf-8",
        )
        os.environ["PULSE_CONFIG"] = str(config_file)

        stamp = DEMO_DIR / "loaded.json"
        wanted = {"end": today.isoformat(), "seed": SEED, "version": SAMPLE_VERSION}
        serving = DEMO_DIR / "pulse_serving.duckdb"
        if not reload and serving.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == wanted:
            say("sample organisation already loaded today; skipping the load (`pulse demo --reload` to redo)")
        else:
            say("loading: ingest GitHub, PagerDuty and surveys, compute metrics, publish (about a minute)")
            started = time.monotonic()
            from pipelines.run import materialize_all
            from pulse.config import load_config

            if not materialize_all(load_config(config_file)):
                say("the load failed; see the log above")
                return 1
            stamp.write_text(json.dumps(wanted), encoding="utf-8")
            say(f"loaded in {time.monotonic() - started:.0f}s")
        _print_summary(serving)
        if not ui:
            return 0

        env = {**os.environ}
        say(f"starting the Dagster UI on http://127.0.0.1:{DAGSTER_PORT}")
        children.append(
            _spawn(
                [
                    _bin("dagster"),
                    "dev",
                    "-w",
                    str(ROOT / "workspace.yaml"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(DAGSTER_PORT),
                ],
                env,
                DEMO_DIR / "dagster.log",
            )
        )
        say(f"starting the dashboard on http://127.0.0.1:{DASHBOARD_PORT}")
        children.append(
            _spawn(
                [
                    _bin("streamlit"),
                    "run",
                    str(ROOT / "dashboards" / "streamlit_app.py"),
                    "--server.address",
                    "127.0.0.1",
                    "--server.port",
                    str(DASHBOARD_PORT),
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                ],
                env,
                DEMO_DIR / "dashboard.log",
            )
        )
        _wait_http(f"http://127.0.0.1:{DASHBOARD_PORT}/_stcore/health", "dashboard", children)
        say(f"dashboard ready: http://127.0.0.1:{DASHBOARD_PORT}")
        _wait_http(f"http://127.0.0.1:{DAGSTER_PORT}/server_info", "Dagster UI", children, timeout=180)
        say(f"Dagster UI ready: http://127.0.0.1:{DAGSTER_PORT}")
        say(f"logs in {DEMO_DIR}/dagster.log and {DEMO_DIR}/dashboard.log; Ctrl-C stops everything")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("a child process exited; stopping the demo")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        _stop(children)
        sandbox.stop()
        say("stopped")


def _bin(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # A session of its own: the whole group (dagster dev's webserver and daemon) is signalled together,
    # and a Ctrl-C in this terminal reaches only this process, which then stops the groups in order.
    handle = log.open("ab")
    return subprocess.Popen(
        argv,
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Anything of the group still alive (a grandchild that ignored SIGTERM) is killed.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)


def _wait_http(url: str, what: str, children: list[subprocess.Popen], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    last_note = time.monotonic()
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise RuntimeError(f"{what} exited early; see the logs in {DEMO_DIR}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() - last_note > 10:
            say(f"waiting for the {what} to start ...")
            last_note = time.monotonic()
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not start within {timeout:.0f}s; see the logs in {DEMO_DIR}")


def _print_summary(serving: Path) -> None:
    from metrics.queries import team_weeks

    rows = [r for r in team_weeks(serving, weeks=4) if r.scope == "team"]
    teams = sorted({r.team for r in rows})
    deployments = sum(r.deployments for r in rows)
    say(f"published metrics for {len(teams)} teams ({deployments} deployments in the last 4 weeks)")
