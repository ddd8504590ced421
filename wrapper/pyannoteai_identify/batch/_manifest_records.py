"""The manifest's record types: an input's status, a new input to add, one input's stored state,
and the error raised when a manifest cannot be used."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import PyannoteAIError

__all__ = ["InputStatus", "ManifestError", "NewInput", "Row"]


class ManifestError(PyannoteAIError):
    """The manifest cannot be used: locked by another run, from another version, or for other settings."""


class InputStatus(enum.StrEnum):
    """Where an input stands; see the docstring of ``_manifest`` for the transitions."""

    PENDING = "pending"
    SUBMITTING = "submitting"
    UNCERTAIN = "uncertain"
    SUBMITTED = "submitted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class NewInput:
    """An input seen for the first time: its source, output name, and for a file its size and hash."""

    source: str
    kind: str  # "file" or "url"
    name: str
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    audio_url: str | None = None  # for a URL input, the URL itself
    reason: str | None = None  # set when the input is refused locally (empty, too large)


@dataclass(frozen=True, slots=True)
class Row:
    """One input's state, as stored."""

    id: int
    source: str
    kind: str
    name: str
    size: int | None
    sha256: str | None
    audio_url: str | None
    uploaded_at: str | None
    status: InputStatus
    job_id: str | None
    job_status: str | None
    anchor: str | None
    attempts: int
    reason: str | None
    submit_started_at: str | None
    submitted_at: str | None
    finished_at: str | None
    result_json: str | None
    result_rttm: str | None
    speakers: tuple[str, ...]
    talk_time: Mapping[str, float]
    updated_at: str
