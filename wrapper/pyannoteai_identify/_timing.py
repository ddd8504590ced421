"""The clock and sleeps that clients and batch rate limiters built without their own use: real time,
or a test double's virtual time while one is installed.

The testing plugin's ``pyannoteai_mock`` fixture installs its mock's clock and sleeps here for the
length of a test (:func:`installed`), so that a ``Client()``, ``AsyncClient()`` or ``RateLimiter()``
the code under test builds then, given no ``clock=`` and no sleep of its own, waits on the mock's
virtual clock as ``MockAPI.client()`` does. One setting for the whole process, not per context: code
under test may build its client in a thread of its own (a web server's worker), which would not see
a context variable set by the test.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Timing", "current", "installed"]


@dataclass(frozen=True)
class Timing:
    """A monotonic clock, the sleeps (blocking and async) that move it, and the Unix time on it
    (*wall*: what an ``X-RateLimit-Reset`` of the test double is read against)."""

    clock: Callable[[], float]
    sleep: Callable[[float], None]
    async_sleep: Callable[[float], Awaitable[None]]
    wall: Callable[[], float] = time.time


_current: Timing | None = None


def current() -> Timing | None:
    """The timing installed now, or None: real time."""
    return _current


@contextmanager
def installed(timing: Timing) -> Iterator[None]:
    """Make *timing* the default of what is built inside the block; the previous one is restored after."""
    global _current
    previous, _current = _current, timing
    try:
        yield
    finally:
        _current = previous
