"""Locks made anew in a forked child.

``os.fork()`` copies every lock as it is at that instant. A lock held by another thread of the
parent (a request reserving its throttle slot, ``close()`` waking broker waits, an upload hiding its
presigned URL from the logs) stays held in the child, where that thread does not exist: the child's
first use of it would wait for ever. The objects that hold such locks register here; in a forked
child each is asked to make its locks anew before the child runs anything else.

Held weakly: registering keeps nothing alive, and a client that is gone is not visited.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Protocol

__all__ = ["ForkSafe", "in_child", "register"]


class ForkSafe(Protocol):
    """An object whose locks a forked child makes anew."""

    def _after_fork_in_child(self) -> None:
        """Replace the locks (and drop what only the parent's other threads were doing); runs in the child."""


_live: weakref.WeakSet[ForkSafe] = weakref.WeakSet()


def register(obj: ForkSafe) -> None:
    """Make *obj*'s locks anew in each child forked while it lives."""
    _live.add(obj)


def _in_child() -> None:
    for obj in list(_live):
        obj._after_fork_in_child()


def in_child(function: Callable[[], None]) -> None:
    """Run *function* in each forked child before anything else: for a module's own locks, which
    no object holds (nothing on Windows, which has no fork)."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=function)


in_child(_in_child)
