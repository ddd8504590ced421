"""Calls in worker threads that a cancellation leaves nothing behind: ``run_settled``, a call on the
caller's file object that a cancellation waits for, and ``run_disposing``, a call making something
to close (a file the SDK opens) that a cancellation does not wait for, but whose result is closed.

anyio holds a cancel scope's cancellation back until a worker thread is done, but not a native
asyncio one (``task.cancel()``, ``asyncio.wait_for``, ``asyncio.timeout``): the awaiting call ends
at once and the thread goes on. On a file object of the caller's, that thread then reads and seeks
it after the call has returned, under the caller's next use of it (an upload of it again, a close);
a file it opens is then handed to no one, and left open until the garbage collector finds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio
import anyio.to_thread

from ._settle_gate import SettleGate

__all__ = ["run_disposing", "run_settled"]

T = TypeVar("T")


class _Abandoned(Exception):
    """What a worker thread's call raises once its caller has gone: nothing more to hand over (a
    settled call not run at all, a disposed call's result closed)."""


async def run_settled(function: Callable[[], T]) -> T:
    """``function()`` in a worker thread; cancelled (a native asyncio cancellation too), this returns
    once that call has ended, or once it can no longer begin, so the caller's file object is its own
    again. The wait, shielded, is the call's own length: for a call that cannot block for ever (a
    seekable object's reads, ``read(0)``, ``tell``, ``seek``), as ``FileChunks.settle`` waits for a read."""
    gate = SettleGate()

    def run() -> T:
        with gate.entered() as may_run:
            if not may_run:  # cancelled before its thread job began (queued, or waiting for a worker thread)
                raise _Abandoned
            return function()

    try:
        return await anyio.to_thread.run_sync(run)
    finally:
        await gate.settle()  # no wait when the call has ended or never began


class _DisposedCall(Generic[T]):
    """*function* run once in a worker thread; its result, once its caller is gone, goes to *dispose*."""

    def __init__(self, function: Callable[[], T], dispose: Callable[[T], object]) -> None:
        self._function = function
        self._dispose = dispose
        self._lock = threading.Lock()
        self._gone = False
        self._made: list[T] = []  # the result, until its caller takes it (or gives it up)

    def run(self) -> T:
        result = self._function()
        with self._lock:
            if not self._gone:
                self._made.append(result)
                return result
        self._dispose(result)  # its caller was cancelled while it ran: no one else will
        raise _Abandoned

    def take(self) -> None:
        with self._lock:
            self._made.clear()

    def give_up(self) -> list[T]:
        """Mark the caller gone; return the result made and not handed over (a list of at most one)."""
        with self._lock:
            self._gone = True
            made, self._made = self._made, []
        return made


async def run_disposing(function: Callable[[], T], dispose: Callable[[T], object]) -> T:
    """``function()`` in a worker thread; cancelled, this does not wait for it (an open on a network
    file system may hang), but what it makes is passed to ``dispose`` (in a worker thread): by the
    call's own thread when it ends after the cancellation, or here when it had ended and its result
    was not handed over yet."""
    call = _DisposedCall(function, dispose)
    try:
        result = await anyio.to_thread.run_sync(call.run)
    except BaseException:
        for made in call.give_up():
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(dispose, made)
        raise
    call.take()
    return result
