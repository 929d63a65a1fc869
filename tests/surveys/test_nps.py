"""NPS, its 90% interval and the change from the previous wave, against figures worked out by hand."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import load_and_compute, rows
from survey_fixtures import Answer, google_forms_csv, survey_config

from pulse.config import parse_config
from sandbox.sample_org import SURVEY_NPS_QUESTION, SURVEY_TEAM_QUESTION, generate_sample_org
from surveys.demo import demo_survey_config

Z90 = 1.6448536269514722  # two-sided 90%: the 95th percentile of the standard normal


def _answers(team: str, scores: list[int], when: datetime, prefix: str) -> list[Answer]:
    return [Answer(f"{prefix}{i}@acme.example", team, when, nps=str(s)) for i, s in enumerate(scores)]


def _nps(con, wave: str, group: str) -> dict:
    (row,) = rows(con, "SELECT * FROM survey_nps WHERE wave = ? AND group_name = ?", [wave, group])
    return row


def test_hand_computed_nps_interval_and_change(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    q3 = _answers("search", [10, 10, 9, 9, 10, 8, 7, 6, 5, 3], datetime(2026, 9, 15, 9, 0), "s")
    q4 = _answers("search", [10, 9, 9, 9, 9, 8], datetime(2026, 11, 10, 9, 0), "s")
    q4[-1] = Answer("s5@acme.example", "search", datetime(2026, 11, 10, 9, 0), nps="2")
    (cfg.surveys.folder / "q3.csv").write_text(google_forms_csv(q3), encoding="utf-8")
    (cfg.surveys.folder / "q4.csv").write_text(google_forms_csv(q4), encoding="utf-8")
    load_and_compute(warehouse, cfg)

    # Q3: 5 promoters (10, 10, 9, 9, 10), 2 passives (8, 7), 3 detractors (6, 5, 3) of 10: NPS = 50% - 30% = +20.
    # Adjusted Wald: p = 5.75 / 13 = 0.44231, d = 3.75 / 13 = 0.28846, centre 100 x (p - d) = 15.385;
    # margin 1.6449 x 100 x sqrt((0.73077 - 0.15385^2) / 13) = 1.6449 x 23.322 = 38.362 -> -22.977 to 53.746.
    first = _nps(warehouse, "2026-Q3", "search")
    assert (first["n"], first["promoters_pct"], first["passives_pct"], first["detractors_pct"]) == (10, 50, 20, 30)
    assert first["nps"] == pytest.approx(20.0)
    assert first["nps_low"] == pytest.approx(-22.977, abs=1e-3)
    assert first["nps_high"] == pytest.approx(53.746, abs=1e-3)
    assert first["nps_change"] is None and first["previous_wave"] is None

    # Q4: 5 promoters, 1 detractor of 6: NPS = 83.33% - 16.67% = +66.67.
    # p = 5.75 / 9 = 0.63889, d = 1.75 / 9 = 0.19444, centre 44.444;
    # margin 1.6449 x 100 x sqrt((0.83333 - 0.44444^2) / 9) = 1.6449 x 26.579 = 43.719 -> 0.726 to 88.163.
    second = _nps(warehouse, "2026-Q4", "search")
    assert second["nps"] == pytest.approx(66.6667, abs=1e-3)
    assert second["nps_low"] == pytest.approx(0.726, abs=1e-3)
    assert second["nps_high"] == pytest.approx(88.163, abs=1e-3)
    assert second["previous_nps"] == pytest.approx(20.0)
    assert second["nps_change"] == pytest.approx(46.6667, abs=1e-3)


def test_all_promoters_still_get_an_interval_clipped_at_100(tmp_path: Path, warehouse) -> None:
    cfg = survey_config(tmp_path)
    (cfg.surveys.folder / "q3.csv").write_text(
        google_forms_csv(_answers("search", [9, 10, 10, 9, 10], datetime(2026, 9, 15, 9, 0), "p")), encoding="utf-8"
    )
    load_and_compute(warehouse, cfg)
    row = _nps(warehouse, "2026-Q3", "search")
    # p = 5.75 / 8, d = 0.75 / 8: centre 62.5, margin 1.6449 x 22.964 = 37.772 -> 24.728 to 100.27, clipped to 100.
    assert row["nps"] == 100.0
    assert row["nps_low"] == pytest.approx(24.728, abs=1e-3)
    assert row["nps_high"] == 100.0


def _expected(scores: list[int]) -> tuple[float, float, float]:
    """NPS and its 90% adjusted-Wald interval, written out from the definition in docs/metrics.md."""
    n = len(scores)
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    nps = 100 * (promoters - detractors) / n
    p, d = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
    margin = Z90 * 100 * math.sqrt((p + d - (p - d) ** 2) / (n + 3))
    return nps, max(-100.0, 100 * (p - d) - margin), min(100.0, 100 * (p - d) + margin)


def test_sample_waves_match_a_count_from_the_raw_exports(tmp_path: Path, warehouse) -> None:
    """Every shown NPS of both sample waves equals the definition applied to the CSV rows, counted separately."""
    org = generate_sample_org(date(2026, 11, 22), days=180, seed=7)
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, text in org.survey_exports.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    section = demo_survey_config(org, folder, tmp_path)
    teams = {name: {"repositories": list(t.repositories)} for name, t in org.teams.items()}
    doc = {
        "github": {"organisation": org.organisation},
        "teams": teams,
        "surveys": section,
        "warehouse": {"path": str(tmp_path / "w.duckdb"), "serving_path": str(tmp_path / "s.duckdb")},
        "timezone": "Europe/London",
    }
    cfg = parse_config(doc, base_dir=tmp_path)
    load_and_compute(warehouse, cfg)

    slug = {t.display_name: name for name, t in org.teams.items()}
    waves = {w["id"]: w for w in section["waves"]}
    assert len(waves) == 2
    checked = 0
    for _name, text in sorted(org.survey_exports.items()):
        records = list(csv.DictReader(io.StringIO(text)))
        # One answer per person in each sample wave, so no duplicates to drop here.
        assert len({r["Email Address"] for r in records}) == len(records)
        by_team: dict[str, list[int]] = {}
        for r in records:
            by_team.setdefault(slug[r[SURVEY_TEAM_QUESTION]], []).append(int(r[SURVEY_NPS_QUESTION]))
        by_team[org.organisation] = [s for scores in by_team.values() for s in scores]
        wave = next(w for w, body in waves.items() if body["start"] <= _first_day(records) <= body["end"])
        published = {r["group_name"]: r for r in rows(warehouse, "SELECT * FROM survey_nps WHERE wave = ?", [wave])}
        assert set(published) == set(by_team)
        for group, scores in by_team.items():
            row = published[group]
            if len(scores) < 5:
                assert row["suppressed"] and row["nps"] is None
                continue
            if row["suppressed"]:
                assert row["suppressed_reason"].startswith("hidden to protect a smaller group")
                continue
            nps, low, high = _expected(scores)
            assert row["n"] == len(scores)
            assert (row["nps"], row["nps_low"], row["nps_high"]) == pytest.approx((nps, low, high))
            checked += 1
    assert checked >= 8  # both waves: the organisation and most teams are shown


def _first_day(records: list[dict]) -> str:
    # "2026/07/15 10:31:02 AM GMT+1" -> "2026-07-15"; a wave's dates are UTC days, and the sample answers in the
    # working day, so the local date is the UTC date.
    return min(r["Timestamp"][:10].replace("/", "-") for r in records)
