"""A tiny GitHub repository built step by step for rule tests: commits, pull requests (squash or merge
commit), direct pushes, deployments, workflow runs, releases, tags and issues, in GitHub's payload shapes.

Every timestamp is naive UTC. The main branch is a real commit graph, so the stand-in's compare endpoint
answers from it.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sandbox.github_api import GitHubData, GitHubRepoData
from sandbox.github_payloads import (
    API,
    WEB,
    iso,
    issue_payload,
    label_payload,
    organisation_payload,
    repository_payload,
    review_payload,
    user_payload,
)

ORG = "acme"
_ids = itertools.count(1000)


def new_data() -> GitHubData:
    data = GitHubData()
    data.orgs[ORG] = organisation_payload(
        ORG, 1, name="Acme", description="", created_at=datetime(2020, 1, 1), public_repos=0
    )
    return data


def user(login: str) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return user_payload(login, int(hashlib.sha1(login.encode()).hexdigest()[:6], 16), kind=kind)


class RepoBuilder:
    """One repository of organisation ``acme`` in a :class:`GitHubData` store."""

    def __init__(self, data: GitHubData, name: str = "shop", *, start: datetime = datetime(2026, 10, 1)) -> None:
        self.name = name
        self.full = f"{ORG}/{name}"
        owner = user_payload(ORG, 1, kind="Organization")
        payload = repository_payload(
            owner,
            name,
            next(_ids),
            description=name,
            language="Go",
            topics=[],
            created_at=datetime(2024, 1, 1),
            pushed_at=start,
        )
        self.store = data
        self.data = data.add_repo(GitHubRepoData(repository=payload))
        self.api = f"{API}/repos/{self.full}"
        self.head = self.commit("Initial commit", start - timedelta(days=60))
        self.numbers = itertools.count(1)

    # -- commits ------------------------------------------------------------------------------------------
    def _sha(self, *parts: object) -> str:
        return hashlib.sha1(repr((self.full, *parts, next(_ids))).encode()).hexdigest()

    def commit_payload(
        self,
        message: str,
        at: datetime,
        parents: Sequence[str],
        author: str = "alice",
        authored: datetime | None = None,
    ) -> dict[str, Any]:
        sha = self._sha(message, at)
        person = user(author)
        return {
            "sha": sha,
            "node_id": f"C_{sha[:10]}",
            "commit": {
                "author": {"name": author, "email": f"{author}@acme.example", "date": iso(authored or at)},
                "committer": {"name": author, "email": f"{author}@acme.example", "date": iso(at)},
                "message": message,
                "tree": {"sha": sha[::-1], "url": f"{self.api}/git/trees/{sha[::-1]}"},
                "url": f"{self.api}/git/commits/{sha}",
                "comment_count": 0,
            },
            "url": f"{self.api}/commits/{sha}",
            "html_url": f"{WEB}/{self.full}/commit/{sha}",
            "author": person,
            "committer": person,
            "parents": [{"sha": p, "url": f"{self.api}/commits/{p}"} for p in parents],
        }

    def commit(
        self,
        message: str,
        at: datetime,
        *,
        author: str = "alice",
        files: Iterable[str] = (),
        parents: Sequence[str] = (),
    ) -> str:
        """A commit on main (a direct push when made after the initial commit)."""
        payload = self.commit_payload(
            message, at, list(parents) or ([self.head] if hasattr(self, "head") else []), author
        )
        self.data.commits.append(payload)
        if files:
            self.data.commit_files[payload["sha"]] = [{"filename": f, "status": "modified"} for f in files]
        self.head = payload["sha"]
        return payload["sha"]

    def push(self, message: str, at: datetime, **kwargs: Any) -> str:
        return self.commit(message, at, **kwargs)

    # -- pull requests ---------------------------------------------------------------------------------------
    def pull(
        self,
        title: str,
        *,
        commits: Sequence[datetime],
        created: datetime,
        merged: datetime | None,
        squash: bool = True,
        author: str = "alice",
        head_ref: str | None = None,
        base: str = "main",
        labels: Iterable[str] = (),
        body: str = "",
        reviews: Iterable[tuple[datetime, str, str]] = (),
        files: Iterable[str] = (),
        messages: Sequence[str] = (),
        updated: datetime | None = None,
    ) -> dict[str, Any]:
        """A pull request whose commits (authored at ``commits``) branch from main's head; merged as one squash
        commit or with a merge commit. Returns its payload (``merge_commit_sha`` is the commit on main)."""
        number = next(self.numbers)
        parent = self.head
        listed = []
        for position, at in enumerate(commits):
            message = messages[position] if position < len(messages) else f"{title} ({position + 1})"
            payload = self.commit_payload(message, at, [parent], author)
            listed.append(payload)
            parent = payload["sha"]
        merge_sha = None
        if merged is not None and base != "main":
            # Merged into another branch: main does not change.
            merge_sha = self.commit_payload(f"{title} (#{number})", merged, [parent], author)["sha"]
        elif merged is not None:
            if squash:
                merge_sha = self.commit(f"{title} (#{number})", merged, author=author, files=files)
                self.data.commits[-1]["commit"]["author"]["date"] = iso(commits[0])
            else:
                self.data.commits.extend(listed)
                merge_sha = self.commit(
                    f"Merge pull request #{number} from {ORG}/{head_ref or 'feature'}\n\n{title}",
                    merged,
                    author=author,
                    parents=[self.head, parent],
                    files=files,
                )
        ref = head_ref or f"{author}/change-{number}"
        pull = {
            "url": f"{self.api}/pulls/{number}",
            "id": next(_ids),
            "html_url": f"{WEB}/{self.full}/pull/{number}",
            "number": number,
            "state": "closed" if merged else "open",
            "title": title,
            "user": user(author),
            "body": body or None,
            "labels": [label_payload(self.full, name) for name in labels],
            "created_at": iso(created),
            "updated_at": iso(updated or merged or created),
            "closed_at": iso(merged) if merged else None,
            "merged_at": iso(merged) if merged else None,
            "merge_commit_sha": merge_sha,
            "draft": False,
            "head": {"label": f"{ORG}:{ref}", "ref": ref, "sha": parent},
            "base": {"label": f"{ORG}:{base}", "ref": base, "sha": listed[0]["parents"][0]["sha"] if listed else ""},
            "author_association": "MEMBER",
        }
        self.data.pulls.append(pull)
        self.data.pull_commits[number] = listed
        self.data.pull_reviews[number] = [
            review_payload(self.full, number, next(_ids), user(login), state, at, parent)
            for at, login, state in reviews
        ]
        self.data.pull_files[number] = [{"filename": f, "status": "modified", "additions": 1} for f in files]
        return pull

    # -- deployments -------------------------------------------------------------------------------------------
    def deployment(
        self,
        sha: str,
        created: datetime,
        *,
        environment: str = "production",
        outcome: str | None = "success",
        after: timedelta = timedelta(minutes=5),
    ) -> int:
        """A deployment with an ``in_progress`` status and, unless ``outcome`` is None, a final one."""
        deployment_id = next(_ids)
        url = f"{self.api}/deployments/{deployment_id}"
        finished = created + after
        self.data.deployments.append(
            {
                "url": url,
                "id": deployment_id,
                "sha": sha,
                "ref": "main",
                "task": "deploy",
                "payload": {},
                "environment": environment,
                "original_environment": environment,
                "description": None,
                "creator": user("deploy-bot[bot]"),
                "created_at": iso(created),
                "updated_at": iso(finished if outcome else created),
                "statuses_url": f"{url}/statuses",
                "repository_url": self.api,
            }
        )
        states = [("in_progress", created + timedelta(seconds=10))] + ([(outcome, finished)] if outcome else [])
        self.data.deployment_statuses[deployment_id] = [
            {
                "url": f"{url}/statuses/{next(_ids)}",
                "id": next(_ids),
                "state": state,
                "creator": user("deploy-bot[bot]"),
                "environment": environment,
                "created_at": iso(at),
                "updated_at": iso(at),
                "deployment_url": url,
                "repository_url": self.api,
            }
            for state, at in states
        ]
        return deployment_id

    def run(
        self,
        sha: str,
        created: datetime,
        *,
        conclusion: str | None = "success",
        path: str = ".github/workflows/deploy.yml",
        name: str = "Deploy",
        branch: str = "main",
        event: str = "push",
        referenced: Sequence[str] = (),
        minutes: int = 6,
    ) -> int:
        run_id = next(_ids)
        finished = created + timedelta(minutes=minutes)
        self.data.workflow_runs.append(
            {
                "id": run_id,
                "name": name,
                "path": path,
                "head_branch": branch,
                "head_sha": sha,
                "event": event,
                "status": "completed" if conclusion else "in_progress",
                "conclusion": conclusion,
                "workflow_id": abs(hash(path)) % 100000,
                "run_number": run_id,
                "run_attempt": 1,
                "created_at": iso(created),
                "run_started_at": iso(created + timedelta(seconds=5)),
                "updated_at": iso(finished if conclusion else created),
                "actor": user("alice"),
                "html_url": f"{WEB}/{self.full}/actions/runs/{run_id}",
                "url": f"{self.api}/actions/runs/{run_id}",
                "referenced_workflows": [{"path": r, "sha": "f" * 40, "ref": "refs/tags/v2"} for r in referenced],
                "pull_requests": [],
            }
        )
        return run_id

    def release(
        self,
        tag: str,
        sha: str,
        published: datetime,
        *,
        prerelease: bool = False,
        draft: bool = False,
        by_tag: bool = True,
    ) -> int:
        """A release of ``tag``; ``by_tag`` names the branch as target (GitHub's usual), so the tag gives the SHA."""
        release_id = next(_ids)
        self.tag(tag, sha)
        self.data.releases.append(
            {
                "url": f"{self.api}/releases/{release_id}",
                "html_url": f"{WEB}/{self.full}/releases/tag/{tag}",
                "id": release_id,
                "tag_name": tag,
                "target_commitish": "main" if by_tag else sha,
                "name": tag,
                "draft": draft,
                "prerelease": prerelease,
                "created_at": iso(published - timedelta(minutes=2)),
                "published_at": None if draft else iso(published),
                "author": user("alice"),
                "assets": [],
                "body": "",
            }
        )
        return release_id

    def tag(self, name: str, sha: str) -> None:
        self.data.tags.append({"name": name, "commit": {"sha": sha, "url": f"{self.api}/commits/{sha}"}})

    def issue(
        self,
        title: str,
        body: str,
        created: datetime,
        *,
        labels: Iterable[str] = ("incident",),
        closed: datetime | None = None,
    ) -> int:
        number = next(self.numbers)
        self.data.issues.append(
            issue_payload(
                self.full,
                number,
                next(_ids),
                title=title,
                body=body,
                user=user("alice"),
                labels=list(labels),
                created_at=created,
                closed_at=closed,
            )
        )
        return number
