"""Smoke runs of the load and import-time benchmarks: quick sizes, finite positive figures, no thresholds.

Whether the targets are met is judged only by ``python -m benchmarks`` (``nox -s bench``), against
baselines measured in the same run; here we prove each benchmark runs end to end.
"""

from __future__ import annotations

import pytest

from benchmarks import bench_import, bench_load
from benchmarks._harness import check_sane

pytestmark = pytest.mark.bench


def test_load_benchmark_runs_quickly_and_reports_requests_results_lateness_and_wall_time() -> None:
    """bench_load.run(quick=True) yields its four rows with finite positive figures."""
    metrics = bench_load.run(quick=True)
    check_sane(metrics)
    assert [m.name.split(", ", 1)[1] for m in metrics] == [
        "requests (429s included) vs naive 10 s polling",
        "waits returning the right output (no RateLimitError escaped)",
        "simulated time to see every job end vs the least possible",
        "real wall time vs the simulated time it covers",
    ]


def test_import_benchmark_runs_quickly_and_compares_both_environments_with_httpx() -> None:
    """bench_import.run(quick=True) yields the two import-time ratios against httpx, target 2."""
    metrics = bench_import.run(quick=True)
    check_sane(metrics)
    assert len(metrics) == 2
    assert all(m.name.startswith("import pyannoteai_identify vs import httpx") and m.limit == 2.0 for m in metrics)


def test_naive_polling_counts_every_poll_up_to_the_first_one_at_or_after_the_end() -> None:
    """10 s polling of a 300 s job polls at 0, 10, …, 300 (31 times); of a 301 s job, 32 times."""
    assert bench_load.naive_requests(1, 300.0) == 31
    assert bench_load.naive_requests(1, 301.0) == 32
    assert bench_load.naive_requests(200, 300.0) == 6200


def test_the_least_time_allows_one_batch_of_final_polls_per_sliding_minute() -> None:
    """200 jobs at 100/min: the last can be seen a minute after the jobs end; 100 jobs: at once."""
    assert bench_load.least_seconds(200, 100, 300.0) == 360.0
    assert bench_load.least_seconds(100, 100, 300.0) == 300.0
