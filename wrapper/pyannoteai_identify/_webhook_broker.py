"""Hand each verified webhook event to whoever waits for its job: the :class:`WebhookBroker` (public in
:mod:`pyannoteai_identify.receiver`), which keeps, bounded in number and age, the events nobody
waits for yet."""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import anyio

from . import _fork
from ._broker_waiters import _AsyncWaiter, _ThreadWaiter
from ._numbers import real
from .errors import ValidationError
from .results import _read_only
from .webhooks import WebhookEvent

logger = logging.getLogger("pyannoteai_identify.webhooks")


#: How many discarded job ids a :class:`WebhookBroker` remembers (each for its ``max_age``), so that
#: the late delivery of a job whose wait a poll ended keeps its envelope only, not its output.
DISCARDED_IDS = 4096


class WebhookBroker:
    """A rendezvous between the receiver, which publishes events, and code waiting for a job.

    Thread-safe and usable from async code: ``publish`` may run in a server thread while ``wait``
    blocks in another thread and ``wait_async`` awaits on any event loop (asyncio or trio). An event published before
    anyone waits for its job is kept (the *max_pending* most recent ones) and handed to the first
    waiter; an event handed to a waiter is not kept.

    A kept event holds its job's parsed output (``result``, about a third of its JSON's size for a
    long identify output), so kept events are bounded in number and in age: one that nobody
    claimed within *max_age* seconds (its job was waited for by polling, or by nobody) is dropped.
    ``Client.wait`` also calls :meth:`discard` when a poll ended the wait first: a delivery for that
    job arriving within *max_age* seconds after keeps its envelope only (its status, no output), and
    outside the *max_pending* slots, for a second waiter on that job. A kept event
    keeps in ``raw`` the delivery's envelope only, without ``output``: the parsed JSON of a large
    output takes several times its size (twice over beside ``result``). An output that could not
    be read (``output_error``) is then fetched with the client, as ``Client.wait`` does.

    Args:
        max_pending: how many unclaimed events to keep; the oldest is dropped first.
        max_age: seconds an unclaimed event is kept.
        clock: a monotonic clock in seconds, for tests.
    """

    def __init__(
        self, max_pending: int = 256, *, max_age: float = 900.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if isinstance(max_pending, bool) or not isinstance(max_pending, int) or max_pending < 1:
            raise ValidationError("max_pending", max_pending, "must be a whole number ≥ 1")
        age = real(max_age)
        if age is None or not 0 < age < math.inf:
            raise ValidationError("max_age", max_age, "must be a finite number of seconds > 0")
        self.max_pending = max_pending
        self.max_age = age
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, tuple[float, WebhookEvent]] = OrderedDict()
        # job id -> (when discarded, the envelope of its late delivery), the oldest first
        self._discarded: OrderedDict[str, tuple[float, WebhookEvent | None]] = OrderedDict()
        self._waiters: dict[str, list[_ThreadWaiter | _AsyncWaiter]] = {}
        _fork.register(self)  # last: a forked child makes the lock anew (see _after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock (a publish or wait of another thread may have held it at the
        fork), and none of the parent's waiters, whose threads and event loops do not run here."""
        self._lock = threading.Lock()
        self._waiters = {}

    def publish(self, event: WebhookEvent) -> None:
        """Hand *event* to everyone waiting for its job, or keep it for the first one who will."""
        with self._lock:
            waiters = self._waiters.pop(event.job_id, [])
            delivered = [waiter.deliver(event) for waiter in waiters]
            if not any(delivered):
                self._keep_locked(event)

    def _kept_or_register(self, job_id: str, waiter: _ThreadWaiter | _AsyncWaiter) -> WebhookEvent | None:
        """The event kept for *job_id*, if one arrived before anyone waited; otherwise register *waiter*."""
        with self._lock:
            self._drop_expired()
            kept = self._pending.pop(job_id, None)
            _, late = self._discarded.pop(job_id, (0.0, None))  # waited for again: its delivery is wanted
            if kept is not None:
                return kept[1]
            if late is None:
                self._waiters.setdefault(job_id, []).append(waiter)
            return late

    def discard(self, job_id: str) -> None:
        """Drop the event kept for *job_id*, if any: its job's result was obtained another way. Of a
        delivery for it within ``max_age`` seconds, only the envelope is kept (its status, for
        another wait on the job), outside the *max_pending* slots."""
        with self._lock:
            self._pending.pop(job_id, None)
            _, late = self._discarded.get(job_id, (0.0, None))  # discarded again: an envelope kept stays
            self._discarded[job_id] = (self._clock(), late)
            self._discarded.move_to_end(job_id)
            while len(self._discarded) > DISCARDED_IDS:
                self._discarded.popitem(last=False)

    def wait(self, job_id: str, timeout: float) -> WebhookEvent | None:
        """Block until the event for *job_id* arrives (or was kept); None after *timeout* seconds."""
        return self._wait_as(_ThreadWaiter(), job_id, timeout)

    def _wait_as(self, waiter: _ThreadWaiter, job_id: str, timeout: float) -> WebhookEvent | None:
        """:meth:`wait` as *waiter*, which its caller may wake early (``Client.close()``): then the
        event, if it came meanwhile, else None."""
        timeout = _check_timeout(timeout)
        kept = self._kept_or_register(job_id, waiter)
        if kept is not None:
            return kept
        finished = False  # by the event or by the timeout; not by a KeyboardInterrupt
        try:
            # A timeout past the thread timers' range (about 292 years) raised OverflowError: it waits without end.
            waiter.ready.wait(min(timeout, threading.TIMEOUT_MAX))
            finished = True
        finally:
            with self._lock:
                self._forget(job_id, waiter)
                if not finished and waiter.event is not None:  # interrupted as it arrived: keep it
                    self._keep_locked(waiter.event)
        return waiter.event

    async def wait_async(self, job_id: str, timeout: float) -> WebhookEvent | None:
        """Await the event for *job_id* (asyncio or trio); None after *timeout* seconds."""
        timeout = _check_timeout(timeout)
        waiter = _AsyncWaiter(self)
        kept = self._kept_or_register(job_id, waiter)
        if kept is not None:
            return kept
        finished = False  # by the event or by the timeout; not by a cancellation
        try:
            with anyio.move_on_after(timeout):
                await waiter.ready.wait()
            finished = True
        finally:
            with self._lock:
                self._forget(job_id, waiter)
                waiter.closed = True
                if not finished and waiter.event is not None:  # cancelled as it arrived: keep it
                    self._keep_locked(waiter.event)
        return waiter.event

    def pending(self) -> int:
        """How many published events no one has waited for yet."""
        with self._lock:
            self._drop_expired()
            return len(self._pending)

    def _keep(self, event: WebhookEvent) -> None:
        with self._lock:
            self._keep_locked(event)

    def _keep_locked(self, event: WebhookEvent) -> None:
        self._drop_expired()
        if "output" in event.raw:
            envelope = {key: value for key, value in event.raw.items() if key != "output"}
            event = dataclasses.replace(event, raw=_read_only(envelope))
        discarded = self._discarded.get(event.job_id)
        if discarded is not None:  # its wait ended without it: whether it ended is all still worth keeping
            self._discarded[event.job_id] = (discarded[0], dataclasses.replace(event, result=None, output_error=None))
            return
        self._pending[event.job_id] = (self._clock(), event)
        self._pending.move_to_end(event.job_id)
        while len(self._pending) > self.max_pending:
            dropped, _ = self._pending.popitem(last=False)
            logger.debug("dropped the unclaimed webhook event of job %s (over %d kept)", dropped, self.max_pending)

    def _drop_expired(self) -> None:
        """Drop kept events, and discarded job ids, older than ``max_age`` (the oldest come first)."""
        horizon = self._clock() - self.max_age
        while self._discarded and next(iter(self._discarded.values()))[0] <= horizon:
            self._discarded.popitem(last=False)
        while self._pending:
            job_id, (kept_at, _) = next(iter(self._pending.items()))
            if kept_at > horizon:
                return
            del self._pending[job_id]
            logger.debug("dropped the unclaimed webhook event of job %s (kept over %g s)", job_id, self.max_age)

    def _forget(self, job_id: str, waiter: _ThreadWaiter | _AsyncWaiter) -> None:
        waiters = self._waiters.get(job_id)
        if waiters is not None and waiter in waiters:
            waiters.remove(waiter)
            if not waiters:
                del self._waiters[job_id]

    def __repr__(self) -> str:
        if not hasattr(self, "_pending"):  # refused half-way through __init__ (a traceback's locals)
            return "<WebhookBroker (not configured)>"
        return f"WebhookBroker(max_pending={self.max_pending}, max_age={self.max_age:g}, pending={len(self._pending)})"


def _check_timeout(timeout: float) -> float:
    """*timeout* as a float: finite seconds ≥ 0, any real number (:func:`._numbers.real`)."""
    seconds = real(timeout)
    if seconds is None or not 0 <= seconds < math.inf:
        raise ValidationError("timeout", timeout, "must be a finite number of seconds ≥ 0")
    return seconds


#: ``WebhookBroker.wait`` as defined: a broker whose ``wait`` is still this one (not overridden, not
#: patched by a test) may be waited on through ``_wait_as``, which ``Client.close()`` can wake.
_BROKER_WAIT = WebhookBroker.wait
