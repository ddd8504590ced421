"""The sandbox's memory: uploaded media, presigned upload tokens and jobs, all with retention and bounds.

A job's status is a function of the clock: ``created`` until ``queue_seconds`` have passed,
then ``running`` for ``job_seconds``, then its outcome; it vanishes ``retention_seconds`` after
it ends (GET answers 404 and lists skip it). Nothing needs to tick for statuses to move, so jobs
advance whenever they are observed. The outcome is decided after the job is created (its audio
is fetched and analysed in the background, see :mod:`._work`); a job whose time is over but
whose outcome is not decided yet still reads ``running``. Uploaded media is kept for
``retention_seconds`` from its upload.

Every store is bounded (:class:`Limits`): past a bound the oldest entries are forgotten first,
as if their retention had ended, so a long session (fuzzing, a demo left running) keeps a
bounded memory. Every method is thread-safe.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ._clock import Clock, Timing
from ._defaults import MAX_JOBS, MAX_MEDIA_BYTES, MAX_UPLOAD_TOKENS
from ._jobs import Outcome

__all__ = ["Decision", "Job", "JobKind", "Limits", "SandboxState", "UnknownCursor"]

JobKind = Literal["identify", "voiceprint"]
#: Clock readings this close count as equal: advancing by exactly a job's duration must end it,
#: whatever the rounding of the sums involved.
EPSILON = 1e-9
_SEQ_BITS = 48
_SEQ_MASK = (1 << _SEQ_BITS) - 1


class UnknownCursor(ValueError):
    """A ``cursor`` that this sandbox never issued."""


def iso(epoch: float) -> str:
    """RFC 3339 UTC time with milliseconds, as the API writes ``createdAt``."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Limits:
    """How much the sandbox keeps at most; past a bound the oldest entries go first (as if expired)."""

    max_jobs: int = MAX_JOBS
    max_media_bytes: int = MAX_MEDIA_BYTES
    max_upload_tokens: int = MAX_UPLOAD_TOKENS


class Decision:
    """A job's outcome, decided once: at submission (a forced failure) or once its audio was analysed."""

    def __init__(self, outcome: Outcome | None = None) -> None:
        self._lock = threading.Lock()
        self._outcome = outcome

    @property
    def outcome(self) -> Outcome | None:
        """The outcome, or None while it is being decided."""
        return self._outcome

    def decide(self, outcome: Outcome) -> bool:
        """Set the outcome unless one was set already; True if this call set it."""
        with self._lock:
            if self._outcome is not None:
                return False
            self._outcome = outcome
            return True


@dataclass(frozen=True)
class Job:
    """A submitted job and its timeline (clock seconds)."""

    id: str
    kind: JobKind
    seq: int
    created: float
    created_wall: float
    starts: float
    ends: float
    expires: float
    decision: Decision
    webhook: str | None
    webhook_status_only: bool

    def ended(self, now: float) -> bool:
        """Whether the simulated processing time is over at clock time *now*."""
        return now + EPSILON >= self.ends

    def status(self, now: float) -> str:
        """The status at clock time *now* (``running`` past the end while the outcome is undecided)."""
        if now + EPSILON < self.starts:
            return "created"
        outcome = self.decision.outcome
        if now + EPSILON < self.ends or outcome is None:
            return "running"
        return outcome.status

    def updated(self, now: float) -> float:
        """Wall time of the last transition before *now*."""
        status = self.status(now)
        last = self.created if status == "created" else self.starts if status == "running" else self.ends
        return self.created_wall + (last - self.created)

    def view(self, now: float) -> dict[str, Any]:
        """The body of ``GET /v1/jobs/{jobId}``: output only once the job has ended."""
        body: dict[str, Any] = {
            "jobId": self.id,
            "status": self.status(now),
            "createdAt": iso(self.created_wall),
            "updatedAt": iso(self.updated(now)),
        }
        outcome = self.decision.outcome
        if outcome is not None and body["status"] in ("succeeded", "failed"):
            body["output"] = outcome.output
        return body

    def delivery(self) -> dict[str, Any] | None:
        """The webhook payload (no output for failed or canceled jobs, or with ``webhookStatusOnly``);
        None while undecided."""
        outcome = self.decision.outcome
        if outcome is None:
            return None
        payload: dict[str, Any] = {"jobId": self.id, "status": outcome.status}
        if outcome.status == "succeeded" and not self.webhook_status_only:
            payload["output"] = outcome.output
        return payload


@dataclass
class _Media:
    data: bytes | bytearray  # an upload is stored as received, without a copy
    expires: float


class SandboxState:
    """Media, upload tokens and jobs, with retention, bounds (*limits*) and cursor paging."""

    def __init__(self, clock: Clock, timing: Timing, limits: Limits | None = None) -> None:
        self.clock = clock
        self.timing = timing
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._media: dict[str, _Media] = {}
        self._media_bytes = 0
        self._uploads: dict[str, tuple[str, float]] = {}
        self._jobs: dict[str, Job] = {}
        self._seq = 0
        # Cursors are UUIDs whose low bits carry a job's sequence number and whose high bits are
        # this sandbox's own, so they survive deleted jobs and foreign ones are recognised.
        self._cursor_base = uuid.uuid4().int & ~_SEQ_MASK

    def clear(self) -> None:
        """Forget every upload, token and job."""
        with self._lock:
            self._media.clear()
            self._media_bytes = 0
            self._uploads.clear()
            self._jobs.clear()

    def _retention_end(self, start: float) -> float:
        return start + self.timing.real(self.timing.retention_seconds)

    # --- media ---------------------------------------------------------------------------------

    def new_upload(self, key: str) -> str:
        """A fresh token for a presigned PUT that stores its body as ``media://key``.

        Past ``max_upload_tokens`` live tokens, the oldest one stops working.
        """
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._purge()
            while len(self._uploads) >= self.limits.max_upload_tokens:
                del self._uploads[next(iter(self._uploads))]
            self._uploads[token] = (key, self._retention_end(self.clock.now()))
        return token

    def upload_key(self, token: str) -> str | None:
        """The media key a live upload token writes to, or None."""
        with self._lock:
            found = self._uploads.get(token)
            if found is None or found[1] <= self.clock.now() + EPSILON:
                return None
            return found[0]

    def put_media(self, key: str, data: bytes | bytearray) -> None:
        """Store *data* (kept as is, not copied) as ``media://key``, replacing any earlier upload.

        The oldest uploads are forgotten until the store holds at most ``max_media_bytes``.

        Raises:
            ValueError: *data* alone is larger than ``max_media_bytes``.
        """
        if len(data) > self.limits.max_media_bytes:
            raise ValueError(f"{len(data)} bytes: more than the media store holds ({self.limits.max_media_bytes})")
        with self._lock:
            self._purge()
            self._drop_media(key)
            while self._media and self._media_bytes + len(data) > self.limits.max_media_bytes:
                self._drop_media(next(iter(self._media)))
            self._media[key] = _Media(data, self._retention_end(self.clock.now()))
            self._media_bytes += len(data)

    def _drop_media(self, key: str) -> None:
        """Forget ``media://key`` if stored (called with the lock held)."""
        found = self._media.pop(key, None)
        if found is not None:
            self._media_bytes -= len(found.data)

    def media(self, key: str) -> memoryview | None:
        """The bytes of ``media://key`` as a read-only view (no copy, and the store cannot be changed
        through it), or None if it was never uploaded or has expired."""
        with self._lock:
            found = self._media.get(key)
            if found is None or found.expires <= self.clock.now() + EPSILON:
                return None
            return memoryview(found.data).toreadonly()

    # --- jobs ----------------------------------------------------------------------------------

    def create_job(
        self,
        kind: JobKind,
        decision: Decision | Outcome,
        *,
        webhook: str | None = None,
        webhook_status_only: bool = False,
    ) -> Job:
        """Record a new job that ends with its outcome (given, or decided later through *decision*)
        once its simulated time has passed. Past ``max_jobs`` jobs, the oldest is forgotten."""
        now = self.clock.now()
        starts = now + self.timing.real(self.timing.queue_seconds)
        ends = starts + self.timing.real(self.timing.job_seconds)
        with self._lock:
            self._purge()
            while len(self._jobs) >= self.limits.max_jobs:
                del self._jobs[next(iter(self._jobs))]  # insertion order is seq order: the oldest
            self._seq += 1
            job = Job(
                id=str(uuid.uuid4()),
                kind=kind,
                seq=self._seq,
                created=now,
                created_wall=self.clock.wall(),
                starts=starts,
                ends=ends,
                expires=self._retention_end(ends),
                decision=decision if isinstance(decision, Decision) else Decision(decision),
                webhook=webhook,
                webhook_status_only=webhook_status_only,
            )
            self._jobs[job.id] = job
        return job

    def job(self, job_id: str) -> Job | None:
        """The job, or None if unknown or past its retention."""
        with self._lock:
            found = self._jobs.get(job_id)
            if found is None or found.expires <= self.clock.now() + EPSILON:
                return None
            return found

    def undecided(self) -> list[Job]:
        """The live jobs whose time is over but whose outcome is still being decided."""
        now = self.clock.now()
        with self._lock:
            jobs = list(self._jobs.values())
        return [job for job in jobs if job.decision.outcome is None and job.ended(now)]

    def cursor_for(self, job: Job) -> str:
        """The ``nextCursor`` that continues a listing after *job*."""
        return str(uuid.UUID(int=self._cursor_base | job.seq))

    def cursor_seq(self, cursor: str | None) -> int | None:
        """The sequence number a listing continues below (None without a cursor: from the newest).

        Raises:
            UnknownCursor: *cursor* was not issued by this sandbox.
        """
        if cursor is None:
            return None
        value = uuid.UUID(cursor).int
        if value & ~_SEQ_MASK != self._cursor_base:
            raise UnknownCursor(cursor)
        return value & _SEQ_MASK

    def list_jobs(
        self, *, limit: int = 10, cursor: str | None = None, status: str | None = None
    ) -> tuple[list[Job], str | None]:
        """One page of live jobs, newest first, and the cursor of the next page (None if last).

        Raises:
            UnknownCursor: *cursor* was not issued by this sandbox.
        """
        before = self.cursor_seq(cursor)
        now = self.clock.now()
        with self._lock:
            self._purge()
            # Jobs are inserted in seq order (both under the lock in create_job): reversed is newest first.
            newest_first = list(reversed(self._jobs.values()))
        page: list[Job] = []
        for job in newest_first:
            if (before is not None and job.seq >= before) or (status is not None and job.status(now) != status):
                continue
            if len(page) == limit:
                return page, self.cursor_for(page[-1])
            page.append(job)
        return page, None

    def _purge(self) -> None:
        """Forget expired jobs, media and tokens (called with the lock held)."""
        now = self.clock.now() + EPSILON
        for job_id in [i for i, job in self._jobs.items() if job.expires <= now]:
            del self._jobs[job_id]
        for key in [k for k, media in self._media.items() if media.expires <= now]:
            self._drop_media(key)
        for token in [t for t, (_, expires) in self._uploads.items() if expires <= now]:
            del self._uploads[token]
