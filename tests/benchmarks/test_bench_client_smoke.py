"""Smoke runs of the client and polling benchmarks: quick sizes, sane figures, no thresholds.

Speed is judged only by ``python -m benchmarks`` (ratios against same-run baselines); here we only
prove that every benchmark runs end to end and yields finite, positive figures.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks import bench_client, bench_client_async, bench_polling
from benchmarks._harness import check_sane
from pyannoteai_identify import _json

pytestmark = pytest.mark.bench


def test_client_benchmarks_run_quickly_and_report_finite_positive_figures() -> None:
    """bench_client.run(quick=True) covers get_job, parsing and upload, each with sane figures."""
    metrics = bench_client.run(quick=True)
    check_sane(metrics)
    names = " ".join(m.name for m in metrics)
    assert all(part in names for part in ("get_job", "from_dict", "retained memory", "throughput", "RSS"))


def test_async_client_benchmarks_run_quickly_and_mirror_the_sync_rows() -> None:
    """bench_client_async.run(quick=True) covers AsyncClient's get_job and upload with sane figures,
    one row per sync get_job and upload row, with the same targets."""
    metrics = bench_client_async.run(quick=True)
    check_sane(metrics)
    assert all("AsyncClient" in m.name for m in metrics)
    get_job = [m for m in metrics if "get_job" in m.name]
    assert len(get_job) == (3 if _json.decoder() != "json" else 2)
    assert {m.limit for m in get_job} == {1.15}
    assert all("raw httpx.AsyncClient GET + json.loads" in m.name for m in get_job)
    (throughput,) = [m for m in metrics if "throughput" in m.name]
    assert throughput.higher_is_better and throughput.limit == 0.8 and "32 MiB" in throughput.name
    assert "raw-async-chunks" in throughput.name or "raw-async-thread" in throughput.name
    (memory,) = [m for m in metrics if "RSS" in m.name]
    assert memory.limit == 64.0 and memory.zero_ok


def test_async_upload_case_sends_the_whole_file_in_every_mode(tmp_path: Path) -> None:
    """Each async upload mode runs in its child process and reports seconds and RSS growth; the raw
    modes' whole file reaches the server (it counts the bytes); an unknown mode is refused."""
    path = tmp_path / "audio.wav"
    size = 3 * bench_client.MIB + 5
    path.write_bytes(b"\1" * size)
    with bench_client.loopback_server(1.0) as base_url:
        for mode in ("raw-async-chunks", "raw-async-thread", "async-client"):
            outcome = bench_client._run_upload_case(mode, path, base_url, bench_client_async.MODULE)
            assert outcome["received"] == size and outcome["seconds"] > 0 and outcome["rss_growth"] >= 0
        with pytest.raises(subprocess.CalledProcessError):
            bench_client._run_upload_case("no-such-mode", path, base_url, bench_client_async.MODULE)


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
