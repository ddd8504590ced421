"""Every operation written once, as a generator of I/O steps (the httpx ``auth_flow`` habit).

A flow yields what it needs done — send a request, sleep, stream an upload, wait for a webhook —
and receives the outcome; a transport error is thrown back into it. ``Client`` and
``AsyncClient`` only perform the steps, one with blocking calls and one with ``await``, so
retries, polling, validation and parsing exist in one copy and are tested once for both.

This module runs a flow (:func:`drive`, :func:`adrive`); the rest lives in modules of its own, each
imported from here: the steps (``_flows_steps``), the client's rate-limit throttle (``_throttle``),
what every flow gets (``_flows_context``), log records and notes (``_flows_log``), what a transport
failure says (``_flows_connection``), sending with retries (``_flows_send``), the upload
(``_flows_upload``), the job endpoints (``_flows_jobs``) and waiting for a job (``_flows_wait``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ._flows_connection import NOT_SENT
from ._flows_context import ClientDefaults, Context
from ._flows_jobs import create_job, get_job, list_page
from ._flows_log import LOOK_FOR_THE_JOB, leave_note, log_with
from ._flows_send import HeldPastDeadline, call, send
from ._flows_steps import AwaitWebhook, Flow, Parse, Send, Sleep, Step, Upload
from ._flows_upload import upload
from ._flows_wait import (
    MAX_INVALID_POLLS,
    MAX_SERVER_PAUSE,
    ended_as,
    resume_note,
    status_said,
    wait,
)
from ._throttle import Reservation, Throttle
from ._upload import raised_by_progress

T = TypeVar("T")

__all__ = [
    "LOOK_FOR_THE_JOB",
    "MAX_INVALID_POLLS",
    "MAX_SERVER_PAUSE",
    "NOT_SENT",
    "AwaitWebhook",
    "ClientDefaults",
    "Context",
    "Flow",
    "HeldPastDeadline",
    "Parse",
    "Reservation",
    "Send",
    "Sleep",
    "Step",
    "Throttle",
    "Upload",
    "call",
    "create_job",
    "ended_as",
    "get_job",
    "leave_note",
    "list_page",
    "log_with",
    "resume_note",
    "send",
    "status_said",
    "upload",
    "wait",
]


def _raise_through(flow: Flow[Any], error: BaseException) -> None:
    """Throw *error*, which ends the call, into *flow* at its pending step, so that it can say what
    it leaves behind (a note on the exception, a log line): a cancellation, Ctrl-C, or an exception
    of the caller's own transport or event hooks. The caller re-raises *error* whatever the flow
    does with it: a flow cannot swallow it, nor run another step. Its traceback is kept as it was:
    passing through the flow would add the flow's frames to it."""
    raised_at = error.__traceback__
    with contextlib.suppress(BaseException):
        flow.throw(error)
    error.with_traceback(raised_at)


def drive(flow: Flow[T], perform: Callable[[Step], Any]) -> T:
    """Run *flow* to its end, performing each step with *perform* (blocking)."""
    outcome: Any = None
    error: BaseException | None = None
    try:
        while True:
            try:
                step = flow.send(outcome) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                return result
            outcome, error = None, None
            try:
                outcome = perform(step)
            except (httpx.RequestError, httpx.StreamConsumed) as exc:
                if raised_by_progress(exc):  # the caller's callback, not the transport: raised as it was
                    _raise_through(flow, exc)
                    raise
                error = exc
            except BaseException as exc:
                _raise_through(flow, exc)
                raise
    finally:
        flow.close()


async def adrive(flow: Flow[T], perform: Callable[[Step], Awaitable[Any]]) -> T:
    """Run *flow* to its end, awaiting *perform* for each step: :func:`drive` for asyncio/trio."""
    outcome: Any = None
    error: BaseException | None = None
    try:
        while True:
            try:
                step = flow.send(outcome) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                return result
            outcome, error = None, None
            try:
                outcome = await perform(step)
            except (httpx.RequestError, httpx.StreamConsumed) as exc:
                if raised_by_progress(exc):  # the caller's callback, not the transport: raised as it was
                    _raise_through(flow, exc)
                    raise
                error = exc
            except BaseException as exc:
                _raise_through(flow, exc)
                raise
    finally:
        flow.close()
