"""What the batch engine keeps about its work in progress: the jobs it waits for, the requests it
counted, and the stage each input shows in the progress (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..results import JobStatus
from ._manifest import InputStatus, Row

__all__ = ["Active", "Counters", "stage_of"]


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
