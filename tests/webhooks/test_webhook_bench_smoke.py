"""The webhook benchmark runs in its quick mode and yields sane figures (thresholds are the benchmark's job)."""

from __future__ import annotations

import math

import pytest

from benchmarks import bench_webhooks


@pytest.mark.bench
def test_quick_webhook_benchmark_yields_four_finite_positive_ratios() -> None:
    """run(quick=True) gives the four named metrics, each with finite positive value, baseline and ratio."""
    metrics = bench_webhooks.run(quick=True)
    assert [m.name for m in metrics] == [
        "webhook verify 1 KiB throughput vs bare hmac",
        "webhook verify 1 KiB throughput vs standardwebhooks",
        "webhook verify 1 MiB throughput vs bare hmac",
        "webhook verify 1 MiB throughput vs standardwebhooks",
    ]
    for metric in metrics:
        for figure in (metric.value, metric.baseline, metric.ratio):
            assert math.isfinite(figure) and figure > 0
        assert metric.higher_is_better
