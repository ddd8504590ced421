"""Results of a batch run: one ``GET /v1/jobs/{id}`` per finished job, written atomically and recorded."""

from __future__ import annotations

import logging
from typing import Any

import anyio

from .. import _core, _flows
from ..errors import (
    APIConnectionError,
    APIError,
    InvalidResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from ..results import IdentifyResult, Job, JobStatus, Result, is_terminal
from . import _results
from ._manifest import InputStatus
from ._retry import ends_the_run
from ._runner_core import EngineCore
from ._state import Active

__all__ = ["Fetching"]

logger = logging.getLogger("pyannoteai_identify.batch")


class Fetching(EngineCore):
    """The fetchers: each finished job read once, its result written and recorded."""

    def _queue_fetch(self, job_id: str) -> None:
        active = self.active.get(job_id)
        if active is None:
            return
        self._finish_watching(job_id)
        self._fetch_left += 1
        try:
            self._fetch_send.send_nowait((job_id, active))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            # The run is being torn down (Ctrl-C, a fatal error): the job stays 'submitted' and the
            # next run fetches it.
            self._fetch_left -= 1

    async def _fetch_worker(self, receive: Any) -> None:
        async with receive:
            async for job_id, active in receive:
                try:
                    await self._fetch_one(job_id, active)
                finally:
                    self._fetch_left -= 1
                    self._notify()

    async def _fetch_one(self, job_id: str, active: Active) -> None:
        """Read one finished job and settle it. The read is retried by the client's own policy (429,
        502-504, lost connections, ``Retry-After``), once: a job still unreadable after that stays
        ``submitted`` with the reason, and the next run reads it again. A proxy's refusal of the tunnel
        (which the next read gets too) and a 401 end the run instead, the job still ``submitted``."""
        try:
            response = await self.run_flow(_flows.call(self.ctx, _core.get_job_request(job_id)), "fetch")
            job = _core.parse_job_response(response, "identify", job_id)
        except NotFoundError:
            gone = "the job is gone (404): results are kept 24 h"
            await self._end(job_id, active, InputStatus.EXPIRED, "expired", gone)
            return
        except (RateLimitError, ServerError, APIConnectionError) as error:
            if ends_the_run(error):
                raise  # the next read gets the same refusal: it ends the run, as a 401; the job stays submitted
            self._keep_active(job_id, f"reading the job failed: {error}")
            return
        except InvalidResponseError as error:
            self._keep_active(job_id, f"the job's answer breaks the contract: {error}")
            return
        except APIError as error:
            if error.status_code != 404:
                raise
            # A 404 that is not the API's JSON error (a gateway's or proxy's page; the API's own is
            # NotFoundError, above) proves nothing about the job: read again by the next run.
            self._keep_active(job_id, f"reading the job failed: {error}")
            return
        await self._settle(job_id, active, job)

    def _keep_active(self, job_id: str, reason: str) -> None:
        """The job could not be read now: it stays ``submitted``, and the next run reads it again."""
        logger.warning("job %s: %s", job_id, reason)
        self._unreadable[job_id] = reason

    async def _settle(self, job_id: str, active: Active, job: Job[Result]) -> None:
        status = str(job.status)
        if not is_terminal(status):
            active.status = status
            self.active[job_id] = active
            self._new_job.set()
            return
        if job.status == JobStatus.SUCCEEDED:
            if not isinstance(job.output, IdentifyResult):
                gone = "the job succeeded but its output is gone (results are kept 24 h)"
                await self._end(job_id, active, InputStatus.EXPIRED, status, gone)
                return
            await self._write_result(job_id, active.input_id, job.output)
            return
        error_text = job.output.error if job.output is not None else None
        what = "failed" if job.status == JobStatus.FAILED else str(job.status)
        await self._end(
            job_id, active, InputStatus.FAILED, status, f"the job {what}: {error_text or 'no reason given'}"
        )

    async def _end(self, job_id: str, active: Active, status: InputStatus, job_status: str, reason: str) -> None:
        self._finish_watching(job_id)
        await self._store(self.manifest.record_job_end, job_id, status, job_status, reason)
        self._stage(active.input_id, "failed")

    async def _write_result(self, job_id: str, input_id: int, result: IdentifyResult) -> None:
        row = await self._store(self.manifest.get, input_id)
        json_path, rttm_path = _results.result_paths(self.out, row)
        json_text, rttm_text = _results.result_texts(row, job_id, result)
        unwritable = _results.not_utf8(json_text) or _results.not_utf8(rttm_text)
        if unwritable is not None:
            # Checked before either file is written: no half result on disk. Fetching it again would
            # give the same text, and submitting it again would bill it again: the input fails for good.
            self._finish_watching(job_id)
            reason = (
                f"the job succeeded but its result cannot be written as UTF-8: its text holds {unwritable} "
                "(an unpaired surrogate, in a label or another string of the output); read it with get_job"
            )
            await self._store(self.manifest.record_job_end, job_id, InputStatus.FAILED, JobStatus.SUCCEEDED, reason)
            self._stage(input_id, "failed")
            return
        try:
            await self._file_work(_results.write_results, json_path, json_text, rttm_path, rttm_text)
        except OSError as error:
            # A full disk or a refused name must not end the run: the job stays submitted, and the
            # next run fetches and writes it again (fetching bills nothing).
            self._finish_watching(job_id)
            self._keep_active(job_id, f"its result could not be written: {error}")
            return
        self._finish_watching(job_id)
        await self._store(
            self.manifest.record_success, job_id, str(json_path), str(rttm_path), result.speakers, result.talk_time()
        )
        self._stage(input_id, "done")
