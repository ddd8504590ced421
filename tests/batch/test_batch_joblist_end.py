"""The batch reads the end of the job list as the client does: a last page's ``nextCursor`` of ``""``
(as well as null) ends it, rather than being followed as a cursor the contract's format refuses."""

from __future__ import annotations

import anyio
import httpx

from pyannoteai_identify import _core
from pyannoteai_identify.batch import _joblist


def _page(next_cursor: str | None) -> httpx.Response:
    body = {
        "items": [{"id": "job-1", "status": "succeeded", "createdAt": "2026-11-27T12:00:00Z"}],
        "nextCursor": next_cursor,
    }
    return httpx.Response(200, json=body, request=httpx.Request("GET", "http://127.0.0.1/v2/jobs"))


def test_an_empty_next_cursor_is_the_end_of_the_list_for_every_reader() -> None:
    """``parse_job_page`` gives None for ``""``: the pagers, the batch sweeps and its reconciliation
    read one end of the list, where the batch followed ``""`` (``cursor=`` with no value, a 400)."""
    assert _core.parse_job_page(_page(""))[1] is None
    assert _core.parse_job_page(_page(None))[1] is None


def test_a_reconciliation_reading_a_list_that_ends_with_an_empty_cursor_has_read_the_whole_list() -> None:
    """An empty ``nextCursor`` ends the list: read past the anchors, the list is complete (its inputs
    can be settled), with one request, where the batch asked for a page after it and, refused,
    counted the list incomplete (its inputs uncertain)."""
    cursors: list[str | None] = []

    async def read_page(cursor: str | None) -> tuple[list[_core.JobSummary], str | None]:
        cursors.append(cursor)
        return _core.parse_job_page(_page(""))

    listed, complete = anyio.run(_joblist.read_past_anchors, read_page, {"anchor-job"}, 5)
    assert complete
    assert cursors == [None]
    assert [item.id for item in listed] == ["job-1"]
