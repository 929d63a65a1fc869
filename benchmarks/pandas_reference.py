"""A plain pandas implementation of the weekly DORA figures, written from docs/metrics.md and metrics/sql/.

It reads the raw tables GitHub and PagerDuty ingestion write and computes, per team and for the organisation, per
ISO week: deployments, deployment days, changes with lead-time median/p75/p90, failed deployments, change fail rate,
recoveries with the recovery-time median, and incidents: the figures of ``metrics_weekly``. It exists to check the
SQL against an independent implementation and to compare speed and memory; the product does not use it.

Rules it implements (those that apply to data like the benchmark's):

- deployment attempts (ingestion's detection): a Deployments API deployment to a production environment (names or
  globs, case-insensitive) succeeded at its first ``success`` status; a run of a deploy workflow (file name, path
  or display name) on the production branch succeeded when it completed with ``success``, at the time it finished;
- deployments of one repository, service and environment form a chain ordered by (deployed_at, key);
- a deployment ships the changes whose merge commit the comparison with the previous deployment of its chain lists;
  without a usable comparison (first of its chain, comparison missing or not fetched) the changes merged after the
  previous deployment started and no later than it started itself; nothing when it deploys the previous commit;
- a change is a pull request merged into the production branch whose author is not a bot (type ``Bot`` or a listed
  login, case-insensitive); it starts at its earliest authored commit (else the pull request's creation) and
  reaches production with the first deployment, by (deployed_at, key), that shipped it;
- an incident's service and team come from the PagerDuty service's ``team_ownership`` row (the owner of the mapped
  repository, else the team listing the service, else ``unowned``); it is attributed to the last deployment of its
  service at or before it started and at most ``window_hours`` earlier (ties: largest key);
- a deployment failed when an incident is attributed to it; it recovered when the last of those incidents was
  resolved (never, while one is not);
- durations are whole-second differences in hours; medians and percentiles are interpolated (``quantile_cont``).

Not implemented, because the benchmark's rows carry nothing they act on: attribution and fixing deployments from
links in incident or pull-request text (deployment URLs, commit SHAs, pull request numbers, incident ids),
reverts, hotfixes, rollbacks, reviews, direct pushes, releases, tags, deploy-on-merge, reusable-workflow rules,
per-repository overrides, monorepo services and GitHub incident issues. ``unmodelled`` says when a recomputed
warehouse used any of them.

Grain of the result: one row per scope ('organisation' | 'team') per scope_name per ISO week (Monday, UTC) from
``week_from`` to ``week_to``; every team that owns something or has a fact gets every week.
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from metrics.runner import MetricParams
from pulse.config import GitHubConfig

KEY = ["scope", "scope_name", "week_start"]
COUNT_COLUMNS = ("deployments", "deployment_days", "changes", "failed_deployments", "recoveries", "incidents")
RATIO_COLUMNS = (
    "deployments_per_day",
    "lead_time_median_hours",
    "lead_time_p75_hours",
    "lead_time_p90_hours",
    "change_fail_rate",
    "recovery_time_median_hours",
)
FIGURE_COLUMNS = COUNT_COLUMNS + RATIO_COLUMNS
RUN_FAILURES = ("failure", "timed_out", "startup_failure")


@dataclass(frozen=True)
class RawTables:
    """The raw rows the figures are computed from, one DataFrame per table (only the columns used)."""

    deployments: pd.DataFrame
    workflow_runs: pd.DataFrame
    pull_requests: pd.DataFrame
    commits: pd.DataFrame
    compares: pd.DataFrame
    compare_commits: pd.DataFrame
    incidents: pd.DataFrame
    ownership: pd.DataFrame


_QUERIES = {
    "deployments": "SELECT repository, deployment_id, environment, sha, created_at, succeeded_at, latest_state, "
    "latest_state_at FROM raw_github_deployments",
    "workflow_runs": "SELECT repository, run_id, workflow_path, workflow_name, head_branch, head_sha, event, status, "
    "conclusion, created_at, run_started_at, updated_at FROM raw_github_workflow_runs",
    "pull_requests": "SELECT repository, number, author, author_type, base_ref, created_at, merged_at, "
    "merge_commit_sha FROM raw_github_pull_requests",
    "commits": "SELECT repository, number, authored_at FROM raw_github_pull_request_commits",
    "compares": "SELECT repository, base_sha, head_sha, status FROM raw_github_compares",
    "compare_commits": "SELECT repository, base_sha, head_sha, sha FROM raw_github_compare_commits",
    "incidents": "SELECT incident_id, service_id, created_at, resolved_at FROM raw_pagerduty_incidents",
    "ownership": "SELECT team, kind, key, repository FROM team_ownership",
}


def load_raw(con: duckdb.DuckDBPyConnection) -> RawTables:
    """Read the raw tables into pandas (the only step that touches DuckDB); absent comparison tables read empty."""
    frames = {}
    for name, sql in _QUERIES.items():
        try:
            frames[name] = con.execute(sql).df()
        except duckdb.CatalogException:
            if not name.startswith("compare"):
                raise
            frames[name] = pd.DataFrame(columns=["repository", "base_sha", "head_sha", "status", "sha"])
    return RawTables(**frames)


# What the recomputed warehouse used that this implementation does not model, as (what, SQL counting it).
_UNMODELLED = {
    "rollbacks": "SELECT count(*) FROM deployments WHERE is_rollback",
    "reverts": "SELECT count(*) FROM changes WHERE is_revert",
    "hotfixes": "SELECT count(*) FROM changes WHERE is_hotfix",
    "direct pushes": "SELECT count(*) FROM changes WHERE change_kind <> 'pull_request'",
    "deployments not from the Deployments API or workflow runs": "SELECT count(*) FROM deployments "
    "WHERE source NOT IN ('deployments_api', 'workflow_run')",
    "incidents attributed by a rule other than last_deployment_in_window": "SELECT count(*) FROM incidents "
    "WHERE deployment_key IS NOT NULL AND attributed_by <> 'last_deployment_in_window'",
    "incident fixes": "SELECT count(*) FROM incident_fixes",
    "GitHub incident issues": "SELECT count(*) FROM incidents WHERE source <> 'pagerduty'",
    "failures without an incident": "SELECT count(*) FROM failed_deployments WHERE incidents = 0",
}


def unmodelled(con: duckdb.DuckDBPyConnection) -> list[str]:
    """After a recompute: the rules the SQL applied that this implementation does not model, with their counts.

    Empty when the figures can be compared. A check whose table or column does not exist is skipped.
    """
    found = []
    for what, sql in _UNMODELLED.items():
        try:
            n = con.execute(sql).fetchall()[0][0]
        except duckdb.Error:
            continue
        if n:
            found.append(f"{n} {what}")
    return found


def weekly_figures(
    raw: RawTables, params: MetricParams, github: GitHubConfig, timings: dict[str, float] | None = None
) -> pd.DataFrame:
    """The weekly team and organisation figures; columns ``KEY + FIGURE_COLUMNS``, sorted by ``KEY``.

    Counts are integers; rates and durations (hours) are floats, NaN where the SQL gives NULL.
    """
    clock = _Clock(timings)
    repo_team = _repository_teams(raw.ownership)
    deployments = _deployments(raw, github, repo_team)
    clock.lap("deployments")
    changes = _changes(raw, github, deployments, repo_team)
    clock.lap("changes")
    incidents = _incidents(raw, params, deployments, repo_team)
    clock.lap("incidents")
    failed = _failed_deployments(deployments, incidents)
    clock.lap("failed_deployments")
    figures = _weekly(raw, params, deployments, changes, incidents, failed)
    clock.lap("weekly")
    return figures


def _repository_teams(ownership: pd.DataFrame) -> pd.Series:
    repos = ownership[ownership["kind"] == "repository"]
    return pd.Series(repos["team"].to_numpy(), index=repos["key"].to_numpy())


def _blank_to_null(values: pd.Series) -> pd.Series:
    stripped = values.str.strip()
    return stripped.where(stripped != "")


def _team_of(repositories: pd.Series, repo_team: pd.Series) -> pd.Series:
    return repositories.map(repo_team).fillna("unowned")


def _matches(values: pd.Series, patterns: tuple[str, ...], *, lower: bool) -> pd.Series:
    """Each value matched against names or glob patterns (decided once per distinct value)."""
    wanted = [p.lower() for p in patterns] if lower else list(patterns)

    def hit(value: object) -> bool:
        if not isinstance(value, str) or not value:
            return False
        text = value.lower() if lower else value
        return any(fnmatch.fnmatchcase(text, p) for p in wanted)

    distinct = values.dropna().unique()
    return values.map({v: hit(v) for v in distinct}).fillna(False).astype(bool)


def _deployments(raw: RawTables, github: GitHubConfig, repo_team: pd.Series) -> pd.DataFrame:
    """One row per successful production deployment, chained: deployment_key, repository (= service), environment,
    sha, started_at, deployed_at, previous_sha, previous_started_at, team."""
    api = raw.deployments
    api = api[api["succeeded_at"].notna() & _matches(api["environment"], github.production_environments, lower=True)]
    api = pd.DataFrame(
        {
            "deployment_key": "deployment:" + api["repository"] + ":" + api["deployment_id"].astype(str),
            "repository": api["repository"],
            "environment": api["environment"],
            "sha": api["sha"],
            "started_at": api["created_at"],
            "deployed_at": api["succeeded_at"],
        }
    )
    runs = raw.workflow_runs
    runs = runs[(runs["status"] == "completed") & (runs["conclusion"] == "success")]
    basename = runs["workflow_path"].str.rsplit("/", n=1).str[-1]
    matched = []
    taken = pd.Series(False, index=runs.index)
    # A run deploys the repository once, by the first rule that matches it.
    for rule in github.deploy_workflows:
        hit = (
            _matches(basename, (rule.workflow,), lower=False)
            | _matches(runs["workflow_path"], (rule.workflow,), lower=False)
            | _matches(runs["workflow_name"], (rule.workflow,), lower=False)
        )
        branch = rule.branch or github.production_branch
        if branch != "*":
            hit &= _matches(runs["head_branch"], (branch,), lower=False)
        if rule.events:
            hit &= runs["event"].isin(rule.events)
        hit &= ~taken
        taken |= hit
        chosen = runs[hit]
        matched.append(
            pd.DataFrame(
                {
                    "deployment_key": "workflow_run:" + chosen["repository"] + ":" + chosen["run_id"].astype(str),
                    "repository": chosen["repository"],
                    "environment": rule.environment,
                    "sha": chosen["head_sha"],
                    "started_at": chosen["run_started_at"].fillna(chosen["created_at"]),
                    "deployed_at": chosen["updated_at"],
                }
            )
        )
    runs = pd.concat(matched) if matched else api.iloc[:0]
    out = pd.concat([api, runs], ignore_index=True)
    out = out[out["deployed_at"].notna()]
    out = out.sort_values(["repository", "environment", "deployed_at", "deployment_key"], ignore_index=True)
    chain = out.groupby(["repository", "environment"], sort=False)
    out["previous_sha"] = chain["sha"].shift()
    previous_started = chain["started_at"].shift()
    out["previous_started_at"] = previous_started.fillna(chain["deployed_at"].shift())
    out["has_previous"] = chain.cumcount() > 0
    out["team"] = _team_of(out["repository"], repo_team)
    return out


def _changes(raw: RawTables, github: GitHubConfig, deployments: pd.DataFrame, repo_team: pd.Series) -> pd.DataFrame:
    """One row per change: repository, team, first_commit_at, merged_at, deployment_key and deployed_at of the first
    deployment that shipped it (NaT when none has yet), lead_time_hours."""
    prs = raw.pull_requests
    bots = {b.lower() for b in github.bots}
    prs = prs[
        prs["merged_at"].notna()
        & (prs["base_ref"] == github.production_branch)
        & (prs["author_type"].fillna("").str.lower() != "bot")
        & ~prs["author"].fillna("").str.lower().isin(bots)
    ]
    first = raw.commits.groupby(["repository", "number"], sort=False)["authored_at"].min().rename("first_authored")
    prs = prs.join(first, on=["repository", "number"])
    prs = prs.assign(first_commit_at=prs["first_authored"].fillna(prs["created_at"])).reset_index(drop=True)
    prs["change"] = np.arange(len(prs))

    compared = _compared(raw, deployments)
    shipped = pd.concat([_shipped_by_compare(raw, compared, prs), _shipped_by_time(deployments, compared, prs)])
    first_shipped = shipped.sort_values(["change", "deployed_at", "deployment_key"]).drop_duplicates("change")
    out = prs.merge(first_shipped, on="change", how="left")
    out["team"] = _team_of(out["repository"], repo_team)
    out["lead_time_hours"] = _hours(out["first_commit_at"], out["deployed_at"])
    return out


def _compared(raw: RawTables, deployments: pd.DataFrame) -> pd.DataFrame:
    """Deployments with a usable comparison to the previous one of their chain: deployment_key, repository,
    base_sha, head_sha."""
    usable = raw.compares[raw.compares["status"].notna() & (raw.compares["status"] != "missing")]
    chained = deployments[deployments["has_previous"]]
    matched = chained[["deployment_key", "repository", "previous_sha", "sha", "deployed_at"]].merge(
        usable[["repository", "base_sha", "head_sha"]],
        left_on=["repository", "previous_sha", "sha"],
        right_on=["repository", "base_sha", "head_sha"],
    )
    return matched[["deployment_key", "repository", "base_sha", "head_sha", "deployed_at"]]


def _shipped_by_compare(raw: RawTables, compared: pd.DataFrame, prs: pd.DataFrame) -> pd.DataFrame:
    """change, deployment_key, deployed_at: the changes each compared deployment's comparison lists."""
    listed = compared.merge(raw.compare_commits, on=["repository", "base_sha", "head_sha"])
    shipped = listed.merge(
        prs[["repository", "merge_commit_sha", "change"]],
        left_on=["repository", "sha"],
        right_on=["repository", "merge_commit_sha"],
    )
    return shipped[["change", "deployment_key", "deployed_at"]]


def _shipped_by_time(deployments: pd.DataFrame, compared: pd.DataFrame, prs: pd.DataFrame) -> pd.DataFrame:
    """change, deployment_key, deployed_at for deployments without a usable comparison that do not redeploy the
    previous commit: the changes merged in (previous deployment's start, its own start]."""
    by_time = deployments[
        ~deployments["deployment_key"].isin(compared["deployment_key"])
        & ~(deployments["has_previous"] & (deployments["previous_sha"] == deployments["sha"]))
    ]
    codes, repos = pd.factorize(prs["repository"])
    order = np.lexsort((prs["merged_at"].to_numpy(), codes))
    merged_us = _epoch_us(prs["merged_at"])[order]
    repo_sorted = codes[order]
    dep_code = pd.Categorical(by_time["repository"], categories=repos).codes
    known = dep_code >= 0
    by_time, dep_code = by_time[known], dep_code[known]
    start_us = _epoch_us(by_time["started_at"].fillna(by_time["deployed_at"]))
    previous_us = _epoch_us(by_time["previous_started_at"], missing=np.iinfo(np.int64).min)
    # Rows of the deployment's repository, then merged_at in (previous start, own start].
    repo_lo = np.searchsorted(repo_sorted, dep_code, side="left")
    repo_hi = np.searchsorted(repo_sorted, dep_code, side="right")
    lo = np.empty(len(by_time), dtype=np.int64)
    hi = np.empty(len(by_time), dtype=np.int64)
    for i, (a, b) in enumerate(zip(repo_lo, repo_hi, strict=True)):
        window = merged_us[a:b]
        lo[i] = a + np.searchsorted(window, previous_us[i], side="right")
        hi[i] = a + np.searchsorted(window, start_us[i], side="right")
    n = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(by_time)), n)
    pos = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    return pd.DataFrame(
        {
            "change": prs["change"].to_numpy()[order][pos],
            "deployment_key": by_time["deployment_key"].to_numpy()[owner],
            "deployed_at": by_time["deployed_at"].to_numpy()[owner],
        }
    )


def _incidents(raw: RawTables, params: MetricParams, deployments: pd.DataFrame, repo_team: pd.Series) -> pd.DataFrame:
    """One row per incident with a start: incident_id, service, team, created_at, resolved_at, deployment_key
    (the deployment it is attributed to, or NaN), restored_at."""
    own = raw.ownership
    listed = own[own["kind"] == "pagerduty_service"]
    mapping = pd.DataFrame(
        {
            "service_id": listed["key"].to_numpy(),
            "service": _blank_to_null(listed["repository"]).to_numpy(),
            "listed_by": listed["team"].to_numpy(),
        }
    )
    mapping["team"] = mapping["service"].map(repo_team).fillna(mapping["listed_by"])
    inc = raw.incidents[raw.incidents["created_at"].notna()]
    inc = inc.merge(mapping[["service_id", "service", "team"]], on="service_id", how="left")
    inc["team"] = inc["team"].fillna("unowned")

    # Attribution: the last deployment of the service at or before the start; of several in the same second,
    # the largest key (merge_asof takes the last of equal keys).
    ds = deployments.loc[deployments["deployed_at"].notna(), ["repository", "deployed_at", "deployment_key"]]
    ds = ds.rename(columns={"repository": "service"}).sort_values(["deployed_at", "deployment_key"], kind="stable")
    has_service = inc[inc["service"].notna()].sort_values("created_at", kind="stable")
    last = pd.merge_asof(
        has_service[["incident_id", "service", "created_at"]],
        ds,
        left_on="created_at",
        right_on="deployed_at",
        by="service",
        direction="backward",
    )
    if params.window_hours:
        too_old = last["deployed_at"] < last["created_at"] - pd.Timedelta(hours=params.window_hours)
        last.loc[too_old, "deployment_key"] = np.nan
    inc = inc.merge(last[["incident_id", "deployment_key"]], on="incident_id", how="left")

    # Fixing deployments are found only from links in text, rollbacks, reverts and hotfixes (none modelled here),
    # so an incident is restored when it is resolved.
    inc["restored_at"] = inc["resolved_at"]
    return inc


def _failed_deployments(deployments: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per failed deployment: deployment_key, team, deployed_at, recovery_hours (NaN until recovered)."""
    attributed = incidents[incidents["deployment_key"].notna()]
    per = attributed.groupby("deployment_key").agg(
        restored=("restored_at", "max"), incidents=("incident_id", "size"), restored_n=("restored_at", "count")
    )
    # Not recovered while any of its incidents is neither resolved nor fixed.
    per.loc[per["restored_n"] < per["incidents"], "restored"] = pd.NaT
    failed = deployments.merge(per["restored"], left_on="deployment_key", right_index=True, how="inner")
    failed["recovery_hours"] = _hours(failed["deployed_at"], failed["restored"])
    return failed[["deployment_key", "team", "deployed_at", "recovery_hours"]]


def _weekly(
    raw: RawTables,
    params: MetricParams,
    deployments: pd.DataFrame,
    changes: pd.DataFrame,
    incidents: pd.DataFrame,
    failed: pd.DataFrame,
) -> pd.DataFrame:
    deps = deployments[deployments["deployed_at"].notna()].copy()
    deps["failed"] = deps["deployment_key"].isin(failed["deployment_key"])
    deps["day"] = deps["deployed_at"].dt.normalize()
    shipped = changes[changes["deployed_at"].notna()]
    facts = {
        "deployment": deps[["team", "deployed_at", "failed", "day"]].rename(columns={"deployed_at": "at"}),
        "change": shipped[["team", "deployed_at", "lead_time_hours"]].rename(columns={"deployed_at": "at"}),
        "failure": failed[["team", "deployed_at", "recovery_hours"]].rename(columns={"deployed_at": "at"}),
        "incident": incidents[["team", "created_at"]].rename(columns={"created_at": "at"}),
    }
    teams = set(raw.ownership["team"]).union(*(set(f["team"]) for f in facts.values()))

    first_week = pd.Timestamp(params.week_from)
    last_week = pd.Timestamp(params.week_to)
    parts = []
    for scope in ("team", "organisation"):
        aggregated = []
        for kind, frame in facts.items():
            frame = frame.assign(
                week_start=_week_start(frame["at"]),
                scope_name=frame["team"] if scope == "team" else params.organisation,
            )
            frame = frame[(frame["week_start"] >= first_week) & (frame["week_start"] <= last_week)]
            aggregated.append(_aggregate(kind, frame.groupby(["scope_name", "week_start"], sort=False)))
        names = sorted(teams) if scope == "team" else [params.organisation]
        weeks = pd.date_range(first_week, last_week, freq="7D")
        grid = pd.MultiIndex.from_product([names, weeks], names=["scope_name", "week_start"])
        part = pd.concat(aggregated, axis=1).reindex(grid).reset_index()
        part.insert(0, "scope", scope)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for column in COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype(np.int64)
    out["deployments_per_day"] = out["deployments"] / 7
    out["change_fail_rate"] = (out["failed_deployments"] / out["deployments"]).where(out["deployments"] > 0)
    out["week_start"] = out["week_start"].dt.date
    return out[KEY + list(FIGURE_COLUMNS)].sort_values(KEY, ignore_index=True)


def _aggregate(kind: str, groups: pd.core.groupby.DataFrameGroupBy) -> pd.DataFrame:
    if kind == "deployment":
        return pd.DataFrame(
            {
                "deployments": groups.size(),
                "deployment_days": groups["day"].nunique(),
                "failed_deployments": groups["failed"].sum(),
            }
        )
    if kind == "change":
        hours = groups["lead_time_hours"]
        return pd.DataFrame(
            {
                "changes": groups.size(),
                "lead_time_median_hours": hours.quantile(0.5),
                "lead_time_p75_hours": hours.quantile(0.75),
                "lead_time_p90_hours": hours.quantile(0.9),
            }
        )
    if kind == "failure":
        hours = groups["recovery_hours"]
        return pd.DataFrame({"recoveries": hours.count(), "recovery_time_median_hours": hours.quantile(0.5)})
    return pd.DataFrame({"incidents": groups.size()})


def _week_start(at: pd.Series) -> pd.Series:
    """Monday 00:00 of the ISO week containing each timestamp."""
    day = at.dt.normalize()
    return day - pd.to_timedelta(day.dt.weekday, unit="D")


def _hours(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole seconds from start to end (each truncated to the second, like DuckDB's date_diff), in hours."""
    return (end.dt.floor("s") - start.dt.floor("s")).dt.total_seconds() / 3600.0


def _epoch_us(at: pd.Series, missing: int | None = None) -> np.ndarray:
    """Microseconds since the epoch; NaT becomes ``missing`` (which must be given when there can be NaT)."""
    values = at.to_numpy(dtype="datetime64[us]")
    out = values.astype(np.int64)
    if missing is not None:
        out[np.isnat(values)] = missing
    return out


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[step] = now - self.last
        self.last = now


def compare(sql: pd.DataFrame, reference: pd.DataFrame, tolerance: float = 1e-9) -> list[str]:
    """Differences between two sets of weekly figures (``KEY + FIGURE_COLUMNS``); empty when they agree.

    Rows must match one to one on ``KEY``; numbers must agree within ``tolerance`` and be empty (NULL/NaN) together.
    """
    problems: list[str] = []
    left = sql[KEY + list(FIGURE_COLUMNS)].copy()
    right = reference[KEY + list(FIGURE_COLUMNS)].copy()
    for frame in (left, right):
        frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    merged = left.merge(right, on=KEY, how="outer", suffixes=("_sql", "_pandas"), indicator=True)
    only = merged[merged["_merge"] != "both"]
    if len(only):
        sample = only[[*KEY, "_merge"]].head(5).to_dict("records")
        problems.append(f"{len(only)} rows present on one side only, e.g. {sample}")
    both = merged[merged["_merge"] == "both"]
    for column in FIGURE_COLUMNS:
        a = both[f"{column}_sql"].astype(float).to_numpy()
        b = both[f"{column}_pandas"].astype(float).to_numpy()
        empty_a, empty_b = np.isnan(a), np.isnan(b)
        bad = (empty_a != empty_b) | (~empty_a & ~empty_b & (np.abs(a - b) > tolerance))
        if bad.any():
            rows = both.loc[bad, [*KEY, f"{column}_sql", f"{column}_pandas"]].head(3).to_dict("records")
            problems.append(f"{column}: {int(bad.sum())} rows differ, e.g. {rows}")
    return problems
