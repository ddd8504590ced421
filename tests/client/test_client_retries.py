"""Retries: safe reads are retried with backoff; requests that create a job are sent exactly once."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
import respx
from brokenbody import broken_off
from clientkit import API_KEY, JOB_ID, Api, FakeTime, MakeApi, job_response, refusing_proxy, write_wav

from pyannoteai_identify import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConfigurationError,
    InvalidResponseError,
    PaymentRequiredError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

pytestmark = pytest.mark.anyio

JOB_PATH = f"/v1/jobs/{JOB_ID}"
URL = "https://files.example.com/meeting.wav"


@pytest.fixture
def steady(make_api: MakeApi) -> Api:
    """A client whose backoff always takes its ceiling (0.5, 1, 2, … s), so sleeps are predictable."""
    return make_api(retry_policy=RetryPolicy(random=lambda: 1.0))


def _error(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"requestId": f"req-{status}", "message": f"status {status}"}, headers=headers)


async def _create_job(api: Api, path: str) -> object:
    """POST to *path*, the job-creating endpoint under test: identify or voiceprint."""
    if path == "/v1/identify":
        return await api.identify(URL, {"John": "vp"})
    return await api.submit_voiceprint(URL)


TRANSIENT = [
    pytest.param(httpx.ConnectError("refused"), id="connect-error"),
    pytest.param(httpx.ConnectTimeout("connect timeout"), id="connect-timeout"),
    pytest.param(httpx.ReadTimeout("read timeout"), id="read-timeout"),
    pytest.param(httpx.ReadError("reset"), id="read-error"),
    pytest.param(httpx.RemoteProtocolError("server hung up"), id="protocol-error"),
    pytest.param(_error(429), id="429"),
    pytest.param(_error(502), id="502"),
    pytest.param(_error(503), id="503"),
    pytest.param(_error(504), id="504"),
]


@pytest.mark.parametrize("failure", TRANSIENT)
async def test_a_get_is_retried_after_a_transient_failure_with_backoff(
    steady: Api, router: respx.Router, fake_time: FakeTime, failure: httpx.Response | Exception
) -> None:
    """Connection errors, timeouts, 429 and 502/503/504 on a GET are retried after 0.5 s, then 1 s."""
    route = router.get(JOB_PATH).mock(side_effect=[failure, failure, job_response("running")])
    job = await steady.get_job(JOB_ID)
    assert str(job.status) == "running"
    assert route.call_count == 3
    assert fake_time.sleeps == [0.5, 1.0]


async def test_a_timeout_after_the_retries_says_how_many_attempts_and_which_limit(
    make_api: MakeApi, router: respx.Router
) -> None:
    """get_job(timeout=2) gave up after 11 s saying only "ReadTimeout: timed out": the message says
    that four attempts were made and which limit each ran into."""
    api = make_api(timeout=2.0)
    router.get(JOB_PATH).mock(side_effect=httpx.ReadTimeout("timed out"))
    expected = r"GET /v1/jobs/\S+ \(4 attempts\) failed: ReadTimeout: timed out \(the read timeout is 2 s\)"
    with pytest.raises(APITimeoutError, match=expected):
        await api.get_job(JOB_ID)


@pytest.mark.parametrize(
    ("failure", "error_type"),
    [
        (_error(503), ServerError),
        (_error(429), RateLimitError),
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
    ],
)
async def test_retries_stop_after_max_retries_and_raise(
    steady: Api,
    router: respx.Router,
    fake_time: FakeTime,
    failure: httpx.Response | Exception,
    error_type: type[Exception],
) -> None:
    """After three retries (four attempts) the last failure is raised as the SDK's exception."""
    route = router.get(JOB_PATH).mock(side_effect=[failure] * 4)
    with pytest.raises(error_type):
        await steady.get_job(JOB_ID)
    assert route.call_count == 4
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("max_retries", [0, 1, 5])
async def test_max_retries_sets_the_number_of_retries(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime, max_retries: int
) -> None:
    """max_retries=N allows N retries; 0 disables retrying."""
    api = make_api(max_retries=max_retries)
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _error(503))
    with pytest.raises(ServerError):
        await api.get_job(JOB_ID)
    assert route.call_count == max_retries + 1
    assert len(fake_time.sleeps) == max_retries


async def test_backoff_grows_exponentially_up_to_its_cap(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """Backoff ceilings double from 0.5 s and stop growing at 8 s."""
    api = make_api(retry_policy=RetryPolicy(max_retries=7, random=lambda: 1.0))
    router.get(JOB_PATH).mock(side_effect=lambda request: _error(502))
    with pytest.raises(ServerError):
        await api.get_job(JOB_ID)
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


async def test_retry_after_sets_the_retry_delay(steady: Api, router: respx.Router, fake_time: FakeTime) -> None:
    """A 429 or 503 with Retry-After is retried after exactly that many seconds."""
    route = router.get(JOB_PATH).mock(
        side_effect=[_error(429, **{"Retry-After": "7"}), _error(503, **{"Retry-After": "3"}), job_response("running")]
    )
    await steady.get_job(JOB_ID)
    assert fake_time.sleeps == [7.0, 3.0]
    assert route.call_count == 3


async def test_a_retry_after_beyond_the_cap_is_not_waited_for(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """A Retry-After longer than the policy's cap raises RateLimitError at once, carrying retry_after."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _error(429, **{"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as caught:
        await steady.get_job(JOB_ID)
    assert caught.value.retry_after == 3600.0
    assert route.call_count == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("status", [400, 401, 402, 404, 500, 418])
async def test_other_error_statuses_are_not_retried(
    steady: Api, router: respx.Router, fake_time: FakeTime, status: int
) -> None:
    """Statuses that retrying cannot fix are raised after one attempt."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _error(status))
    with pytest.raises(Exception) as caught:
        await steady.get_job(JOB_ID)
    assert getattr(caught.value, "status_code", None) == status
    assert route.call_count == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("failure", [_error(503), _error(502), _error(429, **{"Retry-After": "1"})])
async def test_identify_is_sent_once_even_on_a_retryable_status(
    steady: Api, router: respx.Router, fake_time: FakeTime, failure: httpx.Response
) -> None:
    """POST /v1/identify creates a billable job: a 503, 502 or 429 is raised, never resent."""
    route = router.post("/v1/identify").mock(side_effect=lambda request: failure)
    with pytest.raises((ServerError, RateLimitError)):
        await steady.identify(URL, {"John": "vp"})
    assert route.call_count == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("path", ["/v1/identify", "/v1/voiceprint"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_on_a_job_creating_post_says_the_job_may_exist_instead_of_try_again(
    steady: Api, router: respx.Router, path: str, status: int
) -> None:
    """The API may fail after creating the job: the error points to jobs(), not to a resubmission."""
    router.post(path).mock(return_value=_error(status))
    with pytest.raises(ServerError) as caught:
        await _create_job(steady, path)
    message = str(caught.value)
    assert "may have been created" in message and "client.jobs()" in message
    assert "try again later" not in message


async def test_a_5xx_on_a_read_still_says_try_again_later(steady: Api, router: respx.Router) -> None:
    """A failed GET created nothing: its error keeps the plain advice."""
    router.get(JOB_PATH).mock(side_effect=lambda request: _error(503))
    with pytest.raises(ServerError, match="try again later") as caught:
        await steady.get_job(JOB_ID)
    assert "may have been created" not in str(caught.value)


async def test_an_unreadable_2xx_answer_to_identify_says_the_job_was_probably_created(
    steady: Api, router: respx.Router
) -> None:
    """A 200 whose body breaks the contract came after the job was made: the error says to look for it."""
    router.post("/v1/identify").mock(return_value=httpx.Response(200, json={"status": "created"}))
    with pytest.raises(InvalidResponseError) as caught:
        await steady.identify(URL, {"John": "vp"})
    assert "client.jobs()" in str(caught.value)


async def test_an_empty_job_id_in_the_answer_to_identify_is_refused_naming_where_to_find_the_job(
    steady: Api, router: respx.Router
) -> None:
    """An id that GET /v1/jobs/{jobId} cannot take is a broken contract, said at once with where to
    find the billed job, rather than returned as a job whose first poll fails."""
    router.post("/v1/identify").mock(return_value=httpx.Response(200, json={"jobId": "", "status": "created"}))
    with pytest.raises(InvalidResponseError, match="at jobId: expected a job id of 1 or more characters") as caught:
        await steady.identify(URL, {"John": "vp"})
    assert "client.jobs()" in str(caught.value)


def _undecodable(status: int = 200) -> httpx.Response:
    """A response whose body says gzip but is not: httpx raises DecodingError while reading it."""
    return httpx.Response(status, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")


async def test_a_body_that_cannot_be_decoded_is_retried_on_a_read_like_a_lost_response(
    steady: Api, router: respx.Router, fake_time: FakeTime
) -> None:
    """httpx.DecodingError on a GET is retried, then raised as APIConnectionError, never as a raw httpx error."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _undecodable())
    with pytest.raises(APIConnectionError, match="DecodingError"):
        await steady.get_job(JOB_ID)
    assert route.call_count == 4
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


async def test_a_body_that_cannot_be_decoded_after_identify_is_not_resent_and_says_the_job_may_exist(
    steady: Api, router: respx.Router
) -> None:
    """The POST arrived (its answer did): the job may exist, so it is sent once and jobs() is named."""
    route = router.post("/v1/identify").mock(side_effect=lambda request: _undecodable())
    with pytest.raises(APIConnectionError) as caught:
        await steady.identify(URL, {"John": "vp"})
    assert route.call_count == 1
    assert caught.value.request_sent is True
    assert "may exist" in str(caught.value) and "jobs()" in str(caught.value)


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.ConnectError("refused")],
    ids=["read-timeout", "connect-error"],
)
async def test_a_connection_error_keeps_no_httpx_error_and_so_no_request_headers_in_its_chain(
    make_api: MakeApi, router: respx.Router, failure: Exception
) -> None:
    """The httpx error holds the request, Authorization header included: it is neither cause nor context."""
    api = make_api(max_retries=0)
    router.get(JOB_PATH).mock(side_effect=failure)
    with pytest.raises(APIConnectionError) as caught:
        await api.get_job(JOB_ID)
    chain = _chain(caught.value)
    assert chain == [caught.value]
    assert all(API_KEY not in repr(vars(error)) for error in chain)


async def test_voiceprint_is_sent_once_even_on_503(
    steady: Api, router: respx.Router, fake_time: FakeTime, tmp_path: Path
) -> None:
    """POST /v1/voiceprint is not retried either."""
    route = router.post("/v1/voiceprint").mock(side_effect=lambda request: _error(503))
    with pytest.raises(ServerError):
        await steady.create_voiceprint(URL)
    with pytest.raises(ServerError):
        await steady.submit_voiceprint(URL)
    assert route.call_count == 2
    assert fake_time.sleeps == []


@pytest.mark.parametrize("path", ["/v1/identify", "/v1/voiceprint"])
async def test_a_lost_response_after_sending_says_the_job_may_exist(
    steady: Api, router: respx.Router, fake_time: FakeTime, path: str
) -> None:
    """A ReadError after a job-creating POST is sent once; the message says to look with jobs()."""
    route = router.post(path).mock(side_effect=httpx.ReadError("connection reset by peer"))
    with pytest.raises(APIConnectionError) as caught:
        await _create_job(steady, path)
    message = str(caught.value)
    assert "may exist" in message and "jobs()" in message
    assert caught.value.request_sent is True
    assert caught.value.method == "POST"
    assert route.call_count == 1
    assert fake_time.sleeps == []
    assert API_KEY not in message


async def test_a_read_timeout_on_identify_is_a_timeout_that_may_have_created_the_job(
    steady: Api, router: respx.Router
) -> None:
    """A ReadTimeout on identify raises APITimeoutError (an APIConnectionError) warning of a possible job."""
    route = router.post("/v1/identify").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(APITimeoutError, match="may exist") as caught:
        await steady.identify(URL, {"John": "vp"})
    assert isinstance(caught.value, APIConnectionError)
    assert route.call_count == 1


@pytest.mark.parametrize("operation", ["test", "identify"])
async def test_a_failed_connect_names_the_host_and_where_the_base_url_comes_from(
    steady: Api, router: respx.Router, operation: str
) -> None:
    """ "GET /v1/test failed: ConnectError: [Errno 111] Connection refused" named no host: a newcomer
    whose shell still exports PYANNOTEAI_BASE_URL=http://127.0.0.1:PORT from the sandbox's banner
    (the sandbox long stopped), or a mistyped host, could not tell where the client went. The
    message names the host it could not reach and where the base URL comes from."""
    router.route().mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(APIConnectionError) as caught:
        if operation == "test":
            await steady.test()
        else:
            await steady.identify(URL, {"John": "vp"})
    message = str(caught.value)
    assert "api.pyannote.ai" in message and "PYANNOTEAI_BASE_URL" in message, message
    assert API_KEY not in message


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("connect timeout"), httpx.PoolTimeout("pool timeout")],
)
async def test_a_failed_connect_on_identify_says_nothing_was_sent(
    steady: Api, router: respx.Router, failure: Exception
) -> None:
    """If the connection never opened, the message says nothing was sent and no job was created.
    So it is when no connection of the pool came free in time (many concurrent calls): the
    request never left, and no job can exist to look for."""
    route = router.post("/v1/identify").mock(side_effect=failure)
    with pytest.raises(APIConnectionError) as caught:
        await steady.identify(URL, {"John": "vp"})
    assert "nothing was sent" in str(caught.value)
    assert "may exist" not in str(caught.value)
    assert caught.value.request_sent is False
    assert route.call_count == 1


async def test_create_voiceprint_polls_with_retries_but_submits_once(
    steady: Api, router: respx.Router, fake_time: FakeTime, tmp_path: Path
) -> None:
    """In create_voiceprint, the submit is single-shot while its polls are retried."""
    submit = router.post("/v1/voiceprint").respond(200, json={"jobId": JOB_ID, "status": "created"})
    router.post("/v1/media/input").respond(201, json={"url": "https://storage.example.com/put"})
    router.put("https://storage.example.com/put").respond(200)
    poll = router.get(JOB_PATH).mock(
        side_effect=[httpx.ConnectError("refused"), job_response("succeeded", {"voiceprint": "vp-1"})]
    )
    assert await steady.create_voiceprint(write_wav(tmp_path / "john.wav", 2.0)) == "vp-1"
    assert submit.call_count == 1
    assert poll.call_count == 2
    assert fake_time.sleeps == [0.5]


async def test_a_429_holds_the_clients_next_request_and_then_spaces_requests_at_the_limit(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """After a refused get_job (no retries left), the client's next request waits out Retry-After, and
    later ones are sent at most X-RateLimit-Limit a minute (0.6 s apart at 100), so none is refused again."""
    api = make_api(max_retries=0)
    limited = _error(429, **{"Retry-After": "30", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"})
    route = router.get(JOB_PATH).mock(side_effect=[limited, *(job_response("running") for _ in range(3))])
    with pytest.raises(RateLimitError):
        await api.get_job(JOB_ID)
    assert fake_time.sleeps == []
    for _ in range(3):
        assert str((await api.get_job(JOB_ID)).status) == "running"
    assert fake_time.sleeps == pytest.approx([30.0, 0.6, 0.6])
    assert route.call_count == 4


async def test_a_429_whose_body_broke_off_is_retried_after_its_retry_after(
    steady: Api, mode: str, router: respx.Router, fake_time: FakeTime
) -> None:
    """A 429 whose body was lost after its headers was retried on the normal backoff (0.5 s), not
    after the Retry-After its headers carried: the throttle never saw them, so the retry went
    straight back into the refusal."""
    limited = broken_off(mode, 429, {"Retry-After": "30", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"})
    route = router.get(JOB_PATH).mock(side_effect=[limited, job_response("running")])
    assert str((await steady.get_job(JOB_ID)).status) == "running"
    assert route.call_count == 2
    assert sum(fake_time.sleeps) == pytest.approx(30.0)


async def test_a_429_whose_body_broke_off_holds_the_clients_next_requests(
    make_api: MakeApi, mode: str, router: respx.Router, fake_time: FakeTime
) -> None:
    """As for a 429 read whole: after one whose body was lost (no retries left), the client's next
    request waits out Retry-After, and later ones are spaced at X-RateLimit-Limit a minute."""
    api = make_api(max_retries=0)
    limited = broken_off(mode, 429, {"Retry-After": "30", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"})
    route = router.get(JOB_PATH).mock(side_effect=[limited, *(job_response("running") for _ in range(3))])
    with pytest.raises(APIConnectionError):
        await api.get_job(JOB_ID)
    assert fake_time.sleeps == []
    for _ in range(3):
        assert str((await api.get_job(JOB_ID)).status) == "running"
    assert fake_time.sleeps == pytest.approx([30.0, 0.6, 0.6])
    assert route.call_count == 4


@pytest.mark.parametrize("path", ["/v1/identify", "/v1/voiceprint"])
async def test_a_job_creating_post_answered_429_whose_body_broke_off_is_a_rate_limit_error(
    steady: Api, mode: str, router: respx.Router, fake_time: FakeTime, path: str
) -> None:
    """A 429 whose body broke off after its headers was raised as APIConnectionError saying the job
    "may exist and be billed", although the status proves that the API refused the request. It is
    the RateLimitError of a 429 read whole: its Retry-After, and no job was created."""
    limited = broken_off(mode, 429, {"Retry-After": "30", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"})
    route = router.post(path).mock(return_value=limited)
    with pytest.raises(RateLimitError) as caught:
        await _create_job(steady, path)
    message = str(caught.value)
    assert caught.value.status_code == 429 and caught.value.retry_after == 30.0
    assert "no job was created" in message and "broke off" in message
    assert "may exist" not in message and "may have been created" not in message
    assert route.call_count == 1
    assert fake_time.sleeps == []
    assert API_KEY not in message


@pytest.mark.parametrize("path", ["/v1/identify", "/v1/voiceprint"])
@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, BadRequestError), (401, AuthenticationError), (402, PaymentRequiredError)],
)
async def test_a_job_creating_post_refused_by_a_declared_4xx_whose_body_broke_off_says_no_job_was_created(
    steady: Api, mode: str, router: respx.Router, path: str, status: int, error_type: type[APIError]
) -> None:
    """The other refusals openapi.yaml declares for the job-creating operations (failed validation, a
    missing or invalid key, no subscription) prove no job either, whether their body arrived or not."""
    route = router.post(path).mock(return_value=broken_off(mode, status, {}))
    with pytest.raises(error_type) as caught:
        await _create_job(steady, path)
    assert caught.value.status_code == status
    assert "no job was created" in str(caught.value) and "may exist" not in str(caught.value)
    assert route.call_count == 1


@pytest.mark.parametrize("status", [403, 404, 413, 422, 500, 503])
async def test_a_job_creating_post_whose_undeclared_status_broke_off_still_says_the_job_may_exist(
    steady: Api, mode: str, router: respx.Router, status: int
) -> None:
    """A status the contract does not declare for the job-creating operations (a proxy's or a
    gateway's, or a 5xx the API may send after creating the job) proves nothing: its lost body
    leaves the job in doubt, as any lost answer does."""
    route = router.post("/v1/identify").mock(return_value=broken_off(mode, status, {}))
    with pytest.raises(APIConnectionError) as caught:
        await steady.identify(URL, {"John": "vp"})
    assert "may exist" in str(caught.value) and caught.value.request_sent is True
    assert route.call_count == 1


async def test_create_voiceprint_whose_submit_is_answered_a_429_that_broke_off_is_a_rate_limit_error(
    steady: Api, mode: str, router: respx.Router, tmp_path: Path
) -> None:
    """create_voiceprint uploads, then submits once: a 429 on the submit whose body broke off is the
    RateLimitError of its Retry-After, not a job that "may exist"."""
    router.post("/v1/media/input").respond(201, json={"url": "https://storage.example.com/put"})
    router.put("https://storage.example.com/put").respond(200)
    submit = router.post("/v1/voiceprint").mock(return_value=broken_off(mode, 429, {"Retry-After": "12"}))
    with pytest.raises(RateLimitError) as caught:
        await steady.create_voiceprint(write_wav(tmp_path / "john.wav", 2.0))
    assert caught.value.retry_after == 12.0 and "no job was created" in str(caught.value)
    assert submit.call_count == 1


async def test_a_hold_longer_than_the_retry_after_cap_is_cut_to_the_cap(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """A Retry-After of a day holds the client's next request only RetryPolicy.retry_after_cap (120 s)."""
    api = make_api(max_retries=0)
    router.get(JOB_PATH).mock(side_effect=[_error(429, **{"Retry-After": "86400"}), job_response("running")])
    with pytest.raises(RateLimitError):
        await api.get_job(JOB_ID)
    await api.get_job(JOB_ID)
    assert fake_time.sleeps == [120.0]


async def test_a_read_cut_off_by_closing_the_client_is_not_retried(
    mode: str, make_api: MakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    """close() while a GET is in flight (a service shutting down): the read failed, was retried
    with a WARNING and a backoff, and only then raised that the client is closed. It says so at
    once, naming the request it cut off."""
    sent: list[httpx.Request] = []
    api: Api

    class ClosedMidRequest(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            api.client.close()  # type: ignore[union-attr]
            raise httpx.ReadError("connection closed by the pool", request=request)

    class AsyncClosedMidRequest(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            await api.close()
            raise httpx.ReadError("connection closed by the pool", request=request)

    api = make_api(transport=AsyncClosedMidRequest() if mode == "async" else ClosedMidRequest())
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), pytest.raises(ConfigurationError) as caught:
        await api.get_job(JOB_ID)
    assert str(caught.value) == f"the client was closed while GET /v1/jobs/{JOB_ID} was in flight: create a new one"
    assert len(sent) == 1 and caplog.records == []


def _closed_loopback_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_a_failed_connect_to_the_proxy_does_not_blame_the_base_url(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """Behind a proxy (HTTPS_PROXY, which the client follows for an https base URL) the connection
    that fails is the one to the proxy. The message said "could not connect to
    https://api.pyannote.ai (the base URL: argument base_url or PYANNOTEAI_BASE_URL)": the user
    checks a base URL that is right, while the proxy is the address that refused."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    port = _closed_loopback_port()
    monkeypatch.setenv(variable, f"http://127.0.0.1:{port}")
    with Client(API_KEY, max_retries=0, timeout=5) as client, pytest.raises(APIConnectionError) as caught:
        client.test()
    message = str(caught.value)
    assert "the base URL" not in message, message
    assert f"127.0.0.1:{port}" in message, message


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.mark.parametrize("path", ["/v1/identify", "/v1/voiceprint"])
async def test_a_proxy_refusing_the_tunnel_says_no_job_was_created(mode: str, make_api: MakeApi, path: str) -> None:
    """Behind a corporate proxy that refuses the CONNECT (407 Proxy Authentication Required, 403 by
    its allow list), httpx raises ProxyError before a byte of the request reaches the API. The error
    said "lost its response ... The request may have reached the API, so the job may exist and be
    billed" with request_sent=True: on-call hunts through client.jobs() for a job that cannot exist,
    and nothing named the proxy or its credentials as the thing to fix."""
    with refusing_proxy(407) as (proxy, seen):
        with_credentials = proxy.replace("http://", "http://svc:proxy-pw-9d1@")
        api = make_api(http_client=_proxied_http_client(mode, with_credentials))
        with pytest.raises(APIConnectionError) as caught:
            await _create_job(api, path)
        await api.close()
    message = str(caught.value)
    assert caught.value.request_sent is False
    assert "may exist" not in message and "nothing was sent" in message, message
    assert proxy.removeprefix("http://") in message and "407 Proxy Authentication Required" in message, message
    assert "proxy-pw-9d1" not in message and API_KEY not in message
    assert len(seen) == 1


async def test_a_proxy_refusing_the_tunnel_on_a_read_names_the_proxy(mode: str, make_api: MakeApi) -> None:
    """A GET refused by the proxy said only "GET /v1/test failed: ProxyError: 407 Proxy
    Authentication Required": which proxy, and that the API was never reached, were left to guess."""
    with refusing_proxy(407) as (proxy, _seen):
        api = make_api(http_client=_proxied_http_client(mode, proxy), max_retries=0)
        with pytest.raises(APIConnectionError) as caught:
            await api.test()
        await api.close()
    message = str(caught.value)
    assert proxy.removeprefix("http://") in message and "api.pyannote.ai" in message, message
    assert caught.value.request_sent is False


def _proxied_http_client(mode: str, proxy: str) -> httpx.Client | httpx.AsyncClient:
    """An httpx client of the test's flavour that sends through *proxy* alone (no environment)."""
    http_type = httpx.AsyncClient if mode == "async" else httpx.Client
    return http_type(trust_env=False, proxy=proxy, timeout=5)


@pytest.mark.parametrize("status", [407, 403])
async def test_a_proxy_refusing_the_tunnel_is_not_retried(
    mode: str, make_api: MakeApi, fake_time: FakeTime, status: int
) -> None:
    """A proxy's 407 (Proxy Authentication Required) or 403 (its allow list) to the CONNECT of a
    safe GET was retried three times, with backoff: the same credentials get the same refusal, so
    the retries only delayed the error (and, with a lockout policy, counted as failed logins).
    It is raised at the first refusal."""
    with refusing_proxy(status) as (proxy, seen):
        http_client = _proxied_http_client(mode, proxy)
        api = make_api(http_client=http_client)
        with pytest.raises(APIConnectionError) as caught:
            await api.test()
        await api.close()
    assert len(seen) == 1, seen
    assert f"{status} " in str(caught.value) and caught.value.request_sent is False
    assert fake_time.sleeps == []


async def test_a_proxy_error_names_the_http_clients_proxy_not_the_environments(
    mode: str, make_api: MakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy a ProxyError named came from the environment (HTTPS_PROXY) even when the caller's
    http_client (trust_env=False, its own proxy=) never used it: on-call checked the credentials of
    a proxy the request never went through. The error names the proxy the request went through."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy.corp.example:3128")
    with refusing_proxy(407) as (proxy, _seen):
        api = make_api(http_client=_proxied_http_client(mode, proxy), max_retries=0)
        with pytest.raises(APIConnectionError) as caught:
            await api.test()
        await api.close()
    message = str(caught.value)
    assert "env-proxy.corp.example" not in message, message
    assert proxy.removeprefix("http://") in message, message


async def test_a_proxy_error_from_a_transport_without_a_known_proxy_names_none(
    make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transport of the caller's (a ``transport=``: httpx then reads no proxy variables) raising
    ProxyError: which proxy it used cannot be known, and HTTPS_PROXY, which it ignores, is not the
    one. The message says "the proxy" and names none."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy.corp.example:3128")
    router.get("/v1/test").mock(side_effect=httpx.ProxyError("407 Proxy Authentication Required"))
    with pytest.raises(APIConnectionError) as caught:
        await make_api(max_retries=0).test()
    message = str(caught.value)
    assert "env-proxy.corp.example" not in message, message
    assert "the proxy" in message and "api.pyannote.ai" in message, message
