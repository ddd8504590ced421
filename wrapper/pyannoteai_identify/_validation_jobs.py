"""Checks of what names jobs: a job id, a job kind, a job list's cursor."""

from __future__ import annotations

import re
from typing import TypeGuard, get_args

from ._validation_basics import _text
from .errors import ValidationError
from .results import JobKind

# ``GET /v2/jobs``'s ``cursor`` (string, format uuid) in RFC 4122's text form, hex digits of either
# case: what JSON Schema's format uuid accepts, and the form of every nextCursor the API issues.
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


_JOB_KINDS: tuple[str, ...] = get_args(JobKind)


def check_job_kind(kind: object) -> None:
    """None or a job kind; the type is checked first, so a list is refused rather than unhashable."""
    if kind is not None and (not isinstance(kind, str) or kind not in _JOB_KINDS):
        raise ValidationError("kind", kind, f"must be one of {', '.join(map(repr, _JOB_KINDS))}, or None to infer it")


#: Job ids are UUIDs (36 characters); a far longer "id" is a mistake, and past about 65,000
#: characters it no longer fits in a URL (httpx raised InvalidURL).
MAX_JOB_ID_LENGTH = 1024


def is_cursor(value: object) -> TypeGuard[str]:
    """Whether *value* is a cursor ``GET /v2/jobs`` takes: a UUID string (its ``cursor``'s format)."""
    return isinstance(value, str) and _UUID_TEXT.fullmatch(value) is not None


def check_cursor(value: object) -> str | None:
    """A job list's ``cursor`` (the ``nextCursor`` of a page read before), or None for the newest job.

    Raises:
        ValidationError: on ``cursor``, for anything but a UUID string (the contract's format), so a
            mistyped cursor fails at the call rather than as the API's 400 on the first page.
    """
    if value is None:
        return None
    if not is_cursor(value):
        raise ValidationError(
            "cursor",
            value,
            "must be the next_cursor of a page read before (a UUID such as "
            "'a1b2c3d4-e5f6-7890-abcd-ef1234567890'), or None to start at the newest job",
        )
    return value


def check_job_id(value: object) -> str:
    job_id = _text("job_id", value)
    if len(job_id) > MAX_JOB_ID_LENGTH:
        raise ValidationError("job_id", value, f"must be at most {MAX_JOB_ID_LENGTH} characters (job ids are UUIDs)")
    if not job_id.strip() or job_id != job_id.strip():
        raise ValidationError("job_id", value, "must be a non-empty job id without surrounding whitespace")
    if job_id in (".", ".."):
        # Quoting leaves dot segments alone, and URL normalisation would turn them into another route.
        raise ValidationError("job_id", value, "must be a job id, not a '.' or '..' path segment")
    return job_id
