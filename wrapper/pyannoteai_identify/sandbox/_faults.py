"""Fault injection: make the next requests fail in a chosen way, or the next job fail or be canceled.

Faults are queued in the order they are added; each incoming request takes one from the first
rule whose scope matches it. They act before authentication, as a network or an overloaded
server would.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, TypeAlias, get_args

import anyio
import httpx

from .._numbers import real
from ._jobs import CANCELED, Outcome, failed
from ._state import JobKind

__all__ = ["DroppedConnection", "Fault", "FaultKind", "Faults"]

FaultKind: TypeAlias = Literal["5xx", "429", "402", "delay", "drop", "malformed"]

_KINDS: tuple[str, ...] = get_args(FaultKind)
_JOB_KINDS: tuple[str, ...] = get_args(JobKind)
_MAX_COUNT = 10_000
_MAX_DELAY = 300.0
#: How often a held request looks whether it was released (by ``Sandbox.reset`` or ``Sandbox.close``).
_HOLD_CHECK = 0.01


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by the sandbox app to cut a response short (the ``drop`` fault).

    Served by uvicorn, the connection closes mid-response; served in-process through
    ``httpx.ASGITransport``, the client sees this ``httpx.RemoteProtocolError`` directly.
    """


@dataclass
class Fault:
    """One injected behaviour, for the next ``remaining`` matching requests."""

    kind: FaultKind
    remaining: int
    status: int
    seconds: float
    retry_after: int
    operation: str | None
    after: bool = False


class Faults:
    """The queue of injected faults and forced job outcomes; every method is thread-safe."""

    def __init__(self, operations: Collection[str]) -> None:
        self._operations = frozenset(operations)
        self._rules: list[Fault] = []
        self._job_outcomes: list[tuple[Outcome, JobKind | None]] = []
        self._lock = threading.Lock()
        self._releases = 0  # how many times held requests were released: one compares it before and after
        self._released_by = "reset"  # what the last release was, said to the requests it ended

    def next(
        self,
        n: int = 1,
        kind: FaultKind = "5xx",
        *,
        status: int | None = None,
        seconds: float = 1.0,
        retry_after: int = 1,
        operation: str | None = None,
        after: bool = False,
    ) -> None:
        """Make the next *n* requests (to *operation*, or to any) misbehave.

        Args:
            n: how many requests, 1 to 10000.
            kind: ``"5xx"`` (an ``ApiError`` with *status*, default 503), ``"429"`` (with
                ``Retry-After: retry_after``), ``"402"`` (subscription required), ``"delay"``
                (wait *seconds* of real time, then answer normally; a ``clear()`` meanwhile, as
                ``Sandbox.reset()`` does, or ``Sandbox.close()``, ends the wait with a 503 and nothing
                done), ``"drop"`` (close the
                connection in the middle of the response), ``"malformed"`` (the success status
                with a body that is not JSON).
            status: the status of a ``"5xx"`` fault, 500 to 599.
            seconds: the wait of a ``"delay"`` fault, above 0 and at most 300.
            retry_after: the ``Retry-After`` of a ``"429"`` fault, in whole seconds >= 0.
            operation: an operationId from openapi.yaml, or ``"upload"`` (the presigned PUT);
                None matches every request.
            after: serve the request first (a job is created and billed, an upload stored), then
                answer with the fault instead: what a client sees when the API fails after doing
                the work. Only for ``"5xx"``, ``"malformed"`` and ``"drop"``.

        Raises:
            ValueError: an argument is outside the range above.
        """
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= _MAX_COUNT:
            raise ValueError(f"n={n!r}: must be a whole number from 1 to {_MAX_COUNT}")
        if kind not in _KINDS:
            raise ValueError(f"kind={kind!r}: must be one of {', '.join(_KINDS)}")
        if kind == "5xx" and status is not None and not (isinstance(status, int) and 500 <= status <= 599):
            raise ValueError(f"status={status!r}: a 5xx fault needs a status from 500 to 599")
        if kind != "5xx" and status is not None:
            raise ValueError(f"status={status!r}: only a 5xx fault takes a status")
        delay = real(seconds)
        if not (delay is not None and math.isfinite(delay) and 0 < delay <= _MAX_DELAY):
            raise ValueError(f"seconds={seconds!r}: must be above 0 and at most {_MAX_DELAY:g}")
        seconds = delay
        if not isinstance(retry_after, int) or isinstance(retry_after, bool) or retry_after < 0:
            raise ValueError(f"retry_after={retry_after!r}: must be a whole number of seconds >= 0")
        if after is not False and (after is not True or kind not in ("5xx", "malformed", "drop")):
            raise ValueError(f"after={after!r}: only a 5xx, malformed or drop fault can come after the work")
        if operation is not None and operation not in self._operations:
            raise ValueError(f"operation={operation!r}: must be one of {', '.join(sorted(self._operations))}")
        fault = Fault(kind, n, 503 if status is None else status, float(seconds), retry_after, operation, after)
        with self._lock:
            self._rules.append(fault)

    def fail_next_job(self, error: str = "Simulated failure", *, kind: JobKind | None = None) -> None:
        """Make the next job (of *kind*, or any) fail with ``output.error = error``."""
        if not isinstance(error, str) or not error:
            raise ValueError(f"error={error!r}: must be a non-empty string")
        self._force(failed(error), kind)

    def cancel_next_job(self, *, kind: JobKind | None = None) -> None:
        """Make the next job (of *kind*, or any) end ``canceled`` when its processing time is over:
        no output in ``GET /v1/jobs/{id}``, and a webhook of ``{jobId, status: "canceled"}``. The API
        has no cancel operation; this is how a canceled job looks once it has happened."""
        self._force(CANCELED, kind)

    def _force(self, outcome: Outcome, kind: JobKind | None) -> None:
        if kind is not None and kind not in _JOB_KINDS:
            raise ValueError(f"kind={kind!r}: must be 'identify', 'voiceprint' or None")
        with self._lock:
            self._job_outcomes.append((outcome, kind))

    def clear(self) -> None:
        """Forget every pending fault and forced job outcome, and release the requests a delay holds."""
        with self._lock:
            self._rules.clear()
            self._job_outcomes.clear()
            self._release("reset")

    def release_held(self, by: str) -> None:
        """End the wait of every request a ``"delay"`` fault holds now: each is answered 503, not
        served, and told that the sandbox was *by* ("stopped") meanwhile. The pending faults stay."""
        with self._lock:
            self._release(by)

    def _release(self, by: str) -> None:
        """Release the held requests (called with the lock held)."""
        self._releases += 1
        self._released_by = by

    async def hold(self, seconds: float, releases: int) -> str | None:
        """Wait *seconds* of real time for a ``"delay"`` fault taken when the held requests had been
        released *releases* times; None once waited out, or what released it (``"reset"``, by
        :meth:`clear`, or the word given to :meth:`release_held`).

        A request still held when a test ends must not act on the sandbox once it has been reset
        for the next test (it would create a job, or count a request, there), nor keep a stopping
        sandbox waiting; its caller answers it without serving it instead.
        """
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await anyio.sleep(min(left, _HOLD_CHECK))
            with self._lock:
                if self._releases != releases:
                    return self._released_by
        return None

    @property
    def pending(self) -> int:
        """How many requests and jobs are still due to be affected."""
        with self._lock:
            return sum(rule.remaining for rule in self._rules) + len(self._job_outcomes)

    def take(self, operation: str) -> tuple[Fault | None, int]:
        """The fault for one request to *operation*, consuming it, or None; with the count of
        releases it was taken under, for :meth:`hold` (read under the same lock, so a release
        between the two cannot go unnoticed)."""
        with self._lock:
            for rule in self._rules:
                if rule.operation in (None, operation):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule, self._releases
            return None, self._releases

    def take_job_outcome(self, kind: JobKind) -> Outcome | None:
        """The outcome a new job of *kind* must end with (failed or canceled), consuming it, or None."""
        with self._lock:
            for index, (outcome, scope) in enumerate(self._job_outcomes):
                if scope in (None, kind):
                    del self._job_outcomes[index]
                    return outcome
        return None
