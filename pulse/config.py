"""Platform Pulse configuration: one YAML file (`pulse.yaml`), validated at start.

Every problem is reported with the dotted key it concerns (``github.base_url: must start with http:// or
https://``) so that a wrong setting fails before any request is sent. Secrets never live in this file: it
names the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CONFIG_ENV = "PULSE_CONFIG"
DEFAULT_CONFIG = Path("pulse.yaml")

DEFAULT_BOTS = ("dependabot[bot]", "renovate[bot]", "github-actions[bot]", "dependabot", "renovate")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class GitHubConfig:
    organisation: str
    base_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    repositories: tuple[str, ...] = ()
    production_environments: tuple[str, ...] = ("production",)
    deploy_workflows: tuple[str, ...] = ("deploy.yml",)
    production_branch: str = "main"
    bots: tuple[str, ...] = DEFAULT_BOTS
    # PyGithub's own default pause between requests is 0.25 s; a local stand-in needs none.
    seconds_between_requests: float = 0.25
    timeout_seconds: float = 30.0
    retries: int = 5

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


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


@dataclass(frozen=True)
class SurveyConfig:
    folder: Path = Path("surveys/exports")


@dataclass(frozen=True)
class WarehouseConfig:
    path: Path = Path("data/pulse.duckdb")
    serving_path: Path = Path("data/pulse_serving.duckdb")


@dataclass(frozen=True)
class ReportConfig:
    schedule: str = "0 8 * * 1"
    refresh_schedule: str = "0 6 * * *"
    output_dir: Path = Path("reports")
    weeks: int = 12


BENCHMARK_YEARS = (2023, 2024)


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


_CRON = re.compile(r"^\s*(\S+\s+){4}\S+\s*$")


def parse_config(data: Any, *, source: str = "pulse.yaml", base_dir: Path | None = None) -> PulseConfig:
    """Validate a parsed YAML document and build the configuration; relative paths resolve from base_dir."""
    base = base_dir or Path.cwd()
    top = _Reader(data, "", source)

    gh = top.child("github")
    github = GitHubConfig(
        organisation=gh.string("organisation", required=True),
        base_url=gh.url("base_url", GitHubConfig.base_url),
        token_env=gh.env_name("token_env", GitHubConfig.token_env),
        repositories=gh.strings("repositories"),
        production_environments=gh.strings("production_environments", GitHubConfig.production_environments),
        deploy_workflows=gh.strings("deploy_workflows", GitHubConfig.deploy_workflows),
        production_branch=gh.string("production_branch", GitHubConfig.production_branch),
        bots=gh.strings("bots", DEFAULT_BOTS),
        seconds_between_requests=gh.number("seconds_between_requests", GitHubConfig.seconds_between_requests),
        timeout_seconds=gh.number("timeout_seconds", GitHubConfig.timeout_seconds, minimum=1),
        retries=gh.number("retries", GitHubConfig.retries, integer=True),
    )
    gh.finish()

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
            pd.fail("pagerduty.window_days", f"must be at most 180 (the API's 6-month limit), got {pagerduty.window_days}")
        if pagerduty.ca_bundle is not None and not pagerduty.ca_bundle.is_file():
            pd.fail("pagerduty.ca_bundle", f"file not found: {pagerduty.ca_bundle}")
        pd.finish()
    else:
        top.raw("pagerduty")

    teams = _parse_teams(top, source)

    sv = top.child("surveys")
    surveys = SurveyConfig(folder=sv.path("folder", SurveyConfig.folder, base))  # type: ignore[arg-type]
    sv.finish()

    wh = top.child("warehouse")
    warehouse = WarehouseConfig(
        path=wh.path("path", WarehouseConfig.path, base),  # type: ignore[arg-type]
        serving_path=wh.path("serving_path", WarehouseConfig.serving_path, base),  # type: ignore[arg-type]
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
        )
        reader.finish()
        for repo in team.repositories:
            if repo in owner_of:
                reader.fail(f"teams.{name}.repositories", f"{repo!r} is already owned by team {owner_of[repo]!r}")
            owner_of[repo] = name
        teams.append(team)
    return tuple(teams)


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
