"""``Client``: the synchronous client, a thin I/O shell that runs the flows of ``_flows`` with
blocking calls (its checks and flows are those of ``_BaseClient``, in ``_client_base``; its job list,
``_SyncListing``'s, in ``_listing``; its lifecycle, ``_SyncLifecycle``'s, in ``_sync_lifecycle``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack, overload

import httpx

from . import _core, _flows, _fork, _timing
from ._bounded import body_budget, read_body
from ._broker_waiters import _ThreadWaiter
from ._client_base import (
    OnDiarizationStatus,
    OnIdentifyStatus,
    OnStatus,
    OnVoiceprintStatus,
)
from ._client_checks import timeout_or_http_clients
from ._core import JobSummary
from ._lazy_module import lazy_module
from ._listing import _SyncListing
from ._polling import PollSchedule
from ._retry import RetryPolicy
from ._sync_lifecycle import _SyncLifecycle
from ._upload import FileChunks, ProgressCallback, opened, presigned_url_hidden
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


__all__ = ["Client"]

T = TypeVar("T")

#: The real ``time.sleep``: a wait sleeps on an Event that close() sets instead, unless a test patched it.
_TIME_SLEEP = time.sleep


class Client(_SyncListing, _SyncLifecycle):
    """Synchronous pyannoteAI client: identify speakers, manage voiceprints, wait for jobs.

    Args:
        api_key: the API key; defaults to ``PYANNOTEAI_API_KEY``.
        base_url: the API's root (a str or an ``httpx.URL``), without a version (the client adds
            ``/v1``; a URL ending in one, as the official SDK's ``API_URL`` does, is refused); defaults
            to ``PYANNOTEAI_BASE_URL``, then ``https://api.pyannote.ai`` (an empty one is refused, not
            taken as the default). Plain http is
            accepted only for loopback hosts (the sandbox), so the key never travels in clear; for a
            loopback host, proxy variables (``HTTP_PROXY``, ...) are ignored for the same reason
            (``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` are still read, as for any other host).
        timeout: seconds (or an ``httpx.Timeout``) for each HTTP request; default 30 s, 10 s to
            connect, or the timeout an ``http_client`` was built with (other than httpx's 5 s default).
        max_retries: retries of a safe read on connection errors, timeouts, 429 and 502/503/504;
            default 3, or ``retry_policy.max_retries`` when a policy is given (a different value beside
            a policy is refused). Requests that create a job are never retried.
        http_client: an ``httpx.Client`` to use (proxies, custom TLS); it is not closed by ``close()``.
            For a plain-http (loopback) base URL, one that would use a proxy is refused.
        transport: an httpx transport for the client this one creates (tests, mocks).
        retry_policy, poll_schedule: override the backoff and the polling schedule.
        clock, sleep: a monotonic clock and a sleep function, for simulations and tests. Given
            both, a wait with a webhook broker sleeps its gaps with *sleep* too, looking at the
            broker before and after each (a delivery during a gap ends the wait at its end).
            Given neither, a client built while the testing plugin's ``pyannoteai_mock`` fixture
            is active takes the mock's virtual clock and sleep (its waits take no real time);
            otherwise it waits in real time (``time.monotonic``, ``time.sleep``).
        wall: the Unix time (default ``time.time``) a server's dates are read against: a
            ``Retry-After`` given as an HTTP date (the waits, and ``RateLimitError.retry_after``),
            ``X-RateLimit-Reset``, ``Date``. For a simulation
            whose server stamps its own (virtual) time; a client on the ``pyannoteai_mock`` fixture's
            clock, as ``MockAPI.client()`` builds, reads them on the mock's wall time.
        app_info: your application, named in the User-Agent of every API request after the SDK's
            own tokens, as stripe-python's ``set_app_info``: product tokens such as
            ``"acme-dubbing/2.1"`` (``name`` or ``name/version``, separated by single spaces, 200
            characters at most), so the API's support can tell your integration's requests apart;
            never the API key (refused). Kept by the clients ``with_options`` makes.

    Raises:
        ConfigurationError: no API key, a key that cannot be sent in a header, or a base URL,
            timeout, retry setting or app_info that cannot be used (each message says which, never the key).

    One client may be shared by threads. In a process forked after it was made (gunicorn
    ``--preload``, multiprocessing's fork), a client that built its own connection pool starts a
    new one before its first request there; with an ``http_client`` or ``transport`` of yours, the
    pool is yours to replace. The client's locks are made anew there too, so a fork while another
    thread holds one (a request in flight) cannot leave the child waiting for it. Either way, an
    answer about another job than the one asked for is refused (``InvalidResponseError``), never
    returned as that job's. A client cannot be pickled
    or copied (``TypeError``): create one in each process.

    ``with client:`` closes the client at the block's end. Entering a client already open in a
    ``with`` block again (a nested ``with``) is refused with ``ConfigurationError``, as httpx refuses
    it: the inner block's end would close the client under the outer one.

    ``client.with_options(timeout=..., max_retries=...)`` gives a client for calls with other
    settings that shares this one's connections, key, clock and rate-limit throttle (see
    :meth:`with_options`); closing this client ends it too.

    ``client.rate_limit`` is the API's rate-limit headers (limit, remaining, reset) of the latest
    answer that carried any of them, a success's too (see :attr:`rate_limit`).
    """

    _http: httpx.Client
    _root: Client

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        wall: Callable[[], float] | None = None,
        app_info: str | None = None,
    ) -> None:
        if clock is None and sleep is None and (timing := _timing.current()) is not None:
            clock, sleep = timing.clock, timing.sleep  # a test double's virtual time (pyannoteai_mock)
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
        self._check_http(http_client, transport, httpx.Client, httpx.BaseTransport)
        self._check_no_proxy(http_client, transport)
        self._owns_http = http_client is None
        self._http = http_client or self._new_http(transport)
        # A forked child must not read its parent's answers from the pooled sockets both hold: a
        # pool this client built entirely is replaced in the child before its first request.
        self._rebuilds_after_fork = http_client is None and transport is None
        self._own_state(sleep)
        _fork.register(self)  # last: a forked child makes these locks anew (see _after_fork_in_child)

    def _run(self, flow: _flows.Flow[T]) -> T:
        return _flows.drive(flow, self._perform)

    def _read(self, response: httpx.Response, seconds: float | None = None) -> httpx.Response:
        """The body of a streamed response, read within the size cap and the time budget (at most *seconds*)."""
        return read_body(response, budget=body_budget(self._settings.timeout, seconds), clock=self._ctx.clock)

    def _perform(self, step: _flows.Step) -> Any:
        self._check_open()
        self._check_process()
        if isinstance(step, _flows.Send):
            # auth=None: the key authenticates; a caller's http_client auth would replace it.
            # follow_redirects=False: the API's redirect is an error, whatever the http_client follows.
            response = self._send(step.request, follow_redirects=False)
            try:
                return self._read(response, step.body_seconds)
            finally:  # its headers had arrived, whether its body was read or lost
                step.heard(response)
        if isinstance(step, _flows.Parse):
            return step.run()
        if isinstance(step, _flows.Sleep):
            if self._sleep is not None:
                self._sleep(step.seconds)
            elif time.sleep is _TIME_SLEEP:
                self._closing.wait(step.seconds)  # time.sleep that close() cuts short
            else:
                time.sleep(step.seconds)  # patched (a test's): its patch is obeyed
            return None
        if isinstance(step, _flows.Upload):
            with opened(step.audio) as file, presigned_url_hidden(step.url):
                body = FileChunks(file, step.audio.size, step.progress)
                # auth=None: the presigned URL carries its own; the caller's credentials stay off storage.
                return self._read(self._send(self._upload_request(step, body)))
        return self._wait_on_broker(step)

    def _send(self, request: httpx.Request, **options: Any) -> httpx.Response:
        """Send *request* streamed, with no auth of the http_client's.

        close() in another thread after this one checked the client open makes httpx refuse to
        send (a bare RuntimeError): that is the SDK's ConfigurationError, and nothing was sent.
        """
        try:
            return self._root._http.send(request, stream=True, auth=None, **options)
        except RuntimeError:
            if not self._closed:
                raise
        raise self._closed_before_sending(request, "thread")

    def _wait_on_broker(self, step: _flows.AwaitWebhook) -> Any:
        """A broker's wait, which close() ends at once when the broker is a ``WebhookBroker`` (a
        broker of your own, or one whose ``wait`` is overridden, is waited for as it says)."""
        from .receiver import _BROKER_WAIT

        wait = step.broker.wait
        if getattr(wait, "__func__", None) is not _BROKER_WAIT:  # overridden, or patched (a test's): obeyed
            return wait(step.job_id, step.timeout)
        waiter = _ThreadWaiter()
        with self._broker_lock:
            if self._closing.is_set():
                return None  # the next step says that the client is closed
            self._broker_waiters.add(waiter)
        try:
            return step.broker._wait_as(waiter, step.job_id, step.timeout)
        finally:
            with self._broker_lock:
                self._broker_waiters.discard(waiter)

    def test(self) -> _core.KeyStatus:
        """Check the API key with ``GET /v1/test`` (bills nothing).

        Returns:
            the API's answer (``status`` and ``message``).
        Raises:
            AuthenticationError: 401, the key is wrong (check ``PYANNOTEAI_API_KEY``).
            APIError: another refusal (``RateLimitError``, ``ServerError``, …) after the retries.
            APIConnectionError: no response after the retries (``APITimeoutError``: none in time).
        """
        return self._run(self._test_flow())

    def upload(self, audio: AudioSource, key: str | None = None, *, on_progress: ProgressCallback | None = None) -> str:
        """Stream a local file or binary file object to the media API; return its ``media://`` URL.

        Args:
            audio: a path or a binary file object (read in 1 MiB chunks, never whole). A seekable
                file object is read from its current position and put back there afterwards, so a
                failed upload can be made again with the same object. A stream that cannot seek (a
                pipe, a socket) is sent without Content-Length, cannot be sent again, and with
                ``AsyncClient`` is read in a worker thread that a cancellation does not interrupt.
                ``AsyncClient`` checks, opens, reads and closes local audio in worker threads,
                never on the event loop.
            key: the object key (``meetings/call.wav`` or ``media://meetings/call.wav``); default: unique,
                ending with the file's name (``audio`` for a file object with none, or opened on a descriptor).
            on_progress: called with (bytes sent, total bytes or None) after each chunk.

        Raises:
            ValidationError: before any request: a missing, empty or oversized file, a bad key.
            APIError: the media API or the storage refused (the object was not stored); a 429
                of either is a ``RateLimitError`` whose ``retry_after`` is the server's
                ``Retry-After`` (an HTTP date read on the client's ``wall`` time).
            APIConnectionError: the upload was cut; upload again.
            OSError: the file could not be read (a disk error): raised as it is, a note naming the
                file and saying that it was not stored (``identify()`` adds that no job was created).
        """
        return self._run(self._upload_call_flow(audio, key, on_progress))

    def identify(
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
        """Submit an identify job (uploading local audio first) and return its handle; billed once.

        Args:
            audio: an http(s) URL, a ``media://`` URL, a local path or a binary file object.
            voiceprints: label → voiceprint, or a sequence of ``Voiceprint``: as many as the contract's
                limits allow (``_validation.MIN_VOICEPRINTS`` to ``MAX_VOICEPRINTS``, from openapi.yaml).
            num_speakers: one of the contract's ``numSpeakers`` values (``_validation.NUM_SPEAKERS_VALUES``)
                when known; None detects the number automatically.
            matching: ``Matching(exclusive=..., threshold=...)``; None keeps the API's defaults.
            confidence: also return frame-level diarization confidence.
            exclusive: also return exclusive (non-overlapping) diarization.
            turn_level_confidence: add a confidence map to each turn.
            webhook: an http(s) URL that receives the result when the job ends.
            webhook_status_only: deliver only the job id and status to the webhook.
            model: the diarization model, such as ``"precision-2"``; None leaves the choice to the
                API (its default: ``precision-2``). Any non-empty name is sent as given: the API judges it.
            media_key: the object key of the upload, for local audio.
            on_upload_progress: upload progress callback (bytes sent, total).

        Raises:
            ValidationError: before any request, for any argument the API would refuse.
            BadRequestError, AuthenticationError, PaymentRequiredError, RateLimitError: the API
                refused the job (400, 401, 402, 429); no job was created.
            ServerError: a 5xx answer to the job's request: the job may exist (see ``jobs()``), so
                it is not resubmitted (its ``hint`` says so). A 5xx while local audio is uploaded
                first (from the media API, or from the storage to the PUT) comes before the job is
                asked for: no job exists; submit again later (the ``hint`` of a failed PUT says how).
            APIError: the media API or the storage refused the upload of local audio (an expired
                signature); no job exists.
            APIConnectionError: if the job's request lost its response; the job may exist (see
                ``jobs()``), so this request is never retried automatically. When it was not sent
                (``request_sent`` is False), or the upload of local audio was cut, no job exists.
        """
        return self._run(
            self._identify_flow(
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
            )
        )

    def submit_voiceprint(
        self,
        audio: AudioSource,
        *,
        webhook: str | None = None,
        webhook_status_only: bool = False,
        media_key: str | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> Job[VoiceprintResult]:
        """Submit a voiceprint job for one speaker; return its handle (billed once).

        The audio may last at most 30 s: the contract's limit (``x-max-duration-seconds`` of
        ``VoiceprintRequest.url``, read as ``_validation.MAX_VOICEPRINT_AUDIO_SECONDS``).

        Args:
            audio: an http(s) URL, a ``media://`` URL, a local path or a binary file object.
            webhook: an http(s) URL that receives the result when the job ends.
            webhook_status_only: deliver only the job id and status to the webhook.
            media_key: the object key of the upload, for local audio.
            on_upload_progress: upload progress callback (bytes sent, total).

        Raises:
            ValidationError: before any request (a local WAV over the contract's duration limit included).
            APIError, APIConnectionError: as for :meth:`identify`; the request is never resent.
        """
        return self._run(
            self._submit_voiceprint_flow(
                audio,
                webhook=webhook,
                webhook_status_only=webhook_status_only,
                media_key=media_key,
                on_upload_progress=on_upload_progress,
            )
        )

    def create_voiceprint(
        self,
        audio: AudioSource,
        *,
        timeout: float | None = None,
        on_status: OnVoiceprintStatus | None = None,
        media_key: str | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> str:
        """Upload if needed, run a voiceprint job, wait for it, and return the voiceprint string.

        Local WAV audio (a path, or a seekable file object such as a web upload) longer than the API's
        30-second limit is refused before anything is sent.
        Store the result: the API deletes job outputs after 24 hours.

        Args:
            audio: an http(s) URL, a ``media://`` URL, a local path or a binary file object.
            timeout: seconds to wait for the job (None: 24 hours).
            on_status: called with the job (a ``Job[VoiceprintResult]``) each time its status changes.
            media_key: the object key of the upload, for local audio.
            on_upload_progress: upload progress callback (bytes sent, total).

        Raises:
            ValidationError: before any request.
            APIError, APIConnectionError: as for :meth:`submit_voiceprint`.
            JobFailedError, JobCanceledError, JobExpiredError, WaitTimeoutError: as for :meth:`wait`.
        """
        return self._run(
            self._create_voiceprint_flow(
                audio, timeout=timeout, on_status=on_status, media_key=media_key, on_upload_progress=on_upload_progress
            )
        )

    @overload
    def get_job(self, job_id: Job[R], *, kind: JobKind | None = ...) -> Job[R]: ...
    @overload
    def get_job(self, job_id: JobSummary | str, *, kind: Literal["identify"]) -> Job[IdentifyResult]: ...
    @overload
    def get_job(self, job_id: JobSummary | str, *, kind: Literal["voiceprint"]) -> Job[VoiceprintResult]: ...
    @overload
    def get_job(self, job_id: JobSummary | str, *, kind: Literal["diarization"]) -> Job[DiarizationResult]: ...
    @overload
    def get_job(self, job_id: JobSummary | str, *, kind: None = ...) -> Job[Result]: ...
    def get_job(self, job_id: Job[Any] | JobSummary | str, *, kind: JobKind | None = None) -> Job[Any]:
        """Fetch a job; its output is parsed once it has succeeded (as *kind* when given).

        Args:
            job_id: the job's id, a ``JobSummary`` of :meth:`jobs`, or a ``Job`` handle (what
                :meth:`identify` and :meth:`submit_voiceprint` return, or an earlier ``get_job``):
                refreshed, it keeps the handle's kind and type, as in :meth:`wait`.
            kind: ``identify``, ``voiceprint`` or ``diarization`` when known (the handle's by
                default; one that contradicts it is a ``ValidationError``); otherwise the output's
                keys tell.

        Raises:
            NotFoundError: no such job, or it was deleted (24 hours after it ended): the API's own
                (JSON) 404; a gateway's or proxy's 404 page is a plain ``APIError`` saying so.
            AuthenticationError: 401, the key is wrong (check ``PYANNOTEAI_API_KEY``).
            APIError: another refusal after the retries.
            APIConnectionError: no response after the retries.
        """
        return self._run(self._get_job_flow(job_id, kind))

    def identify_batch(
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
        from .batch import identify_batch

        return identify_batch(self, inputs, voiceprints, manifest=manifest, out=out, **options)

    @overload
    def wait(
        self,
        job: Job[R],
        *,
        timeout: float | None = ...,
        on_status: Callable[[Job[R]], object] | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> R: ...
    @overload
    def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnIdentifyStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: Literal["identify"],
    ) -> IdentifyResult: ...
    @overload
    def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnVoiceprintStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: Literal["voiceprint"],
    ) -> VoiceprintResult: ...
    @overload
    def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnDiarizationStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: Literal["diarization"],
    ) -> DiarizationResult: ...
    @overload
    def wait(
        self,
        job: JobSummary | str,
        *,
        timeout: float | None = ...,
        on_status: OnStatus | None = ...,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> Result: ...
    def wait(
        self,
        job: Job[Any] | JobSummary | str,
        *,
        timeout: float | None = None,
        on_status: Callable[[Job[Any]], object] | None = None,
        broker: pyannoteai_identify.receiver.WebhookBroker | None = None,
        kind: JobKind | None = None,
    ) -> Any:
        """Wait for a job to end and return its typed result.

        Polls ``GET /v1/jobs/{id}`` often at first and less as the job ages (about a tenth of the
        job's age, at most every 5 minutes), honouring ``Retry-After`` and ``X-RateLimit-*``. The
        rate limit is per key: after a 429 (or an exhausted quota) every request of this client,
        every concurrent wait included, waits for the server's reset, then goes at most
        ``X-RateLimit-Limit`` a minute.
        With a ``broker`` (a ``receiver.WebhookBroker`` fed by your webhook receiver) the wait ends
        as soon as the job's webhook arrives, and polling, four times less often, remains the fallback.

        Args:
            job: a handle from ``identify()``/``submit_voiceprint()``, a ``JobSummary`` of
                :meth:`jobs` (``for s in client.jobs(status="running"): client.wait(s)``), or a job id.
            timeout: seconds before ``WaitTimeoutError``; None means 24 hours, 0 polls once.
            on_status: called with the job each time its status changes.
            broker: a webhook broker to finish early on the job's delivery.
            kind: the job type, when passing a bare id or a summary (otherwise inferred from the output).

        Raises:
            ValidationError: a bad job id, timeout or callback, before any request.
            APIError: a poll was refused for good (401, 403, …); a note names the job to wait for
                again. Rate limits, server errors and connection errors are not raised: polling goes
                on to the deadline, where the ``WaitTimeoutError`` names them (``polls_failing``).
            APIConnectionError: a proxy refused the tunnel (407, 403: ``proxy_refused``), or the
                server's TLS certificate could not be verified (``certificate_failed``), which
                waiting does not heal: raised at the first such poll, with a note naming the job.
            InvalidResponseError: three malformed answers in a row (``MAX_INVALID_POLLS``); a 404
                that is not the API's JSON error (a gateway's page) is polled through likewise, and
                raised as an ``APIError`` after three in a row, never as ``JobExpiredError``.
            ConfigurationError: the client was closed during the wait (a note says that
                ``wait(ID)`` on a new client resumes it).
            JobFailedError, JobCanceledError: the job ended without a result.
            JobExpiredError: the job or its output is gone (kept 24 hours after completion), or the
                id is unknown: the API answers its JSON 404 to both (``get_job`` raises ``NotFoundError``).
            WaitTimeoutError: the deadline passed; call ``wait`` again with the same job to resume.
                When every poll since the last answer failed, ``polls_failing`` says how, and
                the last error is its ``__cause__``.
        """
        return self._run(self._wait_flow(job, timeout=timeout, on_status=on_status, broker=broker, kind=kind))
