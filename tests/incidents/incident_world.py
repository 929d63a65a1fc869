"""Hand-made warehouses for the incident and failed-deployment SQL: rows in, rows out.

`World` writes `deployments` and `changes` directly, with the columns the GitHub side provides (including
is_rollback, previous_deployment_key, is_revert, reverts_number, is_hotfix), plus raw PagerDuty incidents, GitHub
incident issues and team ownership, then runs only the incident files of `metrics/sql/` (30-49). That keeps these
tests about attribution and failure rules, whatever the deployment-detection SQL does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import duckdb

from metrics.runner import SQL_DIR, run_metric_file
from pulse.warehouse import ensure_schema

FETCHED = datetime(2026, 11, 25)

DEPLOYMENTS_DDL = """
CREATE TABLE deployments (
    deployment_key TEXT, source TEXT, repository TEXT, service TEXT, team TEXT, environment TEXT, sha TEXT,
    started_at TIMESTAMP, deployed_at TIMESTAMP, url TEXT,
    is_rollback BOOLEAN, rollback_of TEXT, previous_deployment_key TEXT
)
"""
CHANGES_DDL = """
CREATE TABLE changes (
    repository TEXT, service TEXT, team TEXT, number INTEGER, sha TEXT, title TEXT, author TEXT, commits INTEGER,
    first_commit_at TIMESTAMP, created_at TIMESTAMP, first_review_at TIMESTAMP, merged_at TIMESTAMP,
    merge_commit_sha TEXT, html_url TEXT, deployment_key TEXT, deployed_at TIMESTAMP, lead_time_hours DOUBLE,
    is_revert BOOLEAN, reverts_number INTEGER, reverts_sha TEXT, is_hotfix BOOLEAN, change_kind TEXT
)
"""


def incident_sql_files() -> list:
    """The files this area owns, in run order: 30_ … 49_."""
    return [p for p in sorted(SQL_DIR.glob("*.sql")) if 30 <= int(p.name.split("_", 1)[0]) < 50]


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, minute)


class World:
    def __init__(self, *, deployments_ddl: str = DEPLOYMENTS_DDL, changes_ddl: str = CHANGES_DDL) -> None:
        self.con = duckdb.connect()
        ensure_schema(self.con)
        self.con.execute(deployments_ddl)
        self.con.execute(changes_ddl)
        self._deployed: dict[str, datetime] = {}
        self._team_of: dict[str, str] = {}

    # -- ownership ---------------------------------------------------------------------------------------
    def owns(self, team: str, repository: str) -> World:
        self._insert("team_ownership", team=team, kind="repository", key=repository, repository=repository)
        self._team_of[repository] = team
        return self

    def pages(self, team: str, pagerduty_service: str, repository: str | None) -> World:
        self._insert(
            "team_ownership", team=team, kind="pagerduty_service", key=pagerduty_service, repository=repository
        )
        return self

    # -- GitHub side ---------------------------------------------------------------------------------------
    def deploy(
        self,
        key: str,
        service: str,
        at: datetime,
        *,
        sha: str | None = None,
        url: str | None = None,
        is_rollback: bool = False,
        rollback_of: str | None = None,
        previous: str | None = None,
        environment: str = "production",
    ) -> World:
        self._insert(
            "deployments",
            deployment_key=key,
            source="deployments_api",
            repository=service,
            service=service,
            team=self._team_of.get(service, "unowned"),
            environment=environment,
            sha=sha or hashlib.sha1(key.encode()).hexdigest(),
            started_at=at,
            deployed_at=at,
            url=url,
            is_rollback=is_rollback,
            rollback_of=rollback_of,
            previous_deployment_key=previous,
        )
        self._deployed[key] = at
        return self

    def change(
        self,
        repository: str,
        number: int,
        *,
        shipped_by: str | None,
        opened: datetime,
        title: str = "A change",
        sha: str | None = None,
        is_revert: bool = False,
        reverts_number: int | None = None,
        reverts_sha: str | None = None,
        is_hotfix: bool = False,
        body: str | None = None,
    ) -> World:
        """A change; a ``body`` is stored where GitHub ingestion keeps it (raw_github_pull_requests)."""
        if body is not None:
            self._insert(
                "raw_github_pull_requests",
                repository=repository,
                number=number,
                title=title,
                base_ref="main",
                body=body,
                merged_at=opened,
                fetched_at=FETCHED,
            )
        self._insert(
            "changes",
            repository=repository,
            service=repository,
            team=self._team_of.get(repository, "unowned"),
            number=number,
            sha=sha,
            title=title,
            author="alice",
            commits=1,
            first_commit_at=opened,
            created_at=opened,
            merged_at=opened,
            merge_commit_sha=None,
            html_url=f"https://github.com/acme/{repository}/pull/{number}",
            deployment_key=shipped_by,
            deployed_at=self._deployed.get(shipped_by) if shipped_by else None,
            is_revert=is_revert,
            reverts_number=reverts_number,
            reverts_sha=reverts_sha,
            is_hotfix=is_hotfix,
            change_kind="pull_request",
        )
        return self

    def issue(
        self,
        repository: str,
        number: int,
        created: datetime,
        *,
        closed: datetime | None = None,
        title: str = "Checkout is down",
        labels: tuple[str, ...] = ("incident",),
        **references: list,
    ) -> World:
        """An issue with the incident label; ``references`` are GitHub ingestion's referenced_* columns."""
        self._insert(
            "raw_github_incident_issues",
            repository=repository,
            number=number,
            title=title,
            labels=list(labels),
            state="closed" if closed else "open",
            created_at=created,
            closed_at=closed,
            html_url=f"https://github.com/acme/{repository}/issues/{number}",
            fetched_at=FETCHED,
            **references,
        )
        return self

    # -- PagerDuty side ------------------------------------------------------------------------------------
    def incident(
        self,
        incident_id: str,
        pagerduty_service: str,
        created: datetime,
        *,
        resolved: datetime | None = None,
        title: str = "Errors are up",
        description: str | None = None,
    ) -> World:
        self._insert(
            "raw_pagerduty_incidents",
            incident_id=incident_id,
            incident_number=None,
            title=title,
            description=description,
            status="resolved" if resolved else "triggered",
            urgency="high",
            service_id=pagerduty_service,
            created_at=created,
            resolved_at=resolved,
            resolved_from="incident" if resolved else None,
            html_url=f"https://acme.pagerduty.com/incidents/{incident_id}",
            fetched_at=FETCHED,
        )
        return self

    # -- running and reading -------------------------------------------------------------------------------
    def compute(self, window_hours: int = 24) -> World:
        for path in incident_sql_files():
            run_metric_file(self.con, path, {"window_hours": window_hours})
        return self

    def rows(self, table: str, key: str) -> dict[Any, dict[str, Any]]:
        cursor = self.con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        return {row[names.index(key)]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def incidents(self) -> dict[str, dict[str, Any]]:
        return self.rows("incidents", "incident_id")

    def outcomes(self) -> dict[str, dict[str, Any]]:
        return self.rows("deployment_outcomes", "deployment_key")

    def failed(self) -> dict[str, dict[str, Any]]:
        return self.rows("failed_deployments", "deployment_key")

    def rates(self, by: str = "service") -> dict[str, tuple[float, float]]:
        """(change fail rate, rework rate) per `by`, straight from deployment_outcomes."""
        rows = self.con.execute(
            f"SELECT {by}, avg(failed::INT), avg(is_rework::INT) FROM deployment_outcomes GROUP BY 1"
        ).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def _insert(self, table: str, **values: Any) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.con.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
