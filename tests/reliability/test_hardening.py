"""Regression tests for what the reliability suite found, each against the sandbox over loopback.

Each test runs with ``Client`` and ``AsyncClient`` and names the behaviour that used to break.
"""

from __future__ import annotations

import pytest
from pyannoteai_identify import IdentifyResult
from pyannoteai_identify.sandbox import Sandbox
from reliabilitykit import DEMO_MEDIA, VOICEPRINTS, Api

pytestmark = pytest.mark.anyio


async def test_a_truncated_json_answer_to_a_poll_does_not_end_a_wait(api: Api, sandbox: Sandbox) -> None:
    """Two polls answered 200 with JSON cut half-way are polled again; wait() returns the job's output."""
    job = await api.identify(DEMO_MEDIA, VOICEPRINTS)
    sandbox.faults.next(2, "malformed", operation="getJobById")
    result = await api.wait(job, timeout=3600)
    assert isinstance(result, IdentifyResult)
    assert [turn.speaker for turn in result.identification] == ["Alice", "Bob", "Alice", "Bob"]
    assert sandbox.stats.submissions == 1
