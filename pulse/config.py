"""Platform Pulse configuration: one YAML file (`pulse.yaml`), validated at start.

Every problem is reported with the dotted key it concerns (``github.base_url: must start with http:// or
https://``) so that a wrong setting fails before any request is sent. Secrets never live in this file: it
names the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CONFIG_ENV = "PULSE_CONFIG"
DEFAULT_CONFIG = Path("pulse.yaml")

DEFAULT_BOTS = ("dependabot[bot]", "renovate[bot]", "github-actions[bot]", "dependabot", "renovate")
DEFAULT_HOTFIX_LABELS = ("hotfix",)
DEFAULT_HOTFIX_BRANCHES = ("hotfix/*", "hotfix-*")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class WorkflowRule:
    """GitHub Actions runs that are deployments.

    ``workflow`` matches a run's workflow file name (``deploy.yml``), its path, its display name, or a reusable
    workflow the run called (``acme/platform-workflows/.github/workflows/platform-deploy.yml``; with ``@v2``
    only that ref). ``branch`` None means the repository's production branch, ``*`` any branch; empty
    ``events`` means any event.
    """

    workflow: str
    branch: str | None = None
    events: tuple[str, ...] = ()
    environment: str = "production"

    @property
    def is_reusable(self) -> bool:
        """True for ``owner/repo/path@ref`` references: they match the workflows a run called."""
        head = self.workflow.split("@", 1)[0]
        return head.count("/") >= 2 and not head.startswith(".github/")


def _workflow_rules(values: tuple[Any, ...]) -> tuple[WorkflowRule, ...]:
    return tuple(v if isinstance(v, WorkflowRule) else WorkflowRule(str(v)) for v in values)


@dataclass(frozen=True)
class ServiceRule:
    """One service of a monorepo: the paths its changes touch and how its own deployments are recognised.

    A Deployments API environment named ``<environment_prefix><environment>`` (``checkout:production``) is a
    deployment of this service to ``<environment>``; runs of ``deploy_workflows`` and releases/tags matching
    ``release_tags``/``deployment_tags`` are its deployments too.
    """

    name: str
    paths: tuple[str, ...] = ()
    environment_prefix: str = ""
    deploy_workflows: tuple[WorkflowRule, ...] = ()
    release_tags: tuple[str, ...] = ()
    deployment_tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "deploy_workflows", _workflow_rules(self.deploy_workflows))
        if not self.environment_prefix:
            object.__setattr__(self, "environment_prefix", f"{self.name}:")


@dataclass(frozen=True)
class RepositoryOverride:
    """Per-repository settings; None keeps the organisation-wide default."""

    repository: str
    production_branch: str | None = None
    production_environments: tuple[str, ...] | None = None
    deploy_workflows: tuple[WorkflowRule, ...] | None = None
    release_tags: tuple[str, ...] | None = None
    deployment_tags: tuple[str, ...] | None = None
    deploy_on_merge: bool | None = None
    services: tuple[ServiceRule, ...] = ()

    def __post_init__(self) -> None:
        if self.deploy_workflows is not None:
            object.__setattr__(self, "deploy_workflows", _workflow_rules(self.deploy_workflows))


@dataclass(frozen=True)
class RepositoryRules:
    """The deployment-detection rules in force for one repository (defaults merged with its override)."""

    repository: str
    production_branch: str
    production_environments: tuple[str, ...]
    deploy_workflows: tuple[WorkflowRule, ...]
    release_tags: tuple[str, ...]
    deployment_tags: tuple[str, ...]
    deploy_on_merge: bool
    services: tuple[ServiceRule, ...] = ()

    @property
    def all_workflow_rules(self) -> tuple[WorkflowRule, ...]:
        return self.deploy_workflows + tuple(r for s in self.services for r in s.deploy_workflows)

    @property
    def all_release_tags(self) -> tuple[str, ...]:
        return self.release_tags + tuple(p for s in self.services for p in s.release_tags)

    @property
    def all_deployment_tags(self) -> tuple[str, ...]:
        return self.deployment_tags + tuple(p for s in self.services for p in s.deployment_tags)

    @property
    def has_paths(self) -> bool:
        """True for a monorepo whose changes are split into services by the paths they touch."""
        return any(s.paths for s in self.services)


@dataclass(frozen=True)
class GitHubAppConfig:
    """GitHub App authentication: the app id, where its private key is, and (optionally) the installation."""

    app_id: int
    private_key_env: str = "GITHUB_APP_PRIVATE_KEY"
    installation_id: int | None = None

    def private_key(self) -> str | None:
        """The PEM text: the variable holds the key itself or the path of a file holding it."""
        value = os.environ.get(self.private_key_env) or ""
        if not value.strip():
            return None
        if value.lstrip().startswith("-----BEGIN"):
            return value
        path = Path(value).expanduser()
        return path.read_text(encoding="utf-8") if path.is_file() else None


@dataclass(frozen=True)
class GitHubConfig:
    organisation: str
    base_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    app: GitHubAppConfig | None = None
    repositories: tuple[str, ...] = ()
    production_environments: tuple[str, ...] = ("production",)
    deploy_workflows: tuple[WorkflowRule, ...] = (WorkflowRule("deploy.yml"),)
    release_tags: tuple[str, ...] = ()
    deployment_tags: tuple[str, ...] = ()
    deploy_on_merge: bool = False
    production_branch: str = "main"
    overrides: tuple[RepositoryOverride, ...] = ()
    bots: tuple[str, ...] = DEFAULT_BOTS
    hotfix_labels: tuple[str, ...] = DEFAULT_HOTFIX_LABELS
    hotfix_branches: tuple[str, ...] = DEFAULT_HOTFIX_BRANCHES
    incident_label: str = "incident"
    # PyGithub's own default pause between requests is 0.25 s; a local stand-in needs none.
    seconds_between_requests: float = 0.25
    timeout_seconds: float = 30.0
    retries: int = 5
    # Below this many remaining requests a sync waits for the reset (when it is near) or stops cleanly.
    rate_limit_reserve: int = 50
    max_rate_limit_wait_seconds: float = 900.0

    def __post_init__(self) -> None:
        # Plain strings are accepted for convenience (``deploy_workflows=("deploy.yml",)``).
        object.__setattr__(self, "deploy_workflows", _workflow_rules(self.deploy_workflows))

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None

    def rules_for(self, repository: str) -> RepositoryRules:
        """The detection rules for one repository: its override where set, the defaults elsewhere."""
        o = next((x for x in self.overrides if x.repository.lower() == repository.lower()), None)

        def pick(name: str) -> Any:
            value = getattr(o, name) if o is not None else None
            return getattr(self, name) if value is None else value

        return RepositoryRules(
            repository=repository,
            production_branch=pick("production_branch"),
            production_environments=pick("production_environments"),
            deploy_workflows=pick("deploy_workflows"),
            release_tags=pick("release_tags"),
            deployment_tags=pick("deployment_tags"),
            deploy_on_merge=pick("deploy_on_merge"),
            services=o.services if o is not None else (),
        )


@dataclass(frozen=True)
class PagerDutyConfig:
    base_url: str = "https://api.pagerduty.com"
    token_env: str = "PAGERDUTY_TOKEN"
    ca_bundle: Path | None = None
    services: tuple[str, ...] = ()
    timeout_seconds: float = 30.0
    # Retries for 429 (each waits as long as `ratelimit-reset` asks, up to max_wait_seconds), 5xx and network errors.
    retries: int = 5
    max_wait_seconds: float = 60.0
    # Incidents are listed in since/until windows of this many days; the API refuses ranges over 6 months.
    window_days: int = 30

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


@dataclass(frozen=True)
class TeamConfig:
    name: str
    repositories: tuple[str, ...] = ()
    pagerduty_services: tuple[str, ...] = ()
    # PagerDuty service id -> the repository (service) it pages for, when known.
    service_repositories: tuple[tuple[str, str], ...] = ()
    # Survey results roll up team -> department -> organisation; None: directly under the organisation.
    department: str | None = None


SURVEY_QUESTION_TYPES = (
    "nps",  # 0-10, how likely to recommend
    "likert",  # 1-5 agreement (or its words: strongly disagree ... strongly agree)
    "dora_lead_time",  # DORA self-report buckets, in DORA's order (fastest first)
    "dora_deploy_frequency",
    "dora_recovery_time",
    "dora_change_fail_rate",
    "text",  # free text, tagged with themes
    "team",  # the respondent's team (answer text; see team_aliases)
    "email",  # the respondent's e-mail address (hashed, never stored) where the form has no built-in column
    "ignore",  # a column that is read and thrown away
)


@dataclass(frozen=True)
class SurveyQuestion:
    """One question: the export header texts it has had (forms get edited) and how its answers are read."""

    id: str
    type: str
    headers: tuple[str, ...]
    topic: str | None = None  # likert: the topic it is grouped under (ease of use, cognitive load, ...)
    reverse: bool = False  # likert: agreeing is the unfavourable answer ("I often wait on other teams")
    choices: tuple[str, ...] = ()  # dora_*: answer texts in bucket order, when they differ from DORA's wording


@dataclass(frozen=True)
class SurveyWave:
    """A survey round; a response belongs to the wave whose dates (inclusive, UTC) contain its submission."""

    id: str
    start: date
    end: date


@dataclass(frozen=True)
class SurveyTheme:
    """A free-text theme: an answer mentioning any keyword (whole words, any case) is tagged with it."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class SurveyConfig:
    folder: Path = Path("surveys/exports")
    key_env: str = "PULSE_SURVEY_KEY"
    # Only for the bundled demo: hash with a fixed, public key (and say so) when key_env is unset.
    allow_demo_key: bool = False
    min_group_size: int = 5
    roster: Path | None = None
    team_aliases: tuple[tuple[str, str], ...] = ()  # answer text -> team name
    waves: tuple[SurveyWave, ...] = ()
    questions: tuple[SurveyQuestion, ...] = ()
    themes: tuple[SurveyTheme, ...] = ()

    def key(self) -> str | None:
        return os.environ.get(self.key_env) or None


@dataclass(frozen=True)
class WarehouseConfig:
    path: Path = Path("data/pulse.duckdb")
    serving_path: Path = Path("data/pulse_serving.duckdb")
    # DuckDB's memory_limit for the pipeline (e.g. "2GB"); None keeps DuckDB's default, 80% of the machine's RAM.
    # Past the limit DuckDB spills to disk rather than failing.
    memory_limit: str | None = None


@dataclass(frozen=True)
class ReportConfig:
    schedule: str = "0 8 * * 1"
    refresh_schedule: str = "0 6 * * *"
    output_dir: Path = Path("reports")
    weeks: int = 12


BENCHMARK_YEARS = (2023, 2024)
MEMORY_SIZE = re.compile(r"[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


@dataclass(frozen=True)
class MetricsConfig:
    """How figures are labelled: which DORA benchmark year, and how many rows a tier needs behind it."""

    benchmark_year: int = 2024
    min_deployments: int = 5
    min_changes: int = 5
    min_failures: int = 1


@dataclass(frozen=True)
class PulseConfig:
    github: GitHubConfig
    pagerduty: PagerDutyConfig | None = None
    teams: tuple[TeamConfig, ...] = ()
    surveys: SurveyConfig = field(default_factory=SurveyConfig)
    warehouse: WarehouseConfig = field(default_factory=WarehouseConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    timezone: str = "UTC"
    history_days: int = 180
    incident_window_hours: int = 24
    catalog: CatalogConfig | None = None  # None: ownership from `teams`, no adoption signals
    source: Path | None = None

    @property
    def organisation(self) -> str:
        return self.github.organisation

    def team_of_repository(self) -> dict[str, str]:
        return {repo: team.name for team in self.teams for repo in team.repositories}

    def team_of_pagerduty_service(self) -> dict[str, str]:
        return {svc: team.name for team in self.teams for svc in team.pagerduty_services}


# --------------------------------------------------------------------------------------------- parsing


class _Reader:
    """Reads one mapping of the YAML file and remembers which keys it consumed, so unknown keys are errors."""

    def __init__(self, data: Any, key: str, source: str) -> None:
        self.key = key
        self.source = source
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.fail(key, f"must be a mapping, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(f"{self.source}: {key}: {message}")

    def _path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def has(self, name: str) -> bool:
        return name in self.data and self.data[name] is not None

    def raw(self, name: str) -> Any:
        self.used.add(name)
        return self.data.get(name)

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            if required or default is None:
                self.fail(self._path(name), "is required")
            return default  # type: ignore[return-value]
        if not isinstance(value, str) or not value.strip():
            self.fail(self._path(name), f"must be a non-empty string, got {value!r}")
        return value.strip()

    def url(self, name: str, default: str, *, https_only: bool = False) -> str:
        value = self.string(name, default).rstrip("/")
        schemes = ("https://",) if https_only else ("http://", "https://")
        if not value.startswith(schemes):
            allowed = " or ".join(schemes)
            self.fail(self._path(name), f"must start with {allowed}, got {value!r}")
        return value

    def env_name(self, name: str, default: str) -> str:
        value = self.string(name, default)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            self.fail(
                self._path(name),
                f"must be an environment variable name (not the secret itself), got {value!r}",
            )
        return value

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(self._path(name), f"must be a list of strings, got {value!r}")
        return tuple(v.strip() for v in value)

    def number(self, name: str, default: float, *, minimum: float = 0, integer: bool = False) -> Any:
        value = self.raw(name)
        if value is None:
            return default
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or value < minimum:
            kind = "a whole number" if integer else "a number"
            self.fail(self._path(name), f"must be {kind} >= {minimum:g}, got {value!r}")
        return value

    def path(self, name: str, default: Path | None, base: Path) -> Path | None:
        value = self.raw(name)
        if value is None:
            return None if default is None else _resolve(default, base)
        if not isinstance(value, str) or not value.strip():
            self.fail(self._path(name), f"must be a path, got {value!r}")
        return _resolve(Path(os.path.expandvars(value.strip())).expanduser(), base)

    def child(self, name: str) -> _Reader:
        return _Reader(self.raw(name), self._path(name), self.source)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(self._path(unknown[0]), "unknown key (check its spelling against pulse.example.yaml)")


def _resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else (base / path)


def _boolean(reader: _Reader, name: str, default: bool | None) -> bool | None:
    value = reader.raw(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        reader.fail(reader._path(name), f"must be true or false, got {value!r}")
    return value


def _optional_string(reader: _Reader, name: str) -> str | None:
    if reader.has(name):
        return reader.string(name)
    reader.raw(name)
    return None


def _workflow_list(reader: _Reader, name: str, default: Any) -> Any:
    """A list of workflow rules: each a name (``deploy.yml``) or ``{workflow, branch, events, environment}``."""
    value = reader.raw(name)
    if value is None:
        return default
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        reader.fail(reader._path(name), f"must be a list of workflow names or rules, got {value!r}")
    rules = []
    for index, item in enumerate(value):
        key = f"{reader._path(name)}[{index}]"
        if isinstance(item, str) and item.strip():
            rules.append(WorkflowRule(item.strip()))
            continue
        if not isinstance(item, dict):
            reader.fail(key, f"must be a workflow name or a mapping with `workflow`, got {item!r}")
        sub = _Reader(item, key, reader.source)
        rules.append(
            WorkflowRule(
                workflow=sub.string("workflow", required=True),
                branch=_optional_string(sub, "branch"),
                events=sub.strings("events"),
                environment=sub.string("environment", "production"),
            )
        )
        sub.finish()
    return tuple(rules)


def _parse_services(reader: _Reader) -> tuple[ServiceRule, ...]:
    raw = reader.raw("services")
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        reader.fail(reader._path("services"), "must map each service name to its paths and deployment rules")
    services = []
    for name, body in raw.items():
        if not isinstance(name, str) or not name.strip():
            reader.fail(reader._path("services"), f"service names must be non-empty strings, got {name!r}")
        sub = _Reader(body, f"{reader._path('services')}.{name}", reader.source)
        services.append(
            ServiceRule(
                name=name.strip(),
                paths=tuple(p.lstrip("/") for p in sub.strings("paths")),
                environment_prefix=_optional_string(sub, "environment_prefix") or "",
                deploy_workflows=_workflow_list(sub, "deploy_workflows", ()),
                release_tags=sub.strings("release_tags"),
                deployment_tags=sub.strings("deployment_tags"),
            )
        )
        sub.finish()
    return tuple(services)


def _parse_github(top: _Reader) -> GitHubConfig:
    gh = top.child("github")
    d = GitHubConfig(organisation="-")
    app = None
    if gh.has("app"):
        ap = gh.child("app")
        if not ap.has("app_id"):
            ap.fail("github.app.app_id", "is required (the numeric id on the app's settings page)")
        app = GitHubAppConfig(
            app_id=ap.number("app_id", 0, minimum=1, integer=True),
            private_key_env=ap.env_name("private_key_env", GitHubAppConfig.private_key_env),
            installation_id=ap.number("installation_id", None, minimum=1, integer=True),  # type: ignore[arg-type]
        )
        ap.finish()
    else:
        gh.raw("app")
    repositories = gh.strings("repositories")
    overrides = []
    raw_overrides = gh.raw("overrides")
    if raw_overrides is not None:
        if not isinstance(raw_overrides, dict):
            gh.fail("github.overrides", "must map repository names to their settings")
        for repo, body in raw_overrides.items():
            key = f"github.overrides.{repo}"
            if not isinstance(repo, str) or not repo.strip():
                gh.fail("github.overrides", f"repository names must be non-empty strings, got {repo!r}")
            if repositories and repo not in repositories:
                gh.fail(key, "is not in github.repositories")
            sub = _Reader(body, key, gh.source)
            overrides.append(
                RepositoryOverride(
                    repository=repo.strip(),
                    production_branch=_optional_string(sub, "production_branch"),
                    production_environments=sub.strings("production_environments", None),  # type: ignore[arg-type]
                    deploy_workflows=_workflow_list(sub, "deploy_workflows", None),
                    release_tags=sub.strings("release_tags", None),  # type: ignore[arg-type]
                    deployment_tags=sub.strings("deployment_tags", None),  # type: ignore[arg-type]
                    deploy_on_merge=_boolean(sub, "deploy_on_merge", None),
                    services=_parse_services(sub),
                )
            )
            sub.finish()
    github = GitHubConfig(
        organisation=gh.string("organisation", required=True),
        base_url=gh.url("base_url", d.base_url),
        token_env=gh.env_name("token_env", d.token_env),
        app=app,
        repositories=repositories,
        production_environments=gh.strings("production_environments", d.production_environments),
        deploy_workflows=_workflow_list(gh, "deploy_workflows", d.deploy_workflows),
        release_tags=gh.strings("release_tags"),
        deployment_tags=gh.strings("deployment_tags"),
        deploy_on_merge=bool(_boolean(gh, "deploy_on_merge", False)),
        production_branch=gh.string("production_branch", d.production_branch),
        overrides=tuple(overrides),
        bots=gh.strings("bots", DEFAULT_BOTS),
        hotfix_labels=gh.strings("hotfix_labels", DEFAULT_HOTFIX_LABELS),
        hotfix_branches=gh.strings("hotfix_branches", DEFAULT_HOTFIX_BRANCHES),
        incident_label=gh.string("incident_label", d.incident_label),
        seconds_between_requests=gh.number("seconds_between_requests", d.seconds_between_requests),
        timeout_seconds=gh.number("timeout_seconds", d.timeout_seconds, minimum=1),
        retries=gh.number("retries", d.retries, integer=True),
        rate_limit_reserve=gh.number("rate_limit_reserve", d.rate_limit_reserve, integer=True),
        max_rate_limit_wait_seconds=gh.number("max_rate_limit_wait_seconds", d.max_rate_limit_wait_seconds),
    )
    gh.finish()
    return github


_CRON = re.compile(r"^\s*(\S+\s+){4}\S+\s*$")


def parse_config(data: Any, *, source: str = "pulse.yaml", base_dir: Path | None = None) -> PulseConfig:
    """Validate a parsed YAML document and build the configuration; relative paths resolve from base_dir."""
    base = base_dir or Path.cwd()
    top = _Reader(data, "", source)

    github = _parse_github(top)

    pagerduty = None
    if top.has("pagerduty"):
        pd = top.child("pagerduty")
        pagerduty = PagerDutyConfig(
            # The PagerDuty client refuses plain http, so catch that here rather than at the first request.
            base_url=pd.url("base_url", PagerDutyConfig.base_url, https_only=True),
            token_env=pd.env_name("token_env", PagerDutyConfig.token_env),
            ca_bundle=pd.path("ca_bundle", None, base),
            services=pd.strings("services"),
            timeout_seconds=pd.number("timeout_seconds", PagerDutyConfig.timeout_seconds, minimum=1),
            retries=pd.number("retries", PagerDutyConfig.retries, integer=True),
            max_wait_seconds=pd.number("max_wait_seconds", PagerDutyConfig.max_wait_seconds),
            window_days=pd.number("window_days", PagerDutyConfig.window_days, minimum=1, integer=True),
        )
        if pagerduty.window_days > 180:
            pd.fail("pagerduty.window_days", f"must be at most 180 (the API's limit), got {pagerduty.window_days}")
        if pagerduty.ca_bundle is not None and not pagerduty.ca_bundle.is_file():
            pd.fail("pagerduty.ca_bundle", f"file not found: {pagerduty.ca_bundle}")
        pd.finish()
    else:
        top.raw("pagerduty")

    teams = _parse_teams(top, source)

    surveys = _parse_surveys(top.child("surveys"), base, teams)

    wh = top.child("warehouse")
    memory_limit = wh.raw("memory_limit")
    if memory_limit is not None and not (isinstance(memory_limit, str) and MEMORY_SIZE.fullmatch(memory_limit.strip())):
        wh.fail("warehouse.memory_limit", f"must be a size such as 1500MB or 2GB, got {memory_limit!r}")
    warehouse = WarehouseConfig(
        path=wh.path("path", WarehouseConfig.path, base),  # type: ignore[arg-type]
        serving_path=wh.path("serving_path", WarehouseConfig.serving_path, base),  # type: ignore[arg-type]
        memory_limit=memory_limit.strip() if isinstance(memory_limit, str) else None,
    )
    if warehouse.path == warehouse.serving_path:
        wh.fail("warehouse.serving_path", "must differ from warehouse.path (the dashboard reads a published copy)")
    wh.finish()

    rp = top.child("report")
    report = ReportConfig(
        schedule=rp.string("schedule", ReportConfig.schedule),
        refresh_schedule=rp.string("refresh_schedule", ReportConfig.refresh_schedule),
        output_dir=rp.path("output_dir", ReportConfig.output_dir, base),  # type: ignore[arg-type]
        weeks=rp.number("weeks", ReportConfig.weeks, minimum=1, integer=True),
    )
    for key, value in (("schedule", report.schedule), ("refresh_schedule", report.refresh_schedule)):
        if not _CRON.match(value):
            rp.fail(f"report.{key}", f"must be a cron expression with five fields, got {value!r}")
    rp.finish()

    mt = top.child("metrics")
    metrics = MetricsConfig(
        benchmark_year=mt.number("benchmark_year", MetricsConfig.benchmark_year, minimum=2000, integer=True),
        min_deployments=mt.number("min_deployments", MetricsConfig.min_deployments, minimum=1, integer=True),
        min_changes=mt.number("min_changes", MetricsConfig.min_changes, minimum=1, integer=True),
        min_failures=mt.number("min_failures", MetricsConfig.min_failures, minimum=1, integer=True),
    )
    if metrics.benchmark_year not in BENCHMARK_YEARS:
        years = ", ".join(str(y) for y in BENCHMARK_YEARS)
        mt.fail("metrics.benchmark_year", f"no benchmark table for {metrics.benchmark_year} (available: {years})")
    mt.finish()

    timezone = top.string("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        top.fail("timezone", f"unknown IANA time zone {timezone!r} (e.g. Europe/Berlin, America/New_York, UTC)")

    config = PulseConfig(
        github=github,
        pagerduty=pagerduty,
        teams=teams,
        surveys=surveys,
        warehouse=warehouse,
        report=report,
        metrics=metrics,
        catalog=_parse_catalog(top, base),
        timezone=timezone,
        history_days=top.number("history_days", 180, minimum=1, integer=True),
        # 0 turns the window off: an incident is then blamed on the last deployment before it, however old.
        incident_window_hours=top.number("incident_window_hours", 24, minimum=0, integer=True),
        source=Path(source) if source else None,
    )
    top.finish()
    return config


def _parse_teams(top: _Reader, source: str) -> tuple[TeamConfig, ...]:
    raw = top.raw("teams")
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        top.fail("teams", "must be a mapping of team name to its repositories and pagerduty_services")
    teams: list[TeamConfig] = []
    owner_of: dict[str, str] = {}
    for name, body in raw.items():
        if not isinstance(name, str) or not name.strip():
            top.fail("teams", f"team names must be non-empty strings, got {name!r}")
        reader = _Reader(body, f"teams.{name}", source)
        services_raw = reader.raw("pagerduty_services")
        service_repos: tuple[tuple[str, str], ...] = ()
        if isinstance(services_raw, dict):
            for sid, repo in services_raw.items():
                if not isinstance(sid, str) or not isinstance(repo, str) or not repo.strip():
                    reader.fail(
                        f"teams.{name}.pagerduty_services",
                        f"map each PagerDuty service id to a repository name, got {sid!r}: {repo!r}",
                    )
            service_repos = tuple((sid, repo.strip()) for sid, repo in services_raw.items())
            services = tuple(services_raw)
        else:
            services = reader.strings("pagerduty_services")
        team = TeamConfig(
            name=name,
            repositories=reader.strings("repositories"),
            pagerduty_services=services,
            service_repositories=service_repos,
            department=reader.string("department") if reader.has("department") else reader.raw("department"),
        )
        reader.finish()
        for repo in team.repositories:
            if repo in owner_of:
                reader.fail(f"teams.{name}.repositories", f"{repo!r} is already owned by team {owner_of[repo]!r}")
            owner_of[repo] = name
        teams.append(team)
    return tuple(teams)


def _survey_date(reader: _Reader, key: str, value: Any) -> date:
    # YAML reads an unquoted 2026-07-01 as a date already; a quoted one arrives as text.
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    reader.fail(key, f"must be a date (YYYY-MM-DD), got {value!r}")
    raise AssertionError  # unreachable: fail raises


def _parse_surveys(sv: _Reader, base: Path, teams: tuple[TeamConfig, ...]) -> SurveyConfig:
    """The ``surveys`` section: where exports are, how to read their columns, waves, roster and themes."""
    team_names = {t.name for t in teams}
    min_group_size = sv.number("min_group_size", SurveyConfig.min_group_size, minimum=3, integer=True)

    aliases: list[tuple[str, str]] = []
    raw_aliases = sv.raw("team_aliases") or {}
    if not isinstance(raw_aliases, dict):
        sv.fail("surveys.team_aliases", "must map answer texts to team names")
    for text, team in raw_aliases.items():
        if not isinstance(text, str) or not isinstance(team, str) or not text.strip() or not team.strip():
            sv.fail("surveys.team_aliases", f"map answer text to a team name, got {text!r}: {team!r}")
        if team_names and team.strip() not in team_names:
            sv.fail(f"surveys.team_aliases.{text}", f"{team!r} is not a team under `teams`")
        aliases.append((text.strip(), team.strip()))

    waves: list[SurveyWave] = []
    raw_waves = sv.raw("waves") or []
    if not isinstance(raw_waves, list):
        sv.fail("surveys.waves", "must be a list of {id, start, end}")
    for index, item in enumerate(raw_waves):
        key = f"surveys.waves[{index}]"
        wr = _Reader(item, key, sv.source)
        wave_id = str(wr.raw("id") or "").strip()
        if not wave_id:
            wr.fail(f"{key}.id", "is required (e.g. 2026-Q3)")
        start = _survey_date(wr, f"{key}.start", wr.raw("start"))
        wave = SurveyWave(wave_id, start, _survey_date(wr, f"{key}.end", wr.raw("end")))
        wr.finish()
        if wave.end < wave.start:
            wr.fail(f"{key}.end", f"{wave.end} is before start {wave.start}")
        for other in waves:
            if other.id == wave.id:
                wr.fail(f"{key}.id", f"wave {wave.id!r} is listed twice")
            if wave.start <= other.end and other.start <= wave.end:
                wr.fail(key, f"{wave.id} ({wave.start}..{wave.end}) overlaps {other.id} ({other.start}..{other.end})")
        waves.append(wave)

    questions: list[SurveyQuestion] = []
    raw_questions = sv.raw("questions") or {}
    if not isinstance(raw_questions, dict):
        sv.fail("surveys.questions", "must map question ids to {type, headers, ...}")
    header_owner: dict[str, str] = {}
    for qid, body in raw_questions.items():
        key = f"surveys.questions.{qid}"
        if not isinstance(qid, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", qid):
            sv.fail("surveys.questions", f"question ids are letters, digits, _ and -, got {qid!r}")
        qr = _Reader(body, key, sv.source)
        kind = qr.string("type", required=True)
        if kind not in SURVEY_QUESTION_TYPES:
            qr.fail(f"{key}.type", f"must be one of {', '.join(SURVEY_QUESTION_TYPES)}, got {kind!r}")
        headers = qr.strings("headers")
        if not headers:
            qr.fail(f"{key}.headers", "is required: the column header text(s) of this question in the exports")
        topic = qr.string("topic") if qr.has("topic") else qr.raw("topic")
        reverse = qr.raw("reverse") or False
        if not isinstance(reverse, bool):
            qr.fail(f"{key}.reverse", f"must be true or false, got {reverse!r}")
        choices = qr.strings("choices")
        if (topic is not None or reverse) and kind != "likert":
            qr.fail(f"{key}.topic" if topic is not None else f"{key}.reverse", "applies to likert questions only")
        if choices and not kind.startswith("dora_"):
            qr.fail(f"{key}.choices", "applies to dora_* questions only")
        if choices and len(choices) != 6:
            qr.fail(f"{key}.choices", f"lists the 6 answer texts in DORA's order, got {len(choices)}")
        qr.finish()
        for header in headers:
            norm = " ".join(header.split()).casefold()
            if norm in header_owner:
                qr.fail(f"{key}.headers", f"{header!r} is already a header of question {header_owner[norm]!r}")
            header_owner[norm] = qid
        questions.append(SurveyQuestion(qid, kind, headers, topic, reverse, choices))

    themes: list[SurveyTheme] = []
    raw_themes = sv.raw("themes") or {}
    if not isinstance(raw_themes, dict):
        sv.fail("surveys.themes", "must map theme names to lists of keywords")
    for name, words in raw_themes.items():
        if isinstance(words, str):
            words = [words]
        if not isinstance(name, str) or not isinstance(words, list) or not words:
            sv.fail(f"surveys.themes.{name}", f"must be a list of keywords, got {words!r}")
        if not all(isinstance(w, str) and w.strip() for w in words):
            sv.fail(f"surveys.themes.{name}", f"keywords must be non-empty strings, got {words!r}")
        themes.append(SurveyTheme(name.strip(), tuple(w.strip() for w in words)))

    allow_demo_key = sv.raw("allow_demo_key") or False
    if not isinstance(allow_demo_key, bool):
        sv.fail("surveys.allow_demo_key", f"must be true or false, got {allow_demo_key!r}")
    roster = sv.path("roster", None, base)
    if roster is not None and not roster.is_file():
        sv.fail("surveys.roster", f"file not found: {roster}")
    config = SurveyConfig(
        folder=sv.path("folder", SurveyConfig.folder, base),  # type: ignore[arg-type]
        key_env=sv.env_name("key_env", SurveyConfig.key_env),
        allow_demo_key=allow_demo_key,
        min_group_size=min_group_size,
        roster=roster,
        team_aliases=tuple(aliases),
        waves=tuple(sorted(waves, key=lambda w: w.start)),
        questions=tuple(questions),
        themes=tuple(themes),
    )
    sv.finish()
    return config


# --------------------------------------------------------------------------------------------- catalog


CATALOG_SOURCES = ("github", "backstage", "teams_file")
# What an adoption signal can check; see docs/metrics.md "Platform adoption".
SIGNAL_CHECKS = ("registered", "scaffolded", "techdocs", "annotation", "reusable_workflows", "platform_deploys")


@dataclass(frozen=True)
class BackstageConfig:
    """A Backstage instance whose catalog API (``<base_url>/api/catalog``) lists the entities."""

    base_url: str
    token_env: str = "BACKSTAGE_TOKEN"
    page_size: int = 500
    timeout_seconds: float = 30.0
    retries: int = 3

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


@dataclass(frozen=True)
class PlatformConfig:
    """The platform team's reusable GitHub Actions workflows and which of them deploy.

    ``repository`` is ``owner/name`` or a name in the organisation. ``reusable_workflows`` empty means any
    workflow of that repository counts for the CI signal. A pin older than ``current_version`` is outdated.
    ``deployments_column`` names the boolean column of ``deployments`` that says a deployment ran through the
    platform pipeline; without it, runs of workflow files that call a deploy workflow count.
    """

    repository: str | None = None
    deploy_workflows: tuple[str, ...] = ("platform-deploy.yml",)
    reusable_workflows: tuple[str, ...] = ()
    current_version: str | None = None
    deployments_column: str = "via_platform"


@dataclass(frozen=True)
class AdoptionSignal:
    """One named adoption rule, like a scorecard check: ``check`` says what is tested, the rest tunes it."""

    name: str
    check: str
    description: str = ""
    annotation: str | None = None  # check 'annotation': the annotation that must be set
    templates: tuple[str, ...] = ()  # check 'scaffolded': only these templates (empty: any)
    workflows: tuple[str, ...] = ()  # check 'reusable_workflows': only these platform workflows (empty: any)
    current: bool = False  # check 'reusable_workflows': every platform pin at the current version or newer
    min_share: float = 0.0  # check 'platform_deploys': share of the last 28 days' deployments (0: any)


DEFAULT_SIGNALS = (
    AdoptionSignal("registered", "registered", "registered in the service catalog"),
    AdoptionSignal("scaffolded", "scaffolded", "created from a software template"),
    AdoptionSignal("platform_ci", "reusable_workflows", "CI calls the platform's reusable workflows"),
    AdoptionSignal(
        "current_pins", "reusable_workflows", "platform workflows pinned at the current version", current=True
    ),
    AdoptionSignal("platform_deploy", "platform_deploys", "deploys to production through the platform pipeline"),
    AdoptionSignal("docs", "techdocs", "documentation registered (TechDocs)"),
)


@dataclass(frozen=True)
class CatalogConfig:
    """Where service ownership and the platform adoption signals come from (the ``catalog`` section)."""

    source: str  # one of CATALOG_SOURCES
    folder: Path | None = None  # local copies <folder>/<repository>/...; None with source github: the contents API
    paths: tuple[str, ...] = ("catalog-info.yaml",)
    files: tuple[str, ...] = ()  # extra descriptor files as "repository/path" (e.g. the organisation's Groups)
    path_annotation: str = "backstage.io/source-location"
    department_types: tuple[str, ...] = ("department", "business-unit", "division", "product-area", "tribe")
    backstage: BackstageConfig | None = None
    teams_file: Path | None = None
    platform: PlatformConfig = field(default_factory=PlatformConfig)
    signals: tuple[AdoptionSignal, ...] = DEFAULT_SIGNALS
    effect_signal: str = "platform_deploy"
    effect_weeks: int = 4

    def signal(self, name: str) -> AdoptionSignal | None:
        return next((s for s in self.signals if s.name == name), None)


def _parse_catalog(top: _Reader, base: Path) -> CatalogConfig | None:
    """The ``catalog`` section; absent means ownership comes from ``teams`` and there are no adoption signals."""
    if not top.has("catalog"):
        top.raw("catalog")
        return None
    cr = top.child("catalog")
    source = cr.string("source", required=True)
    if source not in CATALOG_SOURCES:
        cr.fail("catalog.source", f"must be one of {', '.join(CATALOG_SOURCES)}, got {source!r}")
    folder = cr.path("folder", None, base)
    if folder is not None and not folder.is_dir():
        cr.fail("catalog.folder", f"folder not found: {folder}")
    # source github without a folder reads the files through the GitHub contents API of the `github` section.
    teams_file = cr.path("teams_file", None, base)
    if source == "teams_file":
        if teams_file is None:
            cr.fail("catalog.teams_file", "is required for source teams_file")
        elif not teams_file.is_file():
            cr.fail("catalog.teams_file", f"file not found: {teams_file}")

    backstage = None
    if cr.has("backstage"):
        br = cr.child("backstage")
        backstage = BackstageConfig(
            base_url=br.url("base_url", "", https_only=False) if br.has("base_url") else "",
            token_env=br.env_name("token_env", BackstageConfig.token_env),
            page_size=br.number("page_size", BackstageConfig.page_size, minimum=1, integer=True),
            timeout_seconds=br.number("timeout_seconds", BackstageConfig.timeout_seconds, minimum=1),
            retries=br.number("retries", BackstageConfig.retries, integer=True),
        )
        if not backstage.base_url:
            br.fail(
                "catalog.backstage.base_url", "is required (the Backstage address, e.g. https://backstage.example.com)"
            )
        br.finish()
    else:
        cr.raw("backstage")
    if source == "backstage" and backstage is None:
        cr.fail("catalog.backstage", "is required for source backstage (at least base_url)")

    pr = cr.child("platform")
    d = PlatformConfig()
    platform = PlatformConfig(
        repository=_optional_string(pr, "repository"),
        deploy_workflows=pr.strings("deploy_workflows", d.deploy_workflows),
        reusable_workflows=pr.strings("reusable_workflows"),
        current_version=str(pr.raw("current_version")).strip() if pr.has("current_version") else None,
        deployments_column=pr.string("deployments_column", d.deployments_column),
    )
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", platform.deployments_column):
        pr.fail("catalog.platform.deployments_column", f"must be a column name, got {platform.deployments_column!r}")
    pr.finish()

    signals = DEFAULT_SIGNALS if platform.current_version else tuple(s for s in DEFAULT_SIGNALS if not s.current)
    raw_signals = cr.raw("signals")
    if raw_signals is not None:
        if not isinstance(raw_signals, dict) or not raw_signals:
            cr.fail("catalog.signals", "must map signal names to {check, ...}")
        parsed = []
        for name, body in raw_signals.items():
            key = f"catalog.signals.{name}"
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
                cr.fail("catalog.signals", f"signal names are letters, digits, _ and -, got {name!r}")
            sr = _Reader(body, key, cr.source)
            check = sr.string("check", required=True)
            if check not in SIGNAL_CHECKS:
                sr.fail(f"{key}.check", f"must be one of {', '.join(SIGNAL_CHECKS)}, got {check!r}")
            current = _boolean(sr, "current", False)
            signal = AdoptionSignal(
                name=name,
                check=check,
                description=_optional_string(sr, "description") or "",
                annotation=_optional_string(sr, "annotation"),
                templates=sr.strings("templates"),
                workflows=sr.strings("workflows"),
                current=bool(current),
                min_share=sr.number("min_share", 0.0),
            )
            if check == "annotation" and not signal.annotation:
                sr.fail(f"{key}.annotation", "is required for check annotation")
            if signal.current and check != "reusable_workflows":
                sr.fail(f"{key}.current", "applies to check reusable_workflows only")
            if signal.current and not platform.current_version:
                sr.fail(f"{key}.current", "needs catalog.platform.current_version")
            if signal.min_share > 1:
                sr.fail(f"{key}.min_share", f"is a share from 0 to 1, got {signal.min_share}")
            sr.finish()
            parsed.append(signal)
        signals = tuple(parsed)

    er = cr.child("effect")
    effect_signal = er.string(
        "signal", "platform_deploy" if any(s.name == "platform_deploy" for s in signals) else signals[0].name
    )
    if not any(s.name == effect_signal for s in signals):
        er.fail("catalog.effect.signal", f"{effect_signal!r} is not a signal under catalog.signals")
    effect_weeks = er.number("weeks", CatalogConfig.effect_weeks, minimum=1, integer=True)
    er.finish()

    files = cr.strings("files")
    for item in files:
        if "/" not in item.strip("/"):
            cr.fail("catalog.files", f"entries are repository/path, got {item!r}")
    config = CatalogConfig(
        source=source,
        folder=folder,
        paths=tuple(p.lstrip("/") for p in cr.strings("paths", CatalogConfig.paths)),
        files=tuple(f.strip("/") for f in files),
        path_annotation=cr.string("path_annotation", CatalogConfig.path_annotation),
        department_types=tuple(t.lower() for t in cr.strings("department_types", CatalogConfig.department_types)),
        backstage=backstage,
        teams_file=teams_file,
        platform=platform,
        signals=signals,
        effect_signal=effect_signal,
        effect_weeks=effect_weeks,
    )
    cr.finish()
    return config


def config_path(path: str | Path | None = None) -> Path:
    """The file to read: the argument, else $PULSE_CONFIG, else ./pulse.yaml."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | Path | None = None) -> PulseConfig:
    """Read and validate the configuration file; relative paths in it resolve from the file's folder."""
    file = config_path(path)
    if not file.is_file():
        raise ConfigError(
            f"{file}: configuration file not found (copy pulse.example.yaml to pulse.yaml, "
            f"or set {CONFIG_ENV} to its path)"
        )
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{file}:{where} not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    return parse_config(data, source=str(file), base_dir=file.resolve().parent)
