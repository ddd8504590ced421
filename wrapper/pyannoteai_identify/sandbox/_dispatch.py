"""Webhook delivery: one background thread that posts signed job results, with the API's retries.

When a job with a ``webhook`` ends, the worker POSTs ``{jobId, status, output?}`` signed with
:func:`pyannoteai_identify.webhooks.sign` (``X-Signature``, ``X-Request-Timestamp``, signed
afresh on every attempt with the real time, so receivers verify against their own clock). A
non-2xx answer, a timeout (the API's, by default: the contract's ``x-timeout-seconds``, also for
the answer's whole body), an answer body over 64 KiB (decoded a bounded step at a time, so a
compressed one never expands in memory), a redirect past the API's limit (the contract's
``x-max-redirects``: more than twice is ``too_many_redirects``) or a connection error is retried
on the API's schedule (the contract's ``x-retry-delays-seconds``: at once, then after 1 and 5
minutes), divided by ``speed``; retries carry ``x-retry-num`` (1 to the number of delays) and
``x-retry-reason``. Only loopback hosts are contacted unless external webhooks are allowed; other
deliveries are recorded as ``refused`` and never sent.

The worker starts with the first webhook job, delivers one request at a time, keeps at most 1000
pending deliveries and stops when the sandbox closes: an attempt in flight is then aborted, its
connection shut down, so closing is prompt. A job whose time is over but whose outcome is not
decided yet is never waited for: its delivery is set aside and looked at again every few
milliseconds (real time, so a frozen test clock does not matter) while the others go on; it is
dropped only by close() or reset(), never for being slow.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import webhooks
from .._bounded import read_body
from .._contract import SpecReader
from ._clock import Clock, Timing
from ._fetch import NotLoopback, connection_handle, is_loopback, loopback_client
from ._state import EPSILON, Job
from ._stats import Delivery, DeliveryOutcome, Stats

__all__ = ["CLOSE_TIMEOUT", "DELIVERY_TIMEOUT", "MAX_REDIRECTS", "RETRY_DELAYS", "WebhookDispatcher"]

_SPEC = SpecReader(__name__)
_DELIVERY = ("webhooks", "jobCompleted", "post")
#: Simulated seconds before each retry, the first one's first (the contract's ``x-retry-delays-seconds``).
RETRY_DELAYS: tuple[float, ...] = tuple(float(delay) for delay in _SPEC.get(*_DELIVERY, "x-retry-delays-seconds"))
#: Seconds the API gives a receiver to answer (the contract's ``x-timeout-seconds``).
DELIVERY_TIMEOUT: float = float(_SPEC.get(*_DELIVERY, "x-timeout-seconds"))
#: Redirects the API follows for one attempt; one more fails it as ``too_many_redirects`` (``x-max-redirects``).
MAX_REDIRECTS: int = int(_SPEC.get(*_DELIVERY, "x-max-redirects"))
_MAX_PENDING = 1000
#: The largest answer body read from a receiver; a larger one fails the attempt.
MAX_ANSWER_BYTES = 64 * 1024
#: Seconds close() waits for the worker (an attempt in flight is aborted, so it stops at once).
CLOSE_TIMEOUT = 1.0
_IDLE_WAIT = 0.5
_MIN_WAIT = 0.005  # never spin: a clock that stands still (a test's) is re-read at most every 5 ms
_RECHECK = 0.01  # real seconds between two looks at deliveries whose job's outcome is not decided yet

logger = logging.getLogger("pyannoteai_identify.sandbox")


@dataclass(order=True)
class _Pending:
    due: float
    order: int
    job_id: str = field(compare=False)
    url: str = field(compare=False)
    body: bytes | Job = field(compare=False)  # the job until its outcome is known, then the payload
    attempt: int = field(compare=False, default=0)
    reason: webhooks.RetryReason | None = field(compare=False, default=None)


def _reason(exc: Exception) -> webhooks.RetryReason:
    """The ``x-retry-reason`` for a failed attempt (one of the values the contract lists)."""
    if isinstance(exc, httpx.TimeoutException):
        return webhooks.RetryReason.HTTP_TIMEOUT
    if isinstance(exc, httpx.TooManyRedirects):
        return webhooks.RetryReason.TOO_MANY_REDIRECTS
    if isinstance(exc, httpx.ConnectError) and isinstance(exc.__cause__ or exc.__context__, ssl.SSLError):
        return webhooks.RetryReason.SSL_ERROR
    if isinstance(exc, httpx.NetworkError):
        return webhooks.RetryReason.CONNECTION_FAILED
    return webhooks.RetryReason.UNKNOWN_ERROR


def _ready(item: _Pending) -> bool:
    """Whether the delivery's body is known: a retry's, or its job's outcome is decided."""
    return isinstance(item.body, bytes) or item.body.decision.outcome is not None


def _payload(item: _Pending) -> bytes | None:
    """The delivery's body, made (once) from its job when the job's outcome is decided; None before."""
    if isinstance(item.body, bytes):
        return item.body
    payload = item.body.delivery()
    if payload is None:
        return None
    item.body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return item.body


class WebhookDispatcher:
    """Delivers the webhooks of ended jobs on a bounded background thread."""

    def __init__(
        self,
        *,
        clock: Clock,
        timing: Timing,
        stats: Stats,
        secret: str,
        timeout: float = DELIVERY_TIMEOUT,
        allow_external: bool = False,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._timing = timing
        self._stats = stats
        self._secret = secret
        self._timeout = timeout
        self._allow_external = allow_external
        self._wall = wall
        self._queue: list[_Pending] = []  # by due time on the clock
        self._undecided: list[_Pending] = []  # due, in turn; one whose job is undecided stays until decided
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._generation = 0  # bumped by clear() and close(): an attempt in flight then is not recorded
        # The connection of the attempt in flight, with the worker thread that made it: a worker of
        # before a restart (still connecting after close()) must not forget the new worker's.
        self._inflight: socket.socket | None = None
        self._inflight_thread: int | None = None
        clock.on_advance(self._wake.set)

    def watch(self, job: Job) -> None:
        """Deliver *job*'s webhook when it ends (no-op without a webhook)."""
        if job.webhook is None:
            return
        with self._lock:
            if self._stop.is_set():
                return
            if len(self._queue) + len(self._undecided) >= _MAX_PENDING:
                logger.warning("webhook queue full (%d pending): dropping the delivery of job %s", _MAX_PENDING, job.id)
                return
            heapq.heappush(self._queue, _Pending(job.ends, next(self._order), job.id, job.webhook, job))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="pyannoteai-sandbox-webhooks", daemon=True
                )
                self._thread.start()
        self._wake.set()

    @property
    def scheduled(self) -> list[tuple[str, int, float]]:
        """Deliveries not yet made, soonest first: ``(job_id, attempt, due)`` with *due* on the clock."""
        with self._lock:
            return [(item.job_id, item.attempt, item.due) for item in sorted(self._queue + self._undecided)]

    def clear(self) -> None:
        """Drop every pending delivery; an attempt in flight finishes but is neither recorded nor retried."""
        with self._lock:
            self._queue.clear()
            self._undecided.clear()
            self._generation += 1

    def start(self) -> None:
        """Deliver again after :meth:`close` (nothing to do while running): webhooks of jobs
        submitted from now on are delivered by a fresh worker."""
        with self._lock:
            if self._stop.is_set():
                self._stop = threading.Event()  # a worker of before close() keeps its own, set one
                self._thread = None

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the worker, dropping pending deliveries and aborting an attempt in flight (its
        connection is shut down, so close() need not wait for the receiver); wait at most *timeout*.

        An aborted attempt is neither recorded nor retried. Only an attempt still connecting (to an
        external host) can outlive *timeout*; it ends within ``timeout`` on its daemon thread.
        """
        with self._lock:
            self._stop.set()
            self._queue.clear()
            self._undecided.clear()
            self._generation += 1
            self._abort()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("webhook worker still connecting after close; it stops within its timeout")

    def _abort(self) -> None:
        """Shut down the connection of the attempt in flight (called with the lock held).

        Closing an httpx client does not wake a thread blocked reading its socket; a shutdown does.
        """
        if self._inflight is not None:
            with contextlib.suppress(OSError):
                self._inflight.shutdown(socket.SHUT_RDWR)

    def _forget_inflight(self) -> None:
        """Close the handle on the connection in flight, if any (called with the lock held)."""
        if self._inflight is not None:
            self._inflight.close()
        self._inflight, self._inflight_thread = None, None

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember the socket of the attempt's connection, for close()."""
        if event == "connection.connect_tcp.complete":
            sock = connection_handle(info)
            with self._lock:
                self._forget_inflight()  # a redirect's earlier connection, or an old worker's
                self._inflight, self._inflight_thread = sock, threading.get_ident()
                if self._stop.is_set():
                    self._abort()

    # --- worker --------------------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        """The worker, until *stop* (its own: a worker started after a restart has another one)."""
        with loopback_client(
            self._timeout, max_redirects=MAX_REDIRECTS, loopback_only=not self._allow_external
        ) as client:
            while not stop.is_set():
                item = self._next_due()
                if item is not None:
                    self._attempt(client, item)

    def _next_due(self) -> _Pending | None:
        """The next delivery whose time has come and whose payload is known, or None after waiting
        (at most 0.5 s, or _RECHECK while some job's outcome is awaited).

        A due delivery of an undecided job is set aside, never waited for, so it holds up no other."""
        with self._lock:
            now = self._clock.now()
            while self._queue and self._queue[0].due - now <= EPSILON:
                self._undecided.append(heapq.heappop(self._queue))
            for index, item in enumerate(self._undecided):
                if _ready(item):
                    return self._undecided.pop(index)
            wait = _IDLE_WAIT if not self._queue else self._queue[0].due - now
            if self._undecided:
                wait = min(wait, _RECHECK)
        self._wake.wait(min(max(wait, _MIN_WAIT), _IDLE_WAIT))
        self._wake.clear()
        return None

    def _attempt(self, client: httpx.Client, item: _Pending) -> None:
        with self._lock:
            generation = self._generation
        body = _payload(item)
        if body is None:  # not reached: _next_due hands out only deliveries with a payload
            return

        def record(outcome: DeliveryOutcome, status: int | None, reason: webhooks.RetryReason | None) -> None:
            # Checked and recorded under one lock: a clear() (a reset between tests) in between
            # would otherwise let this attempt be recorded in the next test's statistics.
            said = None if reason is None else reason.value  # recorded as the header's plain string
            with self._lock:
                if generation == self._generation:
                    self._stats.record(Delivery(item.job_id, item.url, item.attempt, outcome, status, said, body))

        try:
            host = urlsplit(item.url).hostname
        except ValueError:
            host = None
        if not self._allow_external and not is_loopback(host):
            logger.warning(
                "webhook of job %s not delivered: the sandbox only calls loopback addresses "
                "(start it with allow_external_webhooks=True to allow others)",
                item.job_id,
            )
            record("refused", None, None)
            return
        # A connection per attempt ("close"), so _trace sees each one and close() can abort it.
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "pyannoteai-identify-sandbox",
            "Connection": "close",
        }
        headers.update(webhooks.sign(body, self._secret, timestamp=int(self._wall())))
        if item.attempt:
            headers[webhooks.RETRY_NUM_HEADER] = str(item.attempt)
            headers[webhooks.RETRY_REASON_HEADER] = (item.reason or webhooks.RetryReason.UNKNOWN_ERROR).value
        status: int | None = None
        try:
            with client.stream(
                "POST", item.url, content=body, headers=headers, extensions={"trace": self._trace}
            ) as response:
                status = response.status_code
                # Read, not kept: within a small cap and the timeout, decoded a bounded step at a time.
                read_body(response, max_bytes=MAX_ANSWER_BYTES, budget=self._timeout)
            reason = None if response.is_success else webhooks.RetryReason.HTTP_ERROR
        except NotLoopback:
            logger.warning("webhook of job %s redirected off this machine: not followed", item.job_id)
            record("refused", None, None)
            return
        except Exception as exc:  # any failure of the receiver is the receiver's, never the sandbox's
            reason = _reason(exc)
        finally:
            with self._lock:
                if self._inflight_thread == threading.get_ident():
                    self._forget_inflight()
        if reason is None:
            record("delivered", status, None)
            return
        record("failed", status, reason)
        if item.attempt < len(RETRY_DELAYS):
            delay = self._timing.real(RETRY_DELAYS[item.attempt])
            retry = _Pending(
                self._clock.now() + delay, next(self._order), item.job_id, item.url, body, item.attempt + 1, reason
            )
            with self._lock:
                if generation == self._generation:
                    heapq.heappush(self._queue, retry)
