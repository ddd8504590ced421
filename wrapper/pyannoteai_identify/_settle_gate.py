"""``SettleGate``: the one rule for work that a worker thread does on the caller's file object, which
a cancelled caller must not return before (``FileChunks``' reads, ``run_settled``'s call; why: see
``_settled_call``). Imported with the package (by ``_upload``): it imports only the standard library and anyio.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import anyio.to_thread

__all__ = ["SettleGate"]


class SettleGate:
    """A lock each piece of a worker thread's work runs under, and the mark that, once settled, no
    piece begins any more (a thread job may still run after its cancellation: it does nothing then)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held while a piece runs: settle() waits for it
        self._settled = False

    @contextmanager
    def entered(self) -> Iterator[bool]:
        """Hold the gate for one piece of work; yields whether it may begin (False once settled)."""
        with self._lock:
            yield not self._settled

    async def settle(self) -> None:
        """Settle, and return once a piece under way has ended: at once when none is, otherwise
        after waiting for it in a worker thread (the event loop's other tasks run meanwhile), shielded
        from cancellation so that the caller gets its file object back only then. The wait is one
        piece's length: for work that cannot block for ever (a seekable object's or a path's reads)."""
        self._settled = True  # before any wait: a piece not begun yet never begins
        if self._lock.acquire(blocking=False):  # no piece under way
            self._lock.release()
            return
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._wait_for_piece_under_way)

    def _wait_for_piece_under_way(self) -> None:
        with self._lock:
            pass
