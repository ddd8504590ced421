"""``Throttle``: the rate-limit back-pressure that every request of one client shares."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Mapping
from typing import NamedTuple

from ._polling import exhausted, limit_of, rate_limit_gap
from ._rate_limit_info import RateLimitHeaders


class Reservation(NamedTuple):
    """A request's place in the :class:`Throttle` queue."""

    pause: float
    """Seconds to wait before sending."""
    generation: int
    """What to hand back to :meth:`Throttle.observe` with the response."""
    slot: float
    """The instant reserved, on the client's clock; the token for :meth:`Throttle.sent`/:meth:`Throttle.release`."""


class Throttle:
    """Back-pressure shared by every request of one client: the earliest instant the next one may be sent.

    The API's rate limit is per key, so the concurrent waits of one client draw on one budget. When
    a response says it is spent (a 429, or ``X-RateLimit-Remaining: 0``), the next request of the
    client, not only the refused one, waits for the server's ``Retry-After`` (or ``X-RateLimit-Reset``),
    at most *cap* seconds. From then on requests are also spaced ``60 / X-RateLimit-Limit`` seconds
    apart: waits woken together queue one behind the other at the documented rate instead of
    refusing each other in bursts. Thread-safe; times are on the client's clock.

    Concurrent responses arrive in any order, so each request carries the *generation* of the
    throttle it was reserved under (:meth:`reserve`): only a response to a request sent after the
    latest tightening may lift the spacing. A stale "plenty left" from the same burst that was
    refused cannot undo the back-pressure its refusal set.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hold_until = -math.inf  # set by a Retry-After / X-RateLimit-Reset
        self._spacing = 0.0
        self._generation = 0
        self._waiting: list[float] = []  # slots reserved, neither sent nor released yet
        self._last_sent = -math.inf
        # The longest hold and spacing ever set: on one clock, no request waits longer than the
        # hold plus a spacing per request ahead of it (see reserve()).
        self._longest_hold = 0.0
        self._longest_spacing = 0.0

    def _earliest(self) -> float:
        """The next free slot: after the hold, and one spacing after the latest slot sent or reserved."""
        return max(self._hold_until, max([self._last_sent, *self._waiting]) + self._spacing)

    def _next_slot(self, now: float) -> float:
        """The slot a request ready at *now* gets: the earliest free one, at most the longest hold
        plus a spacing per request ahead of it away. On one clock it is never further off, so the
        bound changes nothing there; callers each on a clock of their own (a test double's virtual
        time per thread) would otherwise wait out the gap between their clocks "for the rate limit"."""
        bound = self._longest_hold + (len(self._waiting) + 1) * self._longest_spacing
        if not bound:  # never held back nor spaced (most clients, on every request): *now*, exactly
            return now
        return max(min(self._earliest(), now + bound), now)

    def after_fork_in_child(self) -> None:
        """In a forked child: a new lock (another thread of the parent may have held this one at the
        fork), and none of the parent's reserved slots, whose threads do not run here."""
        self._lock = threading.Lock()
        self._waiting.clear()

    @property
    def generation(self) -> int:
        """How many times the budget was seen spent; a request reserved now carries this number."""
        with self._lock:
            return self._generation

    def pending(self, now: float) -> float:
        """Seconds until a request may be sent, without taking the slot."""
        with self._lock:
            return max(0.0, self._next_slot(now) - now)

    def reserve(self, now: float) -> Reservation:
        """Take the next slot for a request ready at *now*.

        The caller hands the slot back with :meth:`sent` once its request goes out, or with
        :meth:`release` when it gives up (a cancelled task), so that an abandoned slot does not
        hold back the requests after it.
        """
        with self._lock:
            slot = self._next_slot(now)
            self._waiting.append(slot)
            return Reservation(slot - now, self._generation, slot)

    def sent(self, slot: float, at: float = -math.inf) -> None:
        """The request of *slot* went out (*at*, when that is after its slot): later slots are spaced from it."""
        with self._lock:
            self._forget(slot)
            self._last_sent = max(self._last_sent, slot, at)

    def extended_past(self, slot: float, generation: int) -> bool:
        """Whether a hold set after *slot* was reserved under *generation* (a refusal meanwhile) ends after it."""
        with self._lock:
            return self._generation != generation and self._hold_until > slot

    def release(self, slot: float) -> None:
        """The request of *slot* was abandoned before it was sent: give its place back."""
        with self._lock:
            self._forget(slot)

    def _forget(self, slot: float) -> None:
        # A slot reserved before a fork by the forking thread itself (from a callback of its own) is
        # gone from a child's throttle (see after_fork_in_child): nothing to remove then.
        with contextlib.suppress(ValueError):
            self._waiting.remove(slot)

    def observe(
        self,
        status: int,
        headers: Mapping[str, str],
        now: float,
        cap: float,
        generation: int | None = None,
        wall_now: float | None = None,
        *,
        sent: RateLimitHeaders | None = None,
    ) -> None:
        """Learn from a response: a 429 or an exhausted quota holds back the client's next requests.

        *wall_now* is the Unix time its dates (``Retry-After``, ``X-RateLimit-Reset``) are read against
        (None: ``time.time()``), as for ``parse_retry_after``.

        Spacing lasts only while the budget is short: a response that shows at least a tenth of
        the limit left (the window has refilled) lifts it, so a client that paces itself, such as
        a batch with its own limiter, is not slowed down for good by one exhausted window. Only a
        request reserved under the current *generation* (``None``: the current one) can lift it.

        *sent* is the response's rate-limit headers when the caller has read them already (the client
        reads them once for ``client.rate_limit`` and here); None: they are read from *headers*.
        """
        sent = RateLimitHeaders.of(headers) if sent is None else sent
        if status != 429:
            if sent.remaining is None:
                # Nothing said about the budget (most responses): neither refilled nor exhausted, so
                # nothing to learn.
                return
            if _refilled(sent.remaining, sent.limit):
                with self._lock:
                    if generation is None or generation == self._generation:
                        self._spacing = 0.0
                return
            if not exhausted(sent.remaining):
                return
        hold = rate_limit_gap(headers, time.time() if wall_now is None else wall_now, sent)
        limit = limit_of(sent.limit, default=math.nan)
        with self._lock:
            self._generation += 1
            if hold is not None:
                self._hold_until = max(self._hold_until, now + min(hold, cap))
                self._longest_hold = max(self._longest_hold, min(hold, cap))
            if 0 < limit < math.inf:
                # Capped as the hold is: a limit of 0.0001 a minute would space requests a week apart.
                self._spacing = min(60.0 / limit, cap)
                self._longest_spacing = max(self._longest_spacing, self._spacing)


def _refilled(remaining: str | None, limit: str | None) -> bool:
    """True when the headers show at least a tenth of the limit left."""
    try:
        left, total = float(remaining or "nan"), float(limit or "nan")
    except ValueError:
        return False
    return left >= max(1.0, 0.1 * total)
