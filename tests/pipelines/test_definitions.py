"""The code location loads, and configuration problems stop it with the key named."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pulse.config import ConfigError


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pulse.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_definitions_validate_loadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.definitions import build_definitions
    from pulse.config import load_config

    path = write_config(tmp_path, "github:\n  organisation: acme\ntimezone: Europe/Berlin\n")
    defs = build_definitions(load_config(path), str(path))
    dg.Definitions.validate_loadable(defs)
    schedule = defs.resolve_schedule_def("weekly_report_schedule")
    assert schedule.cron_schedule == "0 8 * * 1"
    assert schedule.execution_timezone == "Europe/Berlin"
    assert defs.resolve_job_def("refresh_job")


def test_code_location_reads_pulse_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.definitions as module

    monkeypatch.setenv("PULSE_CONFIG", str(write_config(tmp_path, "github:\n  organisation: acme\n")))
    dg.Definitions.validate_loadable(module.defs())

    monkeypatch.setenv("PULSE_CONFIG", str(write_config(tmp_path, "github:\n  organisation: acme\n  retries: -1\n")))
    with pytest.raises(ConfigError, match=r"github\.retries"):
        module.defs()
