"""Reading the team's job list (``GET /v2/jobs``, newest first) for the batch engine: back past the
anchors of interrupted submissions (reconciliation, see ``_reconcile``), and far enough to see every
job the batch waits for (the status sweep).

The engine hands each function a *read_page* that sends one request under the run's limiter; the
errors of a read (429, 5xx, lost connections, a broken answer) reach the engine unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import timedelta

from .. import _core
from ._reconcile import Listed, aware, has_passed
from ._state import Active

__all__ = ["ReadPage", "read_past_anchors", "read_targets"]

#: Reads the page after *cursor* (None: the first page): its jobs and the next page's cursor.
ReadPage = Callable[[str | None], Awaitable[tuple[list[_core.JobSummary], str | None]]]


async def read_past_anchors(read_page: ReadPage, anchors: Collection[str], max_pages: int) -> tuple[list[Listed], bool]:
    """The jobs listed until every anchor is passed (or the list ends, or *max_pages* were read), and
    whether that is the whole list."""
    listed: list[Listed] = []
    complete = False
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(max_pages):
        items, next_cursor = await read_page(cursor)
        listed.extend(Listed(item.id, item.created_at) for item in items)
        if next_cursor is None or next_cursor in seen:
            complete = next_cursor is None
            break
        if has_passed(listed, anchors, complete=False):
            break
        seen.add(next_cursor)
        cursor = next_cursor
    return listed, complete


async def read_targets(
    read_page: ReadPage, targets: Mapping[str, Active], page_size: int
) -> tuple[dict[str, _core.JobSummary], int]:
    """Read the job list until every target was seen (or cannot be on later pages): the targets seen,
    by job id, and the pages read."""
    floors = [a.created_at for a in targets.values() if a.created_at is not None]
    floor = min(floors) if floors else None
    never_seen = {job_id for job_id, a in targets.items() if a.created_at is None}
    seen: dict[str, _core.JobSummary] = {}
    cursor: str | None = None
    cursors: set[str] = set()
    pages = 0
    max_pages = math.ceil(len(targets) / page_size) + 3
    while pages < max_pages:
        items, next_cursor = await read_page(cursor)
        pages += 1
        for item in items:
            if item.id in targets:
                seen[item.id] = item
        if len(seen) == len(targets) or next_cursor is None or next_cursor in cursors:
            break
        oldest = aware(items[-1].created_at) if items else None
        # Every target was seen before and the list is now older than all of them: stop.
        past_floor = floor is not None and oldest is not None and oldest < aware(floor) - timedelta(seconds=1)
        if past_floor and not (never_seen - seen.keys()):
            break
        cursors.add(next_cursor)
        cursor = next_cursor
    return seen, pages
