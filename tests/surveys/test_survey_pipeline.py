"""The Dagster side: survey assets materialized against a temporary warehouse, their checks, and the folder sensor."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_duckdb import DuckDBResource
from survey_fixtures import survey_doc, write_org_waves

from pipelines.defs.surveys.assets import survey_answers, survey_tables
from pipelines.defs.surveys.sensors import survey_exports_sensor
from pipelines.resources import PulseSettings
from pulse.config import load_config


def _config_file(tmp_path: Path, **surveys) -> Path:
    path = tmp_path / "pulse.yaml"
    path.write_text(yaml.safe_dump(survey_doc(tmp_path, **surveys)), encoding="utf-8")
    return path


def _resources(path: Path) -> dict:
    cfg = load_config(path)
    return {
        "settings": PulseSettings(config_path=str(path)),
        "duckdb": DuckDBResource(database=str(cfg.warehouse.path)),
    }


def test_definitions_register_the_survey_assets_sensor_and_job(tmp_path: Path) -> None:
    from pipelines.definitions import build_definitions

    path = _config_file(tmp_path)
    defs = build_definitions(load_config(path), str(path))
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_sensor_def("survey_exports_sensor").job_name == "survey_job"
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"survey_answers", "survey_nps", "survey_participation", "survey_comments"} <= keys


def test_materialize_loads_once_and_checks_pass(tmp_path: Path) -> None:
    path = _config_file(tmp_path)
    write_org_waves(load_config(path))
    resources = _resources(path)

    result = dg.materialize([survey_answers, survey_tables], resources=resources)
    assert result.success
    answers = result.asset_materializations_for_node("survey_answers")[0].metadata
    assert (answers["loaded"].value, answers["responses_loaded"].value) == (2, 68)
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"nps_in_range": True, "small_groups_hidden": True}

    again = dg.materialize([survey_answers, survey_tables], resources=resources)
    metadata = again.asset_materializations_for_node("survey_answers")[0].metadata
    assert (metadata["loaded"].value, metadata["unchanged"].value) == (0, 2)


def test_without_a_key_the_load_fails_and_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSE_SURVEY_KEY")
    path = _config_file(tmp_path)
    write_org_waves(load_config(path))
    with pytest.raises(Exception, match=r"\$PULSE_SURVEY_KEY is not set"):
        dg.materialize([survey_answers], resources=_resources(path))


def test_an_empty_folder_needs_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSE_SURVEY_KEY")
    path = _config_file(tmp_path)
    result = dg.materialize([survey_answers, survey_tables], resources=_resources(path))
    assert result.success


def test_sensor_requests_a_run_only_for_new_or_changed_files(tmp_path: Path) -> None:
    path = _config_file(tmp_path)
    cfg = load_config(path)
    settings = PulseSettings(config_path=str(path))
    context = dg.build_sensor_context(resources={"settings": settings})

    assert isinstance(survey_exports_sensor(context), dg.SkipReason)
    write_org_waves(cfg)
    first = survey_exports_sensor(context)
    assert isinstance(first, dg.RunRequest)
    assert first.tags["pulse/survey_files"] == "q3.csv, q4.csv"

    # Same files, same bytes (even rewritten): nothing to do.
    write_org_waves(cfg)
    assert isinstance(survey_exports_sensor(context), dg.SkipReason)

    (cfg.surveys.folder / "q4.csv").write_text("Timestamp\n", encoding="utf-8")
    second = survey_exports_sensor(context)
    assert isinstance(second, dg.RunRequest) and second.tags["pulse/survey_files"] == "q4.csv"
    assert second.run_key != first.run_key
