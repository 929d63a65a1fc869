"""Speed and memory of the metric recompute on a large synthetic organisation, and a pandas cross-check.

Run: ``.venv/bin/python benchmarks/metrics_recompute.py [--scale 1.0]``

1. Generates the organisation (benchmarks/synthetic_org.py) into the raw tables of a fresh DuckDB file.
2. Times a full recompute of every metric table (``metrics.runner.compute_metrics``, two years of weeks).
3. Runs the pandas implementation (benchmarks/pandas_reference.py) on the same raw tables and checks that its weekly
   team and organisation figures equal ``metrics_weekly`` (within 1e-9).
4. Appends one more week of raw rows and times the incremental recompute that follows (``compute_metrics`` with
   ``full=False``: only what the new rows can change is rebuilt), then checks that it left every metric table as a
   full recompute of the same data does.
5. Prints the figures against the targets of issue 5 and exits 0 whether or not they are met.

Each measured step runs in its own subprocess; its peak memory is that process's peak resident set size (Linux's
VmHWM: Python, DuckDB and pandas together). A step that runs past
``--timeout`` is stopped and reported as not finished. DuckDB's ``memory_limit`` and ``max_temp_directory_size``
are set for the measured runs (``--memory-limit``, ``--temp-limit``) so that a runaway query cannot take a shared
machine's memory or disk; ``--memory-limit default`` keeps DuckDB's own default (80% of RAM).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb

from benchmarks import synthetic_org
from benchmarks.pandas_reference import compare, load_raw, unmodelled, weekly_figures
from metrics.runner import METRIC_TABLES, MetricParams, compute_metrics
from pulse.warehouse import connect

# Targets of issue 5, on this machine (2 cores).
TARGET_FULL_SECONDS = 10.0
TARGET_FULL_MIB = 2048.0
TARGET_UPDATE_SECONDS = 1.0
TOLERANCE = 1e-9
# The measured runs' DuckDB memory_limit: what `warehouse.memory_limit` would be on a machine where the recompute
# must stay under 2 GiB (past it DuckDB spills to disk). DuckDB's own default is 80% of RAM.
DEFAULT_MEMORY_LIMIT = "1500MB"


def bench_params(week_to: date) -> MetricParams:
    """The metric settings of the benchmark: the configuration defaults, weeks from the first week of data."""
    return MetricParams(
        organisation=synthetic_org.ORGANISATION,
        production_branch=synthetic_org.BENCH_GITHUB.production_branch,
        bots=synthetic_org.BENCH_GITHUB.bots,
        window_hours=24,
        week_from=synthetic_org.START.date(),
        week_to=week_to,
    )


FULL_WEEK_TO = (synthetic_org.END - timedelta(weeks=1)).date()  # the last complete week of the generated history
UPDATED_WEEK_TO = synthetic_org.END.date()  # the appended week


@dataclass(frozen=True)
class Measured:
    """One measured step: wall seconds of the timed part, peak resident memory of its process (MiB).

    Repeated (``--repeat``), it is the run of median wall time, with every run's seconds in ``runs`` and the
    highest peak memory of them all.
    """

    finished: bool
    seconds: float
    peak_mib: float
    detail: str = ""
    steps: dict[str, float] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)
    runs: tuple[float, ...] = ()


# ---------------------------------------------------------------------------------------------------------------
# Workers: each runs in its own process and writes its result as JSON.


def _peak_mib() -> float:
    """This process's peak resident memory, MiB.

    Linux's VmHWM belongs to the process image, so it starts afresh in a worker; ru_maxrss would not: Linux carries
    it over from the parent at fork, so every worker would report at least the parent's size when it was started.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    # Elsewhere: ru_maxrss (KiB on Linux, bytes on macOS), which may include the parent's size.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _limit_duckdb(con: duckdb.DuckDBPyConnection, memory_limit: str, temp_limit: str) -> None:
    con.execute("SET enable_progress_bar = false")
    if memory_limit != "default":
        con.execute("SET memory_limit = ?", [memory_limit])
    if temp_limit != "default":
        con.execute("SET max_temp_directory_size = ?", [temp_limit])


def worker_recompute(db: Path, week_to: date, memory_limit: str, temp_limit: str, full: bool = True) -> dict:
    con = connect(db)
    _limit_duckdb(con, memory_limit, temp_limit)
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    steps: dict[str, float] = {}
    last = [time.perf_counter()]

    def log(line: str) -> None:
        # compute_metrics logs what it plans, then "<table>: <n> rows (<s>s)" or "<view>: view (<s>s)" after each.
        if ": " not in line or not line.endswith("s)"):
            return
        now = time.perf_counter()
        steps[line.split(":", 1)[0]] = now - last[0]
        last[0] = now

    started, cpu = time.perf_counter(), time.process_time()
    compute_metrics(con, bench_params(week_to), log=log, full=full)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    return {
        "seconds": seconds,
        "peak_mib": _peak_mib(),
        "steps": steps,
        "extra": {"threads": float(threads), "cpu_seconds": cpu},
    }


def worker_pandas(db: Path, week_to: date, out: Path) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    con = connect(db, read_only=True)
    raw = load_raw(con)
    con.close()
    loaded = time.perf_counter()
    steps: dict[str, float] = {}
    figures = weekly_figures(raw, bench_params(week_to), synthetic_org.BENCH_GITHUB, steps)
    done, cpu = time.perf_counter(), time.process_time() - cpu
    figures.to_parquet(out)
    return {
        "seconds": done - started,
        "peak_mib": _peak_mib(),
        "steps": {"load": loaded - started, **steps},
        "extra": {"load_seconds": loaded - started, "compute_seconds": done - loaded, "cpu_seconds": cpu},
    }


def _run_worker(args: Sequence[str], timeout: float) -> Measured:
    """Run this file as a worker in a fresh process; its last stdout line is the JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Measured(False, time.perf_counter() - started, float("nan"), f"stopped after {timeout:.0f} s")
    if done.returncode != 0:
        return Measured(False, time.perf_counter() - started, float("nan"), f"failed: {_error_line(done.stderr)}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(True, result["seconds"], result["peak_mib"], "", result["steps"], result["extra"])


def _repeated(args: Sequence[str], timeout: float, db: Path, repeat: int) -> Measured:
    """Run a worker ``repeat`` times, each from the same state of ``db`` (a copy restored before every run after
    the first; the last run's result stays in ``db``), and keep the run of median wall time.

    One run on a shared machine can be 20% off; the median of a few is what the targets are judged on.
    """
    if repeat <= 1:
        return _run_worker(args, timeout)
    start = db.with_name(db.name + ".start")
    shutil.copy(db, start)
    runs: list[Measured] = []
    try:
        for i in range(repeat):
            if i:
                shutil.copy(start, db)
            runs.append(_run_worker(args, timeout))
            if not runs[-1].finished:
                return runs[-1]
    finally:
        start.unlink(missing_ok=True)
    median = sorted(runs, key=lambda m: m.seconds)[(len(runs) - 1) // 2]
    return replace(median, peak_mib=max(m.peak_mib for m in runs), runs=tuple(m.seconds for m in runs))


def _error_line(stderr: str) -> str:
    """The exception line of a worker's traceback (the last line naming an error), else its last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line or "Exception" in line]
    return ((named or lines or ["(no output)"])[-1])[:400]


# ---------------------------------------------------------------------------------------------------------------
# The benchmark.


@dataclass(frozen=True)
class Report:
    scale: float
    size: synthetic_org.OrgSize
    raw_rows: dict[str, int]
    generate_seconds: float
    generate_cpu: float
    load_average: float  # of the machine (1 minute) when the benchmark started
    full: Measured
    pandas: Measured
    problems: list[str] | None  # None: not compared
    appended_rows: dict[str, int]
    append_seconds: float
    update: Measured
    memory_limit: str
    unsupported: list[str]
    update_differs: list[str] | None = None  # None: not compared

    @property
    def agree(self) -> bool:
        return self.problems == [] and self.update_differs == []


def run(
    scale: float,
    workdir: Path,
    *,
    timeout: float = 900,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_limit: str = "20GiB",
    seed: int = synthetic_org.SEED,
    repeat: int = 1,
    log: Callable[[str], None] = print,
) -> Report:
    """Generate, measure, compare; returns everything measured."""
    size = synthetic_org.OrgSize.at_scale(scale)
    db = workdir / "bench.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)

    log(f"generating the organisation at scale {scale:g} into {db} ...")
    load_average = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    raw_rows = synthetic_org.generate(con, size, seed=seed)
    con.execute("CHECKPOINT")
    con.close()
    generate_seconds, generate_cpu = time.perf_counter() - started, time.process_time() - cpu
    log(f"  {sum(raw_rows.values()):,} rows in {generate_seconds:.1f} s ({generate_cpu:.1f} s CPU)")

    limits = ["--memory-limit", memory_limit, "--temp-limit", temp_limit]
    log("full recompute (compute_metrics) ...")
    full = _repeated(
        ["--worker", "recompute", "--db", str(db), "--week-to", FULL_WEEK_TO.isoformat(), *limits], timeout, db, repeat
    )
    log(f"  {_describe(full)}")

    log("pandas reference ...")
    figures = workdir / "pandas_weekly.parquet"
    pandas_run = _run_worker(
        ["--worker", "pandas", "--db", str(db), "--week-to", FULL_WEEK_TO.isoformat(), "--out", str(figures)], timeout
    )
    log(f"  {_describe(pandas_run)}")

    problems: list[str] | None = None
    unsupported: list[str] = []
    if full.finished and pandas_run.finished:
        import pandas as pd

        con = connect(db, read_only=True)
        sql = con.execute("SELECT * FROM metrics_weekly").df()
        unsupported = unmodelled(con)
        con.close()
        problems = compare(sql, pd.read_parquet(figures), TOLERANCE)

    log("appending one week of raw rows ...")
    started = time.perf_counter()
    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    appended = synthetic_org.append_week(con, size, seed=seed)
    con.execute("CHECKPOINT")
    con.close()
    append_seconds = time.perf_counter() - started

    update_differs: list[str] | None = None
    if full.finished:
        reference = db.with_name("bench_reference.duckdb")
        shutil.copy(db, reference)
        log("incremental recompute after the new week ...")
        update = _repeated(
            ["--worker", "update", "--db", str(db), "--week-to", UPDATED_WEEK_TO.isoformat(), *limits],
            timeout,
            db,
            repeat,
        )
        log(f"  {_describe(update)}")
        log("full recompute of the same data, to compare with ...")
        reference_run = _run_worker(
            ["--worker", "recompute", "--db", str(reference), "--week-to", UPDATED_WEEK_TO.isoformat(), *limits],
            timeout,
        )
        log(f"  {_describe(reference_run)}")
        if update.finished and reference_run.finished:
            update_differs = table_differences(db, reference)
        reference.unlink(missing_ok=True)
    else:
        update = Measured(False, float("nan"), float("nan"), "not run: the full recompute did not finish")

    return Report(
        scale=scale,
        size=size,
        raw_rows=raw_rows,
        generate_seconds=generate_seconds,
        generate_cpu=generate_cpu,
        load_average=load_average,
        full=full,
        pandas=pandas_run,
        problems=problems,
        appended_rows=appended,
        append_seconds=append_seconds,
        update=update,
        memory_limit=memory_limit,
        unsupported=unsupported,
        update_differs=update_differs,
    )


def table_differences(db: Path, reference: Path) -> list[str]:
    """The metric tables whose rows differ between two warehouses, with how many rows differ each way."""
    con = connect(db, read_only=True)
    con.execute("ATTACH ? AS reference (READ_ONLY)", [str(reference)])
    found = []
    for table in METRIC_TABLES:
        here = con.execute(f"SELECT count(*) FROM (FROM main.{table} EXCEPT ALL FROM reference.{table})").fetchall()[0][
            0
        ]
        there = con.execute(f"SELECT count(*) FROM (FROM reference.{table} EXCEPT ALL FROM main.{table})").fetchall()[
            0
        ][0]
        if here or there:
            found.append(f"{table}: {here} rows only after the update, {there} only after the full recompute")
    con.close()
    return found


def _describe(m: Measured) -> str:
    if not m.finished:
        return f"did not finish ({m.detail})"
    return f"{m.seconds:.2f} s, peak {m.peak_mib:,.0f} MiB"


def _verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[ok]


def render(report: Report) -> tuple[str, bool]:
    """The printed summary, and whether every target was met and the implementations agreed."""
    full, pandas_run, update = report.full, report.pandas, report.update
    rows = report.raw_rows
    lines = [
        "",
        f"Metrics recompute benchmark (scale {report.scale:g}, {os.cpu_count()} CPUs, load average "
        f"{report.load_average:.1f} at start, DuckDB memory_limit {report.memory_limit})",
        "",
        f"organisation: {report.size.teams} teams, {report.size.services} services, {report.size.days} days",
        f"rows generated: {sum(rows.values()):,} in {report.generate_seconds:.1f} s ({report.generate_cpu:.1f} s CPU;"
        " raw tables, and the tables GitHub ingestion derives from them when the schema has them)",
    ]
    for table, n in rows.items():
        lines.append(f"  {table:<34}{n:>14,}")
    lines.append(
        f"one more week appended: {sum(report.appended_rows.values()):,} rows in {report.append_seconds:.2f} s"
    )
    lines.append("")

    def secs(m: Measured) -> str:
        return f"{m.seconds:.2f}" if m.finished else "—"

    def mib(m: Measured) -> str:
        return f"{m.peak_mib:,.0f}" if m.finished else "—"

    def cpu(m: Measured) -> str:
        return f"{m.extra['cpu_seconds']:.2f}" if m.finished and "cpu_seconds" in m.extra else "—"

    full_ok = (full.seconds < TARGET_FULL_SECONDS and full.peak_mib < TARGET_FULL_MIB) if full.finished else False
    update_ok = update.seconds < TARGET_UPDATE_SECONDS if update.finished else False
    table = [
        ("measure", "seconds", "CPU s", "peak MiB", "target", "result"),
        ("full recompute (DuckDB SQL)", secs(full), cpu(full), mib(full), "< 10 s, < 2048 MiB", _verdict(full_ok)),
        ("one-week update (incremental)", secs(update), cpu(update), mib(update), "< 1 s", _verdict(update_ok)),
        ("pandas reference (load + compute)", secs(pandas_run), cpu(pandas_run), mib(pandas_run), "", ""),
    ]
    widths = [max(len(r[i]) for r in table) for i in range(6)]
    for r in table:
        cells = (c.ljust(w) if i in (0, 4, 5) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    if full.finished and pandas_run.finished:
        compute = pandas_run.extra.get("compute_seconds", pandas_run.seconds)
        lines.append(
            f"pandas ÷ DuckDB: time {pandas_run.seconds / full.seconds:.2f}x "
            f"(pandas compute alone, without loading: {compute / full.seconds:.2f}x), "
            f"peak memory {pandas_run.peak_mib / full.peak_mib:.2f}x"
        )
    else:
        lines.append("pandas ÷ DuckDB: not computed (a run did not finish)")
    for name, m in (("full recompute", full), ("one-week update", update)):
        if m.finished and len(m.runs) > 1:
            runs = ", ".join(f"{r:.2f}" for r in m.runs)
            lines.append(f"{name}: {len(m.runs)} runs ({runs} s); the median run is shown, with the highest peak")
    for name, m in (("full recompute", full), ("pandas", pandas_run), ("one-week update", update)):
        if m.finished and m.steps:
            slowest = sorted(m.steps.items(), key=lambda kv: -kv[1])[:4]
            lines.append(f"{name}, slowest steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in slowest))
        elif not m.finished:
            lines.append(f"{name}: {m.detail}")
    lines.append("")
    if report.problems is None:
        lines.append("CHECK pandas vs SQL: NOT RUN (a run did not finish)")
    elif report.problems:
        lines.append(f"CHECK pandas vs SQL: DIFFERENT ({len(report.problems)} columns or row sets differ)")
        lines.extend(f"  {p}" for p in report.problems)
    else:
        lines.append(f"CHECK pandas vs SQL: same weekly figures (within {TOLERANCE:g}) for every team and week")
    if report.update_differs is None:
        lines.append("CHECK incremental update vs full recompute: NOT RUN (a run did not finish)")
    elif report.update_differs:
        lines.append("CHECK incremental update vs full recompute: DIFFERENT")
        lines.extend(f"  {d}" for d in report.update_differs)
    else:
        lines.append("CHECK incremental update vs full recompute: every metric table has the same rows")
    if report.unsupported:
        lines.append(
            "  note: the SQL applied rules the pandas reference does not model: " + "; ".join(report.unsupported)
        )
    all_ok = full_ok and update_ok and report.agree
    if not all_ok:
        missed = [n for n, ok in (("full recompute", full_ok), ("one-week update", update_ok)) if not ok]
        banner = "!" * 100
        lines += ["", banner]
        if missed:
            lines.append(f"!!  TARGET MISSED: {', '.join(missed)}")
        if not report.agree:
            lines.append("!!  the figures were not shown to agree (see CHECK above)")
        lines += ["!!  (this is a measurement: the exit code stays 0)", banner]
    return "\n".join(lines), all_ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (default 1.0)")
    parser.add_argument("--workdir", type=Path, help="where the DuckDB file goes (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a measured run is stopped")
    parser.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        help="DuckDB memory_limit of measured runs (warehouse.memory_limit), or 'default'",
    )
    parser.add_argument("--temp-limit", default="20GiB", help="DuckDB max_temp_directory_size, or 'default'")
    parser.add_argument("--seed", type=int, default=synthetic_org.SEED)
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the full recompute and the update this many times (median counts)"
    )
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument("--worker", choices=["recompute", "update", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--week-to", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker in ("recompute", "update"):
        full = args.worker == "recompute"
        print(json.dumps(worker_recompute(args.db, args.week_to, args.memory_limit, args.temp_limit, full)))
        return 0
    if args.worker == "pandas":
        print(json.dumps(worker_pandas(args.db, args.week_to, args.out)))
        return 0

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pulse-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        report = run(
            args.scale,
            workdir,
            timeout=args.timeout,
            memory_limit=args.memory_limit,
            temp_limit=args.temp_limit,
            seed=args.seed,
            repeat=args.repeat,
        )
        text, _ = render(report)
        print(text)
        if args.json:
            args.json.write_text(json.dumps(asdict(report), indent=2, default=str), encoding="utf-8")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    # A measurement: missed targets are reported above, not through the exit code.
    return 0


if __name__ == "__main__":
    sys.exit(main())
