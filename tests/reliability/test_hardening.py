"""Regression tests for what the reliability suite found, each against the sandbox over loopback.

Each test runs with ``Client`` and ``AsyncClient`` and names the behaviour that used to break.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from reliabilitykit import DEMO_MEDIA, VOICEPRINTS, Api

from benchmarks.bench_load import simulate
from pyannoteai_identify import IdentifyResult
from pyannoteai_identify.sandbox import Sandbox

pytestmark = pytest.mark.anyio


async def test_a_truncated_json_answer_to_a_poll_does_not_end_a_wait(api: Api, sandbox: Sandbox) -> None:
    """Two polls answered 200 with JSON cut half-way are polled again; wait() returns the job's output."""
    job = await api.identify(DEMO_MEDIA, VOICEPRINTS)
    sandbox.faults.next(2, "malformed", operation="getJobById")
    result = await api.wait(job, timeout=3600)
    assert isinstance(result, IdentifyResult)
    assert [turn.speaker for turn in result.identification] == ["Alice", "Bob", "Alice", "Bob"]
    assert sandbox.stats.submissions == 1


def test_concurrent_waits_of_one_client_share_back_pressure_so_only_the_first_burst_is_refused() -> None:
    """20 waits on one AsyncClient start together at 10 requests a minute: 10 of the first 20 polls are refused,
    then the client holds every wait until the window frees and spaces its polls at the limit, so no more 429s."""
    report = simulate(20, rate_limit=10)
    assert report.correct == report.jobs == 20
    assert report.refused == report.jobs - report.rate_limit


class HoldBackAllowedAnswers:
    """ASGI middleware: the first *count* answers that still show budget left (200 with X-RateLimit-Remaining
    above 0) are held back *seconds* of real time, so the 429s of the same burst reach the client first."""

    def __init__(self, app: Any, count: int, seconds: float = 0.3) -> None:
        self.app, self.count, self.seconds = app, count, seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def holding_send(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200 and self.count > 0:
                headers = {key.decode().lower(): value.decode() for key, value in message["headers"]}
                if headers.get("x-ratelimit-remaining", "0") not in ("0", ""):
                    self.count -= 1
                    await asyncio.sleep(self.seconds)
            await send(message)

        await self.app(scope, receive, holding_send)


def test_answers_of_one_burst_arriving_after_its_refusals_do_not_lift_the_back_pressure() -> None:
    """The order CI once saw, forced: the 9 "budget left" answers of the first burst arrive after its 10
    refusals. They were sent before the refusal, so they must not lift the spacing it set: still only the
    first burst's 10 polls are refused (before the fix, a second burst of 10 was refused at t = 60 s)."""
    report = simulate(20, rate_limit=10, wrap=lambda app: HoldBackAllowedAnswers(app, count=9))
    assert report.correct == report.jobs == 20
    assert report.refused == report.jobs - report.rate_limit
