"""The life of ``MockAPI``'s jobs: a job enters (the newest), each observation (a poll, or a
listing that reads it) moves it one step towards its outcome, a poll answers it, and a job
finished more than ``retention_seconds`` ago is forgotten (as are expired presigned URLs).

:class:`MockAPI` keeps the state in its fields; these are its methods over them (a base class of
``MockAPI``, as the clock's is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from ._mock_builders import _TERMINAL
from ._mock_clock import _VirtualClock
from ._mock_jobs import _BodyFactory, _Job, _job_output
from ._mock_responses import _error, _ok

__all__: list[str] = []


class _JobLifecycle(_VirtualClock):
    """The job lifecycle of :class:`MockAPI`, over the fields it declares (listed here) and its clock."""

    identify_output: _BodyFactory
    voiceprint_output: _BodyFactory
    failure_message: str
    retention_seconds: float
    _jobs: dict[str, _Job]
    _presigned: dict[str, tuple[str, float]]  # URL → (key, expiry)
    _seq: int

    def _add(self, job: _Job) -> None:
        with self._lock:
            self._purge()
            self._seq += 1
            job.seq = self._seq
            self._jobs.pop(job.job_id, None)  # a reused id: the job moves to the newest position
            self._jobs[job.job_id] = job

    def _output(self, job: _Job) -> Mapping[str, Any]:
        return _job_output(job, self.identify_output, self.voiceprint_output)

    def _purge(self) -> None:
        """Forget jobs finished more than ``retention_seconds`` ago, and expired presigned URLs."""
        for job_id in [i for i, job in self._jobs.items() if job.ended is not None and self._expired(job.ended)]:
            del self._jobs[job_id]
        for url in [u for u, (_, expires) in self._presigned.items() if self._now >= expires + self.retention_seconds]:
            del self._presigned[url]  # kept a while past expiry, to answer 403 rather than 404

    def _expired(self, ended: float) -> bool:
        return self._now >= ended + self.retention_seconds

    def _advance(self, job: _Job) -> None:
        """One observation of *job* (a poll, or a listing that reads it): it moves one step towards its outcome."""
        if job.status in _TERMINAL:
            return
        job.polls += 1
        status = "running" if job.polls <= job.pending_polls else job.outcome
        if status != job.status:
            job.status = status
            job.updated_at = self._stamp()
        if status in _TERMINAL:
            job.ended = self._now
            if status == "succeeded" and job.output is None:
                job.output = self._output(job)
            elif status == "failed" and job.output is None:
                job.output = {"error": job.error or self.failure_message}

    def _poll(self, job_id: str) -> httpx.Response:
        self._purge()
        job = self._jobs.get(job_id)
        if job is None:
            message = "Job not found: it does not exist, or its results were deleted after the retention period"
            return _error(404, message)
        self._advance(job)
        body: dict[str, Any] = {
            "jobId": job.job_id,
            "status": job.status,
            "createdAt": job.created_at,
            "updatedAt": job.updated_at,
        }
        if job.output is not None:
            body["output"] = dict(job.output)
        elif job.status == "failed":
            body["output"] = {"error": self.failure_message}
        return _ok(200, body)
