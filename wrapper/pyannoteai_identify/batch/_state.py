"""What the batch engine keeps about its work in progress: the jobs it waits for, the requests it
counted, the stage each input shows in the progress, and the progress they add up to (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..results import JobStatus
from ._manifest import InputStatus, Row
from ._report import BatchProgress

__all__ = ["Active", "Counters", "progress_of", "stage_of"]


@dataclass
class Active:
    """A job the batch waits for."""

    input_id: int
    status: str
    created_at: datetime | None = None
    misses: int = 0


@dataclass
class Counters:
    requests: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.requests[kind] = self.requests.get(kind, 0) + 1


def stage_of(row: Row) -> str:
    """The progress stage of an input, from its manifest row."""
    if row.status == InputStatus.SUCCEEDED:
        return "done"
    if row.status in (InputStatus.FAILED, InputStatus.EXPIRED, InputStatus.UNCERTAIN):
        return "failed"
    if row.status == InputStatus.SUBMITTED:
        return "running" if row.job_status == JobStatus.RUNNING else "submitted"
    return "uploaded" if row.audio_url else "pending"


def progress_of(
    stages: Iterable[str], total: int, status_share: float, per_second: float, requests: int
) -> BatchProgress:
    """The progress shown for inputs in *stages*; the ETA is the rate-limited requests still needed
    at *per_second*, plus the *status_share* of the limit the status sweeps take."""
    stages = list(stages)
    count = {stage: stages.count(stage) for stage in ("pending", "uploaded", "submitted", "running", "done")}
    in_job = count["submitted"] + count["running"]
    # Limited requests still needed: upload URL + submit + fetch, submit + fetch, then fetch.
    left = 3 * count["pending"] + 2 * count["uploaded"] + in_job
    return BatchProgress(
        total=total,
        uploaded=count["uploaded"] + in_job + count["done"],
        submitted=in_job + count["done"],
        running=in_job,
        done=count["done"],
        failed=stages.count("failed"),
        eta=left * (1 + status_share) / per_second,
        requests=requests,
    )
