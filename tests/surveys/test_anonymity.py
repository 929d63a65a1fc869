"""Anonymity in the data layer: a 4-person team's answers cannot be read from any published table, directly or by
subtracting totals; free text of a hidden team is never published.

The organisation here: department Commerce = checkout (6) + billing (8); department Platform = identity (7) +
data-platform (4); search (9) sits directly under the organisation. data-platform is the 4-person team.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import load_and_compute, rows
from survey_fixtures import ORG_SIZES, SMALL_TEAM, survey_config, write_org_waves

from surveys.anonymity import COMPLEMENTARY, Group, suppressed_groups
from surveys.measures import SURVEY_TABLES

MIN = 5
SIZES = ORG_SIZES
SMALL = SMALL_TEAM


@pytest.fixture
def published(tmp_path: Path, warehouse):
    cfg = survey_config(tmp_path)
    write_org_waves(cfg)
    load_and_compute(warehouse, cfg)
    return warehouse


# ------------------------------------------------------------------------------------- the rules alone


def _tree(sizes: dict[str, int], departments: dict[str, str] | None = None) -> list[Group]:
    departments = departments or {}
    groups = [Group(("organisation", "acme"), None, sum(sizes.values()))]
    for dept in sorted(set(departments.values())):
        total = sum(n for t, n in sizes.items() if departments.get(t) == dept)
        groups.append(Group(("department", dept), ("organisation", "acme"), total))
    for team, n in sizes.items():
        parent = ("department", departments[team]) if team in departments else ("organisation", "acme")
        groups.append(Group(("team", team), parent, n))
    return groups


def _hidden_teams(hidden: dict) -> set[str]:
    return {name for (scope, name) in hidden if scope == "team"}


def test_a_small_team_is_hidden_and_so_is_the_smallest_sibling() -> None:
    hidden = suppressed_groups(_tree({"a": 4, "b": 6, "c": 10}), MIN)
    assert hidden == {("team", "a"): "fewer than 5 respondents", ("team", "b"): COMPLEMENTARY}


def test_two_small_teams_that_together_reach_the_minimum_protect_each_other() -> None:
    hidden = suppressed_groups(_tree({"a": 2, "b": 3, "c": 10}), MIN)
    assert _hidden_teams(hidden) == {"a", "b"}


def test_two_small_teams_below_the_minimum_together_need_a_third() -> None:
    hidden = suppressed_groups(_tree({"a": 2, "b": 2, "c": 10, "d": 12}), MIN)
    assert _hidden_teams(hidden) == {"a", "b", "c"}


def test_a_sibling_in_the_same_department_is_hidden_first() -> None:
    departments = {"checkout": "Commerce", "billing": "Commerce", "identity": "Platform", "data-platform": "Platform"}
    hidden = suppressed_groups(_tree(SIZES, departments), MIN)
    assert hidden == {("team", "data-platform"): "fewer than 5 respondents", ("team", "identity"): COMPLEMENTARY}


def test_a_small_department_is_covered_at_the_organisation() -> None:
    hidden = suppressed_groups(_tree({"solo": 3, "b": 9, "c": 12}, {"solo": "Tiny"}), MIN)
    assert ("department", "Tiny") in hidden and ("team", "solo") in hidden
    assert _hidden_teams(hidden) == {"solo", "b"}


def _residuals(groups: list[Group], hidden: dict) -> dict:
    """What subtraction reveals: for each shown group, its n minus its largest shown sub-groups."""
    children = defaultdict(list)
    for g in groups:
        if g.parent is not None:
            children[g.parent].append(g)

    def cover(key) -> list[Group]:
        out = []
        for c in children[key]:
            out += cover(c.key) if c.key in hidden else [c]
        return out

    return {g.key: g.n - sum(c.n for c in cover(g.key)) for g in groups if g.key not in hidden and children[g.key]}


def test_random_organisations_never_reveal_fewer_than_the_minimum() -> None:
    rng = random.Random(20261125)
    for _ in range(2000):
        teams = {f"t{i}": rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20]) for i in range(rng.randint(1, 9))}
        departments = {t: f"d{rng.randint(0, 3)}" for t in teams if rng.random() < 0.7}
        groups = _tree(teams, departments)
        hidden = suppressed_groups(groups, MIN)
        for g in groups:
            assert not (0 < g.n < MIN) or g.key in hidden
        for key, residual in _residuals(groups, hidden).items():
            assert residual == 0 or residual >= MIN, (teams, departments, key, residual)


# ----------------------------------------------------------------------------------- the published data


def _published_trees(con) -> list[tuple[str, list[dict]]]:
    """Every published figure family: (name, rows with scope, group, parent and the n an attacker can read)."""
    families = []
    specs = {
        "survey_participation": ("respondents", "wave"),
        "survey_nps": ("n", "wave || ' ' || question_id"),
        "survey_likert": ("n", "wave || ' ' || question_id"),
        "survey_dora": ("n", "wave || ' ' || question_id"),
        "survey_themes": ("respondents", "wave || ' ' || theme"),
    }
    for table, (n_column, key) in specs.items():
        data = rows(
            con, f"SELECT {key} AS family, scope, group_name, parent_scope, parent_name, {n_column} AS n FROM {table}"
        )
        by_family = defaultdict(list)
        for r in data:
            by_family[r["family"]].append(r)
        families += [(f"{table} {family}", members) for family, members in by_family.items()]
    return families


def test_every_published_table_hides_the_small_team(published) -> None:
    for table in ("survey_participation", "survey_nps", "survey_likert", "survey_dora", "survey_themes"):
        found = rows(published, f"SELECT * FROM {table} WHERE group_name = ? AND wave = '2026-Q3'", [SMALL])
        assert found, table
        for r in found:
            assert r["suppressed"] is True, (table, r)
            assert r["suppressed_reason"] == "fewer than 5 respondents"
            figures = {k: v for k, v in r.items() if k not in ("wave", "question_id", "topic", "theme", "theme_order")}
            shown = {
                k: v
                for k, v in figures.items()
                if v is not None
                and k not in ("scope", "group_name", "parent_scope", "parent_name", "kind", "metric")
                and k not in ("quarter", "previous_wave", "roster_size", "suppressed", "suppressed_reason")
                and not k.startswith("measured")
            }
            assert shown == {}, (table, shown)


def test_subtracting_totals_never_isolates_fewer_than_five_respondents(published) -> None:
    checked = 0
    for family, members in _published_trees(published):
        nodes = {(r["scope"], r["group_name"]): r for r in members}
        children = defaultdict(list)
        for r in members:
            if r["parent_scope"] is not None and (r["parent_scope"], r["parent_name"]) in nodes:
                children[(r["parent_scope"], r["parent_name"])].append((r["scope"], r["group_name"]))

        def cover(key, nodes=nodes, children=children) -> list:
            out = []
            for c in children[key]:
                out += cover(c) if nodes[c]["n"] is None else [c]
            return out

        for key, r in nodes.items():
            if r["n"] is None or not children[key]:
                continue
            residual = r["n"] - sum(nodes[c]["n"] for c in cover(key))
            assert residual == 0 or residual >= MIN, (family, key, residual)
            checked += 1
    assert checked > 20


def test_the_department_minus_its_other_team_is_not_the_small_team(published) -> None:
    q3 = "SELECT * FROM survey_nps WHERE wave = '2026-Q3' AND group_name = ?"
    (platform,) = rows(published, q3, ["Platform"])
    (identity,) = rows(published, q3, ["identity"])
    # identity is hidden too, so Platform (11 respondents) minus a shown figure isolates nobody.
    assert platform["n"] == 11 and platform["nps"] is not None
    assert identity["suppressed"] and identity["suppressed_reason"] == COMPLEMENTARY and identity["nps"] is None
    # And the organisation minus everything else shown is the whole Platform department again.
    shown = rows(
        published,
        "SELECT group_name, n, nps FROM survey_nps WHERE wave = '2026-Q3' AND NOT suppressed "
        "AND (scope != 'team' OR group_name = 'search')",
    )
    by_name = {r["group_name"]: r for r in shown}
    org = by_name["acme"]
    rest = org["n"] - by_name["Commerce"]["n"] - by_name["search"]["n"]
    assert rest == platform["n"] == SIZES["identity"] + SIZES[SMALL]


def test_free_text_of_hidden_teams_is_never_published(published) -> None:
    comments = rows(published, "SELECT team, text FROM survey_comments")
    assert {c["team"] for c in comments} == {"checkout", "billing", "search"}
    assert not any(SMALL in c["text"] or "identity" in c["text"] for c in comments)


def test_published_tables_hold_no_respondent_identity(published) -> None:
    hashes = {r["respondent"] for r in rows(published, "SELECT respondent FROM raw_survey_responses")}
    for table in SURVEY_TABLES:
        columns = [r["column_name"] for r in rows(published, f"SELECT column_name FROM (DESCRIBE {table})")]
        assert "respondent" not in columns and "submitted_at" not in columns, table
        text = str(rows(published, f"SELECT * FROM {table}"))
        assert "@acme.example" not in text, table
        assert not any(h in text for h in hashes), table
