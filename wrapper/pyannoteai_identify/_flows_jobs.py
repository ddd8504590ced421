"""The job endpoints' flows: create a job (sent exactly once), read a job, list a page of jobs."""

from __future__ import annotations

import functools
import logging

import httpx

from . import _core
from ._flows_context import Context
from ._flows_log import log_with
from ._flows_send import call
from ._flows_steps import Flow, Parse
from .results import (
    Job,
    JobKind,
    Result,
)

logger = logging.getLogger("pyannoteai_identify")


def create_job(ctx: Context, kwargs: _core.RequestKwargs, kind: JobKind) -> Flow[Job[Result]]:
    """Send a job-creating request exactly once and return the job, its id logged at INFO: whatever
    becomes of the call afterwards, the service's logs name every job it was billed for."""
    response = yield from call(ctx, kwargs, creates_job=True)
    job = _core.parse_created_job(response, kind)
    log_with(logger, logging.INFO, {"job_id": job.id, "kind": kind}, "%s job %s created", kind, job.id)
    return job


def get_job(
    ctx: Context, job_id: str, kind: JobKind | None, deadline: float | None = None
) -> Flow[tuple[Job[Result], httpx.Headers]]:
    response = yield from call(ctx, _core.get_job_request(job_id), deadline=deadline)
    parse = functools.partial(_core.parse_job_response, response, kind, job_id)
    job, error = yield Parse(parse, len(response.content))
    if error is not None:
        raise error
    return job, response.headers


def list_page(
    ctx: Context, *, limit: int, cursor: str | None, status: str | None
) -> Flow[tuple[list[_core.JobSummary], str | None]]:
    response = yield from call(ctx, _core.list_jobs_request(limit=limit, cursor=cursor, status=status))
    return _core.parse_job_page(response)
