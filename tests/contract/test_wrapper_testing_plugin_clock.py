"""A ``Client()`` or ``AsyncClient()`` the code under test builds itself, while the ``pyannoteai_mock``
fixture is active, waits on the mock's virtual clock as ``pyannoteai_mock.client()`` does: its polls
sleep no real time and ``pyannoteai_mock.sleeps`` lists them. A client given its own ``sleep=`` keeps
it, and the fixture's teardown gives real time back to the clients built after it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify.batch import RateLimiter
from pyannoteai_identify.testing import MockAPI

pytest_plugins = ["pytester"]

VOICEPRINTS = {"Ann": "QW5u", "Bo": "Qm8"}
AUDIO = "https://example.com/meeting.wav"


@pytest.fixture
def real_sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every real sleep of more than 0 s by the test's threads, recorded: none is slept (each is cut to
    0 s), so a test that fails here fails at once rather than after the delays it should not have waited.

    Threads that were running before the test (a session sandbox's server polls with
    ``asyncio.sleep(0.1)``) sleep as usual and are not recorded: they are not the code under test.
    """
    seen: list[float] = []
    real_time_sleep, real_asyncio_sleep, real_anyio_sleep = time.sleep, asyncio.sleep, anyio.sleep
    others = {thread.ident for thread in threading.enumerate()} - {threading.get_ident()}

    def slept(seconds: float) -> float:
        """The time to sleep for real: all of it in a thread from before the test, none in the test's."""
        if threading.get_ident() in others:
            return seconds
        if seconds > 0:
            seen.append(seconds)
        return 0

    def patched_time_sleep(seconds: float) -> None:
        real_time_sleep(slept(seconds))

    async def patched_asyncio_sleep(seconds: float, *args: Any, **kwargs: Any) -> Any:
        return await real_asyncio_sleep(slept(seconds), *args, **kwargs)

    async def patched_anyio_sleep(seconds: float, *args: Any, **kwargs: Any) -> Any:
        return await real_anyio_sleep(slept(seconds), *args, **kwargs)

    monkeypatch.setattr(time, "sleep", patched_time_sleep)
    monkeypatch.setattr(asyncio, "sleep", patched_asyncio_sleep)
    monkeypatch.setattr(anyio, "sleep", patched_anyio_sleep)
    yield seen


def who_spoke(audio_url: str) -> list[str]:
    """Code under test that builds its own client, as a service does."""
    with Client() as client:
        job = client.identify(audio_url, voiceprints=VOICEPRINTS)
        return client.wait(job).speakers


async def who_spoke_async(audio_url: str) -> list[str]:
    async with AsyncClient() as client:
        job = await client.identify(audio_url, voiceprints=VOICEPRINTS)
        return (await client.wait(job)).speakers


def test_a_client_the_code_under_test_builds_waits_on_the_mocks_virtual_clock(
    pyannoteai_mock: MockAPI, real_sleeps: list[float]
) -> None:
    """docs/testing.md said such a client waits for real between polls (2 s at first): three polls
    answering ``running`` took some 6 s of real time. They are virtual seconds now."""
    pyannoteai_mock.pending_polls = 3

    assert who_spoke(AUDIO) == ["Ann", "Bo"]

    assert len(pyannoteai_mock.calls("getJobById")) == 4
    assert len(pyannoteai_mock.sleeps) == 3
    assert all(delay > 0 for delay in pyannoteai_mock.sleeps)
    assert real_sleeps == []


@pytest.mark.anyio
async def test_an_async_client_the_code_under_test_builds_waits_on_the_mocks_virtual_clock(
    pyannoteai_mock: MockAPI, real_sleeps: list[float]
) -> None:
    pyannoteai_mock.pending_polls = 3

    with anyio.fail_after(30):  # a bound, should the wait hang
        assert await who_spoke_async(AUDIO) == ["Ann", "Bo"]

    assert len(pyannoteai_mock.calls("getJobById")) == 4
    assert len(pyannoteai_mock.sleeps) == 3
    assert real_sleeps == []


def test_a_client_given_its_own_sleep_keeps_it(pyannoteai_mock: MockAPI, real_sleeps: list[float]) -> None:
    """``sleep=`` (or ``clock=``) of the caller's is theirs: the mock's clock is not put in its place."""
    pyannoteai_mock.pending_polls = 2
    slept: list[float] = []
    with Client(sleep=slept.append) as client:
        client.wait(client.identify(AUDIO, voiceprints=VOICEPRINTS))
    assert len(slept) == 2
    assert pyannoteai_mock.sleeps == []
    assert real_sleeps == []


def test_threads_sharing_a_client_of_the_code_under_test_each_keep_their_own_virtual_time(
    pyannoteai_mock: MockAPI, real_sleeps: list[float]
) -> None:
    """As with ``pyannoteai_mock.client()``: each thread's waits move its own clock, so three waits of
    10 s and more, each with a timeout of 60 s, all end, whatever the others slept."""
    from concurrent.futures import ThreadPoolExecutor

    pyannoteai_mock.pending_polls = 4
    with Client() as client:
        jobs = [client.identify(AUDIO, voiceprints=VOICEPRINTS) for _ in range(3)]
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(lambda job: client.wait(job, timeout=60), jobs))
    assert [result.speakers for result in results] == [["Ann", "Bo"]] * 3
    assert len(pyannoteai_mock.sleeps) == 12
    assert real_sleeps == []


def test_a_rate_limiter_built_without_a_clock_during_the_test_waits_on_the_mocks_clock(
    pyannoteai_mock: MockAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``RateLimiter()`` the code under test builds (to share between its batches) follows the mock's
    clock as its clients do: a full budget is waited out in virtual seconds."""

    def no_real_sleep(seconds: float) -> None:
        raise AssertionError(f"a real sleep of {seconds} s")  # at once: on real time the loop would spin

    limiter = RateLimiter(1, window=60)
    monkeypatch.setattr(time, "sleep", no_real_sleep)
    with limiter.slot():
        pass
    with limiter.slot():  # the window must pass first
        pass
    assert sum(pyannoteai_mock.sleeps) == pytest.approx(60)


AFTER_THE_FIXTURE = """
import time

import httpx

from pyannoteai_identify import Client

ANSWERS = iter([{"jobId": "j", "status": "running"}, {"jobId": "j", "status": "succeeded", "output": {}}])


def test_with_the_mock(pyannoteai_mock):
    pyannoteai_mock.pending_polls = 1
    with Client() as client:
        client.wait(client.identify("https://example.com/a.wav", voiceprints={"Ann": "QW5u"}))
    assert len(pyannoteai_mock.sleeps) == 1


def test_after_it(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=next(ANSWERS)))
    with Client("key", transport=transport) as client:
        client.wait("j")
    assert len(slept) == 1
"""


def test_the_fixtures_teardown_gives_real_time_back(pytester: pytest.Pytester) -> None:
    """A client built after the test that used the fixture sleeps for real again (time.sleep, here patched)."""
    pytester.makepyfile(test_consumer=AFTER_THE_FIXTURE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_the_status_types_are_exported() -> None:
    """``testing.Status`` and ``testing.FinalStatus`` are public type aliases (docs/testing.md, README.md):
    ``from pyannoteai_identify.testing import *`` and API listings read ``__all__``."""
    from pyannoteai_identify import testing

    assert {"Status", "FinalStatus"} <= set(testing.__all__)


CACHED_ACROSS_TESTS = """
import functools
import time

import httpx
import respx

from pyannoteai_identify import Client


@functools.cache
def service_client():
    # A service's client, built on first use and kept for the process (as a web app's dependency).
    return Client()


def test_first_with_the_mock(pyannoteai_mock):
    pyannoteai_mock.pending_polls = 1
    client = service_client()
    client.wait(client.identify("https://example.com/a.wav", voiceprints={"Ann": "QW5u"}))
    assert len(pyannoteai_mock.sleeps) == 1


def test_then_without_it(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    answers = iter([{"jobId": "j", "status": "running"}, {"jobId": "j", "status": "succeeded", "output": {}}])
    with respx.mock(assert_all_called=False) as router:
        router.get(url__startswith="https://api.pyannote.ai/").mock(
            side_effect=lambda request: httpx.Response(200, json=next(answers))
        )
        service_client().wait("j")
    assert len(slept) == 1
"""


def test_a_client_built_during_the_test_and_kept_waits_in_real_time_after_it(pytester: pytest.Pytester) -> None:
    """A service's client built on first use (functools.cache) during a test under pyannoteai_mock, and
    kept for the session: after that test, its waits still went to the torn-down mock's virtual clock
    and took no time, so in the tests after (another mock's, a sandbox's) it polled and retried without
    pause. Before the fixture lent its clock, such a client slept for real, in every test."""
    pytester.makepyfile(test_cached=CACHED_ACROSS_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


CACHED_ASYNC_ACROSS_TESTS = """
import anyio
import httpx
import pytest
import respx

from pyannoteai_identify import AsyncClient

CACHE = []


def service_client():
    if not CACHE:
        CACHE.append(AsyncClient())
    return CACHE[0]


@pytest.mark.anyio
async def test_first_with_the_mock(pyannoteai_mock):
    pyannoteai_mock.pending_polls = 1
    client = service_client()
    await client.wait(await client.identify("https://example.com/a.wav", voiceprints={"Ann": "QW5u"}))
    assert len(pyannoteai_mock.sleeps) == 1


@pytest.mark.anyio
async def test_then_without_it(monkeypatch):
    slept = []

    async def recorded(seconds, *args, **kwargs):
        slept.append(seconds)

    monkeypatch.setattr(anyio, "sleep", recorded)
    answers = iter([{"jobId": "j", "status": "running"}, {"jobId": "j", "status": "succeeded", "output": {}}])
    with respx.mock(assert_all_called=False) as router:
        router.get(url__startswith="https://api.pyannote.ai/").mock(
            side_effect=lambda request: httpx.Response(200, json=next(answers))
        )
        await service_client().wait("j")
    assert len(slept) == 1


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def test_an_async_client_built_during_the_test_and_kept_waits_in_real_time_after_it(
    pytester: pytest.Pytester,
) -> None:
    """As for a Client: an AsyncClient kept past the test that built it under pyannoteai_mock sleeps
    for real (anyio.sleep, here recorded) in the tests after."""
    pytester.makepyfile(test_cached=CACHED_ASYNC_ACROSS_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def _retry_after_date(mock: MockAPI, seconds: float) -> str:
    """An HTTP date *seconds* after the mock's current (virtual) Unix time, as a server's Retry-After."""
    import email.utils
    import math

    return email.utils.formatdate(math.ceil(mock._wall_clock() + seconds), usegmt=True)


def _client_on_the_mock(how: str, mock: MockAPI, **options: Any) -> Any:
    if how == "client":
        return mock.client(**options)
    if how == "async_client":
        return mock.async_client(**options)
    return Client(**options) if how == "built" else AsyncClient(**options)  # built under the fixture


@pytest.mark.parametrize("how", ["client", "async_client", "built", "async-built"])
def test_a_retry_after_http_date_is_read_on_the_mocks_wall_time(
    pyannoteai_mock: MockAPI, real_sleeps: list[float], how: str
) -> None:
    """A client on the mock's virtual clock read a ``Retry-After`` HTTP date (and the throttle its
    ``X-RateLimit-Reset``) against ``time.time()``: ten virtual minutes on, a 429 asking for 2 s
    read as ~602 s, past the retry cap, and the call failed (RateLimitError) instead of retrying
    after ~2 virtual seconds."""
    pyannoteai_mock.advance(600)
    pyannoteai_mock.respond_with("testKey", 429, headers={"Retry-After": _retry_after_date(pyannoteai_mock, 2)})
    client = _client_on_the_mock(how, pyannoteai_mock)
    if isinstance(client, Client):
        with client:
            client.test()
    else:

        async def main() -> None:
            async with client:
                with anyio.fail_after(30):
                    await client.test()

        anyio.run(main)

    assert len(pyannoteai_mock.calls("testKey")) == 2
    assert 0 < sum(pyannoteai_mock.sleeps) <= 5, pyannoteai_mock.sleeps
    assert real_sleeps == []


@pytest.mark.parametrize("how", ["client", "async_client"])
def test_a_polls_retry_after_http_date_is_read_on_the_mocks_wall_time(
    pyannoteai_mock: MockAPI, real_sleeps: list[float], how: str
) -> None:
    """The same for ``wait``: a poll refused with a ``Retry-After`` date 2 s ahead of the mock's
    time held the next poll ~602 virtual seconds (the whole timeout here) instead of ~2."""
    pyannoteai_mock.advance(600)
    client = _client_on_the_mock(how, pyannoteai_mock, max_retries=0)
    if isinstance(client, Client):
        with client:
            job = client.identify(AUDIO, voiceprints=VOICEPRINTS)
            pyannoteai_mock.respond_with(
                "getJobById", 429, headers={"Retry-After": _retry_after_date(pyannoteai_mock, 2)}
            )
            result = client.wait(job, timeout=60)
    else:

        async def main() -> Any:
            async with client:
                with anyio.fail_after(30):
                    job = await client.identify(AUDIO, voiceprints=VOICEPRINTS)
                    pyannoteai_mock.respond_with(
                        "getJobById", 429, headers={"Retry-After": _retry_after_date(pyannoteai_mock, 2)}
                    )
                    return await client.wait(job, timeout=60)

        result = anyio.run(main)

    assert result.speakers == ["Ann", "Bo"]
    assert 0 < sum(pyannoteai_mock.sleeps) <= 5, pyannoteai_mock.sleeps
    assert real_sleeps == []


CACHED_READS_DATES_ON_REAL_TIME_AFTER = """
import email.utils
import functools
import time

import httpx
import respx

from pyannoteai_identify import Client


@functools.cache
def service_client():
    return Client()


def test_first_with_the_mock(pyannoteai_mock):
    service_client().test()
    pyannoteai_mock.advance(3600)  # the mock's wall time is an hour ahead of this machine's now


def test_then_without_it(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    retry_at = email.utils.formatdate(time.time() + 30, usegmt=True)  # 30 s from now, on the real clock
    answers = iter([
        httpx.Response(429, headers={"Retry-After": retry_at}, json={"message": "slow down"}),
        httpx.Response(200, json={"status": "OK", "message": "Test connection successful"}),
    ])
    with respx.mock(assert_all_called=False) as router:
        router.get(url__startswith="https://api.pyannote.ai/").mock(side_effect=lambda request: next(answers))
        service_client().test()
    assert slept and 15 < max(slept) <= 30, slept
"""


def test_a_client_built_during_the_test_and_kept_reads_server_dates_on_real_time_after_it(
    pytester: pytest.Pytester,
) -> None:
    """A client built under pyannoteai_mock and kept past the test sleeps for real from the test's end
    (its waits are real waits then), but it kept reading a server's dates (a Retry-After HTTP date,
    X-RateLimit-Reset, Date) against the torn-down mock's wall time, which stands where the mock
    left it (an hour ahead after advance(3600), or behind by the real time since): a Retry-After
    date 30 s away read as already past, and the retry came at once. After the test it reads them on
    this machine's clock, as its sleeps are."""
    pytester.makepyfile(test_cached=CACHED_READS_DATES_ON_REAL_TIME_AFTER)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("how", ["client", "async_client"])
def test_a_storage_429s_retry_after_http_date_is_read_on_the_mocks_wall_time(
    pyannoteai_mock: MockAPI, tmp_path: Any, how: str
) -> None:
    """The presigned PUT's 429 (the media storage's) read its ``Retry-After`` HTTP date against
    ``time.time()``, where the API's own 429 reads it on the client's wall time (the mock's), and then
    dropped it: the upload raised a plain APIError without ``retry_after``, so a caller (the batch
    runner's backoff) could not wait as asked. Ten virtual minutes on, a date 30 s ahead of the
    mock's time is a RateLimitError with ``retry_after`` ~30 s, which its hint says."""
    from pyannoteai_identify import RateLimitError

    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF....WAVE")
    pyannoteai_mock.advance(600)
    pyannoteai_mock.respond_with("upload", 429, headers={"Retry-After": _retry_after_date(pyannoteai_mock, 30)})
    client = _client_on_the_mock(how, pyannoteai_mock)
    caught: list[BaseException] = []
    if isinstance(client, Client):
        with client:
            try:
                client.upload(audio, "k/a.wav")
            except Exception as error:
                caught.append(error)
    else:

        async def main() -> None:
            async with client:
                with anyio.fail_after(30):
                    try:
                        await client.upload(audio, "k/a.wav")
                    except Exception as error:
                        caught.append(error)

        anyio.run(main)

    [error] = caught
    assert isinstance(error, RateLimitError), repr(error)
    assert error.status_code == 429 and error.retry_after is not None and 29 <= error.retry_after <= 31, error
    assert "Retry after" in str(error) and "media://k/a.wav" in str(error), error
