"""Survey ingestion: form exports from the configured folder into answer rows."""

import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.resources import PulseSettings
from pulse.warehouse import ensure_schema, replace_rows, utc_now
from surveys.exports import SurveyFileError, read_google_forms_csv

GROUP = "surveys"
# Used only when no key is set, so that the bundled demo runs; real deployments set PULSE_SURVEY_KEY.
_DEMO_KEY = b"platform-pulse-demo-key"


@dg.asset(group_name=GROUP, kinds={"csv", "duckdb"})
def survey_answers(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """One row per answer per respondent per export file; each file replaces its own earlier rows."""
    cfg = settings.load()
    folder = cfg.surveys.folder
    key_env = os.environ.get("PULSE_SURVEY_KEY")
    if not key_env:
        context.log.warning("PULSE_SURVEY_KEY is not set: respondent hashes use the demo key")
    key = key_env.encode() if key_env else _DEMO_KEY
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        context.log.info(f"no survey exports in {folder}")
    failures: dict[str, str] = {}
    loaded = 0
    now = utc_now()
    with duckdb.get_connection() as con:
        ensure_schema(con)
        for path in files:
            try:
                rows = read_google_forms_csv(path, key, now)
            except SurveyFileError as exc:
                failures[path.name] = str(exc)
                context.log.warning(str(exc))
                continue
            loaded += replace_rows(con, "raw_survey_answers", rows, where={"file": path.name})
            context.log.info(f"{path.name}: {len(rows)} answers")
    return dg.MaterializeResult(
        metadata={
            "folder": str(folder),
            "files": len(files),
            "answers": loaded,
            "failed_files": dg.MetadataValue.json(failures),
        }
    )
