"""The `pulse` command: run the pipeline, print metrics, render reports, start the demo."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from pulse.config import CONFIG_ENV, ConfigError, PulseConfig, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse", description="Platform Pulse: DORA and developer-experience metrics")
    parser.add_argument("--config", help=f"configuration file (default: ${CONFIG_ENV} or ./pulse.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)

    rn = sub.add_parser("run", help="materialize every asset once: ingest, compute metrics, publish")
    rn.add_argument(
        "--full",
        action="store_true",
        help="rebuild every metric row (by default only what the newly fetched rows changed is rebuilt)",
    )

    m = sub.add_parser("metrics", help="print published metrics per team and week")
    m.add_argument("--team", help="one team only")
    m.add_argument("--weeks", type=int, default=12, help="how many recent weeks (default 12)")
    m.add_argument("--format", choices=["table", "json", "csv"], default="table")

    e = sub.add_parser("explain", help="list the rows behind one published figure")
    e.add_argument(
        "--metric",
        required=True,
        choices=["lead_time", "deployment_frequency", "change_fail_rate", "recovery_time", "rework_rate"],
    )
    who = e.add_mutually_exclusive_group()
    who.add_argument("--team", help="a team (default: the organisation)")
    who.add_argument("--service", help="a service")
    when = e.add_mutually_exclusive_group(required=True)
    when.add_argument("--week", help="ISO week, e.g. 2026-W47")
    when.add_argument("--period", help="2026-W47, 2026-11, 2026-Q4, R28:2026-11-23 or R90:2026-11-23")
    e.add_argument("--format", choices=["table", "json", "csv"], default="table")

    r = sub.add_parser("report", help="render the weekly report (Markdown and HTML)")
    r.add_argument("--week", help="ISO week such as 2026-W47 (default: the last complete week)")
    r.add_argument("--out", help="output folder (default: report.output_dir)")

    sv = sub.add_parser("surveys", help="print developer-survey results (NPS, satisfaction) of one wave")
    sv.add_argument("--wave", help="wave id such as 2026-Q3 (default: the latest wave)")
    sv.add_argument("--format", choices=["table", "json", "csv"], default="table")

    d = sub.add_parser("demo", help="serve the sample organisation, load it, start Dagster and the dashboard")
    d.add_argument("--no-ui", action="store_true", help="load the data, then stop (no Dagster UI or dashboard)")
    d.add_argument("--reload", action="store_true", help="load again even when the sample is already loaded")

    sub.add_parser("check-config", help="validate the configuration file and print a summary")

    args = parser.parse_args(argv)
    if args.config:
        os.environ[CONFIG_ENV] = str(Path(args.config).resolve())
    try:
        if args.command == "demo":
            from pulse.demo import run_demo

            return run_demo(ui=not args.no_ui, reload=args.reload)
        cfg = load_config(args.config)
        if args.command == "run":
            return _run(cfg, full=args.full)
        if args.command == "metrics":
            return _metrics(cfg, args.team, args.weeks, args.format)
        if args.command == "explain":
            return _explain(cfg, args)
        if args.command == "report":
            return _report(cfg, args.week, args.out)
        if args.command == "surveys":
            from surveys.cli import surveys_command

            return surveys_command(cfg.warehouse.serving_path, args.wave, args.format)
        if args.command == "check-config":
            return _check(cfg)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


def _run(cfg: PulseConfig, *, full: bool = False) -> int:
    from pipelines.run import materialize_all

    ok = materialize_all(cfg, full_recompute=full)
    return 0 if ok else 1


def _metrics(cfg: PulseConfig, team: str | None, weeks: int, fmt: str) -> int:
    from metrics.queries import NoDataError, team_weeks

    try:
        rows = team_weeks(cfg.warehouse.serving_path, team=team, weeks=weeks)
    except NoDataError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    records = [asdict(r) for r in rows]
    if fmt == "json":
        print(json.dumps(records, indent=2))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(records[0]) if records else ["team"])
        writer.writeheader()
        writer.writerows(records)
        print(buf.getvalue(), end="")
    else:
        print(_table(records))
    return 0


def _explain(cfg: PulseConfig, args: argparse.Namespace) -> int:
    from metrics.explain import explain
    from metrics.queries import NoDataError

    try:
        result = explain(
            cfg.warehouse.serving_path,
            args.metric,
            args.week or args.period,
            team=args.team,
            service=args.service,
        )
    except (NoDataError, ValueError) as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 1
    records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    if args.format == "json":
        payload = {
            "metric": result.metric,
            "scope": result.scope,
            "name": result.name,
            "period": result.period.label,
            "figure": result.figure,
            "rows": records,
        }
        print(json.dumps(payload, indent=2, default=str))
        return 0
    if args.format == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        print(buf.getvalue(), end="")
        return 0
    figure = ", ".join(f"{k}={_plain(v)}" for k, v in result.figure.items())
    print(
        f"{result.metric} for {result.scope} {result.name}, {result.period.label} "
        f"[{result.period.start} .. {result.period.end}) UTC"
    )
    print(f"figure: {figure}")
    print(f"{len(records)} rows behind it:")
    cells = [[_plain(v) for v in row] for row in result.rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(result.columns)]
    print("  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return 0


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _fmt_hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}h" if value < 48 else f"{value / 24:.1f}d"


def _table(records: list[dict]) -> str:
    headers = [
        "week",
        "team",
        "deploys/day",
        "deploys",
        "lead time (median)",
        "changes",
        "CFR",
        "failed",
        "recovery (median)",
        "incidents",
        "rework",
    ]
    lines = []
    for r in records:
        cfr = "—" if r["change_fail_rate"] is None else f"{r['change_fail_rate']:.0%}"
        lines.append(
            [
                r["iso_week"],
                r["team"] if r["scope"] == "team" else f"{r['team']} (org)",
                f"{r['deployments_per_day']:.2f}",
                str(r["deployments"]),
                _fmt_hours(r["lead_time_median_hours"]),
                str(r["changes"]),
                cfr,
                str(r["failed_deployments"]),
                _fmt_hours(r["recovery_time_median_hours"]),
                str(r["incidents"]),
                "—" if r["rework_rate"] is None else f"{r['rework_rate']:.0%}",
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in lines)) if lines else len(h) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in lines]
    return "\n".join(out)


def _report(cfg: PulseConfig, week: str | None, out: str | None) -> int:
    from reporting.configured import render_configured_report
    from reporting.weekly import ReportError

    try:
        report = render_configured_report(cfg, week, Path(out) if out else None)
    except (ReportError, ValueError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {report.markdown_path}")
    print(f"wrote {report.html_path}")
    return 0


def _check(cfg: PulseConfig) -> int:
    print(f"configuration OK: {cfg.source}")
    print(f"  organisation: {cfg.organisation} at {cfg.github.base_url}")
    print(f"  teams: {len(cfg.teams)}; pagerduty: {'yes' if cfg.pagerduty else 'no'}")
    print(f"  warehouse: {cfg.warehouse.path}; serving copy: {cfg.warehouse.serving_path}")
    missing = [
        env
        for env in [cfg.github.token_env, cfg.pagerduty.token_env if cfg.pagerduty else None]
        if env and not os.environ.get(env)
    ]
    for env in missing:
        print(f"  note: ${env} is not set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
