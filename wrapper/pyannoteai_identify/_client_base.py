"""The shared base of ``Client`` and ``AsyncClient``: their settings and policies, and the flows
each public method runs (see ``_flows``), its arguments checked first (the constructor's, ``wait()``'s
and the job list's checks are in ``_client_checks``)."""

from __future__ import annotations

import functools
import platform
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, SupportsIndex, cast

import httpx

from . import _core, _flows, _tls
from ._client_checks import (
    check_http,
    check_job,
    check_kind_of_handle,
    check_no_proxy,
    check_wait_timeout,
    chosen_retry,
)
from ._client_derive import _Derivable
from ._config import (
    DEFAULT_MAX_RETRIES,
    Settings,
    check_app_info,
)
from ._polling import PollSchedule
from ._rate_limit_info import RateLimit
from ._retry import RetryPolicy
from ._upload import (
    FileChunks,
    ProgressCallback,
    check_identify_duration,
    check_voiceprint_duration,
    media_url_for,
    upload_headers,
)
from ._validation import (
    MAX_VOICEPRINT_AUDIO_BYTES,
    AudioSource,
    CheckedAudio,
    Matching,
    Voiceprint,
    check_audio,
    check_bool,
    check_callback,
    check_matching,
    check_model,
    check_num_speakers,
    check_voiceprints,
    check_webhook,
    guarded_callback,
)
from ._version import __version__
from .errors import ConfigurationError, ValidationError
from .results import DiarizationResult, IdentifyResult, Job, JobKind, Result, VoiceprintResult

__all__ = ["OnDiarizationStatus", "OnIdentifyStatus", "OnStatus", "OnVoiceprintStatus"]

OnStatus = Callable[[Job[Result]], object]
# A status callback of a job whose kind is known (create_voiceprint, wait(job_id, kind=...)): it gets
# the job parsed as that kind, so a callback typed for that kind's job is taken, as wait(job) takes one.
OnIdentifyStatus = Callable[[Job[IdentifyResult]], object]
OnVoiceprintStatus = Callable[[Job[VoiceprintResult]], object]
OnDiarizationStatus = Callable[[Job[DiarizationResult]], object]


def _user_agent(app_info: str | None = None) -> str:
    """The SDK and httpx as product tokens, then the Python (implementation/version) and, as a
    comment, the operating system and machine, as openai-python and stripe-python tell theirs:
    ``pyannoteai-identify/1.0.0 python-httpx/0.28.1 CPython/3.12.3 (Linux; x86_64)``. Never the host
    name or the user name (``platform.uname()`` and ``platform.platform()`` hold the host name).
    The caller's *app_info* (checked product tokens) follows, as stripe-python's ``set_app_info``."""
    system = " ".join(platform.system().split())  # one token each: no stray space or newline
    machine = " ".join(platform.machine().split())
    about = "; ".join(part for part in (system, machine) if part)
    python = f"{platform.python_implementation()}/{platform.python_version()}"
    return (
        f"pyannoteai-identify/{__version__} python-httpx/{httpx.__version__} {python}"
        + (f" ({about})" if about else "")
        + (f" {app_info}" if app_info else "")
    )


SUBMIT_THE_UPLOAD = "pass that URL as audio to submit again without uploading it again"


def _resume(job_id: str) -> str:
    """What an error of a callback during a wait says of the job (it goes on, billed)."""
    return f"; job {job_id} goes on: call wait({job_id!r}) to resume"


class _BaseClient(_Derivable):
    """Settings, policies and the flows (their arguments checked) shared by both clients."""

    _closed: bool = False
    _entered: bool = False  # inside a ``with`` block (entered and not yet exited)
    #: The httpx client that sends the requests (set by each client; replaced after a fork or on a new loop).
    #: Only the client that owns the pool (``_root``) has one: one made by ``with_options`` sends on its root's.
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
        app_info: str | None = None,
    ) -> None:
        self._settings = Settings.resolve(api_key, base_url, timeout, max_retries)
        app_info = check_app_info(app_info, self._settings.api_key)
        self._ctx = _flows.Context(
            settings=self._settings,
            retry=chosen_retry(max_retries, retry_policy, RetryPolicy(max_retries=DEFAULT_MAX_RETRIES)),
            schedule=poll_schedule or PollSchedule(),
            clock=clock or time.monotonic,
            wall=wall or time.time,
            user_agent=_user_agent(app_info),
            closed=lambda: self._closed,
            simulated=clock is not None and sleep_given,
            http_client=lambda: self._http,
        )
        #: The client whose pool this one sends on: itself, or the one ``with_options`` was first called on.
        self._root = self
        self._own_locks()

    def _own_locks(self) -> None:
        # The nested-``with`` check and its mark, one step (two threads entering at once: one gets in).
        self._enter_lock = threading.Lock()
        # The clients made from this one by ``with_options``, which its close() ends too; the lock
        # makes "open? then register" one step against a close() in another thread.
        self._derived = weakref.WeakSet()
        self._derive_lock = threading.Lock()

    def _after_fork_in_child(self) -> None:
        """In a forked child: locks another thread of the parent may have held at the fork, made anew."""
        self._enter_lock = threading.Lock()
        self._derive_lock = threading.Lock()
        self._ctx.throttle.after_fork_in_child()

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def rate_limit(self) -> RateLimit | None:
        """The API's rate-limit headers (``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``) of the latest
        answer that carried any of them, a success or an error, its body read or not (a connection
        lost half-way through it); a header that answer lacked is None. None before any answer did.

        Shared with the clients ``with_options`` makes from this one (the budget is the key's); of
        answers arriving together (threads, tasks), the last one read wins. The storage's answer to
        an upload is not the API's and is not read. Reading it sends nothing.
        """
        return self._ctx.rate_limit_seen.latest

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

    _check_http = staticmethod(check_http)

    def _check_no_proxy(self, http_client: object, transport: object) -> None:
        check_no_proxy(self._settings.base_url, http_client, transport)

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
        try:
            uploaded = yield from _flows.upload(self._ctx, audio, media_url, progress)
        except OSError as error:  # the local file's: the job's request was never sent
            _flows.leave_note(error, "no job was created")
            raise
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
        job: Job[Any] | _core.JobSummary | str,
        *,
        timeout: float | None,
        on_status: OnStatus | None,
        broker: Any,
        kind: JobKind | None,
    ) -> _flows.Flow[Result]:
        job_id, known_kind, known_status = check_job(job)
        kind = check_kind_of_handle(kind, known_kind)
        if broker is not None and not callable(getattr(broker, "wait", None)):
            raise ValidationError("broker", broker, "must be a WebhookBroker (with wait and wait_async)")
        status = guarded_callback("on_status", on_status, resume=_resume(job_id))
        return _flows.wait(
            self._ctx,
            job_id,
            kind,
            timeout=self._check_timeout(timeout, zero_checks_once=True),
            on_status=status,
            broker=broker,
            status=known_status,
        )

    _check_timeout = staticmethod(check_wait_timeout)

    def _get_job_flow(
        self, job_id: Job[Any] | _core.JobSummary | str, kind: JobKind | None
    ) -> _flows.Flow[Job[Result]]:
        checked, known_kind, _ = check_job(job_id)
        kind = check_kind_of_handle(kind, known_kind)

        def flow() -> _flows.Flow[Job[Result]]:
            job, _ = yield from _flows.get_job(self._ctx, checked, kind)
            return job

        return flow()

    def _test_flow(self) -> _flows.Flow[_core.KeyStatus]:
        response = yield from _flows.call(self._ctx, _core.test_key_request())
        return _core.parse_key_status(response)
