"""The mock of ``pyannoteai_identify.testing`` answers as the API (and the sandbox) would.

Each test names one way the mock used to be kinder or different than the API: a wrong key
accepted, paths matched under any prefix, nulls refused, field errors worded differently, lists
that never showed progress, cursors that broke, sleeps that never yielded, 429s without their
rate-limit headers, one-shot upload URLs, jobs that never expired.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from pyannoteai_identify import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    Job,
    JobFailedError,
    NotFoundError,
    RateLimit,
    WaitTimeoutError,
)
from pyannoteai_identify.receiver import WebhookReceiver
from pyannoteai_identify.testing import MOCK_API_KEY, MockAPI, check_response
from pyannoteai_identify.webhooks import RetryReason

API = "https://api.pyannote.ai"
AUTH = {"Authorization": f"Bearer {MOCK_API_KEY}"}
AUDIO = "https://example.com/meeting.wav"
HOOK = "https://example.com/hook"  # a job delivers its webhook only when submitted with one
VOICEPRINTS = [{"label": "Alice", "voiceprint": "QUFB"}]


def _list(params: dict[str, Any]) -> httpx.Response:
    return httpx.get(f"{API}/v2/jobs", params=params, headers=AUTH)


# --- 1. the API key -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", ["Bearer not-the-key", "Bearer ", "Basic " + MOCK_API_KEY, MOCK_API_KEY, None]
)
def test_a_wrong_or_missing_key_gets_401_as_from_the_sandbox(
    pyannoteai_mock: MockAPI, authorization: str | None
) -> None:
    """Only the mock's own key passes; anything else answers 401 with an ApiError body."""
    headers = {} if authorization is None else {"Authorization": authorization}
    response = httpx.get(f"{API}/v1/test", headers=headers)
    assert response.status_code == 401
    assert set(response.json()) == {"requestId", "message"}
    assert "API key" in response.json()["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"  # as the sandbox sends it (RFC 6750)
    assert check_response(response) == []


def test_the_bearer_scheme_is_case_insensitive_and_a_client_with_another_key_is_refused(
    pyannoteai_mock: MockAPI,
) -> None:
    """``bearer <key>`` passes as the sandbox reads it; Client("other key") raises AuthenticationError."""
    assert httpx.get(f"{API}/v1/test", headers={"Authorization": f"bearer {MOCK_API_KEY}"}).status_code == 200
    with pyannoteai_mock.client(api_key="definitely-not-the-key") as client, pytest.raises(AuthenticationError):
        client.test()


# --- 2. paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/v1/test", "/anything/v2/jobs", "/v1/v1/identify"])
def test_a_path_under_another_prefix_is_404_as_from_the_api(pyannoteai_mock: MockAPI, path: str) -> None:
    """The operation's path must follow the base URL exactly: a base URL ending in /v1 does not work
    (the client refuses one at construction, naming the root, rather than meet these 404s)."""
    method = "POST" if path.endswith("identify") else "GET"
    body = {"url": AUDIO, "voiceprints": VOICEPRINTS} if method == "POST" else None
    response = httpx.request(method, f"{API}{path}", json=body, headers=AUTH)
    assert response.status_code == 404
    assert pyannoteai_mock.requests[-1].operation_id is None
    with pytest.raises(ConfigurationError, match="root"):
        pyannoteai_mock.client(base_url=f"{API}/v1")


def test_a_base_url_with_a_path_is_stripped_exactly() -> None:
    """A MockAPI whose base URL has a path serves the operations below that path, and only there."""
    mock = MockAPI(base_url="https://proxy.example.com/pyannote/")
    ok = mock.handle(httpx.Request("GET", "https://proxy.example.com/pyannote/v1/test", headers=AUTH))
    bare = mock.handle(httpx.Request("GET", "https://proxy.example.com/v1/test", headers=AUTH))
    assert (ok.status_code, bare.status_code) == (200, 404)


# --- 3. null options --------------------------------------------------------------------------------


def test_null_optional_fields_are_read_as_not_given_as_the_sandbox_does(pyannoteai_mock: MockAPI) -> None:
    """The official SDK sends null for unset options: accepted; a null required field still answers 400."""
    body = {"url": AUDIO, "voiceprints": VOICEPRINTS, "numSpeakers": None, "confidence": None, "webhook": None}
    created = httpx.post(f"{API}/v1/identify", json=body, headers=AUTH)
    assert created.status_code == 200, created.text
    (call,) = pyannoteai_mock.calls("identify")
    assert call.json == body  # recorded as sent
    refused = httpx.post(f"{API}/v1/identify", json={**body, "url": None}, headers=AUTH)
    assert refused.status_code == 400
    assert [error["field"] for error in refused.json()["errors"]] == ["url"]


# --- 4. field errors ---------------------------------------------------------------------------------


def test_field_errors_are_worded_and_named_as_the_sandbox_words_them(pyannoteai_mock: MockAPI) -> None:
    """Each missing field is named once; items are ``voiceprints[0].label``; messages are the API's."""
    missing = httpx.post(f"{API}/v1/identify", json={}, headers=AUTH)
    assert missing.json()["errors"] == [
        {"field": "url", "message": "Required"},
        {"field": "voiceprints", "message": "Required"},
    ]
    body = {
        "url": AUDIO,
        "voiceprints": [{"label": "SPEAKER_1", "voiceprint": "QUFB"}, {"voiceprint": "x"}],
        "matching": {"threshold": 101},
    }
    broken = httpx.post(f"{API}/v1/identify", json=body, headers=AUTH)
    assert broken.json()["errors"] == [
        {"field": "matching.threshold", "message": "Must be from 0 to 100"},
        {"field": "voiceprints[0].label", "message": "Must match the pattern ^(?![Ss][Pp][Ee][Aa][Kk][Ee][Rr]_)"},
        {"field": "voiceprints[1].label", "message": "Required"},
    ]


# --- 5. listing shows progress ------------------------------------------------------------------------


def test_listing_jobs_advances_them_as_polling_does(pyannoteai_mock: MockAPI) -> None:
    """A listing counts as a poll of each job it reads: a job ends without ever being fetched by id."""
    pyannoteai_mock.pending_polls = 1
    with pyannoteai_mock.client() as client:
        job = client.identify(AUDIO, voiceprints={"Alice": "QUFB"})
        assert [str(item.status) for item in client.jobs()] == ["running"]
        assert [item.id for item in client.jobs("succeeded")] == [job.id]
        assert str(client.get_job(job.id).status) == "succeeded"
    assert pyannoteai_mock.calls("getJobById")[0].status_code == 200


# --- 6. cursors ---------------------------------------------------------------------------------------


def test_cursors_are_uuids_even_for_jobs_added_with_any_id(pyannoteai_mock: MockAPI) -> None:
    """add_job(job_id="job-0") still pages: the cursor encodes a position, not the job's id."""
    ids = [pyannoteai_mock.add_job("identify", job_id=f"job-{n}") for n in range(3)]
    first = _list({"limit": 1}).json()
    uuid.UUID(first["nextCursor"])
    with pyannoteai_mock.client() as client:
        assert [item.id for item in client.jobs(page_size=1)] == ids[::-1]


def test_a_status_change_between_pages_of_a_filtered_listing_keeps_paging(pyannoteai_mock: MockAPI) -> None:
    """The cursor is a position in submission order, so the job it points after may change status."""
    pyannoteai_mock.pending_polls = 2
    with pyannoteai_mock.client() as client:
        jobs = [client.identify(AUDIO, voiceprints={"A": "QUFB"}).id for _ in range(3)]
        first = _list({"limit": 1, "status": "running"}).json()
        assert [item["id"] for item in first["items"]] == [jobs[2]]
        client.get_job(jobs[2])
        assert str(client.get_job(jobs[2]).status) == "succeeded"  # the cursor's job left "running"
    second = _list({"limit": 1, "status": "running", "cursor": first["nextCursor"]})
    assert second.status_code == 200, second.text
    assert [item["id"] for item in second.json()["items"]] == [jobs[1]]


def test_a_cursor_the_mock_never_issued_is_refused_naming_the_cursor(pyannoteai_mock: MockAPI) -> None:
    """As the sandbox does: 400 on ``cursor``."""
    pyannoteai_mock.add_job("identify")
    response = _list({"cursor": str(uuid.uuid4())})
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["cursor"]


# --- 7. the async client's virtual sleeps ------------------------------------------------------------


@pytest.mark.anyio
async def test_the_async_clients_virtual_sleeps_let_other_tasks_run_and_be_cancelled(pyannoteai_mock: MockAPI) -> None:
    """Each virtual sleep is a checkpoint: other tasks run while a wait polls, and a cancelled wait stops."""
    pyannoteai_mock.pending_polls = 20
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0)

    async with pyannoteai_mock.async_client() as client:
        job = await client.identify(AUDIO, voiceprints={"A": "QUFB"})
        async with anyio.create_task_group() as group:
            group.start_soon(heartbeat)
            await client.wait(job)
            during_wait = ticks
            group.cancel_scope.cancel()
        assert during_wait >= 20
        second = await client.identify(AUDIO, voiceprints={"A": "QUFB"})
        before = len(pyannoteai_mock.calls("getJobById"))
        with anyio.move_on_after(0):
            await client.wait(second)
    assert len(pyannoteai_mock.calls("getJobById")) - before <= 1


#: Concurrent waiters, and the polls that answer ``running`` before each job succeeds: one wait alone
#: sleeps PENDING gaps of at most 2 s (the schedule's first gaps), 10 s of virtual time.
WAITERS = 30
PENDING = 5


def _span(jobs: Sequence[Job[Any]]) -> float:
    """Virtual seconds from the first job's creation to the last one's end, by their stamps (whole seconds)."""
    created = min(job.created_at for job in jobs if job.created_at is not None)
    ended = max(job.updated_at for job in jobs if job.updated_at is not None)
    return (ended - created).total_seconds()


@pytest.mark.timeout(60)
def test_waits_in_threads_sharing_a_client_overlap_on_the_virtual_clock(pyannoteai_mock: MockAPI) -> None:
    """README: one ``Client`` may be shared by threads. Thirty threads each waiting (timeout=60) for a
    job that ends after five 2 s gaps take 10 s together, as they would for real: their sleeps
    overlap. The mock moved its one clock by every sleep of every thread, so it ran thirty times too
    fast and the waits raised WaitTimeoutError after 60 virtual seconds, with every job still running.
    Each thread polls once before any sleeps (a barrier in on_status), so they all start together."""
    pyannoteai_mock.pending_polls = PENDING
    started = threading.Barrier(WAITERS)

    def first_poll(job: Job[Any]) -> None:
        if str(job.status) == "running":
            started.wait(timeout=30)  # a bound, should a thread never come

    def wait(job: Job[Any]) -> object:
        try:
            return client.wait(job, timeout=60, on_status=first_poll)
        except WaitTimeoutError as error:
            return error

    with pyannoteai_mock.client() as client:
        jobs = [client.submit_voiceprint(AUDIO) for _ in range(WAITERS)]
        with ThreadPoolExecutor(WAITERS) as pool:
            outcomes = list(pool.map(wait, jobs))
        assert [type(outcome).__name__ for outcome in outcomes] == ["VoiceprintResult"] * WAITERS
        assert len(pyannoteai_mock.sleeps) == WAITERS * PENDING  # each thread slept its own gaps
        assert _span([client.get_job(job.id) for job in jobs]) <= 2 * PENDING + 1  # one wait's time, not 30


@pytest.mark.anyio
async def test_waits_in_concurrent_tasks_overlap_on_the_virtual_clock(pyannoteai_mock: MockAPI) -> None:
    """The AsyncClient's twin: thirty waits run with ``asyncio.gather`` (timeout=60) on jobs that end
    after five 2 s gaps all return, 10 virtual seconds after they began. Each task's sleep moved the
    mock's one clock, so the first round of polls had spent 60 s and the waits timed out."""
    pyannoteai_mock.pending_polls = PENDING
    async with pyannoteai_mock.async_client() as client:
        jobs = [await client.submit_voiceprint(AUDIO) for _ in range(WAITERS)]
        with anyio.fail_after(30):  # a bound, should the waits hang
            outcomes = await asyncio.gather(*(client.wait(job, timeout=60) for job in jobs), return_exceptions=True)
        assert [type(outcome).__name__ for outcome in outcomes] == ["VoiceprintResult"] * WAITERS
        assert len(pyannoteai_mock.sleeps) == WAITERS * PENDING
        assert _span([await client.get_job(job.id) for job in jobs]) <= 2 * PENDING + 1


@pytest.mark.timeout(60)
def test_a_thread_started_after_a_long_wait_is_not_held_back_by_an_old_429(pyannoteai_mock: MockAPI) -> None:
    """A 429 answered at the start of a long wait (2 min of virtual polls) is long over when the
    test then waits in a new thread (a ThreadPoolExecutor): the throttle's hold and its latest
    request are on the first caller's clock, 2 min ahead of the new thread's, which starts at 0.
    The thread slept 2 min "for the rate limit" before its first poll and raised WaitTimeoutError
    (timeout=60) on a job that ends on its second poll; on a real clock it returns at once."""
    pyannoteai_mock.pending_polls = 30
    pyannoteai_mock.respond_with("getJobById", 429)
    with pyannoteai_mock.client() as client:
        client.wait(client.submit_voiceprint(AUDIO), timeout=3600)
        pyannoteai_mock.pending_polls = 1
        job = client.submit_voiceprint(AUDIO)
        before = len(pyannoteai_mock.sleeps)
        with ThreadPoolExecutor(1) as pool:
            outcome = pool.submit(client.wait, job, timeout=60).exception(timeout=30)
    assert outcome is None
    assert max(pyannoteai_mock.sleeps[before:]) <= 2  # the schedule's first gap, no rate-limit pause


@pytest.mark.timeout(60)
def test_a_thread_that_waited_on_another_is_not_held_back_by_its_old_429(pyannoteai_mock: MockAPI) -> None:
    """The reverse of the test above: the test's thread submits two jobs (so its clock is pinned at
    0), a pool thread then waits 2 min of virtual polls after a 429, and the test's thread waits for
    its second job (timeout=60), which ends on its second poll. In real time the test's thread is
    2 min later by then and the 429 long over; on its own virtual clock, still at 0, the throttle's
    latest request (on the pool thread's clock) lay 2 min ahead, so it slept "for the rate limit"
    and raised WaitTimeoutError."""
    pyannoteai_mock.pending_polls = 30
    pyannoteai_mock.respond_with("getJobById", 429)
    with pyannoteai_mock.client() as client:
        first = client.submit_voiceprint(AUDIO)
        pyannoteai_mock.pending_polls = 1
        job = client.submit_voiceprint(AUDIO)
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(client.wait, first, timeout=3600).exception(timeout=30) is None
        before = len(pyannoteai_mock.sleeps)
        outcome = client.wait(job, timeout=60)
    assert type(outcome).__name__ == "VoiceprintResult"
    assert max(pyannoteai_mock.sleeps[before:]) <= 2  # the schedule's first gap, no rate-limit pause


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("waits", "refusals", "timeout", "first_polls", "returned"),
    [(32, 32, 30, 25, 31), (3, 6, 3, 4, 0), (2, 2, 2, 3, 2)],
    ids=["32-waits-one-429-each", "3-waits-two-429s-each", "2-waits-one-429-each"],
)
def test_threads_that_wait_in_turn_on_the_virtual_clock_meet_the_scripted_429s_in_turn_not_in_time(
    pyannoteai_mock: MockAPI, waits: int, refusals: int, timeout: float, first_polls: int, returned: int
) -> None:
    """docs/testing.md, "What the virtual clock does not model", with its figures. A thread's virtual
    sleep returns at once without yielding, so threads sharing a client run their waits in whatever
    order the interpreter switches between them, typically one whole wait after another, as here: the
    first takes the scripted 429s one retry after another on its own clock (25 of 32 polls refused
    by 30 s, 4 of 6 by 3 s), and a later one is held back by that thread's hold, on a clock ahead of
    its own, by at most the hold plus a spacing (its first poll at 1.6 s). On one clock, as in
    production, none of the first two cases' waits returns (tests/client/test_client_shared_hold.py),
    and on a real clock neither of the last (the second 429 comes at 1 s, its hold lasts to their
    deadline)."""
    outcomes: list[tuple[bool, int]] = []
    with pyannoteai_mock.client() as client:
        jobs = [client.submit_voiceprint(AUDIO) for _ in range(waits)]
        pyannoteai_mock.respond_with("getJobById", 429, times=refusals)

        def wait(job: Job[Any]) -> None:
            before = len(pyannoteai_mock.calls("getJobById"))
            try:
                client.wait(job, timeout=timeout)
                outcomes.append((True, len(pyannoteai_mock.calls("getJobById")) - before))
            except WaitTimeoutError:
                outcomes.append((False, len(pyannoteai_mock.calls("getJobById")) - before))

        for job in jobs:  # a new thread each, on a virtual clock of its own from 0
            thread = threading.Thread(target=wait, args=(job,))
            thread.start()
            thread.join(timeout=30)  # a bound, should one hang
    assert len(outcomes) == waits
    assert outcomes[0][1] == first_polls
    assert sum(ok for ok, _ in outcomes) == returned


@pytest.mark.anyio
@pytest.mark.pyannoteai_mock(assert_all_used=False)  # as in production, the deadline comes before the last 429s
@pytest.mark.parametrize(
    ("waits", "refusals", "timeout"), [(32, 32, 30), (3, 6, 3)], ids=["32-waits-one-429-each", "3-waits-two-429s-each"]
)
async def test_tasks_that_wait_together_on_the_virtual_clock_take_the_scripted_429s_in_rounds(
    pyannoteai_mock: MockAPI, waits: int, refusals: int, timeout: float
) -> None:
    """The AsyncClient's twin of the test above: a task's virtual sleep yields, so the waits take
    turns at each sleep and the scripted 429s go round them, as in production: none of these waits
    returns in time (docs/testing.md, "What the virtual clock does not model")."""
    async with pyannoteai_mock.async_client() as client:
        jobs = [await client.submit_voiceprint(AUDIO) for _ in range(waits)]
        pyannoteai_mock.respond_with("getJobById", 429, times=refusals)
        with anyio.fail_after(30):  # a bound, should the waits hang
            outcomes = await asyncio.gather(
                *(client.wait(job, timeout=timeout) for job in jobs), return_exceptions=True
            )
    assert [type(outcome).__name__ for outcome in outcomes] == ["WaitTimeoutError"] * waits


# --- 8. rate-limit headers ------------------------------------------------------------------------------


def test_a_scripted_429_carries_the_rate_limit_headers_unless_overridden(pyannoteai_mock: MockAPI) -> None:
    """X-RateLimit-Limit, X-RateLimit-Remaining: 0 and X-RateLimit-Reset, as the API sends with a 429."""
    pyannoteai_mock.respond_with("testKey", 429, headers={"Retry-After": "30"})
    pyannoteai_mock.respond_with("testKey", 429, headers={"x-ratelimit-limit": "7"})
    limited = httpx.get(f"{API}/v1/test", headers=AUTH)
    assert limited.headers["Retry-After"] == "30"
    assert int(limited.headers["X-RateLimit-Limit"]) > 0
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > 0
    assert check_response(limited) == []
    overridden = httpx.get(f"{API}/v1/test", headers=AUTH)
    assert overridden.headers.get_list("X-RateLimit-Limit") == ["7"]
    assert overridden.headers["Retry-After"] == "1"


def test_a_scripted_success_carries_the_rate_limit_headers_of_the_mock_s_own_successes(
    pyannoteai_mock: MockAPI,
) -> None:
    """The API sends ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` on its answers (api-reference
    §8; the contract declares them on every 2xx), as the mock's own successes do. A success scripted
    with ``respond_with`` carried neither: ``client.rate_limit`` kept the previous answer's, and one
    scripted with only ``X-RateLimit-Remaining: 0`` (to test code pacing itself) showed
    ``limit=None``, which the API never sends. ``headers`` replace the defaults, as for a 429; the
    storage's answer to the upload PUT is not the API's and gets none."""
    ok = {"status": "OK", "message": "fine"}
    own = httpx.get(f"{API}/v1/test", headers=AUTH)
    pyannoteai_mock.respond_with("testKey", 200, ok)
    pyannoteai_mock.respond_with("testKey", 200, ok, headers={"x-ratelimit-remaining": "0"})
    scripted = httpx.get(f"{API}/v1/test", headers=AUTH)
    assert scripted.json() == ok
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining"):
        assert scripted.headers.get_list(name) == own.headers.get_list(name), name
    with pyannoteai_mock.client() as client:
        client.test()
        assert client.rate_limit == RateLimit(limit=int(own.headers["X-RateLimit-Limit"]), remaining=0, reset=None)
    presigned = httpx.post(f"{API}/v1/media/input", json={"url": "media://probe.wav"}, headers=AUTH).json()["url"]
    pyannoteai_mock.respond_with("upload", 200)
    stored = httpx.put(presigned, content=b"RIFF")
    assert stored.status_code == 200
    assert "X-RateLimit-Remaining" not in stored.headers


# --- 9. uploads ---------------------------------------------------------------------------------------


def test_a_presigned_url_takes_repeated_puts_until_it_expires(pyannoteai_mock: MockAPI) -> None:
    """A retry PUTs to the same URL again; after retention_seconds the URL answers 403."""
    presigned = httpx.post(f"{API}/v1/media/input", json={"url": "media://k/a.wav"}, headers=AUTH).json()["url"]
    assert httpx.put(presigned, content=b"one").status_code == 200
    assert httpx.put(presigned, content=b"two").status_code == 200
    assert pyannoteai_mock.uploads == {"media://k/a.wav": b"two"}
    pyannoteai_mock.advance(pyannoteai_mock.retention_seconds)
    assert httpx.put(presigned, content=b"three").status_code == 403
    assert [call.status_code for call in pyannoteai_mock.calls("upload")] == [200, 200, 403]


def test_upload_failures_can_be_scripted(pyannoteai_mock: MockAPI, tmp_path: Any) -> None:
    """respond_with("upload", ...) makes the next PUT fail; the client raises an APIError."""
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF....WAVE")
    pyannoteai_mock.respond_with("upload", 503)
    with pyannoteai_mock.client() as client:
        with pytest.raises(APIError) as caught:
            client.upload(audio, "k/a.wav")
        assert caught.value.status_code == 503
        assert client.upload(audio, "k/a.wav") == "media://k/a.wav"
    assert [call.status_code for call in pyannoteai_mock.calls("upload")] == [503, 200]


def test_a_job_on_media_never_uploaded_fails_as_on_the_sandbox(pyannoteai_mock: MockAPI) -> None:
    """media:// with nothing uploaded there: the job fails with "Could not load audio"."""
    pyannoteai_mock.failure_message = "something else"
    with pyannoteai_mock.client() as client, pytest.raises(JobFailedError) as caught:
        client.wait(client.identify("media://never-uploaded.wav", voiceprints={"Alice": "QUFB"}))
    assert caught.value.api_message == "Could not load audio"


# --- 10. retention and updatedAt ------------------------------------------------------------------------


def test_finished_jobs_are_deleted_after_the_retention_period(pyannoteai_mock: MockAPI) -> None:
    """24 h (of the mock's virtual clock) after a job ends, GET answers 404 and lists skip it."""
    seeded = pyannoteai_mock.add_job("identify")
    with pyannoteai_mock.client() as client:
        job = client.identify(AUDIO, voiceprints={"Alice": "QUFB"})
        client.wait(job)
        pyannoteai_mock.advance(pyannoteai_mock.retention_seconds - 1)
        assert str(client.get_job(job.id).status) == "succeeded"
        pyannoteai_mock.advance(1)
        for job_id in (job.id, seeded):
            with pytest.raises(NotFoundError):
                client.get_job(job_id)
        assert list(client.jobs()) == []
    with pytest.raises(ValueError, match="seconds=-1: must be a number of seconds >= 0"):
        pyannoteai_mock.advance(-1)


def test_updated_at_is_the_time_of_the_last_status_change(pyannoteai_mock: MockAPI) -> None:
    """A finished job's updatedAt stays put however often it is polled, and moves when the status does."""
    pyannoteai_mock.pending_polls = 1
    job_id = httpx.post(f"{API}/v1/identify", json={"url": AUDIO, "voiceprints": VOICEPRINTS}, headers=AUTH)
    job_id = job_id.json()["jobId"]

    def poll() -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{API}/v1/jobs/{job_id}", headers=AUTH).json()
        pyannoteai_mock.advance(5)
        return body

    running, done, again = poll(), poll(), poll()
    assert (running["status"], done["status"]) == ("running", "succeeded")
    assert done["updatedAt"] > running["updatedAt"]
    assert again["updatedAt"] == done["updatedAt"]


# --- gap tests from the mutation review ----------------------------------------------------------------


def test_a_bearer_token_with_extra_spaces_is_read_as_the_sandbox_reads_it(pyannoteai_mock: MockAPI) -> None:
    """The sandbox strips the token: 'Bearer  <key>' (two spaces) is accepted by both fakes."""
    response = httpx.get(f"{API}/v1/test", headers={"Authorization": f"Bearer  {MOCK_API_KEY}"})
    assert response.status_code == 200


def test_a_scripted_429s_reset_time_follows_the_virtual_clock_and_the_retry_after(pyannoteai_mock: MockAPI) -> None:
    """X-RateLimit-Reset is now + Retry-After, on the mock's clock (advance() moves it)."""
    import time

    pyannoteai_mock.advance(3600)
    pyannoteai_mock.respond_with("testKey", 429, headers={"Retry-After": "30"})
    before = time.time()
    limited = httpx.get(f"{API}/v1/test", headers=AUTH)
    reset = int(limited.headers["X-RateLimit-Reset"])
    assert before + 3600 + 30 - 5 <= reset <= time.time() + 3600 + 30 + 5


@pytest.mark.parametrize("seconds", [float("nan"), -1])
def test_advance_refuses_nan_and_negative_times(pyannoteai_mock: MockAPI, seconds: float) -> None:
    with pytest.raises(ValueError, match="seconds"):
        pyannoteai_mock.advance(seconds)


def test_updated_at_stays_put_while_a_job_keeps_running(pyannoteai_mock: MockAPI) -> None:
    """Two polls of a still-running job report the same updatedAt, however far apart."""
    pyannoteai_mock.pending_polls = 3
    job_id = httpx.post(f"{API}/v1/identify", json={"url": AUDIO, "voiceprints": VOICEPRINTS}, headers=AUTH)
    job_id = job_id.json()["jobId"]
    first = httpx.get(f"{API}/v1/jobs/{job_id}", headers=AUTH).json()
    pyannoteai_mock.advance(60)
    second = httpx.get(f"{API}/v1/jobs/{job_id}", headers=AUTH).json()
    assert first["status"] == second["status"] == "running"
    assert second["updatedAt"] == first["updatedAt"]


def test_an_empty_request_body_is_refused_with_the_sandboxs_message(pyannoteai_mock: MockAPI) -> None:
    response = httpx.post(f"{API}/v1/identify", content=b"", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "Required: a JSON object"}]


def test_an_expired_presigned_url_answers_403_even_after_other_requests(pyannoteai_mock: MockAPI) -> None:
    """A request that purges old state in between does not turn the expired URL's 403 into a 404."""
    presigned = httpx.post(f"{API}/v1/media/input", json={"url": "media://k/a.wav"}, headers=AUTH).json()["url"]
    pyannoteai_mock.advance(pyannoteai_mock.retention_seconds)
    httpx.get(f"{API}/v2/jobs", headers=AUTH)  # any request that purges
    assert httpx.put(presigned, content=b"late").status_code == 403


def test_the_mocks_client_uses_the_mocks_key_whatever_the_environment_says(
    pyannoteai_mock: MockAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A developer's real PYANNOTEAI_API_KEY in the shell does not leak into, or break, the mock's client."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "a-real-key-from-the-shell")
    with pyannoteai_mock.client() as client:
        assert client.test().status == "OK"
    assert pyannoteai_mock.requests[-1].headers["authorization"] == f"Bearer {MOCK_API_KEY}"


def test_the_mock_hands_out_the_signed_webhook_of_a_job_that_agrees_with_its_poll(
    pyannoteai_mock: MockAPI, webhook_secret: str
) -> None:
    """delivery(job_id) is the webhook the API sends when the job ends: signed with the test secret,
    the same output a poll then returns (not a builder's default), the job ended."""
    from pyannoteai_identify import IdentifyResult
    from pyannoteai_identify.receiver import WebhookReceiver
    from pyannoteai_identify.testing import make_voiceprint

    pyannoteai_mock.pending_polls = 5
    with pyannoteai_mock.client() as client:
        job = client.identify(
            "https://files.example.com/a.wav", {"Ann": make_voiceprint("Ann")}, num_speakers=1, webhook=HOOK
        )
        outcome = WebhookReceiver().handle(*pyannoteai_mock.delivery(job.id))
        assert outcome.status_code == 200 and outcome.event is not None
        assert isinstance(outcome.event.result, IdentifyResult) and outcome.event.result.speakers == ["Ann"]
        polled = client.get_job(job.id, kind="identify")
    assert str(polled.status) == "succeeded" and polled.output == outcome.event.result

    pyannoteai_mock.outcome = "failed"
    with pyannoteai_mock.client() as client:
        failed = client.identify(
            "https://files.example.com/b.wav", {"Ann": make_voiceprint("Ann")}, webhook=HOOK, webhook_status_only=True
        )
    body, headers = pyannoteai_mock.delivery(failed.id)
    event = WebhookReceiver(webhook_secret).handle(body, headers).event
    assert event is not None and str(event.status) == "failed" and event.result is None
    with pytest.raises(KeyError):
        pyannoteai_mock.delivery("no-such-job")


@pytest.mark.parametrize(
    ("outcome", "status_only", "has_output"),
    [("succeeded", False, True), ("succeeded", True, False), ("failed", False, False)],
    ids=["succeeded", "succeeded-status-only", "failed"],
)
def test_only_a_succeeded_jobs_delivery_without_status_only_carries_the_output(
    pyannoteai_mock: MockAPI, outcome: str, status_only: bool, has_output: bool
) -> None:
    """As the webhook docs describe deliveries (and make_delivery builds them): the output comes
    with a succeeded job's delivery, unless the job was submitted with webhookStatusOnly; a failed
    job's delivery has none, though a poll of it shows output.error."""
    pyannoteai_mock.outcome = outcome  # type: ignore[assignment]
    with pyannoteai_mock.client() as client:
        job = client.submit_voiceprint(AUDIO, webhook=HOOK, webhook_status_only=status_only)
    body, _ = pyannoteai_mock.delivery(job.id)
    delivered = json.loads(body)
    assert (delivered["jobId"], delivered["status"]) == (job.id, outcome)
    assert ("output" in delivered) is has_output


# --- fidelity review: where the mock was kinder than the API and the sandbox ---------------------------


def test_uploaded_media_expires_as_on_the_sandbox_and_the_api(pyannoteai_mock: MockAPI, tmp_path: Any) -> None:
    """Media-API uploads are removed within 48 h (api-reference §3.2, §9; the sandbox keeps them
    retention_seconds): a job on a media:// URL uploaded two days ago cannot load its audio. A
    consumer that caches media:// keys for reuse must not pass here and fail in production."""
    audio = tmp_path / "enrol.wav"
    audio.write_bytes(b"RIFF....WAVE")
    with pyannoteai_mock.client() as client:
        url = client.upload(audio, "enrol/alice.wav")
        pyannoteai_mock.advance(2 * pyannoteai_mock.retention_seconds)
        with pytest.raises(JobFailedError) as caught:
            client.wait(client.identify(url, voiceprints={"Alice": "QUFB"}))
    assert caught.value.api_message == "Could not load audio"


def test_a_score_below_the_requested_threshold_is_not_a_match(pyannoteai_mock: MockAPI) -> None:
    """matching.threshold "prevents matching if confidence score is below this threshold" (api-reference
    §3.6, as the sandbox applies it): the mock's own scores must not contradict the request it answers."""
    with pyannoteai_mock.client() as client:
        job = client.identify(AUDIO, voiceprints={"Alice": "QUFB", "Bob": "QkJC"}, matching={"threshold": 100})
        result = client.wait(job)
    scores = {v.speaker: v.confidence for v in result.voiceprints}
    matched = [(t.diarization_speaker, t.match) for t in result.identification if t.match is not None]
    assert [(speaker, label) for speaker, label in matched if scores[speaker][label] < 100] == []


def test_an_unmatched_speakers_voiceprint_score_names_its_best_label_as_the_spec_and_sandbox_do() -> None:
    """IdentificationVoiceprint.match is a required, non-nullable string upstream ([SPEC]); the sandbox
    sends the best-scoring label there even when identification[].match is null. A builder that puts
    null there lets a consumer read voiceprints[].match as "who this is" and name an unknown
    speaker after the closest voiceprint in production."""
    from pyannoteai_identify.testing import make_identify_output

    output = make_identify_output(["Alice", "Bob"], unmatched=1)
    unmatched = output["voiceprints"][-1]
    assert next(t["match"] for t in output["identification"] if t["diarizationSpeaker"] == unmatched["speaker"]) is None
    assert unmatched["match"] == max(unmatched["confidence"], key=unmatched["confidence"].__getitem__)


def test_a_job_submitted_without_a_webhook_has_no_delivery(pyannoteai_mock: MockAPI) -> None:
    """The API delivers only to a job's ``webhook`` (api-reference §7.1), and the sandbox sends
    nothing for a job without one: delivery() must not hand a receiver the webhook of a job the
    code under test forgot to subscribe."""
    with pyannoteai_mock.client() as client:
        subscribed = client.submit_voiceprint(AUDIO, webhook=HOOK)
        forgotten = client.submit_voiceprint(AUDIO)
    assert json.loads(pyannoteai_mock.delivery(subscribed.id)[0])["jobId"] == subscribed.id
    with pytest.raises(ValueError, match="webhook"):
        pyannoteai_mock.delivery(forgotten.id)


@pytest.mark.parametrize(
    ("options", "retry_num", "reason"),
    [
        ({"retry_num": 2, "retry_reason": "http_timeout"}, 2, RetryReason.HTTP_TIMEOUT),
        ({"retry_num": 3, "retry_reason": RetryReason.SSL_ERROR}, 3, RetryReason.SSL_ERROR),
        ({"retry_num": 1}, 1, RetryReason.HTTP_ERROR),  # signed_delivery's default reason
        ({}, 0, None),  # a first attempt
    ],
    ids=["reason-string", "reason-member", "default-reason", "first-attempt"],
)
def test_a_delivery_can_be_a_retry_attempt_that_a_receiver_sees(
    pyannoteai_mock: MockAPI, webhook_secret: str, options: dict[str, Any], retry_num: int, reason: Any
) -> None:
    """The API redelivers a webhook whose attempt failed, with ``x-retry-num`` and ``x-retry-reason``
    (api-reference §7): ``signed_delivery(..., retry_num=1)`` builds one, but ``delivery(job_id)`` of
    a job the code under test submitted could not, so a test of a receiver's retry handling had to
    rebuild the body by hand. It takes the same options, with the same rules."""
    with pyannoteai_mock.client() as client:
        job = client.submit_voiceprint(AUDIO, webhook=HOOK)
    body, headers = pyannoteai_mock.delivery(job.id, **options)

    outcome = WebhookReceiver().handle(body, headers)

    assert outcome.status_code == 200 and outcome.event is not None, outcome
    assert (outcome.event.job_id, outcome.event.retry_num) == (job.id, retry_num)
    assert outcome.event.known_retry_reason == reason


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"retry_num": 0}, "retry_num"),
        ({"retry_num": 4}, "retry_num"),
        ({"retry_num": True}, "retry_num"),
        ({"retry_num": 1, "retry_reason": "bogus"}, "retry_reason"),
        ({"retry_reason": "http_timeout"}, "retry_reason"),  # a reason without a retry number
    ],
    ids=["retry_num=0", "retry_num=4", "retry_num=True", "unknown-reason", "reason-without-retry_num"],
)
def test_a_delivery_refuses_a_retry_the_api_never_sends_before_the_job_ends(
    pyannoteai_mock: MockAPI, options: dict[str, Any], field: str
) -> None:
    """delivery()'s retry options follow signed_delivery's rules (1 to 3 retries, a reason openapi.yaml
    lists, no reason without a number), refused with a ValueError naming the option before the job
    is ended: a poll afterwards still finds it running."""
    pyannoteai_mock.pending_polls = 1
    with pyannoteai_mock.client() as client:
        job = client.submit_voiceprint(AUDIO, webhook=HOOK)
        with pytest.raises(ValueError, match=field):
            pyannoteai_mock.delivery(job.id, **options)
        assert client.get_job(job.id).status == "running"


@pytest.mark.parametrize("outcome", ["expired", "succeded", "cancelled"])
def test_an_outcome_that_is_no_job_status_is_refused_when_set_not_answered_as_a_status(
    pyannoteai_mock: MockAPI, outcome: str
) -> None:
    """A job's status is one of the contract's JobStatus values (api-reference §4.1): the API never
    answers ``"expired"`` (an expired job is a 404) nor a misspelt ``"succeded"``. The mock took any
    string as ``outcome`` and answered it as the job's status on every poll, so the code under test
    saw a status the API never sends and a wait ran into its 24 h timeout (hundreds of polls) with
    "is still expired", far from the line that set it. The assignment says what is wrong instead."""
    with pytest.raises(ValueError, match=outcome):
        pyannoteai_mock.outcome = outcome  # type: ignore[assignment]
    with pytest.raises(ValueError, match=outcome):
        MockAPI(outcome=outcome)  # type: ignore[arg-type]


def test_num_speakers_beyond_the_voiceprints_gives_that_many_diarized_speakers(pyannoteai_mock: MockAPI) -> None:
    """numSpeakers is the exact number of speakers (api-reference §3.4, §3.6: "Equivalent to sending
    minSpeakers==maxSpeakers"): with two speakers and only one enrolled voiceprint, the API diarizes
    two speakers and the second one matches nobody. The mock answered a single speaker, so a test of
    how the code under test reports an unknown speaker could not be written against it."""
    with pyannoteai_mock.client() as client:
        job = client.identify(AUDIO, voiceprints={"Alice": "QUFB"}, num_speakers=2)
        result = client.wait(job)
    assert len({segment.speaker for segment in result.diarization}) == 2
    matches = {turn.diarization_speaker: turn.match for turn in result.identification}
    assert sorted(matches.values(), key=str) == ["Alice", None]


@pytest.mark.timeout(60)
def test_a_client_shared_by_threads_gets_answers_not_errors_from_the_mock(pyannoteai_mock: MockAPI) -> None:
    """README: "One ``Client`` may be shared by threads" (and ``identify_batch`` on a ``Client`` runs its
    requests on worker threads). The mock's handler read and changed its job table with no lock, so
    a listing or a purge iterating it while another thread submitted raised ``RuntimeError:
    dictionary changed size during iteration`` out of the client: the code under test failed at
    random. Thread switches are made frequent here so the race shows on every run."""
    from concurrent.futures import ThreadPoolExecutor

    errors: list[BaseException] = []

    def work(_: int) -> None:
        try:
            job = client.submit_voiceprint(AUDIO)
            client.get_job(job.id)
            list(client.jobs(page_size=100))
        except Exception as error:  # collected, asserted on below
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with pyannoteai_mock.client() as client, ThreadPoolExecutor(8) as pool:
            list(pool.map(work, range(300)))
    finally:
        sys.setswitchinterval(interval)
    assert [repr(error) for error in errors] == []
    assert len(pyannoteai_mock.calls("voiceprint")) == 300


def test_a_recorded_requests_headers_are_looked_up_whatever_the_case_as_in_httpx(pyannoteai_mock: MockAPI) -> None:
    """HTTP header names are case-insensitive, and httpx's (and respx's recorded) ``request.headers``
    find ``"User-Agent"`` as ``"user-agent"``. A RecordedRequest's headers were a plain dict of
    lowercase names, so the natural ``request.headers["Content-Type"]`` raised KeyError, and
    ``"Authorization" not in request.headers`` passed for a request that sent one."""
    with pyannoteai_mock.client() as client:
        client.submit_voiceprint(AUDIO)
    (request,) = pyannoteai_mock.calls("voiceprint")
    assert request.headers["Content-Type"] == request.headers["content-type"] == "application/json"
    assert "Authorization" in request.headers
    assert request.headers.get("User-Agent", "").startswith("pyannoteai-identify/")
    assert "[secure]" in repr(request.headers)


def test_num_speakers_sent_as_a_float_that_the_mock_accepted_is_answered_not_crashed_on(
    pyannoteai_mock: MockAPI,
) -> None:
    """numSpeakers is a JSON number upstream (api-reference §1.3), and the contract's integer admits
    ``2.0`` (JSON Schema), so the mock accepts it, as code that is not this package's client may send
    it. Its first poll then crashed the mock's handler (``labels[:2.0]``: TypeError, surfacing as
    respx's SideEffectError) instead of answering the job."""
    body = {"url": AUDIO, "voiceprints": [*VOICEPRINTS, {"label": "Bob", "voiceprint": "QkJC"}], "numSpeakers": 1.0}
    created = httpx.post(f"{API}/v1/identify", json=body, headers=AUTH)
    assert created.status_code == 200

    polled = httpx.get(f"{API}/v1/jobs/{created.json()['jobId']}", headers=AUTH)

    assert polled.status_code == 200
    assert {turn["match"] for turn in polled.json()["output"]["identification"]} == {"Alice"}


def test_a_recorded_requests_headers_are_case_insensitive_for_every_mapping_operation(
    pyannoteai_mock: MockAPI,
) -> None:
    """httpx.Headers is case-insensitive for every operation, not only lookup: ``pop("Content-Type")``,
    ``del headers["User-Agent"]``, ``setdefault``, ``update`` and ``==`` take any case. The recorded
    headers found ``"Content-Type"`` but ``pop("Content-Type")`` raised KeyError, ``setdefault`` and
    ``update`` added a second, capitalised entry beside the lowercase one, and a ``bytes`` name was
    never found."""
    with pyannoteai_mock.client() as client:
        client.submit_voiceprint(AUDIO)
    (request,) = pyannoteai_mock.calls("voiceprint")
    headers = request.headers
    assert isinstance(headers, dict)  # still the plain dict the docs promise (json.dumps, dict(...))
    assert b"Content-Type" in headers and headers[b"content-type"] == "application/json"
    assert headers.pop("Content-Type") == "application/json"
    assert "content-type" not in headers
    assert headers.pop("Content-Type", None) is None
    del headers["User-Agent"]
    assert "user-agent" not in headers
    assert headers.setdefault("X-Team", "a") == "a"
    assert headers.setdefault("x-team", "b") == "a"
    headers.update({"X-TEAM": "c"}, ACCEPT="text/plain")
    headers["Accept-Encoding"] = "identity"
    headers |= {"X-Other": "d"}
    assert (headers["x-team"], headers["accept"], headers["accept-encoding"], headers["x-other"]) == (
        "c",
        "text/plain",
        "identity",
        "d",
    )
    assert all(name == name.lower() for name in headers)
    assert headers == {name.upper(): value for name, value in headers.items()}
    assert "[secure]" in repr(headers.copy()) and "Bearer" not in repr(headers.copy())


def test_an_authorization_value_put_back_into_recorded_headers_is_masked_however_it_is_put(
    pyannoteai_mock: MockAPI,
) -> None:
    """The recorded Authorization value masks its own repr (pytest's dict diff shows the items, not
    the headers' repr); a value put back with ``setdefault`` kept the bare str and showed the key."""
    with pyannoteai_mock.client() as client:
        client.submit_voiceprint(AUDIO)
    (request,) = pyannoteai_mock.calls("voiceprint")
    for put_back in (
        lambda headers: headers.setdefault("Authorization", "Bearer sk-PUT-BACK"),
        lambda headers: headers.update({"AUTHORIZATION": "Bearer sk-PUT-BACK"}),
        lambda headers: headers.__setitem__("authorization", "Bearer sk-PUT-BACK"),
    ):
        headers = request.headers.copy()
        del headers["authorization"]
        put_back(headers)
        assert headers["authorization"] == "Bearer sk-PUT-BACK"
        assert "sk-PUT-BACK" not in repr(dict(headers)) and "sk-PUT-BACK" not in repr(list(headers.values()))


@pytest.mark.parametrize("options", [{"retry_num": 4}, {"retry_reason": "timeout"}])
def test_a_refused_retry_option_says_the_retry_numbers_the_contract_lists(
    pyannoteai_mock: MockAPI, options: dict[str, Any]
) -> None:
    """A retry number out of range was said as "the API retries a delivery 1, 2, 3 times", and a
    reason without a number asked for "retry_num=1, 2 or 3" typed by hand: both list x-retry-num's
    values as openapi.yaml declares them."""
    from pyannoteai_identify import webhooks
    from pyannoteai_identify._contract import SpecReader

    numbers = ", ".join(SpecReader(__name__).delivery_header_values(webhooks.RETRY_NUM_HEADER))
    with pyannoteai_mock.client() as client:
        job = client.submit_voiceprint(AUDIO, webhook=HOOK)
        with pytest.raises(ValueError, match=f"one of {numbers}"):
            pyannoteai_mock.delivery(job.id, **options)
