"""The whole pipeline against the local stand-ins: every asset materialized in a temporary folder.

The sample organisation is served over real HTTP to the real PyGithub and python-pagerduty clients.
One load is shared by the tests of this module (it takes a few tens of seconds).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pulse.cli import main as pulse_main
from pulse.config import load_config
from pulse.demo import demo_config
from pulse.warehouse import connect

END = date(2026, 11, 22)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object]]:
    from pipelines.run import materialize_all
    from sandbox import start_sandbox

    workdir = tmp_path_factory.mktemp("e2e")
    old = {k: os.environ.get(k) for k in ("PULSE_NOW", "PULSE_DEMO_PAGERDUTY_TOKEN", "PULSE_CONFIG")}
    os.environ["PULSE_NOW"] = "2026-11-25T12:00:00Z"
    os.environ["PULSE_DEMO_PAGERDUTY_TOKEN"] = "sandbox"
    sandbox = start_sandbox(workdir, end=END, seed=7)
    try:
        config_file = workdir / "pulse.yaml"
        config_file.write_text(yaml.safe_dump(demo_config(sandbox, workdir)), encoding="utf-8")
        os.environ["PULSE_CONFIG"] = str(config_file)
        cfg = load_config(config_file)
        assert materialize_all(cfg, instance=dg.DagsterInstance.ephemeral())
        yield config_file, sandbox
    finally:
        sandbox.stop()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_every_team_has_metrics(loaded: tuple[Path, object]) -> None:
    config_file, sandbox = loaded
    cfg = load_config(config_file)
    con = connect(cfg.warehouse.serving_path, read_only=True)
    try:
        teams = {
            r[0]
            for r in con.execute(
                "SELECT scope_name FROM metrics_weekly WHERE scope = 'team' GROUP BY 1 HAVING sum(deployments) > 0"
            ).fetchall()
        }
        meta = dict(con.execute("SELECT key, value FROM pulse_meta").fetchall())
    finally:
        con.close()
    assert teams == set(sandbox.org.teams)
    assert meta["organisation"] == sandbox.org.organisation


def test_both_deployment_styles_and_incidents_arrive(loaded: tuple[Path, object]) -> None:
    config_file, _ = loaded
    cfg = load_config(config_file)
    con = connect(cfg.warehouse.path, read_only=True)
    try:
        sources = dict(con.execute("SELECT source, count(*) FROM deployments GROUP BY 1").fetchall())
        incidents = con.execute("SELECT count(*), count(deployment_key) FROM incidents").fetchall()[0]
        answers = con.execute("SELECT count(*) FROM raw_survey_answers").fetchall()[0][0]
        bots = con.execute("SELECT count(*) FROM raw_github_pull_requests WHERE author_type = 'Bot'").fetchall()[0][0]
        bot_changes = con.execute("SELECT count(*) FROM changes WHERE author LIKE '%[bot]'").fetchall()[0][0]
    finally:
        con.close()
    assert sources.get("deployments_api", 0) > 0
    assert sources.get("workflow_run", 0) > 0
    assert incidents[0] > 0 and 0 < incidents[1] <= incidents[0]
    assert answers > 0
    assert bots > 0 and bot_changes == 0


def test_metrics_json_has_one_object_per_team_and_week(
    loaded: tuple[Path, object], capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, sandbox = loaded
    assert pulse_main(["--config", str(config_file), "metrics", "--weeks", "4", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    team_rows = [r for r in records if r["scope"] == "team"]
    assert {r["team"] for r in team_rows} == set(sandbox.org.teams)
    assert len({r["iso_week"] for r in records}) == 4
    assert len(team_rows) == 4 * len(sandbox.org.teams)
    for r in records:
        for key in (
            "deployments",
            "changes",
            "incidents",
            "lead_time_median_hours",
            "change_fail_rate",
            "recovery_time_median_hours",
            "deployments_per_day",
        ):
            assert key in r


def test_report_renders_for_a_loaded_week(loaded: tuple[Path, object], tmp_path: Path) -> None:
    config_file, _ = loaded
    assert pulse_main(["--config", str(config_file), "report", "--week", "2026-W46", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "weekly-2026-W46.md").is_file()
    assert (tmp_path / "weekly-2026-W46.html").is_file()


def test_catalog_from_the_contents_api_gives_ownership_and_adoption(loaded: tuple[Path, object]) -> None:
    config_file, sandbox = loaded
    cfg = load_config(config_file)
    org = sandbox.org
    con = connect(cfg.warehouse.serving_path, read_only=True)
    try:
        owners = dict(con.execute("SELECT service, team FROM catalog_services WHERE in_catalog").fetchall())
        departments = dict(
            con.execute("SELECT team, department FROM team_hierarchy WHERE source = 'catalog'").fetchall()
        )
        weekly = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE services_meeting > 0) FROM adoption_weekly"
        ).fetchall()[0]
        effect = con.execute("SELECT max(services) FROM adoption_effect WHERE scope = 'organisation'").fetchall()[0][0]
    finally:
        con.close()
    # Ownership came from the catalog-info.yaml files served by the GitHub stand-in, not the `teams` section.
    assert owners == {repo: team for team, sample in org.teams.items() for repo in sample.repositories}
    assert {departments[team] for team in org.teams} == {"commerce", "foundations"}
    assert weekly[0] > 0 and weekly[1] > 0
    assert effect is not None and effect > 0


def test_rerun_is_idempotent(loaded: tuple[Path, object]) -> None:
    from pipelines.run import materialize_all

    config_file, _ = loaded
    cfg = load_config(config_file)

    def snapshot() -> list[tuple]:
        con = connect(cfg.warehouse.serving_path, read_only=True)
        try:
            return con.execute("SELECT * FROM metrics_weekly ORDER BY ALL").fetchall()
        finally:
            con.close()

    before = snapshot()
    assert materialize_all(cfg, instance=dg.DagsterInstance.ephemeral())
    assert snapshot() == before
