"""One case per deployment-detection rule, and the change rules (squash merge, monorepo split, revert,
rollback, bots, direct pushes), each through the stand-in, the real client, the sync and the SQL."""

from __future__ import annotations

from datetime import timedelta

from conftest import at
from github_builders import RepoBuilder, new_data

PLATFORM = "acme/platform-workflows/.github/workflows/platform-deploy.yml"


def deployments(h) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in h.rows("SELECT deployment_key, source, service, environment, sha FROM deployments")}


def attempts(h) -> dict[str, str]:
    return dict(h.rows("SELECT deployment_key, status FROM deployment_attempts"))


def test_deployments_api_environment_patterns(harness, repo: RepoBuilder) -> None:
    pr = repo.pull("Add search", commits=[at(2)], created=at(2, 11), merged=at(2, 12))
    eu = repo.deployment(pr["merge_commit_sha"], at(2, 13), environment="prod-eu")
    staging = repo.deployment(pr["merge_commit_sha"], at(2, 12, 30), environment="staging")
    us = repo.deployment(pr["merge_commit_sha"], at(2, 14), environment="prod-us", outcome="failure")
    pending = repo.deployment(pr["merge_commit_sha"], at(2, 15), environment="Prod-EU", outcome=None)
    h = harness(repo.store, production_environments=["prod-*"])
    h.sync()

    assert set(deployments(h)) == {f"deployment:shop:{eu}"}
    assert deployments(h)[f"deployment:shop:{eu}"][2] == "prod-eu"
    assert attempts(h) == {
        f"deployment:shop:{eu}": "success",
        f"deployment:shop:{us}": "failure",
        f"deployment:shop:{pending}": "other",  # patterns are case-insensitive
    }
    assert f"deployment:shop:{staging}" not in attempts(h)


def test_exact_environment_is_filtered_by_github(harness, repo: RepoBuilder) -> None:
    pr = repo.pull("Add search", commits=[at(2)], created=at(2, 11), merged=at(2, 12))
    repo.deployment(pr["merge_commit_sha"], at(2, 13))
    repo.deployment(pr["merge_commit_sha"], at(2, 12, 30), environment="staging")
    h = harness(repo.store)
    h.sync()
    listed = h.standin.requests_matching(r"/repos/acme/shop/deployments$")
    assert [r.query.get("environment") for r in listed] == ["production"]
    assert len(h.standin.requests_matching(r"/deployments/\d+/statuses$")) == 1  # staging's never read


def test_actions_workflow_by_file_branch_and_conclusion(harness, repo: RepoBuilder) -> None:
    pr = repo.pull("Add cart", commits=[at(3)], created=at(3, 11), merged=at(3, 12))
    sha = pr["merge_commit_sha"]
    ok = repo.run(sha, at(3, 13))
    failed = repo.run(sha, at(3, 14), conclusion="failure")
    cancelled = repo.run(sha, at(3, 15), conclusion="cancelled")
    repo.run(sha, at(3, 13), path=".github/workflows/ci.yml", name="CI")
    repo.run(sha, at(3, 16), branch="feature/x")
    h = harness(repo.store, deploy_workflows=["deploy.yml"])
    h.sync()

    assert set(deployments(h)) == {f"workflow_run:shop:{ok}"}
    assert attempts(h) == {
        f"workflow_run:shop:{ok}": "success",
        f"workflow_run:shop:{failed}": "failure",
        f"workflow_run:shop:{cancelled}": "other",
    }
    (deployed_at,) = h.rows("SELECT deployed_at FROM deployments")[0]
    assert deployed_at == at(3, 13) + timedelta(minutes=6)  # when the run finished


def test_actions_workflow_by_display_name_and_event(harness, repo: RepoBuilder) -> None:
    pr = repo.pull("Add cart", commits=[at(3)], created=at(3, 11), merged=at(3, 12))
    sha = pr["merge_commit_sha"]
    manual = repo.run(sha, at(3, 13), path=".github/workflows/release.yml", name="Release", event="workflow_dispatch")
    repo.run(sha, at(3, 14), path=".github/workflows/release.yml", name="Release", event="push")
    h = harness(repo.store, deploy_workflows=[{"workflow": "Release", "events": ["workflow_dispatch"]}])
    h.sync()
    assert set(deployments(h)) == {f"workflow_run:shop:{manual}"}


def test_caller_workflow_of_the_platform_reusable_workflow(harness, repo: RepoBuilder) -> None:
    pr = repo.pull("Add cart", commits=[at(3)], created=at(3, 11), merged=at(3, 12))
    sha = pr["merge_commit_sha"]
    v2 = repo.run(sha, at(3, 13), path=".github/workflows/ship-it.yml", name="Ship", referenced=[f"{PLATFORM}@v2"])
    v1 = repo.run(sha, at(3, 14), path=".github/workflows/ship-it.yml", name="Ship", referenced=[f"{PLATFORM}@v1"])
    repo.run(
        sha, at(3, 15), path=".github/workflows/ci.yml", name="CI", referenced=["acme/ci/.github/workflows/lint.yml@v1"]
    )

    pinned = harness(repo.store, deploy_workflows=[f"{PLATFORM}@v2"])
    pinned.sync()
    assert set(deployments(pinned)) == {f"workflow_run:shop:{v2}"}
    assert pinned.rows("SELECT reusable_workflow FROM deployments") == [(f"{PLATFORM}@v2",)]

    any_ref = harness(repo.store, deploy_workflows=[{"workflow": PLATFORM}])
    any_ref.sync()
    assert set(deployments(any_ref)) == {f"workflow_run:shop:{v2}", f"workflow_run:shop:{v1}"}


def test_releases_and_tags_by_pattern(harness, repo: RepoBuilder) -> None:
    first = repo.pull("One", commits=[at(4)], created=at(4, 9), merged=at(4, 10))
    second = repo.pull("Two", commits=[at(5)], created=at(5, 9), merged=at(5, 10))
    good = repo.release("v1.2.0", first["merge_commit_sha"], at(4, 12))
    repo.release("v1.3.0-rc1", second["merge_commit_sha"], at(5, 11), prerelease=True)
    repo.release("v1.3.0", second["merge_commit_sha"], at(5, 12), draft=True)
    by_sha = repo.release("v1.3.1", second["merge_commit_sha"], at(5, 13), by_tag=False)
    repo.release("nightly-5", second["merge_commit_sha"], at(5, 14))
    repo.tag("deploy-2026-11-05", second["merge_commit_sha"])
    h = harness(repo.store, deploy_workflows=[], release_tags=["v*"], deployment_tags=["deploy-*"])
    h.sync()

    found = deployments(h)
    assert set(found) == {f"release:shop:{good}", f"release:shop:{by_sha}", "tag:shop:deploy-2026-11-05"}
    assert found[f"release:shop:{good}"][3] == first["merge_commit_sha"]  # resolved through the tag
    tag_time = h.rows("SELECT deployed_at FROM deployments WHERE source = 'tag'")[0][0]
    assert tag_time == at(5, 10)  # the tagged commit's time


def test_pull_requests_merged_into_a_deploy_on_merge_branch(harness, repo: RepoBuilder) -> None:
    one = repo.pull("One", commits=[at(6, 8)], created=at(6, 9), merged=at(6, 10))
    repo.pull("Into develop", commits=[at(6, 8)], created=at(6, 9), merged=at(6, 11), base="develop")
    two = repo.pull("Two", commits=[at(6, 9)], created=at(6, 10), merged=at(6, 12))
    h = harness(repo.store, deploy_workflows=[], overrides={"shop": {"deploy_on_merge": True}})
    h.sync()

    assert set(deployments(h)) == {"pull_request_merge:shop:1", "pull_request_merge:shop:3"}
    rows = h.rows("SELECT number, deployment_key, lead_time_hours FROM changes ORDER BY number")
    assert rows == [(1, "pull_request_merge:shop:1", 2.0), (3, "pull_request_merge:shop:3", 3.0)]
    assert one["merged_at"] and two["merged_at"]


def test_squash_and_merge_commit_keep_the_first_authored_commit(harness, repo: RepoBuilder) -> None:
    squashed = repo.pull("Squashed", commits=[at(1, 9), at(2, 9), at(3, 9)], created=at(3, 10), merged=at(4, 10))
    merged = repo.pull("Merged", commits=[at(2, 15), at(3, 15)], created=at(3, 16), merged=at(4, 11), squash=False)
    deployment = repo.deployment(merged["merge_commit_sha"], at(4, 14))
    h = harness(repo.store)
    h.sync()
    rows = {
        r[0]: r[1:]
        for r in h.rows("SELECT number, commits, first_commit_at, deployment_key, lead_time_hours FROM changes")
    }
    assert rows[1] == (3, at(1, 9), f"deployment:shop:{deployment}", (at(4, 14, 5) - at(1, 9)).total_seconds() / 3600)
    assert rows[2][:2] == (2, at(2, 15))
    # The squash commit carries a later time; the lead time does not start there.
    assert squashed["merge_commit_sha"] != repo.data.pull_commits[1][0]["sha"]


def test_monorepo_split_by_environment_prefix_paths_and_workflows(harness) -> None:
    data = new_data()
    mono = RepoBuilder(data, "platform")
    checkout = mono.pull(
        "Checkout fix", commits=[at(7, 8)], created=at(7, 9), merged=at(7, 10), files=["services/checkout/api.go"]
    )
    both = mono.pull(
        "Shared model",
        commits=[at(7, 9)],
        created=at(7, 10),
        merged=at(7, 11),
        files=["services/checkout/model.go", "services/search/model.go"],
    )
    shared = mono.pull("Bump lib", commits=[at(7, 10)], created=at(7, 11), merged=at(7, 12), files=["libs/log/log.go"])
    head = shared["merge_commit_sha"]
    checkout_dep = mono.deployment(head, at(7, 13), environment="checkout:production")
    mono.deployment(head, at(7, 13), environment="checkout:staging")
    search_run = mono.run(head, at(7, 14), path=".github/workflows/deploy-search.yml", name="Deploy search")
    services = {
        "checkout": {"paths": ["services/checkout/"]},
        "search": {"paths": ["services/search/"], "deploy_workflows": ["deploy-search.yml"]},
    }
    h = harness(data, deploy_workflows=[], overrides={"platform": {"services": services}})
    h.sync()

    found = deployments(h)
    assert found == {
        f"deployment:platform:{checkout_dep}": ("deployments_api", "checkout", "production", head),
        f"workflow_run:platform:{search_run}:search": ("workflow_run", "search", "production", head),
    }
    changes = h.rows("SELECT number, service, deployment_key FROM changes ORDER BY number, service")
    assert changes == [
        (1, "checkout", f"deployment:platform:{checkout_dep}"),
        (2, "checkout", f"deployment:platform:{checkout_dep}"),
        (2, "search", f"workflow_run:platform:{search_run}:search"),
        (3, "platform", f"deployment:platform:{checkout_dep}"),  # shared code ships with the first service out
    ]
    assert checkout["number"] == 1 and both["number"] == 2


def test_reverts_hotfixes_and_first_review(harness, repo: RepoBuilder) -> None:
    original = repo.pull(
        "Add cache",
        commits=[at(8, 8)],
        created=at(8, 9),
        merged=at(8, 12),
        reviews=[
            (at(8, 9, 5), "alice", "COMMENTED"),
            (at(8, 9, 30), "dependabot[bot]", "APPROVED"),
            (at(8, 10), "bob", "APPROVED"),
        ],
    )
    target = original["merge_commit_sha"]
    repo.pull(
        'Revert "Add cache"',
        commits=[at(9, 8)],
        created=at(9, 8, 30),
        merged=at(9, 9),
        head_ref="revert-1-alice/change-1",
        body="Reverts acme/shop#1",
        messages=[f'Revert "Add cache"\n\nThis reverts commit {target}.'],
    )
    repo.pull('Revert "Add cache"', commits=[at(10, 8)], created=at(10, 8, 30), merged=at(10, 9))
    repo.pull("Guard against empty cart", commits=[at(11, 8)], created=at(11, 9), merged=at(11, 10), labels=["HotFix"])
    repo.pull("Fix timeout", commits=[at(12, 8)], created=at(12, 9), merged=at(12, 10), head_ref="hotfix/timeout")
    h = harness(repo.store)
    h.sync()
    rows = {
        r[0]: r[1:]
        for r in h.rows(
            "SELECT number, is_revert, reverts_number, reverts_sha, is_hotfix, first_review_at FROM changes"
        )
    }
    assert rows[1] == (False, None, None, False, at(8, 10))  # own comment and the bot's approval do not count
    assert rows[2] == (True, 1, target, False, None)
    assert rows[3] == (True, 1, target, False, None)  # found by its title alone
    assert rows[4][3] is True and rows[5][3] is True


def test_rollback_is_an_earlier_commit_deployed_again(harness, repo: RepoBuilder) -> None:
    one = repo.pull("One", commits=[at(13, 8)], created=at(13, 9), merged=at(13, 10))
    two = repo.pull("Two", commits=[at(13, 9)], created=at(13, 10), merged=at(13, 11))
    a = repo.deployment(one["merge_commit_sha"], at(13, 10, 30))
    b = repo.deployment(two["merge_commit_sha"], at(13, 12))
    c = repo.deployment(one["merge_commit_sha"], at(13, 14))
    again = repo.deployment(one["merge_commit_sha"], at(13, 15))  # same commit as the previous: a redeploy
    h = harness(repo.store)
    h.sync()
    rows = {
        r[0]: r[1:]
        for r in h.rows("SELECT deployment_key, is_rollback, rollback_of, previous_deployment_key FROM deployments")
    }
    key = "deployment:shop:{}".format
    assert rows[key(a)] == (False, None, None)
    assert rows[key(b)] == (False, None, key(a))
    assert rows[key(c)] == (True, key(a), key(b))
    assert rows[key(again)] == (False, None, key(c))
    assert h.rows("SELECT status FROM raw_github_compares WHERE head_sha = ?", [one["merge_commit_sha"]]) == [
        ("behind",)
    ]
    shipped = h.rows("SELECT deployment_key, number FROM deployment_changes ORDER BY deployed_at")
    assert shipped == [(key(a), 1), (key(b), 2)]  # the rollback and the redeploy ship nothing


def test_bots_are_excluded_from_changes(harness, repo: RepoBuilder) -> None:
    repo.pull("Add cart", commits=[at(14, 8)], created=at(14, 9), merged=at(14, 10))
    repo.pull("Bump lodash", commits=[at(14, 9)], created=at(14, 9), merged=at(14, 11), author="dependabot[bot]")
    repo.pull("Release 1.2", commits=[at(14, 9)], created=at(14, 9), merged=at(14, 12), author="release-robot")
    repo.push("chore: changelog", at(14, 13), author="github-actions[bot]")
    repo.deployment(repo.head, at(14, 14))
    h = harness(repo.store, bots=["release-robot", "github-actions[bot]"])
    h.sync()
    assert h.rows("SELECT number FROM changes") == [(1,)]
    assert h.rows("SELECT count(*) FROM github_change_candidates WHERE is_bot") == [(3,)]


def test_direct_pushes_are_changes_shipped_by_the_next_deployment(harness, repo: RepoBuilder) -> None:
    first = repo.pull("One", commits=[at(15, 8)], created=at(15, 9), merged=at(15, 10))
    a = repo.deployment(first["merge_commit_sha"], at(15, 11))
    pushed = repo.push("Fix typo in README", at(15, 12), author="carol")
    second = repo.pull("Two", commits=[at(15, 12)], created=at(15, 13), merged=at(15, 14))
    b = repo.deployment(second["merge_commit_sha"], at(15, 15))
    h = harness(repo.store)
    h.sync()
    rows = h.rows("SELECT change_kind, sha, author, deployment_key, lead_time_hours FROM changes ORDER BY merged_at")
    assert rows[1] == ("direct_push", pushed, "carol", f"deployment:shop:{b}", 3 + 5 / 60)
    assert [r[3] for r in rows] == [f"deployment:shop:{a}", f"deployment:shop:{b}", f"deployment:shop:{b}"]
    assert h.rows(
        "SELECT DISTINCT matched_by FROM deployment_changes WHERE deployment_key = ?", [f"deployment:shop:{b}"]
    ) == [("compare",)]


def test_compare_pages_past_250_commits(harness, repo: RepoBuilder) -> None:
    first = repo.pull("One", commits=[at(16, 8)], created=at(16, 8), merged=at(16, 9))
    repo.deployment(first["merge_commit_sha"], at(16, 9, 30))
    start = at(16, 10)
    for i in range(260):
        repo.push(f"Step {i}", start + timedelta(minutes=i), author="carol")
    last = repo.deployment(repo.head, at(17, 9))
    h = harness(repo.store)
    h.sync()
    assert h.rows("SELECT total_commits, commits_listed FROM raw_github_compares") == [(260, 260)]
    assert len(h.standin.requests_matching(r"/compare/")) == 3
    shipped = h.rows("SELECT count(*) FROM deployment_changes WHERE deployment_key = ?", [f"deployment:shop:{last}"])
    assert shipped == [(260,)]


def test_base_lost_to_a_force_push_is_reported_and_falls_back(harness, repo: RepoBuilder) -> None:
    first = repo.pull("One", commits=[at(18, 8)], created=at(18, 8), merged=at(18, 9))
    lost = repo.push("Pushed then rewritten", at(18, 10))
    a = repo.deployment(lost, at(18, 11))
    # A force-push rewrites main: the deployed commit is gone, the next commit descends from the merge.
    repo.data.commits = [c for c in repo.data.commits if c["sha"] != lost]
    repo.head = first["merge_commit_sha"]
    second = repo.pull("Two", commits=[at(18, 12)], created=at(18, 12), merged=at(18, 13))
    b = repo.deployment(second["merge_commit_sha"], at(18, 14))
    h = harness(repo.store)
    reports = h.sync()
    assert reports["derive"].notes["comparisons_missing_commit"][0].startswith("shop ")
    assert h.rows("SELECT status, error FROM raw_github_compares") == [("missing", "Not Found")]
    shipped = h.rows(
        "SELECT number, matched_by FROM deployment_changes WHERE deployment_key = ?", [f"deployment:shop:{b}"]
    )
    assert shipped == [(2, "merge_time")]
    assert a
