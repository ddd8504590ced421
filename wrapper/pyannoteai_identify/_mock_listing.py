"""``GET /v1/jobs`` of ``MockAPI``: its query read as the sandbox reads it, and a page of jobs with
the cursor to the next one.

Cursors are UUIDs whose low bits carry a job's position in submission order and whose high bits are
the mock's own (as the sandbox's), so they survive a job changing status and foreign ones are
recognised.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from ._mock_jobs import _Job
from ._mock_responses import _bad_request, _ok
from ._validation import PAGE_SIZE_DEFAULT

__all__: list[str] = []

_SEQ_BITS = 48
_SEQ_MASK = (1 << _SEQ_BITS) - 1


def _new_cursor_base() -> int:
    """The high bits of a new mock's cursors."""
    return uuid.uuid4().int & ~_SEQ_MASK


def _listing_query(params: httpx.QueryParams, cursor_base: int) -> tuple[int, Any, int | None] | httpx.Response:
    """``(limit, status, before)`` of a listing's query (*before*: the cursor's position), or the 400 for a bad one."""
    from .sandbox._validation import query_errors  # the sandbox's reading of the contract's query schema

    values, problems = query_errors("getJobsByTeamV2", params)
    if problems:
        return _bad_request(problems)
    limit, status = int(values.get("limit", PAGE_SIZE_DEFAULT)), values.get("status")
    before = None
    if "cursor" in values:
        # A position in submission order, applied before the status filter (as the sandbox's
        # cursor), so a job changing status between two pages does not break the listing.
        before = uuid.UUID(values["cursor"]).int  # a valid uuid: query_errors checked its format
        if before & ~_SEQ_MASK != cursor_base:
            return _bad_request(
                [{"field": "cursor", "message": "Unknown cursor: pass the nextCursor of a previous page"}]
            )
        before &= _SEQ_MASK
    return limit, status, before


def _listing_page(
    jobs: Iterable[_Job],
    limit: int,
    status: Any,
    before: int | None,
    cursor_base: int,
    advance: Callable[[_Job], None],
) -> httpx.Response:
    """The page of *jobs* (newest first, each observed with *advance*) that the query asks for."""
    page: list[_Job] = []
    cursor = None
    for job in sorted(jobs, key=lambda job: job.seq, reverse=True):
        if before is not None and job.seq >= before:
            continue
        advance(job)  # a listing shows progress, as polls do
        if status is not None and job.status != status:
            continue
        if len(page) == limit:
            cursor = str(uuid.UUID(int=cursor_base | page[-1].seq))
            break
        page.append(job)
    items = [{"id": job.job_id, "status": job.status, "createdAt": job.created_at} for job in page]
    return _ok(200, {"items": items, "nextCursor": cursor})
