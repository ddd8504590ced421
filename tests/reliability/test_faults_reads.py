"""Faults against the sandbox over loopback: reads recover or fail with the right error, submissions are
never repeated (counted by the sandbox), results are not lost, and no secret reaches a log or an error.

Each test runs with ``Client`` and ``AsyncClient``. The sandbox injects 5xx, 429, 402, slow answers,
dropped connections and truncated JSON itself; the ``Chaos`` layer in front of it adds what it cannot:
a proxy's HTML error page, status values outside the enum, unknown fields, and an output that is gone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from reliabilitykit import (
    API_KEY,
    DEMO_MEDIA,
    VOICEPRINTS,
    Api,
    Chaos,
    MakeApi,
    SimTime,
    json_transform,
    leaks,
    log_texts,
    wav_file,
)

from pyannoteai_identify import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    IdentifyResult,
    InvalidResponseError,
    JobExpiredError,
    JobStatus,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
)
from pyannoteai_identify.sandbox import Sandbox, demo_audio, voice_sample

pytestmark = pytest.mark.anyio

JOBS = "/v1/jobs/"


def decided_output(sandbox: Sandbox, job_id: str) -> dict[str, Any]:
    """The raw output the sandbox decided for *job_id*."""
    job = sandbox.state.job(job_id)
    assert job is not None, f"the sandbox has no job {job_id}"
    outcome = job.decision.outcome
    assert outcome is not None, f"the sandbox has not decided job {job_id} yet"
    return dict(outcome.output)


def expected(sandbox: Sandbox, job_id: str) -> dict[str, Any]:
    """The output the sandbox decided for *job_id*, parsed as the client parses it."""
    return IdentifyResult.from_dict(decided_output(sandbox, job_id)).to_dict()


async def submit(api: Api) -> str:
    job = await api.identify(DEMO_MEDIA, VOICEPRINTS)
    return str(job.id)


async def wait_for_output(api: Api, sandbox: Sandbox, job_id: str, **kwargs: Any) -> None:
    """wait() returns the sandbox's output for the job, and the output names the demo's speakers in turn."""
    result = await api.wait(job_id, kind="identify", timeout=3600, **kwargs)
    assert isinstance(result, IdentifyResult)
    assert result.to_dict() == expected(sandbox, job_id)
    assert [turn.speaker for turn in result.identification] == ["Alice", "Bob", "Alice", "Bob"]


# --- 5xx -----------------------------------------------------------------------------------------


async def test_a_burst_of_503_within_the_retries_is_absorbed_by_get_job(
    api: Api, sandbox: Sandbox, sim_time: SimTime
) -> None:
    """Three 503s, then the answer: get_job returns the job after 4 requests and 3 backoff sleeps."""
    job_id = await submit(api)
    sandbox.faults.next(3, "5xx", operation="getJobById")
    job = await api.get_job(job_id)
    assert job.id == job_id
    assert sandbox.stats.requests["getJobById"] == 4
    assert len(sim_time.sleeps) == 3


async def test_a_burst_of_503_longer_than_the_retries_fails_with_server_error(api: Api, sandbox: Sandbox) -> None:
    """Four 503s exhaust 3 retries: ServerError with the status, after exactly 4 requests."""
    job_id = await submit(api)
    sandbox.faults.next(4, "5xx", operation="getJobById")
    with pytest.raises(ServerError) as info:
        await api.get_job(job_id)
    assert info.value.status_code == 503
    assert sandbox.stats.requests["getJobById"] == 4


async def test_a_500_is_not_retried_by_a_single_read(api: Api, sandbox: Sandbox) -> None:
    """Only 502/503/504 are retried: a 500 fails get_job at once with ServerError."""
    job_id = await submit(api)
    sandbox.faults.next(1, "5xx", status=500, operation="getJobById")
    with pytest.raises(ServerError) as info:
        await api.get_job(job_id)
    assert info.value.status_code == 500
    assert sandbox.stats.requests["getJobById"] == 1


async def test_wait_rides_out_a_long_5xx_burst_and_returns_the_right_output(api: Api, sandbox: Sandbox) -> None:
    """Twelve 500/502/503/504 answers in a row do not end a wait; the job was submitted once."""
    job_id = await submit(api)
    for status in (500, 502, 503, 504):
        sandbox.faults.next(3, "5xx", status=status, operation="getJobById")
    await wait_for_output(api, sandbox, job_id)
    assert sandbox.faults.pending == 0
    assert sandbox.stats.requests["identify"] == sandbox.stats.submissions == 1


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("5xx", 503, ServerError),
        ("5xx", 500, ServerError),
        ("429", None, RateLimitError),
        ("402", None, PaymentRequiredError),
        ("malformed", None, InvalidResponseError),
    ],
    ids=["503", "500", "429", "402", "truncated-json"],
)
async def test_an_error_answer_to_a_submission_is_raised_and_never_resent(
    api: Api, sandbox: Sandbox, sim_time: SimTime, kind: Any, status: int | None, error: type[APIError]
) -> None:
    """identify() sends once: a 5xx, 429 or 402, or a 200 whose JSON stops half-way, raises its error
    (InvalidResponseError for the last), and the sandbox saw one request and no job."""
    sandbox.faults.next(1, kind, status=status, operation="identify")
    with pytest.raises(error):
        await submit(api)
    assert sandbox.stats.requests["identify"] == 1
    assert sandbox.stats.submissions == 0
    assert sim_time.sleeps == []


# --- 429 with Retry-After ------------------------------------------------------------------------


async def test_a_429_storm_within_the_retries_is_waited_out_as_retry_after_says(
    api: Api, sandbox: Sandbox, sim_time: SimTime
) -> None:
    """Three 429s with Retry-After: 7: get_job sleeps exactly 7 s before each retry and recovers."""
    job_id = await submit(api)
    sandbox.faults.next(3, "429", retry_after=7, operation="getJobById")
    assert (await api.get_job(job_id)).id == job_id
    assert sim_time.sleeps == [7.0, 7.0, 7.0]
    assert sandbox.stats.requests["getJobById"] == 4


async def test_a_429_storm_past_the_retries_raises_rate_limit_error_with_retry_after(
    api: Api, sandbox: Sandbox
) -> None:
    """Four 429s: RateLimitError carrying the server's Retry-After, after 4 requests."""
    job_id = await submit(api)
    sandbox.faults.next(4, "429", retry_after=7, operation="getJobById")
    with pytest.raises(RateLimitError) as info:
        await api.get_job(job_id)
    assert info.value.retry_after == 7.0
    assert sandbox.stats.requests["getJobById"] == 4


async def test_a_retry_after_beyond_the_cap_is_not_slept_inside_a_read(
    api: Api, sandbox: Sandbox, sim_time: SimTime
) -> None:
    """Retry-After: 600 is over the 120 s cap of a single read: RateLimitError at once, no sleep."""
    job_id = await submit(api)
    sandbox.faults.next(1, "429", retry_after=600, operation="getJobById")
    with pytest.raises(RateLimitError) as info:
        await api.get_job(job_id)
    assert info.value.retry_after == 600.0
    assert sim_time.sleeps == []


async def test_wait_rides_out_a_429_storm_and_never_polls_before_retry_after(
    api: Api, sandbox: Sandbox, sim_time: SimTime
) -> None:
    """Twelve 429s (Retry-After: 5) during a wait: each is followed by a sleep of at least 5 s; the output arrives."""
    job_id = await submit(api)
    sandbox.faults.next(12, "429", retry_after=5, operation="getJobById")
    await wait_for_output(api, sandbox, job_id)
    assert sum(1 for seconds in sim_time.sleeps if seconds >= 5.0) >= 12
    assert sandbox.stats.requests["identify"] == 1


async def test_wait_outlasts_a_retry_after_longer_than_the_read_cap(
    api: Api, sandbox: Sandbox, sim_time: SimTime
) -> None:
    """A 429 asking for 600 s ends no wait: the next poll comes 600 s later and finds the result."""
    job_id = await submit(api)
    sandbox.faults.next(1, "429", retry_after=600, operation="getJobById")
    await wait_for_output(api, sandbox, job_id)
    assert sim_time.sleeps[0] == 600.0
    assert sandbox.stats.requests["getJobById"] == 2


# --- slow answers --------------------------------------------------------------------------------


async def test_a_read_slower_than_the_timeout_is_retried_and_recovers(make_api: MakeApi, sandbox: Sandbox) -> None:
    """An answer 1.5 s late with a 0.5 s timeout: the GET is sent again and get_job returns the job."""
    api = make_api(timeout=0.5)
    job_id = await submit(api)
    sandbox.faults.next(1, "delay", seconds=1.5, operation="getJobById")
    assert (await api.get_job(job_id)).id == job_id
    assert sandbox.stats.requests["getJobById"] == 2


@pytest.mark.parametrize(
    ("lost", "error"),
    [({"late": 1.5}, APITimeoutError), ({"cut": True}, APIConnectionError)],
    ids=["answer-late", "answer-cut"],
)
async def test_a_submission_whose_answer_is_lost_is_not_resent_and_its_job_is_found_and_waited_for(
    make_api: MakeApi, sandbox: Sandbox, chaos: Chaos, lost: dict[str, Any], error: type[APIConnectionError]
) -> None:
    """The API creates the job but its answer comes after the timeout, or is cut: the error says the job may
    exist, nothing is resent (one job on the server), and jobs() finds the job, whose output wait() returns."""
    api = make_api(timeout=0.5)
    chaos.lose("POST", "/v1/identify", **lost)
    with pytest.raises(error) as info:
        await submit(api)
    assert type(info.value) is error
    assert info.value.request_sent is True
    assert "client.jobs()" in str(info.value)
    assert sandbox.stats.requests["identify"] == sandbox.stats.submissions == 1
    found = await api.jobs()
    assert len(found) == 1
    await wait_for_output(api, sandbox, found[0].id)


async def test_a_submission_held_past_the_timeout_by_the_sandbox_is_not_resent(
    make_api: MakeApi, sandbox: Sandbox
) -> None:
    """A sandbox delay fault holds identify() past the timeout: APITimeoutError, and one request only."""
    api = make_api(timeout=0.5)
    sandbox.faults.next(1, "delay", seconds=1.0, operation="identify")
    with pytest.raises(APITimeoutError) as info:
        await submit(api)
    assert info.value.request_sent is True
    assert sandbox.stats.requests["identify"] == 1


# --- dropped connections -------------------------------------------------------------------------


async def test_connections_dropped_mid_response_are_retried_by_a_read(api: Api, sandbox: Sandbox) -> None:
    """Two answers cut off after their first bytes: get_job retries and returns the job on the third request."""
    job_id = await submit(api)
    sandbox.faults.next(2, "drop", operation="getJobById")
    assert (await api.get_job(job_id)).id == job_id
    assert sandbox.stats.requests["getJobById"] == 3


async def test_a_submission_dropped_mid_response_is_not_resent(api: Api, sandbox: Sandbox) -> None:
    """identify()'s answer is cut off: APIConnectionError says the job may exist; the sandbox saw one request."""
    sandbox.faults.next(1, "drop", operation="identify")
    with pytest.raises(APIConnectionError) as info:
        await submit(api)
    assert info.value.request_sent is True
    assert "not resent" in str(info.value)
    assert sandbox.stats.requests["identify"] == 1


async def test_wait_rides_out_dropped_connections_and_returns_the_right_output(api: Api, sandbox: Sandbox) -> None:
    """Six dropped answers in a row (more than one read's retries) do not end a wait."""
    job_id = await submit(api)
    sandbox.faults.next(6, "drop", operation="getJobById")
    await wait_for_output(api, sandbox, job_id)
    assert sandbox.stats.submissions == 1


# --- malformed and truncated bodies --------------------------------------------------------------


async def test_a_truncated_json_answer_to_a_read_is_an_invalid_response(api: Api, sandbox: Sandbox) -> None:
    """A 200 whose JSON stops half-way: InvalidResponseError with the status and the raw body; not retried."""
    job_id = await submit(api)
    sandbox.faults.next(1, "malformed", operation="getJobById")
    with pytest.raises(InvalidResponseError) as info:
        await api.get_job(job_id)
    assert info.value.status_code == 200
    assert "not valid JSON" in str(info.value)
    assert info.value.body.startswith(b'{"jobId"')
    assert sandbox.stats.requests["getJobById"] == 1


async def test_a_proxy_html_error_page_is_retried_like_a_5xx(api: Api, sandbox: Sandbox, chaos: Chaos) -> None:
    """A load balancer's HTML 502 page twice, then the API: get_job recovers; the sandbox saw one request."""
    job_id = await submit(api)
    chaos.answer("GET", JOBS, 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", times=2)
    assert (await api.get_job(job_id)).id == job_id
    assert chaos.applied == 2
    assert sandbox.stats.requests["getJobById"] == 1


async def test_a_proxy_html_page_with_status_200_is_an_invalid_response(
    api: Api, sandbox: Sandbox, chaos: Chaos
) -> None:
    """A captive portal's 200 text/html answer is not mistaken for a job: InvalidResponseError names the type."""
    job_id = await submit(api)
    chaos.answer("GET", JOBS, 200, b"<html>Please log in</html>", "text/html")
    with pytest.raises(InvalidResponseError, match="expected application/json, got text/html"):
        await api.get_job(job_id)


# --- the contract bent: statuses outside the enum, unknown fields, output gone -------------------


def _status(value: str) -> Callable[[Any], Any]:
    def change(body: Any) -> Any:
        if body.get("status") not in ("succeeded", "failed", "canceled"):
            body["status"] = value
        return body

    return change


async def test_status_values_outside_the_enum_count_as_not_finished(api: Api, sandbox: Sandbox, chaos: Chaos) -> None:
    """Polls answered "x-queued" and "processing" (not in the enum) keep the wait going; on_status sees them."""
    job_id = await submit(api)
    chaos.rewrite("GET", JOBS, json_transform(_status("x-queued")), times=2)
    chaos.rewrite("GET", JOBS, json_transform(_status("processing")), times=2)
    seen: list[str] = []
    await wait_for_output(api, sandbox, job_id, on_status=lambda job: seen.append(str(job.status)))
    assert seen[:2] == ["x-queued", "processing"]
    assert seen[-1] == "succeeded"


async def test_get_job_returns_a_status_outside_the_enum_as_plain_text(
    api: Api, sandbox: Sandbox, chaos: Chaos
) -> None:
    """get_job keeps an unknown status as its string, not a JobStatus, and does not call it terminal."""
    job_id = await submit(api)
    chaos.rewrite("GET", JOBS, json_transform(_status("paused-for-review")))
    job = await api.get_job(job_id)
    assert job.status == "paused-for-review"
    assert not isinstance(job.status, JobStatus)
    assert not job.is_terminal


def _add_unknown_fields(body: Any) -> Any:
    body["priority"] = {"tier": "gold", "weights": [1, 2, 3]}
    body["region"] = "eu-west-1"
    output = body.get("output")
    if isinstance(output, dict):
        output["speakerEmbeddings"] = {"SPEAKER_00": [0.1, 0.2]}
        for turn in output.get("identification", []):
            turn["overlap"] = False
        for match in output.get("voiceprints", []):
            match["model"] = "precision-3"
    return body


async def test_unknown_fields_anywhere_in_the_answers_change_nothing(api: Api, sandbox: Sandbox, chaos: Chaos) -> None:
    """New top-level, output and per-turn fields, in JobCreated and in every poll: the same result, with the
    new output key kept in ``extra``."""
    chaos.rewrite("POST", "/v1/identify", json_transform(_add_unknown_fields))
    chaos.rewrite("GET", JOBS, json_transform(_add_unknown_fields), times=1000)
    job_id = await submit(api)
    result = await api.wait(job_id, kind="identify", timeout=3600)
    assert isinstance(result, IdentifyResult)
    assert chaos.applied >= 2
    want = IdentifyResult.from_dict(decided_output(sandbox, job_id))
    assert list(result.identification) == list(want.identification)
    assert result.voiceprints == want.voiceprints
    assert list(result.diarization) == list(want.diarization)
    assert result.extra == {"speakerEmbeddings": {"SPEAKER_00": [0.1, 0.2]}}


async def test_a_job_past_its_retention_is_reported_as_expired(api: Api, sandbox: Sandbox) -> None:
    """A day after it ended, the job is gone: get_job raises NotFoundError and wait JobExpiredError."""
    job_id = await submit(api)
    sandbox.advance(86_400 + 60)
    with pytest.raises(NotFoundError):
        await api.get_job(job_id)
    with pytest.raises(JobExpiredError, match="24 hours") as info:
        await api.wait(job_id, timeout=60)
    assert info.value.job_id == job_id


async def test_a_succeeded_job_whose_output_is_gone_is_reported_as_expired(
    api: Api, sandbox: Sandbox, chaos: Chaos
) -> None:
    """ "succeeded" without an output (deleted after 24 hours): JobExpiredError, not an empty result."""
    job_id = await submit(api)
    sandbox.advance(10)

    def drop_output(body: Any) -> Any:
        body.pop("output", None)
        return body

    chaos.rewrite("GET", JOBS, json_transform(drop_output))
    with pytest.raises(JobExpiredError, match="output is gone") as info:
        await api.wait(job_id, timeout=60)
    assert info.value.status == "succeeded"


# --- uploads, voiceprints, lists -----------------------------------------------------------------


async def test_a_failed_upload_is_not_followed_by_a_submission(api: Api, sandbox: Sandbox) -> None:
    """A 503 on the presigned PUT: APIError saying the media was not stored; no job was submitted."""
    sandbox.faults.next(1, "5xx", operation="upload")
    with pytest.raises(APIError, match="was not stored"):
        await api.identify(wav_file(demo_audio()), VOICEPRINTS)
    assert sandbox.stats.requests["upload"] == 1
    assert sandbox.stats.requests["identify"] == sandbox.stats.submissions == 0


async def test_create_voiceprint_through_faulty_polls_submits_once_and_returns_the_voiceprint(
    api: Api, sandbox: Sandbox
) -> None:
    """Upload, submit and wait with 503s, a drop and a 429 on the polls: one voiceprint job, and its voiceprint."""
    sandbox.faults.next(2, "5xx", operation="getJobById")
    sandbox.faults.next(1, "drop", operation="getJobById")
    sandbox.faults.next(1, "429", retry_after=3, operation="getJobById")
    voiceprint = await api.create_voiceprint(wav_file(voice_sample("Alice")))
    assert sandbox.stats.requests["voiceprint"] == sandbox.stats.submissions == 1
    (job,), _ = sandbox.state.list_jobs()
    assert voiceprint == decided_output(sandbox, job.id)["voiceprint"]
    assert sandbox.faults.pending == 0


async def test_listing_jobs_recovers_from_5xx_and_dropped_pages(api: Api, sandbox: Sandbox) -> None:
    """jobs() pages through a 503 and a dropped answer and lists every job exactly once."""
    ids = {await submit(api) for _ in range(3)}
    sandbox.faults.next(1, "5xx", operation="getJobsByTeamV2")
    sandbox.faults.next(1, "drop", operation="getJobsByTeamV2")
    listed = await api.jobs(page_size=2)
    assert sorted(item.id for item in listed) == sorted(ids)


async def test_a_listing_that_fails_half_way_resumes_from_its_last_page_and_lists_every_job_once(
    api: Api, sandbox: Sandbox
) -> None:
    """The sandbox fails the second page past the retries; the next_cursor of the page read before
    resumes the listing there (job_pages(cursor=...)): every job once, newest first, none skipped."""
    ids = [await submit(api) for _ in range(5)]
    pages = api.client.job_pages(page_size=2)
    read = []
    with pytest.raises(ServerError):
        for _ in range(5):  # bounded: three pages, the second fails
            read.append(await anext(pages) if isinstance(pages, AsyncIterator) else next(pages))
            sandbox.faults.next(4, "5xx", operation="getJobsByTeamV2")  # the first try and its 3 retries
    assert len(read) == 1 and sandbox.faults.pending == 0
    resumed = api.client.job_pages(page_size=2, cursor=read[-1].next_cursor)
    rest = [page async for page in resumed] if isinstance(resumed, AsyncIterator) else list(resumed)
    assert [item.id for page in [*read, *rest] for item in page.items] == ids[::-1]


# --- everything at once --------------------------------------------------------------------------


async def test_one_wait_through_every_read_fault_returns_the_right_output_from_one_submission(
    api: Api, sandbox: Sandbox, chaos: Chaos, sim_time: SimTime
) -> None:
    """5xx, 429, drops, a proxy page, unknown statuses and unknown fields in one wait: one job, the right output."""
    chaos.answer("GET", JOBS, 504, b"<html>Gateway Timeout</html>", "text/html", times=2)
    chaos.rewrite("GET", JOBS, json_transform(_status("warming-up")), times=2)
    job_id = await submit(api)
    sandbox.faults.next(2, "5xx", operation="getJobById")
    sandbox.faults.next(2, "drop", operation="getJobById")
    sandbox.faults.next(5, "429", retry_after=2, operation="getJobById")
    sandbox.faults.next(2, "5xx", status=502, operation="getJobById")
    await wait_for_output(api, sandbox, job_id)
    assert sandbox.faults.pending == 0
    assert sandbox.stats.requests["identify"] == sandbox.stats.submissions == 1


# --- the secret check itself ---------------------------------------------------------------------


def test_the_log_check_catches_a_key_in_a_message_an_argument_or_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """The suite's leak detector flags the key wherever a record carries it (then the records are cleared)."""
    logger = logging.getLogger("pyannoteai_identify.reliability-probe")
    logger.warning("header was Bearer %s", API_KEY)
    logger.debug("args only", extra={"unused": True})
    try:
        raise RuntimeError(f"boom {API_KEY}")
    except RuntimeError:
        logger.exception("failed")
    found = leaks(log_texts(caplog.records))
    caplog.clear()
    assert len(found) == 3
    assert leaks(["nothing here", "Bearer ***"]) == []
