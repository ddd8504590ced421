"""The job list of both clients: ``jobs()``, ``job_page()`` and ``job_pages()`` (``_SyncListing``
of ``Client``, ``_AsyncListing`` of ``AsyncClient``) and the flows that read a page; the pagers
they share are in ``_pagers``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, TypeVar

from . import _core, _flows
from ._client_checks import check_list_args
from ._pagers import _AsyncJobPages, _AsyncJobs, _Pages
from ._twin_doc import _doc_from
from ._validation import PAGE_SIZE_MAX, StatusFilter
from .results import JobStatus

T = TypeVar("T")


class _Listing:
    """The argument check and the page flows both listings run."""

    if TYPE_CHECKING:  # set by _BaseClient
        _ctx: _flows.Context

    _check_list_args = staticmethod(check_list_args)

    def _page_flow(
        self, status: JobStatus | StatusFilter | None, page_size: int, cursor: str | None
    ) -> _flows.Flow[tuple[list[_core.JobSummary], str | None]]:
        return _flows.list_page(
            self._ctx, limit=page_size, cursor=cursor, status=None if status is None else str(status)
        )

    def _job_page_flow(
        self, status: JobStatus | StatusFilter | None, page_size: int, cursor: str | None
    ) -> _flows.Flow[_core.JobPage]:
        items, next_cursor = yield from self._page_flow(status, page_size, cursor)
        return _core.JobPage(tuple(items), next_cursor or None)  # an empty nextCursor ends the list too


class _SyncListing(_Listing):
    """``Client``'s job list: generators that run each page's flow with blocking calls."""

    if TYPE_CHECKING:  # defined by Client

        def _run(self, flow: _flows.Flow[T]) -> T: ...

    def jobs(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        max_items: int | None = None,
        cursor: str | None = None,
    ) -> Iterator[_core.JobSummary]:
        """Every job of the team, newest first, following ``nextCursor`` page by page.

        A listing that fails half-way starts again at the newest job; to resume it where it
        stopped, read it with ``job_pages()``, which gives each page's ``next_cursor``.

        Args:
            status: only jobs with this status: a ``JobStatus`` or its value (``"running"``, …).
            page_size: jobs per request, within the bounds of the contract's ``limit`` parameter of
                ``GET /v2/jobs`` (``PAGE_SIZE_MIN`` to ``PAGE_SIZE_MAX``); the largest page by default.
            max_items: stop after this many jobs.
            cursor: start after the page whose ``next_cursor`` this is (from ``job_page()`` or
                ``job_pages()``), with the same *status*; None starts at the newest job. A cursor
                is the API's, an opaque UUID that carries no status: one reused with another
                *status* cannot be told apart, and is sent as is.

        Raises:
            ValidationError: before any request, for a bad status, page size, limit or cursor (a
                cursor is a UUID string).
            APIError, APIConnectionError: while reading a page, after the retries; a
                ``BadRequestError`` on ``cursor`` for a cursor the API refuses (the sandbox and
                the mock refuse one they did not issue; the API's answer is undocumented).
        """
        self._check_list_args(status, page_size, max_items, cursor)
        return self._iterate_jobs(status, page_size, max_items, cursor)

    def _iterate_jobs(
        self, status: JobStatus | StatusFilter | None, page_size: int, max_items: int | None, cursor: str | None
    ) -> Iterator[_core.JobSummary]:
        pages = _Pages(cursor)
        count = 0
        while max_items is None or count < max_items:
            items, next_cursor = self._run(self._page_flow(status, page_size, cursor))
            for item in items[: None if max_items is None else max_items - count]:
                count += 1
                yield item
            cursor = pages.next_cursor(len(items), next_cursor)
            if cursor is None:
                return

    def job_page(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        cursor: str | None = None,
    ) -> _core.JobPage:
        """One page of the team's jobs, newest first: one request, for a caller that pages itself
        (a web page showing one page at a time, its "next" link carrying ``next_cursor``).

        Args:
            status: only jobs with this status: a ``JobStatus`` or its value (``"running"``, …).
            page_size: jobs on the page (``PAGE_SIZE_MIN`` to ``PAGE_SIZE_MAX``); the largest by default.
            cursor: the ``next_cursor`` of the page before, read with the same *status*; None for
                the first page (the newest jobs).

        Returns:
            A ``JobPage``: its ``items`` and the ``next_cursor`` of the page after it (None on the
            last page). A page may be empty and still have a ``next_cursor``.

        Raises:
            ValidationError: before any request, for a bad status, page size or cursor (a cursor is a
                UUID string).
            BadRequestError: on ``cursor``, for a cursor the API refuses (the sandbox and the mock
                refuse one they did not issue; the API's answer is undocumented).
            APIError, APIConnectionError: after the retries.
        """
        self._check_list_args(status, page_size, None, cursor)
        return self._run(self._job_page_flow(status, page_size, cursor))

    def job_pages(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        cursor: str | None = None,
    ) -> Iterator[_core.JobPage]:
        """The team's jobs page by page, newest first, following ``next_cursor``: the listing to use
        when it must survive an error, a restart or a deploy without reading a job twice or missing one.

        Handle a page's ``items``, then keep its ``next_cursor``; after an error (raised while the
        next page was read, after the retries), ``job_pages(cursor=kept)`` (with the same *status*)
        goes on right after the last page handled. Empty pages that point on are yielded too, so
        the cursor kept moves past them; a cursor sent twice or a run of empty pages raises
        ``InvalidResponseError`` (a server that would be followed forever).

        Args:
            status: only jobs with this status: a ``JobStatus`` or its value (``"running"``, …).
            page_size: jobs per page (``PAGE_SIZE_MIN`` to ``PAGE_SIZE_MAX``); the largest by default.
            cursor: start after the page whose ``next_cursor`` this is, read with the same *status*
                (not checked: a cursor carries no status); None starts at the newest job.

        Raises:
            ValidationError: before any request, for a bad status, page size or cursor (a cursor is a
                UUID string).
            APIError, APIConnectionError: while reading a page, after the retries; a
                ``BadRequestError`` on ``cursor`` for a cursor the API refuses (the sandbox and
                the mock refuse one they did not issue; the API's answer is undocumented).
        """
        self._check_list_args(status, page_size, None, cursor)
        return self._iterate_job_pages(status, page_size, cursor)

    def _iterate_job_pages(
        self, status: JobStatus | StatusFilter | None, page_size: int, cursor: str | None
    ) -> Iterator[_core.JobPage]:
        pages = _Pages(cursor)
        while True:
            page = self._run(self._job_page_flow(status, page_size, cursor))
            yield page
            cursor = pages.next_cursor(len(page.items), page.next_cursor)
            if cursor is None:
                return


class _AsyncListing(_Listing):
    """``AsyncClient``'s job list: ``job_page()`` a coroutine, ``jobs()`` and ``job_pages()`` async
    iterators (see ``_pagers``)."""

    if TYPE_CHECKING:  # defined by AsyncClient

        async def _run(self, flow: _flows.Flow[T]) -> T: ...

    @_doc_from(_SyncListing.jobs, note="An async iterator: ``async for job in client.jobs(): ...``.")
    def jobs(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        max_items: int | None = None,
        cursor: str | None = None,
    ) -> AsyncIterator[_core.JobSummary]:
        self._check_list_args(status, page_size, max_items, cursor)
        return _AsyncJobs(self, status, page_size, max_items, cursor)

    @_doc_from(_SyncListing.job_page)
    async def job_page(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        cursor: str | None = None,
    ) -> _core.JobPage:
        self._check_list_args(status, page_size, None, cursor)
        return await self._run(self._job_page_flow(status, page_size, cursor))

    @_doc_from(_SyncListing.job_pages, note="An async iterator: ``async for page in client.job_pages(): ...``.")
    def job_pages(
        self,
        status: JobStatus | StatusFilter | None = None,
        *,
        page_size: int = PAGE_SIZE_MAX,
        cursor: str | None = None,
    ) -> AsyncIterator[_core.JobPage]:
        self._check_list_args(status, page_size, None, cursor)
        return _AsyncJobPages(self, status, page_size, cursor)
