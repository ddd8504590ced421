"""A thread-safe count of the bytes of request bodies held at once, against a limit: what bounds the
memory a flood of (forged) webhook deliveries can take while their bodies are read."""

from __future__ import annotations

import threading

from . import _fork


class _Budget:
    """A thread-safe count of bytes held, against a limit."""

    __slots__ = ("__weakref__", "_held", "_limit", "_lock")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held = 0
        self._lock = threading.Lock()
        _fork.register(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock, and none of the bytes the parent's other threads were reading."""
        self._lock = threading.Lock()
        self._held = 0

    def take(self, size: int) -> bool:
        """Hold *size* more bytes, or refuse (False) if that would pass the limit."""
        with self._lock:
            if self._held + size > self._limit:
                return False
            self._held += size
            return True

    def give(self, size: int) -> None:
        with self._lock:  # never below 0: bytes taken before a fork by the forking thread (see above)
            self._held = max(0, self._held - size)

    @property
    def held(self) -> int:
        return self._held
