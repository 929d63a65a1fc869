"""How many GitHub API requests a sync spends, against the least it could.

Serves the sample organisation from the local GitHub stand-in, runs a first sync into an empty warehouse and
then a re-sync with nothing changed, and compares the requests each spent (counted by the stand-in, per
endpoint) with the minimum: one request per 100 items of every list the sync must read (at least one per
list), worked out from the sample data itself, not from the sync.

Targets: first sync within 1.2x of the minimum; an unchanged re-sync at most one request per repository and
endpoint, every one of them a 304 Not Modified (free on GitHub).

    .venv/bin/python benchmarks/github_requests.py [--days 180] [--seed 7] [--json]

Exit status 0 when both targets hold, 1 otherwise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.defs.github.client import GitHubApi  # noqa: E402
from pipelines.defs.github.sync import sync_all  # noqa: E402
from pulse.config import parse_config  # noqa: E402
from pulse.warehouse import connect  # noqa: E402
from sandbox.github_api import GitHubStandIn  # noqa: E402
from sandbox.sample_org import INCIDENT_LABEL, PLATFORM_WORKFLOW, SampleOrg, generate_sample_org  # noqa: E402

FIRST_SYNC_TARGET = 1.2
PER_PAGE = 100

# Stand-in paths → the endpoint names the sync reports (a path's last segments name what it lists).
_ENDPOINTS = [
    (r"^/orgs/[^/]+/repos$", "repositories"),
    (r"^/repos/[^/]+/[^/]+$", "repositories"),
    (r"/deployments/\d+/statuses$", "deployment_statuses"),
    (r"/deployments$", "deployments"),
    (r"/actions/runs$", "workflow_runs"),
    (r"/pulls/\d+/commits$", "pull_commits"),
    (r"/pulls/\d+/reviews$", "pull_reviews"),
    (r"/pulls/\d+/files$", "pull_files"),
    (r"/pulls$", "pulls"),
    (r"/commits$", "commits"),
    (r"/commits/[^/]+$", "commit"),
    (r"/compare/", "compare"),
    (r"/issues$", "issues"),
    (r"/releases$", "releases"),
    (r"/tags$", "tags"),
]


def endpoint_of(path: str) -> str:
    return next((name for pattern, name in _ENDPOINTS if re.search(pattern, path)), "other")


def list_key(path: str, query: dict[str, str]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Which list a request read: its endpoint, its repository and its filters (pages of one list share it)."""
    parts = path.split("/")
    repository = parts[3] if len(parts) > 3 and parts[1] == "repos" else ""
    filters = tuple(sorted((k, v) for k, v in query.items() if k not in ("page", "per_page")))
    return endpoint_of(path), repository, filters


@dataclass
class SyncCount:
    requests: int = 0
    per_endpoint: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    lists: int = 0
    most_per_list: int = 0
    seconds: float = 0.0


@dataclass
class BenchmarkResult:
    days: int
    seed: int
    repositories: int
    minimum: int
    minimum_per_endpoint: dict[str, int]
    first: SyncCount
    again: SyncCount
    first_ratio: float
    first_ok: bool
    again_ok: bool

    @property
    def ok(self) -> bool:
        return self.first_ok and self.again_ok


def _pages(items: int) -> int:
    return max(1, math.ceil(items / PER_PAGE))


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def minimum_requests(org: SampleOrg, since: datetime) -> Counter[str]:
    """One request per 100 items of every list a sync must read, from the sample data (the sync's own counts
    are not consulted)."""
    need: Counter[str] = Counter()
    need["repositories"] += _pages(len(org.github.repos))
    for full_name, repo in org.github.repos.items():
        production = [
            d for d in repo.deployments if d["environment"] == "production" and _instant(d["created_at"]) >= since
        ]
        need["deployments"] += _pages(len(production))
        for d in production:
            need["deployment_statuses"] += _pages(len(repo.deployment_statuses.get(d["id"], [])))
        main_runs = [r for r in repo.workflow_runs if r["head_branch"] == "main" and _instant(r["created_at"]) >= since]
        need["workflow_runs"] += _pages(len(main_runs))
        closed = [
            p
            for p in repo.pulls
            if p["state"] == "closed" and p["base"]["ref"] == "main" and _instant(p["updated_at"]) >= since
        ]
        need["pulls"] += _pages(len(closed))
        for p in closed:
            if p["merged_at"] and _instant(p["merged_at"]) >= since:
                need["pull_commits"] += _pages(len(repo.pull_commits.get(p["number"], [])))
                need["pull_reviews"] += _pages(len(repo.pull_reviews.get(p["number"], [])))
        on_main = [c for c in repo.commits if _instant(c["commit"]["committer"]["date"]) >= since]
        need["commits"] += _pages(len(on_main))
        incidents = [
            i
            for i in repo.issues
            if any(label["name"] == INCIDENT_LABEL for label in i["labels"]) and _instant(i["updated_at"]) >= since
        ]
        need["issues"] += _pages(len(incidents))
        need["compare"] += _comparisons(org, full_name, since)
    return need


def _comparisons(org: SampleOrg, full_name: str, since: datetime) -> int:
    """Pages of the comparisons between consecutive successful production deployments of one repository."""
    repo = org.github.repos[full_name]
    name = full_name.split("/", 1)[1]
    chain = sorted(
        (
            d
            for d in org.truth.deployments
            if d.repository == name and d.succeeded and d.created_at.replace(tzinfo=None) >= since
        ),
        key=lambda d: (d.finished_at, d.record_id),
    )
    graph = GitHubStandIn._commit_graph(repo)
    pages = 0
    for previous, current in itertools.pairwise(chain):
        if previous.sha == current.sha:
            continue
        ahead = GitHubStandIn._ancestors(graph, current.sha) - GitHubStandIn._ancestors(graph, previous.sha)
        pages += _pages(len(ahead))
    return pages


def _count(standin: GitHubStandIn, start: int, seconds: float) -> SyncCount:
    records = standin.requests[start:]
    per_endpoint = Counter(endpoint_of(r.path) for r in records)
    lists = Counter(list_key(r.path, r.query) for r in records)
    return SyncCount(
        requests=len(records),
        per_endpoint=dict(sorted(per_endpoint.items())),
        not_modified=sum(1 for r in records if r.status == 304),
        lists=len(lists),
        most_per_list=max(lists.values(), default=0),
        seconds=round(seconds, 1),
    )


def run_benchmark(*, days: int = 180, seed: int = 7, end: date = date(2026, 11, 22)) -> BenchmarkResult:
    org = generate_sample_org(end, days=days, seed=seed)
    now = datetime.combine(end + timedelta(days=1), datetime.min.time()) + timedelta(hours=12)
    history_days = days + 1
    since = now - timedelta(days=history_days)
    with tempfile.TemporaryDirectory() as folder, GitHubStandIn(org.github, rate_limit=10_000_000) as standin:
        cfg = parse_config(
            {
                "github": {
                    "organisation": org.organisation,
                    "base_url": standin.url,
                    "deploy_workflows": [{"workflow": PLATFORM_WORKFLOW}, "deploy.yml"],
                    "incident_label": INCIDENT_LABEL,
                    "seconds_between_requests": 0,
                },
                "warehouse": {"path": f"{folder}/w.duckdb", "serving_path": f"{folder}/s.duckdb"},
                "history_days": history_days,
            }
        )
        con = connect(cfg.warehouse.path)
        try:
            started = time.perf_counter()
            sync_all(con, GitHubApi(cfg.github, token="benchmark"), cfg, now)
            first = _count(standin, 0, time.perf_counter() - started)
            mark = len(standin.requests)
            started = time.perf_counter()
            sync_all(con, GitHubApi(cfg.github, token="benchmark"), cfg, now)
            again = _count(standin, mark, time.perf_counter() - started)
        finally:
            con.close()
    need = minimum_requests(org, since)
    minimum = sum(need.values())
    ratio = first.requests / minimum
    return BenchmarkResult(
        days=days,
        seed=seed,
        repositories=len(org.github.repos),
        minimum=minimum,
        minimum_per_endpoint=dict(sorted(need.items())),
        first=first,
        again=again,
        first_ratio=round(ratio, 3),
        first_ok=ratio <= FIRST_SYNC_TARGET,
        again_ok=again.most_per_list <= 1 and again.not_modified == again.requests,
    )


def report(result: BenchmarkResult) -> str:
    lines = [
        f"Sample organisation: {result.repositories} repositories, {result.days} days (seed {result.seed})",
        "",
        f"{'endpoint':<22}{'minimum':>10}{'first sync':>12}{'re-sync':>10}",
    ]
    names = sorted(set(result.minimum_per_endpoint) | set(result.first.per_endpoint) | set(result.again.per_endpoint))
    for name in names:
        lines.append(
            f"{name:<22}{result.minimum_per_endpoint.get(name, 0):>10}"
            f"{result.first.per_endpoint.get(name, 0):>12}{result.again.per_endpoint.get(name, 0):>10}"
        )
    lines += [
        f"{'total':<22}{result.minimum:>10}{result.first.requests:>12}{result.again.requests:>10}",
        "",
        f"first sync: {result.first.requests} requests = {result.first_ratio:.2f}x the minimum "
        f"(target <= {FIRST_SYNC_TARGET}x): {'OK' if result.first_ok else 'MISSED'}  [{result.first.seconds}s]",
        f"re-sync, nothing changed: {result.again.requests} requests over {result.again.lists} lists, at most "
        f"{result.again.most_per_list} per list, {result.again.not_modified} answered 304 "
        f"(target: <= 1 per repository and endpoint, all 304): {'OK' if result.again_ok else 'MISSED'}"
        f"  [{result.again.seconds}s]",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=180, help="days of sample history (at least 14)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run_benchmark(days=args.days, seed=args.seed)
    if args.json:
        print(json.dumps({**asdict(result), "ok": result.ok}, indent=2, default=str))
    else:
        print(report(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
