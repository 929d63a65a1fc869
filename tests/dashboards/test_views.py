from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd

from dashboards import views
from reporting.presentation import CHANGE_FAIL_RATE, CHANGE_LEAD_TIME, RECOVERY_TIME
from reporting.serving import TeamInfo, read_weeks

W46, W47 = date(2026, 11, 9), date(2026, 11, 16)


def _frame(path: Path) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in read_weeks(path, date(2026, 10, 26), W47)])


def test_team_names_include_unconfigured_teams_that_have_rows(serving_db: Path) -> None:
    frame = _frame(serving_db)
    assert views.team_names([TeamInfo("zeta", 0, 0)], frame) == ["mobile", "payments", "search", "zeta"]


def test_teams_without_data_are_those_with_nothing_in_the_window(serving_db: Path) -> None:
    frame = _frame(serving_db)
    assert views.teams_without_data(frame, ["mobile", "payments", "platform", "search"]) == ["platform"]
    only_w47 = frame[frame["week_start"] == W47]
    assert views.teams_without_data(only_w47, ["mobile", "search"]) == ["search"]


def test_trend_frame_keeps_empty_weeks_as_gaps_and_rates_as_percent(serving_db: Path) -> None:
    frame = _frame(serving_db)
    lead = views.trend_frame(frame, ["mobile"], CHANGE_LEAD_TIME).set_index("iso_week")
    assert lead["value"].isna().all()
    assert lead.loc["2026-W47", "shown"] == "— (no changes)"

    cfr = views.trend_frame(frame, ["mobile"], CHANGE_FAIL_RATE).set_index("iso_week")
    assert cfr.loc["2026-W46", "value"] == 100.0


def test_card_without_previous_value_has_no_delta_and_says_why(serving_db: Path) -> None:
    frame = _frame(serving_db)
    card = views.metric_card(
        RECOVERY_TIME,
        views.organisation_row(frame, W46),
        views.organisation_row(frame, date(2026, 11, 2)),
        "2026-W45",
    )
    assert card.value == "3.0 h"
    assert card.delta is None
    assert "2026-W45 had no incidents" in card.caption
