"""Log refused webhook deliveries without letting their senders decide the size of the logs.

Anyone can post to a public webhook URL, and every refusal used to be a WARNING line: a flood of
forged deliveries became a flood of warnings (and of alerts, where warnings page someone). A
:class:`RefusalLog` logs the first *burst* refusals of each *interval* at their own level, the rest
at DEBUG (nothing is lost where DEBUG is kept), and says, in one WARNING, how many were held back
and why: at the first delivery of any kind after their window (:meth:`RefusalLog.tick`), or when
the receiver is closed or its app shut down (:meth:`RefusalLog.flush`).

The receiver also logs duplicate deliveries through one: a captured genuine delivery can be replayed
(it verifies within the time window), and each replay must not be an INFO line either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from . import _fork

#: Refusals logged at their own level in each window; the rest of the window's go to DEBUG.
DEFAULT_BURST = 10
#: Seconds of a window.
DEFAULT_INTERVAL = 60.0


class RefusalLog:
    """Rate-limited logging of refused (or duplicate) deliveries, thread-safe.

    Args:
        logger: where the lines go.
        burst: lines logged at their own level per window.
        interval: seconds of a window.
        clock: a monotonic clock in seconds, for tests.
        what: what the lines are about, in the line counting those held back.
        summary_level: the level of that line.
    """

    __slots__ = (
        "__weakref__",
        "_burst",
        "_clock",
        "_held_back",
        "_interval",
        "_lock",
        "_logged",
        "_logger",
        "_start",
        "_summary_level",
        "_what",
    )

    def __init__(
        self,
        logger: logging.Logger,
        *,
        burst: int = DEFAULT_BURST,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        what: str = "refused webhook deliveries",
        summary_level: int = logging.WARNING,
    ) -> None:
        self._what = what
        self._summary_level = summary_level
        self._logger = logger
        self._burst = burst
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._logged = 0
        self._held_back: Counter[str] = Counter()
        self._lock = threading.Lock()
        _fork.register(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock (a refusal of another thread may have held it at the fork)."""
        self._lock = threading.Lock()

    def log(self, level: int, reason: str, message: str, *args: object) -> None:
        """Log one refusal (*reason* counts it when it is held back) as ``logger.log(level, message, *args)``."""
        with self._lock:
            summary = self._roll_locked(self._clock())
            loud = self._logged < self._burst
            if loud:
                self._logged += 1
            else:
                self._held_back[reason] += 1
        self._summarise(summary)
        self._logger.log(level if loud else logging.DEBUG, message, *args)

    def tick(self) -> None:
        """Log the count held back if their window has ended: call it at every delivery, of any kind."""
        with self._lock:
            summary = self._roll_locked(self._clock())
        self._summarise(summary)

    def flush(self) -> None:
        """Log the count held back so far, window ended or not (at shutdown), and start a new window."""
        with self._lock:
            summary = self._roll_locked(self._clock(), ended=True)
        self._summarise(summary)

    def _roll_locked(self, now: float, *, ended: bool = False) -> tuple[float, Counter[str]] | None:
        """Start a new window if the current one has ended (or *ended* says to end it now); what it
        held back, if anything."""
        if not ended and now - self._start < self._interval:
            return None
        summary = (now - self._start, self._held_back) if self._held_back else None
        self._start, self._logged, self._held_back = now, 0, Counter()
        return summary

    def _summarise(self, summary: tuple[float, Counter[str]] | None) -> None:
        if summary is None:
            return
        elapsed, held_back = summary
        self._logger.log(
            self._summary_level,
            "%d more %s in the last %.0f s were logged at DEBUG only (%s)",
            sum(held_back.values()),
            self._what,
            elapsed,
            ", ".join(f"{name}: {count}" for name, count in held_back.most_common()),
        )
