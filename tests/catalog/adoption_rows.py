"""Hand-made warehouse rows for the adoption SQL (metrics/sql/8x_*.sql), and a runner for just those files.

The DORA tables the adoption SQL reads (deployments, changes, failed_deployments, incidents) are created here
with the columns of their contract, so these tests pin the adoption rules alone: rows in, rows out.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb

from metrics.runner import MetricParams, run_metric_file, sql_files
from pulse.warehouse import ensure_schema

LOADED_AT = datetime(2026, 11, 25, 12, 0)
PARAMS = MetricParams(
    organisation="acme",
    production_branch="main",
    bots=[],
    window_hours=24,
    week_from=date(2026, 8, 3),  # the first full week of history is 2026-08-10
    week_to=date(2026, 11, 23),  # the current (incomplete) week
)

DORA_TABLES = """
CREATE TABLE deployments (
    deployment_key TEXT, source TEXT, repository TEXT, service TEXT, team TEXT, environment TEXT, sha TEXT,
    started_at TIMESTAMP, deployed_at TIMESTAMP, url TEXT{extra}
);
CREATE TABLE changes (
    repository TEXT, service TEXT, team TEXT, number INTEGER, deployed_at TIMESTAMP, lead_time_hours DOUBLE
);
CREATE TABLE failed_deployments (
    deployment_key TEXT, repository TEXT, service TEXT, team TEXT, deployed_at TIMESTAMP, recovery_hours DOUBLE
);
CREATE TABLE incidents (incident_id TEXT, service TEXT, team TEXT, created_at TIMESTAMP);
"""


def connect(*, platform_column: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_schema(con)
    extra = ", via_platform BOOLEAN" if platform_column else ""
    for statement in DORA_TABLES.format(extra=extra).split(";"):
        if statement.strip():
            con.execute(statement)
    return con


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def run_adoption_sql(con: duckdb.DuckDBPyConnection, params: MetricParams = PARAMS) -> None:
    for path in sql_files():
        if path.name.startswith("8"):
            run_metric_file(con, path, params.bound())


def rows(con: duckdb.DuckDBPyConnection, sql: str, values: list | None = None) -> list[dict]:
    cursor = con.execute(sql, values or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def service(name: str, team: str | None, *, registered: bool = True, repository: str | None = None) -> dict:
    return {
        "service": name,
        "team": team,
        "repository": repository or name,
        "dora_service": name,
        "registered": registered,
        "source_repository": repository or name,
        "source_path": "catalog-info.yaml" if registered else None,
        "loaded_at": LOADED_AT,
    }


def signals(con: duckdb.DuckDBPyConnection, *rules: tuple[str, str, dict]) -> None:
    insert(
        con,
        "raw_adoption_signals",
        [
            {"signal": name, "check_name": check, "description": name, "params": json.dumps(params), "position": i}
            for i, (name, check, params) in enumerate(rules)
        ],
    )


def settings(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    base = {
        "loaded_at": LOADED_AT.isoformat(sep=" "),
        "effect_signal": "platform_deploy",
        "effect_weeks": "4",
        "deployments_column": "via_platform",
    }
    base.update(values)
    insert(con, "raw_adoption_settings", [{"key": k, "value": v} for k, v in base.items()])


def deployment(key: str, service: str, at: datetime, team: str, *, platform: bool | None = None) -> dict:
    row = {
        "deployment_key": key,
        "source": "deployments_api",
        "repository": service,
        "service": service,
        "team": team,
        "environment": "production",
        "started_at": at,
        "deployed_at": at,
    }
    if platform is not None:
        row["via_platform"] = platform
    return row


# ----------------------------------------------------------------------------- difference in differences


def _d(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10)


EFFECT_PLATFORM = {"A": {"a-adopt", *(f"a-after-{i}" for i in range(8))}, "B": {"b1", "b2", "b3"}, "D": {"d-adopt"}}


def effect_rows() -> duckdb.DuckDBPyConnection:
    """The rows of the table in test_catalog_effect_sql's docstring, with the adoption SQL run over them."""
    con = connect()
    insert(
        con,
        "raw_catalog_services",
        [service("A", "payments"), service("B", "payments")] + [service(n, "search") for n in ("C1", "C2", "D", "E")],
    )
    insert(
        con,
        "raw_team_hierarchy",
        [
            {"team": "payments", "department": "money", "organisation": "acme", "known": True, "source": "catalog"},
            {"team": "search", "department": None, "organisation": "acme", "known": True, "source": "catalog"},
        ],
    )
    signals(con, ("platform_deploy", "platform_deploys", {}))
    settings(con, effect_weeks="2")
    when = {
        "A": {
            "a-before-0": _d(9, 28), "a-before-1": _d(9, 30), "a-before-2": _d(10, 5), "a-before-3": _d(10, 7),
            "a-adopt": _d(10, 14),
            **{f"a-after-{i}": _d(10, 19 + i) for i in range(4)},
            **{f"a-after-{i + 4}": _d(10, 26 + i) for i in range(4)},
        },
        "C1": {"c1-0": _d(9, 29), "c1-1": _d(10, 1), "c1-2": _d(10, 6), "c1-3": _d(10, 20), "c1-4": _d(10, 27),
               "c1-5": _d(10, 28)},
        "C2": {"c2-0": _d(9, 29), "c2-1": _d(10, 6), "c2-2": _d(10, 20), "c2-3": _d(10, 21), "c2-4": _d(10, 27),
               "c2-5": _d(10, 28)},
        "D": {"d-0": _d(9, 30), "d-1": _d(10, 21), "d-adopt": _d(11, 18)},
        "B": {"b1": _d(8, 5), "b2": _d(9, 2), "b3": _d(10, 21)},
        "E": {"e-0": _d(8, 12)},
    }  # fmt: skip
    team = {"A": "payments", "B": "payments"}
    insert(
        con,
        "deployments",
        [
            deployment(key, svc, at, team.get(svc, "search"), platform=key in EFFECT_PLATFORM.get(svc, set()))
            for svc, keys in when.items()
            for key, at in keys.items()
        ],
    )

    def change(svc: str, n: int, at: datetime, hours: float) -> dict:
        return {"repository": svc, "service": svc, "team": team.get(svc, "search"), "number": n,
                "deployed_at": at, "lead_time_hours": hours}  # fmt: skip

    insert(
        con,
        "changes",
        [
            change("A", 1, _d(9, 30), 10), change("A", 2, _d(10, 7), 20),
            change("A", 3, _d(10, 14), 99),  # shipped in the adoption week: in neither window
            change("A", 4, _d(10, 20), 4), change("A", 5, _d(10, 27), 6), change("A", 6, _d(10, 28), 8),
            change("C1", 1, _d(10, 1), 30), change("C1", 2, _d(10, 27), 20),
            change("C2", 1, _d(10, 21), 5),
        ],
    )  # fmt: skip
    insert(
        con,
        "failed_deployments",
        [
            {"deployment_key": "a-before-0", "repository": "A", "service": "A", "team": "payments",
             "deployed_at": _d(9, 28), "recovery_hours": 3.0},
            {"deployment_key": "c1-5", "repository": "C1", "service": "C1", "team": "search",
             "deployed_at": _d(10, 28), "recovery_hours": 2.0},
        ],
    )  # fmt: skip
    run_adoption_sql(con)
    return con
