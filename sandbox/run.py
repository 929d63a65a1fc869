"""Start the whole sandbox in one call (for the demo and tests), or serve it from the command line.

``python -m sandbox --port-github 8787 --port-pagerduty 8788 --workdir .demo`` serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Self

from sandbox.github_api import GitHubStandIn
from sandbox.pagerduty_api import PagerDutyStandIn
from sandbox.sample_org import SampleOrg, generate_sample_org

# The demo pages through every deployment status and PR commit list (several thousand requests), so the
# default budget is far above GitHub's 5000/hour; tests that exercise exhaustion configure their own.
DEMO_GITHUB_RATE_LIMIT = 1_000_000


@dataclass
class Sandbox:
    """Running stand-ins plus the organisation they serve."""

    github_url: str
    """Base URL for ``github.Github(base_url=...)`` (no ``/api/v3``)."""
    pagerduty_url: str
    """Base URL for ``pagerduty.RestApiV2Client(..., base_url=...)``."""
    ca_path: Path
    """CA certificate (PEM) the PagerDuty stand-in's TLS certificate chains to."""
    org: SampleOrg
    survey_dir: Path
    """Directory holding the survey CSV exports."""
    github: GitHubStandIn
    pagerduty: PagerDutyStandIn

    def pagerduty_ssl_context(self) -> ssl.SSLContext:
        """Client TLS context trusting only the sandbox CA (pass as ``verify=`` to python-pagerduty)."""
        return ssl.create_default_context(cafile=str(self.ca_path))

    def stop(self) -> None:
        self.github.stop()
        self.pagerduty.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_sandbox(
    workdir: Path,
    end: date,
    seed: int = 7,
    *,
    days: int = 180,
    github_port: int = 0,
    pagerduty_port: int = 0,
    github_token: str | None = None,
    pagerduty_api_key: str | None = None,
    github_rate_limit: int = DEMO_GITHUB_RATE_LIMIT,
    org: SampleOrg | None = None,
) -> Sandbox:
    """Generate the sample organisation, start both stand-ins and write the survey exports.

    Files written: ``workdir/surveys/*.csv`` and ``workdir/sandbox-ca.pem``. No credentials are required
    unless ``github_token`` / ``pagerduty_api_key`` are given. Pass ``org`` to reuse an already generated
    organisation (it is served live, so mutations show through). The PagerDuty stand-in's "now" is the end
    of the window, so its default 30-day ``since``/``until`` window lands on the sample data.
    """
    workdir = Path(workdir)
    sample = org if org is not None else generate_sample_org(end, days=days, seed=seed)
    survey_dir = workdir / "surveys"
    survey_dir.mkdir(parents=True, exist_ok=True)
    for name, text in sample.survey_exports.items():
        # newline="" keeps the export's CRLF record separators byte-for-byte.
        with (survey_dir / name).open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    window_end = datetime.combine(sample.end + timedelta(days=1), time(0), tzinfo=UTC)
    github = GitHubStandIn(sample.github, port=github_port, token=github_token, rate_limit=github_rate_limit)
    pagerduty = PagerDutyStandIn(
        sample.pagerduty,
        port=pagerduty_port,
        api_key=pagerduty_api_key,
        ca_path=workdir / "sandbox-ca.pem",
        clock=lambda: window_end,
    )
    github.start()
    try:
        pagerduty.start()
    except BaseException:
        github.stop()
        raise
    return Sandbox(
        github_url=github.url,
        pagerduty_url=pagerduty.url,
        ca_path=pagerduty.ca_path,
        org=sample,
        survey_dir=survey_dir,
        github=github,
        pagerduty=pagerduty,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Serve the sample organisation on local GitHub/PagerDuty stand-ins."
    )
    parser.add_argument("--port-github", type=int, default=8787)
    parser.add_argument("--port-pagerduty", type=int, default=8788)
    parser.add_argument("--workdir", type=Path, default=Path(".demo"))
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="last day (default: today, UTC)")
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    end = args.end or datetime.now(UTC).date()
    stopped = threading.Event()
    # Installed before anything starts, and explicitly: a signal that arrives while starting or printing must still
    # take the stopping path below, and a parent that ignores SIGINT (a background shell) would pass that on.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stopped.set())
    sandbox = start_sandbox(
        args.workdir,
        end,
        args.seed,
        days=args.days,
        github_port=args.port_github,
        pagerduty_port=args.port_pagerduty,
    )
    org = sandbox.org
    print(f"Sample organisation '{org.organisation}': {org.start} .. {org.end}, seed {org.seed}")
    print(f"GitHub stand-in:    {sandbox.github_url}")
    print(f"PagerDuty stand-in: {sandbox.pagerduty_url}")
    print(f"PagerDuty CA:       {sandbox.ca_path}")
    print(f"Survey exports:     {sandbox.survey_dir}")
    print("Press Ctrl-C to stop.", flush=True)

    try:
        stopped.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
