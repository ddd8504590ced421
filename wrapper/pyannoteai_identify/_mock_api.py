"""``MockAPI``: the stand-in for the pyannoteAI API behind the ``pyannoteai_mock`` fixture.

It answers every operation of openapi.yaml from its own state (jobs, presigned URLs, uploads),
answers scripted with ``respond_with``, records every request, and keeps the virtual clock that
the clients it serves wait on.

Here are its state and its public methods; the parts with one job each are beside it: the routing
of each request to an operation and its record (``_mock_handler``), the job record, statuses and
outputs (``_mock_jobs``), the jobs' lifecycle (a job entering, moving on when observed, a poll's
answer, retention: ``_mock_lifecycle``), the key and body checks (``_mock_gate``), the listing
(``_mock_listing``), the scripted answers (``_mock_script``), the presigned URLs, uploads and the jobs
a submission creates (``_mock_submit``), the webhook deliveries (``_mock_delivery``), the virtual
clock (``_mock_clock``) and the clients on it that ``client()`` and ``async_client()`` build
(``_mock_clients``); the clock, the lifecycle, the routing and the clients are base classes of
``MockAPI``.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from . import _fork
from ._config import DEFAULT_BASE_URL
from ._lazy_module import lazy_module
from ._mock_builders import (
    _FAILURE,
    _TERMINAL,
    Kind,
    _check_count,
    make_job,
)
from ._mock_check import _cut
from ._mock_clients import _MockClients
from ._mock_delivery import _delivery_of
from ._mock_handler import _MockHandler
from ._mock_jobs import _STATUSES, Status, _BodyFactory, _Job
from ._mock_listing import _new_cursor_base
from ._mock_requests import _REPR_BODY, RecordedRequest
from ._mock_routes import OperationId, _check_operation_id
from ._mock_script import _Canned, _scripted, _unused_error
from ._mock_submit import _usable_storage_url
from ._numbers import real
from .results import JobStatus

if TYPE_CHECKING:
    import respx
else:  # bound for typing.get_type_hints; respx (the testing extra) is imported when a hint is resolved
    respx = lazy_module("respx", extra="testing")

__all__ = ["MOCK_API_KEY", "MockAPI", "Status"]

#: The API key the mock expects and exports as ``PYANNOTEAI_API_KEY``; it is not a real key.
MOCK_API_KEY = "pyannoteai-mock-key"
_STORAGE_URL = "https://storage.mock.pyannote.ai"


class _NoRouterError(RuntimeError, AttributeError):
    """``MockAPI.router`` of a mock no fixture serves: a RuntimeError as documented, and an
    AttributeError so that introspection (``hasattr``, ``getattr`` with a default) is not broken."""


@dataclass(eq=False)
class MockAPI(_MockClients, _MockHandler):
    """A stand-in for the pyannoteAI API that answers every operation of openapi.yaml.

    ``handle(request)`` is a pure ``httpx.Request`` → ``httpx.Response`` function; the
    ``pyannoteai_mock`` fixture routes every httpx request to ``base_url`` (and to the presigned
    upload URLs it hands out) through it with respx, so clients built anywhere in the code under
    test reach the mock. Requests are validated against openapi.yaml (a broken body answers 400
    with field errors, as the API does) and recorded in ``requests``.

    Attributes:
        pending_polls: how many polls of a new job answer ``running`` before it ends.
        outcome: how new jobs end: ``succeeded`` (with an output), ``failed`` or ``canceled``; a status
            that is not final (``running``) keeps them in it.
        identify_output: the output of succeeded identify jobs: a dict, a function of the request
            body, or None for :func:`make_identify_output` over the request's labels (honouring
            ``numSpeakers``, ``confidence``, ``exclusive`` and ``turnLevelConfidence``).
        voiceprint_output: the same for voiceprint jobs (default: a voiceprint derived from the URL).
        failure_message: ``output.error`` of failed jobs. A job on a ``media://`` URL nothing was
            uploaded to fails with "Could not load audio" instead, as the API's do.
        retention_seconds: virtual seconds a finished job (and a presigned URL) is kept: then
            ``GET`` answers 404 and listings skip it (24 h, as the API). See :meth:`advance`.
        uploads: the bytes PUT to each ``media://`` URL (set an entry to pretend an upload).
        sleeps: the delays that clients on the mock's clock slept, in virtual time (they return at
            once, and move the sleeper's virtual clock).

    Virtual time: the clients from :meth:`client` and :meth:`async_client` sleep no real time, nor,
    while the ``pyannoteai_mock`` fixture is active, do the ``Client()``, ``AsyncClient()`` and batch
    ``RateLimiter()`` built then with no ``clock=`` and no sleep of their own (by the code under test).
    Each caller (a thread, or an asyncio or trio task) has its own virtual clock, which its own
    sleeps move and the others' do not, so concurrent sleeps overlap as real ones do: 50 tasks
    (``asyncio.gather``) or threads sharing a ``Client`` that each sleep 2 s take 2 s, not 100 s,
    and each wait's timeout counts its own time. One caller sleeping 5 s then 5 s sees 10 s pass.
    A caller that has not slept yet starts at the time of its creator (a task's context is a copy
    of its parent's) or else of the last :meth:`advance` (0 at first). The mock's own clock, which
    stamps ``createdAt``/``updatedAt`` and counts retention, upload URL expiry and a 429's reset
    time, is the latest time a caller has reached; :meth:`advance` moves it and brings every
    caller's clock up to it. With a single caller, all of these are one clock.
    """

    base_url: str = DEFAULT_BASE_URL
    storage_url: str = _STORAGE_URL
    api_key: str = MOCK_API_KEY
    pending_polls: int = 0
    outcome: Status = "succeeded"
    identify_output: _BodyFactory = None
    voiceprint_output: _BodyFactory = None
    failure_message: str = _FAILURE
    retention_seconds: float = 24 * 3600.0
    requests: list[RecordedRequest] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    sleeps: list[float] = field(default_factory=list)
    _router: respx.MockRouter | None = field(default=None, repr=False)
    _jobs: dict[str, _Job] = field(default_factory=dict, repr=False)
    _presigned: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)  # URL → (key, expiry)
    _uploaded_at: dict[str, float] = field(default_factory=dict, repr=False)  # media:// URL → virtual time of its PUT
    _queued: dict[str, list[_Canned]] = field(default_factory=dict, repr=False)
    _now: float = field(default=0.0, repr=False)  # the mock's clock: the latest virtual time a caller reached
    _floor: float = field(default=0.0, repr=False)  # the time of the last advance(): where callers start
    # Each caller's own virtual time (a thread's, a task's), once it has slept: see "Virtual time" above.
    _own: contextvars.ContextVar[float] = field(
        default_factory=lambda: contextvars.ContextVar("pyannoteai_mock_time"), repr=False
    )
    _wall: float = field(default_factory=time.time, repr=False)  # epoch seconds at virtual time 0
    _seq: int = field(default=0, repr=False)
    # The high bits of this mock's list cursors (see _mock_listing).
    _cursor_base: int = field(default_factory=_new_cursor_base, repr=False)
    # One Client may be shared by threads (README), and identify_batch on a Client sends from worker
    # threads: requests, and the test's own calls, read and change the mock's state one at a time.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __repr__(self) -> str:
        # Short whatever the test did: the requests (uploads included) and the uploaded bytes are
        # counted here, and kept whole in their attributes.
        def factory(value: _BodyFactory) -> str:
            return "None" if value is None else f"<{type(value).__name__}>"

        return (
            f"MockAPI(base_url={self.base_url!r}, storage_url={self.storage_url!r}, "
            f"pending_polls={self.pending_polls!r}, outcome={self.outcome!r}, "
            f"identify_output={factory(self.identify_output)}, voiceprint_output={factory(self.voiceprint_output)}, "
            f"failure_message={_cut(self.failure_message, _REPR_BODY)!r}, "
            f"retention_seconds={self.retention_seconds!r}, "
            f"requests=<{len(self.requests)} recorded>, uploads=<{len(self.uploads)}>, jobs=<{len(self._jobs)}>, "
            f"sleeps=<{len(self.sleeps)}>)"
        )

    @property
    def router(self) -> respx.MockRouter:
        """The respx router the ``pyannoteai_mock`` fixture answers through: add a route to it to let
        some traffic pass, e.g. ``router.route(host="localhost").pass_through()``.

        Raises:
            RuntimeError: a ``MockAPI()`` of your own, which no router serves (an ``AttributeError``
                too, so that ``hasattr``, ``getattr(mock, "router", None)``, ``inspect.getmembers``
                and ``unittest.mock.Mock(spec=mock)`` read it as no router, as they read the None
                the attribute held before it was a property).
        """
        if self._router is None:
            raise _NoRouterError("this MockAPI has no router: only the pyannoteai_mock fixture's is served by one")
        return self._router

    @router.setter
    def router(self, router: respx.MockRouter) -> None:
        self._router = router

    def __setattr__(self, name: str, value: Any) -> None:
        # Checked when set (the constructor too): a job's outcome becomes the status its polls answer,
        # and the API answers none but JobStatus ("expired" is a 404; a typo never ends the job).
        if name == "outcome" and value not in _STATUSES:
            raise ValueError(
                f"outcome={value!r}: must be a job status of the contract, {', '.join(_STATUSES)} "
                "(a job that expired answers 404: advance() past retention_seconds)"
            )
        if name == "retention_seconds":
            # Added to the float clock: any real number ≥ 0 (infinity keeps everything), as a float.
            seconds = real(value)
            if seconds is None or not seconds >= 0:
                raise ValueError(f"retention_seconds={value!r}: must be a number of seconds >= 0")
            value = seconds
        super().__setattr__(name, value)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.storage_url = self.storage_url.rstrip("/")
        if not _usable_storage_url(self.storage_url):
            raise ValueError(
                f"storage_url={self.storage_url!r}: must be an https URL (or plain http to a loopback host) in "
                "httpx's normal form (lower-case scheme and host, no default port, no fragment), as the client "
                "refuses other upload URLs and the mock's routes match that form"
            )
        self._base_path = httpx.URL(self.base_url).path.rstrip("/")
        _fork.register(self)  # a forked child makes the lock anew (see _after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock (a request of another thread may have held it at the fork)."""
        object.__setattr__(self, "_lock", threading.RLock())

    # scripting

    def calls(self, operation_id: OperationId) -> list[RecordedRequest]:
        """The recorded requests of one operation (``identify``, ``getJobById``, ``upload``, ...).

        Raises:
            ValueError: *operation_id* is no :data:`OperationId` (the error lists them).
        """
        _check_operation_id(operation_id)
        return [request for request in self.requests if request.operation_id == operation_id]

    @property
    def job_ids(self) -> list[str]:
        """The ids of the jobs the mock holds, oldest first: submitted through it or added with
        :meth:`add_job` (for :meth:`delivery` when the code under test does not return the id)."""
        with self._lock:
            self._purge()
            return list(self._jobs)

    def add_job(
        self,
        kind: Kind,
        status: Status | JobStatus = "succeeded",
        *,
        output: Mapping[str, Any] | None = None,
        job_id: str | None = None,
        outcome: Status | JobStatus | None = None,
        pending_polls: int | None = None,
    ) -> str:
        """Create a job in the given status (as if submitted earlier) and return its id.

        It is the newest job; one in a final status counts as just finished for retention. One in
        another status (``created``, ``pending``, ``running``) moves on as a submitted job does: its
        first *pending_polls* observations (polls, or listings that read it) answer ``running``, the
        next one *outcome* (``succeeded`` with *output*, else the kind's default output as for a job
        added ``succeeded``; ``failed`` with ``failure_message``; ``canceled``), and :meth:`delivery`
        ends it at once. *outcome* and *pending_polls* default to the mock's ``outcome`` and
        ``pending_polls`` when the job is added; ``outcome="running"`` keeps the job running (a
        delivery then ends it with the mock's ``outcome``). They are ignored for a job added in a
        final status.

        Raises:
            ValueError: *status* or *outcome* is no job status of the contract, or *pending_polls*
                is no whole number ≥ 0.
        """
        if status not in _STATUSES:
            raise ValueError(f"status={status!r}: must be a job status of the contract, {', '.join(_STATUSES)}")
        status = JobStatus(status).value  # a plain string in the job's body, as the API answers it
        if outcome is not None and outcome not in _STATUSES:
            raise ValueError(f"outcome={outcome!r}: must be a job status of the contract, {', '.join(_STATUSES)}")
        if pending_polls is not None:
            _check_count("pending_polls", pending_polls)
        ended = status in _TERMINAL
        stamp = self._stamp()
        body = make_job(kind, status, job_id=job_id, output=output, error=self.failure_message, created_at=stamp)
        job = _Job(
            kind=kind,
            job_id=body["jobId"],
            seq=0,
            created_at=stamp,
            updated_at=stamp,
            request={},
            pending_polls=max(0, self.pending_polls if pending_polls is None else pending_polls),
            outcome=status if ended else (self.outcome if outcome is None else outcome),
            output=body.get("output"),
            status=status,
            ended=self._now if ended else None,
        )
        self._add(job)
        return job.job_id

    def respond_with(
        self,
        operation_id: OperationId,
        status_code: int,
        json: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next *times* requests of *operation_id* with this status (and body, or a spec-valid one).

        *operation_id* is an operationId of openapi.yaml, or ``upload`` for the PUT to a presigned
        URL (an :data:`OperationId`; another is a ValueError listing them). Without *json*, the body
        is what openapi.yaml declares for this answer: an ``ApiError``, or where the declared body is
        no ``ApiError`` (a 400's ``ValidationErrorResponse``, a success) the contract's first example
        of it (a ValueError when it gives none); a 429 gets
        ``Retry-After: 1`` and the ``X-RateLimit-*`` headers of a refusal (limit, ``Remaining: 0``,
        reset time), and a success of an API operation (not ``upload``, the storage's) the
        ``X-RateLimit-Limit`` and ``-Remaining`` of the mock's own successes, unless *headers* say
        otherwise.

        *status_code* is a final HTTP status (200 to 599) and *times* a whole number ≥ 1, both
        checked here. Every answer scripted here must be used by the end of the
        test: the ``pyannoteai_mock`` fixture fails it otherwise (see :meth:`assert_all_used`).
        """
        answers = _scripted(operation_id, status_code, json, headers, times)
        with self._lock:
            self._queued.setdefault(operation_id, []).extend(answers)

    def assert_all_used(self) -> None:
        """Fail (``AssertionError``) if an answer scripted with :meth:`respond_with` was never used.

        As respx's ``assert_all_called``: an answer no request received means the test did not
        exercise what it scripted (a retry that never happened, an operation the code does not call).
        The ``pyannoteai_mock`` fixture calls it when a test that passed ends, unless the test is
        marked ``@pytest.mark.pyannoteai_mock(assert_all_used=False)``; call it yourself with a
        ``MockAPI`` of your own.
        """
        with self._lock:
            error = _unused_error(self._queued)
        if error is not None:
            raise error

    def delivery(
        self,
        job_id: str,
        secret: str | None = None,
        *,
        status_only: bool | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The signed webhook the API sends when job *job_id* ends: ``(body, headers)`` to hand to
        your receiver. The job ends now, with the outcome it was given, and its output is the one
        ``GET /v1/jobs/{id}`` then returns, so the delivery and a later poll agree.

        Args:
            job_id: a job submitted to (or added to) this mock.
            secret: the signing secret; default ``PYANNOTEAI_WEBHOOK_SECRET``, else the
                ``webhook_secret`` fixture's value.
            status_only: leave the output out; default: what the job was submitted with
                (``webhookStatusOnly``).
            retry_num: make it the API's retry number 1 to 3 of the delivery (``x-retry-num``);
                default: the first attempt, without retry headers. As :func:`signed_delivery`.
            retry_reason: why the attempt before it failed (``x-retry-reason``), one of
                ``webhooks.RetryReason``; default ``http_error``. Only with *retry_num*.

        Raises:
            KeyError: no such job (or it was deleted after ``retention_seconds``).
            ValueError: the job was submitted without a ``webhook``: the API delivers none; or a
                *retry_num* or *retry_reason* the API never sends (refused before the job ends).
        """
        with self._lock:
            return self._delivery(job_id, secret, status_only, retry_num, retry_reason)

    def _delivery(
        self,
        job_id: str,
        secret: str | None,
        status_only: bool | None,
        retry_num: int | None,
        retry_reason: str | None,
    ) -> tuple[bytes, dict[str, str]]:
        self._purge()
        job = self._jobs[job_id]
        return _delivery_of(job, self.outcome, self._advance, secret, status_only, retry_num, retry_reason)

    # the handler

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer *request* as the API would; record it (one request at a time, whatever the thread)."""
        content = request.read()
        with self._lock:
            return self._handle(request, content)
