"""The dashboard run headless with AppTest against a small hand-made serving file (see serving_fixture)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from serving_fixture import DEFAULT_ROWS, build_serving_db
from streamlit.testing.v1 import AppTest

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
ROUTER = DASHBOARDS / "streamlit_app.py"
OVERVIEW = DASHBOARDS / "app_pages" / "overview.py"
ABOUT = DASHBOARDS / "app_pages" / "about_metrics.py"
TIMEOUT = 30


def _run(script: Path = ROUTER) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _team_table(at: AppTest):
    (table,) = at.dataframe
    return table.value


def test_router_opens_the_overview_with_the_latest_complete_week(serving_db: Path) -> None:
    at = _run()

    assert "acme" in at.title[0].value
    # Refreshed 08:15 UTC on 23 Nov is 09:15 in Berlin; W48 is still running then, so W47 is shown.
    assert "Data refreshed 2026-11-23 09:15 CET" in _texts(at.caption)
    assert "2026-W47" in _texts(at.subheader)


def test_cards_show_the_organisation_week_and_change_from_the_week_before(serving_db: Path) -> None:
    at = _run()

    cards = {m.label: m for m in at.metric}
    # W47: 9 deployments / 7 days, lead time 20 h, 1 of 9 failed, recovery 1.5 h (W46: 8, 36 h, 2 of 8, 3 h).
    assert cards["Deployment frequency"].value == "1.29/day"
    assert cards["Deployment frequency"].delta == "+0.14/day"
    assert cards["Change lead time"].value == "20.0 h"
    assert cards["Change lead time"].delta == "-16.0 h"
    assert cards["Change fail rate"].value == "11.1%"
    assert cards["Change fail rate"].delta == "-13.9 pp"
    assert cards["Failed deployment recovery time"].value == "1.5 h"
    assert cards["Failed deployment recovery time"].delta == "-1.5 h"
    captions = _texts(at.caption)
    assert "9 deployments on 5 days" in captions
    assert "1 of 9 deployments failed" in captions


def test_lower_is_better_cards_use_inverse_delta_colours(serving_db: Path) -> None:
    at = _run()

    cards = {m.label: m for m in at.metric}
    # A falling lead time is good news and must be drawn green, a rising frequency likewise.
    assert cards["Change lead time"].proto.color == cards["Deployment frequency"].proto.color
    assert cards["Change lead time"].proto.direction != cards["Deployment frequency"].proto.direction


def test_team_table_lists_every_team_with_counts_and_empty_values_as_dashes(serving_db: Path) -> None:
    at = _run()

    table = _team_table(at).set_index("Team")
    assert list(table.index) == ["mobile", "payments", "platform", "search"]
    assert table.loc["payments", "Deployment frequency"] == "1.00/day"
    assert table.loc["payments", "Deployments"] == 7
    assert table.loc["payments", "Lead time (median)"] == "20.0 h"
    assert table.loc["payments", "Changes"] == 10
    assert table.loc["mobile", "Lead time (median)"] == "— (no changes)"
    assert table.loc["mobile", "Change fail rate"] == "0.0%"
    assert table.loc["search", "Change fail rate"] == "— (no deployments)"
    assert table.loc["platform", "Lead time (median)"] == "— (no data)"


def test_team_filter_narrows_the_table_and_the_trends(serving_db: Path) -> None:
    at = _run()
    assert len(_team_table(at)) == 4

    at.selectbox(key="team").set_value("payments").run()
    assert not at.exception

    table = _team_table(at)
    assert list(table["Team"]) == ["payments"]
    assert "platform" not in _texts(at.info)
    # The organisation cards do not follow the team filter.
    assert {m.label: m.value for m in at.metric}["Deployment frequency"] == "1.29/day"


def test_team_without_data_in_the_window_says_so(serving_db: Path) -> None:
    at = _run()
    at.selectbox(key="team").set_value("platform").run()

    assert "platform: no deployments, changes or incidents in the last 12 weeks" in _texts(at.info)


def test_weeks_selector_changes_the_trend_window(serving_db: Path) -> None:
    at = _run()
    assert at.selectbox(key="weeks").value == 12

    at.selectbox(key="weeks").set_value(4).run()

    assert not at.exception
    assert "Trends · last 4 weeks" in _texts(at.subheader)


def test_null_organisation_lead_time_shows_a_dash_and_the_reason(tmp_path: Path, monkeypatch) -> None:
    rows = [dict(r) for r in DEFAULT_ROWS]
    for row in rows:
        if row["scope"] == "organisation" and row["iso_week"] == "2026-W47":
            row.update(changes=0, lead_time_median_hours=None, lead_time_p75_hours=None)
    monkeypatch.setenv("PULSE_SERVING_DB", str(build_serving_db(tmp_path / "s.duckdb", rows=rows)))

    at = _run()

    lead = {m.label: m for m in at.metric}["Change lead time"]
    assert lead.value == "—"
    assert lead.delta == ""
    assert "no changes" in _texts(at.caption)


def test_a_newly_published_copy_is_picked_up(serving_db: Path) -> None:
    at = _run()
    assert {m.label: m.value for m in at.metric}["Change fail rate"] == "11.1%"

    rows = [dict(r) for r in DEFAULT_ROWS]
    for row in rows:
        if row["scope"] == "organisation" and row["iso_week"] == "2026-W47":
            row.update(failed_deployments=3, change_fail_rate=3 / 9)
    serving_db.unlink()
    build_serving_db(serving_db, rows=rows)
    stat = serving_db.stat()
    os.utime(serving_db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    at.run()

    assert {m.label: m.value for m in at.metric}["Change fail rate"] == "33.3%"


def test_missing_serving_file_explains_how_to_create_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(tmp_path / "nowhere.duckdb"))

    at = _run()

    message = _texts(at.info)
    assert "does not exist" in message
    assert "make demo" in message
    assert "pulse run" in message
    assert not at.metric


def test_missing_configuration_is_reported_not_raised(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PULSE_SERVING_DB", raising=False)
    monkeypatch.setenv("PULSE_CONFIG", str(tmp_path / "pulse.yaml"))

    at = _run()

    assert "configuration file not found" in _texts(at.error)


def test_overview_page_runs_on_its_own(serving_db: Path) -> None:
    at = _run(OVERVIEW)

    assert {m.label: m.value for m in at.metric}["Change lead time"] == "20.0 h"


def test_about_page_lists_the_four_metrics(serving_db: Path) -> None:
    at = _run()
    at.switch_page("app_pages/about_metrics.py").run()
    assert not at.exception

    headings = _texts(at.subheader)
    for label in (
        "Deployment frequency",
        "Change lead time",
        "Change fail rate",
        "Failed deployment recovery",
    ):
        assert label in headings


@pytest.mark.parametrize("script", [ABOUT])
def test_about_page_runs_on_its_own(script: Path) -> None:
    at = _run(script)
    assert at.title[0].value == "About the metrics"
