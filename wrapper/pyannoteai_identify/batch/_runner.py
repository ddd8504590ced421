"""The batch engine: upload, submit, watch and fetch many inputs, resumably, within the rate limit.

One run goes through these phases (``docs/batch.md`` tells the story with the reasons):

1. *Inputs*: discover what the user named, hash new files (streamed SHA-256, in threads) and add
   them to the manifest. Every input of the manifest is part of the run.
2. *Key*: ``GET /v1/test`` once, so a wrong key fails before anything else.
3. *Reconcile*: inputs left in ``submitting`` by a killed run are checked against the job list
   (``_reconcile``): proven job-less ones go back to ``pending``, the others become ``uncertain``.
4. *Work*, all at once: workers upload and submit pending inputs (commit ``submitting``, send,
   commit the job id); one poller lists jobs (``GET /v2/jobs``, the largest page the contract
   allows) for every job still running, spending at most ``status_share`` of the rate limit;
   fetchers get each finished job once (``GET /v1/jobs/{id}``), write JSON and RTTM atomically,
   and record the result. Webhook deliveries, when a broker is given, finish jobs early.
5. Submissions whose answer was lost during the run are reconciled and, if proven job-less,
   submitted again (a bounded number of rounds). Then the summary CSV is written.

Every request of the run, including the retries of the flows, passes one ``RateLimiter``. The
flows of ``_flows`` build and parse every request; this module only schedules them. The work it
calls lives beside it: ``_files`` (the input files' stamps and fingerprints), ``_results`` (the
result files), ``_joblist`` (reading the job list), ``_retry`` (halting and backing off),
``_state`` (the records of the work in progress, the progress), ``_submission`` (what a
submission's answer means for its input) and ``_report`` (the report).

``Engine`` joins the parts of the run, each in a module of its own: ``_runner_core`` (the run's
state, its I/O under the limiter, its clock and progress), ``_runner_inputs`` (phase 1),
``_runner_reconcile`` (phase 3), ``_runner_submit`` (uploads and submissions), ``_runner_watch``
(the status sweeps and webhook deliveries) and ``_runner_fetch`` (the results); this module drives
the phases and the rounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import anyio

from .. import _core, _flows
from . import _results
from ._clock import simulated_sleep
from ._inputs import Found
from ._manifest import InputStatus
from ._report import BatchReport, run_report
from ._runner_core import ProgressCallback
from ._runner_inputs import InputAdding
from ._runner_reconcile import MAX_RECONCILE_SETTLE as MAX_RECONCILE_SETTLE
from ._runner_reconcile import RECONCILE_MARGIN as RECONCILE_MARGIN
from ._runner_reconcile import Reconciling
from ._runner_reconcile import settle_seconds as settle_seconds
from ._runner_submit import Submitting
from ._state import Active, stage_of

__all__ = ["Engine", "ProgressCallback", "simulated_sleep"]


#: Rounds of "reconcile lost submissions, submit the job-less ones again" within one run.
MAX_ROUNDS = 3


class Engine(Submitting, Reconciling, InputAdding):
    """One batch run: its phases (the bases) driven in order, then the report."""

    # The round: everything at once, until nothing is left to do.

    def _idle(self) -> bool:
        return self._submit_left == 0 and self._fetch_left == 0 and not self.active

    async def work(self, deadline: float) -> bool:
        """Run workers, poller and fetchers until idle; False if the deadline came first."""
        pending = [row.id for row in await self._store(self.manifest.rows, InputStatus.PENDING)]
        submit_send, submit_receive = anyio.create_memory_object_stream[int](max_buffer_size=math.inf)
        fetch_send, fetch_receive = anyio.create_memory_object_stream[tuple[str, Active]](max_buffer_size=math.inf)
        self._fetch_send = fetch_send
        self._submit_left = len(pending)
        for input_id in pending:
            submit_send.send_nowait(input_id)
        submit_send.close()
        finished = False
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                for job_id, active in list(self.active.items()):
                    self._start_watching(job_id, active.input_id, active.status)
                for _ in range(self.tuning.concurrency):
                    group.start_soon(self._submit_worker, submit_receive.clone())
                    group.start_soon(self._fetch_worker, fetch_receive.clone())
                submit_receive.close()
                fetch_receive.close()
                group.start_soon(self._poller)
                while True:
                    self._wake = anyio.Event()
                    if self._idle():
                        finished = True
                        break
                    remaining = deadline - self._now()
                    if remaining <= 0:
                        break
                    with anyio.move_on_after(remaining):
                        await self._wake.wait()
                group.cancel_scope.cancel()
        finally:
            # However the round ends (a worker's error, a Ctrl-C), no stream is left open: an
            # unclosed one is a ResourceWarning when it is collected.
            self._group = None
            for stream in (fetch_send, submit_receive, fetch_receive):
                stream.close()
        return finished

    # --- the run -------------------------------------------------------------------------------

    async def run(self, found: Sequence[Found]) -> BatchReport:
        started = self._now()
        deadline = started + self.tuning.timeout
        self._unreadable = {}
        await self.run_flow(self._key_flow(), "key")
        await self.add_inputs(found)
        requeue = [
            status
            for status, wanted in (
                (InputStatus.FAILED, self.tuning.retry_failed),
                (InputStatus.EXPIRED, self.tuning.resubmit_expired),
                (InputStatus.UNCERTAIN, self.tuning.resubmit_uncertain),
            )
            if wanted
        ]
        if self.tuning.adopt_uncertain:
            for input_id, job_id in (await self._store(self.manifest.candidates)).items():
                await self._store(self.manifest.adopt, input_id, job_id)
        await self._store(self.manifest.requeue, requeue)
        await self._store(_results.recover_results, self.manifest, self.out)
        rows = await self._store(self.manifest.rows)
        self.total = len(rows)
        for row in rows:
            self._stages[row.id] = stage_of(row)
            if row.status == InputStatus.SUBMITTED and row.job_id is not None:
                self.active[row.job_id] = Active(row.id, row.job_status or "created")
        self._notify()
        rounds = 0
        while True:
            await self.reconcile()
            finished = await self.work(deadline)
            rounds += 1
            if (
                not finished
                or self.halted is not None
                or not await self._store(self.manifest.rows, InputStatus.SUBMITTING)
            ):
                break
            # Answers were lost in this run: settle them against the job list, resubmit the job-less.
            if rounds == MAX_ROUNDS:
                await self.reconcile()
                break
        return await self._store(
            run_report,
            self.manifest,
            self.out,
            tuple(v.label for v in self.options.voiceprints),
            self.counters.requests,
            self.halted,
            self.halt,
            frozenset(self._noted),
            self._unreadable,
            self.limiter.stats.throttled,
            self._now() - started,
        )

    def _key_flow(self) -> _flows.Flow[_core.KeyStatus]:
        response = yield from _flows.call(self.ctx, _core.test_key_request())
        return _core.parse_key_status(response)
