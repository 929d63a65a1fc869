"""The difference in differences of adopting the platform deploy pipeline, on hand-computed rows.

N = 2 weeks. Service A (team payments) first deploys through the platform on Wed 14 Oct: adoption week
12 Oct, before = weeks of 28 Sep and 5 Oct, after = weeks of 19 and 26 Oct (the adoption week is left out).
Comparison services (team search): C1, C2, and D, which adopts only on 18 Nov (after A's after window);
E deployed only in August (inactive in A's weeks) and B adopted before the history window.

                         A before  A after | C1 before/after | C2 before/after | D before/after
  deployments            4 (2/wk)  8 (4/wk)| 3 / 3 (1.5/wk)  | 2 / 4 (1, 2/wk) | 1 / 1 (0.5/wk)
  lead time (median h)   15        6       | 30 / 20         | — / 5           | — / —
  change fail rate       1/4       0/8     | 0/3 / 1/3       | 0/2 / 0/4       | 0/1 / 0/1
  recovery (median h)    3         —       | — / 2           |                 |

  deployment frequency: A +2; comparison mean of (0, +1, 0) = 1/3;   did = 5/3
  lead time:            A -9; comparison C1 only -10;               did = +1
  change fail rate:     A -1/4; comparison mean of (1/3, 0, 0) = 1/9; did = -13/36
  recovery time:        A has no figure after: nothing to measure
"""

from __future__ import annotations

from datetime import datetime

import pytest
from adoption_rows import (
    connect,
    deployment,
    effect_rows,
    insert,
    rows,
    run_adoption_sql,
    service,
    settings,
    signals,
)


def d(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10)


@pytest.fixture(scope="module")
def con():
    return effect_rows()


def service_rows(con, name: str) -> dict[str, dict]:
    return {r["metric"]: r for r in rows(con, "SELECT * FROM adoption_effect_services WHERE service = ?", [name])}


def test_each_metric_of_the_adopter_against_the_comparison_services(con) -> None:
    a = service_rows(con, "A")
    freq = a["deployment_frequency"]
    assert freq["status"] == "included"
    assert str(freq["adoption_week"]) == "2026-10-12"
    assert (str(freq["before_start"]), str(freq["after_start"]), str(freq["after_end"])) == (
        "2026-09-28",
        "2026-10-19",
        "2026-11-02",
    )
    assert (freq["before_value"], freq["after_value"], freq["before_n"], freq["after_n"]) == (2.0, 4.0, 4, 8)
    assert freq["control_services"] == 3
    assert freq["control_list"] == ["C1", "C2", "D"]  # not E (inactive), not B (adopted before)
    assert freq["control_before"] == pytest.approx(1.0)
    assert freq["control_after"] == pytest.approx(4 / 3)
    assert freq["did"] == pytest.approx(5 / 3)

    lead = a["lead_time"]
    assert (lead["before_value"], lead["after_value"]) == (15.0, 6.0)
    assert lead["control_services"] == 1 and lead["control_change"] == pytest.approx(-10)
    assert lead["did"] == pytest.approx(1.0)

    cfr = a["change_fail_rate"]
    assert (cfr["before_value"], cfr["after_value"]) == (0.25, 0.0)
    assert cfr["control_change"] == pytest.approx(1 / 9)
    assert cfr["did"] == pytest.approx(-0.25 - 1 / 9)

    recovery = a["recovery_time"]
    assert recovery["status"] == "nothing to measure before or after adoption"
    assert recovery["before_value"] == 3.0 and recovery["after_value"] is None and recovery["did"] is None


def test_adopters_without_enough_history_are_listed_with_the_reason(con) -> None:
    b = service_rows(con, "B")["deployment_frequency"]
    assert b["status"] == "adopted before the history window: every deployment in it already used the platform"
    assert b["did"] is None
    late = service_rows(con, "D")["deployment_frequency"]
    assert late["status"] == "fewer than 2 complete weeks since adoption"
    assert service_rows(con, "C1") == {}


def test_summary_per_team_and_organisation_with_n_and_the_caution(con) -> None:
    found = {
        (r["scope"], r["scope_name"], r["metric"]): r
        for r in rows(con, "SELECT * FROM adoption_effect ORDER BY scope, scope_name, metric_order")
    }
    org = found[("organisation", "acme", "deployment_frequency")]
    assert (org["services"], org["excluded_services"], org["control_services"]) == (1, 2, 3)
    assert (org["treated_before"], org["treated_after"]) == (2.0, 4.0)
    assert org["did"] == pytest.approx(5 / 3)
    assert org["did"] == pytest.approx(
        (org["treated_after"] - org["treated_before"]) - (org["control_after"] - org["control_before"])
    )
    assert org["unit"] == "deployments per week" and org["lower_is_better"] is False
    assert org["caution"].startswith("Association, not proof")
    assert found[("organisation", "acme", "recovery_time")]["services"] == 0
    assert found[("organisation", "acme", "recovery_time")]["did"] is None

    payments = found[("team", "payments", "lead_time")]
    assert (payments["services"], payments["excluded_services"], payments["did"]) == (1, 1, pytest.approx(1.0))
    assert found[("department", "money", "change_fail_rate")]["did"] == pytest.approx(-13 / 36)
    # search's only adopter (D) is too recent: the team is listed, with nothing included.
    search = found[("team", "search", "deployment_frequency")]
    assert (search["services"], search["excluded_services"], search["did"]) == (0, 1, None)


def test_no_adopter_no_rows() -> None:
    con = connect()
    insert(con, "raw_catalog_services", [service("A", "payments")])
    signals(con, ("platform_deploy", "platform_deploys", {}))
    settings(con)
    insert(con, "deployments", [deployment("1", "A", d(10, 1), "payments", platform=False)])
    run_adoption_sql(con)
    assert rows(con, "SELECT * FROM adoption_effect") == []
    assert rows(con, "SELECT * FROM adoption_effect_services") == []
