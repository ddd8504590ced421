"""The documented limit of N requests per sliding minute, per API key, with its response headers."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from ._clock import Clock

__all__ = ["RateLimiter", "Verdict"]

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Verdict:
    """Whether one request may pass, and the ``X-RateLimit-*`` / ``Retry-After`` headers to send."""

    allowed: bool
    limit: int | None  # None: no limit configured (an injected 429 sends only the wait headers)
    remaining: int
    reset: int | None = None
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        """The headers for this verdict (reset and Retry-After only when refused)."""
        headers = {}
        if self.limit is not None:
            headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}
        if self.reset is not None:
            headers["X-RateLimit-Reset"] = str(self.reset)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """A sliding-window log: a request passes if fewer than *per_minute* passed in the last 60 s.

    Refused requests do not count. The window is real time (never compressed by ``speed``):
    clients wait ``Retry-After`` seconds on their own clock. ``Clock.advance`` slides the window
    (the wait left shrinks), but ``X-RateLimit-Reset``, an epoch time a client compares with its own
    clock and ``Date``, is now plus that wait on the real wall clock, so that it agrees with
    ``Retry-After`` and ``Date``. ``per_minute=0`` turns it off.
    """

    def __init__(self, per_minute: int, clock: Clock) -> None:
        if not isinstance(per_minute, int) or isinstance(per_minute, bool) or per_minute < 0:
            raise ValueError(f"rate_limit={per_minute!r}: must be a whole number of requests per minute >= 0")
        self.per_minute = per_minute
        self._clock = clock
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> Verdict | None:
        """Record one request for *key*; None when the limit is off."""
        if self.per_minute == 0:
            return None
        now = self._clock.now()
        with self._lock:
            log = self._log.setdefault(key, deque(maxlen=self.per_minute))
            while log and log[0] <= now - WINDOW_SECONDS:
                log.popleft()
            if len(log) < self.per_minute:
                log.append(now)
                return Verdict(True, self.per_minute, self.per_minute - len(log))
            wait = log[0] + WINDOW_SECONDS - now
        return Verdict(
            False,
            self.per_minute,
            0,
            reset=math.ceil(self._clock.real_wall() + wait),
            retry_after=max(1, math.ceil(wait)),
        )

    def clear(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            self._log.clear()

    def refused(self, retry_after: int) -> Verdict:
        """The headers of an injected 429: the limit as configured, nothing remaining."""
        return Verdict(
            False,
            self.per_minute or None,
            0,
            reset=math.ceil(self._clock.real_wall() + retry_after),
            retry_after=retry_after,
        )
