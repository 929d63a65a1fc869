"""Shared set-up for the GitHub ingestion tests: a stand-in serving a store, the real PyGithub-based client
pointed at it, one sync into a temporary warehouse, and the deployment/change SQL on top."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from github_builders import RepoBuilder, new_data

from metrics.runner import SQL_DIR, run_metric_file
from pipelines.defs.github.client import GitHubApi
from pipelines.defs.github.sync import Report, sync_all
from pulse.config import PulseConfig, parse_config
from pulse.warehouse import connect, ensure_schema, utc_now
from sandbox.github_api import GitHubData, GitHubStandIn

# The tables this SQL builds, in order (the rest of metrics/sql is other metrics).
GITHUB_SQL = (
    "10_deployment_attempts.sql",
    "11_deployments.sql",
    "12_change_candidates.sql",
    "13_deployment_changes.sql",
    "20_changes.sql",
)


class Harness:
    """A stand-in, a warehouse and the settings to sync one into the other."""

    def __init__(self, data: GitHubData, tmp_path: Path, standin: GitHubStandIn | None = None, **github: Any) -> None:
        self.data = data
        self.standin = standin or GitHubStandIn(data, rate_limit=1_000_000).start()
        self.path = tmp_path / "pulse.duckdb"
        self.tmp_path = tmp_path
        self.github = github
        self.con: duckdb.DuckDBPyConnection = connect(self.path)
        ensure_schema(self.con)
        self.sleeps: list[float] = []
        self.last_api: GitHubApi | None = None

    def config(self, **github: Any) -> PulseConfig:
        settings = {
            "organisation": "acme",
            "base_url": self.standin.url,
            "seconds_between_requests": 0,
            "timeout_seconds": 2,
            "retries": 3,
            **self.github,
            **github,
        }
        return parse_config(
            {
                "github": settings,
                "warehouse": {"path": str(self.path), "serving_path": str(self.tmp_path / "serving.duckdb")},
                "history_days": 90,
            }
        )

    def api(self, cfg: PulseConfig) -> GitHubApi:
        self.last_api = GitHubApi(cfg.github, token="test-token", sleep=self.sleeps.append)
        return self.last_api

    def sync(self, **github: Any) -> dict[str, Report]:
        cfg = self.config(**github)
        reports = sync_all(self.con, self.api(cfg), cfg, utc_now())
        self.compute()
        return reports

    def compute(self) -> None:
        params = {"production_branch": "main", "bots": ["dependabot[bot]", "renovate[bot]"]}
        for name in GITHUB_SQL:
            run_metric_file(self.con, SQL_DIR / name, params)

    def rows(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params).fetchall() if params is not None else self.con.execute(sql).fetchall()

    def close(self) -> None:
        self.con.close()
        self.standin.stop()


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """``harness(data, **github_settings)`` → a started :class:`Harness` (stopped after the test)."""
    made: list[Harness] = []

    def make(data: GitHubData, standin: GitHubStandIn | None = None, **github: Any) -> Harness:
        made.append(Harness(data, tmp_path / f"h{len(made)}", standin, **github))
        return made[-1]

    for folder in range(4):
        (tmp_path / f"h{folder}").mkdir()
    yield make
    for h in made:
        h.close()


@pytest.fixture
def repo() -> RepoBuilder:
    return RepoBuilder(new_data())


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in November 2026 (the tests' frozen now is 2026-11-25 12:00 UTC)."""
    return datetime(2026, 11, day, hour, minute)
