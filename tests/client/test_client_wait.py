"""wait(): the polling schedule, server back-pressure, the deadline, results and job errors."""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formatdate
from typing import Any

import httpx
import pytest
import respx
from clientkit import (
    IDENTIFY_OUTPUT,
    JOB_ID,
    VOICEPRINT,
    Api,
    FakeTime,
    MakeApi,
    job_body,
    job_response,
    refusing_proxy,
)

from pyannoteai_identify import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    IdentifyResult,
    InvalidResponseError,
    Job,
    JobCanceledError,
    JobExpiredError,
    JobFailedError,
    JobStatus,
    JobSummary,
    NotFoundError,
    PollSchedule,
    RateLimitError,
    RetryPolicy,
    ValidationError,
    VoiceprintResult,
    WaitTimeoutError,
    _flows,
    webhooks,
)
from pyannoteai_identify.receiver import WebhookBroker
from pyannoteai_identify.testing import make_delivery, signed_delivery

pytestmark = pytest.mark.anyio

JOB_PATH = f"/v1/jobs/{JOB_ID}"
IDENTIFY_JOB: Job[IdentifyResult] = Job(JOB_ID, "created", "identify")


@pytest.fixture
def steady(make_api: MakeApi) -> Api:
    """A client whose schedule and backoff have no jitter, so every sleep is predictable."""
    return make_api(poll_schedule=PollSchedule(random=lambda: 0.0), retry_policy=RetryPolicy(random=lambda: 1.0))


def _finishes_after(
    fake_time: FakeTime, seconds: float, final: httpx.Response, running: Callable[[], httpx.Response] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """A poll answer that says running until *seconds* of fake time have passed, then *final*."""
    start = fake_time.now

    def answer(request: httpx.Request) -> httpx.Response:
        if fake_time.now - start >= seconds:
            return final
        return running() if running is not None else job_response("running")

    return answer


async def test_polling_starts_fast_and_backs_off_with_the_age_of_the_job(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """Gaps are 2 s at first, then a tenth of the time waited; the end is noticed within that tenth."""
    route = router.get(JOB_PATH).mock(
        side_effect=_finishes_after(fake_time, 600, job_response("succeeded", IDENTIFY_OUTPUT))
    )
    result = await steady.wait(IDENTIFY_JOB, timeout=3600)
    assert isinstance(result, IdentifyResult)
    sleeps = fake_time.sleeps
    assert sleeps[:10] == [2.0] * 10
    assert sleeps == sorted(sleeps)
    waited = 0.0
    for gap in sleeps:
        assert gap == pytest.approx(max(2.0, 0.1 * waited))
        waited += gap
    assert 600 <= waited <= 600 * 1.1
    assert route.call_count == len(sleeps) + 1
    assert route.call_count < 60


async def test_gaps_never_exceed_the_maximum(make_api: MakeApi, router: respx.Router, fake_time: FakeTime) -> None:
    """However old the job, polls are at most PollSchedule.maximum apart."""
    api = make_api(poll_schedule=PollSchedule(random=lambda: 0.0, maximum=60.0))
    router.get(JOB_PATH).mock(side_effect=_finishes_after(fake_time, 3000, job_response("succeeded", IDENTIFY_OUTPUT)))
    await api.wait(IDENTIFY_JOB, timeout=7200)
    assert max(fake_time.sleeps) == 60.0


async def test_jitter_only_shortens_a_gap(make_api: MakeApi, router: respx.Router, fake_time: FakeTime) -> None:
    """With the largest jitter draw, every gap is shorter than its base by the jitter share, never longer."""
    api = make_api(poll_schedule=PollSchedule(random=lambda: 1.0))
    router.get(JOB_PATH).mock(side_effect=_finishes_after(fake_time, 100, job_response("succeeded", IDENTIFY_OUTPUT)))
    await api.wait(IDENTIFY_JOB, timeout=3600)
    waited = 0.0
    for gap in fake_time.sleeps:
        assert gap == pytest.approx((1 - PollSchedule().jitter) * max(2.0, 0.1 * waited))
        waited += gap


async def test_retry_after_on_a_poll_stretches_the_next_gap(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A Retry-After header on a 200 poll delays the next poll by at least that long."""
    router.get(JOB_PATH).mock(
        side_effect=[
            job_response("running", **{"Retry-After": "30"}),
            job_response("succeeded", IDENTIFY_OUTPUT),
        ]
    )
    await steady.wait(IDENTIFY_JOB, timeout=600)
    assert fake_time.sleeps == [30.0]


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1e12"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1e15"},  # epoch milliseconds, misread
    ],
    ids=["seconds", "http-date", "reset"],
)
async def test_an_absurd_pause_asked_by_a_poll_is_capped_at_an_hour(
    steady: Api, router: respx.Router, fake_time: FakeTime, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """One answer asking for years parked the wait until its deadline (24 h by default) though the job
    was done: the pause is at most an hour (a 600 s one is obeyed: tests/reliability), with a warning."""
    router.get(JOB_PATH).mock(
        side_effect=[job_response("running", **headers), job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    assert isinstance(await steady.wait(IDENTIFY_JOB), IdentifyResult)
    assert fake_time.sleeps == [_flows.MAX_SERVER_PAUSE]
    assert "the server asks for a" in caplog.text


async def test_rate_limited_poll_waits_as_told_and_keeps_waiting(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A 429 on a poll is retried after its Retry-After; the wait carries on to the result."""
    limited = httpx.Response(429, json={"requestId": "r", "message": "Too many requests"}, headers={"Retry-After": "7"})
    route = router.get(JOB_PATH).mock(side_effect=[limited, job_response("succeeded", IDENTIFY_OUTPUT)])
    assert isinstance(await steady.wait(IDENTIFY_JOB, timeout=600), IdentifyResult)
    assert fake_time.sleeps == [7.0]
    assert route.call_count == 2


async def test_rate_limit_past_all_retries_waits_for_the_server_then_polls_again(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """When even the retries are refused, wait() sleeps the Retry-After before its next poll."""
    api = make_api(poll_schedule=PollSchedule(random=lambda: 0.0), max_retries=0)
    limited = httpx.Response(429, json={"requestId": "r", "message": "slow"}, headers={"Retry-After": "45"})
    router.get(JOB_PATH).mock(side_effect=[limited, job_response("succeeded", IDENTIFY_OUTPUT)])
    await api.wait(IDENTIFY_JOB, timeout=600)
    assert fake_time.sleeps == [45.0]


async def test_exhausted_rate_limit_waits_until_the_reset(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """X-RateLimit-Remaining: 0 with X-RateLimit-Reset (epoch seconds) delays the next poll until the reset."""
    reset = math.ceil(time.time()) + 40
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    router.get(JOB_PATH).mock(
        side_effect=[job_response("running", **headers), job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    await steady.wait(IDENTIFY_JOB, timeout=600)
    assert len(fake_time.sleeps) == 1
    assert 35.0 <= fake_time.sleeps[0] <= 41.0


async def test_remaining_quota_does_not_slow_polling(steady: Api, router: respx.Router, fake_time: FakeTime) -> None:
    """X-RateLimit-Remaining above zero leaves the schedule alone."""
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "9999999999"}
    router.get(JOB_PATH).mock(
        side_effect=[job_response("running", **headers), job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    await steady.wait(IDENTIFY_JOB, timeout=600)
    assert fake_time.sleeps == [2.0]


async def test_the_deadline_ends_the_wait_with_wait_timeout_error(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A job still running at the deadline raises WaitTimeoutError with its id; no sleep passes the deadline."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: job_response("running"))
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=60)
    assert caught.value.job_id == JOB_ID
    assert caught.value.last_status == "running"
    assert JOB_ID in str(caught.value) and "again" in str(caught.value)
    assert sum(fake_time.sleeps) == pytest.approx(60.0)
    assert route.call_count == len(fake_time.sleeps) + 1


async def test_a_timeout_with_no_answer_read_gives_the_status_the_job_handle_had(
    steady: Api, router: respx.Router
) -> None:
    """Every poll failed (503s past the retries): a wait on a Job handle said the job was "still
    unknown" though its handle says created; a wait on a bare id knows nothing more."""
    router.get(JOB_PATH).respond(503, json={"requestId": "r", "message": "down"})
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=30)
    assert caught.value.last_status == "created"
    assert f"job {JOB_ID} is still created after 30 s" in str(caught.value)
    with pytest.raises(WaitTimeoutError) as bare:
        await steady.wait(JOB_ID, timeout=30)
    assert bare.value.last_status is None and f"job {JOB_ID} has no known status after 30 s" in str(bare.value)
    # A handle that says the job ended is not "still succeeded": its status is not the wait's to give.
    with pytest.raises(WaitTimeoutError) as ended:
        await steady.wait(Job(JOB_ID, "succeeded", "identify"), timeout=30)
    assert ended.value.last_status is None and "has no known status" in str(ended.value)


async def test_a_timeout_after_polls_that_all_failed_says_so_and_how(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """An API that cannot be reached (a mistyped base URL, an outage) kept the wait silent until its
    deadline, then looked like a job still running: the timeout now counts the polls that failed
    in a row and gives the last error, which is also its cause."""
    route = router.get(JOB_PATH).mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=30)
    failing = caught.value.polls_failing
    counted = re.fullmatch(rf"(\d+) polls in a row failed, the last with: GET {JOB_PATH}.* failed: (.*)", failing or "")
    assert counted is not None and counted[2].startswith("ConnectError: [Errno 111] Connection refused; ")
    assert 1 < int(counted[1]) < route.call_count  # each poll's own retries are not counted as polls
    assert f"({caught.value.polls_failing}); call wait(" in str(caught.value)
    assert isinstance(caught.value.__cause__, APIConnectionError)


async def test_a_zero_timeout_whose_one_poll_failed_says_so_in_the_singular(steady: Api, router: respx.Router) -> None:
    """One poll, which failed: "the one poll failed with: …", not "…, the last with: …"."""
    router.get(JOB_PATH).mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=0)
    failing = caught.value.polls_failing or ""
    assert failing.startswith(f"the one poll failed with: GET {JOB_PATH}"), failing
    assert "ConnectError: [Errno 111] Connection refused; could not connect to https://api.pyannote.ai" in failing


async def test_a_timeout_after_an_answer_does_not_blame_the_polls_that_failed_before_it(
    steady: Api, router: respx.Router
) -> None:
    """Only the failures since the last answer count: a job read as running at the last poll timed
    out because it runs, not because the API is down."""
    failures = iter([httpx.ConnectError("refused")] * 2)

    def refused_twice_then_running(request: httpx.Request) -> httpx.Response:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return job_response("running")

    router.get(JOB_PATH).mock(side_effect=refused_twice_then_running)
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=60)
    assert caught.value.polls_failing is None and caught.value.__cause__ is None
    assert f"job {JOB_ID} is still running after 60 s; call wait(" in str(caught.value)


async def test_a_wait_can_be_resumed_after_a_timeout(steady: Api, router: respx.Router, fake_time: FakeTime) -> None:
    """Calling wait() again with the job id picks up where the timed-out wait stopped."""
    router.get(JOB_PATH).mock(side_effect=_finishes_after(fake_time, 100, job_response("succeeded", IDENTIFY_OUTPUT)))
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=30)
    result = await steady.wait(caught.value.job_id, timeout=600, kind="identify")
    assert isinstance(result, IdentifyResult)


async def test_a_kind_that_contradicts_the_job_handle_is_refused_before_any_request(
    api: Api, router: respx.Router
) -> None:
    """wait(voiceprint_job, kind="identify") parsed the voiceprint output as an identify one and
    blamed the API: "the response breaks the contract at output.identification"."""
    with pytest.raises(ValidationError, match=r"kind='identify': contradicts the job handle, a voiceprint job"):
        await api.wait(Job(JOB_ID, "created", "voiceprint"), kind="identify")
    assert router.calls.call_count == 0


async def test_wait_returns_the_typed_result_of_each_job_kind(api: Api, router: respx.Router) -> None:
    """An identify job gives an IdentifyResult, a voiceprint job a VoiceprintResult; a bare id infers the kind."""
    router.get(JOB_PATH).mock(
        side_effect=[
            job_response("succeeded", IDENTIFY_OUTPUT),
            job_response("succeeded", {"voiceprint": VOICEPRINT}),
            job_response("succeeded", {"voiceprint": VOICEPRINT}),
        ]
    )
    identified = await api.wait(IDENTIFY_JOB)
    assert isinstance(identified, IdentifyResult)
    assert identified.speakers == ["John", "Mary"]
    voiceprint = await api.wait(Job(JOB_ID, "created", "voiceprint"))
    assert isinstance(voiceprint, VoiceprintResult)
    assert voiceprint.voiceprint == VOICEPRINT
    inferred = await api.wait(JOB_ID)
    assert isinstance(inferred, VoiceprintResult)


async def test_wait_takes_the_job_summaries_of_the_job_list(steady: Api, router: respx.Router) -> None:
    """``for s in client.jobs(status="running"): client.wait(s)`` was refused ("must be a string, not
    JobSummary") though wait takes a Job handle: a summary is waited for by its id, its status
    standing in for the handle's (a timeout with no answer read gives it), and kind= types the result."""
    item = {"id": JOB_ID, "status": "running", "createdAt": "2024-02-20T12:00:00Z"}
    router.get("/v2/jobs").respond(200, json={"items": [item], "nextCursor": None})
    polls = router.get(JOB_PATH).mock(
        side_effect=[job_response("succeeded", IDENTIFY_OUTPUT), job_response("succeeded", {"voiceprint": VOICEPRINT})]
    )
    (summary,) = await steady.jobs(status="running")
    identified = await steady.wait(summary, kind="identify")
    assert isinstance(identified, IdentifyResult) and identified.speakers == ["John", "Mary"]
    assert isinstance(await steady.wait(summary), VoiceprintResult)  # no kind: the output's keys tell
    assert polls.call_count == 2
    polls.mock(side_effect=None, return_value=httpx.Response(503, json={"requestId": "r", "message": "down"}))
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(summary, timeout=30)
    assert caught.value.job_id == JOB_ID and caught.value.last_status == "running"
    assert f"job {JOB_ID} is still running after 30 s" in str(caught.value)
    ended = JobSummary(JOB_ID, JobStatus.SUCCEEDED, None)  # an ended summary's status is not "still" anything
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(ended, timeout=30)
    assert caught.value.last_status is None and "has no known status" in str(caught.value)


async def test_on_status_is_called_once_per_status_change(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """on_status sees created, running and succeeded once each, however many polls each lasted."""
    router.get(JOB_PATH).mock(
        side_effect=[job_response(s) for s in ("created", "created", "running", "running", "running")]
        + [job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    seen: list[str] = []
    await steady.wait(IDENTIFY_JOB, on_status=lambda job: seen.append(str(job.status)))
    assert seen == ["created", "running", "succeeded"]


async def test_an_unknown_status_counts_as_not_finished(steady: Api, router: respx.Router, fake_time: FakeTime) -> None:
    """A status this SDK does not know keeps the wait going (and is reported), it never crashes."""
    router.get(JOB_PATH).mock(
        side_effect=[job_response("x-queued"), job_response("transcoding"), job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    seen: list[str] = []
    result = await steady.wait(IDENTIFY_JOB, on_status=lambda job: seen.append(str(job.status)))
    assert isinstance(result, IdentifyResult)
    assert seen == ["x-queued", "transcoding", "succeeded"]
    assert fake_time.sleeps == [2.0, 2.0]


async def test_a_failed_job_raises_job_failed_error_with_the_api_reason(api: Api, router: respx.Router) -> None:
    """status failed raises JobFailedError whose message and api_message carry output.error."""
    router.get(JOB_PATH).respond(200, json=job_response("failed", {"error": "Could not load audio"}).json())
    with pytest.raises(JobFailedError, match="Could not load audio") as caught:
        await api.wait(IDENTIFY_JOB)
    assert (caught.value.job_id, caught.value.status, caught.value.api_message) == (
        JOB_ID,
        "failed",
        "Could not load audio",
    )


async def test_a_failed_job_without_a_reason_says_so(api: Api, router: respx.Router) -> None:
    """A failure with no output.error still raises JobFailedError, saying no reason was given."""
    router.get(JOB_PATH).respond(200, json=job_response("failed").json())
    with pytest.raises(JobFailedError, match="no reason") as caught:
        await api.wait(IDENTIFY_JOB)
    assert caught.value.api_message is None


@pytest.mark.parametrize(("status", "error_type"), [("failed", JobFailedError), ("canceled", JobCanceledError)])
async def test_a_huge_api_reason_is_cut_in_the_message_and_kept_whole_in_api_message(
    api: Api, router: respx.Router, status: str, error_type: type[Exception]
) -> None:
    """str(JobFailedError) goes to logs and terminals (the CLI prints it): like APIError, which cuts
    what the server sent at 500 characters, a job's output.error of 100 kB (a broken API, a stack
    trace) is cut there, and kept whole in api_message."""
    reason = "Could not load audio: " + "x" * 100_000
    router.get(JOB_PATH).respond(200, json=job_response(status, {"error": reason}).json())
    with pytest.raises(error_type) as caught:
        await api.wait(IDENTIFY_JOB)
    assert JOB_ID in str(caught.value) and "Could not load audio" in str(caught.value)
    assert len(str(caught.value)) < 1_000, len(str(caught.value))
    assert len(repr(caught.value)) < 1_000
    assert getattr(caught.value, "api_message", None) == reason


async def test_a_canceled_job_raises_job_canceled_error_with_the_api_reason(api: Api, router: respx.Router) -> None:
    """status canceled raises JobCanceledError carrying the API's text."""
    router.get(JOB_PATH).respond(200, json=job_response("canceled", {"error": "Canceled by the team"}).json())
    with pytest.raises(JobCanceledError, match="Canceled by the team") as caught:
        await api.wait(IDENTIFY_JOB)
    assert (caught.value.job_id, caught.value.status, caught.value.api_message) == (
        JOB_ID,
        "canceled",
        "Canceled by the team",
    )


async def test_a_job_that_is_gone_raises_job_expired_error(api: Api, router: respx.Router) -> None:
    """404 while waiting means the job expired (or never existed): JobExpiredError with the id."""
    router.get(JOB_PATH).respond(404, json={"requestId": "r", "message": "Job not found"})
    with pytest.raises(JobExpiredError) as caught:
        await api.wait(IDENTIFY_JOB)
    assert caught.value.job_id == JOB_ID
    assert "24 hours" in str(caught.value)


def _gateway_404() -> httpx.Response:
    return httpx.Response(404, text="<html><body>404 Not Found</body></html>", headers={"Content-Type": "text/html"})


async def test_a_gateway_404_while_polling_is_polled_through(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A 404 page from a gateway or proxy (HTML, not the API's JSON error) is not the API saying the
    job is gone: it ended the wait with JobExpiredError ("the job is gone"), though the job was
    running and its result would be billed. It is now polled through, as a malformed answer is."""
    route = router.get(JOB_PATH).mock(
        side_effect=[
            _gateway_404(),
            job_response("running"),
            _gateway_404(),
            job_response("succeeded", IDENTIFY_OUTPUT),
        ]
    )
    assert isinstance(await steady.wait(IDENTIFY_JOB, timeout=600), IdentifyResult)
    assert route.call_count == 4


async def test_a_gateway_that_always_answers_404_ends_the_wait_with_an_api_error_not_job_expired(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """Three non-JSON 404s in a row (a wrong base path, a gateway that lost its route) end the wait
    with the last one's APIError, which says it is not the API's answer, long before the deadline:
    never JobExpiredError, which the API's own 404 alone may mean."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _gateway_404())
    with pytest.raises(APIError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=3600)
    assert not isinstance(caught.value, JobExpiredError | NotFoundError), repr(caught.value)
    assert caught.value.status_code == 404 and "not the API's" in str(caught.value)
    assert route.call_count == 3


def _poll_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What each "will poll again" WARNING says of itself, after the error's own text."""
    said = (record.getMessage() for record in caplog.records if record.levelname == "WARNING")
    return [message.rpartition("; will poll again")[2] for message in said if "; will poll again" in message]


async def test_the_warning_for_a_gateway_404_while_polling_says_what_it_was_not_a_malformed_answer(
    steady: Api, router: respx.Router, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    """The WARNING logged for a gateway's (non-JSON) 404 counted it among "malformed answers in a
    row", though the answer was well formed: it now says it was a 404 that is not the API's, and
    counts the answers that were malformed or not the API's; a malformed answer's still says so."""
    route = router.get(JOB_PATH).mock(
        side_effect=[_gateway_404(), _truncated(), job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    assert isinstance(await steady.wait(IDENTIFY_JOB, timeout=600), IdentifyResult)
    assert route.call_count == 3
    after_404, after_garbage = _poll_warnings(caplog)
    assert "404" in after_404 and "not the API's" in after_404 and "malformed answer" not in after_404, after_404
    assert "1 of 3" in after_404, after_404
    assert "malformed answer" in after_garbage and "2 of 3" in after_garbage, after_garbage


async def test_succeeded_without_output_raises_job_expired_error(api: Api, router: respx.Router) -> None:
    """A succeeded job whose output is gone cannot give a result: JobExpiredError."""
    router.get(JOB_PATH).respond(200, json=job_response("succeeded").json())
    with pytest.raises(JobExpiredError) as caught:
        await api.wait(IDENTIFY_JOB)
    assert (caught.value.job_id, caught.value.status) == (JOB_ID, "succeeded")


async def test_server_errors_while_polling_do_not_end_the_wait(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """503s beyond the retries and a lost connection are logged and the wait goes on."""
    unavailable = httpx.Response(503, json={"requestId": "r", "message": "down"})
    route = router.get(JOB_PATH).mock(
        side_effect=[unavailable] * 4
        + [httpx.ConnectError("refused")] * 4
        + [job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    assert isinstance(await steady.wait(IDENTIFY_JOB, timeout=600), IdentifyResult)
    assert route.call_count == 9


def _truncated() -> httpx.Response:
    return httpx.Response(200, content=b'{"jobId": "fb16', headers={"Content-Type": "application/json"})


async def test_malformed_poll_answers_do_not_end_the_wait(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """200s with truncated JSON (one, a good poll, then two more) are polled again on the schedule until the result."""
    answers = [_truncated(), job_response("running"), _truncated(), _truncated()]
    route = router.get(JOB_PATH).mock(side_effect=[*answers, job_response("succeeded", IDENTIFY_OUTPUT)])
    assert isinstance(await steady.wait(IDENTIFY_JOB, timeout=600), IdentifyResult)
    assert route.call_count == 5
    assert fake_time.sleeps == [2.0] * 4


async def test_a_poll_that_always_answers_garbage_ends_the_wait_after_three_tries(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """Three malformed answers in a row raise the third InvalidResponseError, long before the deadline."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _truncated())
    with pytest.raises(InvalidResponseError, match="not valid JSON") as caught:
        await steady.wait(IDENTIFY_JOB, timeout=3600)
    assert caught.value.status_code == 200
    assert route.call_count == 3
    assert fake_time.sleeps == [2.0, 2.0]


async def test_an_authentication_error_while_polling_ends_the_wait(api: Api, router: respx.Router) -> None:
    """A 401 cannot heal by waiting: it is raised at once."""
    router.get(JOB_PATH).respond(401, json={"requestId": "r", "message": "Invalid API key"})
    with pytest.raises(AuthenticationError):
        await api.wait(IDENTIFY_JOB)


def _resumes(error: BaseException) -> bool:
    """Whether *error* says which job the wait was for, and how to take it up again."""
    said = " ".join([str(error), *getattr(error, "__notes__", ())])
    return JOB_ID in said and f"wait({JOB_ID!r})" in said


async def test_an_authentication_error_while_polling_names_the_job_to_resume(api: Api, router: respx.Router) -> None:
    """The 401 that ends a wait did not say which job was being waited for: a caller waiting on many
    jobs could not tell which to wait for again once the key is fixed. A note names it."""
    router.get(JOB_PATH).respond(401, json={"requestId": "r", "message": "Invalid API key"})
    with pytest.raises(AuthenticationError) as caught:
        await api.wait(IDENTIFY_JOB, timeout=600)
    assert _resumes(caught.value), caught.value.__notes__ if hasattr(caught.value, "__notes__") else caught.value


@pytest.mark.parametrize("status", [407, 403])
async def test_a_proxy_refusing_the_tunnel_while_polling_ends_the_wait_at_once(
    mode: str, make_api: MakeApi, fake_time: FakeTime, status: int
) -> None:
    """A proxy's 407 (its credentials) or 403 (its allow list) to the CONNECT of a poll was taken for
    a transient connection error: wait() polled through the refusals until its deadline (an hour here)
    and ended with WaitTimeoutError. The refusal does not heal by waiting: like a 401, it is raised at
    the first poll, naming the job to wait for again once the proxy lets it through."""
    with refusing_proxy(status) as (proxy, seen):
        http_type = httpx.AsyncClient if mode == "async" else httpx.Client
        api = make_api(http_client=http_type(trust_env=False, proxy=proxy, timeout=5))
        try:
            with pytest.raises(APIConnectionError) as caught:
                await api.wait(IDENTIFY_JOB, timeout=3600)
        finally:
            await api.close()
    assert not isinstance(caught.value, WaitTimeoutError), caught.value
    assert f"{status} " in str(caught.value) and caught.value.request_sent is False
    assert len(seen) == 1, seen
    assert fake_time.sleeps == []
    assert _resumes(caught.value), caught.value


@dataclass
class _Event:
    job_id: str
    status: str
    result: Any = None
    error: str | None = None


class _Broker:
    """A webhook broker that delivers *event* at once (None: at once, nothing) and records the timeouts asked."""

    def __init__(self, event: _Event | None) -> None:
        self.event = event
        self.timeouts: list[float] = []

    def wait(self, job_id: str, timeout: float) -> _Event | None:
        self.timeouts.append(timeout)
        return self.event

    async def wait_async(self, job_id: str, timeout: float) -> _Event | None:
        return self.wait(job_id, timeout)


def _running_for_at_most(polls: int) -> Callable[[httpx.Request], httpx.Response]:
    """A poll answer that says running, and fails the test past *polls* polls: a wait that never
    reaches its deadline on the fake clock ends there instead of polling for ever."""
    count = itertools.count(1)

    def running(request: httpx.Request) -> httpx.Response:
        assert next(count) <= polls, "the wait polled on past its deadline"
        return job_response("running")

    return running


@pytest.fixture
def real_clock(make_api: MakeApi) -> Api:
    """``steady`` on the real clock: the broker itself is awaited for each gap (the fake brokers
    below answer at once, so no test waits)."""
    return make_api(
        clock=None, poll_schedule=PollSchedule(random=lambda: 0.0), retry_policy=RetryPolicy(random=lambda: 1.0)
    )


async def test_a_webhook_delivery_ends_the_wait_without_another_poll(real_clock: Api, router: respx.Router) -> None:
    """With a broker, the job's webhook event gives the result as soon as it arrives."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: job_response("running"))
    broker = _Broker(_Event(JOB_ID, "succeeded", IdentifyResult.from_dict(IDENTIFY_OUTPUT)))
    result = await real_clock.wait(IDENTIFY_JOB, broker=broker, timeout=600)
    assert isinstance(result, IdentifyResult)
    assert route.call_count == 1
    assert broker.timeouts == [8.0]


@pytest.mark.parametrize("given", ["clock", "sleep"])
async def test_a_clock_or_a_sleep_alone_is_no_simulation_and_the_broker_is_awaited(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime, given: str
) -> None:
    """Only a clock and a sleep given together make a simulation whose gaps are slept with that
    sleep. With one alone, the broker is awaited for the gap, so a delivery ends the wait when it
    comes: with a clock alone, it was looked at only after each gap had been slept in real time."""
    router.get(JOB_PATH).mock(side_effect=lambda request: job_response("running"))
    broker = _Broker(_Event(JOB_ID, "succeeded", IdentifyResult.from_dict(IDENTIFY_OUTPUT)))
    api = make_api(
        **{"clock": None} if given == "sleep" else {"sleep": None},
        poll_schedule=PollSchedule(random=lambda: 0.0),
    )
    assert isinstance(await api.wait(IDENTIFY_JOB, broker=broker, timeout=600), IdentifyResult)
    assert broker.timeouts == [8.0] and fake_time.sleeps == []


async def test_a_wait_on_a_job_discarded_before_gets_its_late_delivery_at_once(
    real_clock: Api, router: respx.Router
) -> None:
    """Another wait on the job ended by its poll (discard), then the failed delivery came: this wait,
    whose poll still said running, gets the kept envelope at once, its error text and all."""
    router.get(JOB_PATH).mock(side_effect=lambda request: job_response("running"))
    broker = WebhookBroker()
    broker.discard(JOB_ID)
    delivery = make_delivery("identify", "failed", job_id=JOB_ID, output={"error": "bad audio"})
    broker.publish(webhooks.parse(*signed_delivery(delivery, "whsec_late"), "whsec_late"))
    with pytest.raises(JobFailedError, match="bad audio"):
        await real_clock.wait(IDENTIFY_JOB, broker=broker, timeout=600)
    assert router.calls.call_count == 1


async def test_a_failed_webhook_delivery_raises_job_failed_error(real_clock: Api, router: respx.Router) -> None:
    """A failed event from the broker raises JobFailedError with the event's error."""
    router.get(JOB_PATH).mock(side_effect=lambda request: job_response("running"))
    broker = _Broker(_Event(JOB_ID, "failed", error="Audio too short"))
    with pytest.raises(JobFailedError, match="Audio too short"):
        await real_clock.wait(IDENTIFY_JOB, broker=broker, timeout=600)


@pytest.mark.parametrize(("status", "error"), [("failed", JobFailedError), ("canceled", JobCanceledError)])
async def test_an_ended_delivery_without_a_reason_polls_once_for_the_api_reason(
    real_clock: Api, router: respx.Router, status: str, error: type[Exception]
) -> None:
    """A failed or canceled delivery has no output (as documented): one more poll fetches output.error."""
    route = router.get(JOB_PATH).mock(
        side_effect=[job_response("running"), job_response(status, {"error": "Could not load audio"})]
    )
    broker = _Broker(_Event(JOB_ID, status))
    with pytest.raises(error, match="Could not load audio") as caught:
        await real_clock.wait(IDENTIFY_JOB, broker=broker, timeout=600)
    assert caught.value.api_message == "Could not load audio"  # type: ignore[attr-defined]
    assert route.call_count == 2
    assert broker.timeouts == [8.0]


@pytest.mark.parametrize("next_poll", ["failed", "running"])
async def test_an_ended_delivery_whose_poll_adds_no_reason_raises_without_one_and_stops(
    real_clock: Api, router: respx.Router, next_poll: str
) -> None:
    """When the poll after a failed delivery has no error either (or still lags behind), the wait ends there."""
    seen: list[str] = []
    route = router.get(JOB_PATH).mock(side_effect=[job_response("running"), job_response(next_poll)])
    broker = _Broker(_Event(JOB_ID, "failed"))
    with pytest.raises(JobFailedError, match="no reason") as caught:
        await real_clock.wait(
            IDENTIFY_JOB, broker=broker, timeout=600, on_status=lambda job: seen.append(str(job.status))
        )
    assert caught.value.api_message is None
    assert route.call_count == 2
    assert broker.timeouts == [8.0]
    assert seen == ["running", "failed"]


async def test_with_a_broker_the_polls_are_a_fallback_four_times_further_apart(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """The webhook ends the wait; the polls only catch a delivery that never comes (a receiver that
    is down, a webhook URL the API cannot reach). Each gap is four times the schedule's, and no
    more than its maximum: 200 waits with a broker polled as often as 200 without, and the 429s
    they drew held back the client's submissions too."""
    broker = _Broker(None)
    answers = [job_response("running")] * 40 + [job_response("succeeded", IDENTIFY_OUTPUT)]
    router.get(JOB_PATH).mock(side_effect=answers)
    schedule = PollSchedule(random=lambda: 0.0)
    await steady.wait(IDENTIFY_JOB, broker=broker, timeout=86_400)
    assert fake_time.sleeps[:3] == [8.0, 8.0, 8.0] and len(fake_time.sleeps) == 40
    waited = 0.0
    for gap in fake_time.sleeps:
        assert gap == pytest.approx(min(4 * schedule.gap(waited), schedule.maximum))
        waited += gap
    assert fake_time.sleeps[-1] == schedule.maximum


async def test_without_a_delivery_the_broker_wait_falls_back_to_polling(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """When no webhook arrives, the wait keeps polling and stops at the deadline. On a clock of the
    caller's, each gap is slept with the caller's sleep, the broker looked at before and after it
    (and once more after the last poll, at the deadline): awaited in real time, the gaps never
    brought the fake deadline nearer."""
    route = router.get(JOB_PATH).mock(side_effect=_running_for_at_most(100))
    broker = _Broker(None)
    with pytest.raises(WaitTimeoutError):
        await steady.wait(IDENTIFY_JOB, broker=broker, timeout=30)
    assert sum(fake_time.sleeps) == pytest.approx(30.0)
    assert route.call_count == len(fake_time.sleeps) + 1
    assert broker.timeouts == [0] * (2 * len(fake_time.sleeps) + 1)


async def test_on_the_callers_clock_a_delivery_kept_during_a_gap_ends_the_wait_at_its_end(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """The event published while the caller's sleep ran is taken when it returns, without a poll."""

    class DeliversDuringTheFirstGap(_Broker):
        def wait(self, job_id: str, timeout: float) -> _Event | None:
            self.timeouts.append(timeout)
            return self.event if fake_time.sleeps else None

    route = router.get(JOB_PATH).mock(side_effect=_running_for_at_most(100))
    broker = DeliversDuringTheFirstGap(_Event(JOB_ID, "succeeded", IdentifyResult.from_dict(IDENTIFY_OUTPUT)))
    result = await steady.wait(IDENTIFY_JOB, broker=broker, timeout=600)
    assert isinstance(result, IdentifyResult)
    assert route.call_count == 1
    assert broker.timeouts == [0, 0] and fake_time.sleeps == [8.0]


async def test_retries_inside_a_poll_do_not_sleep_past_the_deadline(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A Retry-After longer than the time left is not slept through: the wait ends at its deadline,
    without a last poll inside the server's hold."""
    limited = httpx.Response(429, json={"requestId": "r", "message": "slow"}, headers={"Retry-After": "100"})
    route = router.get(JOB_PATH).mock(side_effect=lambda request: limited)
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=60)
    assert caught.value.job_id == JOB_ID
    assert sum(fake_time.sleeps) == pytest.approx(60.0)
    assert route.call_count == 1


async def test_waits_whose_deadline_falls_in_a_rate_limit_hold_send_nothing_inside_it(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """After a 429 with Retry-After 60, waits of 3 s end at their deadline without a poll: sending at
    the deadline broke the server's hold (50 such waits burst 50 requests into it) and pushed the
    client's own hold later with every one."""
    api = make_api(max_retries=0)
    router.get("/v1/test").respond(429, json={"requestId": "r", "message": "slow"}, headers={"Retry-After": "60"})
    polls = router.get(JOB_PATH).mock(return_value=job_response("running"))
    with pytest.raises(RateLimitError):
        await api.test()
    for _ in range(3):
        with pytest.raises(WaitTimeoutError, match="the last poll was not sent: the API's rate limit"):
            await api.wait(IDENTIFY_JOB, timeout=3)
    assert polls.call_count == 0
    assert api.client._ctx.throttle.pending(fake_time.now) == pytest.approx(60 - 3 * 3)


async def test_the_last_poll_is_made_at_the_deadline_on_a_clock_that_moves(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """A job that ends in the last gap is found by the poll at the deadline, though the clock has
    moved past the deadline by the time that poll is built (no rate-limit hold is in the way)."""
    fake_time.tick = 1e-6
    api = make_api(poll_schedule=PollSchedule(initial=5.0, jitter=0.0))
    route = router.get(JOB_PATH).mock(side_effect=[job_response("running"), job_response("succeeded", IDENTIFY_OUTPUT)])
    assert isinstance(await api.wait(IDENTIFY_JOB, timeout=1), IdentifyResult)
    assert route.call_count == 2


@pytest.mark.parametrize("timeout", [60, 0.5], ids=["time-to-spare", "exactly-at-the-deadline"])
async def test_a_poll_retry_that_fits_before_the_deadline_still_happens(
    steady: Api, router: respx.Router, fake_time: FakeTime, timeout: float
) -> None:
    """Backoff retries within the time left are made as usual; the deadline is inclusive (a 0.5 s
    backoff with 0.5 s left is slept, and the retry made)."""
    route = router.get(JOB_PATH).mock(
        side_effect=[httpx.ConnectError("refused"), job_response("succeeded", IDENTIFY_OUTPUT)]
    )
    assert isinstance(await steady.wait(IDENTIFY_JOB, timeout=timeout), IdentifyResult)
    assert fake_time.sleeps == [0.5]
    assert route.call_count == 2


async def test_wait_with_timeout_zero_polls_once(api: Api, router: respx.Router, fake_time: FakeTime) -> None:
    """timeout=0 is "done yet?": one poll, then the result, or WaitTimeoutError with the job id. The
    clock moves between readings, as a real one does (the deadline is behind by the time of the poll)."""
    fake_time.tick = 1e-6
    route = router.get(f"/v1/jobs/{JOB_ID}")
    route.side_effect = [job_response("running"), job_response("succeeded", IDENTIFY_OUTPUT)]
    with pytest.raises(WaitTimeoutError) as caught:
        await api.wait(JOB_ID, timeout=0, kind="identify")
    assert caught.value.job_id == JOB_ID and route.call_count == 1
    assert isinstance(await api.wait(JOB_ID, timeout=0, kind="identify"), IdentifyResult)
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("created_ago", "date_off", "first_gap"),
    [
        (1800.0, 0.0, 180.0),  # created 30 min before: 10 % of that
        (0.0, 0.0, 2.0),  # created just now: the schedule's start
        (1800.0, None, 2.0),  # no Date header: the age is unknown
        (-60.0, 0.0, 2.0),  # created after its answer: not believed
        (3 * 86_400.0, 0.0, 2.0),  # 3 days old: a fake server's fixed stamp, not believed
        (5.0, 3600.0, 2.0),  # a Date an hour fast (a proxy's clock): not believed
        (1800.0, -120.0, 2.0),  # a Date two minutes slow: not believed either
        (30 * 3600.0, 0.0, 300.0),  # 30 h old (a 24-hour recording, queued): believed, the gap at its maximum
        (1800.0, 90.0, 2.0),  # a Date a minute and a half fast: past the skew allowed, not believed
        (1800.0, 30.0, 183.0),  # a Date half a minute fast: within it, believed (age 30 min 30 s)
    ],
    ids=["30-min", "new", "no-date", "future", "3-days", "date-fast", "date-slow", "30-hours", "date-90s", "date-30s"],
)
async def test_a_wait_on_a_job_created_earlier_polls_at_the_pace_of_the_job_s_age(
    steady: Api,
    router: respx.Router,
    fake_time: FakeTime,
    created_ago: float,
    date_off: float | None,
    first_gap: float,
) -> None:
    """A wait resumed after WaitTimeoutError, or attached after a restart, on a job created 30 min
    ago went back to 2-second polls (about 47 requests before the first 60-second gap). The job's
    age, by the server's clock (its Date header against createdAt), places the wait on the
    schedule at that age; an age that cannot be true, or a Date more than a minute off this
    machine's clock (a proxy's), is ignored, and the wait starts at the shortest gap."""
    now = time.time()
    created = datetime.fromtimestamp(now - created_ago, UTC).isoformat(timespec="milliseconds")
    headers = {} if date_off is None else {"Date": formatdate(now + date_off, usegmt=True)}

    def answer(status: str, output: dict[str, Any] | None = None) -> httpx.Response:
        body = {**job_body(status, output), "createdAt": created.replace("+00:00", "Z")}
        return httpx.Response(200, json=body, headers=headers)

    router.get(JOB_PATH).mock(side_effect=[answer("running"), answer("succeeded", IDENTIFY_OUTPUT)])
    await steady.wait(IDENTIFY_JOB)
    assert fake_time.sleeps == [pytest.approx(first_gap, abs=0.2)]  # the Date header counts whole seconds


async def test_a_created_at_without_an_offset_is_read_as_utc_for_the_job_s_age(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """Every documented timestamp is UTC: a createdAt without an offset names a UTC instant (it gave
    a naive datetime, whose age was unknown), so a job created 30 min ago is polled at that pace."""
    now = time.time()
    stamp = datetime.fromtimestamp(now - 1800.0, UTC).replace(tzinfo=None).isoformat()

    def answer(status: str, output: dict[str, Any] | None = None) -> httpx.Response:
        body = {**job_body(status, output), "createdAt": stamp}
        return httpx.Response(200, json=body, headers={"Date": formatdate(now, usegmt=True)})

    router.get(JOB_PATH).mock(side_effect=[answer("running"), answer("succeeded", IDENTIFY_OUTPUT)])
    await steady.wait(IDENTIFY_JOB)
    assert fake_time.sleeps == [pytest.approx(180.0, abs=0.2)]  # the Date header counts whole seconds


@pytest.mark.parametrize(
    "date",
    [
        "-0000",  # a Date "-0000" (RFC 5322: zone unknown), set to this machine's local time
        "not a date",
    ],
    ids=["date-minus-0000", "unparsable-date"],
)
async def test_a_job_age_that_cannot_be_read_leaves_the_wait_at_the_shortest_gap(
    steady: Api, router: respx.Router, fake_time: FakeTime, date: str
) -> None:
    """An age needs two instants: a Date without a zone (or none that parses) gives none. The wait
    goes on at the schedule's start instead of failing on a comparison of a naive and an aware
    time, or on a Date it cannot parse."""
    now = time.time()
    stamp = datetime.fromtimestamp(now - 1800.0, UTC).isoformat()
    if date == "-0000":
        # Local time, so that only the missing zone (not the skew from this clock) stands against it.
        date = format_datetime(datetime.fromtimestamp(now))
        assert date.endswith("-0000")

    def answer(status: str, output: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.Response(200, json={**job_body(status, output), "createdAt": stamp}, headers={"Date": date})

    router.get(JOB_PATH).mock(side_effect=[answer("running"), answer("succeeded", IDENTIFY_OUTPUT)])
    assert isinstance(await steady.wait(IDENTIFY_JOB), IdentifyResult)
    assert fake_time.sleeps == [2.0]


async def test_a_timeout_after_a_malformed_answer_does_not_name_an_older_failure_as_the_last(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A poll refused, then the last poll answered with truncated JSON: polls_failing said "the last
    with: ConnectError", and the cause was that connection error, though the last poll reached the
    API (an InvalidResponseError neither counts as a failure nor clears the ones before it)."""
    start = fake_time.now

    def refused_then_garbage(request: httpx.Request) -> httpx.Response:
        if fake_time.now - start < 10:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        return _truncated()

    router.get(JOB_PATH).mock(side_effect=refused_then_garbage)
    with pytest.raises(WaitTimeoutError) as caught:
        await steady.wait(IDENTIFY_JOB, timeout=13)
    assert "Connection refused" not in (caught.value.polls_failing or "")
    assert not isinstance(caught.value.__cause__, APIConnectionError)


def test_a_client_made_after_time_sleep_is_patched_sleeps_with_the_patch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test suite that patches time.sleep (monkeypatch.setattr(time, "sleep", ...)) has its
    polls' gaps go through the patch. When the default sleep became an Event that close() sets,
    the patch was bypassed and the gaps were slept for real; a patched time.sleep is obeyed."""
    from pyannoteai_identify import Client, PollSchedule

    answers = iter([job_body("running"), job_body("succeeded", IDENTIFY_OUTPUT)])
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    client = Client(
        "sk-test-key",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=next(answers))),
        poll_schedule=PollSchedule(initial=0.2, maximum=0.2),
    )
    with client:
        assert isinstance(client.wait(JOB_ID, timeout=60), IdentifyResult)
    assert len(slept) == 1 and 0 < slept[0] <= 0.2  # one gap, through the patch
