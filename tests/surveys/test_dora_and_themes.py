"""Self-reported DORA buckets beside the measured ones (from metrics_weekly), Likert topics and free-text themes."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import load_and_compute, rows
from survey_fixtures import Answer, google_forms_csv, survey_config

from surveys.responses import theme_matcher
from surveys.scales import DORA_SCALES, choice_key, choice_lookup

SEP = datetime(2026, 9, 15, 9, 0)
LEAD = [
    "Less than one day",
    "Less than one day",
    "Less than one day",
    "One day\u2013one week",
    "One day\u2013one week",
    "1",
]


def _metrics_weekly(con) -> None:
    """A metrics_weekly as metrics/sql builds it: three weeks of 2026-Q3 for checkout, one of Q4 (ignored)."""
    con.execute(
        "CREATE TABLE metrics_weekly (scope TEXT, scope_name TEXT, week_start DATE, deployments BIGINT, "
        "changes BIGINT, lead_time_median_hours DOUBLE, failed_deployments BIGINT, recoveries BIGINT, "
        "recovery_time_median_hours DOUBLE)"
    )
    weeks = [
        ("team", "checkout", date(2026, 7, 6), 14, 3, 10.0, 1, 1, 0.5),
        ("team", "checkout", date(2026, 7, 13), 7, 1, 30.0, 0, 0, None),
        ("team", "checkout", date(2026, 9, 28), 0, 0, None, 0, 0, None),
        ("team", "checkout", date(2026, 10, 5), 50, 9, 1000.0, 9, 0, None),
        ("organisation", "acme", date(2026, 7, 6), 14, 3, 10.0, 1, 1, 0.5),
    ]
    con.executemany("INSERT INTO metrics_weekly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", weeks)


def test_self_reported_buckets_beside_measured_ones(tmp_path: Path, warehouse) -> None:
    _metrics_weekly(warehouse)
    cfg = survey_config(tmp_path)
    answers = [
        Answer(f"c{i}@acme.example", "checkout", SEP, nps="9", lead=lead, freq="On demand (multiple deploys per day)")
        for i, lead in enumerate(LEAD)
    ] + [Answer("c5@acme.example", "checkout", SEP, nps="9", lead="Between one week and one month")]
    (cfg.surveys.folder / "wave.csv").write_text(google_forms_csv(answers), encoding="utf-8")
    load_and_compute(warehouse, cfg)

    found = {
        (r["metric"], r["group_name"]): r
        for r in rows(warehouse, "SELECT * FROM survey_dora WHERE wave = '2026-Q3' AND scope != 'department'")
    }
    lead = found[("lead_time", "checkout")]
    # Answers (bucket): 2, 2, 2, 3, 3, 4 -> the middle answer (lower of the two middle ones) is bucket 2.
    assert lead["bucket_counts"] == [0, 3, 2, 1, 0, 0]
    assert (lead["n"], lead["self_reported_bucket"], lead["self_reported"]) == (6, 2, "less than one day")
    # Measured for 2026-Q3: weekly medians 10 h (3 changes) and 30 h (1 change) -> 10, 10, 10, 30 -> median 10 h.
    assert lead["quarter"] == "2026-Q3"
    assert (lead["measured_value"], lead["measured_based_on"], lead["measured_weeks"]) == (10.0, 4, 3)
    assert (lead["measured_bucket"], lead["measured"]) == (2, "less than one day")

    freq = found[("deploy_frequency", "checkout")]
    # 21 deployments over 3 weeks = 1.0 a day: at least daily, not "multiple per day" (that needs 2 or more).
    assert freq["self_reported_bucket"] == 1
    assert freq["measured_value"] == pytest.approx(1.0)
    assert (freq["measured_bucket"], freq["measured"]) == (2, "once per hour\u2013once per day")

    org = found[("lead_time", "acme")]
    assert org["measured_value"] == 10.0 and org["measured_weeks"] == 1


def test_dora_answer_wordings() -> None:
    lookup = choice_lookup("dora_lead_time")
    for text, bucket in [
        ("Less than one hour", 1),
        ("less than one day", 2),
        ("Between one day and one week", 3),
        ("one week \u2013 one month", 4),
        ("Between one month and six months", 5),
        ("More than six months", 6),
    ]:
        assert lookup[choice_key(text)] == bucket, text
    freq = choice_lookup("dora_deploy_frequency")
    assert freq[choice_key("Between once per month and once every six months")] == 5
    assert freq[choice_key("Fewer than once every six months")] == 6
    assert choice_lookup("dora_change_fail_rate")[choice_key("16%-30%")] == 2
    custom = choice_lookup("dora_recovery_time", ("Minutes", "Hours", "Days", "Weeks", "Months", "Longer"))
    assert custom[choice_key("days")] == 3
    assert all(len(scale.buckets) == 6 for scale in DORA_SCALES.values())


def test_likert_topics_pool_only_shown_questions(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    answers = [
        Answer(f"s{i}@acme.example", "search", SEP, nps="9", ease=str(e), docs=str(d))
        for i, (e, d) in enumerate([(5, 4), (4, 2), (3, 2), (2, 5), (5, 1), (4, 3)])
    ]
    (cfg.surveys.folder / "wave.csv").write_text(google_forms_csv(answers), encoding="utf-8")
    load_and_compute(warehouse, cfg)
    likert = {
        r["question_id"]: r
        for r in rows(warehouse, "SELECT * FROM survey_likert WHERE wave = '2026-Q3' AND group_name = 'search'")
    }
    assert likert["ease"]["favourable_pct"] == pytest.approx(400 / 6)  # 5, 4, 5, 4 of six answers
    assert likert["docs"]["favourable_pct"] == pytest.approx(200 / 6)  # 4, 5
    topics = {
        r["topic"]: r
        for r in rows(warehouse, "SELECT * FROM survey_likert_topics WHERE wave = '2026-Q3' AND group_name = 'search'")
    }
    assert topics["ease of use"]["favourable_pct"] == pytest.approx(400 / 6)
    assert topics["documentation quality"]["answers"] == 6


def test_themes_are_counted_per_respondent_and_whole_words_only(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    texts = ["Faster CI please", "The docs and the CI", "A specific build issue", "Nothing", "", "Documentation!"]
    answers = [Answer(f"s{i}@acme.example", "search", SEP, nps="8", text=t) for i, t in enumerate(texts)]
    (cfg.surveys.folder / "wave.csv").write_text(google_forms_csv(answers), encoding="utf-8")
    load_and_compute(warehouse, cfg)
    themes = {
        r["theme"]: r
        for r in rows(warehouse, "SELECT * FROM survey_themes WHERE wave = '2026-Q3' AND group_name = 'search'")
    }
    assert (themes["CI speed"]["mentions"], themes["CI speed"]["respondents"]) == (3, 6)
    assert themes["documentation"]["mentions"] == 2
    comments = rows(warehouse, "SELECT text, themes FROM survey_comments ORDER BY text")
    assert comments[0] == {"text": "A specific build issue", "themes": ["CI speed"]}


def test_theme_matcher() -> None:
    pattern = theme_matcher(["ci", "dev setup"])
    assert pattern.search("CI is slow") and pattern.search("the dev  setup")
    assert not pattern.search("specific") and not pattern.search("cilantro")
