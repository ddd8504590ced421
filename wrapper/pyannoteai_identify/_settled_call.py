"""``run_settled``: a call on the caller's file object, in a worker thread that a cancellation waits for.

anyio holds a cancel scope's cancellation back until a worker thread is done, but not a native
asyncio one (``task.cancel()``, ``asyncio.wait_for``, ``asyncio.timeout``): the awaiting call ends
at once and the thread goes on. On a file object of the caller's, that thread then reads and seeks
it after the call has returned, under the caller's next use of it (an upload of it again, a close).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio
import anyio.to_thread

__all__ = ["run_settled"]

T = TypeVar("T")


class _Abandoned(Exception):
    """A settled call's thread job that began after its caller had gone: nothing was run."""


class _SettledCall(Generic[T]):
    """*function* run once in a worker thread, or never once settled (see :meth:`settle`)."""

    def __init__(self, function: Callable[[], T]) -> None:
        self._function = function
        self._lock = threading.Lock()  # held while the function runs: settle() waits for it
        self._abandoned = False
        self.finished = False

    def run(self) -> T:
        with self._lock:
            if self._abandoned:  # a thread job may still run after its cancellation: it does nothing then
                raise _Abandoned
            try:
                return self._function()
            finally:
                self.finished = True

    def settled_at_once(self) -> bool:
        """Settle without blocking when no run is under way (True: none will begin); False when one
        is, to wait for with :meth:`settle`."""
        self._abandoned = True
        if not self._lock.acquire(blocking=False):
            return False
        self._lock.release()
        return True

    def settle(self) -> None:
        """Block until a run under way has ended; none begins after this."""
        self._abandoned = True  # before the wait: a run not begun yet never begins
        with self._lock:
            self._abandoned = True


async def run_settled(function: Callable[[], T]) -> T:
    """``function()`` in a worker thread; cancelled (a native asyncio cancellation too), this returns
    once that call has ended, or once it can no longer begin, so the caller's file object is its own
    again. The wait, shielded, is the call's own length: for a call that cannot block for ever (a
    seekable object's reads, ``read(0)``, ``tell``, ``seek``), as ``FileChunks.settle`` waits for a read."""
    call = _SettledCall(function)
    try:
        return await anyio.to_thread.run_sync(call.run)
    finally:
        # A call that has not begun (its thread job queued, or still waiting for a worker thread
        # of the limiter) is settled here, with no worker thread to wait for.
        if not call.finished and not call.settled_at_once():
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(call.settle)
