"""One request budget shared by every task and thread of a batch: the API's limit, followed live.

The API allows N requests per sliding minute (100 by default; which requests share them, a key's,
a team's or an endpoint's, its documentation does not say) and says so on every response
(``X-RateLimit-Limit``, ``X-RateLimit-Remaining``); a refusal is a 429 with ``Retry-After``. The
limiter keeps a log of its own requests and lets a new one start only while fewer than N are in the
window, so a run saturates the limit without provoking 429s:

- a request counts from the moment it is granted until its response arrives, and then from the
  arrival time of the response. The server counts it from when the request reached it, which is
  earlier, so the local window always ends after the server's: no safety margin is needed;
- ``X-RateLimit-Limit`` replaces the assumed limit (the smallest value seen wins, so an API that
  reports different limits per endpoint is followed conservatively);
- ``X-RateLimit-Remaining`` (on an answered request) below what the log predicts means someone
  else spends the same budget (another process with the key): the difference is booked as if
  spent now, which errs on the safe side;
- a 429, or ``Remaining: 0`` with ``X-RateLimit-Reset``, pauses every request until the
  server's ``Retry-After`` or reset time.

Decisions are pure methods on the state (``_reserve``, ``observe``); ``slot()`` and
``slot_async()`` only wait, in a thread or a coroutine, so both share one budget.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import anyio

from .. import _fork, _timing
from .._numbers import real
from .._retry import parse_retry_after
from .._validation import DEFAULT_RATE_LIMIT
from ..errors import ValidationError

__all__ = ["DEFAULT_PER_MINUTE", "LimiterStats", "RateLimiter"]

#: The documented limit, assumed until the API's own header says otherwise.
DEFAULT_PER_MINUTE = DEFAULT_RATE_LIMIT
#: Longest single wait; a longer pause is re-checked after this (the state may have changed).
_MAX_NAP = 5.0


@dataclass
class LimiterStats:
    """What the limiter did: requests granted, 429s seen, and time spent waiting for a slot."""

    granted: int = 0
    throttled: int = 0
    waited: float = 0.0


class RateLimiter:
    """A sliding-window request budget that follows the API's rate-limit headers.

    Args:
        per_minute: the limit assumed before the API reports one (``X-RateLimit-Limit``).
        window: the window length in seconds (the API's is one minute).
        clock: a monotonic clock (default: ``time.monotonic``); *wall* the Unix time, to read
            ``X-RateLimit-Reset`` (default: ``time.time``).
        sleep, async_sleep: how :meth:`slot` and :meth:`slot_async` wait on *clock* (default:
            ``time.sleep`` and ``anyio.sleep``); a simulated clock needs its own sleeps, or a wait
            for a slot would never see its time pass.

    Given none of *clock*, *sleep* and *async_sleep*, a limiter built while the testing plugin's
    ``pyannoteai_mock`` fixture is active takes the mock's virtual clock and sleeps, as a
    ``Client()`` built then does: its waits for a slot take no real time, and, given no *wall*, it
    reads the mock's ``X-RateLimit-Reset`` against the mock's wall time (which ``advance()`` moves).
    One given any of *clock*, *sleep* and *async_sleep* keeps what it was given (and real time for
    the others).
    """

    def __init__(
        self,
        per_minute: int = DEFAULT_PER_MINUTE,
        *,
        window: float = 60.0,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        if isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1:
            raise ValidationError("per_minute", per_minute, "must be a whole number of requests ≥ 1")
        seconds = real(window)
        if seconds is None or not 0 < seconds < math.inf:
            raise ValidationError("window", window, "must be a positive, finite number of seconds")
        self.limit = per_minute
        self.window = seconds
        if clock is None and sleep is None and async_sleep is None and (timing := _timing.current()) is not None:
            clock, sleep, async_sleep = timing.clock, timing.sleep, timing.async_sleep  # pyannoteai_mock's
            wall = wall or timing.wall  # its reset times are on its own (virtual) wall time
        self._clock = clock or time.monotonic
        self._wall = wall or time.time
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._done: deque[float] = deque()  # times requests ended (responses arrived), oldest first
        self._in_flight = 0
        self._pause_until = 0.0
        self._reported = False
        self._lock = threading.Lock()
        self.stats = LimiterStats()
        _fork.register(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock (a request of another thread may have held it at the fork)."""
        self._lock = threading.Lock()

    @property
    def per_second(self) -> float:
        """The sustained rate the current limit allows."""
        return self.limit / self.window

    def __repr__(self) -> str:
        if not hasattr(self, "_in_flight"):  # refused half-way through __init__ (a traceback's locals)
            return "<RateLimiter (not configured)>"
        return f"RateLimiter(limit={self.limit}/{self.window:g}s, in_flight={self._in_flight})"

    # --- decisions (under the lock) ----------------------------------------------------------

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._done and self._done[0] <= horizon:
            self._done.popleft()

    def _reserve(self) -> float:
        """Take a slot and return 0, or return the seconds to wait before asking again."""
        with self._lock:
            now = self._clock()
            if now < self._pause_until:
                return self._pause_until - now
            self._expire(now)
            if len(self._done) + self._in_flight < self.limit:
                self._in_flight += 1
                self.stats.granted += 1
                return 0.0
            if self._done:
                return max(self._done[0] + self.window - now, 1e-3)
            # Every slot is in flight: a response will free one; look again shortly.
            return min(self.window / self.limit, _MAX_NAP)

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._done.append(self._clock())

    def observe(self, status_code: int, headers: Mapping[str, str]) -> None:
        """Learn from a response of the API: its limit, what remains, and any request to wait."""
        headers = {name.lower(): value for name, value in headers.items()}
        with self._lock:
            now = self._clock()
            limit = _int_header(headers, "x-ratelimit-limit")
            if limit is not None and limit >= 1:
                self.limit = limit if not self._reported else min(self.limit, limit)
                self._reported = True
            remaining = _int_header(headers, "x-ratelimit-remaining")
            reset = _until_reset(headers, self._wall())
            if remaining is not None and status_code != 429:
                # (A refusal's "Remaining: 0" says the window is full, not who filled it: its
                # Retry-After below is the better guide.)
                self._expire(now)
                used_by_server = self.limit - remaining
                # This response's request is still in flight here, so it is already counted.
                used_here = len(self._done) + self._in_flight
                # Someone else's requests: booked as if made now, or so that they leave the window
                # at the reset time the API gave.
                moment = now if reset is None else min(now, now + reset - self.window)
                for _ in range(max(0, min(used_by_server - used_here, self.limit))):
                    bisect.insort(self._done, moment)
            pause = None
            if status_code == 429:
                self.stats.throttled += 1
                pause = parse_retry_after(headers, self._wall())
                if pause is None:
                    pause = reset
                if pause is None:
                    pause = self.window / self.limit
            elif remaining == 0:
                pause = reset
            if pause is not None:
                self._pause_until = max(self._pause_until, now + min(pause, self.window))

    # --- waiting -----------------------------------------------------------------------------

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait (blocking) for room in the budget; the request runs inside the ``with`` block."""
        while (delay := self._reserve()) > 0:
            nap = min(delay, _MAX_NAP)
            self.stats.waited += nap
            if self._sleep is not None:
                self._sleep(nap)
            else:
                time.sleep(nap)
        try:
            yield
        finally:
            self._release()

    @asynccontextmanager
    async def slot_async(self) -> AsyncIterator[None]:
        """Wait (in a coroutine) for room in the budget; the request runs inside the block."""
        while (delay := self._reserve()) > 0:
            nap = min(delay, _MAX_NAP)
            self.stats.waited += nap
            if self._async_sleep is not None:
                await self._async_sleep(nap)
            else:
                await anyio.sleep(nap)
        try:
            yield
        finally:
            self._release()


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number >= 0 else None


def _until_reset(headers: Mapping[str, str], wall_now: float) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (epoch seconds; a small number is read as a delay)."""
    reset = _int_header(headers, "x-ratelimit-reset")
    if reset is None:
        return None
    return max(0.0, reset - wall_now) if reset > 1e9 else float(reset)
