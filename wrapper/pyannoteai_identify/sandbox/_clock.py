"""The sandbox's sense of time: an injectable clock that tests can jump, and compressed durations.

Two separate ideas live here. :class:`Clock` is *when*: a monotonic source (``time.monotonic`` by
default) and a wall-clock source, both shifted by :meth:`Clock.advance`, so a test can skip a
day of retention without sleeping. :class:`Timing` is *how long*: the simulated durations (time
a job waits, runs, is kept; webhook retry delays), each divided by ``speed``. Wall times the
outside world checks against its own clock (rate-limit resets, webhook signatures) are never
compressed, nor moved by :meth:`Clock.advance` (:meth:`Clock.real_wall`).
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .._numbers import real

__all__ = ["Clock", "Timing"]


class Clock:
    """Monotonic and wall time, both movable forward with :meth:`advance`."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Monotonic seconds (plus every :meth:`advance`)."""
        return self._monotonic() + self._offset

    def wall(self) -> float:
        """Unix time (plus every :meth:`advance`)."""
        return self._wall() + self._offset

    def real_wall(self) -> float:
        """Unix time as the clients' clocks read it: :meth:`advance` does not move it.

        For the times a client compares with its own clock or the ``Date`` header (a rate-limit
        window's ``X-RateLimit-Reset``), which must agree with ``Retry-After``, a number of seconds.
        """
        return self._wall()

    def advance(self, seconds: float) -> None:
        """Jump forward: jobs finish, results expire and rate-limit windows pass as if time went by."""
        step = real(seconds)
        if not (step is not None and math.isfinite(step) and step >= 0):
            raise ValueError(f"seconds={seconds!r}: must be a finite number >= 0")
        with self._lock:
            self._offset += step
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def on_advance(self, listener: Callable[[], None]) -> None:
        """Call *listener* after each :meth:`advance` (the webhook worker re-plans its waits)."""
        with self._lock:
            self._listeners.append(listener)


def _non_negative(name: str, value: float) -> float:
    seconds = real(value)
    if not (seconds is not None and math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"{name}={value!r}: must be a finite number of seconds >= 0")
    return seconds


@dataclass(frozen=True)
class Timing:
    """Simulated durations in sandbox seconds, and the factor that compresses them.

    Attributes:
        queue_seconds: time a job stays ``created`` before it runs.
        job_seconds: time a job stays ``running``.
        retention_seconds: time a finished job, and an uploaded file, are kept.
        speed: every duration above (and the webhook retry delays) is divided by this.
    """

    queue_seconds: float = 1.0
    job_seconds: float = 4.0
    retention_seconds: float = 86400.0
    speed: float = 1.0

    def __post_init__(self) -> None:
        for name in ("queue_seconds", "job_seconds", "retention_seconds"):  # kept as floats
            object.__setattr__(self, name, _non_negative(name, getattr(self, name)))
        if self.retention_seconds == 0:
            raise ValueError("retention_seconds=0: must be > 0")
        speed = real(self.speed)
        # Every duration is divided by it, as a float: it and its inverse must both be finite floats.
        if not (speed is not None and 0 < speed <= sys.float_info.max):
            raise ValueError(
                f"speed={self.speed!r}: must be a finite factor > 0 (2 runs the sandbox's time twice as fast)"
            )
        object.__setattr__(self, "speed", speed)
        longest = max(self.queue_seconds, self.job_seconds, self.retention_seconds)
        if not math.isfinite(longest / speed):
            raise ValueError(f"speed={speed!r}: so small that a {longest:g} s duration would last for ever")

    def real(self, seconds: float) -> float:
        """How long *seconds* of simulated time last on the clock."""
        return seconds / self.speed
