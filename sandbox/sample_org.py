"""A deterministic sample engineering organisation for the demo and the tests.

:func:`generate_sample_org` builds organisation ``acme``: six teams with very different delivery cadences
(several times a day … monthly), twenty services each in its own repository, their pull requests, commits,
deployments (GitHub Deployments API for half of the repositories, a GitHub Actions "Deploy" workflow for
the other half), PagerDuty services/incidents/log entries, and two quarterly developer-survey waves as
Google Forms CSV exports.

Grain and units: the window is ``days`` whole UTC days ending with ``end`` (inclusive). All payload
timestamps are UTC ISO 8601 strings with ``Z``. Same ``end``/``days``/``seed`` → byte-identical payloads:
every random draw comes from one ``random.Random(seed)`` and nothing reads the wall clock.

Rules the data keeps (ingestion and metric tests can rely on them):

* a production deployment's SHA (``deployment.sha`` / ``workflow_run.head_sha``) is the
  ``merge_commit_sha`` of the latest pull request merged before the deployment was created (or the
  repository's initial commit if none);
* a PR is shipped by the first *successful* production deployment created after its merge;
* most incidents start within hours after a successful production deployment of their service; the
  causing deployment is recorded in :attr:`SampleOrg.truth`;
* about 10% of resolved incidents carry no ``resolved_at`` field: only a ``resolve_log_entry``.
"""

from __future__ import annotations

import bisect
import csv
import gc
import hashlib
import heapq
import io
import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sandbox.github_api import GitHubData, GitHubRepoData
from sandbox.github_payloads import (
    API,
    WEB,
    full_repository_extras,
    full_user_payload,
    iso,
    issue_payload,
    node_id,
    organisation_payload,
    pull_request_extras,
    repository_payload,
    review_payload,
    user_payload,
)
from sandbox.pagerduty_api import PagerDutyData

ORGANISATION = "acme"
DEPLOYMENTS_API = "deployments_api"
ACTIONS = "actions"
DEPLOY_WORKFLOW_PATH = ".github/workflows/deploy.yml"
CI_WORKFLOW_PATH = ".github/workflows/ci.yml"
# The reusable deploy workflow of the platform team; adopting services call it from their own deploy.yml.
PLATFORM_WORKFLOW = f"{ORGANISATION}/platform-workflows/.github/workflows/platform-deploy.yml"
INCIDENT_LABEL = "incident"
PD_API = "https://api.pagerduty.com"
PD_WEB = "https://acme.pagerduty.com"
SURVEY_TEAM_QUESTION = "Which team are you on?"
SURVEY_NPS_QUESTION = "How likely are you to recommend the platform to a colleague? (0-10)"
SURVEY_LIKERT_QUESTIONS = (
    "The platform makes it easy to ship a change",
    "Documentation helps me find what I need",
    "I can get a working development environment quickly",
    "I rarely wait on other teams to get my work done",
)
SURVEY_FREE_TEXT_QUESTION = "What should the platform team improve?"
SURVEY_COLUMNS = (
    "Timestamp",
    "Email Address",
    SURVEY_TEAM_QUESTION,
    SURVEY_NPS_QUESTION,
    *SURVEY_LIKERT_QUESTIONS,
    SURVEY_FREE_TEXT_QUESTION,
)


# ---------------------------------------------------------------------------------------------------------
# Public result types
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeamSample:
    """One team: its repositories (= services), PagerDuty ids and display information."""

    name: str
    """Slug used as key, e.g. ``checkout``."""
    display_name: str
    """Name shown to people; also the PagerDuty team name and the survey answer."""
    cadence: str
    """Intended production deployment cadence, in words (e.g. ``several times a day``)."""
    repositories: tuple[str, ...]
    """Repository names (without owner); each is also the service name."""
    deployment_styles: Mapping[str, str]
    """Repository → ``deployments_api`` or ``actions``."""
    pagerduty_team_id: str
    pagerduty_service_ids: Mapping[str, str]
    """Repository → PagerDuty service id."""
    members: tuple[str, ...]
    """GitHub logins of the engineers (also the survey respondents' pool)."""

    @property
    def survey_label(self) -> str:
        return self.display_name


@dataclass(frozen=True)
class DeploymentTruth:
    """Ground truth for one production deployment attempt (a Deployment or a "Deploy" workflow run)."""

    repository: str
    team: str
    style: str
    record_id: int
    """Deployment id (``deployments_api``) or workflow run id (``actions``)."""
    sha: str
    created_at: datetime
    finished_at: datetime
    succeeded: bool
    kind: str
    """``regular``, ``retry`` (new attempt after a failure), ``rerun`` (Actions re-run, attempt 2) or
    ``emergency`` (ships a revert/hotfix outside the cadence)."""
    pull_numbers: tuple[int, ...]
    """PRs first shipped by this deployment (empty for failed ones)."""


@dataclass(frozen=True)
class IncidentTruth:
    """Ground truth for one PagerDuty incident."""

    incident_id: str
    repository: str
    team: str
    service_id: str
    created_at: datetime
    resolved_at: datetime | None
    """When it was resolved (from the log), None while still open at the end of the window."""
    resolved_at_in_payload: bool
    caused_by: int | None
    """``record_id`` of the production deployment that caused it, None for unrelated incidents."""
    remediation: str | None
    """``revert``, ``hotfix`` or None."""
    remediation_pull: int | None


@dataclass(frozen=True)
class DirectPushTruth:
    """A commit pushed straight to the default branch, outside any pull request."""

    repository: str
    sha: str
    author: str | None
    """GitHub login of the author (``github-actions[bot]`` for automation)."""
    authored_at: datetime
    by_bot: bool


@dataclass(frozen=True)
class IncidentIssueTruth:
    """A GitHub issue labelled ``incident``, and what its body mentions."""

    repository: str
    number: int
    incident_id: str | None
    """The PagerDuty incident it was opened for."""
    created_at: datetime
    closed_at: datetime | None
    caused_by: int | None
    """``record_id`` of the deployment that caused the incident, None for unrelated incidents."""
    mentions_deployment_id: int | None = None
    mentions_run_id: int | None = None
    mentions_sha: str | None = None
    """As written in the body: 7 characters or the full 40."""
    mentions_pull: int | None = None


@dataclass
class SampleTruth:
    deployments: list[DeploymentTruth] = field(default_factory=list)
    """Production deployments, oldest first."""
    incidents: list[IncidentTruth] = field(default_factory=list)
    """Incidents, oldest first."""
    direct_pushes: list[DirectPushTruth] = field(default_factory=list)
    """Commits pushed to the default branch without a pull request, oldest first."""
    incident_issues: list[IncidentIssueTruth] = field(default_factory=list)
    """GitHub issues labelled ``incident``, oldest first."""


@dataclass
class SampleOrg:
    """The generated organisation: data for both stand-ins, survey exports and ground truth."""

    organisation: str
    start: date
    """First day of the window (UTC, inclusive)."""
    end: date
    """Last day of the window (UTC, inclusive)."""
    seed: int
    teams: dict[str, TeamSample]
    github: GitHubData
    pagerduty: PagerDutyData
    survey_exports: dict[str, str]
    """File name → CSV text exactly as Google Forms' "Download responses (.csv)" writes it."""
    truth: SampleTruth
    platform_adoption: dict[str, datetime | None] = field(default_factory=dict)
    """Repository → when its deploy workflow started calling :data:`PLATFORM_WORKFLOW` (UTC, naive), None if
    never. Runs created from then on list it in ``referenced_workflows``."""
    platform_pins: dict[str, str] = field(default_factory=dict)
    """Repository → the version (``v1``/``v2``) its deploy.yml pins the platform workflow at, for adopters."""

    @property
    def repositories(self) -> list[str]:
        return [repo for team in self.teams.values() for repo in team.repositories]

    def team_of(self, repository: str) -> TeamSample:
        return next(team for team in self.teams.values() if repository in team.repositories)


# ---------------------------------------------------------------------------------------------------------
# Team specifications
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _TeamSpec:
    slug: str
    display_name: str
    cadence_words: str
    cadence: str
    services: tuple[str, ...]
    language: str
    members: int
    merges_per_workday: float
    """Regular merged PRs per repository per working day."""
    coding_hours: float
    """Median first commit → PR opened."""
    review_hours: float
    """Median PR opened → merged."""
    deploy_failure: float
    """Probability that a production deployment attempt fails."""
    change_failure: float
    """Probability that a successful regular deployment causes an incident."""
    unrelated_per_month: float
    """Incidents per service per 30 days with no deployment cause."""
    mttr_hours: float
    """Median time to resolve when no PR is needed."""
    respondents: tuple[int, int]
    mood: float
    """Survey sentiment shift (about -1 … +1)."""


_TEAMS: tuple[_TeamSpec, ...] = (
    _TeamSpec(
        "checkout",
        "Checkout",
        "several times a day",
        "continuous",
        ("checkout-web", "cart-api", "pricing-api", "promo-engine"),
        "TypeScript",
        members=15,
        merges_per_workday=3.0,
        coding_hours=5,
        review_hours=1.5,
        deploy_failure=0.03,
        change_failure=0.012,
        unrelated_per_month=0.12,
        mttr_hours=0.6,
        respondents=(11, 15),
        mood=1.0,
    ),
    _TeamSpec(
        "identity",
        "Identity",
        "daily",
        "daily",
        ("auth-service", "user-profile", "session-gateway", "consent-api"),
        "Go",
        members=12,
        merges_per_workday=1.6,
        coding_hours=8,
        review_hours=4,
        deploy_failure=0.04,
        change_failure=0.04,
        unrelated_per_month=0.2,
        mttr_hours=1.2,
        respondents=(8, 12),
        mood=0.5,
    ),
    _TeamSpec(
        "search",
        "Search & Discovery",
        "a few times a week",
        "few_weekly",
        ("search-api", "catalog-indexer", "recommendations"),
        "Python",
        members=10,
        merges_per_workday=1.0,
        coding_hours=12,
        review_hours=8,
        deploy_failure=0.06,
        change_failure=0.12,
        unrelated_per_month=0.35,
        mttr_hours=3,
        respondents=(7, 10),
        mood=0.0,
    ),
    _TeamSpec(
        "fulfilment",
        "Fulfilment",
        "weekly",
        "weekly",
        ("order-router", "warehouse-sync", "shipping-rates"),
        "Java",
        members=11,
        merges_per_workday=0.8,
        coding_hours=16,
        review_hours=18,
        deploy_failure=0.08,
        change_failure=0.22,
        unrelated_per_month=0.5,
        mttr_hours=6,
        respondents=(8, 11),
        mood=-0.3,
    ),
    _TeamSpec(
        "billing",
        "Billing",
        "every two weeks",
        "biweekly",
        ("invoicing", "payments-ledger", "tax-calculator"),
        "Kotlin",
        members=9,
        merges_per_workday=0.6,
        coding_hours=24,
        review_hours=30,
        deploy_failure=0.1,
        change_failure=0.3,
        unrelated_per_month=0.7,
        mttr_hours=12,
        respondents=(6, 9),
        mood=-0.8,
    ),
    _TeamSpec(
        "data-platform",
        "Data Platform",
        "monthly",
        "monthly",
        ("events-pipeline", "reporting-etl", "metrics-warehouse"),
        "Scala",
        members=6,
        merges_per_workday=0.5,
        coding_hours=30,
        review_hours=40,
        deploy_failure=0.12,
        change_failure=0.35,
        unrelated_per_month=0.8,
        mttr_hours=24,
        respondents=(4, 4),
        mood=-0.4,
    ),
)

_FIRST_NAMES = (
    "Alex",
    "Sam",
    "Priya",
    "Jonas",
    "Mei",
    "Lucas",
    "Amara",
    "Noah",
    "Elena",
    "Kofi",
    "Sofia",
    "Mateo",
    "Hana",
    "Oliver",
    "Leila",
    "Arjun",
    "Freya",
    "Diego",
    "Yuki",
    "Tom",
    "Ines",
    "Ravi",
    "Nora",
    "Felix",
    "Zara",
    "Ben",
    "Aisha",
    "Erik",
    "Lina",
    "Omar",
    "Chloe",
    "Hugo",
    "Maya",
    "Ivan",
    "Julia",
    "Kai",
)
_LAST_NAMES = (
    "Kim",
    "Patel",
    "Schmidt",
    "Chen",
    "Silva",
    "Okafor",
    "Novak",
    "Rossi",
    "Larsen",
    "Haddad",
    "Moreau",
    "Tanaka",
    "Walsh",
    "Kowalski",
    "Mensah",
    "Garcia",
    "Berg",
    "Dubois",
    "Ivanova",
    "Nakamura",
    "Reyes",
    "Fischer",
    "Byrne",
    "Sato",
    "Costa",
    "Jensen",
    "Ali",
    "Meyer",
    "Murphy",
    "Lopez",
)
_VERBS = ("Add", "Fix", "Refactor", "Improve", "Remove", "Update", "Handle", "Cache", "Validate", "Simplify")
_OBJECTS = (
    "retry logic for upstream client",
    "pagination on list endpoint",
    "timeout handling",
    "request metrics",
    "feature flag for new flow",
    "input validation",
    "database connection pool",
    "error responses",
    "structured logging",
    "health check endpoint",
    "idempotency keys",
    "currency rounding",
    "background job scheduling",
    "OpenAPI schema",
    "integration tests",
    "rate limiting middleware",
    "cache invalidation",
    "config loading",
    "null handling in mapper",
    "batch size for consumer",
)
_WIP_MESSAGES = (
    "Address review comments",
    "Add tests",
    "Fix lint",
    "Rename variables",
    "Handle edge case",
    "Update snapshot",
    "Tidy up",
    "Fix typo",
    "Split function",
    "Add docstring",
)
_DIRECT_PUSH_MESSAGES = (
    "Fix typo in README",
    "Update CODEOWNERS",
    "Bump patch version",
    "Tweak alert thresholds",
    "Correct config comment",
    "Pin base image digest",
)
_DEPENDENCIES = (
    ("requests", "2.32.3", "2.32.4"),
    ("urllib3", "2.2.2", "2.5.0"),
    ("express", "4.19.2", "4.21.2"),
    ("lodash", "4.17.20", "4.17.21"),
    ("golang.org/x/net", "0.26.0", "0.33.0"),
    ("jackson-databind", "2.17.1", "2.18.2"),
    ("pyyaml", "6.0.1", "6.0.2"),
    ("axios", "1.7.2", "1.7.9"),
    ("grpc", "1.64.0", "1.68.1"),
    ("log4j-core", "2.23.1", "2.24.3"),
)
_DEPLOY_INCIDENTS = (
    "Elevated 5xx error rate",
    "p99 latency above SLO",
    "Health checks failing after rollout",
    "Error budget burn rate high",
    "Spike in failed payments",
    "Queue consumer crash-looping",
    "Memory usage climbing on new pods",
    "Checkout conversion dropped",
)
_OTHER_INCIDENTS = (
    "Disk usage above 90%",
    "TLS certificate expires in 7 days",
    "Upstream provider degraded",
    "Queue backlog growing",
    "Database replica lag",
    "DNS resolution failures",
    "Node pool out of capacity",
)
_HOTFIXES = (
    "restore previous timeout",
    "guard against empty cart",
    "roll back connection pool size",
    "fix null pointer in mapper",
    "disable new flag by default",
    "correct cache key",
)
_IMPROVEMENTS = (
    "Faster CI, builds regularly take 20+ minutes",
    "Better docs for the deploy workflow",
    "More self-service for databases",
    "Flaky staging environment, please fix",
    'Stop changing the "golden path" templates without notice',
    "Local dev setup is painful on new laptops.\nThe bootstrap script fails half-way.",
    "Nothing, keep it up!",
    "Clearer ownership of shared libraries",
    "Preview environments per pull request",
    "Shorter time to get access to production logs",
    "Fewer manual steps to release, the checklist is long",
    "Dashboards for our own services, not just the platform",
    "Make on-call handover less painful",
    "Faster code review turnaround from platform owners",
    "Secrets management is confusing, e.g. rotation, scopes, naming",
)


# ---------------------------------------------------------------------------------------------------------
# Internal simulation records
# ---------------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Person:
    name: str
    email: str
    user: dict[str, Any] | None
    """GitHub user payload; None when the commit e-mail maps to no account."""

    @property
    def login(self) -> str | None:
        return None if self.user is None else str(self.user["login"])


@dataclass(slots=True)
class _Commit:
    sha: str
    message: str
    author: _Person
    committer: _Person
    authored_at: datetime
    committed_at: datetime
    parents: list[str] = field(default_factory=list)
    verified: bool = False


@dataclass(slots=True, eq=False)
class _Pull:
    author: _Person
    title: str
    created_at: datetime
    head_ref: str
    labels: list[str]
    commits: list[_Commit]
    kind: str
    """``feature``, ``bot``, ``revert``, ``hotfix``, ``unmerged`` or ``open``."""
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    squash: bool = False
    merge_commit_sha: str = ""
    merged_by: _Person | None = None
    reverts: _Pull | None = None
    draft: bool = False
    body: str = ""
    number: int = 0
    updated_at: datetime | None = None


@dataclass(slots=True, eq=False)
class _Deploy:
    at: datetime
    kind: str
    environment: str = "production"
    duration: timedelta = timedelta(minutes=8)
    succeeded: bool = True
    rerun_at: datetime | None = None
    finished_at: datetime | None = None
    shipped: list[_Pull] = field(default_factory=list)
    sha: str = ""
    record_id: int = 0
    actor: _Person | None = None
    head_commit: _Commit | None = None


@dataclass(slots=True, eq=False)
class _Incident:
    repo: str
    created_at: datetime
    title: str
    resolved_at: datetime | None
    cause: _Deploy | None = None
    remediation: str | None = None
    remediation_pull: _Pull | None = None
    acknowledged_at: datetime | None = None
    stays_triggered: bool = False
    resolved_at_in_payload: bool = False


@dataclass(slots=True)
class _RepoSim:
    name: str
    team: _TeamSpec
    style: str
    index: int
    repo_id: int
    base_commit: _Commit
    history: dict[str, _Commit] = field(default_factory=dict)
    """Default-branch commits by SHA."""
    pulls: list[_Pull] = field(default_factory=list)
    deploys: list[_Deploy] = field(default_factory=list)
    staging: list[_Deploy] = field(default_factory=list)
    incidents: list[_Incident] = field(default_factory=list)
    pushes: list[_Commit] = field(default_factory=list)
    """Direct pushes to the default branch (no pull request), oldest first."""


# ---------------------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------------------
def generate_sample_org(end: date, days: int = 180, seed: int = 7) -> SampleOrg:
    """Build the sample organisation for the ``days`` UTC days ending with ``end`` (inclusive).

    Pure and deterministic: the same arguments always give byte-identical payloads.
    """
    if days < 14:
        raise ValueError("days must be at least 14 so every cadence has room to show")
    # Tens of thousands of acyclic dicts: pausing the cyclic collector roughly halves the build time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Generator(end=end, days=days, seed=seed).build()
    finally:
        if collecting:
            gc.enable()


class _Generator:
    def __init__(self, *, end: date, days: int, seed: int) -> None:
        self.rng = random.Random(seed)
        # Draws for data added later (reviews, direct pushes, incident issues, platform adoption) come from a
        # stream of their own, so everything generated before them stays byte-identical.
        self.extra = random.Random(f"{seed}:github-extras")
        self.seed = seed
        self.end = end
        self.start = end - timedelta(days=days - 1)
        self.window_start = datetime.combine(self.start, time(0))
        self.window_end = datetime.combine(end + timedelta(days=1), time(0))
        self.org_user = user_payload(ORGANISATION, 81000000, kind="Organization")
        self.web_flow = _Person("GitHub", "noreply@github.com", user_payload("web-flow", 19864447))
        self.actions_bot = _Person(
            "github-actions[bot]",
            "41898282+github-actions[bot]@users.noreply.github.com",
            user_payload("github-actions[bot]", 41898282, kind="Bot"),
        )
        self.bots = (
            _Person(
                "dependabot[bot]",
                "49699333+dependabot[bot]@users.noreply.github.com",
                user_payload("dependabot[bot]", 49699333, kind="Bot"),
            ),
            _Person(
                "renovate[bot]",
                "29139614+renovate[bot]@users.noreply.github.com",
                user_payload("renovate[bot]", 29139614, kind="Bot"),
            ),
        )
        self.people: dict[str, list[_Person]] = {}
        self.pd_ids: set[str] = set()
        self._workdays: list[datetime] = []
        self._commit_payloads: dict[str, dict[str, Any]] = {}
        self._platform_pins: dict[str, str] = {}
        # Catalog and workflow files came later still: their own stream keeps every earlier payload unchanged.
        self.catalog_rng = random.Random(f"{seed}:catalog-files")

    # -- small helpers ---------------------------------------------------------------------------------
    def sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"

    def pd_id(self, prefix: str, length: int) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        while True:
            candidate = prefix + "".join(self.rng.choice(alphabet) for _ in range(length))
            if candidate not in self.pd_ids:
                self.pd_ids.add(candidate)
                return candidate

    @staticmethod
    def seconds(value: float) -> timedelta:
        # Payload timestamps have whole seconds; keeping the simulation on whole seconds too means
        # "before"/"after" decisions made here agree with what the payloads show.
        return timedelta(seconds=round(value))

    def lognormal_hours(self, median: float, sigma: float = 0.9, floor: float = 0.1) -> timedelta:
        return self.seconds(3600 * max(floor, self.rng.lognormvariate(math.log(median), sigma)))

    def minutes(self, low: float, high: float) -> timedelta:
        return self.seconds(60 * self.rng.uniform(low, high))

    def poisson(self, mean: float) -> int:
        threshold, count, product = math.exp(-mean), 0, self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    def workdays(self) -> list[datetime]:
        if not self._workdays:
            day = self.window_start
            while day < self.window_end:
                if day.weekday() < 5:
                    self._workdays.append(day)
                day += timedelta(days=1)
        return self._workdays

    # -- top level -------------------------------------------------------------------------------------
    def build(self) -> SampleOrg:
        self._make_people()
        sims: list[_RepoSim] = []
        repo_index = itertools.count()
        for spec in _TEAMS:
            for service in spec.services:
                index = next(repo_index)
                style = DEPLOYMENTS_API if index % 2 == 0 else ACTIONS
                sims.append(self._simulate_repo(spec, service, style, index))
        self._add_open_incidents(sims)
        self._number_pulls(sims)
        self._plan_direct_pushes(sims)

        github = GitHubData()
        github.orgs[ORGANISATION] = organisation_payload(
            ORGANISATION,
            int(self.org_user["id"]),
            name="Acme Corp",
            description="Acme's product engineering organisation",
            created_at=datetime(2018, 3, 5, 9, 0),
            public_repos=0,
        )
        accounts = (*self.bots, self.actions_bot, self.web_flow)
        for person in itertools.chain(*self.people.values(), accounts):
            if person.user is not None:
                github.users[person.user["login"]] = full_user_payload(person.user, name=person.name)
        repo_data = {sim.name: self._render_repository(sim) for sim in sims}
        for data in repo_data.values():
            github.add_repo(data)
        self._assign_deployment_ids(sims)
        self._render_deployments(sims, repo_data)
        self._render_workflow_runs(sims, repo_data)
        self._render_releases(sims, repo_data)
        self._render_reviews(sims, repo_data)
        adoption = self._render_platform_adoption(sims, repo_data)

        teams, pagerduty, incident_ids = self._render_pagerduty(sims)
        truth = self._truth(sims, teams, incident_ids)
        truth.direct_pushes = self._push_truth(sims)
        truth.incident_issues = self._render_incident_issues(sims, repo_data, incident_ids)
        platform = self._render_catalog_files(sims, repo_data, teams, adoption)
        github.unlisted_repos[platform.full_name] = platform
        surveys = self._surveys(teams)
        return SampleOrg(
            organisation=ORGANISATION,
            start=self.start,
            end=self.end,
            seed=self.seed,
            teams=teams,
            github=github,
            pagerduty=pagerduty,
            survey_exports=surveys,
            truth=truth,
            platform_adoption=adoption,
            platform_pins=dict(self._platform_pins),
        )

    def _make_people(self) -> None:
        names = [(first, last) for first in _FIRST_NAMES for last in _LAST_NAMES]
        chosen = self.rng.sample(names, sum(spec.members for spec in _TEAMS))
        cursor = 0
        user_ids = itertools.count(5100000, 7)
        for spec in _TEAMS:
            team_people = []
            for first, last in chosen[cursor : cursor + spec.members]:
                login = f"{first}-{last}".lower()
                team_people.append(
                    _Person(
                        f"{first} {last}", f"{first}.{last}@acme.example".lower(), user_payload(login, next(user_ids))
                    )
                )
            cursor += spec.members
            self.people[spec.slug] = team_people

    # -- per-repository simulation ---------------------------------------------------------------------
    def _simulate_repo(self, spec: _TeamSpec, name: str, style: str, index: int) -> _RepoSim:
        founder = self.people[spec.slug][0]
        initial_at = self.window_start - timedelta(days=45 + self.rng.randint(0, 30))
        base = _Commit(self.sha(), "Initial commit", founder, founder, initial_at, initial_at)
        sim = _RepoSim(name, spec, style, index, 700000000 + index * 7919, base)
        merged = self._regular_pulls(sim)
        self._side_pulls(sim)
        slots = self._deploy_slots(spec, [p.merged_at for p in merged if p.merged_at])
        self._run_timeline(sim, merged, slots)
        self._unrelated_incidents(sim)
        return sim

    def _feature_pull(self, sim: _RepoSim, created_at: datetime, *, kind: str = "feature") -> _Pull:
        team = self.people[sim.team.slug]
        author = self.rng.choice(team)
        title = f"{self.rng.choice(_VERBS)} {self.rng.choice(_OBJECTS)}"
        slug = "-".join(title.lower().split()[:4])
        first_commit = created_at - self.lognormal_hours(sim.team.coding_hours)
        count = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(25, 25, 20, 15, 10, 5))[0]
        span = max((created_at - first_commit).total_seconds() - 120, 60)
        offsets = sorted([0.0] + [self.rng.uniform(0, span) for _ in range(count - 1)])
        local_part = author.name.split()[0].lower()
        # A few developers commit with an e-mail GitHub cannot map to their account.
        commit_author = (
            author if self.rng.random() > 0.05 else _Person(author.name, f"{local_part}@dev-laptop.local", None)
        )
        commits = []
        for position, offset in enumerate(offsets):
            moment = first_commit + self.seconds(offset)
            message = title if position == 0 else self.rng.choice(_WIP_MESSAGES)
            commits.append(_Commit(self.sha(), message, commit_author, commit_author, moment, moment))
        return _Pull(
            author=author,
            title=title,
            created_at=created_at,
            head_ref=f"{author.login}/{slug}",
            labels=[self.rng.choice(("feature", "bug", "chore", "tech-debt"))],
            commits=commits,
            kind=kind,
            body=f"This change will {title[0].lower()}{title[1:]}.\n\n- [x] Tests added",
        )

    def _bot_pull(self, sim: _RepoSim, created_at: datetime) -> _Pull:
        bot = self.rng.choice(self.bots)
        package, old, new = self.rng.choice(_DEPENDENCIES)
        if bot.login == "dependabot[bot]":
            title = f"Bump {package} from {old} to {new}"
            head_ref = f"dependabot/{sim.team.language.lower()}/{package}-{new}"
        else:
            title = f"chore(deps): update dependency {package} to v{new}"
            head_ref = f"renovate/{package.replace('/', '-')}-{new.split('.')[0]}.x"
        moment = created_at - timedelta(seconds=self.rng.randint(5, 90))
        commit = _Commit(self.sha(), title, bot, bot, moment, moment)
        return _Pull(
            author=bot,
            title=title,
            created_at=created_at,
            head_ref=head_ref,
            labels=["dependencies"],
            commits=[commit],
            kind="bot",
            body=f"Bumps {package} from {old} to {new}.",
        )

    def _merge(self, pull: _Pull, merged_at: datetime, team: list[_Person]) -> None:
        pull.merged_at = merged_at
        pull.closed_at = merged_at
        pull.squash = self.rng.random() < 0.45
        pull.merge_commit_sha = self.sha()
        reviewers = [p for p in team if p is not pull.author] or team
        pull.merged_by = (
            pull.author if pull.kind == "feature" and self.rng.random() < 0.5 else self.rng.choice(reviewers)
        )
        touched = merged_at + timedelta(minutes=self.rng.choice((0, 0, 1, 3, 45, 600)))
        pull.updated_at = max(merged_at, min(touched, self.window_end - timedelta(minutes=1)))

    def _regular_pulls(self, sim: _RepoSim) -> list[_Pull]:
        spec, team = sim.team, self.people[sim.team.slug]
        merged: list[_Pull] = []
        for day in self.workdays():
            for _ in range(self.poisson(spec.merges_per_workday)):
                merged_at = day + self.seconds(3600 * self.rng.uniform(8.5, 18.0))
                created_at = merged_at - self.lognormal_hours(spec.review_hours, 0.8, floor=0.15)
                if self.rng.random() < 0.08:
                    pull = self._bot_pull(sim, created_at)
                else:
                    pull = self._feature_pull(sim, created_at)
                self._merge(pull, merged_at, team)
                merged.append(pull)
        merged.sort(key=lambda p: p.merged_at or self.window_end)
        sim.pulls.extend(merged)
        return merged

    def _side_pulls(self, sim: _RepoSim) -> None:
        """Closed-without-merge and still-open PRs: noise the ingestion must not count as changes."""
        span = (self.window_end - self.window_start).total_seconds()
        for _ in range(max(1, round(len(sim.pulls) * 0.04))):
            created_at = self.window_start + self.seconds(self.rng.uniform(0, span * 0.95))
            pull = self._feature_pull(sim, created_at, kind="unmerged")
            pull.closed_at = min(created_at + self.lognormal_hours(48), self.window_end - timedelta(minutes=5))
            pull.updated_at = pull.closed_at
            pull.merge_commit_sha = self.sha()  # GitHub's test-merge commit, never on main
            sim.pulls.append(pull)
        for _ in range(self.rng.randint(1, 3)):
            created_at = self.window_end - self.seconds(3600 * self.rng.uniform(2, 240))
            pull = self._feature_pull(sim, created_at, kind="open")
            pull.draft = self.rng.random() < 0.3
            pull.merge_commit_sha = self.sha()
            pull.updated_at = created_at + timedelta(minutes=self.rng.randint(0, 90))
            sim.pulls.append(pull)

    def _deploy_slots(self, spec: _TeamSpec, merge_times: list[datetime]) -> list[datetime]:
        if spec.cadence == "continuous":
            slots: list[datetime] = []
            for merged_at in merge_times:
                # A merge landing while a pipeline is already queued rides along with it.
                if slots and slots[-1] > merged_at:
                    continue
                slots.append(merged_at + self.minutes(6, 25))
            return slots
        candidates = []
        day = self.window_start
        while day < self.window_end:
            hour = _slot_hour(spec.cadence, day)
            if hour is not None:
                candidates.append(day + timedelta(hours=hour) + self.minutes(0, 75))
            day += timedelta(days=1)
        # A slot with nothing merged since the previous one is skipped: there is nothing to ship.
        slots, previous = [], None
        for slot in candidates:
            low = bisect.bisect_right(merge_times, previous) if previous else 0
            if bisect.bisect_right(merge_times, slot) > low:
                slots.append(slot)
                previous = slot
        return slots

    def _run_timeline(self, sim: _RepoSim, merged: list[_Pull], slots: list[datetime]) -> None:
        """Walk deployments in time order: failures, retries, incidents and their remediation."""
        spec, team = sim.team, self.people[sim.team.slug]
        merge_times = [p.merged_at for p in merged if p.merged_at]
        order = itertools.count()
        queue: list[tuple[datetime, int, _Deploy]] = [(slot, next(order), _Deploy(slot, "regular")) for slot in slots]
        heapq.heapify(queue)
        last_success: datetime | None = None
        while queue:
            at, _, deploy = heapq.heappop(queue)
            if at >= self.window_end:
                continue
            deploy.actor = self.rng.choice(team)
            deploy.duration = self.minutes(4, 14)
            failed = deploy.kind in ("regular", "retry") and self.rng.random() < spec.deploy_failure
            deploy.finished_at = at + deploy.duration
            if failed:
                retry_at = deploy.finished_at + self.minutes(12, 50)
                if sim.style == ACTIONS and deploy.kind == "regular" and self.rng.random() < 0.35:
                    # Re-running the failed job keeps the run id; only attempt 2 stays visible.
                    deploy.kind = "rerun"
                    deploy.rerun_at = retry_at
                    deploy.finished_at = retry_at + self.minutes(4, 14)
                else:
                    deploy.succeeded = False
                    deploy.duration = self.minutes(2, 9)
                    deploy.finished_at = at + deploy.duration
                    if retry_at < self.window_end:
                        heapq.heappush(queue, (retry_at, next(order), _Deploy(retry_at, "retry")))
            if deploy.finished_at >= self.window_end:
                continue
            sim.deploys.append(deploy)
            if not deploy.succeeded:
                continue
            low = bisect.bisect_right(merge_times, last_success) if last_success else 0
            high = bisect.bisect_right(merge_times, at)
            deploy.shipped = merged[low:high]
            last_success = at
            if deploy.kind == "regular" and deploy.shipped and self.rng.random() < spec.change_failure:
                emergency = self._deployment_incident(sim, deploy, merged, merge_times)
                if emergency is not None:
                    heapq.heappush(queue, (emergency.at, next(order), emergency))

    def _deployment_incident(
        self, sim: _RepoSim, cause: _Deploy, merged: list[_Pull], merge_times: list[datetime]
    ) -> _Deploy | None:
        assert cause.finished_at is not None
        spec, team = sim.team, self.people[sim.team.slug]
        started = cause.finished_at + min(self.lognormal_hours(0.7, 0.9, floor=0.05), timedelta(hours=6))
        if started >= self.window_end - timedelta(minutes=30):
            return None
        incident = _Incident(sim.name, started, self.rng.choice(_DEPLOY_INCIDENTS), None, cause=cause)
        sim.incidents.append(incident)
        roll = self.rng.random()
        remediation = "revert" if roll < 0.4 else "hotfix" if roll < 0.7 else None
        fix_created = started + self.minutes(10, 60)
        fix_merged = fix_created + self.minutes(5, 40)
        ship_at = fix_merged + self.minutes(4, 12)
        if remediation is None or ship_at + timedelta(minutes=30) >= self.window_end:
            incident.resolved_at = started + self.lognormal_hours(spec.mttr_hours, 1.0, floor=0.08)
            return None
        if remediation == "revert":
            target = next((p for p in reversed(cause.shipped) if p.kind != "bot"), cause.shipped[-1])
            author = self.rng.choice(team)
            moment = fix_created - timedelta(seconds=self.rng.randint(20, 200))
            title = f'Revert "{target.title}"'
            commit = _Commit(
                self.sha(), f"{title}\n\nThis reverts commit {target.merge_commit_sha}.", author, author, moment, moment
            )
            fix = _Pull(author, title, fix_created, "", [], [commit], "revert", reverts=target)
        else:
            fix = self._feature_pull(sim, fix_created, kind="hotfix")
            fix.title = f"Hotfix: {self.rng.choice(_HOTFIXES)}"
            fix.head_ref = "hotfix/" + "-".join(fix.title.lower().split()[1:5])
            fix.labels = ["hotfix"]
            fix.body = f"Mitigates the incident opened at {iso(started)}."
            span = (fix_created - started).total_seconds()
            for position, commit in enumerate(fix.commits[:2]):
                commit.authored_at = commit.committed_at = started + self.seconds(span * (0.3 + 0.3 * position))
            fix.commits = fix.commits[:2]
        self._merge(fix, fix_merged, team)
        index = bisect.bisect_right(merge_times, fix_merged)
        merge_times.insert(index, fix_merged)
        merged.insert(index, fix)
        sim.pulls.append(fix)
        incident.remediation, incident.remediation_pull = remediation, fix
        incident.resolved_at = ship_at + self.minutes(12, 30)
        return _Deploy(ship_at, "emergency")

    def _unrelated_incidents(self, sim: _RepoSim) -> None:
        days = (self.window_end - self.window_start).days
        span = (self.window_end - self.window_start).total_seconds()
        for _ in range(self.poisson(sim.team.unrelated_per_month * days / 30)):
            started = self.window_start + self.seconds(self.rng.uniform(0, span - 3600))
            resolved = started + self.lognormal_hours(sim.team.mttr_hours, 1.1, floor=0.05)
            sim.incidents.append(_Incident(sim.name, started, self.rng.choice(_OTHER_INCIDENTS), resolved))

    def _add_open_incidents(self, sims: list[_RepoSim]) -> None:
        """Two incidents still open at the end of the window: one triggered, one acknowledged."""
        by_team = {sim.team.slug: sim for sim in reversed(sims)}
        triggered = _Incident(
            by_team["billing"].name,
            self.window_end - timedelta(hours=2, minutes=17),
            "Queue backlog growing",
            None,
            stays_triggered=True,
        )
        acknowledged = _Incident(
            by_team["data-platform"].name,
            self.window_end - timedelta(hours=20, minutes=41),
            "Database replica lag",
            None,
        )
        acknowledged.acknowledged_at = acknowledged.created_at + timedelta(minutes=9)
        by_team["billing"].incidents.append(triggered)
        by_team["data-platform"].incidents.append(acknowledged)

    def _number_pulls(self, sims: list[_RepoSim]) -> None:
        for sim in sims:
            sim.pulls.sort(key=lambda p: (p.created_at, p.head_ref))
            for number, pull in enumerate(sim.pulls, start=1):
                pull.number = number
            for pull in sim.pulls:
                if pull.kind == "revert" and pull.reverts is not None:
                    original = pull.reverts
                    pull.head_ref = f"revert-{original.number}-{original.head_ref}"
                    pull.body = f"Reverts {ORGANISATION}/{sim.name}#{original.number}"
                    pull.labels = []

    # -- GitHub rendering ------------------------------------------------------------------------------
    def _render_repository(self, sim: _RepoSim) -> GitHubRepoData:
        spec = sim.team
        merged = sorted((p for p in sim.pulls if p.merged_at), key=lambda p: p.merged_at or self.window_end)
        pushed_at = merged[-1].merged_at if merged else sim.base_commit.committed_at
        repository = repository_payload(
            self.org_user,
            sim.name,
            sim.repo_id,
            description=f"{sim.name} service, owned by the {spec.display_name} team",
            language=spec.language,
            topics=[f"team-{spec.slug}", "service", spec.language.lower()],
            created_at=sim.base_commit.committed_at - timedelta(days=self.rng.randint(200, 900)),
            pushed_at=pushed_at or self.window_start,
        )
        data = GitHubRepoData(repository=repository, repository_extras=full_repository_extras(self.org_user))
        self._render_history(sim, data, merged)
        for pull in sim.pulls:
            payload = self._pull_payload(sim, repository, pull)
            data.pulls.append(payload)
            data.pull_details[pull.number] = pull_request_extras(
                payload, commits=len(pull.commits), merged_by=pull.merged_by.user if pull.merged_by else None
            )
            data.pull_commits[pull.number] = [self._commit_payload(sim.name, c) for c in pull.commits]
        return data

    def _render_history(self, sim: _RepoSim, data: GitHubRepoData, merged: list[_Pull]) -> None:
        """Default-branch history: PR commits plus merge commits, or one squash commit per PR."""
        head = sim.base_commit.sha
        history = [sim.base_commit]
        pushes = list(sim.pushes)
        for pull in merged:
            assert pull.merged_at is not None and pull.merged_by is not None
            while pushes and pushes[0].committed_at < pull.merged_at:
                push = pushes.pop(0)
                push.parents = [head]
                history.append(push)
                head = push.sha
            parent = head
            for commit in pull.commits:
                commit.parents = [parent]
                parent = commit.sha
            if pull.squash:
                message = f"{pull.title} (#{pull.number})"
                if len(pull.commits) > 1:
                    message += "\n\n" + "\n".join(f"* {c.message.splitlines()[0]}" for c in pull.commits)
                merge = _Commit(
                    pull.merge_commit_sha,
                    message,
                    pull.author,
                    self.web_flow,
                    pull.commits[0].authored_at,
                    pull.merged_at,
                    [head],
                    verified=True,
                )
            else:
                history.extend(pull.commits)
                message = f"Merge pull request #{pull.number} from {ORGANISATION}/{pull.head_ref}\n\n{pull.title}"
                merge = _Commit(
                    pull.merge_commit_sha,
                    message,
                    pull.merged_by,
                    self.web_flow,
                    pull.merged_at,
                    pull.merged_at,
                    [head, parent],
                    verified=True,
                )
            history.append(merge)
            head = merge.sha
        for push in pushes:
            push.parents = [head]
            history.append(push)
            head = push.sha
        sim.history = {c.sha: c for c in history}
        data.commits = [self._commit_payload(sim.name, c) for c in history]
        for pull in sim.pulls:
            if not pull.merged_at:
                for commit in pull.commits:
                    commit.parents = [head]

    def _commit_payload(self, repo: str, commit: _Commit) -> dict[str, Any]:
        # History and PR-commit lists show the same object for a commit, so build it once.
        cached = self._commit_payloads.get(commit.sha)
        if cached is None:
            cached = self._commit_payloads[commit.sha] = self._build_commit_payload(repo, commit)
        return cached

    def _build_commit_payload(self, repo: str, commit: _Commit) -> dict[str, Any]:
        api = f"{API}/repos/{ORGANISATION}/{repo}"
        tree = _derived_sha(commit.sha, "tree")
        return {
            "sha": commit.sha,
            "node_id": node_id("Commit", int(commit.sha[:12], 16)),
            "commit": {
                "author": {"name": commit.author.name, "email": commit.author.email, "date": iso(commit.authored_at)},
                "committer": {
                    "name": commit.committer.name,
                    "email": commit.committer.email,
                    "date": iso(commit.committed_at),
                },
                "message": commit.message,
                "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
                "url": f"{api}/git/commits/{commit.sha}",
                "comment_count": 0,
                "verification": {
                    "verified": commit.verified,
                    "reason": "valid" if commit.verified else "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": iso(commit.committed_at) if commit.verified else None,
                },
            },
            "url": f"{api}/commits/{commit.sha}",
            "html_url": f"{WEB}/{ORGANISATION}/{repo}/commit/{commit.sha}",
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "author": commit.author.user,
            "committer": commit.committer.user,
            "parents": [
                {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{WEB}/{ORGANISATION}/{repo}/commit/{p}"}
                for p in commit.parents
            ],
        }

    def _pull_payload(self, sim: _RepoSim, repository: dict[str, Any], pull: _Pull) -> dict[str, Any]:
        api = f"{API}/repos/{ORGANISATION}/{sim.name}"
        pull_id = _pull_id(sim, pull)
        head_sha = pull.commits[-1].sha
        base_sha = pull.commits[0].parents[0] if pull.commits[0].parents else sim.base_commit.sha
        state = "open" if pull.kind == "open" else "closed"
        labels = [
            {
                "id": 6000000000 + sum(map(ord, name)),
                "node_id": node_id("Label", sum(map(ord, name))),
                "url": f"{api}/labels/{name}",
                "name": name,
                "color": {"hotfix": "d93f0b", "dependencies": "0366d6"}.get(name, "ededed"),
                "default": name == "bug",
                "description": None,
            }
            for name in pull.labels
        ]
        author = pull.author.user
        association = "NONE" if author and author["type"] == "Bot" else "MEMBER"
        return {
            "url": f"{api}/pulls/{pull.number}",
            "id": pull_id,
            "node_id": node_id("PullRequest", pull_id),
            "html_url": f"{WEB}/{ORGANISATION}/{sim.name}/pull/{pull.number}",
            "diff_url": f"{WEB}/{ORGANISATION}/{sim.name}/pull/{pull.number}.diff",
            "patch_url": f"{WEB}/{ORGANISATION}/{sim.name}/pull/{pull.number}.patch",
            "issue_url": f"{api}/issues/{pull.number}",
            "number": pull.number,
            "state": state,
            "locked": False,
            "title": pull.title,
            "user": author,
            "body": pull.body or None,
            "created_at": iso(pull.created_at),
            "updated_at": iso(pull.updated_at or pull.created_at),
            "closed_at": iso(pull.closed_at) if pull.closed_at else None,
            "merged_at": iso(pull.merged_at) if pull.merged_at else None,
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": labels,
            "milestone": None,
            "draft": pull.draft,
            "commits_url": f"{api}/pulls/{pull.number}/commits",
            "review_comments_url": f"{api}/pulls/{pull.number}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{pull.number}/comments",
            "statuses_url": f"{api}/statuses/{head_sha}",
            "head": {
                "label": f"{ORGANISATION}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": head_sha,
                "user": self.org_user,
                "repo": repository,
            },
            "base": {
                "label": f"{ORGANISATION}:main",
                "ref": "main",
                "sha": base_sha,
                "user": self.org_user,
                "repo": repository,
            },
            "_links": {
                "self": {"href": f"{api}/pulls/{pull.number}"},
                "html": {"href": f"{WEB}/{ORGANISATION}/{sim.name}/pull/{pull.number}"},
                "issue": {"href": f"{api}/issues/{pull.number}"},
                "comments": {"href": f"{api}/issues/{pull.number}/comments"},
                "review_comments": {"href": f"{api}/pulls/{pull.number}/comments"},
                "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/pulls/{pull.number}/commits"},
                "statuses": {"href": f"{api}/statuses/{head_sha}"},
            },
            "author_association": association,
            "auto_merge": None,
            "active_lock_reason": None,
        }

    def _assign_deployment_ids(self, sims: list[_RepoSim]) -> None:
        """SHAs from the merge timeline, staging twins, then org-wide ids in creation order."""
        for sim in sims:
            merged = sorted((p for p in sim.pulls if p.merged_at), key=lambda p: p.merged_at or self.window_end)
            times = [p.merged_at for p in merged if p.merged_at]
            lookup = {p.merge_commit_sha: p for p in merged}
            for deploy in sim.deploys:
                index = bisect.bisect_right(times, deploy.at) - 1
                deploy.sha = merged[index].merge_commit_sha if index >= 0 else sim.base_commit.sha
                if sim.style == DEPLOYMENTS_API and deploy.kind in ("regular", "emergency"):
                    shipped_at = lookup[deploy.sha].merged_at if deploy.sha in lookup else None
                    earliest = (shipped_at or self.window_start) + timedelta(minutes=1)
                    staging_at = max(earliest, deploy.at - self.minutes(5, 40))
                    if staging_at < deploy.at - timedelta(minutes=2):
                        twin = _Deploy(staging_at, deploy.kind, environment="staging", sha=deploy.sha)
                        twin.duration = self.minutes(3, 9)
                        twin.finished_at = staging_at + twin.duration
                        twin.actor = deploy.actor
                        sim.staging.append(twin)
        records = [
            (d.at, sim.repo_id, d.environment, d)
            for sim in sims
            if sim.style == DEPLOYMENTS_API
            for d in itertools.chain(sim.deploys, sim.staging)
        ]
        records.sort(key=lambda r: (r[0], r[1], r[2]))
        ids = itertools.count(1400000000, 13)
        for *_, deploy in records:
            deploy.record_id = next(ids)

    def _render_deployments(self, sims: list[_RepoSim], repos: dict[str, GitHubRepoData]) -> None:
        status_ids = itertools.count(3200000000, 17)
        pending: list[tuple[datetime, int, dict[str, Any]]] = []
        for sim in sims:
            if sim.style != DEPLOYMENTS_API:
                continue
            data = repos[sim.name]
            api = f"{API}/repos/{ORGANISATION}/{sim.name}"
            for deploy in sorted(itertools.chain(sim.deploys, sim.staging), key=lambda d: d.at):
                assert deploy.finished_at is not None
                production = deploy.environment == "production"
                url = f"{api}/deployments/{deploy.record_id}"
                data.deployments.append(
                    {
                        "url": url,
                        "id": deploy.record_id,
                        "node_id": node_id("Deployment", deploy.record_id),
                        "task": "deploy",
                        "original_environment": deploy.environment,
                        "environment": deploy.environment,
                        "description": f"Deploy {deploy.sha[:7]} to {deploy.environment}",
                        "created_at": iso(deploy.at),
                        "updated_at": iso(deploy.finished_at),
                        "statuses_url": f"{url}/statuses",
                        "repository_url": api,
                        "creator": self.actions_bot.user,
                        "sha": deploy.sha,
                        "ref": "main",
                        "payload": {"triggered_by": deploy.actor.login if deploy.actor else None},
                        "transient_environment": False,
                        "production_environment": production,
                        "performed_via_github_app": None,
                    }
                )
                started = deploy.at + timedelta(seconds=self.rng.randint(3, 25))
                statuses = [("in_progress", started, "Deployment started")]
                final = "success" if deploy.succeeded else "failure"
                statuses.append(
                    (final, deploy.finished_at, f"Deployment {'finished' if deploy.succeeded else 'failed'}")
                )
                data.deployment_statuses[deploy.record_id] = []
                for state, moment, description in statuses:
                    status = {
                        "url": "",
                        "id": 0,
                        "node_id": "",
                        "state": state,
                        "creator": self.actions_bot.user,
                        "description": description,
                        "environment": deploy.environment,
                        "target_url": f"{WEB}/{ORGANISATION}/{sim.name}/actions",
                        "log_url": f"{WEB}/{ORGANISATION}/{sim.name}/actions",
                        "environment_url": f"https://{sim.name}.{'' if production else 'staging.'}acme.example",
                        "created_at": iso(moment),
                        "updated_at": iso(moment),
                        "deployment_url": url,
                        "repository_url": api,
                        "performed_via_github_app": None,
                    }
                    data.deployment_statuses[deploy.record_id].append(status)
                    pending.append((moment, deploy.record_id, status))
        pending.sort(key=lambda p: (p[0], p[1], p[2]["state"] != "in_progress"))
        for *_, status in pending:
            status_id = next(status_ids)
            status["id"] = status_id
            status["node_id"] = node_id("DeploymentStatus", status_id)
            status["url"] = f"{status['deployment_url']}/statuses/{status_id}"

    def _render_workflow_runs(self, sims: list[_RepoSim], repos: dict[str, GitHubRepoData]) -> None:
        """CI runs for every PR (event ``pull_request``) and, in Actions repositories, one "Deploy" run
        per production deployment attempt (event ``push`` on ``main``). Run ids grow with creation time
        across the organisation, as on GitHub."""
        workflow_ids = itertools.count(91000000, 101)
        runs: list[tuple[datetime, int, _RepoSim, dict[str, Any], dict[str, Any], _Deploy | None]] = []
        for sim in sims:
            data = repos[sim.name]
            created = iso(sim.base_commit.committed_at + timedelta(days=2))
            workflows = {"CI": CI_WORKFLOW_PATH}
            if sim.style == ACTIONS:
                workflows["Deploy"] = DEPLOY_WORKFLOW_PATH
            for name, path in workflows.items():
                workflow_id = next(workflow_ids)
                data.workflows.append(
                    {
                        "id": workflow_id,
                        "node_id": node_id("Workflow", workflow_id),
                        "name": name,
                        "path": path,
                        "state": "active",
                        "created_at": created,
                        "updated_at": created,
                        "url": f"{API}/repos/{ORGANISATION}/{sim.name}/actions/workflows/{workflow_id}",
                        "html_url": f"{WEB}/{ORGANISATION}/{sim.name}/blob/main/{path}",
                        "badge_url": f"{WEB}/{ORGANISATION}/{sim.name}/workflows/{name}/badge.svg",
                    }
                )
            by_name = {w["name"]: w for w in data.workflows}
            for pull in sim.pulls:
                started = pull.created_at + timedelta(seconds=self.rng.randint(20, 120))
                succeeded = self.rng.random() > 0.1
                run = self._run_payload(
                    sim,
                    data,
                    by_name["CI"],
                    event="pull_request",
                    branch=pull.head_ref,
                    head=pull.commits[-1],
                    created_at=started,
                    started_at=started,
                    finished_at=started + self.minutes(3, 12),
                    conclusion="success" if succeeded else "failure",
                    actor=pull.author,
                    attempt=1,
                )
                side = {"id": sim.repo_id, "url": data.repository["url"], "name": sim.name}
                run["pull_requests"] = [
                    {
                        "url": f"{API}/repos/{ORGANISATION}/{sim.name}/pulls/{pull.number}",
                        "id": _pull_id(sim, pull),
                        "number": pull.number,
                        "head": {"ref": pull.head_ref, "sha": pull.commits[-1].sha, "repo": side},
                        "base": {"ref": "main", "sha": (pull.commits[0].parents or [""])[0], "repo": side},
                    }
                ]
                runs.append((started, sim.repo_id, sim, by_name["CI"], run, None))
            if sim.style != ACTIONS:
                continue
            merged = {p.merge_commit_sha: p for p in sim.pulls if p.merged_at}
            for deploy in sim.deploys:
                assert deploy.finished_at is not None
                source = merged.get(deploy.sha)
                # The push that triggers the run is the merge, so its author is whoever merged.
                actor = (source.merged_by if source else None) or deploy.actor or self.web_flow
                run = self._run_payload(
                    sim,
                    data,
                    by_name["Deploy"],
                    event="push",
                    branch="main",
                    head=sim.history.get(deploy.sha, sim.base_commit),
                    created_at=deploy.at,
                    started_at=deploy.rerun_at or deploy.at + timedelta(seconds=self.rng.randint(2, 15)),
                    finished_at=deploy.finished_at,
                    conclusion="success" if deploy.succeeded else "failure",
                    actor=actor,
                    attempt=2 if deploy.kind == "rerun" else 1,
                    triggering_actor=deploy.actor if deploy.kind == "rerun" else None,
                )
                runs.append((deploy.at, sim.repo_id, sim, by_name["Deploy"], run, deploy))
        runs.sort(key=lambda r: (r[0], r[1], r[3]["id"]))
        run_ids = itertools.count(15000000000, 7)
        run_numbers: dict[int, itertools.count[int]] = {}
        for _, _, sim, workflow, run, deploy in runs:
            run_id = next(run_ids)
            self._set_run_id(sim, run, run_id)
            if deploy is not None:
                deploy.record_id = run_id
            run["run_number"] = next(run_numbers.setdefault(workflow["id"], itertools.count(1)))
            repos[sim.name].workflow_runs.append(run)

    def _set_run_id(self, sim: _RepoSim, run: dict[str, Any], run_id: int) -> None:
        api = f"{API}/repos/{ORGANISATION}/{sim.name}/actions/runs/{run_id}"
        run["id"] = run_id
        run["node_id"] = node_id("WorkflowRun", run_id)
        run["url"] = api
        run["html_url"] = f"{WEB}/{ORGANISATION}/{sim.name}/actions/runs/{run_id}"
        for suffix in ("jobs", "logs", "artifacts", "cancel", "rerun"):
            run[f"{suffix}_url"] = f"{api}/{suffix}"
        run["previous_attempt_url"] = f"{api}/attempts/1" if run["run_attempt"] > 1 else None

    def _run_payload(
        self,
        sim: _RepoSim,
        data: GitHubRepoData,
        workflow: dict[str, Any],
        *,
        event: str,
        branch: str,
        head: _Commit,
        created_at: datetime,
        started_at: datetime,
        finished_at: datetime,
        conclusion: str,
        actor: _Person,
        attempt: int,
        triggering_actor: _Person | None = None,
    ) -> dict[str, Any]:
        check_suite = 27000000000 + int(head.sha[:8], 16) + int(created_at.timestamp()) % 100000
        run: dict[str, Any] = {
            "id": 0,
            "name": workflow["name"],
            "node_id": "",
            "head_branch": branch,
            "head_sha": head.sha,
            "path": workflow["path"],
            "display_title": head.message.splitlines()[0],
            "run_number": 0,
            "event": event,
            "status": "completed",
            "conclusion": conclusion,
            "workflow_id": workflow["id"],
            "check_suite_id": check_suite,
            "check_suite_node_id": node_id("CheckSuite", check_suite),
            "url": "",
            "html_url": "",
            "pull_requests": [],
            "created_at": iso(created_at),
            "updated_at": iso(finished_at),
            "actor": actor.user,
            "run_attempt": attempt,
            "referenced_workflows": [],
            "run_started_at": iso(started_at),
            "triggering_actor": (triggering_actor or actor).user,
            "jobs_url": "",
            "logs_url": "",
            "check_suite_url": f"{API}/repos/{ORGANISATION}/{sim.name}/check-suites/{check_suite}",
            "artifacts_url": "",
            "cancel_url": "",
            "rerun_url": "",
            "previous_attempt_url": None,
            "workflow_url": workflow["url"],
            "head_commit": {
                "id": head.sha,
                "tree_id": _derived_sha(head.sha, "tree"),
                "message": head.message,
                "timestamp": iso(head.committed_at),
                "author": {"name": head.author.name, "email": head.author.email},
                "committer": {"name": head.committer.name, "email": head.committer.email},
            },
            "repository": data.repository,
            "head_repository": data.repository,
        }
        return run

    def _render_releases(self, sims: list[_RepoSim], repos: dict[str, GitHubRepoData]) -> None:
        release_ids = itertools.count(210000000, 29)
        for sim in sims:
            data = repos[sim.name]
            api = f"{API}/repos/{ORGANISATION}/{sim.name}"
            weekly = sim.team.cadence in ("continuous", "daily", "few_weekly")
            seen_weeks: set[tuple[int, ...]] = set()
            minor = 0
            for deploy in sim.deploys:
                if not deploy.succeeded or deploy.environment != "production":
                    continue
                week = tuple(deploy.at.isocalendar())[:2]
                if weekly and week in seen_weeks:
                    continue
                seen_weeks.add(week)
                minor += 1
                tag, release_id = f"v1.{minor}.0", next(release_ids)
                author = deploy.actor.user if deploy.actor else None
                data.releases.append(
                    {
                        "url": f"{api}/releases/{release_id}",
                        "assets_url": f"{api}/releases/{release_id}/assets",
                        "upload_url": f"https://uploads.github.com/repos/{ORGANISATION}/{sim.name}/releases/"
                        f"{release_id}/assets{{?name,label}}",
                        "html_url": f"{WEB}/{ORGANISATION}/{sim.name}/releases/tag/{tag}",
                        "id": release_id,
                        "author": author,
                        "node_id": node_id("Release", release_id),
                        "tag_name": tag,
                        "target_commitish": deploy.sha,
                        "name": f"{sim.name} {tag}",
                        "draft": False,
                        "immutable": False,
                        "prerelease": False,
                        "created_at": iso(deploy.at - timedelta(minutes=3)),
                        "published_at": iso(deploy.at - timedelta(minutes=2)),
                        "assets": [],
                        "tarball_url": f"{api}/tarball/{tag}",
                        "zipball_url": f"{api}/zipball/{tag}",
                        "body": f"Release {tag}",
                    }
                )
                data.tags.append(
                    {
                        "name": tag,
                        "zipball_url": f"{api}/zipball/refs/tags/{tag}",
                        "tarball_url": f"{api}/tarball/refs/tags/{tag}",
                        "commit": {"sha": deploy.sha, "url": f"{api}/commits/{deploy.sha}"},
                        "node_id": node_id("Ref", release_id),
                    }
                )

    # -- additions drawn from the extra stream -----------------------------------------------------------
    def _extra_sha(self) -> str:
        return f"{self.extra.getrandbits(160):040x}"

    def _extra_seconds(self, low: float, high: float) -> timedelta:
        return self.seconds(self.extra.uniform(low, high))

    def _plan_direct_pushes(self, sims: list[_RepoSim]) -> None:
        """A few commits per repository pushed straight to main: small fixes by people, release bookkeeping by
        the Actions bot. They land between merges, so the next deployment ships them."""
        span = (self.window_end - self.window_start).total_seconds()
        for sim in sims:
            team = self.people[sim.team.slug]
            for _ in range(self.extra.randint(2, 6)):
                moment = self.window_start + self._extra_seconds(0, span * 0.97)
                if self.extra.random() < 0.3:
                    person, message = self.actions_bot, f"chore(release): update changelog of {sim.name}"
                else:
                    person = self.extra.choice(team)
                    message = self.extra.choice(_DIRECT_PUSH_MESSAGES)
                sim.pushes.append(_Commit(self._extra_sha(), message, person, person, moment, moment))
            sim.pushes.sort(key=lambda c: (c.committed_at, c.sha))

    def _push_truth(self, sims: list[_RepoSim]) -> list[DirectPushTruth]:
        pushes = [
            DirectPushTruth(
                repository=sim.name,
                sha=push.sha,
                author=push.author.login,
                authored_at=push.authored_at.replace(tzinfo=UTC),
                by_bot=push.author is self.actions_bot,
            )
            for sim in sims
            for push in sim.pushes
        ]
        return sorted(pushes, key=lambda p: (p.authored_at, p.sha))

    def _render_reviews(self, sims: list[_RepoSim], repos: dict[str, GitHubRepoData]) -> None:
        """Reviews between opening and merge: a first review after a pickup delay, a later approval when the
        first one asked for changes; a few authors comment on their own pull request first, and a few pull
        requests are merged with no review at all."""
        review_ids = itertools.count(2400000000, 11)
        for sim in sims:
            data = repos[sim.name]
            full = data.full_name
            team = self.people[sim.team.slug]
            for pull in sorted(sim.pulls, key=lambda p: p.number):
                end = pull.merged_at or pull.closed_at or self.window_end - timedelta(minutes=1)
                span = (end - pull.created_at).total_seconds()
                unreviewed = self.extra.random() < (0.07 if pull.kind in ("feature", "hotfix") else 0.0)
                if span < 300 or unreviewed or (pull.kind == "open" and self.extra.random() < 0.5):
                    data.pull_reviews[pull.number] = []
                    continue
                head = pull.commits[-1].sha
                reviewers = [p for p in team if p is not pull.author] or team
                items: list[tuple[datetime, _Person, str]] = []
                if pull.author.user is not None and pull.kind != "bot" and self.extra.random() < 0.12:
                    items.append((pull.created_at + self.seconds(span * 0.02), pull.author, "COMMENTED"))
                first_at = pull.created_at + self.seconds(span * self.extra.uniform(0.05, 0.7))
                state = (
                    "APPROVED" if self.extra.random() < 0.6 else self.extra.choice(("COMMENTED", "CHANGES_REQUESTED"))
                )
                items.append((first_at, self.extra.choice(reviewers), state))
                if state != "APPROVED" and pull.merged_at is not None:
                    later = first_at + self.seconds((end - first_at).total_seconds() * self.extra.uniform(0.3, 0.95))
                    items.append((later, self.extra.choice(reviewers), "APPROVED"))
                data.pull_reviews[pull.number] = [
                    review_payload(full, pull.number, next(review_ids), person.user, kind, moment, head)
                    for moment, person, kind in sorted(items, key=lambda item: item[0])
                    if person.user is not None
                ]

    def _render_platform_adoption(
        self, sims: list[_RepoSim], repos: dict[str, GitHubRepoData]
    ) -> dict[str, datetime | None]:
        """Actions repositories move their deploy.yml onto the platform's reusable workflow at different times:
        some before the window, some during it, some never; one stays pinned to the older ``@v1``."""
        adoption: dict[str, datetime | None] = {sim.name: None for sim in sims}
        actions = [sim for sim in sims if sim.style == ACTIONS]
        plans = ["before", "before", "before", "during", "during", "during", "during", "never", "never", "never"]
        span = (self.window_end - self.window_start).total_seconds()
        for index, sim in enumerate(actions):
            plan = plans[index % len(plans)]
            if plan == "never":
                continue
            if plan == "before":
                adopted = self.window_start - timedelta(days=self.extra.randint(10, 60))
            else:
                adopted = self.window_start + self.seconds(span * self.extra.uniform(0.2, 0.8))
            adoption[sim.name] = adopted
            version = "v1" if index == 1 else "v2"
            self._platform_pins[sim.name] = version
            reference = {
                "path": f"{PLATFORM_WORKFLOW}@{version}",
                "sha": _derived_sha(f"platform-{version}", "platform-workflows"),
                "ref": f"refs/tags/{version}",
            }
            for run in repos[sim.name].workflow_runs:
                if run["path"] == DEPLOY_WORKFLOW_PATH and run["created_at"] >= iso(adopted):
                    run["referenced_workflows"] = [dict(reference)]
        return adoption

    def _render_incident_issues(
        self, sims: list[_RepoSim], repos: dict[str, GitHubRepoData], incident_ids: dict[int, str]
    ) -> list[IncidentIssueTruth]:
        """GitHub issues labelled ``incident``: the Search and Fulfilment teams open one for every incident,
        other teams now and then for a deployment-caused one. Bodies name the causing deployment, run, commit
        or pull request in the ways people write them; a few bug reports are noise."""
        truth: list[IncidentIssueTruth] = []
        issue_ids = itertools.count(3500000000, 7)
        mirroring = {"search", "fulfilment"}
        for sim in sims:
            data = repos[sim.name]
            number = itertools.count(max((p.number for p in sim.pulls), default=0) + 1)
            team = self.people[sim.team.slug]
            planned: list[tuple[datetime, _Incident | None]] = []
            for incident in sorted(sim.incidents, key=lambda i: i.created_at):
                if sim.team.slug in mirroring or (incident.cause is not None and self.extra.random() < 0.08):
                    planned.append((incident.created_at + self._extra_seconds(180, 1500), incident))
            if sim.team.slug in mirroring:
                span = (self.window_end - self.window_start).total_seconds()
                for _ in range(2):
                    planned.append((self.window_start + self._extra_seconds(0, span * 0.95), None))
            for opened, incident in sorted(planned, key=lambda p: p[0]):
                if opened >= self.window_end - timedelta(minutes=1):
                    continue
                author = self.extra.choice(team)
                if incident is None:
                    closed = opened + self.lognormal_hours(30) if self.extra.random() < 0.7 else None
                    closed = closed if closed is not None and closed < self.window_end else None
                    data.issues.append(
                        issue_payload(
                            data.full_name,
                            next(number),
                            next(issue_ids),
                            title=f"{self.extra.choice(_OBJECTS).capitalize()} misbehaves under load",
                            body="Seen in staging; no customer impact.",
                            user=author.user or self.web_flow.user,  # type: ignore[arg-type]
                            labels=["bug"],
                            created_at=opened,
                            closed_at=closed,
                        )
                    )
                    continue
                resolved = (
                    incident.resolved_at if incident.resolved_at and incident.resolved_at < self.window_end else None
                )
                closed = resolved + self._extra_seconds(60, 1800) if resolved else None
                closed = closed if closed is not None and closed < self.window_end else None
                body, mentions = self._incident_issue_body(sim, incident)
                issue_number = next(number)
                data.issues.append(
                    issue_payload(
                        data.full_name,
                        issue_number,
                        next(issue_ids),
                        title=f"Incident: {incident.title}",
                        body=body,
                        user=author.user or self.web_flow.user,  # type: ignore[arg-type]
                        labels=[INCIDENT_LABEL, "sev2" if incident.cause is not None else "sev3"],
                        created_at=opened,
                        closed_at=closed,
                        closed_by=author.user,
                    )
                )
                truth.append(
                    IncidentIssueTruth(
                        repository=sim.name,
                        number=issue_number,
                        incident_id=incident_ids.get(id(incident)),
                        created_at=opened.replace(tzinfo=UTC),
                        closed_at=closed.replace(tzinfo=UTC) if closed else None,
                        caused_by=incident.cause.record_id if incident.cause else None,
                        **mentions,
                    )
                )
        return sorted(truth, key=lambda t: (t.created_at, t.repository, t.number))

    def _incident_issue_body(self, sim: _RepoSim, incident: _Incident) -> tuple[str, dict[str, Any]]:
        lines = [f"**What:** {incident.title} on {sim.name}.", f"**Started:** {iso(incident.created_at)}"]
        mentions: dict[str, Any] = {}
        cause = incident.cause
        if cause is not None:
            style = self.extra.randrange(3)
            pull = cause.shipped[-1] if cause.shipped else None
            if sim.style == DEPLOYMENTS_API and style < 2:
                lines.append(f"Began right after deployment {cause.record_id} of `{cause.sha[:7]}` to production.")
                mentions.update(mentions_deployment_id=cause.record_id, mentions_sha=cause.sha[:7])
            elif sim.style == ACTIONS and style < 2:
                url = f"{WEB}/{ORGANISATION}/{sim.name}/actions/runs/{cause.record_id}"
                lines.append(f"Deploy run {url} shipped commit {cause.sha}.")
                mentions.update(mentions_run_id=cause.record_id, mentions_sha=cause.sha)
            else:
                lines.append(f"Suspect commit {cause.sha} went out with the last deploy.")
                mentions.update(mentions_sha=cause.sha)
            if pull is not None and pull.kind != "bot":
                lines.append(f"Possibly caused by {ORGANISATION}/{sim.name}#{pull.number}.")
                mentions.update(mentions_pull=pull.number)
        else:
            lines.append("No deployment in the hours before; looks external.")
        lines.append("\n## Timeline\n- detected by alert\n- on-call paged")
        return "\n".join(lines), mentions

    # -- PagerDuty rendering ---------------------------------------------------------------------------
    @staticmethod
    def _pd_ref(kind: str, item_id: str, summary: str, web_path: str) -> dict[str, Any]:
        plural = {"escalation_policy": "escalation_policies", "log_entry": "log_entries"}.get(kind, kind + "s")
        return {
            "id": item_id,
            "type": f"{kind}_reference",
            "summary": summary,
            "self": f"{PD_API}/{plural}/{item_id}",
            "html_url": f"{PD_WEB}/{web_path}/{item_id}",
        }

    def _render_pagerduty(self, sims: list[_RepoSim]) -> tuple[dict[str, TeamSample], PagerDutyData, dict[int, str]]:
        data = PagerDutyData()
        teams: dict[str, TeamSample] = {}
        service_refs: dict[str, dict[str, Any]] = {}
        team_refs: dict[str, dict[str, Any]] = {}
        responders: dict[str, list[dict[str, Any]]] = {}
        policies: dict[str, dict[str, Any]] = {}
        created = datetime(2021, 6, 1, 9, 0)
        for spec in _TEAMS:
            team_id = self.pd_id("P", 6)
            team_refs[spec.slug] = self._pd_ref("team", team_id, spec.display_name, "teams")
            data.teams.append(
                {
                    **team_refs[spec.slug],
                    "type": "team",
                    "name": spec.display_name,
                    "description": f"{spec.display_name} engineering team",
                    "default_role": "manager",
                    "parent": None,
                }
            )
            policy_id = self.pd_id("P", 6)
            policies[spec.slug] = self._pd_ref(
                "escalation_policy", policy_id, f"{spec.display_name} on-call", "escalation_policies"
            )
            responders[spec.slug] = []
            for person in self.people[spec.slug][:4]:
                user_id = self.pd_id("P", 6)
                reference = self._pd_ref("user", user_id, person.name, "users")
                responders[spec.slug].append(reference)
                data.users.append(
                    {
                        **reference,
                        "type": "user",
                        "name": person.name,
                        "email": person.email,
                        "time_zone": "Europe/London",
                        "color": "green",
                        "role": "user",
                        "avatar_url": f"https://secure.gravatar.com/avatar/{user_id.lower()}.png",
                        "description": None,
                        "invitation_sent": False,
                        "job_title": "Software Engineer",
                        "teams": [team_refs[spec.slug]],
                        "contact_methods": [],
                        "notification_rules": [],
                    }
                )
        incidents: list[tuple[_Incident, _RepoSim]] = []
        for sim in sims:
            spec = sim.team
            service_refs[sim.name] = self._pd_ref("service", self.pd_id("P", 6), sim.name, "service-directory")
            last = max((i.created_at for i in sim.incidents), default=None)
            data.services.append(
                {
                    **service_refs[sim.name],
                    "type": "service",
                    "name": sim.name,
                    "description": f"Runtime of {ORGANISATION}/{sim.name}",
                    "auto_resolve_timeout": 14400,
                    "acknowledgement_timeout": 1800,
                    "created_at": iso(created),
                    "updated_at": iso(created),
                    "status": "active",
                    "last_incident_timestamp": iso(last) if last else None,
                    "teams": [team_refs[spec.slug]],
                    "escalation_policy": policies[spec.slug],
                    "incident_urgency_rule": {"type": "constant", "urgency": "high"},
                    "alert_creation": "create_alerts_and_incidents",
                    "alert_grouping_parameters": {"type": None},
                    "integrations": [],
                    "addons": [],
                    "response_play": None,
                    "support_hours": None,
                    "scheduled_actions": [],
                }
            )
            incidents.extend((incident, sim) for incident in sim.incidents)
        for spec in _TEAMS:
            team_sims = [sim for sim in sims if sim.team is spec]
            teams[spec.slug] = TeamSample(
                name=spec.slug,
                display_name=spec.display_name,
                cadence=spec.cadence_words,
                repositories=spec.services,
                deployment_styles={sim.name: sim.style for sim in team_sims},
                pagerduty_team_id=team_refs[spec.slug]["id"],
                pagerduty_service_ids={sim.name: service_refs[sim.name]["id"] for sim in team_sims},
                members=tuple(p.login or "" for p in self.people[spec.slug]),
            )

        incidents.sort(key=lambda pair: (pair[0].created_at, pair[1].repo_id))
        incident_ids: dict[int, str] = {}
        for number, (incident, sim) in enumerate(incidents, start=1):
            incident_id = self.pd_id("Q", 13)
            incident_ids[id(incident)] = incident_id
            responder = self.rng.choice(responders[sim.team.slug])
            payload, entries = self._incident_payload(
                incident,
                sim,
                number,
                incident_id,
                service_refs[sim.name],
                team_refs[sim.team.slug],
                policies[sim.team.slug],
                responder,
            )
            data.incidents.append(payload)
            data.log_entries[incident_id] = entries
        return teams, data, incident_ids

    def _incident_payload(
        self,
        incident: _Incident,
        sim: _RepoSim,
        number: int,
        incident_id: str,
        service: dict[str, Any],
        team: dict[str, Any],
        policy: dict[str, Any],
        responder: dict[str, Any],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        created = incident.created_at
        resolved = incident.resolved_at if incident.resolved_at and incident.resolved_at < self.window_end else None
        wants_ack = not incident.stays_triggered and (resolved is None or resolved - created > timedelta(minutes=3))
        if incident.acknowledged_at is None and wants_ack:
            ack = created + self.seconds(60 * min(self.rng.lognormvariate(math.log(4), 0.8), 25))
            if (resolved is None or ack < resolved) and ack < self.window_end:
                incident.acknowledged_at = ack
        acked = incident.acknowledged_at
        if resolved is not None:
            status = "resolved"
        elif acked is not None:
            status = "acknowledged"
        else:
            status = "triggered"
        incident.resolved_at = resolved
        title = f"{incident.title} on {sim.name}"
        summary = f"[#{number}] {title}"
        reference = self._pd_ref("incident", incident_id, summary, "incidents")
        entry_ids = [self.pd_id("R", 25) for _ in range(4)]
        urgency = "high" if incident.cause is not None or self.rng.random() < 0.5 else "low"
        priority_level = self.rng.choice(("P1", "P2", "P2", "P3", "P3", "P4"))
        priority = (
            {
                "id": f"PPRI{priority_level[1]}00",
                "type": "priority",
                "summary": priority_level,
                "self": f"{PD_API}/priorities/PPRI{priority_level[1]}00",
                "html_url": None,
                "name": priority_level,
                "color": "a8171c",
                "order": 100 * (5 - int(priority_level[1])),
                "description": "",
            }
            if self.rng.random() < 0.7
            else None
        )
        last_change = resolved or acked or created
        payload: dict[str, Any] = {
            "incident_number": number,
            "title": title,
            "description": title,
            "created_at": iso(created),
            "updated_at": iso(last_change),
            "status": status,
            "incident_key": f"{self.rng.getrandbits(128):032x}",
            "service": service,
            "assignments": [] if status == "resolved" else [{"at": iso(created), "assignee": responder}],
            "assigned_via": "escalation_policy",
            "last_status_change_at": iso(last_change),
            "resolved_at": iso(resolved) if resolved else None,
            "first_trigger_log_entry": {
                **self._pd_ref(
                    "log_entry", entry_ids[0], "Triggered through the API.", f"incidents/{incident_id}/log_entries"
                ),
                "type": "trigger_log_entry_reference",
            },
            "alert_counts": {
                "all": 1,
                "triggered": 0 if status == "resolved" else 1,
                "resolved": int(status == "resolved"),
            },
            "is_mergeable": True,
            "escalation_policy": policy,
            "teams": [team],
            "pending_actions": [],
            "acknowledgements": []
            if status != "acknowledged" or acked is None
            else [{"at": iso(acked), "acknowledger": responder}],
            "basic_alert_grouping": None,
            "alert_grouping": None,
            "last_status_change_by": service if status == "triggered" else responder,
            "priority": priority,
            "incident_type": {"name": "incident_default"},
            "urgency": urgency,
            "id": incident_id,
            "type": "incident",
            "summary": summary,
            "self": f"{PD_API}/incidents/{incident_id}",
            "html_url": f"{PD_WEB}/incidents/{incident_id}",
        }
        if resolved is not None and self.rng.random() < 0.1:
            # Some accounts' payloads lack the field; only the resolve log entry knows the time.
            del payload["resolved_at"]
        incident.resolved_at_in_payload = "resolved_at" in payload and resolved is not None
        common = {"service": service, "incident": reference, "teams": [team], "contexts": []}

        def entry(
            entry_id: str, kind: str, moment: datetime, text: str, agent: dict[str, Any], channel: str
        ) -> dict[str, Any]:
            return {
                "id": entry_id,
                "type": kind,
                "summary": text,
                "self": f"{PD_API}/log_entries/{entry_id}",
                "html_url": f"{PD_WEB}/incidents/{incident_id}/log_entries/{entry_id}"
                if kind.startswith("trigger")
                else None,
                "created_at": iso(moment),
                "agent": agent,
                "channel": {"type": channel},
                **common,
                "event_details": {"description": title} if kind.startswith("trigger") else {},
            }

        entries = [
            entry(entry_ids[0], "trigger_log_entry", created, "Triggered through the API.", service, "api"),
            {
                **entry(
                    entry_ids[1], "assign_log_entry", created, f"Assigned to {responder['summary']}.", service, "auto"
                ),
                "assignees": [responder],
            },
        ]
        if acked is not None:
            entries.append(
                entry(
                    entry_ids[2],
                    "acknowledge_log_entry",
                    acked,
                    f"Acknowledged by {responder['summary']}.",
                    responder,
                    "website",
                )
            )
        if resolved is not None:
            entries.append(
                entry(
                    entry_ids[3],
                    "resolve_log_entry",
                    resolved,
                    f"Resolved by {responder['summary']}.",
                    responder,
                    "website",
                )
            )
        return payload, entries

    # -- catalog and workflow files --------------------------------------------------------------------
    def _render_catalog_files(
        self,
        sims: list[_RepoSim],
        repos: dict[str, GitHubRepoData],
        teams: dict[str, TeamSample],
        adoption: dict[str, datetime | None],
    ) -> GitHubRepoData:
        """Each service repository gets its ``catalog-info.yaml``, ``ci.yml`` and ``deploy.yml``; the platform
        team's ``platform-workflows`` repository (returned, served but not in the organisation's listing) holds
        the reusable workflows and the Group entities: six teams under two departments."""
        rng = self.catalog_rng
        for sim in sims:
            spec = sim.team
            files = repos[sim.name].files
            scaffolded = rng.random() < 0.55
            techdocs = rng.random() < 0.4
            template = _TEMPLATES[spec.language]
            files["catalog-info.yaml"] = _component_yaml(
                sim.name,
                spec,
                teams[spec.slug].pagerduty_service_ids[sim.name],
                template=template if scaffolded else None,
                techdocs=techdocs,
                lifecycle="experimental" if sim.name == "promo-engine" else "production",
            )
            if techdocs:
                files["mkdocs.yml"] = f"site_name: {sim.name}\nnav:\n  - Home: index.md\n"
                files["docs/index.md"] = f"# {sim.name}\n\nOwned by the {spec.display_name} team.\n"
            files["README.md"] = f"# {sim.name}\n\n{sim.name} service, owned by the {spec.display_name} team.\n"
            files[CI_WORKFLOW_PATH] = _ci_yaml(spec.language)
            if adoption.get(sim.name) is not None:
                files[DEPLOY_WORKFLOW_PATH] = _platform_deploy_caller_yaml(sim.name, self._platform_pins[sim.name])
            else:
                files[DEPLOY_WORKFLOW_PATH] = _own_deploy_yaml(sim.name, spec.language, sim.style)

        platform_team = next(spec for spec in _TEAMS if spec.slug == "data-platform")
        repository = repository_payload(
            self.org_user,
            "platform-workflows",
            PLATFORM_REPOSITORY_ID,
            description="Reusable GitHub Actions workflows: the paved road to production",
            language="Shell",
            topics=["platform", "github-actions", "reusable-workflows"],
            created_at=datetime(2023, 4, 3, 10, 0),
            pushed_at=self.window_start - timedelta(days=12),
        )
        platform = GitHubRepoData(repository=repository, repository_extras=full_repository_extras(self.org_user))
        platform.files.update(
            {
                "README.md": "# platform-workflows\n\nCall the deploy workflow from your service's deploy.yml:\n\n"
                f"    uses: {PLATFORM_WORKFLOW}@v2\n",
                "catalog-info.yaml": _organisation_yaml(platform_team.slug),
                ".github/workflows/platform-deploy.yml": _PLATFORM_DEPLOY_YAML,
                ".github/workflows/platform-ci.yml": _PLATFORM_CI_YAML,
                ".github/workflows/release.yml": _PLATFORM_RELEASE_YAML,
            }
        )
        return platform

    # -- ground truth and surveys ----------------------------------------------------------------------
    def _truth(self, sims: list[_RepoSim], teams: dict[str, TeamSample], incident_ids: dict[int, str]) -> SampleTruth:
        truth = SampleTruth()
        for sim in sims:
            for deploy in sim.deploys:
                assert deploy.finished_at is not None
                truth.deployments.append(
                    DeploymentTruth(
                        repository=sim.name,
                        team=sim.team.slug,
                        style=sim.style,
                        record_id=deploy.record_id,
                        sha=deploy.sha,
                        created_at=deploy.at.replace(tzinfo=UTC, microsecond=0),
                        finished_at=deploy.finished_at.replace(tzinfo=UTC, microsecond=0),
                        succeeded=deploy.succeeded,
                        kind=deploy.kind,
                        pull_numbers=tuple(sorted(p.number for p in deploy.shipped)),
                    )
                )
            for incident in sim.incidents:
                truth.incidents.append(
                    IncidentTruth(
                        incident_id=incident_ids[id(incident)],
                        repository=sim.name,
                        team=sim.team.slug,
                        service_id=teams[sim.team.slug].pagerduty_service_ids[sim.name],
                        created_at=incident.created_at.replace(tzinfo=UTC, microsecond=0),
                        resolved_at=incident.resolved_at.replace(tzinfo=UTC, microsecond=0)
                        if incident.resolved_at
                        else None,
                        resolved_at_in_payload=incident.resolved_at_in_payload,
                        caused_by=incident.cause.record_id if incident.cause else None,
                        remediation=incident.remediation,
                        remediation_pull=incident.remediation_pull.number if incident.remediation_pull else None,
                    )
                )
        truth.deployments.sort(key=lambda d: (d.created_at, d.record_id))
        truth.incidents.sort(key=lambda i: (i.created_at, i.incident_id))
        return truth

    def _surveys(self, teams: dict[str, TeamSample]) -> dict[str, str]:
        """Two quarterly waves: ~6 weeks into the window and ~3 weeks before its end."""
        exports: dict[str, str] = {}
        waves = (self.window_start + timedelta(days=42), self.window_end - timedelta(days=21))
        for wave_start in waves:
            quarter = f"{wave_start.year}-Q{(wave_start.month - 1) // 3 + 1}"
            name = f"developer-survey-{quarter}.csv"
            if name in exports:
                name = f"developer-survey-{wave_start.date().isoformat()}.csv"
            rows: list[tuple[datetime, list[str]]] = []
            for spec in _TEAMS:
                people = self.people[spec.slug]
                low, high = spec.respondents
                for person in self.rng.sample(people, min(len(people), self.rng.randint(low, high))):
                    day_offset = self.rng.choice((0, 0, 1, 1, 2, 3, 6, 9))
                    submitted = wave_start + timedelta(days=day_offset) + self.seconds(3600 * self.rng.uniform(8, 18.5))
                    nps = round(min(10, max(0, self.rng.gauss(7.0 + 1.6 * spec.mood, 1.8))))
                    likert = [
                        str(round(min(5, max(1, self.rng.gauss(3.3 + 0.7 * spec.mood + shift, 0.9)))))
                        for shift in (0.3, -0.4, 0.0, -0.2)
                    ]
                    comment = self.rng.choice(_IMPROVEMENTS) if self.rng.random() < 0.7 else ""
                    row = [
                        _forms_timestamp(submitted),
                        person.email,
                        teams[spec.slug].display_name,
                        str(nps),
                        *likert,
                        comment,
                    ]
                    rows.append((submitted, row))
            rows.sort(key=lambda r: r[0])
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow(SURVEY_COLUMNS)
            writer.writerows(row for _, row in rows)
            exports[name] = buffer.getvalue()
        return exports


# ---------------------------------------------------------------------------------------------------------
# Catalog and workflow files
# ---------------------------------------------------------------------------------------------------------
PLATFORM_REPOSITORY_ID = 690000001
# Team → department; departments are the Groups the team Groups name as spec.parent.
_DEPARTMENTS = {
    "checkout": "commerce",
    "search": "commerce",
    "fulfilment": "commerce",
    "identity": "foundations",
    "billing": "foundations",
    "data-platform": "foundations",
}
_DEPARTMENT_TITLES = {"commerce": "Commerce", "foundations": "Foundations"}
_TEMPLATES = {
    "TypeScript": "template:default/node-service",
    "Go": "template:default/go-service",
    "Python": "template:default/python-service",
    "Java": "template:default/spring-service",
    "Kotlin": "template:default/spring-service",
    "Scala": "template:default/jvm-data-job",
}
_BUILD_STEPS = {
    "TypeScript": ("actions/setup-node@v4", "node-version: 20", "npm ci", "npm test"),
    "Go": ("actions/setup-go@v5", "go-version: '1.22'", "go build ./...", "go test ./..."),
    "Python": ("actions/setup-python@v5", "python-version: '3.11'", "pip install -e .[test]", "pytest -q"),
    "Java": (
        "actions/setup-java@v4",
        "distribution: temurin\n          java-version: '21'",
        "./gradlew build -x test",
        "./gradlew test",
    ),
    "Kotlin": (
        "actions/setup-java@v4",
        "distribution: temurin\n          java-version: '21'",
        "./gradlew build -x test",
        "./gradlew test",
    ),
    "Scala": (
        "actions/setup-java@v4",
        "distribution: temurin\n          java-version: '17'",
        "sbt compile",
        "sbt test",
    ),
}


def _component_yaml(
    name: str, spec: _TeamSpec, pagerduty_id: str, *, template: str | None, techdocs: bool, lifecycle: str
) -> str:
    annotations = [
        f"    github.com/project-slug: {ORGANISATION}/{name}",
        f"    pagerduty.com/service-id: {pagerduty_id}",
    ]
    if template:
        annotations.append(f"    backstage.io/source-template: {template}")
    if techdocs:
        annotations.append("    backstage.io/techdocs-ref: dir:.")
    return (
        "apiVersion: backstage.io/v1alpha1\n"
        "kind: Component\n"
        "metadata:\n"
        f"  name: {name}\n"
        f"  description: {name} service, owned by the {spec.display_name} team\n"
        "  annotations:\n" + "\n".join(annotations) + "\n"
        "  tags:\n"
        f"    - {spec.language.lower()}\n"
        "  links:\n"
        f"    - url: https://grafana.acme.example/d/{name}\n"
        "      title: Dashboard\n"
        "spec:\n"
        "  type: service\n"
        f"  lifecycle: {lifecycle}\n"
        f"  owner: group:default/{spec.slug}\n"
        f"  system: {spec.slug}\n"
    )


def _organisation_yaml(platform_owner: str) -> str:
    """The Group hierarchy (teams under departments) and one System per team, as one multi-document file."""
    documents = []
    for department, title in _DEPARTMENT_TITLES.items():
        documents.append(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n"
            f"  name: {department}\n  title: {title}\nspec:\n  type: department\n"
            f"  profile:\n    displayName: {title}\n  children: []\n"
        )
    for spec in _TEAMS:
        documents.append(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n"
            f"  name: {spec.slug}\n  title: {spec.display_name}\nspec:\n  type: team\n"
            f"  profile:\n    displayName: {spec.display_name}\n"
            f"  parent: {_DEPARTMENTS[spec.slug]}\n  children: []\n"
        )
    for spec in _TEAMS:
        documents.append(
            "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n"
            f"  name: {spec.slug}\n  description: Services of the {spec.display_name} team\n"
            f"spec:\n  owner: group:default/{spec.slug}\n"
        )
    header = f"# The organisation's teams and departments, kept by the platform team ({platform_owner}).\n"
    return header + "---\n".join(documents)


def _ci_yaml(language: str) -> str:
    setup, setup_with, build, test = _BUILD_STEPS[language]
    return (
        "name: ci\n"
        "on:\n"
        "  pull_request:\n"
        "  push:\n"
        "    branches: [main]\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        f"      - uses: {setup}\n"
        "        with:\n"
        f"          {setup_with}\n"
        f"      - run: {build}\n"
        f"      - run: {test}\n"
    )


def _platform_deploy_caller_yaml(name: str, version: str) -> str:
    return (
        "name: deploy\n"
        "on:\n"
        "  push:\n"
        "    branches: [main]\n"
        "  workflow_dispatch:\n"
        "permissions:\n"
        "  contents: read\n"
        "  deployments: write\n"
        "  id-token: write\n"
        "jobs:\n"
        "  deploy:\n"
        f"    uses: {PLATFORM_WORKFLOW}@{version}\n"
        "    with:\n"
        f"      service: {name}\n"
        "      environment: production\n"
        "    secrets: inherit\n"
    )


def _own_deploy_yaml(name: str, language: str, style: str) -> str:
    _setup, _with, build, _test = _BUILD_STEPS[language]
    record = (
        "      - name: Record the deployment\n"
        "        uses: chrnorm/deployment-action@v2\n"
        "        with:\n"
        "          token: ${{ github.token }}\n"
        "          environment: production\n"
        if style == DEPLOYMENTS_API
        else ""
    )
    return (
        "name: deploy\n"
        "on:\n"
        "  push:\n"
        "    branches: [main]\n"
        "  workflow_dispatch:\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    environment: production\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        f"      - run: {build}\n"
        f"      - run: docker build -t registry.acme.example/{name}:${{{{ github.sha }}}} .\n"
        f"      - run: docker push registry.acme.example/{name}:${{{{ github.sha }}}}\n"
        + record
        + f"      - run: ./scripts/rollout.sh production {name} ${{{{ github.sha }}}}\n"
    )


_PLATFORM_DEPLOY_YAML = """name: platform-deploy
on:
  workflow_call:
    inputs:
      service:
        description: Service name (the catalog Component)
        required: true
        type: string
      environment:
        description: Target environment
        required: false
        type: string
        default: production
permissions:
  contents: read
  deployments: write
  id-token: write
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t registry.acme.example/${{ inputs.service }}:${{ github.sha }} .
      - run: docker push registry.acme.example/${{ inputs.service }}:${{ github.sha }}
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: ${{ inputs.environment }}
    steps:
      - uses: actions/checkout@v4
        with:
          repository: acme/platform-workflows
          ref: v2
      - run: ./rollout/progressive.sh ${{ inputs.environment }} ${{ inputs.service }} ${{ github.sha }}
      - run: ./rollout/verify.sh ${{ inputs.environment }} ${{ inputs.service }}
"""

_PLATFORM_CI_YAML = """name: platform-ci
on:
  workflow_call:
    inputs:
      language:
        required: true
        type: string
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ./ci/${{ inputs.language }}/test.sh
"""

_PLATFORM_RELEASE_YAML = """name: release
on:
  push:
    tags: ["v*"]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: gh release create "${GITHUB_REF_NAME}" --generate-notes
        env:
          GH_TOKEN: ${{ github.token }}
"""


def _slot_hour(cadence: str, day: datetime) -> float | None:
    """UTC hour of the regular release slot on ``day`` for a scheduled cadence, None when no slot."""
    weekday = day.weekday()
    if cadence == "daily":
        return 15.0 if weekday < 5 else None
    if cadence == "few_weekly":
        return 11.0 if weekday in (0, 2, 4) else None
    scheduled = {
        "weekly": weekday == 2,
        "biweekly": weekday == 1 and day.isocalendar().week % 2 == 0,
        "monthly": weekday == 1 and day.day <= 7,
    }
    return 10.0 if scheduled.get(cadence, False) else None


def _pull_id(sim: _RepoSim, pull: _Pull) -> int:
    return 1900000000 + sim.index * 100000 + pull.number


def _derived_sha(sha: str, salt: str) -> str:
    """A stable 40-hex id derived from another (``hash()`` is salted per process, so unusable here)."""
    return hashlib.sha1(f"{salt}:{sha}".encode()).hexdigest()


def _london_offset_hours(moment: datetime) -> int:
    """UK civil time offset: BST (+1) from the last Sunday of March to the last Sunday of October, 01:00 UTC."""

    def last_sunday(year: int, month: int) -> datetime:
        day = datetime(year, month, 31)
        return day - timedelta(days=(day.weekday() + 1) % 7) + timedelta(hours=1)

    return 1 if last_sunday(moment.year, 3) <= moment < last_sunday(moment.year, 10) else 0


def _forms_timestamp(moment_utc: datetime) -> str:
    """Google Forms' CSV download format for a form in Europe/London, e.g. ``2026/09/15 10:31:02 AM GMT+1``."""
    offset = _london_offset_hours(moment_utc)
    local = moment_utc + timedelta(hours=offset)
    hour = local.hour % 12 or 12
    zone = f"GMT+{offset}" if offset else "GMT"
    return f"{local:%Y/%m/%d} {hour}:{local:%M:%S} {'AM' if local.hour < 12 else 'PM'} {zone}"
