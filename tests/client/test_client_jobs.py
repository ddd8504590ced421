"""get_job(), jobs() across pages, and test()."""

from __future__ import annotations

import gc
import threading
import warnings
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import pytest
import respx
from clientkit import API_KEY, BASE_URL, IDENTIFY_OUTPUT, JOB_ID, VOICEPRINT, Api, job_body, job_response

from pyannoteai_identify import (
    AsyncClient,
    DiarizationResult,
    IdentifyResult,
    InvalidResponseError,
    Job,
    JobStatus,
    KeyStatus,
    NotFoundError,
    ValidationError,
    VoiceprintResult,
)

pytestmark = pytest.mark.anyio

CURSOR_1 = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
CURSOR_2 = "b1b2c3d4-e5f6-7890-abcd-ef1234567890"


def _item(index: int, status: str = "succeeded") -> dict[str, Any]:
    return {"id": f"job-{index}", "status": status, "createdAt": "2024-02-20T12:00:00Z"}


def _page(items: list[dict[str, Any]], cursor: str | None) -> httpx.Response:
    return httpx.Response(200, json={"items": items, "nextCursor": cursor})


async def test_get_job_of_a_running_job_has_status_and_no_output(api: Api, router: respx.Router) -> None:
    """A running job comes back with its status and timestamps, and no output yet."""
    route = router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("running"))
    job = await api.get_job(JOB_ID)
    assert route.call_count == 1
    assert job.id == JOB_ID
    assert job.status is JobStatus.RUNNING
    assert not job.is_terminal
    assert job.output is None
    assert job.created_at == datetime(2024, 2, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("output", "kind", "result_type"),
    [
        (IDENTIFY_OUTPUT, "identify", IdentifyResult),
        ({"voiceprint": VOICEPRINT}, "voiceprint", VoiceprintResult),
        ({"diarization": [{"speaker": "SPEAKER_00", "start": 0, "end": 1}]}, "diarization", DiarizationResult),
    ],
)
async def test_get_job_parses_a_succeeded_output_by_its_keys(
    api: Api, router: respx.Router, output: dict[str, Any], kind: str, result_type: type
) -> None:
    """The job type is told from the output keys, and the output parsed into its result class."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", output))
    job = await api.get_job(JOB_ID)
    assert job.kind == kind
    assert isinstance(job.output, result_type)


async def test_get_job_with_a_kind_parses_the_output_as_that_kind(api: Api, router: respx.Router) -> None:
    """kind= wins over the output keys."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", IDENTIFY_OUTPUT))
    job = await api.get_job(JOB_ID, kind="identify")
    assert isinstance(job.output, IdentifyResult)
    assert job.output.talk_time() == {"John": 5.5, "Mary": 2.0}


@pytest.mark.parametrize(
    ("output", "kind", "actual"),
    [(IDENTIFY_OUTPUT, "voiceprint", "identify"), ({"voiceprint": VOICEPRINT}, "identify", "voiceprint")],
)
async def test_a_kind_that_contradicts_the_output_is_named_as_the_likely_cause(
    api: Api, router: respx.Router, output: dict[str, Any], kind: str, actual: str
) -> None:
    """get_job(id, kind=...) and wait(id, kind=...) with the wrong kind (the user's mistake, the
    output being another job type's, by its keys) said only "the response breaks the contract at
    output.voiceprint: missing required field": a newcomer reads that the API is broken. The error
    names the kind passed and the kind the output's keys show, and says to leave kind out."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", output))
    with pytest.raises(InvalidResponseError) as caught:
        await api.get_job(JOB_ID, kind=kind)
    message = str(caught.value)
    assert f"kind={kind!r}" in message and actual in message and "leave kind out" in message, message


async def test_get_job_takes_a_job_summary_of_the_job_list(api: Api, router: respx.Router) -> None:
    """``get_job(summary)`` was refused ("must be a string, not JobSummary"): it fetches the summary's job."""
    router.get("/v2/jobs").mock(return_value=_page([{**_item(0), "id": JOB_ID}], None))
    route = router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", IDENTIFY_OUTPUT))
    (summary,) = await api.jobs()
    job = await api.get_job(summary, kind="identify")
    assert route.call_count == 1
    assert job.id == JOB_ID and isinstance(job.result, IdentifyResult)


async def test_get_job_refreshes_a_job_handle_keeping_its_kind(api: Api, router: respx.Router) -> None:
    """``get_job(job)`` with the handle ``identify()`` returns fetched the job by its id but forgot its
    kind (and type checkers refused the handle): a running job came back with ``kind`` None, so the
    refreshed handle typed no later ``wait()``, and a succeeded one was parsed by its output's keys.
    The handle's kind is kept and parses the output, as in ``wait(job)``."""
    route = router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[
            httpx.Response(200, json=job_body("running")),
            httpx.Response(200, json=job_body("succeeded", {"voiceprint": VOICEPRINT})),
        ]
    )
    handle: Job[IdentifyResult] = Job(JOB_ID, "created", "identify")
    running = await api.get_job(handle)
    assert running.id == JOB_ID and running.status is JobStatus.RUNNING and running.kind == "identify"
    with pytest.raises(InvalidResponseError) as caught:  # parsed as the handle's kind, not its keys
        await api.get_job(running)
    assert "'voiceprint', not 'identify'" in str(caught.value), str(caught.value)
    assert route.call_count == 2


@pytest.mark.parametrize("job_id", ["", ".", "..", " " + JOB_ID])
async def test_a_job_handle_whose_id_names_no_job_is_refused_before_any_request(
    api: Api, router: respx.Router, job_id: str
) -> None:
    """``get_job(job)`` and ``wait(job)`` with a handle (``Job`` is public, built from a stored id) whose
    id is empty or a dot segment sent ``GET /v1/jobs/`` or ``GET /v1/`` (another route, the id
    quoted away or normalised out), and blamed its answer on the job ("is gone"); one with surrounding
    whitespace asked for a job no API issues. The handle's id is checked as a bare id (and a job-list
    summary's) is, naming ``job_id``, before any request."""
    route = router.route().respond(404, json={"message": "not found"})
    for call in (api.get_job, api.wait):
        with pytest.raises(ValidationError) as caught:
            await call(Job(job_id, "created", "identify"))
        assert caught.value.field == "job_id"
    assert route.call_count == 0


async def test_get_job_refuses_a_kind_that_contradicts_the_job_handle(api: Api, router: respx.Router) -> None:
    """As ``wait(job, kind=...)`` does, before any request: the output would be parsed as the wrong type."""
    route = router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", IDENTIFY_OUTPUT))
    with pytest.raises(ValidationError) as caught:
        await api.get_job(Job(JOB_ID, "created", "voiceprint"), kind="identify")
    assert "contradicts the job handle" in str(caught.value)
    assert route.call_count == 0
    job = await api.get_job(Job(JOB_ID, "created", "identify"), kind="identify")
    assert isinstance(job.result, IdentifyResult)


async def test_get_job_quotes_the_id_into_one_path_segment(api: Api, router: respx.Router) -> None:
    """An id with a slash or a question mark cannot reach another route."""
    route = router.route(method="GET").respond(200, json=job_body("running", job_id="a/b?c"))
    await api.get_job("a/b?c")
    assert route.calls.last.request.url.raw_path == b"/v1/jobs/a%2Fb%3Fc"


async def test_get_job_refuses_an_answer_about_another_job(api: Api, router: respx.Router) -> None:
    """An answer about job B to a question about job A (a pooled socket shared with a forked process,
    a proxy's cache) raises instead of passing B off as A; the id's letter case does not matter."""
    other = "0f7c2a55-0000-4000-8000-000000000000"
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", IDENTIFY_OUTPUT, job_id=other))
    with pytest.raises(InvalidResponseError, match=f"asked for job {JOB_ID}, the answer is about job {other}"):
        await api.get_job(JOB_ID)
    router.get(f"/v1/jobs/{JOB_ID.upper()}").respond(200, json=job_body("running"))
    assert (await api.get_job(JOB_ID.upper())).id == JOB_ID


@pytest.mark.parametrize("large", [False, True], ids=["small", "large"])
async def test_an_async_client_parses_a_large_output_off_the_event_loop(
    api: Api, router: respx.Router, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    """Parsing a 30 MB output held the event loop for about half a second: AsyncClient parses a body
    over PARSE_OFF_LOOP_BYTES in a worker thread (a small one, and every one of Client, in place)."""
    from pyannoteai_identify import _client, _core

    threads: list[int] = []
    parse = _core.parse_job_response

    def recording(*args: Any) -> Any:
        threads.append(threading.get_ident())
        return parse(*args)

    monkeypatch.setattr(_core, "parse_job_response", recording)
    padding = "x" * (_client.PARSE_OFF_LOOP_BYTES + 1 if large else 10)
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json={**job_body("succeeded", IDENTIFY_OUTPUT), "pad": padding})
    job = await api.get_job(JOB_ID)
    assert isinstance(job.output, IdentifyResult)
    assert (threads != [threading.get_ident()]) is (large and api.is_async)


async def test_get_job_keeps_an_unknown_status_as_text(api: Api, router: respx.Router) -> None:
    """A status from a newer API is kept as a plain string and is not terminal."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("x-queued"))
    job = await api.get_job(JOB_ID)
    assert job.status == "x-queued"
    assert not isinstance(job.status, JobStatus)
    assert not job.is_terminal


async def test_get_job_of_an_unknown_id_raises_not_found(api: Api, router: respx.Router) -> None:
    """404 becomes NotFoundError carrying the API's message and request id."""
    router.get("/v1/jobs/nope").respond(404, json={"requestId": "req-404", "message": "Job not found"})
    with pytest.raises(NotFoundError) as caught:
        await api.get_job("nope")
    assert (caught.value.status_code, caught.value.request_id, caught.value.message) == (
        404,
        "req-404",
        "Job not found",
    )


async def test_jobs_follows_next_cursor_through_every_page(api: Api, router: respx.Router) -> None:
    """jobs() asks page after page with the previous nextCursor until it is null."""
    route = router.get("/v2/jobs").mock(
        side_effect=[
            _page([_item(0), _item(1)], CURSOR_1),
            _page([_item(2), _item(3, "running")], CURSOR_2),
            _page([_item(4, "failed")], None),
        ]
    )
    items = await api.jobs(page_size=2)
    assert [item.id for item in items] == [f"job-{index}" for index in range(5)]
    assert items[3].status is JobStatus.RUNNING
    assert items[0].created_at == datetime(2024, 2, 20, 12, 0, tzinfo=UTC)
    params = [dict(call.request.url.params) for call in route.calls]
    assert params == [{"limit": "2"}, {"limit": "2", "cursor": CURSOR_1}, {"limit": "2", "cursor": CURSOR_2}]


#: createdAt as an answer may give it → the instant the SDK reads: every documented timestamp is UTC
#: (``2024-02-20T12:00:00Z``), so one without an offset is read as UTC, never as a naive datetime.
TIMESTAMPS = {
    "2024-02-20T12:00:00Z": datetime(2024, 2, 20, 12, 0, tzinfo=UTC),
    "2024-02-20T12:00:00.250": datetime(2024, 2, 20, 12, 0, 0, 250_000, tzinfo=UTC),
    "2024-02-20T12:00:00": datetime(2024, 2, 20, 12, 0, tzinfo=UTC),
    "2024-02-20T13:00:00+01:00": datetime(2024, 2, 20, 12, 0, tzinfo=UTC),
}


@pytest.mark.parametrize("stamp", TIMESTAMPS, ids=["z", "naive-fraction", "naive", "offset"])
async def test_a_listed_job_s_created_at_is_aware_utc_when_the_answer_gives_no_offset(
    api: Api, router: respx.Router, stamp: str
) -> None:
    """A createdAt without an offset gave JobSummary a naive datetime: comparing it with an aware one
    (``datetime.now(UTC)``, another job's) raised TypeError. It is read as UTC, as every documented
    timestamp is; one with an offset keeps it."""
    router.get("/v2/jobs").mock(side_effect=[_page([{**_item(0), "createdAt": stamp}], None)])
    (item,) = await api.jobs()
    assert item.created_at is not None and item.created_at.tzinfo is not None
    assert item.created_at == TIMESTAMPS[stamp]
    assert item.created_at < datetime.now(UTC)


@pytest.mark.parametrize("stamp", TIMESTAMPS, ids=["z", "naive-fraction", "naive", "offset"])
async def test_a_polled_job_s_timestamps_are_aware_utc_when_the_answer_gives_no_offset(
    api: Api, router: respx.Router, stamp: str
) -> None:
    """The same for ``Job.created_at`` and ``Job.updated_at`` of a polled job: one parser for every
    timestamp the SDK reads."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json={**job_body("running"), "createdAt": stamp, "updatedAt": stamp})
    job = await api.get_job(JOB_ID)
    for moment in (job.created_at, job.updated_at):
        assert moment is not None and moment.tzinfo is not None
        assert moment == TIMESTAMPS[stamp]
        assert moment < datetime.now(UTC)


async def test_jobs_filters_by_status(api: Api, router: respx.Router) -> None:
    """status= is sent as the status query parameter (a JobStatus or its string)."""
    route = router.get("/v2/jobs").mock(side_effect=[_page([_item(0, "failed")], None), _page([], None)])
    assert [item.id for item in await api.jobs(JobStatus.FAILED)] == ["job-0"]
    assert await api.jobs("running") == []
    assert [call.request.url.params["status"] for call in route.calls] == ["failed", "running"]
    assert route.calls[0].request.url.params["limit"] == "100"


async def test_jobs_stops_at_max_items_without_fetching_more_pages(api: Api, router: respx.Router) -> None:
    """max_items=3 yields three jobs and never asks for the page after."""
    route = router.get("/v2/jobs").mock(
        side_effect=[_page([_item(0), _item(1)], CURSOR_1), _page([_item(2), _item(3)], CURSOR_2)]
    )
    items = await api.jobs(page_size=2, max_items=3)
    assert [item.id for item in items] == ["job-0", "job-1", "job-2"]
    assert route.call_count == 2
    assert await api.jobs(max_items=0) == []
    assert route.call_count == 2


async def test_jobs_stops_when_the_server_repeats_a_cursor(api: Api, router: respx.Router) -> None:
    """A repeated nextCursor ends the iteration with InvalidResponseError instead of looping forever."""
    served: list[int] = []

    def same_cursor(request: httpx.Request) -> httpx.Response:
        served.append(len(served))
        return _page([_item(served[-1])], CURSOR_1)

    route = router.get("/v2/jobs").mock(side_effect=same_cursor)
    items, error = await api.jobs_until_error()
    assert [item.id for item in items] == ["job-0", "job-1"]
    assert isinstance(error, InvalidResponseError)
    assert CURSOR_1 in str(error)
    assert route.call_count == 2


async def test_jobs_stops_when_the_server_sends_empty_pages_with_new_cursors(api: Api, router: respx.Router) -> None:
    """Empty pages, each pointing to a new one, used to be followed forever (max_items cannot end
    it: nothing is counted); three in a row end the iteration with InvalidResponseError."""
    import uuid

    route = router.get("/v2/jobs").mock(
        side_effect=lambda request: _page([_item(0)] if "cursor" not in request.url.params else [], str(uuid.uuid4()))
    )
    items, error = await api.jobs_until_error()
    assert [item.id for item in items] == ["job-0"]
    assert isinstance(error, InvalidResponseError) and "empty pages in a row" in str(error)
    assert route.call_count == 4  # the first page, then three empty ones


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": "none", "nextCursor": None}, "items"),
        ({"items": [{"status": "running"}], "nextCursor": None}, "items[0].id"),
        ({"items": [_item(0), {"id": "", "status": "running"}], "nextCursor": None}, "items[1].id: expected a job id"),
        ({"items": [_item(0), {"id": "x", "status": 3}], "nextCursor": None}, "items[1].status"),
        ({"items": [{"id": "x", "status": "running", "createdAt": "yesterday"}], "nextCursor": None}, "createdAt"),
        ({"items": [], "nextCursor": 7}, "nextCursor"),
    ],
)
async def test_a_malformed_job_page_names_the_field(
    api: Api, router: respx.Router, body: dict[str, Any], field: str
) -> None:
    """A page that breaks the contract raises InvalidResponseError naming where."""
    router.get("/v2/jobs").respond(200, json=body)
    with pytest.raises(InvalidResponseError, match=field.replace("[", r"\[").replace("]", r"\]")):
        await api.jobs()


@pytest.mark.parametrize(
    "body", [{"status": "OK", "message": "Test connection successful"}, {"status": "success", "message": "valid"}]
)
async def test_test_returns_the_key_status_as_free_text(api: Api, router: respx.Router, body: dict[str, str]) -> None:
    """test() calls GET /v1/test and returns its status and message, whatever their wording."""
    route = router.get("/v1/test").respond(200, json=body)
    status = await api.test()
    assert status == KeyStatus(body["status"], body["message"])
    assert route.call_count == 1


async def test_an_empty_next_cursor_ends_the_list(api: Api, router: respx.Router) -> None:
    """nextCursor "" is read as the last page, like null, instead of restarting from the first."""
    route = router.get("/v2/jobs").mock(side_effect=[_page([_item(0)], ""), _page([_item(0)], "")])
    assert [item.id for item in await api.jobs()] == ["job-0"]
    assert route.call_count == 1


def test_a_job_summary_shows_its_status_as_job_does() -> None:
    """JobSummary's repr shows the status value ('succeeded'), not the enum's repr, like Job's."""
    from pyannoteai_identify._core import JobSummary
    from pyannoteai_identify.results import Job, JobStatus

    summary = JobSummary("j", JobStatus.SUCCEEDED, None)
    assert repr(summary) == "JobSummary(id='j', status='succeeded', created_at=None)"
    assert "status='succeeded'" in repr(Job("j", JobStatus.SUCCEEDED, "identify"))


async def test_a_failed_job_fetched_by_id_carries_the_api_error_text_as_job_error(
    api: Api, router: respx.Router
) -> None:
    """A webhook of a failed job has no reason; fetching the job gives it, as job.error (it was only
    in job.output.error, on an output that looked like an empty diarization)."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(return_value=job_response("failed", {"error": "Could not load audio"}))
    job = await api.get_job(JOB_ID, kind="identify")
    assert job.error == "Could not load audio"
    router.get("/v1/jobs/other").mock(return_value=httpx.Response(200, json={"jobId": "other", "status": "running"}))
    assert (await api.get_job("other")).error is None


async def test_job_result_is_the_output_of_a_succeeded_job_and_none_otherwise(api: Api, router: respx.Router) -> None:
    """job.result is typed by the job's kind (IdentifyResult for Job[IdentifyResult]): the parsed
    output once the job succeeded; None while it runs, and when it failed, although output then
    holds the error."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[
            job_response("running"),
            job_response("succeeded", IDENTIFY_OUTPUT),
            job_response("failed", {"error": "Could not load audio"}),
        ]
    )
    assert (await api.get_job(JOB_ID, kind="identify")).result is None
    succeeded = await api.get_job(JOB_ID, kind="identify")
    assert isinstance(succeeded.result, IdentifyResult) and succeeded.result is succeeded.output
    assert succeeded.result.speakers == ["John", "Mary"]
    failed = await api.get_job(JOB_ID, kind="identify")
    assert failed.output is not None and failed.result is None


@pytest.mark.needs_trio
def test_an_async_jobs_iteration_left_early_under_trio_leaves_no_generator_to_finalise() -> None:
    """``async for job in client.jobs(): if job.id == wanted: break`` is how the SDK's own errors
    say to find a job that may exist. Under trio (which, unlike asyncio, does not finalise
    abandoned async generators) the iterator was an async generator: left early, it warned
    (ResourceWarning) when collected, an error in a suite run with -W error::ResourceWarning."""
    router = respx.Router(base_url=BASE_URL, assert_all_mocked=True)
    router.get("/v2/jobs").mock(side_effect=[_page([_item(0), _item(1)], CURSOR_1), _page([_item(2)], None)])
    found: list[str] = []

    async def look_for_a_job() -> None:
        transport = httpx.MockTransport(router.async_handler)
        async with AsyncClient(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
            async for job in client.jobs(page_size=2):
                if job.id == "job-0":
                    found.append(job.id)
                    break

    gc.collect()  # what earlier tests left to the collector is not this test's to answer for
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        anyio.run(look_for_a_job, backend="trio")
        gc.collect()
    assert found == ["job-0"]
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_an_async_jobs_iterator_refuses_a_second_concurrent_step_as_an_async_generator_does() -> None:
    """Two tasks stepping one ``AsyncClient.jobs()`` iterator at once: the async generator it was
    raised "already running" for the second; the iterator object fetched the first page twice and
    yielded its first job twice. The second step is refused; the first one's job comes once."""
    requests = 0
    release = anyio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        if requests == 1:  # the first step's page arrives when the test says so
            await release.wait()
        return _page([_item(0), _item(1)], None)

    async with AsyncClient(api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(answer)) as client:
        jobs = client.jobs()
        first: list[str] = []

        async def step() -> None:
            first.append((await anext(jobs)).id)

        async with anyio.create_task_group() as group:
            group.start_soon(step)
            await anyio.wait_all_tasks_blocked()
            with pytest.raises(RuntimeError, match="already running"):
                await anext(jobs)
            release.set()
        assert first == ["job-0"]
        assert [job.id async for job in jobs] == ["job-1"]
    assert requests == 1


async def test_an_async_jobs_iterator_closed_while_a_page_is_on_its_way_hands_out_nothing_more() -> None:
    """``aclose()`` from another task while a step waits for its page (a handler giving up on a
    search): the step ended by handing out the page's first job anyway. It ends the iteration."""
    release = anyio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return _page([_item(0), _item(1)], CURSOR_1)

    async with AsyncClient(api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(answer)) as client:
        jobs = client.jobs()
        ended: list[bool] = []

        async def step() -> None:
            with pytest.raises(StopAsyncIteration):
                await anext(jobs)
            ended.append(True)

        async with anyio.create_task_group() as group:
            group.start_soon(step)
            await anyio.wait_all_tasks_blocked()
            await jobs.aclose()
            release.set()
        assert ended == [True]
        assert [job.id async for job in jobs] == []
