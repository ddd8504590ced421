"""Where a job's outcome is decided: after JobCreated is answered, on the sandbox's own bounded threads.

The API answers a submission at once and only then reads the audio. So does the sandbox: the
request handler creates the job, hands its audio source and analysis to a :class:`JobRunner`
and answers. Two small pools of daemon threads, separate from the event loop's and from
anyio's shared thread pool, do the work: one fetches loopback URLs (each fetch bounded by
:data:`~._fetch.FETCH_TIMEOUT`), one analyses audio. A URL that never answers therefore holds
only a fetch thread, never a request handler; at most ``max_pending`` jobs wait to be decided
(beyond that a submission is refused with 429), and every failure decides the job as failed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from ._jobs import CANNOT_LOAD, Outcome, failed
from ._state import Decision

__all__ = ["ANALYSIS_WORKERS", "DECIDE_TIMEOUT", "FETCH_WORKERS", "MAX_PENDING", "Audio", "JobRunner"]

#: Threads fetching job audio from loopback URLs at the same time.
FETCH_WORKERS = 8
#: Threads analysing audio at the same time (the work is CPU-bound).
ANALYSIS_WORKERS = 2
#: Jobs at most waiting for their outcome; further submissions are refused with 429 meanwhile.
MAX_PENDING = 1000
#: Real seconds an observer of an ended job (GET, list, webhook) waits at most for its outcome;
#: longer than a fetch (FETCH_TIMEOUT in all, plus a last read) and an analysis of a large file.
DECIDE_TIMEOUT = 30.0
_POLL = 0.5  # how often an idle worker checks for close()

logger = logging.getLogger("pyannoteai_identify.sandbox")

Audio = bytes | bytearray | None
_Task = Callable[[], None]


class _Pool:
    """Daemon threads (started on first use) running tasks from an unbounded queue until closed."""

    def __init__(self, name: str, workers: int, stop: threading.Event) -> None:
        self._name = name
        self._workers = workers
        self._stop = stop
        self._tasks: queue.SimpleQueue[_Task] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, task: _Task) -> None:
        with self._lock:
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._run, name=f"{self._name}-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        self._tasks.put(task)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                task = self._tasks.get(timeout=_POLL)
            except queue.Empty:
                continue
            task()


class JobRunner:
    """Decides job outcomes in the background: fetch (when the audio is remote), then analyse."""

    def __init__(self, *, max_pending: int = MAX_PENDING) -> None:
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._fetchers = _Pool("pyannoteai-sandbox-fetch", FETCH_WORKERS, self._stop)
        self._analysers = _Pool("pyannoteai-sandbox-analyse", ANALYSIS_WORKERS, self._stop)

    @property
    def pending(self) -> int:
        """Jobs handed over whose outcome is not decided yet."""
        with self._lock:
            return self._pending

    def run(
        self,
        decision: Decision,
        analyse: Callable[[Audio], Outcome],
        *,
        audio: Audio = None,
        fetch: Callable[[], Audio] | None = None,
    ) -> bool:
        """Decide *decision* as ``analyse(audio)``, the audio being *fetch()* when given (on a fetch
        thread), else *audio*. False, and nothing done, when ``max_pending`` jobs are waiting already."""
        with self._lock:
            if self._stop.is_set() or self._pending >= self._max_pending:
                return False
            self._pending += 1

        def decide(outcome: Outcome) -> None:
            decision.decide(outcome)
            with self._lock:
                self._pending -= 1

        def analysed(data: Audio) -> None:
            try:
                outcome = analyse(data)
            except Exception:  # a bug in the analysis fails the job, never the worker
                logger.exception("sandbox job analysis failed")
                outcome = failed(CANNOT_LOAD)
            decide(outcome)

        def fetched(source: Callable[[], Audio]) -> None:
            try:
                data = source()
            except Exception:
                logger.exception("sandbox job audio could not be read")
                decide(failed(CANNOT_LOAD))
                return
            self._analysers.submit(lambda: analysed(data))

        if fetch is None:
            self._analysers.submit(lambda: analysed(audio))
        else:
            self._fetchers.submit(lambda: fetched(fetch))
        return True

    def close(self) -> None:
        """Stop the workers after their current task (each bounded); queued jobs stay undecided."""
        self._stop.set()
