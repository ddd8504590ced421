"""Smoke runs of the client and polling benchmarks: quick sizes, sane figures, no thresholds.

Speed is judged only by ``python -m benchmarks`` (ratios against same-run baselines); here we only
prove that every benchmark runs end to end and yields finite, positive figures.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

# `pytest` (unlike `python -m pytest`) does not put the repository root on sys.path, and
# tests/benchmarks would otherwise shadow the `benchmarks` package as a namespace package.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_client, bench_polling  # noqa: E402
from benchmarks._harness import Metric  # noqa: E402

pytestmark = pytest.mark.bench


def _assert_sane(metrics: list[Metric]) -> None:
    assert metrics, "a benchmark must report at least one metric"
    assert len({m.name for m in metrics}) == len(metrics), "metric names must be unique"
    for m in metrics:
        for figure in (m.value, m.baseline, m.ratio, m.limit):
            assert math.isfinite(figure) and figure > 0, f"{m.name}: {figure!r} is not a finite positive number"


def test_client_benchmarks_run_quickly_and_report_finite_positive_figures() -> None:
    """bench_client.run(quick=True) covers get_job, parsing and upload, each with sane figures."""
    metrics = bench_client.run(quick=True)
    _assert_sane(metrics)
    names = " ".join(m.name for m in metrics)
    assert all(part in names for part in ("get_job", "from_dict", "retained memory", "throughput", "RSS"))


def test_polling_benchmark_runs_quickly_and_reports_finite_positive_figures() -> None:
    """bench_polling.run(quick=True) reports delay and request-count ratios for the default schedule."""
    metrics = bench_polling.run(quick=True)
    _assert_sane(metrics)
    assert any("worst delay" in m.name for m in metrics) and any("requests" in m.name for m in metrics)


def test_minimum_polls_matches_a_schedule_that_grows_by_exactly_the_delay_bound() -> None:
    """The lower bound on requests is reached by jitter-free 10 % polling, so the bound is exact, not loose."""
    tight = bench_polling.PollSchedule(initial=2.0, fraction=0.1, maximum=math.inf, jitter=0.0)
    for duration in (10.0, 600.0, 3600.0):
        requests, delay = bench_polling.simulate(tight, duration)
        assert requests == bench_polling.minimum_polls(duration)
        assert delay <= bench_polling.delay_bound(duration)


def test_synthetic_identify_output_is_deterministic_and_sized_like_the_api() -> None:
    """The generator gives the same output for a seed: 30,000 turns per 24 h and one score per 20 ms."""
    first = bench_client.identify_output(3600.0, confidence="int", seed=1)
    assert first == bench_client.identify_output(3600.0, confidence="int", seed=1)
    assert len(first["identification"]) == len(first["diarization"]) == 1250
    assert len(first["confidence"]["score"]) == 180_000
    assert all(isinstance(score, int) and 0 <= score <= 100 for score in first["confidence"]["score"][:1000])
