"""Where a job's outcome is decided: after JobCreated is answered, on the sandbox's own bounded threads.

The API answers a submission at once and only then reads the audio. So does the sandbox: the
request handler creates the job, hands its audio source and analysis to a :class:`JobRunner`
and answers. Two small pools of daemon threads, separate from the event loop's and from
anyio's shared thread pool, do the work: one fetches loopback URLs (each fetch bounded by
:data:`~._fetch.FETCH_TIMEOUT`) and analyses what it fetched, one analyses media-store audio.
A URL that never answers therefore holds only a fetch thread, never a request handler; at most
``max_pending`` jobs wait to be decided (beyond that a submission is refused with 429), and every
failure decides the job as failed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from ._fetch import FETCH_TIMEOUT, Connections
from ._jobs import CANNOT_LOAD, Outcome, failed
from ._state import Decision

__all__ = ["ANALYSIS_WORKERS", "DECIDE_TIMEOUT", "FETCH_WORKERS", "MAX_PENDING", "Audio", "JobRunner"]

#: Threads fetching job audio from loopback URLs at the same time.
FETCH_WORKERS = 8
#: Threads analysing audio at the same time (the work is CPU-bound).
ANALYSIS_WORKERS = 2
#: Jobs at most waiting for their outcome; further submissions are refused with 429 meanwhile.
MAX_PENDING = 1000
#: Real seconds a GET or a list waits at most for the outcome of an ended job it shows. It covers an
#: ordinary fetch (which gives up after FETCH_TIMEOUT) and an analysis, and stays well under the
#: SDK's 30 s default read timeout, so a job that is slower still (its fetch queued behind others,
#: or trickling) is answered ``running``, as it is, rather than holding the client until it times out.
DECIDE_TIMEOUT = FETCH_TIMEOUT + 2.0
_POLL = 0.5  # how often an idle worker checks for close()
#: Real seconds close() waits at most for the workers to end (an analysis in progress is bounded and
#: typically takes tens of milliseconds; idle workers are woken at once).
_JOIN_TIMEOUT = 0.5

logger = logging.getLogger("pyannoteai_identify.sandbox")

Audio = bytes | bytearray | memoryview | None
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
            if self._stop.is_set():  # woken by join(), or a task left queued at close(): its job is decided
                return
            task()

    def join(self, deadline: float) -> None:
        """Wake the idle workers (the stop flag is set) and wait for every worker to end, until
        *deadline* (``time.monotonic()``), so that none outlives close()."""
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._tasks.put(lambda: None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))


class _Run:
    """One span of the runner from start to close: its stop flag, its threads, its fetches' connections
    and its count of jobs waiting for their outcome (a task of an earlier span counts in its own)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.fetchers = _Pool("pyannoteai-sandbox-fetch", FETCH_WORKERS, self.stop)
        self.analysers = _Pool("pyannoteai-sandbox-analyse", ANALYSIS_WORKERS, self.stop)
        self.connections = Connections()
        self.pending = 0
        self.decisions: set[Decision] = set()  # of the jobs handed over and not decided yet


class JobRunner:
    """Decides job outcomes in the background: fetch (when the audio is remote), then analyse.

    A URL job is fetched and then analysed on the same fetch thread, so at most FETCH_WORKERS
    fetched files are held at once (handing them to the analysis threads queued them without
    bound); media-store jobs, whose audio is already held, go to the analysis threads.
    """

    def __init__(self, *, max_pending: int = MAX_PENDING) -> None:
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._run = _Run()

    @property
    def pending(self) -> int:
        """Jobs handed over whose outcome is not decided yet."""
        with self._lock:
            return self._run.pending

    def run(
        self,
        decision: Decision,
        analyse: Callable[[Audio], Outcome],
        *,
        audio: Audio = None,
        fetch: Callable[[Connections], Audio] | None = None,
    ) -> bool:
        """Decide *decision* as ``analyse(audio)``, the audio being ``fetch(connections)`` when given
        (on a fetch thread; *connections* lets close() abort the fetch), else *audio*. False, and
        nothing done, when closed or when ``max_pending`` jobs are waiting already."""
        with self._lock:
            current = self._run
            if current.stop.is_set() or current.pending >= self._max_pending:
                return False
            current.pending += 1
            current.decisions.add(decision)

        def decide(outcome: Outcome) -> None:
            decision.decide(outcome)
            with self._lock:
                current.pending -= 1
                current.decisions.discard(decision)

        def analysed(data: Audio) -> None:
            try:
                outcome = analyse(data)
            except Exception:  # a bug in the analysis fails the job, never the worker
                logger.exception("sandbox job analysis failed")
                outcome = failed(CANNOT_LOAD)
            decide(outcome)

        def fetched(source: Callable[[Connections], Audio]) -> None:
            try:
                data = source(current.connections)
            except Exception:
                logger.exception("sandbox job audio could not be read")
                decide(failed(CANNOT_LOAD))
                return
            analysed(data)  # here, not on an analysis thread: the fetched file is held by this thread only

        if fetch is None:
            current.analysers.submit(lambda: analysed(audio))
        else:
            current.fetchers.submit(lambda: fetched(fetch))
        return True

    def start(self) -> None:
        """Accept work again after :meth:`close`, on fresh threads (nothing to do while running)."""
        with self._lock:
            if self._run.stop.is_set():
                self._run = _Run()

    def close(self) -> None:
        """Stop the workers after their current task and abort the fetches in flight (their
        connections are shut down, so no fetch thread outlives close() waiting on a server). Every
        job handed over and not decided yet fails ("Could not load audio"), as an aborted fetch
        does: one left undecided would read ``running`` for ever, after a restart too, and hold
        each GET or list covering it for DECIDE_TIMEOUT. An analysis in progress finishes (it is
        bounded); its outcome comes second and is ignored. close() waits for the workers to end
        (_JOIN_TIMEOUT at most), so that none outlives it: idle ones are woken at once."""
        with self._lock:
            current = self._run
            current.stop.set()  # under the lock: run() hands nothing more to this span
            abandoned = list(current.decisions)
        current.connections.abort()
        for decision in abandoned:
            decision.decide(failed(CANNOT_LOAD))
        deadline = time.monotonic() + _JOIN_TIMEOUT
        current.fetchers.join(deadline)
        current.analysers.join(deadline)
