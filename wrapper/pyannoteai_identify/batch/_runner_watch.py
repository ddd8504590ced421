"""Watching a batch run's jobs: the job list swept for every active job, and webhook deliveries.

The poller reads the list (``GET /v2/jobs``, a page at a time) within ``status_share`` of the
rate limit and hands finished jobs to the fetchers (``_runner_fetch``); a delivery, when a broker
is given, finishes a job without a poll (and often without a fetch).
"""

from __future__ import annotations

import logging

import anyio

from .._polling import WEBHOOK_POLL_FACTOR
from ..errors import (
    APIConnectionError,
    InvalidResponseError,
    RateLimitError,
    ServerError,
)
from ..results import IdentifyResult, JobStatus, is_terminal
from . import _joblist
from ._manifest import InputStatus
from ._retry import ends_the_run
from ._runner_core import PAGE_SIZE
from ._runner_fetch import Fetching
from ._state import Active

__all__ = ["Watching"]

logger = logging.getLogger("pyannoteai_identify.batch")


class Watching(Fetching):
    """The poller and the webhook watchers of the active jobs."""

    def _start_watching(self, job_id: str, input_id: int, status: str) -> None:
        self.active[job_id] = Active(input_id, status)
        self._stage(input_id, "running" if status == JobStatus.RUNNING else "submitted")
        self._new_job.set()
        if self.broker is not None and self._group is not None:
            scope = anyio.CancelScope()
            self._watchers[job_id] = scope
            self._group.start_soon(self._watch, job_id, scope)

    async def _poller(self) -> None:
        pages = 1
        factor = WEBHOOK_POLL_FACTOR if self.broker is not None else 1.0
        while True:
            while not self.active:
                self._new_job = anyio.Event()
                await self._new_job.wait()
            budget_gap = pages / (self.tuning.status_share * self.limiter.per_second)
            await self._sleep(max(self.tuning.poll_interval, budget_gap) * factor)
            if not self.active:
                continue
            try:
                pages = await self._sweep()
            except (RateLimitError, ServerError, APIConnectionError, InvalidResponseError) as error:
                if ends_the_run(error):
                    raise  # a proxy's refusal of the tunnel does not heal by waiting: it ends the run, as a 401
                # The client already retried; an outage of the job list only delays the next sweep.
                logger.warning("reading the job list failed (%s); trying again at the next sweep", error)
                pages = 1

    async def _sweep(self) -> int:
        """Read the job list until every active job was seen (or cannot be on later pages); return pages read."""
        targets = dict(self.active)
        seen, pages = await _joblist.read_targets(self._list_reader("status"), targets, PAGE_SIZE)
        changes: dict[str, str] = {}
        for job_id, active in targets.items():
            if job_id not in self.active:
                continue
            summary = seen.get(job_id)
            if summary is None:
                active.misses += 1
                if active.misses >= 2:
                    active.misses = 0
                    self._queue_fetch(job_id)
                continue
            active.misses = 0
            active.created_at = summary.created_at
            status = str(summary.status)
            if status != active.status:
                active.status = status
                changes[job_id] = status
                self._stage(active.input_id, "running" if status == JobStatus.RUNNING else "submitted")
            if is_terminal(status):
                self._queue_fetch(job_id)
        await self._store(self.manifest.set_job_status, changes)
        return pages

    async def _watch(self, job_id: str, scope: anyio.CancelScope) -> None:
        with scope:
            while job_id in self.active:
                event = await self.broker.wait_async(job_id, 3600.0)
                if event is None or job_id not in self.active:
                    continue
                status = str(event.status)
                if not is_terminal(status):
                    continue
                active = self.active[job_id]
                if status == JobStatus.SUCCEEDED and not isinstance(event.result, IdentifyResult):
                    self._queue_fetch(job_id)  # a status-only delivery: fetch the result
                    return
                if status != JobStatus.SUCCEEDED and not event.error:
                    self._queue_fetch(job_id)  # a failure's delivery carries no output: fetch its reason
                    return
                self._watchers.pop(job_id, None)
                self.active.pop(job_id, None)
                self._fetch_left += 1  # counted as work in progress, so the run does not end under it
                try:
                    if isinstance(event.result, IdentifyResult):
                        await self._write_result(job_id, active.input_id, event.result)
                    else:
                        reason = f"the job {status}: {event.error or 'no reason given'}"
                        await self._end(job_id, active, InputStatus.FAILED, status, reason)
                finally:
                    self._fetch_left -= 1
                    self._notify()
                return
