"""Sending one API request as a flow: its slot in the throttle, retries for safe reads (a request that
creates a job is sent once), a log line per response."""

from __future__ import annotations

import contextlib
import logging
import time

import httpx

from . import _core
from ._flows_connection import _connection_error, certificate_failed
from ._flows_context import Context
from ._flows_log import LOOK_FOR_THE_JOB, _fields, _log, leave_note, log_with
from ._flows_steps import Flow, Send, Sleep
from ._proxy import refused_by_proxy
from ._rate_limit_info import RateLimitHeaders
from ._retry import describe
from .errors import (
    ConfigurationError,
    PyannoteAIError,
)

logger = logging.getLogger("pyannoteai_identify")


def send(
    ctx: Context, request: httpx.Request, *, creates_job: bool = False, deadline: float | None = None
) -> Flow[httpx.Response]:
    """Send with retries for safe reads; a request that creates a job is sent exactly once.

    With a *deadline* (a ``ctx.clock`` time), no retry sleeps past it: the last failure is returned
    or raised instead, so ``wait()`` ends on time.
    """
    attempt = 0
    retryable = not creates_job
    while True:
        now = ctx.clock()
        pause, generation, slot = ctx.throttle.reserve(now)
        if deadline is not None and pause > 0 and now + pause > deadline:
            # Sending at the deadline would break the server's hold (and, for waits woken together,
            # burst into it): the slot is given back and nothing is sent.
            ctx.throttle.release(slot)
            raise HeldPastDeadline(f"{request.method} {request.url.path} is held {pause:.2f} s, past the deadline")
        if pause > 0:
            logger.debug("%s %s held %.2f s: this client is rate limited", request.method, request.url.path, pause)
            try:
                yield Sleep(pause)
            except BaseException:  # cancelled or interrupted while held: the slot is not used
                ctx.throttle.release(slot)
                raise
            if ctx.throttle.extended_past(slot, generation):  # refused meanwhile: queue behind the new hold
                ctx.throttle.release(slot)
                continue
        sent_at = ctx.clock()
        ctx.throttle.sent(slot, sent_at)
        started = time.perf_counter()
        lost: httpx.RequestError | None = None
        try:
            heard = _Heard(ctx, generation)
            response: httpx.Response = yield Send(request, _body_seconds(ctx, deadline, sent_at), heard)
        except httpx.RequestError as error:
            lost = error
        except BaseException as interrupted:  # cancelled, Ctrl-C, or the caller's transport or hooks raised
            # The SDK's own errors here (a closed client) are raised before anything is sent.
            if creates_job and not isinstance(interrupted, PyannoteAIError | GeneratorExit):
                what, name = f"{request.method} {request.url.path}", type(interrupted).__name__
                if isinstance(interrupted, Exception):  # it may have failed before sending (a request hook)
                    said = f"{what} failed in the http_client's transport or event hooks ({name}); if it was sent,"
                else:
                    said = f"{what} was interrupted ({name}) after it may have been sent:"
                leave_note(interrupted, f"{said} the job may exist and be billed. {LOOK_FOR_THE_JOB}", log_always=True)
            raise
        if lost is not None and creates_job and (refusal := heard.refusal()) is not None:
            # Its status arrived, and refuses the request: no job exists, whatever became of the body.
            response = _core.headers_only(refusal, request, describe(lost), heard.wall_now)
            lost = None
        if lost is not None:
            failed_after = time.perf_counter() - started  # from sending to the failure, as elapsed is to the answer
            if ctx.closed() and not creates_job:  # a job-creating request's error says the job may exist
                raise ConfigurationError(
                    f"the client was closed while {request.method} {request.url.path} was in flight: create a new one"
                )
            delay = None
            # A proxy's refusal of the tunnel (407, 403) and a certificate that cannot be verified are
            # the same on every try: not retried.
            may_heal = not refused_by_proxy(lost) and not certificate_failed(lost)
            if retryable and may_heal and ctx.retry.should_retry(request.method, attempt, error=True):
                delay = ctx.retry.delay(attempt) or 0.0
            if delay is not None and _in_time(ctx, deadline, delay):
                log_with(
                    logger,
                    logging.WARNING,
                    _fields(
                        request,
                        elapsed=failed_after,
                        attempt=attempt + 1,
                        delay=float(delay),
                        error=type(lost).__name__,
                    ),
                    "%s %s failed (%s); retry %d in %.2f s",
                    request.method,
                    request.url.path,
                    describe(lost),
                    attempt + 1,
                    delay,
                )
                yield Sleep(delay)
                attempt += 1
                continue
            # Raised outside the except block: neither __cause__ nor __context__ keeps the httpx
            # error, which holds the request and so its Authorization header.
            raise _connection_error(request, lost, creates_job, attempt + 1, ctx.http_client())
        elapsed = time.perf_counter() - started
        wall_now = heard.wall_now if heard.wall_now is not None else heard(response)
        _log(request, response, elapsed)
        if retryable and ctx.retry.should_retry(request.method, attempt, status=response.status_code):
            backoff = ctx.retry.delay(attempt, response.headers, wall_now)
            if backoff is not None and _in_time(ctx, deadline, backoff):
                # The same request fields as the DEBUG line: at WARNING this is the only record of
                # the refused answer, and its request id is what support asks for.
                request_id = _core.request_id_of(response, _core.error_body(response))
                log_with(
                    logger,
                    logging.WARNING,
                    _fields(
                        request,
                        status_code=response.status_code,
                        elapsed=elapsed,
                        request_id=request_id,
                        attempt=attempt + 1,
                        delay=float(backoff),
                    ),
                    "%s %s answered %d; retry %d in %.2f s",
                    request.method,
                    request.url.path,
                    response.status_code,
                    attempt + 1,
                    backoff,
                )
                yield Sleep(backoff)
                attempt += 1
                continue
        return response


class _Heard:
    """What learns from an answer's headers, in one place: ``Send.answered``, which the client calls
    once the body was read or lost (a 429 whose body broke off still holds the client back by its
    ``Retry-After``, and the retry after it waits that long too)."""

    __slots__ = ("answer", "ctx", "generation", "wall_now")

    def __init__(self, ctx: Context, generation: int) -> None:
        self.ctx = ctx
        self.generation = generation  # of the throttle the request was reserved under
        self.wall_now: float | None = None  # the client's wall time at the answer, once heard
        self.answer: httpx.Response | None = None  # the answer heard, its body read or lost

    def refusal(self) -> httpx.Response | None:
        """The answer heard if its status refuses a job-creating request (no job exists), else None."""
        answer = self.answer
        return answer if answer is not None and answer.status_code in _core.REFUSED_WITHOUT_A_JOB else None

    def __call__(self, response: httpx.Response) -> float:
        """Note the wall time of *response*, and its rate-limit headers (read once) for
        ``client.rate_limit`` and the throttle; return that wall time."""
        ctx = self.ctx
        self.answer = response
        wall_now = self.wall_now = _note_wall_time(ctx, response)
        sent = RateLimitHeaders.of(response.headers)
        ctx.rate_limit_seen.observe(sent)
        ctx.throttle.observe(
            response.status_code,
            response.headers,
            ctx.clock(),
            ctx.retry.retry_after_cap,
            self.generation,
            wall_now,
            sent=sent,
        )
        return wall_now


class HeldPastDeadline(Exception):
    """A request that the client's rate-limit hold keeps back until after its caller's deadline."""


def _body_seconds(ctx: Context, deadline: float | None, now: float) -> float | None:
    """The body's time budget under a *deadline*: the time left, plus one read timeout for the last
    answer. Without a read timeout the body has no budget at all, and the deadline sets none either:
    cutting the last answer short would throw away a finished job's result."""
    read = ctx.settings.timeout.read
    if deadline is None or read is None:
        return None
    return max(0.0, deadline - now) + read


def _in_time(ctx: Context, deadline: float | None, delay: float) -> bool:
    return deadline is None or ctx.clock() + delay <= deadline


def _note_wall_time(ctx: Context, response: httpx.Response) -> float:
    """The client's wall time at *response*, read once: returned for what reads the response's dates
    now, and noted on the response for ``_core.error_for``, which has nothing else (a transport's
    read-only mapping keeps no note: ``time.time()`` then)."""
    wall_now = ctx.wall()
    with contextlib.suppress(TypeError):
        response.extensions[_core.WALL_TIME] = wall_now
    return wall_now


def call(
    ctx: Context, kwargs: _core.RequestKwargs, *, creates_job: bool = False, deadline: float | None = None
) -> Flow[httpx.Response]:
    """Build the request from generated kwargs and send it."""
    return (yield from send(ctx, ctx.request(kwargs), creates_job=creates_job, deadline=deadline))
