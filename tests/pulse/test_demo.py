"""`pulse demo` end to end: loads the sample, serves the dashboard and the Dagster UI, and Ctrl-C leaves nothing.

This starts real processes (about a minute on two cores); it is the check behind the README's promise.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline or text in environ:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for leftover processes")
def test_demo_serves_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo"
    ports = {name: free_port() for name in ("GITHUB", "PAGERDUTY", "DAGSTER", "DASHBOARD")}
    env = {**os.environ, "PULSE_DEMO_DIR": str(demo_dir)}
    env.update({f"PULSE_DEMO_{name}_PORT": str(port) for name, port in ports.items()})
    env.pop("PULSE_NOW", None)  # the demo runs on today's date
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulse.cli", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Dagster UI ready" in line:
                break
        output = "".join(lines)
        assert "Dagster UI ready" in output, output[-3000:]
        assert "dashboard ready: http://127.0.0.1:" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['DASHBOARD']}/_stcore/health", timeout=5) as resp:
            assert resp.status == 200
        assert (demo_dir / "pulse_serving.duckdb").is_file()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate()
        lines.append(rest or "")
    assert proc.returncode == 0, "".join(lines)[-3000:]
    assert "stopped" in "".join(lines)
    time.sleep(1)
    assert processes_mentioning(str(demo_dir)) == []
