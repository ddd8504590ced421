"""``AsyncClient``'s lifecycle: ``async with`` and ``aclose()``, the connection pool of each event
loop, and the waits ``aclose()`` cuts short (``_AsyncLifecycle``, the base of ``AsyncClient``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Self

import anyio
import httpx

from ._client_base import _BaseClient
from ._loop_end import close_when_the_loop_ends


class _AsyncLifecycle(_BaseClient):
    """What ``AsyncClient`` does between its construction and its end, apart from its calls."""

    if TYPE_CHECKING:  # set by AsyncClient.__init__ (declared here, not as fields of the public class)
        _http: httpx.AsyncClient
        _root: _AsyncLifecycle
        _owns_http: bool
        _rebuilds_per_loop: bool
        _loop: object
        _loop_closer: AsyncGenerator[None, None] | None
        _sleep: Callable[[float], Awaitable[None]]
        _waiting: dict[anyio.CancelScope, object]

    def _share_from(self, parent: Self) -> None:
        self._owns_http = False
        self._rebuilds_per_loop = False  # the root starts the pool of each loop, which both send on
        self._loop = None
        self._loop_closer = None
        self._sleep = parent._sleep
        self._waiting = {}

    def _new_http(self, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=transport,
            timeout=self._settings.timeout,
            trust_env=self._settings.trust_env,
            verify=self._verify(transport),
        )

    async def _check_loop(self) -> None:
        """On another event loop than the pool's, start a pool of its own (when this client built it),
        closed as that loop ends (see ``_loop_end``). A client made by ``with_options`` has its root
        do it: their one pool per loop."""
        if self._root is not self:
            await self._root._check_loop()
            return
        if not self._rebuilds_per_loop:
            return
        loop = _current_loop()
        if loop is self._loop:
            return
        if self._loop is not None:
            # The old pool's sockets belong to a loop that is gone: it closed them as it ended.
            self._http = self._new_http()
        self._loop = loop
        self._loop_closer = await close_when_the_loop_ends(self._http)

    async def __aenter__(self) -> Self:
        self._enter()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections (unless the httpx client was passed in); the client cannot be used after.

        The clients made from this one by ``with_options`` are ended too (their waits on this event
        loop at once). Closing one of those ends it (and those made from it), never the pool it shares.

        A ``wait`` in another task of the same event loop ends at once with ``ConfigurationError``
        (between polls or on a webhook broker), and so does a request in flight on that loop. A
        wait on another event loop is not interrupted: it raises ``ConfigurationError`` at its
        next step.
        """
        self._end()
        if self._owns_http:
            if self._rebuilds_per_loop and self._loop not in (None, _current_loop()):
                return  # the pool's sockets belong to an event loop that is gone: nothing to close from here
            await self._http.aclose()

    def _wake_waits(self) -> None:
        loop = _current_loop()
        for waiting, on in list(self._waiting.items()):
            if on is loop:  # a scope of another loop (gone, or in another thread) is not this one's to cancel
                waiting.cancel()
        self._waiting.clear()  # nor kept: one of a loop that is gone would hold its task to the end

    @contextlib.contextmanager
    def _cut_short_by_aclose(self) -> Iterator[None]:
        """A cancel scope that an aclose() on this event loop cancels: what it waits for then ends at
        once, without an error (the next step raises that the client is closed)."""
        with anyio.CancelScope() as scope:
            self._waiting[scope] = _current_loop()
            try:
                yield
            finally:
                self._waiting.pop(scope, None)


def _current_loop() -> object:
    """The running event loop (asyncio) or run token (trio)."""
    import anyio.lowlevel  # here, not at the top: importing the package must not import asyncio

    return anyio.lowlevel.current_token().native_token
