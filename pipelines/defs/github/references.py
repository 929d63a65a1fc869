"""What an incident issue's text points at: deployments, workflow runs, commits and pull requests.

People write these in a handful of ways; each pattern below is one of them. Short SHAs are taken only where
the text says it is a commit (``commit abc1234``, ``sha: abc1234``) or quotes it as code, and only when they
contain a letter, so that ids and dates are not mistaken for commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DEPLOYMENT = re.compile(r"\bdeployments?\b[\s#:/-]*(?:id\s*)?(?P<id>\d{2,})\b", re.IGNORECASE)
_DEPLOYMENT_URL = re.compile(r"/deployments/(?P<id>\d+)\b")
_RUN_URL = re.compile(r"/actions/runs/(?P<id>\d+)\b")
_FULL_SHA = re.compile(r"(?<![0-9a-fA-F])(?P<sha>[0-9a-f]{40})(?![0-9a-fA-F])")
_NAMED_SHA = re.compile(r"\b(?:commit|sha)\b[\s:=#]*`?(?P<sha>[0-9a-f]{7,39})(?![0-9a-fA-F])", re.IGNORECASE)
_CODE_SHA = re.compile(r"`(?P<sha>[0-9a-f]{7,40})`")
_COMMIT_URL = re.compile(r"/commit/(?P<sha>[0-9a-f]{7,40})\b")
_PULL_REF = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=\())(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<number>\d+)\b", re.MULTILINE)
_PULL_URL = re.compile(r"github\.com/(?P<repo>[\w.-]+/[\w.-]+)/pull/(?P<number>\d+)\b")


@dataclass(frozen=True)
class References:
    deployment_ids: list[int] = field(default_factory=list)
    run_ids: list[int] = field(default_factory=list)
    shas: list[str] = field(default_factory=list)
    pull_numbers: list[int] = field(default_factory=list)


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


def find_references(text: str | None, full_name: str) -> References:
    """References in ``text`` (an issue's title and body); pull requests only of repository ``full_name``."""
    if not text:
        return References()
    deployments = [int(m["id"]) for m in _DEPLOYMENT.finditer(text)]
    deployments += [int(m["id"]) for m in _DEPLOYMENT_URL.finditer(text)]
    runs = [int(m["id"]) for m in _RUN_URL.finditer(text)]
    shas = [m["sha"] for m in _FULL_SHA.finditer(text)]
    for pattern in (_NAMED_SHA, _CODE_SHA, _COMMIT_URL):
        shas += [m["sha"].lower() for m in pattern.finditer(text) if re.search(r"[a-f]", m["sha"].lower())]
    # A short SHA that is the start of a full one already found adds nothing.
    full = [s for s in shas if len(s) == 40]
    shas = [s for s in shas if len(s) == 40 or not any(f.startswith(s) for f in full)]
    pulls = []
    for pattern in (_PULL_REF, _PULL_URL):
        for m in pattern.finditer(text):
            repo = m["repo"]
            if repo is None or repo.lower() == full_name.lower():
                pulls.append(int(m["number"]))
    return References(
        deployment_ids=_unique(deployments),
        run_ids=_unique(runs),
        shas=_unique(shas),
        pull_numbers=_unique(pulls),
    )
