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
``_runner_reconcile`` (phase 3), ``_runner_watch`` (the status sweeps and webhook deliveries) and
``_runner_fetch`` (the results); this module drives the phases and the rounds.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio

from .. import _core, _flows
from .._validation import (
    CheckedAudio,
    check_audio,
)
from ..errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    InvalidResponseError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ..results import Job, Result
from . import _files, _results
from ._clock import simulated_sleep
from ._inputs import Found, name_refusal, sha256_file, shown_source
from ._manifest import InputStatus, Row
from ._report import BatchReport, halt_cause, run_report
from ._retry import Halt, backoff, ends_the_run, refused_for_good
from ._runner_core import ProgressCallback
from ._runner_inputs import InputAdding
from ._runner_reconcile import MAX_RECONCILE_SETTLE as MAX_RECONCILE_SETTLE
from ._runner_reconcile import RECONCILE_MARGIN as RECONCILE_MARGIN
from ._runner_reconcile import Reconciling
from ._runner_reconcile import settle_seconds as settle_seconds
from ._runner_watch import Watching
from ._state import Active, stage_of
from ._submission import Action, after_submission

__all__ = ["Engine", "ProgressCallback", "simulated_sleep"]

logger = logging.getLogger("pyannoteai_identify.batch")

#: An uploaded file is reused this long; the API keeps uploads at least 24 hours.
UPLOAD_REUSE = timedelta(hours=20)
#: Attempts per input and run, for uploads and submissions, after answers that prove nothing was
#: created (429, refused connections; not a proxy's refusal of the tunnel, which stops submitting).
#: They are POSTs, which the client's retry policy never repeats, so this is their only retry layer.
MAX_ATTEMPTS = 6
#: Rounds of "reconcile lost submissions, submit the job-less ones again" within one run.
MAX_ROUNDS = 3


class Engine(Watching, Reconciling, InputAdding):
    """One batch run: its phases (the bases) driven in order, then the report."""

    # --- phase 4: the work ---------------------------------------------------------------------

    async def _team_anchor(self) -> str:
        """The team's newest job before this run's first submission (``""`` if none): see ``_reconcile``."""
        async with self._anchor_lock:
            if self._anchor is None:
                items, _ = await self.run_flow(
                    _flows.list_page(self.ctx, limit=1, cursor=None, status=None), "reconcile"
                )
                self._anchor = items[0].id if items else ""
            return self._anchor

    async def _ensure_audio_url(self, row: Row) -> str | None:
        """The URL the API reads: the input's URL, a fresh upload of the same content, or a new upload."""
        if row.kind == "url":
            return row.audio_url or row.source
        fresh_after = (datetime.now(UTC) - UPLOAD_REUSE).isoformat(timespec="milliseconds")
        if row.audio_url and row.uploaded_at and row.uploaded_at > fresh_after:
            return row.audio_url
        reason = name_refusal(row.source)  # reopened by --retry-failed: the same reason as on discovery
        if reason is not None:
            await self._fail_input(row.id, reason)
            return None
        try:
            # In a worker thread, as every stat, open and read of an input file (hashing, uploading).
            checked = await self._file_work(check_audio, row.source)
        except ValidationError as error:
            await self._fail_input(row.id, f"{error.rule}")
            return None
        # Uploads are named by content: the hash must be of the bytes sent. A file written again
        # since it was hashed (its size or mtime moved) is hashed again first.
        stamp = await self._file_work(_files.stamp, row.source)
        digest = row.sha256
        if digest is None or stamp != await self._store(self.manifest.file_stamp, row.id):
            try:
                digest = await self._file_work(sha256_file, row.source)
            except OSError as error:
                await self._fail_input(row.id, f"the file could not be read: {error}")
                return None
            if stamp is not None:
                await self._store(self.manifest.refresh_file, row.id, *stamp, digest, None)
        # One upload per content at a time: a second input with the same bytes waits and reuses it.
        async with self._upload_locks.setdefault(digest, anyio.Lock()):
            reused = await self._store(self.manifest.reusable_upload, digest, fresh_after)
            media_url = reused or await self._upload(row, checked, f"media://pyannoteai-identify/batch/{digest}")
            if media_url is None:
                return None
            if reused is None and await self._file_work(_files.stamp, row.source) != stamp:
                # Written during the upload: what was stored may be neither version. Not recorded;
                # the next run hashes and uploads it again.
                logger.warning(
                    "input %d: %s changed while it was uploaded; it will be uploaded again", row.id, row.source
                )
                await self._store(self.manifest.note, row.id, "the file changed while it was uploaded: run again")
                return None
            # Recorded before the lock is released, so the next input with the same bytes reuses it.
            await self._store(self.manifest.record_upload, row.id, media_url)
        self._stage(row.id, "uploaded")
        return media_url

    async def _upload(self, row: Row, checked: CheckedAudio, media_url: str) -> str | None:
        """Upload the file (retrying answers that prove nothing was stored); None if it failed for good."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                await self.run_flow(
                    _flows.upload(self.ctx, CheckedAudio(path=checked.path, size=checked.size), media_url, None),
                    "upload",
                )
                return media_url
            except (AuthenticationError, PaymentRequiredError, _core.InsecureUploadURLError) as error:
                raise Halt(f"uploading was refused: {error}", error=error, step="upload") from error
            except (APIError, APIConnectionError) as error:
                if ends_the_run(error):
                    raise Halt(f"uploading was refused: {error}", error=error, step="upload") from error
                # 429, 5xx (from the API or the media storage), lost connections, unreadable answers:
                # nothing billable happened, so the upload is simply tried again.
                if refused_for_good(error):
                    await self._fail_input(row.id, f"upload refused: {error}")
                    return None
                if attempt + 1 == MAX_ATTEMPTS:
                    await self._fail_input(row.id, f"upload failed {MAX_ATTEMPTS} times: {error}")
                    return None
                await self._sleep(backoff(attempt, error))
            except OSError as error:
                await self._fail_input(row.id, f"the file could not be read: {error}")
                return None
        return None

    async def _submit_one(self, input_id: int) -> None:
        """Upload if needed, then create the job exactly once (see the protocol in ``_manifest``)."""
        for _ in range(MAX_ATTEMPTS):
            if self.halted is not None:
                return
            row = await self._store(self.manifest.get, input_id)
            if row.status != InputStatus.PENDING:
                return
            url = await self._ensure_audio_url(row)
            if url is None:
                return
            retry_in = await self._send_once(row, url)
            if retry_in is None:
                return
            await self._sleep(retry_in)
        logger.warning("input %d: still refused after %d attempts; it stays pending", input_id, MAX_ATTEMPTS)

    async def _send_once(self, row: Row, url: str) -> float | None:
        """Mark, send, record: one ``POST /v1/identify``. Returns seconds to wait before trying again, or None.

        Submissions are sent one at a time. Uploads still overlap, and one POST takes a fraction
        of the rate limit's interval, so this costs no throughput; in exchange a crash leaves at
        most one input whose outcome is unknown, and its anchor (the job recorded just before) is
        as recent as it can be, which makes reconciliation precise.
        """
        # Shielded: a deadline or Ctrl-C waits for the answer (bounded by the request timeout), so
        # a job id that arrives is always recorded.
        async with self._submit_lock:
            if self.halted is not None:
                return None  # submitting stopped while this input waited for its turn
            with anyio.CancelScope(shield=True):
                retry_in = await self._mark_send_record(row, url)
        return retry_in

    async def _mark_send_record(self, row: Row, url: str) -> float | None:
        """Commit the mark, send once, commit the answer (the caller holds the lock and the shield)."""
        try:
            anchor = self._last_job or await self._team_anchor()
        except (RateLimitError, ServerError, APIConnectionError, InvalidResponseError) as error:
            if ends_the_run(error):
                raise  # as a 401: nothing was marked, the input stays pending
            # Nothing was marked or sent: the input stays pending and is tried again after a pause.
            logger.warning("input %d: the job list could not be read before submitting (%s)", row.id, error)
            return backoff(row.attempts, error)
        if not await self._store(self.manifest.mark_submitting, row.id, anchor):
            return None
        job: Job[Result] | None = None
        outcome: APIConnectionError | APIError | None = None
        answered = False
        try:
            response = await self.run_flow(_flows.call(self.ctx, self.options.request(url), creates_job=True), "submit")
        except APIConnectionError as lost:
            outcome = lost
        else:
            answered = 200 <= response.status_code < 300
            if not answered:
                outcome = _core.error_for(response)
            else:
                try:
                    job = _core.parse_job_response(response, "identify")
                except InvalidResponseError as unreadable:
                    outcome = unreadable
        decision = after_submission(outcome, answered=answered)
        if decision.action == Action.SUBMITTED and job is not None:
            await self._record_job(row, job)
            return None
        if outcome is None:  # a job read from a 2xx answer is SUBMITTED, above
            return None
        if decision.action == Action.IN_DOUBT:
            await self._store(self.manifest.note, row.id, decision.reason)
            return None
        status = InputStatus.FAILED if decision.action == Action.FAILED else InputStatus.PENDING
        await self._store(self.manifest.unmark_submitting, row.id, status, decision.reason)
        if decision.action == Action.HALT:
            raise Halt(f"submitting was refused: {outcome}", error=outcome, step="submit") from outcome
        if decision.action == Action.FAILED:
            self._stage(row.id, "failed")
            return None
        return backoff(row.attempts, outcome)

    async def _record_job(self, row: Row, job: Job[Result]) -> None:
        """Commit the job id a submission's answer carried, before anything else is done with it."""
        try:
            await self._store(self.manifest.record_job, row.id, job.id, str(job.status))
        except sqlite3.Error:
            # The job exists and is billed; say which it is, so that the input (left
            # 'submitting', then 'uncertain') can be adopted with certainty.
            logger.error(
                "input %d (%s): job %s was created but the manifest could not record it",
                row.id,
                shown_source(row.source),
                job.id,
            )
            raise
        _flows.log_with(
            logger,
            logging.INFO,
            {"job_id": job.id, "kind": "identify", "input_id": row.id},
            "input %d (%s): identify job %s created",
            row.id,
            shown_source(row.source),
            job.id,
        )
        self._last_job = job.id
        self._start_watching(job.id, row.id, str(job.status))

    async def _submit_worker(self, receive: Any) -> None:
        async with receive:
            async for input_id in receive:
                try:
                    if self.halted is None:
                        await self._submit_one(input_id)
                except Halt as halt:
                    if self.halted is None:  # the first refusal is the cause; another worker's is the same
                        self.halted = str(halt)
                        self.halt = halt_cause(halt.error, halt.step, await self._store(self.manifest.get, input_id))
                    logger.error("%s; no more inputs are submitted in this run", halt)
                finally:
                    self._submit_left -= 1
                    self._notify()

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
            self._unreadable,
            self.limiter.stats.throttled,
            self._now() - started,
        )

    def _key_flow(self) -> _flows.Flow[_core.KeyStatus]:
        response = yield from _flows.call(self.ctx, _core.test_key_request())
        return _core.parse_key_status(response)
