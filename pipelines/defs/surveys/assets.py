"""Survey ingestion and measures: export files from the configured folder to NPS and satisfaction by team.

``survey_answers`` loads new or changed export files (each file once per content); ``survey_tables`` rebuilds
the published survey tables with small groups hidden. The parsing and the SQL live in the Dagster-free
``surveys`` package; this module only wires them to the warehouse and reports what happened.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.resources import PulseSettings
from pulse.warehouse import utc_now
from surveys.identity import survey_key
from surveys.load import export_files, load_survey_folder, upgrade_schema
from surveys.measures import SURVEY_TABLES, SurveyParams, compute_survey_tables

GROUP = "surveys"

_DESCRIPTIONS = {
    "survey_waves": "One row per survey wave, with the minimum group size in force.",
    "survey_participation": "One row per wave per team, department and the organisation: respondents, response rate.",
    "survey_nps": "One row per wave, NPS question and group: NPS with n, 90% interval and change; small groups hidden.",
    "survey_likert": "One row per wave, Likert question and group: % favourable; small groups hidden.",
    "survey_likert_topics": "One row per wave, topic and group: % favourable over the shown questions of the topic.",
    "survey_dora": "One row per wave, DORA self-report question and group: reported bucket beside the measured one.",
    "survey_themes": "One row per wave, theme and group: respondents whose free text mentions the theme.",
    "survey_comments": "One row per free-text answer of a team large enough to be shown.",
    "survey_quarantine": "One row per export row (or column) not loaded, with the file, row and reason.",
    "survey_files": "One row per export file: format, rows read, rows quarantined.",
}


@dg.asset(group_name=GROUP, kinds={"csv", "xlsx", "duckdb"})
def survey_answers(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """One row per usable submission and per answer of every export in surveys.folder; a file loads once per content."""
    cfg = settings.load()
    folder = cfg.surveys.folder
    files = export_files(folder, exclude=cfg.surveys.roster)
    if not files and cfg.surveys.roster is None:
        with duckdb.get_connection() as con:
            upgrade_schema(con)
        context.log.info(f"no survey exports in {folder}")
        return dg.MaterializeResult(metadata={"folder": str(folder), "files": 0})
    # Raises with the variable named when no key is set: nothing is stored without hashing.
    key = survey_key(cfg.surveys)
    if key.is_demo:
        context.log.warning(
            f"${cfg.surveys.key_env} is not set: respondent hashes use the public demo key "
            "(surveys.allow_demo_key); set the variable for real survey data"
        )
    with duckdb.get_connection() as con:
        summary = load_survey_folder(con, cfg, key, utc_now(), log=context.log.info)
    problems = {o.file: o.message for o in summary.outcomes if o.status == "unreadable"}
    return dg.MaterializeResult(
        metadata={
            "folder": str(folder),
            "files": len(summary.outcomes),
            "loaded": summary.count("loaded"),
            "unchanged": summary.count("unchanged"),
            "duplicate_files": summary.count("duplicate"),
            "unreadable_files": dg.MetadataValue.json(problems),
            "responses_loaded": sum(o.responses for o in summary.outcomes),
            "rows_quarantined": sum(o.quarantined for o in summary.outcomes),
            "roster_members": summary.roster_members,
            "roster_rows_quarantined": summary.roster_problems,
        }
    )


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec(
            name,
            deps=["survey_answers", "metrics_weekly"],
            kinds={"duckdb", "sql"},
            description=_DESCRIPTIONS[name],
        )
        for name in SURVEY_TABLES
    ],
    check_specs=[
        dg.AssetCheckSpec("nps_in_range", asset="survey_nps", description="Every shown NPS is within -100..100."),
        dg.AssetCheckSpec(
            "small_groups_hidden",
            asset="survey_participation",
            description="No figure is shown for a group below surveys.min_group_size.",
        ),
    ],
)
def survey_tables(context: dg.AssetExecutionContext, settings: PulseSettings, duckdb: DuckDBResource):
    """Rebuild the published survey tables (and the private ones behind them) from the loaded answers."""
    cfg = settings.load()
    minimum = cfg.surveys.min_group_size
    with duckdb.get_connection() as con:
        upgrade_schema(con)
        counts = compute_survey_tables(con, SurveyParams.from_config(cfg), log=context.log.info)
        out_of_range = con.execute("SELECT count(*) FROM survey_nps WHERE nps NOT BETWEEN -100 AND 100").fetchall()
        exposed = con.execute(
            "SELECT count(*) FROM survey_participation WHERE respondents BETWEEN 1 AND ? "
            "UNION ALL SELECT count(*) FROM survey_nps WHERE n BETWEEN 1 AND ? "
            "UNION ALL SELECT count(*) FROM survey_likert WHERE n BETWEEN 1 AND ? "
            "UNION ALL SELECT count(*) FROM survey_dora WHERE n BETWEEN 1 AND ?",
            [minimum - 1] * 4,
        ).fetchall()
        shown_small = sum(r[0] for r in exposed)
        hidden = con.execute("SELECT count(*) FROM survey_participation WHERE suppressed").fetchall()[0][0]
    for name in SURVEY_TABLES:
        metadata: dict[str, object] = {"rows": counts.get(name, 0)}
        if name == "survey_participation":
            metadata["hidden_groups"] = hidden
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
    yield dg.AssetCheckResult(
        check_name="nps_in_range",
        asset_key="survey_nps",
        passed=out_of_range[0][0] == 0,
        metadata={"out_of_range": out_of_range[0][0]},
    )
    yield dg.AssetCheckResult(
        check_name="small_groups_hidden",
        asset_key="survey_participation",
        passed=shown_small == 0,
        metadata={"figures_below_minimum": shown_small, "minimum": minimum},
    )
