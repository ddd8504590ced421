"""Job-list pages: ``GET /v2/jobs`` answers → ``JobSummary`` items and the next cursor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from ._core_json import _with_response, ok
from ._timestamps import parse_timestamp
from ._validation import is_cursor
from .errors import InvalidResponseError
from .results import JobStatus, coerce_status, empty_job_id


@dataclass(frozen=True, slots=True)
class JobSummary:
    """One entry of the job list: id, status and creation time (the list carries no output).

    ``created_at`` is an aware datetime: UTC when the API's ``createdAt`` gives no offset (every time
    it documents is UTC), so it compares with ``datetime.now(UTC)``; None when the entry has none.
    """

    id: str
    status: JobStatus | str
    created_at: datetime | None

    def __repr__(self) -> str:  # the status as its value, as ``Job`` shows it
        return f"JobSummary(id={self.id!r}, status={str(self.status)!r}, created_at={self.created_at!r})"


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of the job list (one ``GET /v2/jobs``), from ``job_page()`` or ``job_pages()``.

    Attributes:
        items: the page's jobs, newest first (none on an empty page, which may still point on).
        next_cursor: the ``cursor`` of the page after this one, or None on the last page: a UUID
            string, which ``cursor=`` takes (a page whose ``nextCursor`` is not one raises
            ``InvalidResponseError``). It resumes the listing right after this page's last job: keep
            it once the page's jobs are handled, and pass it back as ``cursor=`` after an error, in
            another process or on a later request.
    """

    items: tuple[JobSummary, ...]
    next_cursor: str | None


def parse_job_page(response: httpx.Response) -> tuple[list[JobSummary], str | None]:
    data = ok(response)

    def bad(field: str, problem: str) -> InvalidResponseError:
        return _with_response(
            InvalidResponseError(f"the response breaks the contract at {field}: {problem}", status_code=0), response
        )

    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise bad("items", "expected an array")
    cursor = data.get("nextCursor")
    if cursor is not None and not isinstance(cursor, str):
        raise bad("nextCursor", f"expected a string or null, got {cursor!r}")
    if cursor and not is_cursor(cursor):
        # Sent back as the cursor parameter, whose format is uuid: followed, the API would refuse it,
        # and handed out as a JobPage's next_cursor, job_pages(cursor=...) would refuse it.
        raise bad("nextCursor", f"expected a UUID (the cursor parameter's format), null or empty, got {cursor!r}")
    items = []
    for index, item in enumerate(data["items"]):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise bad(f"items[{index}].id", "expected a string")
        problem = empty_job_id(item["id"])
        if problem is not None:
            raise bad(f"items[{index}].id", problem)
        if not isinstance(item.get("status"), str):
            raise bad(f"items[{index}].status", "expected a string")
        created = item.get("createdAt")
        try:
            created_at = parse_timestamp(created) if isinstance(created, str) else None
        except ValueError:
            raise bad(f"items[{index}].createdAt", f"expected a date-time, got {created!r}") from None
        items.append(JobSummary(item["id"], coerce_status(item["status"]), created_at))
    return items, cursor or None  # an empty cursor ends the list, as null does, for every reader
