"""What a batch run hands back: per-input outcomes, request counts, the CSV summary (built from the
manifest at the end of a run by :func:`run_report`), atomic writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .._atomic import write_atomic as _write_atomic
from ..errors import APIConnectionError, APIError
from ._inputs import shown_source
from ._manifest import InputStatus, Manifest, Row

__all__ = ["BatchProgress", "BatchReport", "HaltCause", "InputReport", "halt_cause", "run_report", "write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write *text* to *path* so that a reader (or a crash) sees the old file or the new one, never half.

    The folder is created if needed; then :func:`pyannoteai_identify._atomic.write_atomic`: a
    temporary file beside *path*, flushed to disk and renamed over it, with the mode ``open(path,
    "w")`` gives (an existing file keeps its own), through a symlink to its target.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, text)


@dataclass(frozen=True, slots=True)
class InputReport:
    """How one input ended (or stands): its status, job, speakers, talk time per label, and why."""

    source: str
    name: str
    status: InputStatus
    job_id: str | None
    speakers: tuple[str, ...]
    talk_time: Mapping[str, float]
    reason: str | None
    result_json: str | None
    result_rttm: str | None

    def __repr__(self) -> str:
        # ``source`` keeps the caller's value whole; shown, a URL's query (a presigned URL's
        # signature) is hidden, as in the summary CSV and the log lines.
        shown = {item.name: getattr(self, item.name) for item in fields(self)}
        shown["source"] = shown_source(self.source)
        return f"InputReport({', '.join(f'{name}={value!r}' for name, value in shown.items())})"

    @classmethod
    def from_row(cls, row: Row) -> InputReport:
        return cls(
            source=row.source,
            name=row.name,
            status=row.status,
            job_id=row.job_id,
            speakers=row.speakers,
            talk_time=row.talk_time,
            reason=row.reason,
            result_json=row.result_json,
            result_rttm=row.result_rttm,
        )


@dataclass(frozen=True, slots=True)
class HaltCause:
    """Why a run stopped submitting, and where: the first refusal that halted it.

    Attributes:
        error: the error's type, as the SDK names it (``AuthenticationError`` for a 401,
            ``PaymentRequiredError`` for a 402, ``APIConnectionError`` for a proxy refusing the
            tunnel or a TLS certificate that could not be verified, ``InsecureUploadURLError`` for a
            plain-http upload URL).
        status_code: the API's HTTP status; None when no answer of the API was involved.
        message: the error's message (the SDK's errors never hold the key).
        reached_api: False when the request never reached the API or the media storage (a proxy
            refused the tunnel, or a TLS certificate could not be verified):
            the command exits 4 ("could not be reached") then, 3 otherwise.
        step: where it was met: ``"upload"`` or ``"submit"``.
        name: the input it was met at, as ``InputReport.name`` and ``summary.csv`` name it.
        source: that input's source, a URL's query hidden (as in ``summary.csv``).
    """

    error: str
    status_code: int | None
    message: str
    reached_api: bool
    step: str
    name: str
    source: str

    def __str__(self) -> str:
        status = f", HTTP {self.status_code}" if self.status_code else ""
        what = "the upload" if self.step == "upload" else "the submission"
        return f"{self.error}{status} at {what} of {self.source}: {self.message}"


def halt_cause(error: Exception, step: str, row: Row) -> HaltCause:
    """The :class:`HaltCause` of *error*, met at *step* of the input *row*."""
    status = error.status_code if isinstance(error, APIError) and error.status_code else None
    return HaltCause(
        error=type(error).__name__,
        status_code=status,
        message=str(error),
        reached_api=not isinstance(error, APIConnectionError),
        step=step,
        name=row.name,
        source=shown_source(row.source),
    )


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """A snapshot for a progress display: counts per stage and a rate-limit-bound ETA in seconds."""

    total: int
    uploaded: int
    submitted: int
    running: int
    done: int
    failed: int
    eta: float | None
    requests: int


@dataclass(frozen=True)
class BatchReport:
    """The outcome of a batch run.

    Attributes:
        inputs: every input of the manifest, in the order they were added.
        labels: the voiceprint labels (the talk-time columns of the summary).
        requests: API requests this run sent, by purpose (``key``, ``upload``, ``submit``,
            ``status``, ``fetch``, ``reconcile``).
        elapsed: seconds the run took.
        summary_csv: where the summary table was written.
        halted: why submitting stopped early (e.g. payment required), if it did, in a sentence.
        halt: the same, in fields (:class:`HaltCause`: the error's type, its HTTP status, its
            message and the input it was met at); None when submitting did not stop.
    """

    inputs: tuple[InputReport, ...]
    labels: tuple[str, ...]
    requests: Mapping[str, int]
    elapsed: float
    summary_csv: str | None
    halted: str | None = None
    throttled: int = field(default=0)
    halt: HaltCause | None = None

    @property
    def ok(self) -> bool:
        """True only when every input succeeded."""
        return self.halted is None and all(item.status == InputStatus.SUCCEEDED for item in self.inputs)

    @property
    def counts(self) -> dict[str, int]:
        """How many inputs are in each status."""
        counts = {status.value: 0 for status in InputStatus}
        for item in self.inputs:
            counts[item.status.value] += 1
        return counts

    @property
    def failures(self) -> list[InputReport]:
        """Every input that did not succeed, with its reason."""
        return [item for item in self.inputs if item.status != InputStatus.SUCCEEDED]

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def to_csv(self) -> str:
        """The summary table as CSV: one row per input, one talk-time column per label (seconds)."""
        return summary_csv(self.inputs, self.labels)


def summary_csv(inputs: Sequence[InputReport], labels: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["input", "name", "status", "job_id", "speakers", *[f"talk_time_{label}" for label in labels], "reason"]
    )
    for item in inputs:
        writer.writerow(
            [
                shown_source(item.source),
                item.name,
                item.status.value,
                item.job_id or "",
                ";".join(item.speakers),
                *[f"{item.talk_time.get(label, 0.0):.3f}" if item.status == "succeeded" else "" for label in labels],
                item.reason or "",
            ]
        )
    return buffer.getvalue()


def run_report(
    manifest: Manifest,
    out: Path,
    labels: tuple[str, ...],
    requests: Mapping[str, int],
    halted: str | None,
    halt: HaltCause | None,
    noted: Collection[int],
    unreadable: Mapping[str, str],
    throttled: int,
    elapsed: float,
) -> BatchReport:
    """A run's report, from the manifest, with ``summary.csv`` written (run in a worker thread).

    *unreadable* gives the reason of each job the run could not read (it stays submitted);
    *halted*, why submitting stopped, is the reason of inputs left pending without one of their own;
    *halt* says the same in fields. *noted* are the ids of the inputs whose reason this run recorded:
    a pending input's stored reason is shown only for these, as another's is an earlier run's (a 402
    met yesterday), and what kept it pending in this run is the halt (or that it was not reached).
    """
    rows = manifest.rows()
    inputs = []
    for row in rows:
        item = InputReport.from_row(row)
        if row.status == InputStatus.SUBMITTED:
            note = unreadable.get(row.job_id or "", "still running when the run ended; run again to resume")
            item = replace(item, reason=note)
        elif row.status == InputStatus.PENDING:
            own = row.reason if row.id in noted else None
            item = replace(item, reason=own or halted or "not submitted in this run")
        inputs.append(item)
    csv_path = out / "summary.csv"
    write_atomic(csv_path, summary_csv(inputs, labels))
    return BatchReport(
        inputs=tuple(inputs),
        labels=labels,
        requests=dict(requests),
        elapsed=elapsed,
        summary_csv=str(csv_path),
        halted=halted,
        throttled=throttled,
        halt=halt,
    )
