"""Builders for GitHub REST payloads in the shapes ``api.github.com`` sends.

Every URL is written against ``https://api.github.com`` / ``https://github.com``; the stand-in rewrites
the API host to its own address when serving. Timestamps are UTC ISO 8601 strings with a ``Z`` suffix.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

API = "https://api.github.com"
WEB = "https://github.com"


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with ``Z`` and whole seconds, as GitHub formats timestamps."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def node_id(kind: str, number: int) -> str:
    """Legacy-style GraphQL node id (base64 of ``0NN:KindNumber``), stable for a given object."""
    raw = f"0{len(kind):02d}:{kind}{number}".encode()
    return base64.b64encode(raw).decode("ascii")


def user_payload(login: str, user_id: int, *, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user`` object; ``kind`` is ``User``, ``Bot`` or ``Organization``."""
    path = quote(login, safe="-_.")
    html = f"{WEB}/apps/{login.removesuffix('[bot]')}" if kind == "Bot" else f"{WEB}/{login}"
    prefix = {"User": "MDQ6VXNlcj", "Bot": "MDM6Qm90", "Organization": "MDEyOk9yZ2FuaXphdGlvbj"}[kind]
    return {
        "login": login,
        "id": user_id,
        "node_id": prefix + base64.b64encode(str(user_id).encode()).decode("ascii").rstrip("="),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": f"{API}/users/{path}",
        "html_url": html,
        "followers_url": f"{API}/users/{path}/followers",
        "following_url": f"{API}/users/{path}/following{{/other_user}}",
        "gists_url": f"{API}/users/{path}/gists{{/gist_id}}",
        "starred_url": f"{API}/users/{path}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{API}/users/{path}/subscriptions",
        "organizations_url": f"{API}/users/{path}/orgs",
        "repos_url": f"{API}/users/{path}/repos",
        "events_url": f"{API}/users/{path}/events{{/privacy}}",
        "received_events_url": f"{API}/users/{path}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def full_user_payload(simple: dict[str, Any], *, name: str | None = None) -> dict[str, Any]:
    """``GET /users/{login}`` shape: the simple user plus profile fields."""
    return {
        **simple,
        "name": name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": "2019-01-07T09:00:00Z",
        "updated_at": "2019-01-07T09:00:00Z",
    }


def organisation_payload(
    login: str, org_id: int, *, name: str, description: str, created_at: datetime, public_repos: int
) -> dict[str, Any]:
    """``GET /orgs/{org}`` shape."""
    return {
        "login": login,
        "id": org_id,
        "node_id": node_id("Organization", org_id),
        "url": f"{API}/orgs/{login}",
        "repos_url": f"{API}/orgs/{login}/repos",
        "events_url": f"{API}/orgs/{login}/events",
        "hooks_url": f"{API}/orgs/{login}/hooks",
        "issues_url": f"{API}/orgs/{login}/issues",
        "members_url": f"{API}/orgs/{login}/members{{/member}}",
        "public_members_url": f"{API}/orgs/{login}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?v=4",
        "description": description,
        "name": name,
        "company": None,
        "blog": f"https://{login}.example",
        "location": None,
        "email": None,
        "twitter_username": None,
        "is_verified": False,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": public_repos,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": f"{WEB}/{login}",
        "created_at": iso(created_at),
        "updated_at": iso(created_at),
        "archived_at": None,
        "type": "Organization",
    }


def repository_payload(
    owner: dict[str, Any],
    name: str,
    repo_id: int,
    *,
    description: str,
    language: str,
    topics: list[str],
    created_at: datetime,
    pushed_at: datetime,
    archived: bool = False,
    default_branch: str = "main",
) -> dict[str, Any]:
    """The repository object of ``GET /orgs/{org}/repos`` (also embedded in pulls and workflow runs)."""
    full = f"{owner['login']}/{name}"
    api = f"{API}/repos/{full}"
    return {
        "id": repo_id,
        "node_id": node_id("Repository", repo_id),
        "name": name,
        "full_name": full,
        "private": True,
        "owner": owner,
        "html_url": f"{WEB}/{full}",
        "description": description,
        "fork": False,
        "url": api,
        "forks_url": f"{api}/forks",
        "keys_url": f"{api}/keys{{/key_id}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "teams_url": f"{api}/teams",
        "hooks_url": f"{api}/hooks",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "events_url": f"{api}/events",
        "assignees_url": f"{api}/assignees{{/user}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "tags_url": f"{api}/tags",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "languages_url": f"{api}/languages",
        "stargazers_url": f"{api}/stargazers",
        "contributors_url": f"{api}/contributors",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "commits_url": f"{api}/commits{{/sha}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "comments_url": f"{api}/comments{{/number}}",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "merges_url": f"{api}/merges",
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "downloads_url": f"{api}/downloads",
        "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "labels_url": f"{api}/labels{{/name}}",
        "releases_url": f"{api}/releases{{/id}}",
        "deployments_url": f"{api}/deployments",
        "created_at": iso(created_at),
        "updated_at": iso(pushed_at),
        "pushed_at": iso(pushed_at),
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "clone_url": f"{WEB}/{full}.git",
        "svn_url": f"{WEB}/{full}",
        "homepage": None,
        "size": 1024 + repo_id % 4096,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": language,
        "has_issues": True,
        "has_projects": False,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": archived,
        "disabled": False,
        "open_issues_count": 0,
        "license": None,
        "allow_forking": False,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": topics,
        "visibility": "private",
        "forks": 0,
        "open_issues": 0,
        "watchers": 0,
        "default_branch": default_branch,
        "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
    }


def full_repository_extras(organisation: dict[str, Any]) -> dict[str, Any]:
    """Fields ``GET /repos/{owner}/{repo}`` adds to the list shape."""
    return {
        "allow_rebase_merge": False,
        "allow_squash_merge": True,
        "allow_merge_commit": True,
        "allow_auto_merge": True,
        "delete_branch_on_merge": True,
        "allow_update_branch": True,
        "use_squash_pr_title_as_default": True,
        "squash_merge_commit_title": "PR_TITLE",
        "squash_merge_commit_message": "PR_BODY",
        "merge_commit_title": "MERGE_MESSAGE",
        "merge_commit_message": "PR_TITLE",
        "temp_clone_token": "",
        "network_count": 0,
        "subscribers_count": 0,
        "organization": organisation,
    }


def pull_request_extras(payload: dict[str, Any], *, commits: int, merged_by: dict[str, Any] | None) -> dict[str, Any]:
    """Fields ``GET /repos/{o}/{r}/pulls/{n}`` adds to the list (``pull-request-simple``) shape."""
    merged = payload.get("merged_at") is not None
    state = payload.get("state")
    return {
        "merged": merged,
        "mergeable": None if state == "closed" else True,
        "rebaseable": None if state == "closed" else False,
        "mergeable_state": "unknown" if state == "closed" else "clean",
        "merged_by": merged_by if merged else None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": commits,
        "additions": 12 * commits,
        "deletions": 4 * commits,
        "changed_files": max(1, commits),
    }


def review_payload(
    repo_full_name: str,
    number: int,
    review_id: int,
    user: dict[str, Any],
    state: str,
    submitted_at: datetime,
    commit_id: str,
    body: str = "",
) -> dict[str, Any]:
    """One item of ``GET /repos/{o}/{r}/pulls/{n}/reviews`` (``pull-request-review``)."""
    api = f"{API}/repos/{repo_full_name}/pulls/{number}"
    html = f"{WEB}/{repo_full_name}/pull/{number}#pullrequestreview-{review_id}"
    return {
        "id": review_id,
        "node_id": node_id("PullRequestReview", review_id),
        "user": user,
        "body": body,
        "state": state,
        "html_url": html,
        "pull_request_url": api,
        "author_association": "MEMBER",
        "_links": {"html": {"href": html}, "pull_request": {"href": api}},
        "submitted_at": iso(submitted_at),
        "commit_id": commit_id,
    }


_LABEL_COLOURS = {"incident": "b60205", "hotfix": "d93f0b", "dependencies": "0366d6"}


def label_payload(repo_full_name: str, name: str, color: str = "ededed") -> dict[str, Any]:
    label_id = 6000000000 + sum(map(ord, name))
    return {
        "id": label_id,
        "node_id": node_id("Label", label_id),
        "url": f"{API}/repos/{repo_full_name}/labels/{quote(name)}",
        "name": name,
        "color": color,
        "default": name == "bug",
        "description": None,
    }


def issue_payload(
    repo_full_name: str,
    number: int,
    issue_id: int,
    *,
    title: str,
    body: str | None,
    user: dict[str, Any],
    labels: list[str],
    created_at: datetime,
    closed_at: datetime | None,
    updated_at: datetime | None = None,
    closed_by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One item of ``GET /repos/{o}/{r}/issues`` for an issue (pull requests also carry ``pull_request``)."""
    api = f"{API}/repos/{repo_full_name}"
    state = "closed" if closed_at else "open"
    return {
        "url": f"{api}/issues/{number}",
        "repository_url": api,
        "labels_url": f"{api}/issues/{number}/labels{{/name}}",
        "comments_url": f"{api}/issues/{number}/comments",
        "events_url": f"{api}/issues/{number}/events",
        "html_url": f"{WEB}/{repo_full_name}/issues/{number}",
        "id": issue_id,
        "node_id": node_id("Issue", issue_id),
        "number": number,
        "title": title,
        "user": user,
        "labels": [label_payload(repo_full_name, name, _LABEL_COLOURS.get(name, "ededed")) for name in labels],
        "state": state,
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": 0,
        "created_at": iso(created_at),
        "updated_at": iso(updated_at or closed_at or created_at),
        "closed_at": iso(closed_at) if closed_at else None,
        "closed_by": closed_by if closed_at else None,
        "author_association": "MEMBER",
        "active_lock_reason": None,
        "body": body,
        "reactions": {"url": f"{api}/issues/{number}/reactions", "total_count": 0},
        "timeline_url": f"{api}/issues/{number}/timeline",
        "performed_via_github_app": None,
        "state_reason": "completed" if closed_at else None,
    }
