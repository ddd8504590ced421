"""Load, small: an AsyncClient waits on 20 concurrent jobs against a sandbox limited to 10 requests a minute.

The same simulation as ``benchmarks/bench_load.py`` (200 jobs at 100 per minute), scaled down ten
times with the same pressure, two jobs per request a minute: real HTTP over loopback, simulated
time shared by the sandbox's clock, its rate-limit window and the client's sleeps. Properties only;
no timing is asserted.
"""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.bench_load import LoadReport, VirtualTime, simulate


@pytest.fixture(scope="module")
def report() -> LoadReport:
    return simulate(20, rate_limit=10)


def test_every_wait_returns_the_right_output_and_no_rate_limit_error_escapes(report: LoadReport) -> None:
    """All 20 waits return the identify output the sandbox computed; none raised RateLimitError."""
    assert report.correct == report.jobs == 20
    assert report.rate_limit_errors == 0


def test_the_limit_was_hit_and_every_429_was_absorbed_by_the_client(report: LoadReport) -> None:
    """The sandbox refused requests with 429 (the limit was exercised), and the waits still all succeeded."""
    assert report.refused > 0
    assert report.allowed + report.refused == report.requests


def test_the_waits_make_fewer_requests_than_naive_10_second_polling(report: LoadReport) -> None:
    """Requests counted by the server, 429s included, stay below 20 × (300 / 10 + 1) = 620."""
    assert report.naive_requests == 620
    assert report.requests < report.naive_requests


def test_no_job_is_seen_finished_before_the_rate_limit_allows(report: LoadReport) -> None:
    """With 10 final polls per sliding minute, 20 jobs cannot all be seen before 300 + 60 simulated seconds."""
    assert report.simulated_seconds >= report.least_simulated_seconds == 360.0


def test_virtual_time_jumps_only_when_every_task_sleeps() -> None:
    """Two tasks sleeping 5 and 3 simulated seconds wake in order at 3 and 5, with no real wait."""

    async def scenario() -> list[tuple[str, float]]:
        vt = VirtualTime()
        woke: list[tuple[str, float]] = []

        async def sleeper(name: str, seconds: float) -> None:
            await vt.sleep(seconds)
            woke.append((name, vt.now))

        await asyncio.wait_for(asyncio.gather(vt.run(sleeper("a", 5.0)), vt.run(sleeper("b", 3.0))), 5.0)
        return woke

    assert asyncio.run(scenario()) == [("b", 3.0), ("a", 5.0)]
