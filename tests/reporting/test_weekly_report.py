"""The weekly report against the hand-made serving file (numbers are read off serving_fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_fixture import DEFAULT_ROWS, build_serving_db

from reporting.weekly import ReportError, render_weekly_report


def _table_row(markdown: str, section: str, metric: str) -> list[str]:
    """The cells of one metric's row in the table that follows the heading ``section``."""
    after = markdown.split(f"{section}\n", 1)[1]
    for line in after.splitlines():
        if line.startswith(f"| {metric} |"):
            return [cell.strip() for cell in line.strip("|").split(" | ")]
    raise AssertionError(f"no row {metric!r} under {section!r}")


@pytest.fixture
def report(serving_db: Path, tmp_path: Path):
    return render_weekly_report(serving_db, "2026-W47", tmp_path / "reports", timezone="Europe/Berlin")


def test_files_are_named_after_the_week(report, tmp_path: Path) -> None:
    assert report.iso_week == "2026-W47"
    assert report.markdown_path == tmp_path / "reports" / "weekly-2026-W47.md"
    assert report.html_path == tmp_path / "reports" / "weekly-2026-W47.html"
    assert report.markdown_path.is_file()
    assert report.html_path.is_file()


def test_rows_used_are_returned(report) -> None:
    assert [r.scope_name for r in report.rows] == ["acme", "mobile", "payments", "search"]
    assert {r.iso_week for r in report.rows} == {"2026-W47"}
    assert {r.iso_week for r in report.previous_rows} == {"2026-W46"}
    assert report.organisation.deployments == 9


def test_organisation_headline_has_values_and_changes(report) -> None:
    md = report.markdown_path.read_text(encoding="utf-8")
    section = "## Organisation: acme"

    # W47 vs W46: 9/7 vs 8/7 per day; lead time 20 h vs 36 h; 1/9 vs 2/8 failed; recovery 1.5 h vs 3 h.
    assert _table_row(md, section, "Deployment frequency") == [
        "Deployment frequency",
        "1.29/day",
        "9 deployments on 5 days",
        "1.14/day",
        "▲ +0.14/day (better)",
    ]
    assert _table_row(md, section, "Change lead time")[1:] == [
        "20.0 h",
        "10 changes",
        "36.0 h",
        "▼ -16.0 h (better)",
    ]
    assert _table_row(md, section, "Change fail rate")[1:] == [
        "11.1%",
        "1 of 9 deployments failed",
        "25.0%",
        "▼ -13.9 pp (better)",
    ]
    assert _table_row(md, section, "Failed deployment recovery time")[4] == "▼ -1.5 h (better)"
    assert "Deployments 9 (+1) · changes 10 (+1) · incidents 1 (-1)" in md


def test_a_worse_week_is_called_worse(tmp_path: Path) -> None:
    rows = [dict(r) for r in DEFAULT_ROWS]
    for row in rows:
        if row["scope"] == "organisation" and row["iso_week"] == "2026-W47":
            row.update(lead_time_median_hours=60.0, failed_deployments=3, change_fail_rate=3 / 9)
    db = build_serving_db(tmp_path / "s.duckdb", rows=rows)

    md = render_weekly_report(db, "2026-W47", tmp_path / "out").markdown_path.read_text(encoding="utf-8")

    section = "## Organisation: acme"
    assert _table_row(md, section, "Change lead time")[1] == "2.5 days"
    assert _table_row(md, section, "Change lead time")[4] == "▲ +24.0 h (worse)"
    assert _table_row(md, section, "Change fail rate")[4] == "▲ +8.3 pp (worse)"


def test_team_tables_with_empty_values_and_idle_teams(report) -> None:
    md = report.markdown_path.read_text(encoding="utf-8")

    assert _table_row(md, "### payments", "Change lead time")[1:] == [
        "20.0 h",
        "10 changes",
        "30.0 h",
        "▼ -10.0 h (better)",
    ]
    assert _table_row(md, "### mobile", "Change lead time")[1:] == [
        "— (no changes)",
        "no changes",
        "— (no changes)",
        "n/a (this week: no changes)",
    ]
    assert _table_row(md, "### mobile", "Failed deployment recovery time")[1] == "— (no incidents)"
    search = md.split("### search\n", 1)[1].split("##", 1)[0]
    assert "No deployments, changes or incidents this week." in search
    assert "|" not in search
    assert "no repositories" in md.split("### platform\n", 1)[1].split("##", 1)[0]


def test_refresh_time_is_in_the_configured_zone_and_docs_are_linked(report) -> None:
    md = report.markdown_path.read_text(encoding="utf-8")

    assert "Data refreshed 2026-11-23 09:15 CET." in md
    assert "## How to read this" in md
    assert "[Change lead time](docs/metrics.md#change-lead-time)" in md


def test_html_is_self_contained_and_has_the_team_rows(report) -> None:
    page = report.html_path.read_text(encoding="utf-8")

    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert "<script" not in page
    assert "http://" not in page and "https://" not in page
    for team in ("payments", "mobile", "search", "platform"):
        assert f"<h3>{team}</h3>" in page
    assert '<td class="better">▼ -16.0 h (better)</td>' in page
    assert "<td>— (no changes)</td>" in page
    assert '<a href="docs/metrics.md#change-fail-rate">Change fail rate</a>' in page


def test_partial_week_is_flagged(serving_db: Path, tmp_path: Path) -> None:
    md = render_weekly_report(serving_db, "2026-W48", tmp_path / "out").markdown_path.read_text(encoding="utf-8")
    assert "figures are partial" in md


def test_team_names_cannot_inject_markup(tmp_path: Path) -> None:
    rows = [dict(r) for r in DEFAULT_ROWS]
    for row in rows:
        if row["scope_name"] == "payments":
            row["scope_name"] = "<b>pay|ments</b>"
    teams = [("<b>pay|ments</b>", 1, 1)]
    db = build_serving_db(tmp_path / "s.duckdb", rows=rows, teams=teams)

    report = render_weekly_report(db, "2026-W47", tmp_path / "out")

    page = report.html_path.read_text(encoding="utf-8")
    assert "<b>pay" not in page
    assert "&lt;b&gt;pay|ments&lt;/b&gt;" in page


def test_missing_serving_file_is_a_report_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    with pytest.raises(ReportError, match=r"nope\.duckdb.*not found.*make demo"):
        render_weekly_report(missing, "2026-W47", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_week_without_rows_is_a_report_error(serving_db: Path, tmp_path: Path) -> None:
    with pytest.raises(
        ReportError, match=r"no metrics_weekly rows for 2026-W30 \(it covers 2026-10-26 to 2026-11-23\)"
    ):
        render_weekly_report(serving_db, "2026-W30", tmp_path / "out")


@pytest.mark.parametrize(("week", "zone"), [("2026-W53", "UTC"), ("last week", "UTC"), ("2026-W47", "Nowhere/City")])
def test_bad_week_or_zone_is_a_report_error(serving_db: Path, tmp_path: Path, week: str, zone: str) -> None:
    with pytest.raises(ReportError):
        render_weekly_report(serving_db, week, tmp_path / "out", timezone=zone)


def test_first_week_has_no_changes_to_compare(serving_db: Path, tmp_path: Path) -> None:
    md = render_weekly_report(serving_db, "2026-W44", tmp_path / "out").markdown_path.read_text(encoding="utf-8")

    assert "There is no data for 2026-W43, so changes are not available." in md
    assert _table_row(md, "## Organisation: acme", "Change lead time")[4] == "n/a (previous week: no data)"
