"""``Client``'s lifecycle: its own state, ``with`` and ``close()``, and the connection pool it
builds anew in a forked child (``_SyncLifecycle``, the base of ``Client``)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from ._broker_waiters import _ThreadWaiter
from ._client_base import _BaseClient


class _SyncLifecycle(_BaseClient):
    """What ``Client`` does between its construction and its end, apart from its calls."""

    if TYPE_CHECKING:  # set by Client.__init__ (declared here, not as fields of the public class)
        _http: httpx.Client
        _root: _SyncLifecycle
        _owns_http: bool
        _rebuilds_after_fork: bool

    def _own_state(self, sleep: Callable[[float], None] | None) -> None:
        """The state each client has of its own, one made by ``with_options`` too."""
        self._pid = os.getpid()
        # Taken only in a forked child (the pid differs), never in the process that made the client.
        self._fork_lock = threading.Lock()
        self._sleep = sleep
        self._closing = threading.Event()  # set by close(): ends the waits of other threads
        # The WebhookBroker waits of other threads, which close() wakes (under the lock, so that a
        # wait starting as close() runs either is woken or sees the client closing).
        self._broker_lock = threading.Lock()
        self._broker_waiters: set[_ThreadWaiter] = set()

    def _share_from(self, parent: Self) -> None:
        self._owns_http = False
        self._rebuilds_after_fork = False  # the root rebuilds the pool both send on
        self._own_state(parent._sleep)

    def _after_fork_in_child(self) -> None:
        super()._after_fork_in_child()
        self._fork_lock = threading.Lock()
        self._broker_lock = threading.Lock()
        self._broker_waiters = set()  # the waits of the parent's other threads, which do not run here
        closing = threading.Event()  # its inner lock too (close() in another thread sets it under that lock)
        if self._closing.is_set():
            closing.set()
        self._closing = closing

    def _new_http(self, transport: httpx.BaseTransport | None = None) -> httpx.Client:
        return httpx.Client(
            transport=transport,
            timeout=self._settings.timeout,
            trust_env=self._settings.trust_env,
            verify=self._verify(transport),
        )

    def _check_process(self) -> None:
        """In a process forked from the one that made this client, start a pool of its own.

        Threads of the child making their first requests at once must all wait for the new pool:
        the pid is updated only after the pool is replaced, under a lock, so no thread sees the new
        pid with the inherited pool, and none sends on a pool another is closing. A client made by
        ``with_options`` has its root do it: their one pool is replaced once.
        """
        if self._root is not self:
            self._root._check_process()
            return
        if os.getpid() == self._pid or not self._rebuilds_after_fork:
            return
        with self._fork_lock:
            pid = os.getpid()
            if pid == self._pid:
                return
            inherited, self._http = self._http, self._new_http()
            self._pid = pid
        inherited.close()  # closes this process's copies of the sockets; the parent's stay open

    def __enter__(self) -> Self:
        self._enter()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections (unless the httpx client was passed in); the client cannot be used after.

        The clients made from this one by ``with_options`` are ended too. Closing one of those ends
        it (and those made from it) but leaves the pool it shares open: the pool's owner closes it.

        A ``wait`` sleeping between polls in another thread, or waiting on a ``WebhookBroker``,
        ends at once with ``ConfigurationError`` (unless it sleeps with a ``sleep`` of yours, or its
        broker's ``wait`` is your own: that one ends at the end of its gap). A request blocked in
        another thread is not interrupted: it ends at its read timeout, then raises
        ``ConfigurationError`` (``AsyncClient.aclose()`` cuts it too, on its own event loop); one
        about to be sent is not sent, and raises ``ConfigurationError`` too.
        """
        self._end()
        if self._owns_http:
            self._http.close()

    def _wake_waits(self) -> None:
        with self._broker_lock:
            self._closing.set()
            for waiter in self._broker_waiters:
                waiter.wake()
