"""The batch engine's state and the primitives every phase uses (``_runner`` tells the phases).

``EngineCore`` holds what the run knows (the active jobs, the counters, the progress) and does
the run's I/O: a flow's steps, each API request inside a slot of the shared ``RateLimiter``; the
manifest's calls, one at a time in a worker thread; file system calls in worker threads; the
run's clock and sleep (real, or a simulated client's). The phases are its subclasses:
``_runner_inputs``, ``_runner_reconcile``, ``_runner_fetch``, ``_runner_watch`` and
``_runner_submit``; ``_runner.Engine`` joins them and drives the run.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

import anyio
import anyio.to_thread
import httpx

from .. import _core, _flows
from .._client import AsyncClient, Client
from .._validation import (
    PAGE_SIZE_MAX,
)
from . import _joblist
from ._clock import simulated_sleep
from ._limiter import RateLimiter
from ._manifest import Manifest
from ._report import BatchProgress, HaltCause
from ._settings import Options, Tuning
from ._state import Active, Counters, progress_of

__all__ = ["PAGE_SIZE", "EngineCore", "ProgressCallback"]

T = TypeVar("T")
Args = TypeVarTuple("Args")

#: Jobs per ``GET /v2/jobs`` page: the largest the contract's ``limit`` parameter allows.
PAGE_SIZE = PAGE_SIZE_MAX


ProgressCallback = Callable[[BatchProgress], None]


class EngineCore:
    """The run's state and I/O; the phases (its subclasses) build on it."""

    _group: Any = None
    _unreadable: dict[str, str]

    def __init__(
        self,
        client: Client | AsyncClient,
        options: Options,
        manifest: Manifest,
        out: Path,
        tuning: Tuning,
        limiter: RateLimiter,
        broker: Any,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.client = client
        self.ctx: _flows.Context = client._ctx
        self.options = options
        self.manifest = manifest
        self.out = out
        self.tuning = tuning
        self.limiter = limiter
        self.broker = broker
        self.on_progress = on_progress
        self.counters = Counters()
        self.active: dict[str, Active] = {}
        self.halted: str | None = None
        self.halt: HaltCause | None = None
        # The inputs whose reason this run recorded: a pending input's stored reason is shown only
        # for these; another's is an earlier run's, and the report gives this run's halt instead.
        self._noted: set[int] = set()
        self._threads = anyio.CapacityLimiter(tuning.concurrency * 2 + 2)
        self._anchor: str | None = None
        self._anchor_lock = anyio.Lock()
        self._submit_lock = anyio.Lock()
        # Every manifest call (read or write) runs in a worker thread, one at a time: see ``_store``.
        self._writer = anyio.CapacityLimiter(1)
        self._last_job: str | None = None
        self._wake = anyio.Event()
        self._new_job = anyio.Event()
        self._submit_left = 0
        self._fetch_left = 0
        self._fetch_send: Any = None
        self._watchers: dict[str, anyio.CancelScope] = {}
        self._upload_locks: dict[str, anyio.Lock] = {}
        self._stages: dict[int, str] = {}
        self._last_progress = 0.0
        self.total = 0
        # A simulated client (its own clock and sleep): every wait of the batch sleeps with it, and the
        # run's timeout counts on its clock. Each task may have a clock of its own there (the testing
        # plugin's mock keeps one per task), so the run's time is the latest any of them reached.
        self._simulated = simulated_sleep(client)
        self._clock: Callable[[], float] = self.ctx.clock if self._simulated is not None else time.monotonic
        self._reached = self._clock()

    def _now(self) -> float:
        """The run's time: real (monotonic), or for a simulated client the latest time of its clock."""
        return max(self._clock(), self._reached)

    async def _sleep(self, seconds: float) -> None:
        """Wait *seconds*: for real, or on a simulated client's clock with its sleep."""
        if self._simulated is None:
            await anyio.sleep(seconds)
            return
        await self._simulated(seconds)
        self._reached = max(self._reached, self._clock())
        self._wake.set()  # the run's time moved: the round looks at its deadline again

    # Running one flow: the engine performs its steps, each request inside a limiter slot.

    async def run_flow(self, flow: _flows.Flow[T], kind: str) -> T:
        return await _flows.adrive(flow, functools.partial(self._perform, kind=kind))

    def _list_reader(self, kind: str) -> _joblist.ReadPage:
        """Reads one page of the job list (the largest the contract allows), counted as *kind*."""

        async def read_page(cursor: str | None) -> tuple[list[_core.JobSummary], str | None]:
            return await self.run_flow(_flows.list_page(self.ctx, limit=PAGE_SIZE, cursor=cursor, status=None), kind)

        return read_page

    async def _perform(self, step: _flows.Step, kind: str) -> Any:
        """Do one step. API requests wait for a slot of the limiter; the presigned PUT goes to
        media storage, which the API's rate limit does not cover, so it does not."""
        if isinstance(step, _flows.Sleep):
            await self._sleep(step.seconds)
            return None
        if isinstance(step, _flows.Upload):
            self.counters.add(kind)
            return await self._io(step)
        if not isinstance(step, _flows.Send):
            raise TypeError(f"a batch flow cannot perform {type(step).__name__}")
        async with self.limiter.slot_async():
            self.counters.add(kind)
            # The limiter hears the answer where the client's throttle does (Send.answered): once its
            # headers arrived, its body read or broken off (a 429's Retry-After still pauses the run).
            return await self._io(dataclasses.replace(step, answered=self._heard_by_the_limiter(step.answered)))

    def _heard_by_the_limiter(
        self, answered: Callable[[httpx.Response], object] | None
    ) -> Callable[[httpx.Response], None]:
        """*answered* (the client's own hearing of an answer), after the run's limiter has heard it."""

        def heard(response: httpx.Response) -> None:
            self.limiter.observe(response.status_code, response.headers)
            if answered is not None:
                answered(response)

        return heard

    async def _io(self, step: _flows.Send | _flows.Upload) -> Any:
        if isinstance(self.client, AsyncClient):
            return await self.client._perform(step)
        return await anyio.to_thread.run_sync(self.client._perform, step, limiter=self._threads)

    # --- progress ----------------------------------------------------------------------------

    def _stage(self, input_id: int, stage: str) -> None:
        self._stages[input_id] = stage
        self._notify()

    def _notify(self) -> None:
        self._wake.set()
        if self.on_progress is None:
            return
        now = time.monotonic()
        if now - self._last_progress < 0.1 and self._submit_left + self._fetch_left + len(self.active) > 0:
            return
        self._last_progress = now
        self.on_progress(self.progress())

    def progress(self) -> BatchProgress:
        return progress_of(
            self._stages.values(),
            self.total,
            self.tuning.status_share,
            self.limiter.per_second,
            sum(self.counters.requests.values()),
        )

    def _finish_watching(self, job_id: str) -> None:
        """The job is no longer active: its webhook watcher stops and the broker forgets it."""
        self.active.pop(job_id, None)
        scope = self._watchers.pop(job_id, None)
        if scope is not None:
            scope.cancel()
        if self.broker is not None and callable(getattr(self.broker, "discard", None)):
            self.broker.discard(job_id)  # a delivery that comes after is not kept with its output

    async def _store(self, call: Callable[[*Args], T], *args: *Args) -> T:
        """Run a manifest call (a read or a write) in a worker thread, so the event loop keeps other
        requests moving while SQLite reads, commits or syncs the file.

        One call at a time (the manifest serializes them anyway), awaited to its end: a write is
        committed when this returns, and a cancellation waits for the thread (never half a call).
        """
        return await anyio.to_thread.run_sync(call, *args, limiter=self._writer)

    async def _file_work(self, call: Callable[[*Args], T], *args: *Args) -> T:
        """Run a file system call (a stat, a hash, a check of an audio file, a result written) in a
        worker thread, so the event loop keeps other requests moving; at most as many at once as the
        run's thread budget (``concurrency * 2 + 2``, shared with a sync client's requests).

        The twin of :meth:`_store`, which runs manifest calls one at a time instead.
        """
        return await anyio.to_thread.run_sync(call, *args, limiter=self._threads)

    async def _fail_input(self, input_id: int, reason: str, *, recheck: bool = False) -> None:
        """Record that *input_id* failed, and show it; with *recheck* (its file could not be read) the
        next run judges its file anew (``Manifest.record_input_failure``)."""
        await self._store(functools.partial(self.manifest.record_input_failure, recheck=recheck), input_id, reason)
        self._stage(input_id, "failed")
