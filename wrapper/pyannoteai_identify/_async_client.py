"""``AsyncClient``: the asynchronous client, a thin I/O shell that runs the flows of ``_flows`` with
``await``, on asyncio or trio (its checks and flows are those of ``_BaseClient``, in ``_client_base``;
its job list, ``_AsyncListing``'s, in ``_listing``; its lifecycle, ``_AsyncLifecycle``'s, in
``_async_lifecycle``)."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal, TypeVar, Unpack, overload

import anyio
import anyio.to_thread
import httpx

from . import _core, _flows, _fork, _timing
from ._async_lifecycle import _AsyncLifecycle
from ._bounded import aread_body, body_budget
from ._client_base import (
    OnDiarizationStatus,
    OnIdentifyStatus,
    OnStatus,
    OnVoiceprintStatus,
)
from ._client_checks import timeout_or_http_clients
from ._core import JobSummary
from ._lazy_module import lazy_module
from ._listing import _AsyncListing
from ._polling import PollSchedule
from ._retry import RetryPolicy
from ._sync_client import Client
from ._twin_doc import _doc_from
from ._upload import FileChunks, ProgressCallback, aopened, presigned_url_hidden
from ._validation import AudioSource, Matching, Voiceprint
from .results import DiarizationResult, IdentifyResult, Job, JobKind, R, Result, VoiceprintResult

# identify_batch's annotations spell out pyannoteai_identify.batch, where its types are imported
# from, so help() and Sphinx show that path. Bound for typing.get_type_hints: batch imports the
# clients, so a stand-in for the package reads pyannoteai_identify.batch when a hint is resolved.
if TYPE_CHECKING:
    import pyannoteai_identify.batch
    import pyannoteai_identify.receiver
else:
    pyannoteai_identify = lazy_module("pyannoteai_identify")


__all__ = ["AsyncClient"]

T = TypeVar("T")


#: Response bodies larger than this are parsed by AsyncClient in a worker thread (a thread hop costs
#: ~0.1 ms; parsing 1 MiB of output, a few ms). Only the Python-level part leaves the event loop
#: free: the JSON decoder holds the GIL for its whole call (~17 ms per MB with orjson).
PARSE_OFF_LOOP_BYTES = 1024 * 1024


async def _checked_off_loop(audio: object, check: Callable[..., _flows.Flow[T]], *args: Any) -> _flows.Flow[T]:
    """``check(*args)`` (an argument check that returns the flow to run) in a worker thread, unless
    *audio* is a URL: local audio is checked on the file system (``os.stat``, the WAV header, a file
    object's ``read(0)``, ``tell`` and ``seek``), which must not hold up the event loop's other tasks.
    The checks and their order are those of ``Client``'s: the thread runs the same function.

    A file object is the caller's: a cancelled call returns once the check is done with it
    (``run_settled``), never while a worker thread still reads and seeks it. A path is opened by
    the check itself, and a cancellation does not wait for it (a network file system may hang)."""
    if isinstance(audio, str) and "://" in audio:
        return check(*args)
    if isinstance(audio, str | os.PathLike):
        return await anyio.to_thread.run_sync(check, *args)
    from ._settled_call import run_settled  # here, not at the top: importing the package must stay lean

    return await run_settled(functools.partial(check, *args))


class AsyncClient(_AsyncListing, _AsyncLifecycle):
    """Asynchronous twin of :class:`Client`: the same methods, as coroutines, on asyncio or trio.

    Args are those of :class:`Client`, with an ``httpx.AsyncClient``, an async transport and an
    async *sleep*.

    Pooled connections belong to the event loop that opened them. Used on another loop later (a
    second ``asyncio.run``, a forked child), a client that built its own pool starts a new one; with
    an ``http_client`` or ``transport`` of yours, that is yours to do. Use one client per event loop
    at a time: one shared by loops running at once in several threads is not supported. A nested
    ``async with`` on a client already entered is refused (``ConfigurationError``), as with ``Client``.
    ``with_options`` (not awaited) gives a client sharing this one's pool of each loop, as
    ``Client.with_options`` does. ``rate_limit`` (a property, not awaited) is ``Client.rate_limit``.
    """

    _http: httpx.AsyncClient
    _root: AsyncClient

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        wall: Callable[[], float] | None = None,
        app_info: str | None = None,
    ) -> None:
        if clock is None and sleep is None and (timing := _timing.current()) is not None:
            clock, sleep = timing.clock, timing.async_sleep  # a test double's virtual time (pyannoteai_mock)
            wall = wall or timing.wall  # its server dates are on its own (virtual) wall time
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout_or_http_clients(timeout, http_client),
            max_retries=max_retries,
            retry_policy=retry_policy,
            poll_schedule=poll_schedule,
            clock=clock,
            sleep_given=sleep is not None,
            wall=wall,
            app_info=app_info,
        )
        self._check_http(http_client, transport, httpx.AsyncClient, httpx.AsyncBaseTransport)
        self._check_no_proxy(http_client, transport)
        self._owns_http = http_client is None
        self._http = http_client or self._new_http(transport)
        self._rebuilds_per_loop = http_client is None and transport is None
        self._loop: object = None  # the event loop (asyncio) or run (trio) the pool's sockets belong to
        self._loop_closer: AsyncGenerator[None, None] | None = None  # closes the pool as that loop ends
        self._sleep = sleep or anyio.sleep
        # The sleeps and broker waits aclose() ends, with the event loop each runs on.
        self._waiting: dict[anyio.CancelScope, object] = {}
        _fork.register(self)  # last: a forked child makes the throttle's lock anew (see _after_fork_in_child)

    async def _run(self, flow: _flows.Flow[T]) -> T:
        return await _flows.adrive(flow, self._perform)

    async def _aread(self, response: httpx.Response, seconds: float | None = None) -> httpx.Response:
        """The body of a streamed response, read within the size cap and the time budget (at most *seconds*)."""
        return await aread_body(response, budget=body_budget(self._settings.timeout, seconds), clock=self._ctx.clock)

    async def _perform(self, step: _flows.Step) -> Any:
        self._check_open()
        await self._check_loop()
        if isinstance(step, _flows.Send):
            # auth=None: the key authenticates; a caller's http_client auth would replace it.
            # follow_redirects=False: the API's redirect is an error, whatever the http_client follows.
            response = await self._asend(step.request, follow_redirects=False)
            try:
                return await self._aread(response, step.body_seconds)
            finally:  # its headers had arrived, whether its body was read or lost
                step.heard(response)
        if isinstance(step, _flows.Parse):
            if step.size > PARSE_OFF_LOOP_BYTES:
                return await anyio.to_thread.run_sync(step.run)
            return step.run()
        if isinstance(step, _flows.Sleep):
            with self._cut_short_by_aclose():
                await self._sleep(step.seconds)
            return None
        if isinstance(step, _flows.Upload):
            # Opened (and put back, and closed) in worker threads, as its chunks are read: a disk's wait
            # never holds up the event loop's other tasks.
            async with aopened(step.audio) as file:
                with presigned_url_hidden(step.url):
                    return await self._upload_body(step, file)
        event = None  # stays None when aclose() cuts the wait short
        with self._cut_short_by_aclose():
            event = await step.broker.wait_async(step.job_id, step.timeout)
        return event

    async def _upload_body(self, step: _flows.Upload, file: IO[bytes]) -> httpx.Response:
        """Stream *file* to the presigned URL; its chunks are read in worker threads (:class:`FileChunks`)."""
        body = FileChunks(file, step.audio.size, step.progress)
        try:
            # auth=None: the presigned URL carries its own; the caller's credentials stay off storage.
            request = self._upload_request(step, body)
            return await self._aread(await self._asend(request))
        finally:
            # A read still running ends first: a seekable file object is put back where it was next, a
            # path's file is closed next. A pipe's read could last for ever: it is not waited for.
            if step.audio.start is not None or step.audio.path is not None:
                await body.settle()

    async def _asend(self, request: httpx.Request, **options: Any) -> httpx.Response:
        """Send *request* streamed, with no auth of the http_client's.

        aclose() in another task while this one waited on a worker thread (the upload's file opened
        there) makes httpx refuse to send (a bare RuntimeError): that is the SDK's
        ConfigurationError, and nothing was sent.
        """
        try:
            return await self._root._http.send(request, stream=True, auth=None, **options)
        except RuntimeError:
            if not self._closed:
                raise
        raise self._closed_before_sending(request, "task")

    @_doc_from(Client.test)
    async def test(self) -> _core.KeyStatus:
        return await self._run(self._test_flow())

    @_doc_from(Client.upload)
    async def upload(
        self, audio: AudioSource, key: str | None = None, *, on_progress: ProgressCallback | None = None
    ) -> str:
        return await self._run(await _checked_off_loop(audio, self._upload_call_flow, audio, key, on_progress))

    @_doc_from(Client.identify)
    async def identify(
        self,
        audio: AudioSource,
        voiceprints: Mapping[str, str] | Sequence[Voiceprint],
        *,
        num_speakers: int | None = None,
        matching: Matching | Mapping[str, Any] | None = None,
        confidence: bool = False,
        exclusive: bool = False,
        turn_level_confidence: bool = False,
        webhook: str | None = None,
        webhook_status_only: bool = False,
        model: str | None = None,
        media_key: str | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> Job[IdentifyResult]:
        return await self._run(
            await _checked_off_loop(
                audio,
                functools.partial(
                    self._identify_flow,
                    audio,
                    voiceprints,
                    num_speakers=num_speakers,
                    matching=matching,
                    confidence=confidence,
                    exclusive=exclusive,
                    turn_level_confidence=turn_level_confidence,
                    webhook=webhook,
                    webhook_status_only=webhook_status_only,
                    model=model,
                    media_key=media_key,
                    on_upload_progress=on_upload_progress,
                ),
            )
        )

    @_doc_from(Client.submit_voiceprint)
    async def submit_voiceprint(
        self,
        audio: AudioSource,
        *,
        webhook: str | None = None,
        webhook_status_only: bool = False,
        media_key: str | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> Job[VoiceprintResult]:
        return await self._run(
            await _checked_off_loop(
                audio,
                functools.partial(
                    self._submit_voiceprint_flow,
                    audio,
                    webhook=webhook,
                    webhook_status_only=webhook_status_only,
                    media_key=media_key,
                    on_upload_progress=on_upload_progress,
                ),
            )
        )

    @_doc_from(Client.create_voiceprint)
    async def create_voiceprint(
        self,
        audio: AudioSource,
        *,
        timeout: float | None = None,
        on_status: OnVoiceprintStatus | None = None,
        media_key: str | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> str:
        return await self._run(
            await _checked_off_loop(
                audio,
                functools.partial(
                    self._create_voiceprint_flow,
                    audio,
                    timeout=timeout,
                    on_status=on_status,
                    media_key=media_key,
                    on_upload_progress=on_upload_progress,
                ),
            )
        )

    @overload
    async def get_job(self, job_id: Job[R], *, kind: JobKind | None = ...) -> Job[R]: ...
    @overload
    async def get_job(self, job_id: JobSummary | str, *, kind: Literal["identify"]) -> Job[IdentifyResult]: ...
    @overload
    async def get_job(self, job_id: JobSummary | str, *, kind: Literal["voiceprint"]) -> Job[VoiceprintResult]: ...
    @overload
    async def get_job(self, job_id: JobSummary | str, *, kind: Literal["diarization"]) -> Job[DiarizationResult]: ...
    @overload
    async def get_job(self, job_id: JobSummary | str, *, kind: None = ...) -> Job[Result]: ...
    @_doc_from(Client.get_job)
    async def get_job(self, job_id: Job[Any] | JobSummary | str, *, kind: JobKind | None = None) -> Job[Any]:
        return await self._run(self._get_job_flow(job_id, kind))

    async def identify_batch(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        voiceprints: Mapping[str, str] | Sequence[Voiceprint],
        *,
        manifest: str | os.PathLike[str],
        out: str | os.PathLike[str],
        **options: Unpack[pyannoteai_identify.batch.BatchOptions],
    ) -> pyannoteai_identify.batch.BatchReport:
        """Identify speakers in many inputs, resumably and never billing an input twice.

        Inputs are files, folders (searched for audio), URLs or text files listing them; state
        lives in the SQLite *manifest*, results go to *out*. Options and resume semantics are
        those of :func:`pyannoteai_identify.batch.identify_batch` (docs/batch.md).
        """
        from .batch import aidentify_batch

        return await aidentify_batch(self, inputs, voiceprints, manifest=manifest, out=out, **options)

    @overload
    async def wait(
        self,
        job: Job[R],
        *,
        timeout: float | None = ...,
        on_status: Callable[[Job[R]], object] | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> R: ...
    @overload
    async def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnIdentifyStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: Literal["identify"],
    ) -> IdentifyResult: ...
    @overload
    async def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnVoiceprintStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: Literal["voiceprint"],
    ) -> VoiceprintResult: ...
    @overload
    async def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnDiarizationStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: Literal["diarization"],
    ) -> DiarizationResult: ...
    @overload
    async def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> Result: ...
    @_doc_from(Client.wait)
    async def wait(
        self,
        job: Job[Any] | JobSummary | str,
        *,
        timeout: float | None = None,
        on_status: Callable[[Job[Any]], object] | None = None,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = None,
        kind: JobKind | None = None,
    ) -> Any:
        return await self._run(self._wait_flow(job, timeout=timeout, on_status=on_status, broker=broker, kind=kind))
