"""``Client`` and ``AsyncClient``: thin I/O shells that run the flows of ``_flows``.

Both classes share ``_BaseClient``, which validates arguments (before any I/O) and builds the
flows. They differ only in how a step is performed: blocking calls here, ``await`` there.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import math
import os
import platform
import ssl
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, Self, SupportsIndex, TypeVar, Unpack, cast, overload

import anyio
import anyio.to_thread
import httpx

from . import _core, _flows, _fork, _timing, _tls
from ._bounded import aread_body, body_budget, read_body
from ._config import DEFAULT_MAX_RETRIES, DEFAULT_WAIT_TIMEOUT, Settings, _timeout_problem
from ._loop_end import close_when_the_loop_ends
from ._numbers import real
from ._polling import PollSchedule
from ._proxy import proxy_pool
from ._retry import RetryPolicy
from ._upload import (
    FileChunks,
    ProgressCallback,
    aopened,
    check_identify_duration,
    check_voiceprint_duration,
    media_url_for,
    opened,
    presigned_url_hidden,
    upload_headers,
)
from ._validation import (
    MAX_VOICEPRINT_AUDIO_BYTES,
    PAGE_SIZE_MAX,
    PAGE_SIZE_MIN,
    STATUS_FILTER_VALUES,
    AudioSource,
    CheckedAudio,
    Matching,
    StatusFilter,
    Voiceprint,
    check_audio,
    check_bool,
    check_callback,
    check_job_id,
    check_job_kind,
    check_matching,
    check_model,
    check_num_speakers,
    check_voiceprints,
    check_webhook,
    guarded_callback,
)
from ._version import __version__
from .errors import ConfigurationError, InvalidResponseError, ValidationError
from .results import DiarizationResult, IdentifyResult, Job, JobKind, JobStatus, R, Result, VoiceprintResult

if TYPE_CHECKING:
    from .batch import BatchOptions, BatchReport
    from .receiver import WebhookBroker, _ThreadWaiter

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
OnStatus = Callable[[Job[Result]], object]
# A status callback of a job whose kind is known (create_voiceprint, wait(job_id, kind=...)): it gets
# the job parsed as that kind, so a callback typed for that kind's job is taken, as wait(job) takes one.
OnIdentifyStatus = Callable[[Job[IdentifyResult]], object]
OnVoiceprintStatus = Callable[[Job[VoiceprintResult]], object]
OnDiarizationStatus = Callable[[Job[DiarizationResult]], object]


#: The real ``time.sleep``: a wait sleeps on an Event that close() sets instead, unless a test patched it.
_TIME_SLEEP = time.sleep


def _user_agent() -> str:
    """The SDK and httpx as product tokens, then the Python (implementation/version) and, as a
    comment, the operating system and machine, as openai-python and stripe-python tell theirs:
    ``pyannoteai-identify/1.0.0 python-httpx/0.28.1 CPython/3.12.3 (Linux; x86_64)``. Never the host
    name or the user name (``platform.uname()`` and ``platform.platform()`` hold the host name)."""
    system = " ".join(platform.system().split())  # one token each: no stray space or newline
    machine = " ".join(platform.machine().split())
    about = "; ".join(part for part in (system, machine) if part)
    python = f"{platform.python_implementation()}/{platform.python_version()}"
    return f"pyannoteai-identify/{__version__} python-httpx/{httpx.__version__} {python}" + (
        f" ({about})" if about else ""
    )


SUBMIT_THE_UPLOAD = "pass that URL as audio to submit again without uploading it again"


def _resume(job_id: str) -> str:
    """What an error of a callback during a wait says of the job (it goes on, billed)."""
    return f"; job {job_id} goes on: call wait({job_id!r}) to resume"


#: httpx's own default timeout, which an http_client has unless its builder chose one.
_HTTPX_DEFAULT_TIMEOUT = httpx.Timeout(5.0)


def _timeout_or_http_clients(
    timeout: float | httpx.Timeout | None, http_client: object
) -> float | httpx.Timeout | None:
    """*timeout*; when none is passed, the timeout an ``http_client`` was built with, if any.

    Each request carries its timeout, so without this an http_client's own (a proxy that needs two
    minutes) would silently give way to the SDK's default. httpx's default of 5 s is no choice of
    the caller's (as in openai-python, which does the same): the SDK's default applies then.
    """
    if (
        timeout is None
        and isinstance(http_client, httpx.Client | httpx.AsyncClient)
        and http_client.timeout != _HTTPX_DEFAULT_TIMEOUT
    ):
        problem = _timeout_problem(http_client.timeout)
        if problem is not None:
            # Said as the http_client's: the caller passed no timeout= and would not know where it came from.
            raise ConfigurationError(
                f"the http_client's own timeout ({http_client.timeout!r}), used as timeout= was not passed: "
                f"{problem}; pass timeout= to use another"
            )
        return http_client.timeout
    return timeout


class _BaseClient:
    """Settings, policies and the argument checks shared by both clients."""

    _closed: bool = False
    _entered: bool = False  # inside a ``with`` block (entered and not yet exited)
    #: The httpx client that sends the requests (set by each client; replaced after a fork or on a new loop).
    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str | httpx.URL | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        poll_schedule: PollSchedule | None,
        clock: Callable[[], float] | None,
        sleep_given: bool,
        wall: Callable[[], float] | None = None,
    ) -> None:
        self._settings = Settings.resolve(api_key, base_url, timeout, max_retries)
        if retry_policy is not None and max_retries is not None and max_retries != retry_policy.max_retries:
            raise ConfigurationError(
                f"max_retries={max_retries!r} and retry_policy.max_retries={retry_policy.max_retries!r} disagree: "
                "pass one (the policy's own max_retries applies)"
            )
        self._ctx = _flows.Context(
            settings=self._settings,
            retry=retry_policy or RetryPolicy(max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries),
            schedule=poll_schedule or PollSchedule(),
            clock=clock or time.monotonic,
            wall=wall or time.time,
            user_agent=_user_agent(),
            closed=lambda: self._closed,
            simulated=clock is not None and sleep_given,
            http_client=lambda: self._http,
        )
        # The nested-``with`` check and its mark, one step (two threads entering at once: one gets in).
        self._enter_lock = threading.Lock()

    def _after_fork_in_child(self) -> None:
        """In a forked child: locks another thread of the parent may have held at the fork, made anew."""
        self._enter_lock = threading.Lock()
        self._ctx.throttle.after_fork_in_child()

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def _verify(self, transport: object) -> ssl.SSLContext | bool:
        """``verify=`` for a pool this client builds itself: the SSL context all such pools share
        (loaded once per process, see ``_tls``), which httpx would otherwise load for each one.
        httpx's default (True) with a *transport* of the caller's, which httpx uses as it is.

        The context reads ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as httpx does with ``trust_env``, for
        every base URL: a loopback one's pool has ``trust_env`` off to keep proxies away, not the
        CA a company's local TLS endpoint (a sidecar, an egress gateway) is signed by. A bundle
        that cannot be loaded (an ``SSL_CERT_FILE`` naming a missing file) fails the constructor
        (``ConfigurationError`` naming the variable) for an https base URL; a plain-http one (the
        sandbox's, on loopback) uses no TLS, and gets the context httpx builds without ``trust_env``."""
        if transport is not None:
            return True
        try:
            return _tls.shared_context(trust_env=True)
        except OSError as error:  # ssl.SSLError too: a missing, unreadable or malformed bundle
            if httpx.URL(self._settings.base_url).scheme == "https":
                raise ConfigurationError(_tls.unloadable_bundle(error)) from error
            return _tls.shared_context(trust_env=False)  # plain http (the sandbox's): no TLS to trust

    @staticmethod
    def _check_http(http_client: object, transport: object, client_type: type, transport_type: type) -> None:
        """Refuse an httpx client or transport of the other kind (sync for async), and both at once."""
        if http_client is not None and transport is not None:
            raise ConfigurationError(
                "pass http_client or transport, not both: the transport of an http_client you build is its own"
            )
        for name, value, expected in (
            ("http_client", http_client, client_type),
            ("transport", transport, transport_type),
        ):
            if value is not None and not isinstance(value, expected):
                raise ConfigurationError(
                    f"{name} must be an {expected.__module__}.{expected.__qualname__}, not "
                    f"{type(value).__module__}.{type(value).__qualname__} (Client takes httpx.Client and "
                    "httpx.BaseTransport, AsyncClient httpx.AsyncClient and httpx.AsyncBaseTransport)"
                )

    def _check_no_proxy(self, http_client: object, transport: object) -> None:
        """Refuse an http_client or transport that would send a plain-http base URL's requests
        through a proxy.

        The client this one builds ignores proxy variables for such a (loopback) URL; an httpx
        client of the caller's reads them by default (``trust_env``), or has a ``proxy=`` (or a
        transport with one, maybe inside a wrapper transport), and the key would travel to the
        proxy in clear. httpx offers no public way to ask which transport serves a URL and whether
        it proxies: its ``_transport_for_url`` and the transports' httpcore pools are read.
        """
        base = httpx.URL(self._settings.base_url)
        if base.scheme != "http":
            return
        route = getattr(http_client, "_transport_for_url", None)
        serving = route(base) if callable(route) else transport
        if serving is not None and proxy_pool(serving) is not None:
            raise ConfigurationError(
                f"the http_client or transport would send requests for {self._settings.base_url} through a proxy "
                "(HTTP_PROXY or ALL_PROXY in the environment, or a proxy= of its own), with the API key in clear "
                "over plain http: build it with trust_env=False and no proxy, or use an https base URL"
            )

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigurationError(f"this {type(self).__name__} is closed: create a new one")

    def _enter(self) -> None:
        """Enter a ``with`` block once: a nested one's end would close the client under the outer
        block (httpx refuses a second ``__enter__`` too). The check and the mark are one step under
        a lock: of two threads entering the client at once, one gets in and the other is refused."""
        self._check_open()
        with self._enter_lock:
            if self._entered:
                name = type(self).__name__
                raise ConfigurationError(
                    f"this {name} is already open in a 'with' block: entering it again would close it at the "
                    f"inner block's end, under the outer one; use it as it is inside the outer block"
                )
            self._entered = True

    def _closed_before_sending(self, request: httpx.Request, closer: str) -> ConfigurationError:
        """The error for *request*, which httpx refused to send (a bare RuntimeError) because close()
        in another thread or task came after this one checked the client open: nothing was sent."""
        return ConfigurationError(
            f"this {type(self).__name__} was closed by another {closer} before {request.method} "
            f"{request.url.path} was sent (nothing was sent): create a new one"
        )

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        """Refuse pickle, ``copy.copy`` and ``copy.deepcopy`` (all go through here): a copy would share,
        or fail on, the connection pool and locks, and a pickle would carry the key."""
        raise TypeError(
            f"a {type(self).__name__} cannot be copied or pickled (it holds a connection pool and locks): share "
            f"this one within the process, or create a {type(self).__name__} in each process or worker"
        )

    def __repr__(self) -> str:
        # A traceback with locals shows a client whose settings were refused: it has none.
        settings = getattr(self, "_settings", None)
        return f"{type(self).__name__}(base_url={settings.base_url if settings else None!r})"

    def _upload_request(self, step: _flows.Upload, body: FileChunks) -> httpx.Request:
        """The streamed PUT of an upload step (the presigned URL carries its own authorisation).

        *body* is given as the request's stream (as ``content=``, an async iterable is wrapped in
        a generator of httpx's own), so the Host header httpx would add is added here.
        """
        url = httpx.URL(step.url)
        return httpx.Request(
            "PUT",
            url,
            stream=body,
            headers={"Host": url.netloc.decode("ascii"), **upload_headers(step.audio.size)},
            extensions={"timeout": self._settings.timeout.as_dict()},
        )

    # Each _*_flow method validates eagerly, then returns the flow to run.

    def _upload_call_flow(
        self, audio: object, key: str | None, on_progress: ProgressCallback | None
    ) -> _flows.Flow[str]:
        """What ``upload()`` runs, its arguments checked first."""
        checked = check_audio(audio)
        if checked.url is not None:
            raise ValidationError("audio", audio, "must be a local path or a binary file object to upload")
        progress = guarded_callback("on_progress", on_progress)
        return _flows.upload(self._ctx, checked, media_url_for(checked, key), progress)

    @staticmethod
    def _media_url(audio: CheckedAudio, media_key: str | None) -> str | None:
        """The ``media://`` URL local audio will be uploaded to (checked now); None for audio given as a URL."""
        if audio.url is None:
            return media_url_for(audio, media_key, field="media_key")
        if media_key is not None:
            raise ValidationError("media_key", media_key, "applies only to audio that is uploaded (a path or a file)")
        return None

    def _submit_flow(
        self,
        audio: CheckedAudio,
        media_url: str | None,
        progress: ProgressCallback | None,
        request: Callable[[str], _core.RequestKwargs],
        kind: JobKind,
    ) -> _flows.Flow[Job[Any]]:
        """Create the job of *kind* reading *audio*: from the URL given, or from its upload to *media_url*.

        When the job is not created after the upload (refused, rate limited, cut off), the error
        names the ``media://`` URL the audio now has: submitting it again uploads nothing.
        """
        if audio.url is not None:
            return (yield from _flows.create_job(self._ctx, request(audio.url), kind))
        assert media_url is not None, "_media_url gives every local audio one"
        uploaded = yield from _flows.upload(self._ctx, audio, media_url, progress)
        try:
            return (yield from _flows.create_job(self._ctx, request(uploaded), kind))
        except GeneratorExit:
            raise  # the flow is closed unfinished, with no error to add a note to
        except BaseException as error:
            _flows.leave_note(error, f"the audio was uploaded to {uploaded}: {SUBMIT_THE_UPLOAD}")
            raise

    def _identify_flow(
        self,
        audio: AudioSource,
        voiceprints: Mapping[str, str] | Sequence[Voiceprint],
        *,
        num_speakers: int | None,
        matching: Matching | Mapping[str, Any] | None,
        confidence: bool,
        exclusive: bool,
        turn_level_confidence: bool,
        webhook: str | None,
        webhook_status_only: bool,
        model: str | None,
        media_key: str | None,
        on_upload_progress: ProgressCallback | None,
    ) -> _flows.Flow[Job[IdentifyResult]]:
        checked_audio = check_audio(audio)
        check_identify_duration(checked_audio)
        build_request = functools.partial(
            _core.identify_request,
            voiceprints=check_voiceprints(voiceprints),
            num_speakers=check_num_speakers(num_speakers),
            matching=check_matching(matching),
            confidence=check_bool("confidence", confidence),
            exclusive=check_bool("exclusive", exclusive),
            turn_level_confidence=check_bool("turn_level_confidence", turn_level_confidence),
            webhook=check_webhook(webhook),
            webhook_status_only=check_bool("webhook_status_only", webhook_status_only),
            model=check_model(model),
        )
        progress = guarded_callback("on_upload_progress", on_upload_progress)
        media_url = self._media_url(checked_audio, media_key)

        return self._submit_flow(checked_audio, media_url, progress, lambda url: build_request(url=url), "identify")

    def _submit_voiceprint_flow(
        self,
        audio: AudioSource,
        *,
        webhook: str | None,
        webhook_status_only: bool,
        media_key: str | None,
        on_upload_progress: ProgressCallback | None,
    ) -> _flows.Flow[Job[VoiceprintResult]]:
        checked_audio = check_audio(audio, max_bytes=MAX_VOICEPRINT_AUDIO_BYTES)
        check_voiceprint_duration(checked_audio)
        hook = check_webhook(webhook)
        status_only = check_bool("webhook_status_only", webhook_status_only)
        progress = guarded_callback("on_upload_progress", on_upload_progress)
        media_url = self._media_url(checked_audio, media_key)

        return self._submit_flow(
            checked_audio,
            media_url,
            progress,
            lambda url: _core.voiceprint_request(url=url, webhook=hook, webhook_status_only=status_only),
            "voiceprint",
        )

    def _create_voiceprint_flow(
        self,
        audio: AudioSource,
        *,
        timeout: float | None,
        on_status: OnVoiceprintStatus | None,
        media_key: str | None,
        on_upload_progress: ProgressCallback | None,
    ) -> _flows.Flow[str]:
        submit = self._submit_voiceprint_flow(
            audio, webhook=None, webhook_status_only=False, media_key=media_key, on_upload_progress=on_upload_progress
        )
        wait_timeout = self._check_timeout(timeout)
        check_callback("on_status", on_status)

        def flow() -> _flows.Flow[str]:
            job = yield from submit
            # The wait parses the job as "voiceprint", so the callback only ever gets a Job[VoiceprintResult].
            status = cast("OnStatus | None", guarded_callback("on_status", on_status, resume=_resume(job.id)))
            try:
                result = yield from _flows.wait(
                    self._ctx, job.id, "voiceprint", timeout=wait_timeout, on_status=status, status=str(job.status)
                )
            except GeneratorExit:
                raise  # the flow is closed unfinished, with no error to add a note to
            except BaseException as error:
                # The caller has no handle on this billed job: unless the SDK's error names it already
                # (a timeout, a failed job), it is added, with the call that resumes the wait.
                if not isinstance(error, Exception) or job.id not in str(error):  # Ctrl-C, a cancellation
                    note = f"voiceprint job {job.id} was created (and billed): wait({job.id!r}) gives its voiceprint"
                    _flows.leave_note(error, note)
                raise
            return cast(VoiceprintResult, result).voiceprint

        return flow()

    def _wait_flow(
        self,
        job: Job[Any] | str,
        *,
        timeout: float | None,
        on_status: OnStatus | None,
        broker: Any,
        kind: JobKind | None,
    ) -> _flows.Flow[Result]:
        if isinstance(job, Job):
            # An ended handle's status is no "still ..." for a wait that read no answer.
            job_id, known_kind = job.id, job.kind
            known_status = None if job.is_terminal else str(job.status)
        else:
            job_id, known_kind, known_status = check_job_id(job), None, None
        check_job_kind(kind)
        if kind is not None and known_kind is not None and kind != known_kind:
            # Parsed as the wrong type, the output would be blamed on the API ("breaks the contract").
            raise ValidationError("kind", kind, f"contradicts the job handle, a {known_kind} job: leave kind out")
        if broker is not None and not callable(getattr(broker, "wait", None)):
            raise ValidationError("broker", broker, "must be a WebhookBroker (with wait and wait_async)")
        status = guarded_callback("on_status", on_status, resume=_resume(job_id))
        return _flows.wait(
            self._ctx,
            job_id,
            kind or known_kind,
            timeout=self._check_timeout(timeout, zero_checks_once=True),
            on_status=status,
            broker=broker,
            status=known_status,
        )

    @staticmethod
    def _check_timeout(timeout: float | None, *, zero_checks_once: bool = False) -> float:
        """A wait's timeout in seconds; with *zero_checks_once*, 0 means one poll, then the result or
        ``WaitTimeoutError`` (a web handler's "done yet?")."""
        if timeout is None:
            return DEFAULT_WAIT_TIMEOUT
        seconds = real(timeout)
        if seconds is None or not (seconds >= 0 if zero_checks_once else seconds > 0):
            rule = (
                "must be a number of seconds ≥ 0 (0: poll once)"
                if zero_checks_once
                else "must be a positive number of seconds"
            )
            raise ValidationError("timeout", timeout, f"{rule}, or None for 24 hours")
        if not math.isfinite(seconds):  # infinity, or an int beyond the range of a float, such as 10**400
            raise ValidationError("timeout", timeout, "must be finite: every wait has a deadline")
        return seconds

    def _get_job_flow(self, job_id: str, kind: JobKind | None) -> _flows.Flow[Job[Result]]:
        checked = check_job_id(job_id)
        check_job_kind(kind)

        def flow() -> _flows.Flow[Job[Result]]:
            job, _ = yield from _flows.get_job(self._ctx, checked, kind)
            return job

        return flow()

    @staticmethod
    def _check_list_args(status: JobStatus | str | None, page_size: int, max_items: int | None) -> None:
        if status is not None and (not isinstance(status, str) or str(status) not in STATUS_FILTER_VALUES):
            raise ValidationError("status", status, f"must be one of {sorted(STATUS_FILTER_VALUES)} or None")
        if type(page_size) is not int or not PAGE_SIZE_MIN <= page_size <= PAGE_SIZE_MAX:
            raise ValidationError("page_size", page_size, f"must be an integer from {PAGE_SIZE_MIN} to {PAGE_SIZE_MAX}")
        if max_items is not None and (type(max_items) is not int or max_items < 0):
            raise ValidationError("max_items", max_items, "must be a whole number ≥ 0, or None for all")

    def _page_flow(
        self, status: JobStatus | StatusFilter | None, page_size: int, cursor: str | None
    ) -> _flows.Flow[tuple[list[_core.JobSummary], str | None]]:
        return _flows.list_page(
            self._ctx, limit=page_size, cursor=cursor, status=None if status is None else str(status)
        )

    def _test_flow(self) -> _flows.Flow[_core.KeyStatus]:
        response = yield from _flows.call(self._ctx, _core.test_key_request())
        return _core.parse_key_status(response)


#: Empty pages in a row, each with a new cursor, after which the job list counts as broken: a server
#: that answers that way forever would otherwise be followed forever, even with max_items.
MAX_EMPTY_PAGES = 3


class _Pages:
    """What the job list has shown so far: the cursors followed and the empty pages in a row."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.empty = 0

    def next_cursor(self, items: int, cursor: str | None) -> str | None:
        """The cursor of the next page (None or empty: the last page); raise on a loop or a run of empty pages."""
        if not cursor:
            return None
        if cursor in self.seen:
            raise InvalidResponseError(
                f"the job list repeated the cursor {cursor!r}; stopping instead of looping", status_code=200
            )
        self.empty = 0 if items else self.empty + 1
        if self.empty >= MAX_EMPTY_PAGES:
            raise InvalidResponseError(
                f"the job list sent {self.empty} empty pages in a row, each pointing to another; "
                "stopping instead of following it forever",
                status_code=200,
            )
        self.seen.add(cursor)
        return cursor


class Client(_BaseClient):
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

    Raises:
        ConfigurationError: no API key, a key that cannot be sent in a header, or a base URL,
            timeout or retry setting that cannot be used (each message says which, never the key).

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
    """

    _http: httpx.Client

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
    ) -> None:
        if clock is None and sleep is None and (timing := _timing.current()) is not None:
            clock, sleep = timing.clock, timing.sleep  # a test double's virtual time (pyannoteai_mock)
            wall = wall or timing.wall  # its server dates are on its own (virtual) wall time
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=_timeout_or_http_clients(timeout, http_client),
            max_retries=max_retries,
            retry_policy=retry_policy,
            poll_schedule=poll_schedule,
            clock=clock,
            sleep_given=sleep is not None,
            wall=wall,
        )
        self._check_http(http_client, transport, httpx.Client, httpx.BaseTransport)
        self._check_no_proxy(http_client, transport)
        self._owns_http = http_client is None
        self._http = http_client or self._new_http(transport)
        # A forked child must not read its parent's answers from the pooled sockets both hold: a
        # pool this client built entirely is replaced in the child before its first request.
        self._rebuilds_after_fork = http_client is None and transport is None
        self._pid = os.getpid()
        # Taken only in a forked child (the pid differs), never in the process that made the client.
        self._fork_lock = threading.Lock()
        self._sleep = sleep
        self._closing = threading.Event()  # set by close(): ends the waits of other threads
        # The WebhookBroker waits of other threads, which close() wakes (under the lock, so that a
        # wait starting as close() runs either is woken or sees the client closing).
        self._broker_lock = threading.Lock()
        self._broker_waiters: set[_ThreadWaiter] = set()
        _fork.register(self)  # last: a forked child makes these locks anew (see _after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        super()._after_fork_in_child()
        self._fork_lock = threading.Lock()
        self._broker_lock = threading.Lock()
        self._broker_waiters = set()  # the waits of the parent's other threads, which do not run here
        closing = threading.Event()  # its inner lock too (close() in another thread sets it under that lock)
        if self._closing.is_set():
            closing.set()
        self._closing = closing

    def _new_http(self, transport: httpx.BaseTransport | None = None) -> httpx.Client:
        return httpx.Client(
            transport=transport,
            timeout=self._settings.timeout,
            trust_env=self._settings.trust_env,
            verify=self._verify(transport),
        )

    def _check_process(self) -> None:
        """In a process forked from the one that made this client, start a pool of its own.

        Threads of the child making their first requests at once must all wait for the new pool:
        the pid is updated only after the pool is replaced, under a lock, so no thread sees the new
        pid with the inherited pool, and none sends on a pool another is closing.
        """
        if os.getpid() == self._pid or not self._rebuilds_after_fork:
            return
        with self._fork_lock:
            pid = os.getpid()
            if pid == self._pid:
                return
            inherited, self._http = self._http, self._new_http()
            self._pid = pid
        inherited.close()  # closes this process's copies of the sockets; the parent's stay open

    def __enter__(self) -> Self:
        self._enter()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections (unless the httpx client was passed in); the client cannot be used after.

        A ``wait`` sleeping between polls in another thread, or waiting on a ``WebhookBroker``,
        ends at once with ``ConfigurationError`` (unless it sleeps with a ``sleep`` of yours, or its
        broker's ``wait`` is your own: that one ends at the end of its gap). A request blocked in
        another thread is not interrupted: it ends at its read timeout, then raises
        ``ConfigurationError`` (``AsyncClient.aclose()`` cuts it too, on its own event loop); one
        about to be sent is not sent, and raises ``ConfigurationError`` too.
        """
        self._closed = True
        with self._broker_lock:
            self._closing.set()
            for waiter in self._broker_waiters:
                waiter.wake()
        if self._owns_http:
            self._http.close()

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
            return self._read(response, step.body_seconds)
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
            return self._http.send(request, stream=True, auth=None, **options)
        except RuntimeError:
            if not self._closed:
                raise
        raise self._closed_before_sending(request, "thread")

    def _wait_on_broker(self, step: _flows.AwaitWebhook) -> Any:
        """A broker's wait, which close() ends at once when the broker is a ``WebhookBroker`` (a
        broker of your own, or one whose ``wait`` is overridden, is waited for as it says)."""
        from .receiver import _BROKER_WAIT, _ThreadWaiter

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
            key: the object key (``meetings/call.wav`` or ``media://meetings/call.wav``); default: unique.
            on_progress: called with (bytes sent, total bytes or None) after each chunk.

        Raises:
            ValidationError: before any request: a missing, empty or oversized file, a bad key.
            APIError: the media API or the storage refused (the object was not stored); a 429
                of either is a ``RateLimitError`` whose ``retry_after`` is the server's
                ``Retry-After`` (an HTTP date read on the client's ``wall`` time).
            APIConnectionError: the upload was cut; upload again.
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
    def get_job(self, job_id: str, *, kind: Literal["identify"]) -> Job[IdentifyResult]: ...
    @overload
    def get_job(self, job_id: str, *, kind: Literal["voiceprint"]) -> Job[VoiceprintResult]: ...
    @overload
    def get_job(self, job_id: str, *, kind: Literal["diarization"]) -> Job[DiarizationResult]: ...
    @overload
    def get_job(self, job_id: str, *, kind: None = ...) -> Job[Result]: ...
    def get_job(self, job_id: str, *, kind: JobKind | None = None) -> Job[Any]:
        """Fetch a job; its output is parsed once it has succeeded (as *kind* when given).

        Args:
            job_id: the job's id.
            kind: ``identify``, ``voiceprint`` or ``diarization`` when known; otherwise the output's
                keys tell.

        Raises:
            NotFoundError: no such job, or it was deleted (24 hours after it ended): the API's own
                (JSON) 404; a gateway's or proxy's 404 page is a plain ``APIError`` saying so.
            AuthenticationError: 401, the key is wrong (check ``PYANNOTEAI_API_KEY``).
            APIError: another refusal after the retries.
            APIConnectionError: no response after the retries.
        """
        return self._run(self._get_job_flow(job_id, kind))

    def jobs(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        max_items: int | None = None,
    ) -> Iterator[_core.JobSummary]:
        """Every job of the team, newest first, following ``nextCursor`` page by page.

        Args:
            status: only jobs with this status: a ``JobStatus`` or its value (``"running"``, …).
            page_size: jobs per request, within the bounds of the contract's ``limit`` parameter of
                ``GET /v2/jobs`` (``PAGE_SIZE_MIN`` to ``PAGE_SIZE_MAX``); the largest page by default.
            max_items: stop after this many jobs.

        Raises:
            ValidationError: before any request, for a bad status, page size or limit.
            APIError, APIConnectionError: while reading a page, after the retries.
        """
        self._check_list_args(status, page_size, max_items)
        return self._iterate_jobs(status, page_size, max_items)

    def _iterate_jobs(
        self, status: JobStatus | StatusFilter | None, page_size: int, max_items: int | None
    ) -> Iterator[_core.JobSummary]:
        cursor: str | None = None
        pages = _Pages()
        count = 0
        while max_items is None or count < max_items:
            items, next_cursor = self._run(self._page_flow(status, page_size, cursor))
            for item in items[: None if max_items is None else max_items - count]:
                count += 1
                yield item
            cursor = pages.next_cursor(len(items), next_cursor)
            if cursor is None:
                return

    def identify_batch(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        voiceprints: Mapping[str, str] | Sequence[Voiceprint],
        *,
        manifest: str | os.PathLike[str],
        out: str | os.PathLike[str],
        **options: Unpack[BatchOptions],
    ) -> BatchReport:
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
        broker: WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> R: ...
    @overload
    def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnIdentifyStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: Literal["identify"],
    ) -> IdentifyResult: ...
    @overload
    def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnVoiceprintStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: Literal["voiceprint"],
    ) -> VoiceprintResult: ...
    @overload
    def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnDiarizationStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: Literal["diarization"],
    ) -> DiarizationResult: ...
    @overload
    def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> Result: ...
    def wait(
        self,
        job: Job[Any] | str,
        *,
        timeout: float | None = None,
        on_status: Callable[[Job[Any]], object] | None = None,
        broker: WebhookBroker | None = None,
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
            job: a handle from ``identify()``/``submit_voiceprint()``, or a job id.
            timeout: seconds before ``WaitTimeoutError``; None means 24 hours, 0 polls once.
            on_status: called with the job each time its status changes.
            broker: a webhook broker to finish early on the job's delivery.
            kind: the job type, when passing a bare id (otherwise inferred from the output).

        Raises:
            ValidationError: a bad job id, timeout or callback, before any request.
            APIError: a poll was refused for good (401, 403, …); a note names the job to wait for
                again. Rate limits, server errors and connection errors are not raised: polling goes
                on to the deadline, where the ``WaitTimeoutError`` names them (``polls_failing``).
            APIConnectionError: a proxy refused the tunnel (407, 403: ``proxy_refused``), which
                waiting does not heal: raised at the first refusal, with a note naming the job.
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


def _doc_from(source: Callable[..., Any], note: str = "A coroutine: ``await`` it.") -> Callable[[F], F]:
    """Give an ``AsyncClient`` method the docstring of its ``Client`` twin, so ``help()`` shows one text."""

    def apply(method: F) -> F:
        method.__doc__ = f"{source.__doc__.rstrip()}\n\n        {note}\n" if source.__doc__ else note
        return method

    return apply


#: Response bodies larger than this are parsed by AsyncClient in a worker thread (a thread hop costs
#: ~0.1 ms; parsing 1 MiB of output, a few ms). Only the Python-level part leaves the event loop
#: free: the JSON decoder holds the GIL for its whole call (~17 ms per MB with orjson).
PARSE_OFF_LOOP_BYTES = 1024 * 1024


async def _checked_off_loop(audio: object, check: Callable[..., _flows.Flow[T]], *args: Any) -> _flows.Flow[T]:
    """``check(*args)`` (an argument check that returns the flow to run) in a worker thread, unless
    *audio* is a URL: local audio is checked on the file system (``os.stat``, the WAV header, a file
    object's ``read(0)``, ``tell`` and ``seek``), which must not hold up the event loop's other tasks.
    The checks and their order are those of ``Client``'s: the thread runs the same function."""
    if isinstance(audio, str) and "://" in audio:
        return check(*args)
    return await anyio.to_thread.run_sync(check, *args)


class AsyncClient(_BaseClient):
    """Asynchronous twin of :class:`Client`: the same methods, as coroutines, on asyncio or trio.

    Args are those of :class:`Client`, with an ``httpx.AsyncClient``, an async transport and an
    async *sleep*.

    Pooled connections belong to the event loop that opened them. Used on another loop later (a
    second ``asyncio.run``, a forked child), a client that built its own pool starts a new one; with
    an ``http_client`` or ``transport`` of yours, that is yours to do. Use one client per event loop
    at a time: one shared by loops running at once in several threads is not supported. A nested
    ``async with`` on a client already entered is refused (``ConfigurationError``), as with ``Client``.
    """

    _http: httpx.AsyncClient

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
    ) -> None:
        if clock is None and sleep is None and (timing := _timing.current()) is not None:
            clock, sleep = timing.clock, timing.async_sleep  # a test double's virtual time (pyannoteai_mock)
            wall = wall or timing.wall  # its server dates are on its own (virtual) wall time
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=_timeout_or_http_clients(timeout, http_client),
            max_retries=max_retries,
            retry_policy=retry_policy,
            poll_schedule=poll_schedule,
            clock=clock,
            sleep_given=sleep is not None,
            wall=wall,
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

    def _new_http(self, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=transport,
            timeout=self._settings.timeout,
            trust_env=self._settings.trust_env,
            verify=self._verify(transport),
        )

    async def _check_loop(self) -> None:
        """On another event loop than the pool's, start a pool of its own (when this client built it),
        closed as that loop ends (see ``_loop_end``)."""
        if not self._rebuilds_per_loop:
            return
        loop = _current_loop()
        if loop is self._loop:
            return
        if self._loop is not None:
            # The old pool's sockets belong to a loop that is gone: it closed them as it ended.
            self._http = self._new_http()
        self._loop = loop
        self._loop_closer = await close_when_the_loop_ends(self._http)

    async def __aenter__(self) -> Self:
        self._enter()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections (unless the httpx client was passed in); the client cannot be used after.

        A ``wait`` in another task of the same event loop ends at once with ``ConfigurationError``
        (between polls or on a webhook broker), and so does a request in flight on that loop. A
        wait on another event loop is not interrupted: it raises ``ConfigurationError`` at its
        next step.
        """
        self._closed = True
        loop = _current_loop()
        for waiting, on in list(self._waiting.items()):
            if on is loop:  # a scope of another loop (gone, or in another thread) is not this one's to cancel
                waiting.cancel()
        self._waiting.clear()  # nor kept: one of a loop that is gone would hold its task to the end
        if self._owns_http:
            if self._rebuilds_per_loop and self._loop not in (None, _current_loop()):
                return  # the pool's sockets belong to an event loop that is gone: nothing to close from here
            await self._http.aclose()

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
            return await self._aread(response, step.body_seconds)
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
            if step.audio.start is not None:  # a seekable file object, put back where it was next
                # Waited for in a worker thread: the read may last (a file over a network),
                # and the event loop's other tasks run meanwhile.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(body.settle)

    async def _asend(self, request: httpx.Request, **options: Any) -> httpx.Response:
        """Send *request* streamed, with no auth of the http_client's.

        aclose() in another task while this one waited on a worker thread (the upload's file opened
        there) makes httpx refuse to send (a bare RuntimeError): that is the SDK's
        ConfigurationError, and nothing was sent.
        """
        try:
            return await self._http.send(request, stream=True, auth=None, **options)
        except RuntimeError:
            if not self._closed:
                raise
        raise self._closed_before_sending(request, "task")

    @contextlib.contextmanager
    def _cut_short_by_aclose(self) -> Iterator[None]:
        """A cancel scope that an aclose() on this event loop cancels: what it waits for then ends at
        once, without an error (the next step raises that the client is closed)."""
        with anyio.CancelScope() as scope:
            self._waiting[scope] = _current_loop()
            try:
                yield
            finally:
                self._waiting.pop(scope, None)

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
    async def get_job(self, job_id: str, *, kind: Literal["identify"]) -> Job[IdentifyResult]: ...
    @overload
    async def get_job(self, job_id: str, *, kind: Literal["voiceprint"]) -> Job[VoiceprintResult]: ...
    @overload
    async def get_job(self, job_id: str, *, kind: Literal["diarization"]) -> Job[DiarizationResult]: ...
    @overload
    async def get_job(self, job_id: str, *, kind: None = ...) -> Job[Result]: ...
    @_doc_from(Client.get_job)
    async def get_job(self, job_id: str, *, kind: JobKind | None = None) -> Job[Any]:
        return await self._run(self._get_job_flow(job_id, kind))

    @_doc_from(Client.jobs, note="An async iterator: ``async for job in client.jobs(): ...``.")
    def jobs(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        max_items: int | None = None,
    ) -> AsyncIterator[_core.JobSummary]:
        self._check_list_args(status, page_size, max_items)
        return _AsyncJobs(self, status, page_size, max_items)

    async def identify_batch(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        voiceprints: Mapping[str, str] | Sequence[Voiceprint],
        *,
        manifest: str | os.PathLike[str],
        out: str | os.PathLike[str],
        **options: Unpack[BatchOptions],
    ) -> BatchReport:
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
        broker: WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> R: ...
    @overload
    async def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnIdentifyStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: Literal["identify"],
    ) -> IdentifyResult: ...
    @overload
    async def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnVoiceprintStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: Literal["voiceprint"],
    ) -> VoiceprintResult: ...
    @overload
    async def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnDiarizationStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: Literal["diarization"],
    ) -> DiarizationResult: ...
    @overload
    async def wait(
        self,
        job: str,
        *,
        timeout: float | None = ...,
        on_status: OnStatus | None = ...,
        broker: WebhookBroker | None = ...,
        kind: JobKind | None = ...,
    ) -> Result: ...
    @_doc_from(Client.wait)
    async def wait(
        self,
        job: Job[Any] | str,
        *,
        timeout: float | None = None,
        on_status: Callable[[Job[Any]], object] | None = None,
        broker: WebhookBroker | None = None,
        kind: JobKind | None = None,
    ) -> Any:
        return await self._run(self._wait_flow(job, timeout=timeout, on_status=on_status, broker=broker, kind=kind))


class _AsyncJobs:
    """What ``AsyncClient.jobs()`` returns: the jobs, page after page, as ``Client.jobs()`` yields them.

    An iterator object rather than an async generator: a loop that breaks on the job it looked for
    (what the SDK's errors advise) leaves no generator to finalise, which trio reports as a
    ``ResourceWarning`` (asyncio finalises them itself). ``aclose()`` is kept, for ``aclosing()``.
    """

    def __init__(
        self, client: AsyncClient, status: JobStatus | StatusFilter | None, page_size: int, max_items: int | None
    ) -> None:
        self._client = client
        self._status = status
        self._page_size = page_size
        self._max_items = max_items
        self._cursor: str | None = None
        self._pages = _Pages()
        self._count = 0
        self._items: collections.deque[_core.JobSummary] = collections.deque()
        # The page whose items are being handed out: its size and nextCursor, followed once they are.
        self._page: tuple[int, str | None] | None = None
        self._finished = False
        self._running = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> _core.JobSummary:
        if self._running:  # as an async generator stepped by two tasks at once
            raise RuntimeError("anext(): this jobs() iterator is already running (another task is stepping it)")
        self._running = True
        try:
            return await self._step()
        finally:
            self._running = False

    async def _step(self) -> _core.JobSummary:
        try:
            while not self._items:
                if self._page is not None:  # every item of the page handed out: its cursor is followed now
                    size, next_cursor = self._page
                    self._page = None
                    self._cursor = self._pages.next_cursor(size, next_cursor)
                    self._finished = self._finished or self._cursor is None
                if self._finished or (self._max_items is not None and self._count >= self._max_items):
                    self._finished = True
                    raise StopAsyncIteration
                client = self._client
                page, next_cursor = await client._run(client._page_flow(self._status, self._page_size, self._cursor))
                if self._finished:  # closed by aclose() while the page was on its way
                    raise StopAsyncIteration
                left = None if self._max_items is None else self._max_items - self._count
                self._items.extend(page[:left])
                self._page = (len(page), next_cursor)
        except BaseException:
            self._finished = True  # as a generator that raised: nothing more comes
            self._items.clear()
            raise
        self._count += 1
        return self._items.popleft()

    async def aclose(self) -> None:
        """Stop: no more pages are asked for."""
        self._finished = True
        self._items.clear()
        self._page = None


def _current_loop() -> object:
    """The running event loop (asyncio) or run token (trio)."""
    import anyio.lowlevel  # here, not at the top: importing the package must not import asyncio

    return anyio.lowlevel.current_token().native_token
