"""One client's rate-limit hold, shared by the waits of its threads or tasks, on one clock.

A 429 holds back every request of the client for its ``Retry-After``, then spaces them
``60 / X-RateLimit-Limit`` seconds apart (0.6 s at the mock's 100 a minute). Waits that share the
client meet scripted 429s one after the other, so N waits through one 429 each need far more than
one hold. The mock's virtual clock gives each thread and task a clock of its own and cannot show
this (docs/testing.md, "What the virtual clock does not model"): these tests run the same waits on
``OneClock``, which wakes them in the order a real clock would, and state what production does. A
real clock gives the same figures (the first test's 38.2 s to 56.8 s were measured so too).
"""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest
from clientkit import OneClock

from pyannoteai_identify import WaitTimeoutError
from pyannoteai_identify.results import Job
from pyannoteai_identify.testing import MockAPI, make_voiceprint

VOICEPRINTS = {"Alice": make_voiceprint("Alice")}
AUDIO = "https://example.com/meeting.wav"


def _waits_on_one_clock(mode: str, waits: int, refusals: int, timeout: float) -> list[tuple[bool, float]]:
    """Run *waits* waits sharing one client of a ``MockAPI`` on a ``OneClock``, in threads (*mode*
    "sync") or in tasks ("async"), through *refusals* scripted 429s (each ``Retry-After: 1``); return
    each wait's (returned a result, clock time when it ended), sorted."""
    mock = MockAPI()
    clock = OneClock(waits)
    if mode == "sync":
        outcomes = _in_threads(mock, clock, waits, refusals, timeout)
    else:
        outcomes = anyio.run(_in_tasks, mock, clock, waits, refusals, timeout)
    return sorted(outcomes)


def _in_threads(mock: MockAPI, clock: OneClock, waits: int, refusals: int, timeout: float) -> list[tuple[bool, float]]:
    outcomes: list[tuple[bool, float]] = []
    with mock.client(clock=clock.clock, sleep=clock.sleep) as client:
        jobs = [client.identify(AUDIO, voiceprints=VOICEPRINTS) for _ in range(waits)]
        mock.respond_with("getJobById", 429, times=refusals)

        def wait(job: Job[Any]) -> None:
            try:
                clock.sleep(0)  # all there before the first poll
                try:
                    client.wait(job, timeout=timeout)
                    outcomes.append((True, clock.now))
                except WaitTimeoutError:
                    outcomes.append((False, clock.now))
            finally:
                clock.ended()

        threads = [threading.Thread(target=wait, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)  # a bound, should one hang
    assert len(outcomes) == waits
    return outcomes


async def _in_tasks(
    mock: MockAPI, clock: OneClock, waits: int, refusals: int, timeout: float
) -> list[tuple[bool, float]]:
    outcomes: list[tuple[bool, float]] = []
    async with mock.async_client(clock=clock.clock, sleep=clock.async_sleep) as client:
        jobs = [await client.identify(AUDIO, voiceprints=VOICEPRINTS) for _ in range(waits)]
        mock.respond_with("getJobById", 429, times=refusals)

        async def wait(job: Job[Any]) -> None:
            try:
                await clock.async_sleep(0)
                try:
                    await client.wait(job, timeout=timeout)
                    outcomes.append((True, clock.now))
                except WaitTimeoutError:
                    outcomes.append((False, clock.now))
            finally:
                clock.ended()

        with anyio.fail_after(60):  # a bound, should the waits hang
            async with anyio.create_task_group() as group:
                for job in jobs:
                    group.start_soon(wait, job)
    assert len(outcomes) == waits
    return outcomes


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_429s_met_by_waits_sharing_a_client_hold_them_all_back_one_after_another(mode: str) -> None:
    """32 waits, each through one 429: the first refusal holds back the 31 other first polls, which
    then go 0.6 s apart; each later refusal holds back the whole queue again, so the 32 refusals
    come one after another, 1.2 s apart (the 1 s hold, to the next 0.6 s slot: 0, 1, 2.2, … 37 s).
    Only after the last one's hold do the waits return, 0.6 s apart: from 38.2 s to 56.8 s. The hold
    is the client's, not each wait's: never 32 holds per wait, nor a wait's hold on another's time."""
    outcomes = _waits_on_one_clock(mode, waits=32, refusals=32, timeout=60)
    assert [returned for returned, _ in outcomes] == [True] * 32
    assert [ended for _, ended in outcomes] == pytest.approx([38.2 + 0.6 * index for index in range(32)])


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("waits", "refusals", "timeout"), [(32, 32, 30), (3, 6, 3)], ids=["32-waits-one-429-each", "3-waits-two-429s-each"]
)
def test_waits_sharing_a_client_time_out_when_its_429s_outlast_their_timeout(
    mode: str, waits: int, refusals: int, timeout: float
) -> None:
    """With the 429s coming one after another (above), none of these waits returns in time: the 32
    refusals hold the client until 38 s (timeout 30), the 6 until 6.8 s (timeout 3); each wait ends at its
    deadline. On the mock's virtual clock, each thread on a clock of its own, most of the 32 waits
    return (see tests/contract/test_wrapper_testing_plugin_fidelity.py)."""
    outcomes = _waits_on_one_clock(mode, waits=waits, refusals=refusals, timeout=timeout)
    assert outcomes == [(False, pytest.approx(timeout))] * waits
