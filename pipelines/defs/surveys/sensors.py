"""A sensor on surveys.folder: a new or changed export (or roster) starts a survey load and republishes.

The cursor remembers each file's sha256, so the sensor asks for a run only when content changed; the load
itself skips files it has already read (raw_survey_files), so a re-dropped file adds nothing either way.
"""

import hashlib
import json

import dagster as dg

from pipelines.resources import PulseSettings
from surveys.load import export_files
from surveys.measures import SURVEY_TABLES

survey_job = dg.define_asset_job(
    "survey_job",
    selection=dg.AssetSelection.assets("survey_answers", *SURVEY_TABLES, "serving_copy"),
    description="Load new or changed survey exports, rebuild the survey tables and publish the serving copy.",
)


def folder_state(settings: PulseSettings) -> dict[str, str]:
    """File name -> sha256 of every export in the folder, and of the roster (under its path)."""
    cfg = settings.load()
    state = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in export_files(cfg.surveys.folder, exclude=cfg.surveys.roster)
    }
    roster = cfg.surveys.roster
    if roster is not None and roster.is_file():
        state[f"roster:{roster}"] = hashlib.sha256(roster.read_bytes()).hexdigest()
    return state


@dg.sensor(
    job=survey_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts survey_job when an export file in surveys.folder (or the roster) is new or has changed.",
)
def survey_exports_sensor(context: dg.SensorEvaluationContext, settings: PulseSettings):
    state = folder_state(settings)
    seen = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(name for name, sha in state.items() if seen.get(name) != sha)
    if not changed:
        return dg.SkipReason(f"no new or changed survey export ({len(state)} files watched)")
    context.update_cursor(json.dumps(state, sort_keys=True))
    run_key = hashlib.sha256(json.dumps({n: state[n] for n in changed}, sort_keys=True).encode()).hexdigest()[:24]
    return dg.RunRequest(run_key=run_key, tags={"pulse/survey_files": ", ".join(changed)[:200]})
