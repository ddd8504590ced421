"""The manifest's SQLite schema, and how an input's values are stored and read back: timestamps,
file names that are not UTF-8, and a stored row as a ``Row``."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .._escaped import escaped
from ._manifest_records import InputStatus, Row

__all__ = ["SCHEMA_VERSION", "utc_now"]

SCHEMA_VERSION = "1"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inputs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'url')),
    name TEXT NOT NULL UNIQUE,
    size INTEGER,
    mtime_ns INTEGER,
    sha256 TEXT,
    audio_url TEXT,
    uploaded_at TEXT,
    status TEXT NOT NULL,
    job_id TEXT UNIQUE,
    job_status TEXT,
    anchor TEXT,
    candidate TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    submit_started_at TEXT,
    submitted_at TEXT,
    finished_at TEXT,
    result_json TEXT,
    result_rttm TEXT,
    speakers TEXT NOT NULL DEFAULT '[]',
    talk_time TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inputs_status ON inputs (status);
CREATE INDEX IF NOT EXISTS inputs_sha256 ON inputs (sha256);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    input_id INTEGER NOT NULL REFERENCES inputs (id),
    submitted_at TEXT NOT NULL,
    outcome TEXT
);
"""

_COLUMNS = (
    "id, source, kind, name, size, sha256, audio_url, uploaded_at, status, job_id, job_status, anchor, attempts, "
    "reason, submit_started_at, submitted_at, finished_at, result_json, result_rttm, speakers, talk_time, updated_at"
)


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds (how every timestamp is stored)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _to_db(source: str) -> str | bytes:
    """*source* as stored: text, or for a file name that is not UTF-8 (Python holds its bytes as
    surrogate escapes, which SQLite text cannot store) the name's bytes, as a BLOB."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(source)
    return source


def _from_db(value: str | bytes) -> str:
    """A stored source as the path Python opens (the inverse of ``_to_db``)."""
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _text(reason: str | None) -> str | None:
    """A reason that may quote a file name that is not UTF-8, as text SQLite can store."""
    if reason is None:
        return None
    return escaped(reason)


def _row(values: Sequence[Any]) -> Row:
    (
        id_,
        source,
        kind,
        name,
        size,
        sha256,
        audio_url,
        uploaded_at,
        status,
        job_id,
        job_status,
        anchor,
        attempts,
        reason,
        submit_started_at,
        submitted_at,
        finished_at,
        result_json,
        result_rttm,
        speakers,
        talk_time,
        updated_at,
    ) = values
    return Row(
        id=id_,
        source=_from_db(source),
        kind=kind,
        name=name,
        size=size,
        sha256=sha256,
        audio_url=audio_url,
        uploaded_at=uploaded_at,
        status=InputStatus(status),
        job_id=job_id,
        job_status=job_status,
        anchor=anchor,
        attempts=attempts,
        reason=reason,
        submit_started_at=submit_started_at,
        submitted_at=submitted_at,
        finished_at=finished_at,
        result_json=result_json,
        result_rttm=result_rttm,
        speakers=tuple(json.loads(speakers)),
        talk_time=json.loads(talk_time),
        updated_at=updated_at,
    )
