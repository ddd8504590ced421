"""Webhook delivery: one background thread that posts signed job results, with the API's retries.

When a job with a ``webhook`` ends, the worker POSTs ``{jobId, status, output?}`` signed with
:func:`pyannoteai_identify.webhooks.sign` (``X-Signature``, ``X-Request-Timestamp``, signed
afresh on every attempt with the real time, so receivers verify against their own clock). A
non-2xx answer, a timeout (10 s by default) or a connection error is retried up to 3 times: at
once, then 60 s and 300 s later, divided by ``speed``; retries carry ``x-retry-num`` (1-3) and
``x-retry-reason``. Only loopback hosts are contacted unless external webhooks are allowed;
other deliveries are recorded as ``refused`` and never sent.

The worker starts with the first webhook job, delivers one request at a time, keeps at most
1000 pending deliveries and stops when the sandbox closes (an attempt in flight is bounded by
the timeout).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .. import webhooks
from ._clock import Clock, Timing
from ._fetch import NotLoopback, is_loopback, loopback_client
from ._state import EPSILON, Job
from ._stats import Delivery, DeliveryOutcome, Stats

__all__ = ["RETRY_DELAYS", "WebhookDispatcher"]

#: Simulated seconds before retries 1, 2 and 3.
RETRY_DELAYS = (0.0, 60.0, 300.0)
_MAX_PENDING = 1000
_IDLE_WAIT = 0.5
_MIN_WAIT = 0.005  # never spin: a clock that stands still (a test's) is re-read at most every 5 ms

logger = logging.getLogger("pyannoteai_identify.sandbox")


@dataclass(order=True)
class _Pending:
    due: float
    order: int
    job_id: str = field(compare=False)
    url: str = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(compare=False, default=0)
    reason: str | None = field(compare=False, default=None)


def _reason(exc: Exception) -> str:
    """The ``x-retry-reason`` for a failed attempt."""
    if isinstance(exc, httpx.TimeoutException):
        return "http_timeout"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too_many_redirects"
    if isinstance(exc, httpx.ConnectError) and isinstance(exc.__cause__ or exc.__context__, ssl.SSLError):
        return "ssl_error"
    if isinstance(exc, httpx.NetworkError):
        return "connection_failed"
    return "unknown_error"


class WebhookDispatcher:
    """Delivers the webhooks of ended jobs on a bounded background thread."""

    def __init__(
        self,
        *,
        clock: Clock,
        timing: Timing,
        stats: Stats,
        secret: str,
        timeout: float = 10.0,
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
        self._queue: list[_Pending] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._generation = 0  # bumped by clear(): an attempt in flight then is not recorded
        clock.on_advance(self._wake.set)

    def watch(self, job: Job) -> None:
        """Deliver *job*'s webhook when it ends (no-op without a webhook)."""
        if job.webhook is None:
            return
        body = json.dumps(job.delivery(), separators=(",", ":")).encode("utf-8")
        with self._lock:
            if self._stop.is_set():
                return
            if len(self._queue) >= _MAX_PENDING:
                logger.warning("webhook queue full (%d pending): dropping the delivery of job %s", _MAX_PENDING, job.id)
                return
            heapq.heappush(self._queue, _Pending(job.ends, next(self._order), job.id, job.webhook, body))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pyannoteai-sandbox-webhooks", daemon=True)
                self._thread.start()
        self._wake.set()

    @property
    def scheduled(self) -> list[tuple[str, int, float]]:
        """Deliveries not yet made, soonest first: ``(job_id, attempt, due)`` with *due* on the clock."""
        with self._lock:
            return [(item.job_id, item.attempt, item.due) for item in sorted(self._queue)]

    def clear(self) -> None:
        """Drop every pending delivery; an attempt in flight finishes but is neither recorded nor retried."""
        with self._lock:
            self._queue.clear()
            self._generation += 1

    def close(self, timeout: float | None = None) -> None:
        """Stop the worker, dropping pending deliveries; wait at most *timeout* (default: timeout + 1 s)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(self._timeout + 1.0 if timeout is None else timeout)
            if thread.is_alive():
                logger.warning("webhook worker still busy after close; it stops after its current attempt")

    # --- worker --------------------------------------------------------------------------------

    def _run(self) -> None:
        with loopback_client(self._timeout, loopback_only=not self._allow_external) as client:
            while not self._stop.is_set():
                item = self._next_due()
                if item is not None:
                    self._attempt(client, item)

    def _next_due(self) -> _Pending | None:
        """The next delivery whose time has come, or None after waiting (at most 0.5 s)."""
        with self._lock:
            wait = _IDLE_WAIT
            if self._queue:
                wait = self._queue[0].due - self._clock.now()
                if wait <= EPSILON:
                    return heapq.heappop(self._queue)
        self._wake.wait(min(max(wait, _MIN_WAIT), _IDLE_WAIT))
        self._wake.clear()
        return None

    def _attempt(self, client: httpx.Client, item: _Pending) -> None:
        with self._lock:
            generation = self._generation

        def record(outcome: DeliveryOutcome, status: int | None, reason: str | None) -> None:
            with self._lock:
                if generation != self._generation:
                    return
            self._stats.record(Delivery(item.job_id, item.url, item.attempt, outcome, status, reason, item.body))

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
        headers = {"Content-Type": "application/json", "User-Agent": "pyannoteai-identify-sandbox"}
        headers.update(webhooks.sign(item.body, self._secret, timestamp=int(self._wall())))
        if item.attempt:
            headers[webhooks.RETRY_NUM_HEADER] = str(item.attempt)
            headers[webhooks.RETRY_REASON_HEADER] = item.reason or "unknown_error"
        status: int | None = None
        try:
            response = client.post(item.url, content=item.body, headers=headers)
            status = response.status_code
            reason = None if response.is_success else "http_error"
        except NotLoopback:
            logger.warning("webhook of job %s redirected off this machine: not followed", item.job_id)
            record("refused", None, None)
            return
        except Exception as exc:  # any failure of the receiver is the receiver's, never the sandbox's
            reason = _reason(exc)
        if reason is None:
            record("delivered", status, None)
            return
        record("failed", status, reason)
        if item.attempt < len(RETRY_DELAYS):
            delay = self._timing.real(RETRY_DELAYS[item.attempt])
            retry = _Pending(
                self._clock.now() + delay, next(self._order), item.job_id, item.url, item.body, item.attempt + 1, reason
            )
            with self._lock:
                if generation == self._generation:
                    heapq.heappush(self._queue, retry)
