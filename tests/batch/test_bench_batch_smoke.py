"""Smoke run of the batch benchmark: quick size, every figure present and sane (thresholds are the benchmark's)."""

from __future__ import annotations

import math

import pytest

from benchmarks import bench_batch

pytestmark = pytest.mark.bench


def test_batch_benchmark_runs_quickly_and_reports_its_figures() -> None:
    """bench_batch.run(quick=True) reports requests, status share, manifest cost and resume requests."""
    metrics = {m.name.split(": ", 1)[1]: m for m in bench_batch.run(quick=True)}

    assert set(metrics) == {
        "API requests / (uploads + submissions + fetches)",
        "status requests / (uploads + submissions + fetches)",
        "run time, SQLite manifest / in-memory manifest",
        "requests to resume the finished batch",
    }
    for metric in metrics.values():
        assert math.isfinite(metric.ratio) and metric.ratio >= 0 and metric.baseline > 0
    assert metrics["API requests / (uploads + submissions + fetches)"].baseline == 4 * bench_batch.QUICK_INPUTS
    assert metrics["requests to resume the finished batch"].value == 1


@pytest.mark.parametrize(
    ("requests", "per_window", "seconds"), [(1, 100, 0.0), (100, 100, 0.0), (101, 100, 60.0), (3001, 2000, 60.0)]
)
def test_the_least_time_follows_the_sliding_window(requests: int, per_window: int, seconds: float) -> None:
    """A sliding-window log admits a full window at once, the next request a window after the first."""
    assert bench_batch.least_seconds(requests, per_window) == seconds
