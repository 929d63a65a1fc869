"""The request benchmark (benchmarks/github_requests.py) on a small sample organisation: counts, not time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "github_requests.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("github_requests_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_first_sync_near_the_minimum_and_unchanged_resync_all_304() -> None:
    benchmark = load_benchmark()
    result = benchmark.run_benchmark(days=14, seed=3)

    assert result.first.requests <= benchmark.FIRST_SYNC_TARGET * result.minimum
    assert result.first_ok and result.again_ok and result.ok
    # Every list the minimum counts was read, and nothing the minimum does not know about.
    assert set(result.first.per_endpoint) <= set(result.minimum_per_endpoint)
    assert result.again.requests == result.again.lists == result.again.not_modified
    assert result.again.requests <= 1 + result.repositories * 5  # repositories + 5 endpoints per repository
    assert "OK" in benchmark.report(result)
