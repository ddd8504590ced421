"""identify_batch against the ``pyannoteai_mock`` fixture waits on the mock's virtual clock, as
``Client.wait`` does: with the default settings (the status sweeps spaced 12 s apart by the mock's
100 requests a minute at ``status_share=0.05``), a batch takes no real time, and the mock's
``sleeps`` shows its waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from batchkit import MODES, VOICEPRINTS

from pyannoteai_identify.batch import BatchReport
from pyannoteai_identify.testing import MockAPI

INPUTS = [f"https://example.com/meeting-{index}.wav" for index in range(3)]
#: The spacing of status sweeps at the default share of the mock's limit: one page per 5% of 100/min.
SWEEP_GAP = 1 / (0.05 * 100 / 60)


def _run(mode: str, mock: MockAPI, tmp_path: Path, **options: Any) -> BatchReport:
    """``identify_batch`` with the default settings, on the mock's own client (sync or async)."""
    options = {"manifest": tmp_path / "m.sqlite", "out": tmp_path / "out", **options}
    if mode == "sync":
        with mock.client() as client:
            return client.identify_batch(INPUTS, VOICEPRINTS, **options)

    async def main() -> BatchReport:
        async with mock.async_client() as client:
            return await client.identify_batch(INPUTS, VOICEPRINTS, **options)

    return anyio.run(main)


@pytest.mark.parametrize("mode", MODES)
def test_the_batch_sweeps_job_statuses_on_the_mocks_virtual_clock(
    pyannoteai_mock: MockAPI, tmp_path: Path, real_sleeps: list[float], mode: str
) -> None:
    pyannoteai_mock.pending_polls = 1  # one sweep sees every job running, the next one its end

    report = _run(mode, pyannoteai_mock, tmp_path)

    assert real_sleeps == []
    assert report.ok, report.failures
    assert len(report.inputs) == 3
    sweeps = report.requests["status"]
    assert sweeps >= 2
    # Each sweep waited its share of the rate limit, on the virtual clock.
    assert [s for s in pyannoteai_mock.sleeps if s == pytest.approx(SWEEP_GAP)] == [pytest.approx(SWEEP_GAP)] * sweeps


@pytest.mark.parametrize("mode", MODES)
def test_a_refused_submission_waits_out_its_retry_after_on_the_mocks_virtual_clock(
    pyannoteai_mock: MockAPI, tmp_path: Path, real_sleeps: list[float], mode: str
) -> None:
    """A 429 pauses the batch's rate limiter and its submission until Retry-After: virtual seconds too."""
    pyannoteai_mock.respond_with("identify", 429, headers={"Retry-After": "30"})

    report = _run(mode, pyannoteai_mock, tmp_path)

    assert real_sleeps == []
    assert report.ok, report.failures
    assert report.throttled == 1
    assert len(pyannoteai_mock.calls("identify")) == 4
    # The 30 s pause is waited out (the limiter naps at most 5 s at a time, then looks again).
    assert sum(pyannoteai_mock.sleeps) >= 30


@pytest.mark.parametrize("mode", MODES)
def test_the_runs_timeout_counts_on_the_mocks_virtual_clock(
    pyannoteai_mock: MockAPI, tmp_path: Path, real_sleeps: list[float], mode: str
) -> None:
    """Jobs that never end: the run stops at its timeout of virtual time (after a few sweeps), rather
    than sweeping for that long in real time."""
    pyannoteai_mock.outcome = "running"

    report = _run(mode, pyannoteai_mock, tmp_path, timeout=60)

    assert real_sleeps == []
    assert not report.ok
    assert [item.status for item in report.inputs] == ["submitted"] * 3
    assert 60 <= sum(pyannoteai_mock.sleeps) <= 60 + 2 * SWEEP_GAP
    assert report.requests["status"] <= 60 / SWEEP_GAP + 1


def _run_on_own_client(mode: str, tmp_path: Path) -> BatchReport:
    """``identify_batch`` on a ``Client()`` (or ``AsyncClient()``) the code under test builds itself."""
    from pyannoteai_identify import AsyncClient, Client

    options: dict[str, Any] = {"manifest": tmp_path / "m.sqlite", "out": tmp_path / "out"}
    if mode == "sync":
        with Client() as client:
            return client.identify_batch(INPUTS, VOICEPRINTS, **options)

    async def main() -> BatchReport:
        async with AsyncClient() as client:
            return await client.identify_batch(INPUTS, VOICEPRINTS, **options)

    return anyio.run(main)


@pytest.mark.parametrize("mode", MODES)
def test_a_batch_on_a_client_the_code_under_test_builds_sweeps_on_the_mocks_virtual_clock(
    pyannoteai_mock: MockAPI, tmp_path: Path, real_sleeps: list[float], mode: str
) -> None:
    """docs/testing.md said such a batch waits for real, 12 s between status sweeps: it waits on the
    mock's clock now, as one on ``pyannoteai_mock.client()`` does."""
    pyannoteai_mock.pending_polls = 1

    report = _run_on_own_client(mode, tmp_path)

    assert real_sleeps == []
    assert report.ok, report.failures
    sweeps = report.requests["status"]
    assert sweeps >= 2
    assert [s for s in pyannoteai_mock.sleeps if s == pytest.approx(SWEEP_GAP)] == [pytest.approx(SWEEP_GAP)] * sweeps


def test_a_limiter_on_the_mocks_clock_reads_the_reset_time_on_the_mocks_wall_time(
    pyannoteai_mock: MockAPI, real_sleeps: list[float]
) -> None:
    """The mock stamps its X-RateLimit-Reset (epoch seconds) on its virtual wall time, which advance()
    moves; the limiter read it against time.time(), so after ten virtual minutes a refusal with only
    the reset time (no Retry-After) paused the batch for its whole window (60 s) instead of ~1 s."""
    from pyannoteai_identify import RateLimitError
    from pyannoteai_identify.batch import RateLimiter

    limiter = RateLimiter()  # built under the fixture: on the mock's clock
    pyannoteai_mock.advance(600)
    pyannoteai_mock.respond_with("testKey", 429)  # Retry-After: 1, and the reset one second ahead
    with pyannoteai_mock.client(max_retries=0) as client, pytest.raises(RateLimitError) as caught:
        client.test()
    headers = {name: value for name, value in caught.value.headers.items() if name.lower() != "retry-after"}
    slept = len(pyannoteai_mock.sleeps)

    limiter.observe(429, headers)
    with limiter.slot():
        pass

    assert real_sleeps == []
    assert 0 < sum(pyannoteai_mock.sleeps[slept:]) <= 2  # until the reset: at most its rounding up
