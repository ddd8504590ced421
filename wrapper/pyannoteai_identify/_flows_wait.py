"""``wait``: poll a job, or wait for its webhook, until it ends; then return its result or raise what
its status stands for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

from ._flows_context import Context
from ._flows_jobs import get_job
from ._flows_log import leave_note, log_with
from ._flows_send import HeldPastDeadline
from ._flows_steps import AwaitWebhook, Flow, Sleep
from ._polling import WEBHOOK_POLL_FACTOR, job_age, rate_limit_gap
from .errors import (
    APIConnectionError,
    APIError,
    ConfigurationError,
    InvalidResponseError,
    JobCanceledError,
    JobError,
    JobExpiredError,
    JobFailedError,
    NotFoundError,
    PyannoteAIError,
    RateLimitError,
    ServerError,
    WaitTimeoutError,
    _cut,
)
from .results import (
    DiarizationResult,
    Job,
    JobKind,
    JobStatus,
    Result,
    coerce_status,
    failed_output,
    is_terminal,
    parse_output,
)

logger = logging.getLogger("pyannoteai_identify")


def _finish(job: Job[Result]) -> Result:
    """The result of a terminal job, or the exception its status stands for."""
    error_text = job.output.error if job.output is not None else None
    if job.status == JobStatus.SUCCEEDED:
        if job.output is None:
            raise JobExpiredError(
                f"job {job.id} succeeded but its output is gone: results are deleted 24 hours after completion",
                job_id=job.id,
                status=str(job.status),
            )
        return job.output
    what = f"job {job.id} {ended_as(job.status)}"
    # Cut in the text as APIError cuts what the server sent (whole in api_message): str(error) goes to logs.
    shown = _cut(error_text, 500) if error_text else None
    if job.status == JobStatus.FAILED:
        raise JobFailedError(
            f"{what}: {shown or 'the API gave no reason'}",
            job_id=job.id,
            status=str(job.status),
            api_message=error_text,
        )
    # JobError: a terminal status this version has no exception for (the contract's x-terminal gained it).
    error_type = JobCanceledError if job.status == JobStatus.CANCELED else JobError
    reason = f": {shown}" if shown else ""
    raise error_type(f"{what}{reason}", job_id=job.id, status=str(job.status), api_message=error_text)


def ended_as(status: str) -> str:
    """How a job that ended without a result ended, as messages say it: "failed", "was canceled",
    or "ended with status 'expired'" for a terminal status the contract gained."""
    if status == JobStatus.FAILED:
        return "failed"
    if status == JobStatus.CANCELED:
        return "was canceled"
    return f"ended with status {str(status)!r}"


#: The longest pause a poll's answer is obeyed for (unless the retry cap or the longest polling gap
#: is longer): a server may well ask for minutes, but a year is a mis-scaled header.
MAX_SERVER_PAUSE = 3600.0


def _bounded_server_gap(ctx: Context, job_id: str, seconds: float) -> float:
    """The pause a poll's answer asks for, at most :data:`MAX_SERVER_PAUSE`: a mis-scaled
    ``X-RateLimit-Reset`` (milliseconds) or an absurd ``Retry-After`` would otherwise park the wait
    until its deadline, 24 hours by default, though the job may long be done."""
    cap = max(ctx.retry.retry_after_cap, ctx.schedule.maximum, MAX_SERVER_PAUSE)
    if seconds > cap:
        logger.warning("polling job %s: the server asks for a %.0f s pause; waiting %.0f s", job_id, seconds, cap)
        return cap
    return seconds


def _from_event(event: Any, kind: JobKind | None) -> Job[Result] | None:
    """A terminal job built from a webhook event, or None when the event lacks what we need (poll then).

    A status-only delivery has no output, and a failed or canceled delivery has none either (so no
    reason, as the API documents): the poll that follows fetches ``output``/``output.error``.
    """
    status = coerce_status(str(event.status))
    if not is_terminal(status):
        return None
    result = getattr(event, "result", None)
    if status == JobStatus.SUCCEEDED:
        if result is None:
            return None
        if kind is not None and not _matches_kind(result, kind):
            try:
                result = parse_output(kind, result.to_dict())
            except InvalidResponseError as problem:
                logger.warning(
                    "the webhook of job %s does not hold a %s output (%s); polling instead", event.job_id, kind, problem
                )
                return None
        return Job[Result](event.job_id, status, kind, output=result)
    error = getattr(event, "error", None)
    if not error:
        return None
    return Job[Result](event.job_id, status, kind, output=failed_output(error))


def _ended_without_reason(event: Any, kind: JobKind | None) -> Job[Result] | None:
    """The job a failed or canceled delivery without error text reports, to finish with if a poll adds nothing."""
    status = coerce_status(str(event.status))
    if is_terminal(status) and status != JobStatus.SUCCEEDED and not getattr(event, "error", None):
        return Job[Result](event.job_id, status, kind)
    return None


def _poll_fields(job_id: str, error: PyannoteAIError) -> dict[str, object]:
    """The ``extra`` fields of a failed poll's WARNING, for JSON formatters: ``job_id`` and ``error``
    (the exception's type), and ``status_code`` and ``request_id`` when the API answered."""
    fields: dict[str, object] = {"job_id": job_id, "error": type(error).__name__}
    if isinstance(error, APIError):
        fields.update(status_code=error.status_code, request_id=error.request_id)
    return fields


def resume_note(job_id: str) -> str:
    """The note of an error that ended a wait before its deadline: which job, and how to take it up
    again (the command line says the call as its command: ``_cli_errors``)."""
    return f"job {job_id} was being waited for: once this is fixed, wait({job_id!r}) resumes it"


def _unusable(error: APIError) -> str:
    """What a poll's answer that wait() polls through was: malformed, or an error status (a 404) that is
    not the API's JSON error (a gateway's or proxy's page)."""
    if isinstance(error, InvalidResponseError):
        return "a malformed answer"
    return f"a {error.status_code} that is not the API's JSON error"


def _failed(polls: int, last: BaseException) -> str:
    """What a timeout says of the polls that failed since the last answer: how many, and the last error."""
    if polls == 1:
        return f"the one poll failed with: {last}"
    return f"{polls} polls in a row failed, the last with: {last}"


def status_said(status: str | None, *, still: bool = True) -> str:
    """What a wait timeout says of a job whose last known status is *status*: "is still running", or
    "has no known status" when no answer (nor the job handle) gave one."""
    return f"is {'still ' if still else ''}{status}" if status else "has no known status"


def _told(job: Job[Result], last_status: str | None, on_status: Callable[[Job[Result]], object] | None) -> Job[Result]:
    """*job*, once *on_status* has heard of its status (unless that is the status it heard last)."""
    if on_status is not None and str(job.status) != last_status:
        on_status(job)
    return job


def _matches_kind(result: Result, kind: JobKind) -> bool:
    from .results import IdentifyResult, VoiceprintResult

    expected = {"identify": IdentifyResult, "voiceprint": VoiceprintResult, "diarization": DiarizationResult}[kind]
    return isinstance(result, expected)


_TRANSIENT = (RateLimitError, ServerError, APIConnectionError)
#: A poll answered with a body that breaks the contract (truncated JSON, a proxy's page) is polled
#: again, but this many such answers without a good one in between end the wait: a server that
#: always answers garbage fails clearly instead of being polled until the deadline.
MAX_INVALID_POLLS = 3


def wait(
    ctx: Context,
    job_id: str,
    kind: JobKind | None,
    *,
    timeout: float,
    on_status: Callable[[Job[Result]], object] | None,
    broker: Any = None,
    status: str | None = None,
) -> Flow[Result]:
    """Poll until the job ends (or its webhook arrives), then return its result or raise.

    *status* is what the caller's job handle says, for errors raised before any answer was read.
    """
    start = ctx.clock()
    deadline = start + timeout
    origin: float | None = None  # when the job was created, on ctx.clock(): what the schedule counts from
    last_status: str | None = None
    invalid_polls = 0
    # The polls since the last good answer that failed (transient errors, malformed answers), and the last error.
    failed_polls = 0
    last_failure: BaseException | None = None
    looked_at_deadline = False  # with a broker: once the deadline has passed, it is looked at once
    # Set by a failed/canceled delivery without a reason: the next poll looks for output.error,
    # and whatever it shows, the wait ends then (it never goes back to waiting for that job).
    reported: Job[Result] | None = None
    while True:
        headers: httpx.Headers | None = None
        held = False
        try:
            job, headers = yield from get_job(ctx, job_id, kind, deadline)
            invalid_polls = failed_polls = 0
        except ConfigurationError as error:
            if ctx.closed():  # close() ended the wait: say how to take it up again
                error.add_note(f"job {job_id} was being waited for: wait({job_id!r}) on a new client resumes it")
            raise
        except NotFoundError:
            raise JobExpiredError(
                f"job {job_id} is gone (unknown id, or deleted 24 hours after completion)",
                job_id=job_id,
                status=last_status or status or "unknown",
            ) from None
        except HeldPastDeadline:
            job = None  # the client's rate-limit hold outlasts the wait: it ends at its deadline unsent
            held = True
        except _TRANSIENT as error:
            if isinstance(error, APIConnectionError) and (error.proxy_refused or error.certificate_failed):
                # The proxy refuses the tunnel (its credentials, its allow list), or the server's TLS
                # certificate cannot be verified: neither heals by waiting.
                leave_note(error, resume_note(job_id))
                raise
            log_with(
                logger,
                logging.WARNING,
                _poll_fields(job_id, error),
                "polling job %s: %s; will keep waiting",
                job_id,
                error,
            )
            failed_polls, last_failure = failed_polls + 1, error
            job = None
            if isinstance(error, RateLimitError):
                headers = httpx.Headers(error.headers)
        except APIError as error:
            # A malformed answer, or a 404 that is not the API's JSON error (a gateway's or proxy's
            # page; the API's own is NotFoundError, above): no proof the job is gone, so polled again
            # like a transient fault, but at most MAX_INVALID_POLLS in a row (a wrong base path 404s
            # for ever). Any other error status (401, 402) cannot heal by waiting.
            if not isinstance(error, InvalidResponseError) and error.status_code != 404:
                leave_note(error, resume_note(job_id))
                raise
            invalid_polls += 1
            if invalid_polls >= MAX_INVALID_POLLS:
                leave_note(error, resume_note(job_id))
                raise
            log_with(
                logger,
                logging.WARNING,
                _poll_fields(job_id, error),
                "polling job %s: %s; will poll again "
                "(%s; %d of %d answers in a row that were malformed or not the API's)",
                job_id,
                error,
                _unusable(error),
                invalid_polls,
                MAX_INVALID_POLLS,
            )
            failed_polls, last_failure = failed_polls + 1, error
            job = None
        if job is not None:
            if origin is None:
                age = job_age(headers, job.created_at, ctx.wall()) if headers is not None else None
                origin = start if age is None else min(start, ctx.clock() - age)
            if str(job.status) != last_status:
                last_status = str(job.status)
                if on_status is not None:
                    on_status(job)
            if job.is_terminal:
                if broker is not None and callable(getattr(broker, "discard", None)):
                    broker.discard(job_id)  # a delivery kept meanwhile is not needed any more
                return _finish(job)
        if reported is not None:
            return _finish(_told(reported, last_status, on_status))
        now = ctx.clock()
        remaining = deadline - now
        if remaining <= 0 and broker is not None and not looked_at_deadline:
            looked_at_deadline = True  # the poll may lag behind a delivery already here
            event = yield AwaitWebhook(broker, job_id, 0.0)
            finished = None if event is None else _from_event(event, kind)
            if finished is not None:
                return _finish(_told(finished, last_status, on_status))
            if event is not None and is_terminal(str(event.status)):
                # It ended, but its delivery lacks the output, or the reason: one more poll, for it
                # (a failure's delivery ends the wait after that poll, whatever it shows).
                reported = _ended_without_reason(event, kind)
                continue
        if remaining <= 0:
            unsent = " (the last poll was not sent: the API's rate limit holds this client back)" if held else ""
            failing = None if held or not failed_polls or last_failure is None else _failed(failed_polls, last_failure)
            known = last_status or status
            raise WaitTimeoutError(
                f"job {job_id} {status_said(known)} after {timeout:g} s{unsent}{f' ({failing})' if failing else ''}; "
                f"call wait({job_id!r}) again later to resume",
                job_id=job_id,
                last_status=known,
                polls_failing=failing,
            ) from (last_failure if failing else None)
        gap = ctx.schedule.gap(now - (start if origin is None else origin))
        if broker is not None:
            gap = min(gap * WEBHOOK_POLL_FACTOR, ctx.schedule.maximum)
        gap = max(gap, ctx.throttle.pending(now))
        if headers is not None:
            server_gap = rate_limit_gap(headers, ctx.wall())
            if server_gap is not None:
                gap = max(gap, _bounded_server_gap(ctx, job_id, server_gap))
        gap = min(gap, remaining)
        if broker is None:
            yield Sleep(gap)
            continue
        if ctx.simulated:  # the gap is slept, the broker looked at before and after it
            event = yield AwaitWebhook(broker, job_id, 0.0)
            if event is None:
                yield Sleep(gap)
                event = yield AwaitWebhook(broker, job_id, 0.0)
        else:
            event = yield AwaitWebhook(broker, job_id, gap)
        if event is not None:
            finished = _from_event(event, kind)
            if finished is not None:
                return _finish(_told(finished, last_status, on_status))
            reported = _ended_without_reason(event, kind)
