"""Deployment and change rules as pure functions: which environment, workflow run, release or tag is a
production deployment of which service, and which changes are reverts, hotfixes or bots' work.

Nothing here talks to GitHub or the warehouse, so every rule is tested on plain values.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict

from pulse.config import GitHubConfig, RepositoryRules, WorkflowRule


def _is_pattern(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def is_production_environment(environment: str | None, patterns: Iterable[str]) -> bool:
    """Case-insensitive match of an environment name against names or glob patterns (``prod-*``)."""
    if not environment:
        return False
    env = environment.lower()
    return any(fnmatch.fnmatchcase(env, p.lower()) for p in patterns)


def environment_listings(rules: RepositoryRules) -> list[str | None]:
    """The ``environment=`` filters to list deployments with: exact names are filtered by GitHub, so only
    production deployments are transferred; any glob needs the unfiltered list (``[None]``)."""
    if any(_is_pattern(p) for p in rules.production_environments):
        return [None]
    names = list(rules.production_environments)
    names += [s.environment_prefix + env for s in rules.services for env in rules.production_environments]
    return list(dict.fromkeys(names))


def match_environment(environment: str | None, rules: RepositoryRules) -> tuple[str, str] | None:
    """(service, environment) of a production deployment, or None when the environment is not production.

    In a monorepo ``checkout:production`` is service ``checkout`` deploying to ``production``; an environment
    without a service prefix belongs to the repository itself.
    """
    if not environment:
        return None
    for service in rules.services:
        prefix = service.environment_prefix
        if environment.lower().startswith(prefix.lower()):
            rest = environment[len(prefix) :]
            return (service.name, rest) if is_production_environment(rest, rules.production_environments) else None
    if is_production_environment(environment, rules.production_environments):
        return rules.repository, environment
    return None


def workflow_match(
    rule: WorkflowRule, path: str | None, name: str | None, referenced: Sequence[str]
) -> tuple[bool, str | None]:
    """Whether a run of workflow ``path``/``name`` (which called ``referenced``) matches the rule, and the
    reusable workflow reference that made it match, if any."""
    if rule.is_reusable:
        wanted, _, wanted_ref = rule.workflow.partition("@")
        for reference in referenced:
            called, _, ref = reference.partition("@")
            if called.lower() == wanted.lower() and (not wanted_ref or wanted_ref == ref):
                return True, reference
        return False, None
    basename = (path or "").rsplit("/", 1)[-1]
    candidates = [c for c in (basename, path, name) if c]
    return any(fnmatch.fnmatchcase(c, rule.workflow) for c in candidates), None


def match_run(
    rules: RepositoryRules,
    *,
    path: str | None,
    name: str | None,
    head_branch: str | None,
    event: str | None,
    referenced: Sequence[str],
) -> list[tuple[str, WorkflowRule, str | None]]:
    """(service, rule, reusable workflow) for each service a workflow run deploys; empty when none.

    The repository's own rules deploy the repository; a monorepo service's rules deploy that service. One
    run counts once per service, by the first rule that matches.
    """
    found: dict[str, tuple[str, WorkflowRule, str | None]] = {}
    candidates = [(rules.repository, r) for r in rules.deploy_workflows]
    candidates += [(s.name, r) for s in rules.services for r in s.deploy_workflows]
    for service, rule in candidates:
        if service in found:
            continue
        hit, reference = workflow_match(rule, path, name, referenced)
        if not hit:
            continue
        branch = rule.branch or rules.production_branch
        if branch != "*" and not fnmatch.fnmatchcase(head_branch or "", branch):
            continue
        if rule.events and (event or "") not in rule.events:
            continue
        found[service] = (service, rule, reference)
    return list(found.values())


def run_branches(rules: RepositoryRules) -> list[str]:
    """The distinct branch filters of the workflow rules (``*`` when any rule takes every branch)."""
    return sorted({rule.branch or rules.production_branch for rule in rules.all_workflow_rules})


def match_tag(tag: str | None, rules: RepositoryRules, *, releases: bool) -> str | None:
    """The service a release (``releases=True``) or plain tag deploys, or None when no pattern matches."""
    if not tag:
        return None
    own = rules.release_tags if releases else rules.deployment_tags
    if any(fnmatch.fnmatchcase(tag, p) for p in own):
        return rules.repository
    for service in rules.services:
        patterns = service.release_tags if releases else service.deployment_tags
        if any(fnmatch.fnmatchcase(tag, p) for p in patterns):
            return service.name
    return None


def services_for_files(files: Iterable[str], rules: RepositoryRules) -> list[str]:
    """The monorepo services whose paths any of ``files`` falls under; empty when none (or no paths set)."""
    names = []
    paths = list(files)
    for service in rules.services:
        if any(_under(f, p) for f in paths for p in service.paths):
            names.append(service.name)
    return names


def _under(filename: str, pattern: str) -> bool:
    if _is_pattern(pattern):
        return fnmatch.fnmatchcase(filename, pattern)
    prefix = pattern if pattern.endswith("/") else pattern + "/"
    return filename == pattern or filename.startswith(prefix)


def rules_hash(*parts: object) -> str:
    """A short fingerprint of the rules an endpoint was read under (a change resets that endpoint's cursor)."""

    def plain(value: object) -> object:
        if hasattr(value, "__dataclass_fields__"):
            return asdict(value)  # type: ignore[arg-type]
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    text = json.dumps([plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# -- changes ------------------------------------------------------------------------------------------------

REVERT_TITLE = re.compile(r'^\s*Revert\s+"(?P<title>.+)"\s*$', re.DOTALL)
REVERT_BRANCH = re.compile(r"^revert-(?P<number>\d+)-")
REVERTS_BODY = re.compile(r"\bReverts\s+(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<number>\d+)\b", re.IGNORECASE)
THIS_REVERTS = re.compile(r"\bThis reverts commit (?P<sha>[0-9a-f]{7,40})\b", re.IGNORECASE)


def is_bot(login: str | None, user_type: str | None, bots: Iterable[str]) -> bool:
    """An account GitHub marks as a bot, or a login listed in ``github.bots`` (case-insensitive)."""
    if (user_type or "").lower() == "bot":
        return True
    return bool(login) and login.lower() in {b.lower() for b in bots}  # type: ignore[union-attr]


def revert_of(
    *, title: str | None, head_ref: str | None, body: str | None, messages: Iterable[str | None], full_name: str
) -> tuple[bool, int | None, str | None, str | None]:
    """(is_revert, reverted PR number, reverted commit SHA, reverted title) from GitHub's revert conventions:
    the ``Revert "…"`` title, the ``revert-<N>-`` branch, a ``Reverts owner/repo#N`` body and git's
    ``This reverts commit <sha>.`` message."""
    number = None
    match = REVERT_BRANCH.match(head_ref or "")
    if match:
        number = int(match["number"])
    for found in REVERTS_BODY.finditer(body or ""):
        if found["repo"] is None or found["repo"].lower() == full_name.lower():
            number = number or int(found["number"])
            break
    sha = None
    for message in messages:
        hit = THIS_REVERTS.search(message or "")
        if hit:
            sha = hit["sha"].lower()
            break
    title_match = REVERT_TITLE.match(title or "")
    reverted_title = title_match["title"] if title_match else None
    return (number is not None or sha is not None or title_match is not None), number, sha, reverted_title


def is_hotfix(labels: Iterable[str], head_ref: str | None, cfg: GitHubConfig) -> bool:
    """A hotfix label (case-insensitive) or a branch matching a hotfix pattern."""
    wanted = {label.lower() for label in cfg.hotfix_labels}
    if any(label.lower() in wanted for label in labels):
        return True
    ref = (head_ref or "").lower()
    return bool(ref) and any(fnmatch.fnmatchcase(ref, p.lower()) for p in cfg.hotfix_branches)
