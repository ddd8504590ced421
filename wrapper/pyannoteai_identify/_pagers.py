"""The job list's pagers: the cursor bookkeeping both clients' ``jobs()`` and ``job_pages()`` share,
and the async iterators ``AsyncClient.jobs()`` and ``AsyncClient.job_pages()`` return (``Client``'s
are generators of ``_SyncListing``, in ``_listing``)."""

from __future__ import annotations

import collections
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Generic, Self, TypeVar

from . import _core
from ._validation import StatusFilter
from .errors import InvalidResponseError
from .results import JobStatus

if TYPE_CHECKING:
    from ._listing import _AsyncListing

__all__ = ["MAX_EMPTY_PAGES"]

T = TypeVar("T")


#: Empty pages in a row, each with a new cursor, after which the job list counts as broken: a server
#: that answers that way forever would otherwise be followed forever, even with max_items.
MAX_EMPTY_PAGES = 3


class _Pages:
    """What the job list has shown so far: the cursors followed (the one it started from too) and the
    empty pages in a row."""

    def __init__(self, start: str | None = None) -> None:
        self.seen: set[str] = set() if start is None else {start}
        self.empty = 0

    def next_cursor(self, items: int, cursor: str | None) -> str | None:
        """The cursor of the next page (None or empty: the last page); raise on a loop or a run of empty pages."""
        if not cursor:
            return None
        if cursor in self.seen:
            raise InvalidResponseError(
                f"the job list repeated the cursor {cursor!r}; stopping instead of looping", status_code=200
            )
        self.empty = 0 if items else self.empty + 1
        if self.empty >= MAX_EMPTY_PAGES:
            raise InvalidResponseError(
                f"the job list sent {self.empty} empty pages in a row, each pointing to another; "
                "stopping instead of following it forever",
                status_code=200,
            )
        self.seen.add(cursor)
        return cursor


class _SteppedOnce(ABC, Generic[T]):
    """An async iterator that one task steps at a time, as an async generator is: a second task
    stepping it meanwhile gets the ``RuntimeError`` an async generator raises. Subclasses give
    ``_step()`` and ``_what`` (their method's name, for that error)."""

    _what: ClassVar[str]
    _running = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        if self._running:
            raise RuntimeError(f"anext(): this {self._what} iterator is already running (another task is stepping it)")
        self._running = True
        try:
            return await self._step()
        finally:
            self._running = False

    @abstractmethod
    async def _step(self) -> T:
        """The next item, or ``StopAsyncIteration``."""


class _AsyncJobs(_SteppedOnce[_core.JobSummary]):
    """What ``AsyncClient.jobs()`` returns: the jobs, page after page, as ``Client.jobs()`` yields them.

    An iterator object rather than an async generator: a loop that breaks on the job it looked for
    (what the SDK's errors advise) leaves no generator to finalise, which trio reports as a
    ``ResourceWarning`` (asyncio finalises them itself). ``aclose()`` is kept, for ``aclosing()``.
    """

    _what = "jobs()"

    def __init__(
        self,
        client: _AsyncListing,
        status: JobStatus | StatusFilter | None,
        page_size: int,
        max_items: int | None,
        cursor: str | None,
    ) -> None:
        self._client = client
        self._status = status
        self._page_size = page_size
        self._max_items = max_items
        self._cursor = cursor
        self._pages = _Pages(cursor)
        self._count = 0
        self._items: collections.deque[_core.JobSummary] = collections.deque()
        # The page whose items are being handed out: its size and nextCursor, followed once they are.
        self._page: tuple[int, str | None] | None = None
        self._finished = False

    async def _step(self) -> _core.JobSummary:
        try:
            while not self._items:
                if self._page is not None:  # every item of the page handed out: its cursor is followed now
                    size, next_cursor = self._page
                    self._page = None
                    self._cursor = self._pages.next_cursor(size, next_cursor)
                    self._finished = self._finished or self._cursor is None
                if self._finished or (self._max_items is not None and self._count >= self._max_items):
                    self._finished = True
                    raise StopAsyncIteration
                client = self._client
                page, next_cursor = await client._run(client._page_flow(self._status, self._page_size, self._cursor))
                if self._finished:  # closed by aclose() while the page was on its way
                    raise StopAsyncIteration
                left = None if self._max_items is None else self._max_items - self._count
                self._items.extend(page[:left])
                self._page = (len(page), next_cursor)
        except BaseException:
            self._finished = True  # as a generator that raised: nothing more comes
            self._items.clear()
            raise
        self._count += 1
        return self._items.popleft()

    async def aclose(self) -> None:
        """Stop: no more pages are asked for."""
        self._finished = True
        self._items.clear()
        self._page = None


class _AsyncJobPages(_SteppedOnce[_core.JobPage]):
    """What ``AsyncClient.job_pages()`` returns: the pages, one request each, as ``Client.job_pages()``
    yields them (an iterator object for the reasons ``_AsyncJobs`` gives)."""

    _what = "job_pages()"

    def __init__(
        self, client: _AsyncListing, status: JobStatus | StatusFilter | None, page_size: int, cursor: str | None
    ) -> None:
        self._client = client
        self._status = status
        self._page_size = page_size
        self._cursor = cursor
        self._pages = _Pages(cursor)
        # The page handed out last: its size and nextCursor, followed when the next page is asked for.
        self._page: tuple[int, str | None] | None = None
        self._finished = False

    async def _step(self) -> _core.JobPage:
        try:
            if self._page is not None:
                size, next_cursor = self._page
                self._page = None
                self._cursor = self._pages.next_cursor(size, next_cursor)
                self._finished = self._finished or self._cursor is None
            if self._finished:
                raise StopAsyncIteration
            client = self._client
            page = await client._run(client._job_page_flow(self._status, self._page_size, self._cursor))
            if self._finished:  # closed by aclose() while the page was on its way
                raise StopAsyncIteration
        except BaseException:
            self._finished = True  # as a generator that raised: nothing more comes
            raise
        self._page = (len(page.items), page.next_cursor)
        return page

    async def aclose(self) -> None:
        """Stop: no more pages are asked for."""
        self._finished = True
        self._page = None
