"""The mock API's virtual clock: the time and the sleeps of the clients that wait on it.

Each caller (a thread, or an asyncio or trio task) has its own virtual time, which its own sleeps
move; the mock's clock is the latest time a caller has reached, and ``advance`` moves it and brings
every caller up to it. :class:`MockAPI` (whose docstring tells the rules, under "Virtual time")
keeps the state in its fields; the ``pyannoteai_mock`` fixture installs these methods as the
timing of the clients built during a test.
"""

from __future__ import annotations

import contextvars
import threading

from ._mock_builders import _now
from ._numbers import real

__all__ = ["_VirtualClock"]


class _VirtualClock:
    """The virtual-time methods of :class:`MockAPI`, over the fields it declares (listed here)."""

    sleeps: list[float]
    _now: float  # the mock's clock: the latest virtual time a caller reached
    _floor: float  # the time of the last advance(): where callers start
    _own: contextvars.ContextVar[float]  # each caller's own virtual time, once it has slept
    _wall: float  # epoch seconds at virtual time 0
    _lock: threading.RLock

    def _clock(self) -> float:
        """The calling thread's (or task's) virtual time: its last wake-up, or the last advance()."""
        return max(self._own.get(self._floor), self._floor)

    def _wall_clock(self) -> float:
        """The Unix time on the caller's virtual clock, as the mock stamps ``createdAt`` and ``X-RateLimit-Reset``."""
        return self._wall + self._clock()

    def _sleep(self, seconds: float) -> None:
        """Move the caller's virtual clock by *seconds*, and the mock's to it if that is later: the
        sleeps of concurrent callers overlap, they do not add up."""
        with self._lock:
            self.sleeps.append(seconds)
            wake = self._clock() + seconds
            self._own.set(wake)
            self._now = max(self._now, wake)

    async def _async_sleep(self, seconds: float) -> None:
        import anyio.lowlevel  # httpx's own dependency; imported late to keep the plugin's import cheap

        self._sleep(seconds)
        # A real sleep yields to the event loop: so does this one, or other tasks starve and a
        # cancelled wait polls on until its job ends.
        await anyio.lowlevel.checkpoint()

    def advance(self, seconds: float) -> None:
        """Move the mock's virtual clock forward without waiting: finished jobs and presigned URLs expire.

        Every caller's clock reads the mock's then, however far behind it was. The clients on the
        mock's clock (see the class's docstring) move the clock too, by each delay they sleep (a
        caller's own clock; the mock's only as far as the latest of them, see the class's docstring).
        """
        step = real(seconds)
        if step is None or not step >= 0:
            raise ValueError(f"seconds={seconds!r}: must be a number of seconds >= 0")
        with self._lock:
            self._now += step
            self._floor = self._now

    def _stamp(self) -> str:
        """The current time on the virtual clock, as the API writes ``createdAt``."""
        return _now(self._wall + self._now)
