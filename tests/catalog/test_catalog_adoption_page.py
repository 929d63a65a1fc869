"""The Platform adoption dashboard page, run headless against serving copies built from hand-computed rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from adoption_rows import effect_rows
from streamlit.testing.v1 import AppTest

from catalog.serving import ADOPTION_TABLES, effect_table, format_change, read_adoption, scorecard
from pulse.warehouse import connect, ensure_schema, publish_serving_copy, set_meta

PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "app_pages" / "adoption.py"


def run_page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture(scope="module")
def adoption_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = effect_rows()
    set_meta(con, {"organisation": "acme"})
    path = publish_serving_copy(
        con, tmp_path_factory.mktemp("serving") / "serving.duckdb", [*ADOPTION_TABLES, "pulse_meta"]
    )
    con.close()
    return path


def test_without_a_serving_file_it_says_how_to_create_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(tmp_path / "missing.duckdb"))
    at = run_page()
    assert "make demo" in at.info[0].value


def test_without_a_catalog_it_shows_how_to_configure_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A copy published before the adoption tables existed (or without a `catalog` section) has none of them.
    con = connect(tmp_path / "work.duckdb")
    ensure_schema(con)
    set_meta(con, {"organisation": "acme"})
    path = publish_serving_copy(con, tmp_path / "serving.duckdb", ["pulse_meta"])
    con.close()
    monkeypatch.setenv("PULSE_SERVING_DB", str(path))

    at = run_page()

    assert "No service catalog is configured" in texts(at.info)
    assert "catalog:" in at.code[0].value


def test_adoption_over_time_and_the_effect_with_n_and_caution(
    adoption_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(adoption_copy))
    at = run_page()

    assert at.title[0].value == "Platform adoption"
    assert "6 services, 6 registered in the catalog, 0 owned by no team" in texts(at.caption)
    assert at.selectbox(key="signal").value == "platform_deploy"
    # Association, not proof: the caution is on the page, next to the comparison.
    assert "Association, not proof" in texts(at.warning)

    scorecard_frame, effect, _services = (df.value for df in at.dataframe)
    assert list(scorecard_frame["Team"]) == ["acme", "payments", "search"]
    row = effect.set_index("Metric").loc["Deployment frequency"]
    assert row["Adopters (n)"] == 1 and row["Comparison (n)"] == 3
    assert row["Adopters: before → after"] == "2.00/wk → 4.00/wk"
    assert row["Comparison: before → after"] == "1.00/wk → 1.33/wk"
    assert row["Left out (n)"] == 2
    assert row["Difference in differences"] == "+1.67/wk (better)"
    cfr = effect.set_index("Metric").loc["Change fail rate"]
    assert cfr["Difference in differences"] == "-36.1 pp (better)"


def test_the_effect_scope_narrows_to_a_team(adoption_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(adoption_copy))
    at = run_page()
    at.selectbox(key="effect_scope").set_value(("team", "search")).run()
    assert not at.exception

    # search's only adopter is too recent to compare: the page says so and lists it with the reason.
    assert "No adopter in this scope" in texts(at.info)
    services = at.dataframe[-1].value
    assert list(services["Service"]) == ["D"]
    assert services["Status"].iloc[0] == "fewer than 2 complete weeks since adoption"


def test_group_by_department(adoption_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVING_DB", str(adoption_copy))
    at = run_page()
    at.selectbox(key="scope").set_value("department").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Department"]) == ["acme", "money"]


def test_shaping_helpers(adoption_copy: Path) -> None:
    data = read_adoption(adoption_copy)
    assert data.configured
    assert data.signals == [("platform_deploy", "platform_deploy")]
    week = data["adoption_weekly"]["week_start"].max()
    card = scorecard(data, "team", week).set_index("Team")
    # In the current week A, B and D (18 Nov) deploy through the platform: 2 of 2 in payments, 1 of 4 in search.
    assert card.loc["payments", "platform_deploy"] == "2 of 2 (100%)"
    assert card.loc["search", "platform_deploy"] == "1 of 4 (25%)"
    table = effect_table(data, "organisation", "acme").set_index("Metric")
    assert table.loc["Lead time (median)", "Difference in differences"] == "+1.0 h (worse)"
    assert table.loc["Recovery time (median)", "Adopters (n)"] == 0
    assert format_change("lead_time", None) == "—"
