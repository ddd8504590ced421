"""A call cut off by the caller (an outer timeout, a cancel scope, Ctrl-C, an exception of its own
transport or event hooks) says what it leaves behind.

The API has no idempotency key: a job-creating POST interrupted after it may have gone out may
have created a billed job, and a ``create_voiceprint()`` interrupted while it waits leaves one
behind that the caller has no id for. The interruption still propagates as it was raised; the
SDK adds a note to it (shown with its traceback) and logs a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest
import respx
from clientkit import API_KEY, BASE_URL, JOB_ID, Api, aclose_in_the_gap_of, job_response, running_after_the_first_poll

from pyannoteai_identify import (
    AsyncClient,
    AuthenticationError,
    ConfigurationError,
    Job,
    JobFailedError,
    VoiceprintResult,
)
from pyannoteai_identify._upload import CHUNK_SIZE
from pyannoteai_identify.results import Result

pytestmark = pytest.mark.anyio

AUDIO_URL = "https://files.example.com/meeting.wav"
JOB_PATH = f"/v1/jobs/{JOB_ID}"


def _interrupt(request: httpx.Request) -> httpx.Response:
    """Ctrl-C while the request is in flight (after it was handed to the transport)."""
    raise KeyboardInterrupt(request.url.path)


def _notes(error: BaseException) -> list[str]:
    return list(getattr(error, "__notes__", []))


@pytest.mark.parametrize(
    ("path", "submit"),
    [
        ("/v1/identify", lambda api: api.identify(AUDIO_URL, {"Alice": "QUJD"})),
        ("/v1/voiceprint", lambda api: api.submit_voiceprint(AUDIO_URL)),
    ],
    ids=["identify", "voiceprint"],
)
async def test_a_job_creation_interrupted_in_flight_says_the_job_may_exist(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture, path: str, submit: Callable[[Api], object]
) -> None:
    """Ctrl-C while the POST is in flight: the KeyboardInterrupt carries a note, and a warning is
    logged, that the job may exist and be billed and that client.jobs() finds it."""
    router.post(path).mock(side_effect=_interrupt)
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), pytest.raises(KeyboardInterrupt) as caught:
        await submit(api)  # type: ignore[misc]
    (note,) = _notes(caught.value)
    assert f"POST {path} was interrupted" in note
    assert "may exist and be billed" in note and "client.jobs()" in note
    assert [record.getMessage() for record in caplog.records] == [note]
    assert caught.value.args == (path,)  # raised by the transport, not before sending
    # The traceback is the one Ctrl-C had: passing through the flow to note it added no frames.
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert [frame.name for frame in frames if Path(frame.filename).name.startswith("_flows")] in (["drive"], ["adrive"])


async def test_a_job_creation_failing_in_the_callers_event_hook_says_the_job_may_exist(
    mode: str,
    make_api: Callable[..., Api],
    make_transport: Callable[[], httpx.MockTransport],
    router: respx.Router,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A response hook of the caller's own http_client that raises (raise_for_status, a metrics
    hook's bug) after the POST was answered: the job exists and is billed, and the caller has no
    id. The hook's exception carries the note and the warning is logged, as for an interruption."""
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})

    def broken_hook(response: httpx.Response) -> None:
        raise LookupError("metrics registry is full")

    async def abroken_hook(response: httpx.Response) -> None:
        broken_hook(response)

    http: httpx.Client | httpx.AsyncClient
    if mode == "async":
        http = httpx.AsyncClient(transport=make_transport(), event_hooks={"response": [abroken_hook]})
    else:
        http = httpx.Client(transport=make_transport(), event_hooks={"response": [broken_hook]})
    api = make_api(http_client=http)
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), pytest.raises(LookupError) as caught:
        await api.identify(AUDIO_URL, {"Alice": "QUJD"})
    (note,) = _notes(caught.value)
    assert note == (
        "POST /v1/identify failed in the http_client's transport or event hooks (LookupError); if it was sent, "
        "the job may exist and be billed. Look for it with client.jobs() before submitting again."
    )
    assert [record.getMessage() for record in caplog.records] == [note]


async def test_the_same_exception_raised_again_by_a_transport_gets_its_note_once(
    api: Api, router: respx.Router
) -> None:
    """A mock's side_effect raises one exception object at every call: each call noted it again."""
    refused = PermissionError("egress blocked")
    router.post("/v1/identify").mock(side_effect=refused)
    for _ in range(3):
        with pytest.raises(PermissionError):
            await api.identify(AUDIO_URL, {"Alice": "QUJD"})
    assert len(_notes(refused)) == 1


async def test_a_read_interrupted_in_flight_gets_no_note(api: Api, router: respx.Router) -> None:
    """A GET creates nothing: its interruption is left as it is."""
    router.get(JOB_PATH).mock(side_effect=_interrupt)
    with pytest.raises(KeyboardInterrupt) as caught:
        await api.get_job(JOB_ID)
    assert _notes(caught.value) == []


async def test_an_outer_timeout_on_a_job_creation_logs_that_the_job_may_exist(
    router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """AsyncClient under anyio.fail_after: the cancellation (the TimeoutError's cause) carries the
    note, and the warning is logged even when the caller's scope swallows it (move_on_after)."""

    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        raise AssertionError("the outer timeout did not cancel the request")

    router.post("/v1/identify").mock(side_effect=hang)
    async with AsyncClient(api_key=API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
            with pytest.raises(TimeoutError) as caught:
                with anyio.fail_after(0.05):
                    await client.identify(AUDIO_URL, {"Alice": "QUJD"})
            cancelled = caught.value.__cause__ or caught.value.__context__
            assert cancelled is not None and "may exist and be billed" in _notes(cancelled)[0]
            with anyio.move_on_after(0.05):
                await client.identify(AUDIO_URL, {"Alice": "QUJD"})
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2 and all("POST /v1/identify was interrupted" in text for text in warnings)


async def test_create_voiceprint_interrupted_while_waiting_names_the_job_it_created(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """The voiceprint job was created and billed; the caller has no handle on it: the note and the
    warning give its id and the call that resumes it."""
    router.post("/v1/voiceprint").respond(200, json={"jobId": JOB_ID, "status": "created"})
    polls: list[httpx.Request] = []

    def running_then_interrupted(request: httpx.Request) -> httpx.Response:
        polls.append(request)
        return job_response("running") if len(polls) == 1 else _interrupt(request)

    router.get(JOB_PATH).mock(side_effect=running_then_interrupted)
    with caplog.at_level(logging.INFO, logger="pyannoteai_identify"), pytest.raises(KeyboardInterrupt) as caught:
        await api.create_voiceprint(AUDIO_URL)
    (note,) = _notes(caught.value)
    assert f"voiceprint job {JOB_ID} was created" in note and f"wait({JOB_ID!r})" in note
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"voiceprint job {JOB_ID} created", note]


async def test_create_voiceprint_failing_while_waiting_names_the_job_it_created(
    make_api: Callable[..., Api], router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """A poll that fails for good (here 401) loses the job the same way: its error gets the note;
    an error that already names the job (a failed job) gets none. An ordinary error reaches the
    caller, who logs it with its note: no warning is logged besides, only the job's INFO line
    (the warning is for an interruption, which may never be logged by anyone)."""
    api = make_api(max_retries=0)
    router.post("/v1/voiceprint").respond(200, json={"jobId": JOB_ID, "status": "created"})
    router.get(JOB_PATH).mock(side_effect=[job_response("running"), httpx.Response(401, json={"message": "bad key"})])
    with caplog.at_level(logging.INFO, logger="pyannoteai_identify"), pytest.raises(AuthenticationError) as caught:
        await api.create_voiceprint(AUDIO_URL)
    assert any(f"wait({JOB_ID!r})" in note for note in _notes(caught.value))
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("INFO", f"voiceprint job {JOB_ID} created")
    ]

    router.get(JOB_PATH).mock(return_value=job_response("failed", {"error": "Could not load audio"}))
    with pytest.raises(JobFailedError) as failed:
        await api.create_voiceprint(AUDIO_URL)
    assert JOB_ID in str(failed.value) and _notes(failed.value) == []


async def test_create_voiceprint_failing_in_the_callers_transport_names_the_job_it_created(
    api: Api, router: respx.Router
) -> None:
    """An exception that the caller's own transport or event hook raises while a poll is in flight
    (a proxy's client refusing, a hook's raise_for_status) left the billed voiceprint job without
    an id: it gets the note too, and is raised as it was, with its own traceback."""
    router.post("/v1/voiceprint").respond(200, json={"jobId": JOB_ID, "status": "created"})

    def refused_by_a_hook(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("blocked by the egress policy")

    router.get(JOB_PATH).mock(side_effect=refused_by_a_hook)
    with pytest.raises(RuntimeError, match="egress policy") as caught:
        await api.create_voiceprint(AUDIO_URL)
    (note,) = _notes(caught.value)
    assert f"voiceprint job {JOB_ID} was created" in note and f"wait({JOB_ID!r})" in note
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert frames[-1].name == "refused_by_a_hook"
    assert [frame.name for frame in frames if Path(frame.filename).name.startswith("_flows")] in (["drive"], ["adrive"])


async def test_a_created_job_is_logged_at_info_with_its_id(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """Operators find the id of every job a service created in its logs, whatever became of the call."""
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    with caplog.at_level(logging.INFO, logger="pyannoteai_identify"):
        await api.identify(AUDIO_URL, {"Alice": "QUJD"})
    assert [record.getMessage() for record in caplog.records] == [f"identify job {JOB_ID} created"]


@contextmanager
def _storage_that_stalls() -> Iterator[str]:
    """A presigned-upload URL on 127.0.0.1 whose server reads the first bytes of the body, then
    nothing more (for at most 5 s, or until the test is done)."""
    done = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(5)

        def serve() -> None:
            with contextlib.suppress(OSError), listener.accept()[0] as connection:
                connection.recv(65536)
                done.wait(5)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{listener.getsockname()[1]}/upload/a.wav?X-Signature=s1g"
        finally:
            done.set()
            thread.join(10)


@pytest.mark.needs_trio
def test_an_upload_cancelled_mid_body_under_trio_leaves_no_generator_to_finalise(tmp_path: Path) -> None:
    """Under trio (which, unlike asyncio, does not finalise abandoned async generators), an upload
    cut off mid-body left the chunk generator unclosed: a ResourceWarning when collected, an error
    in a suite run with -W error::ResourceWarning. The body is read by an iterator object instead."""
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"\0" * (3 * CHUNK_SIZE))
    router = respx.Router(base_url=BASE_URL, assert_all_mocked=True)

    async def upload(presigned: str) -> None:
        router.post("/v1/media/input").respond(201, json={"url": presigned})
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(router.async_handler),
            mounts={presigned.split("/upload")[0]: httpx.AsyncHTTPTransport()},
        )
        async with http, AsyncClient(api_key=API_KEY, base_url=BASE_URL, http_client=http) as client:
            with anyio.move_on_after(0.3) as scope:
                await client.upload(audio)
            assert scope.cancelled_caught

    gc.collect()  # what earlier tests left to the collector is not this test's to answer for
    with warnings.catch_warnings(record=True) as caught, _storage_that_stalls() as presigned:
        warnings.simplefilter("always")
        anyio.run(upload, presigned, backend="trio")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_a_status_callback_that_schedules_a_task_is_accepted(router: respx.Router) -> None:
    """`on_status=lambda job: asyncio.create_task(handle(job))` is what the refusal of an async
    callback recommends: the Task it returns is already running, and is not refused as a coroutine
    that would never run is."""
    router.get(JOB_PATH).mock(side_effect=[job_response("running"), job_response("succeeded", {"voiceprint": "QUJD"})])
    handled: list[str] = []

    async def handle(job: Job[Result]) -> None:
        handled.append(str(job.status))

    async with AsyncClient(
        api_key=API_KEY, transport=httpx.MockTransport(router.async_handler), sleep=lambda seconds: anyio.sleep(0)
    ) as client:
        result = await client.wait(JOB_ID, kind="voiceprint", on_status=lambda job: asyncio.create_task(handle(job)))
        await anyio.sleep(0)
    assert isinstance(result, VoiceprintResult)
    assert handled == ["running", "succeeded"]


async def test_a_job_creation_refused_before_sending_logs_nothing_about_a_job(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A closed client raises before anything is sent; the flow it ends is closed (GeneratorExit),
    which is no interruption of a request in flight: no warning that a job may exist."""
    await api.close()
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), pytest.raises(ConfigurationError):
        await api.identify(AUDIO_URL, {"Alice": "QUJD"})
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), pytest.raises(ConfigurationError):
        await api.create_voiceprint(AUDIO_URL)
    assert caplog.records == []


# --- close() while another thread or task waits ---------------------------------------------------


@pytest.mark.parametrize("with_broker", [False, True], ids=["sleeping", "on-a-broker"])
def test_close_ends_a_wait_in_another_thread_and_says_how_to_resume(with_broker: bool) -> None:
    """A service shutting down closes its client while a thread waits for a job: the thread slept
    out its gap (up to 5 minutes), between polls or on its webhook broker, before it saw the client
    closed. It ends at once, and the error says how to take the wait up again."""
    from pyannoteai_identify import Client, PollSchedule
    from pyannoteai_identify.receiver import WebhookBroker

    polled = threading.Event()
    client = Client(
        API_KEY,
        base_url=BASE_URL,
        transport=running_after_the_first_poll(polled.set),
        poll_schedule=PollSchedule(initial=120, maximum=300),
    )
    raised: list[BaseException] = []

    broker = WebhookBroker() if with_broker else None

    def wait() -> None:
        try:
            client.wait(JOB_ID, timeout=3600, broker=broker)
        except BaseException as error:
            raised.append(error)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    assert polled.wait(10)
    if broker is not None:
        deadline = time.monotonic() + 10
        while JOB_ID not in broker._waiters and time.monotonic() < deadline:
            time.sleep(0.01)  # until the thread waits on the broker, not before it
        assert JOB_ID in broker._waiters
    client.close()
    waiter.join(30)  # a bound for a broken build; the 120 s gap is what it must not sleep out

    assert not waiter.is_alive()
    (error,) = raised
    assert isinstance(error, ConfigurationError) and "is closed" in str(error)
    assert f"job {JOB_ID} was being waited for: wait({JOB_ID!r}) on a new client resumes it" in error.__notes__


@pytest.mark.parametrize("with_broker", [False, True], ids=["sleeping", "on-a-broker"])
async def test_aclose_ends_a_wait_in_another_task_sleeping_or_on_a_broker(with_broker: bool) -> None:
    """The async twin: aclose() ends a wait that sleeps between polls, or that waits on a webhook
    broker (four times longer gaps), in another task, at once."""
    from pyannoteai_identify import PollSchedule
    from pyannoteai_identify.receiver import WebhookBroker

    polled = anyio.Event()
    client = AsyncClient(
        API_KEY,
        base_url=BASE_URL,
        transport=running_after_the_first_poll(polled.set),
        poll_schedule=PollSchedule(initial=120, maximum=300),
    )
    broker = WebhookBroker() if with_broker else None

    error = await aclose_in_the_gap_of(client, lambda: client.wait(JOB_ID, timeout=3600, broker=broker), polled)
    assert isinstance(error, ConfigurationError) and "is closed" in str(error)
    assert f"job {JOB_ID} was being waited for: wait({JOB_ID!r}) on a new client resumes it" in error.__notes__


@pytest.mark.parametrize("call", ["get_job", "identify", "upload"])
def test_close_by_another_thread_just_before_a_request_is_sent_raises_the_sdks_error(
    call: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A service shutting down closes the client its thread pool shares: a thread that had checked
    the client open, and was about to send, got httpx's bare ``RuntimeError('Cannot send a request,
    as the client has been closed.')``, which an ``except PyannoteAIError`` does not catch; for a
    job-creating request it came with a note that the job may exist and be billed, though nothing
    was sent. It is the SDK's ConfigurationError, saying nothing was sent."""
    import os

    from pyannoteai_identify import Client, PyannoteAIError

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client = Client(API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(answer))
    real_getpid = os.getpid

    def closed_by_another_thread() -> int:
        client.close()  # as another thread does, right after this one checked the client open
        return real_getpid()

    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 100)
    calls: dict[str, Callable[[], object]] = {
        "get_job": lambda: client.get_job(JOB_ID),
        "identify": lambda: client.identify("https://example.com/a.wav", {"alice": "x" * 20}),
        "upload": lambda: client.upload(audio),
    }
    monkeypatch.setattr(os, "getpid", closed_by_another_thread)
    with pytest.raises(PyannoteAIError) as raised:
        calls[call]()
    monkeypatch.undo()

    assert isinstance(raised.value, ConfigurationError) and "closed" in str(raised.value)
    assert not any("billed" in note for note in getattr(raised.value, "__notes__", ()))
    assert sent == []


def test_aclose_on_a_new_loop_does_not_reach_into_a_wait_left_on_a_closed_loop() -> None:
    """One client across event loops (a second asyncio.run, as the client supports): a wait left
    pending on a loop that was closed kept its cancel scope registered, and aclose() on the next
    loop cancelled it there: the dead task's loop answered RuntimeError('Event loop is closed')."""
    from pyannoteai_identify import PollSchedule

    client = AsyncClient(
        API_KEY,
        base_url=BASE_URL,
        transport=running_after_the_first_poll(lambda: None),
        poll_schedule=PollSchedule(initial=120, maximum=300),
    )
    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(client.wait(JOB_ID, timeout=3600))
        loop.run_until_complete(asyncio.sleep(0.1))  # the wait is now in its 120 s gap
    finally:
        loop.close()  # the wait is left pending with its loop
    assert not task.done()

    anyio.run(client.aclose)  # the loop of the abandoned wait is gone: nothing to end there
