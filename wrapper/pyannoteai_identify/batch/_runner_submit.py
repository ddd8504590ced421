"""Phase 4's submissions: upload a pending input if needed, then create its job exactly once.

Submissions are sent one at a time, each marked ``submitting`` in the manifest before it is sent
and recorded after (the protocol of ``_manifest``); what an answer means for its input is decided
by ``_submission`` (pure). A created job is handed to the watching (``_runner_watch``).
"""

from __future__ import annotations

import logging
import sqlite3
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
from . import _files
from ._inputs import name_refusal, sha256_file, shown_source
from ._manifest import InputStatus, Row
from ._report import halt_cause
from ._retry import Halt, backoff, ends_the_run, refused_for_good
from ._runner_watch import Watching
from ._submission import Action, after_submission

__all__ = ["MAX_ATTEMPTS", "UPLOAD_REUSE", "Submitting"]

logger = logging.getLogger("pyannoteai_identify.batch")

#: An uploaded file is reused this long; the API keeps uploads at least 24 hours.
UPLOAD_REUSE = timedelta(hours=20)
#: Attempts per input and run, for uploads and submissions, after answers that prove nothing was
#: created (429, refused connections; not a proxy's refusal of the tunnel or a TLS certificate that
#: cannot be verified, which stop submitting).
#: They are POSTs, which the client's retry policy never repeats, so this is their only retry layer.
MAX_ATTEMPTS = 6


class Submitting(Watching):
    """The submit workers: upload if needed, then create each job exactly once."""

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
            await self._fail_input(row.id, f"{error.rule}", recheck=True)
            return None
        # Uploads are named by content: the hash must be of the bytes sent. A file written again
        # since it was hashed (its size or mtime moved) is hashed again first.
        stamp = await self._file_work(_files.stamp, row.source)
        digest = row.sha256
        if digest is None or stamp != await self._store(self.manifest.file_stamp, row.id):
            try:
                digest = await self._file_work(sha256_file, row.source)
            except OSError as error:
                await self._fail_input(row.id, f"the file could not be read: {error}", recheck=True)
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
                self._noted.add(row.id)
                return None
            # Recorded before the lock is released, so the next input with the same bytes reuses it.
            await self._store(self.manifest.record_upload, row.id, media_url)
        self._stage(row.id, "uploaded")
        return media_url

    async def _upload(self, row: Row, checked: CheckedAudio, media_url: str) -> str | None:
        """Upload the file (retrying answers that prove nothing was stored); None if it was refused for
        good (failed), or if every attempt met a temporary error (it stays pending for the next run).
        A refusal that waiting cannot change (the key, the account, a proxy's refusal of the tunnel, a
        storage certificate that cannot be verified) raises :class:`Halt`."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                await self.run_flow(
                    _flows.upload(self.ctx, CheckedAudio(path=checked.path, size=checked.size), media_url, None),
                    "upload",
                )
                return media_url
            except (AuthenticationError, PaymentRequiredError, _core.InsecureUploadURLError) as error:
                raise Halt(f"uploading was refused: {error}", error=error, step="upload", row=row) from error
            except (APIError, APIConnectionError) as error:
                if ends_the_run(error):
                    raise Halt(f"uploading was refused: {error}", error=error, step="upload", row=row) from error
                # 429, 5xx (from the API or the media storage), lost connections, unreadable answers:
                # nothing billable happened, so the upload is simply tried again.
                if refused_for_good(error):
                    await self._fail_input(row.id, f"upload refused: {error}")
                    return None
                if attempt + 1 == MAX_ATTEMPTS:
                    # Nothing was stored or billed, and no job exists: the input stays pending (as a
                    # submission refused as many times does), and the next run tries it again.
                    logger.warning("input %d: upload failed %d times; it stays pending", row.id, MAX_ATTEMPTS)
                    reason = f"upload failed {MAX_ATTEMPTS} times: {error}; the next run tries it again"
                    await self._store(self.manifest.note, row.id, reason)
                    self._noted.add(row.id)
                    return None
                await self._sleep(backoff(attempt, error))
            except OSError as error:
                await self._fail_input(row.id, f"the file could not be read: {error}", recheck=True)
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
            try:
                # Read as Client.identify reads it: a 5xx or an unreadable 2xx says the job may exist.
                job = _core.parse_created_job(response, "identify")
            except APIError as failed:
                outcome = failed
        decision = after_submission(outcome, answered=answered)
        if decision.action == Action.SUBMITTED and job is not None:
            await self._record_job(row, job)
            return None
        if outcome is None:  # a job read from a 2xx answer is SUBMITTED, above
            return None
        if decision.action == Action.IN_DOUBT:
            logger.warning("input %d: %s", row.id, decision.reason)
            await self._store(self.manifest.note, row.id, decision.reason)
            self._noted.add(row.id)
            return None
        status = InputStatus.FAILED if decision.action == Action.FAILED else InputStatus.PENDING
        await self._store(self.manifest.unmark_submitting, row.id, status, decision.reason)
        self._noted.add(row.id)
        if decision.action == Action.HALT:
            raise Halt(f"submitting was refused: {outcome}", error=outcome, step="submit", row=row) from outcome
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
                        # Both at once, with no await between: a deadline or a Ctrl-C cannot leave
                        # the sentence without its cause (the command's exit code reads the cause).
                        self.halt = halt_cause(halt.error, halt.step, halt.row)
                        self.halted = str(halt)
                    logger.error("%s; no more inputs are submitted in this run", halt)
                finally:
                    self._submit_left -= 1
                    self._notify()
