"""The clock and sleeps that clients and batch rate limiters built without their own use: real time,
or a test double's virtual time while one is installed.

The testing plugin's ``pyannoteai_mock`` fixture installs its mock's clock and sleeps here for the
length of a test (:func:`installed`), so that a ``Client()``, ``AsyncClient()`` or ``RateLimiter()``
the code under test builds then, given no ``clock=`` and no sleep of its own, waits on the mock's
virtual clock as ``MockAPI.client()`` does. One setting for the whole process, not per context: code
under test may build its client in a thread of its own (a web server's worker), which would not see
a context variable set by the test.

What is built inside the block keeps its clock after it, but its sleeps then wait in real time too
(and still move that clock), and it reads a server's dates (``wall``) on this machine's clock: a
client kept past the test (a service's cached client) does not poll and retry without pause in the
tests after, as it did not before the fixture lent its clock.
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
    """Make *timing* the default of what is built inside the block; the previous one is restored
    after, and the sleeps of what was built inside wait in real time as well from then on."""
    global _current
    lent = _Lent(timing)
    previous, _current = _current, lent.timing()
    try:
        yield
    finally:
        _current = previous
        lent.over = True


class _Lent:
    """*timing*'s sleeps, which also sleep for real once the block that lent them is over."""

    def __init__(self, timing: Timing) -> None:
        self._timing = timing
        self.over = False

    def timing(self) -> Timing:
        return Timing(self._timing.clock, self._sleep, self._async_sleep, self._wall)

    def _wall(self) -> float:
        """The mock's wall time during the block; this machine's after it, when the sleeps are real
        (the mock's stands where the test left it, while the server now stamps real dates)."""
        return time.time() if self.over else self._timing.wall()

    def _sleep(self, seconds: float) -> None:
        if self.over and seconds > 0:
            time.sleep(seconds)
        self._timing.sleep(seconds)

    async def _async_sleep(self, seconds: float) -> None:
        if self.over and seconds > 0:
            import anyio  # httpx's dependency; imported late, as the plugin's async sleep does

            await anyio.sleep(seconds)
        await self._timing.async_sleep(seconds)
