"""Smoke runs of the client and polling benchmarks: quick sizes, sane figures, no thresholds.

Speed is judged only by ``python -m benchmarks`` (ratios against same-run baselines); here we only
prove that every benchmark runs end to end and yields finite, positive figures.
"""

from __future__ import annotations

import pytest

from benchmarks import bench_client, bench_polling
from benchmarks._harness import check_sane

pytestmark = pytest.mark.bench


def test_client_benchmarks_run_quickly_and_report_finite_positive_figures() -> None:
    """bench_client.run(quick=True) covers get_job, parsing and upload, each with sane figures."""
    metrics = bench_client.run(quick=True)
    check_sane(metrics)
    names = " ".join(m.name for m in metrics)
    assert all(part in names for part in ("get_job", "from_dict", "retained memory", "throughput", "RSS"))


def test_polling_benchmark_runs_quickly_and_reports_finite_positive_figures() -> None:
    """bench_polling.run(quick=True) reports delay and request-count ratios for the default schedule."""
    metrics = bench_polling.run(quick=True)
    check_sane(metrics)
    assert any("worst delay" in m.name for m in metrics) and any("requests" in m.name for m in metrics)


def test_minimum_polls_matches_a_schedule_that_grows_by_exactly_the_delay_bound() -> None:
    """The lower bound on requests is reached by jitter-free 10 % polling, so the bound is exact, not loose."""
    tight = bench_polling.PollSchedule(initial=2.0, fraction=0.1, maximum=86_400.0, jitter=0.0)
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
