"""Resuming and paging the job list: jobs(cursor=...), job_page() and job_pages()."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from clientkit import Api

from pyannoteai_identify import InvalidResponseError, ServerError, ValidationError

pytestmark = pytest.mark.anyio

CURSOR_1 = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
CURSOR_2 = "b1b2c3d4-e5f6-7890-abcd-ef1234567890"


def _item(index: int) -> dict[str, Any]:
    return {"id": f"job-{index}", "status": "succeeded", "createdAt": "2024-02-20T12:00:00Z"}


def _page(items: list[dict[str, Any]], cursor: str | None) -> httpx.Response:
    return httpx.Response(200, json={"items": items, "nextCursor": cursor})


#: Three pages of job indexes, by the cursor they are asked with, and each one's nextCursor.
_PAGES: dict[str | None, tuple[list[int], str | None]] = {
    None: ([0, 1], CURSOR_1),
    CURSOR_1: ([2, 3], CURSOR_2),
    CURSOR_2: ([4], None),
}


class _Listing:
    """A server's job list, ``_PAGES``; it answers 503 to every request for a page after the first
    while ``down`` is set (a listing that fails half-way)."""

    def __init__(self) -> None:
        self.down = False
        self.asked: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        self.asked.append(cursor)
        if self.down and cursor is not None:
            return httpx.Response(503, json={"message": "Service Unavailable"})
        indexes, next_cursor = _PAGES[cursor]
        return _page([_item(index) for index in indexes], next_cursor)


def _ids(items: Any) -> list[str]:
    return [item.id for item in items]


async def test_job_pages_yields_each_page_with_the_cursor_of_the_next(api: Api, router: respx.Router) -> None:
    """job_pages() yields one JobPage per request: its jobs and the nextCursor to resume after it."""
    listing = _Listing()
    route = router.get("/v2/jobs").mock(side_effect=listing)
    pages, error = await api.job_pages_until_error(page_size=2)
    assert error is None
    assert [(_ids(page.items), page.next_cursor) for page in pages] == [
        (["job-0", "job-1"], CURSOR_1),
        (["job-2", "job-3"], CURSOR_2),
        (["job-4"], None),
    ]
    assert [dict(call.request.url.params) for call in route.calls] == [
        {"limit": "2"},
        {"limit": "2", "cursor": CURSOR_1},
        {"limit": "2", "cursor": CURSOR_2},
    ]


async def test_a_listing_that_fails_half_way_resumes_from_the_last_page_read_and_lists_every_job_once(
    api: Api, router: respx.Router
) -> None:
    """A listing whose second page fails after the retries raised, and the caller could not tell
    where to start again: jobs() began at the newest job. The next_cursor of the last page read
    resumes it (job_pages(cursor=...) or jobs(cursor=...)): every job exactly once, none skipped."""
    listing = _Listing()
    router.get("/v2/jobs").mock(side_effect=listing)
    listing.down = True
    first, error = await api.job_pages_until_error(page_size=2)
    assert isinstance(error, ServerError)
    assert [_ids(page.items) for page in first] == [["job-0", "job-1"]]
    listing.down = False
    rest, error = await api.job_pages_until_error(page_size=2, cursor=first[-1].next_cursor)
    assert error is None
    every = [item for page in first + rest for item in page.items]
    assert _ids(every) == [f"job-{index}" for index in range(5)]
    listing.asked.clear()
    assert _ids(await api.jobs(page_size=2, cursor=first[-1].next_cursor)) == ["job-2", "job-3", "job-4"]
    assert listing.asked == [CURSOR_1, CURSOR_2]


async def test_job_page_reads_one_page_for_a_caller_that_pages_itself(api: Api, router: respx.Router) -> None:
    """A web UI showing one page at a time asks for that page alone: one request, its jobs and the
    cursor of the next page, until a page has none."""
    listing = _Listing()
    route = router.get("/v2/jobs").mock(side_effect=listing)
    shown: list[list[str]] = []
    cursor = None
    for _ in range(5):  # bounded: three pages
        page = await api.job_page(page_size=2, cursor=cursor)
        shown.append(_ids(page.items))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert shown == [["job-0", "job-1"], ["job-2", "job-3"], ["job-4"]]
    assert route.call_count == 3
    page = await api.job_page("running", page_size=2, cursor=CURSOR_2)
    assert route.calls.last.request.url.params["status"] == "running"
    assert route.calls.last.request.url.params["cursor"] == CURSOR_2


BAD_CURSORS = [
    "",
    "next",
    "a1b2c3d4e5f67890abcdef1234567890",  # a UUID's digits without its dashes: not format uuid
    f"{{{CURSOR_1}}}",
    f" {CURSOR_1}",
    f"{CURSOR_1}\n",
    "g1b2c3d4-e5f6-7890-abcd-ef1234567890",
    1,
    b"a1b2c3d4-e5f6-7890-abcd-ef1234567890",
]


@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=repr)
async def test_a_cursor_that_is_not_a_uuid_is_refused_before_anything_is_sent(
    api: Api, router: respx.Router, cursor: object
) -> None:
    """The contract's cursor is a UUID string (format uuid): jobs(), job_pages() and job_page() raise
    ValidationError naming cursor when called, before a request, rather than a 400 later."""
    for method in (api.client.jobs, api.client.job_pages):
        with pytest.raises(ValidationError) as caught:
            method(cursor=cursor)
        assert caught.value.field == "cursor"
    with pytest.raises(ValidationError) as caught:
        await api.job_page(cursor=cursor)
    assert caught.value.field == "cursor"
    assert router.calls.call_count == 0


async def test_an_uppercase_cursor_is_a_uuid_too(api: Api, router: respx.Router) -> None:
    """format uuid takes either case: an uppercase cursor is sent as given."""
    route = router.get("/v2/jobs").mock(return_value=_page([], None))
    page = await api.job_page(cursor=CURSOR_1.upper())
    assert page.items == () and page.next_cursor is None
    assert route.calls.last.request.url.params["cursor"] == CURSOR_1.upper()


async def test_an_empty_page_with_a_cursor_is_yielded_and_followed(api: Api, router: respx.Router) -> None:
    """An empty page pointing to another (a status filter over old jobs) is a page too: job_pages()
    yields it, so the resume cursor moves past it, and goes on; job_page() returns it as it came."""
    route = router.get("/v2/jobs").mock(
        side_effect=lambda request: {
            None: _page([], CURSOR_1),
            CURSOR_1: _page([_item(0)], None),
        }[request.url.params.get("cursor")]
    )
    pages, error = await api.job_pages_until_error()
    assert error is None
    assert [(_ids(page.items), page.next_cursor) for page in pages] == [([], CURSOR_1), (["job-0"], None)]
    page = await api.job_page()
    assert page.items == () and page.next_cursor == CURSOR_1
    assert route.call_count == 3


async def test_resuming_at_the_end_of_the_list_yields_nothing(api: Api, router: respx.Router) -> None:
    """A cursor whose page is empty and the last: jobs(cursor=...) yields nothing, job_pages(cursor=...)
    one empty page, each after a single request with that cursor; an empty nextCursor ends as null."""
    route = router.get("/v2/jobs").mock(return_value=_page([], ""))
    assert await api.jobs(cursor=CURSOR_1) == []
    pages, error = await api.job_pages_until_error(cursor=CURSOR_1)
    assert error is None
    assert [(page.items, page.next_cursor) for page in pages] == [((), None)]
    assert [call.request.url.params["cursor"] for call in route.calls] == [CURSOR_1, CURSOR_1]


async def test_a_server_pointing_back_to_the_starting_cursor_ends_the_listing(api: Api, router: respx.Router) -> None:
    """The cursor a listing starts from counts as followed: a page sending it again is a loop."""
    route = router.get("/v2/jobs").mock(return_value=_page([_item(0)], CURSOR_1))
    items, error = await api.jobs_until_error(cursor=CURSOR_1)
    assert _ids(items) == ["job-0"]
    assert isinstance(error, InvalidResponseError) and CURSOR_1 in str(error)
    pages, error = await api.job_pages_until_error(cursor=CURSOR_1)
    assert [_ids(page.items) for page in pages] == [["job-0"]]
    assert isinstance(error, InvalidResponseError) and CURSOR_1 in str(error)
    assert route.call_count == 2


@pytest.mark.parametrize("next_cursor", ["opaque-token", "a1b2c3d4e5f67890abcdef1234567890"])
async def test_a_next_cursor_that_is_not_a_uuid_is_a_response_breaking_the_contract(
    api: Api, router: respx.Router, next_cursor: str
) -> None:
    """A page whose nextCursor is not a UUID (the format of the cursor it is to be sent back as) was
    handed out as next_cursor, which job_pages(cursor=...) then refused as "must be the next_cursor
    of a page read before": a listing that could never be resumed; and jobs() sent it back, a
    cursor the contract's format uuid forbids. The page raises InvalidResponseError naming
    nextCursor instead, and the cursor is never sent."""
    route = router.get("/v2/jobs").mock(return_value=_page([_item(0)], next_cursor))
    with pytest.raises(InvalidResponseError, match="nextCursor"):
        await api.job_page()
    pages, error = await api.job_pages_until_error()
    assert pages == [] and isinstance(error, InvalidResponseError)
    items, error = await api.jobs_until_error()
    assert items == [] and isinstance(error, InvalidResponseError)
    assert [call.request.url.params.get("cursor") for call in route.calls] == [None, None, None]
