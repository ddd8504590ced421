"""Regression tests for what the reliability suite found, each against the sandbox over loopback.

Each test runs with ``Client`` and ``AsyncClient`` and names the behaviour that used to break.
"""

from __future__ import annotations

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
