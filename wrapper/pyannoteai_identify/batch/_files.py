"""The input files' side of the batch: their stamps (size and mtime) and fingerprints (blocking:
the engine runs each call in a worker thread)."""

from __future__ import annotations

import os

from ._inputs import refusal, sha256_file

__all__ = ["fingerprint", "stamp", "stamps"]


def fingerprint(source: str) -> tuple[int | None, int | None, str | None, str | None]:
    """A new input file's (size, mtime in ns, SHA-256, None), or why it is refused (blocking: run in a thread)."""
    reason = refusal(source)
    if reason is not None:
        return None, None, None, reason
    try:
        stat = os.stat(source)
        digest = sha256_file(source)
    except OSError as error:
        # Unreadable (permissions, an I/O error) or gone since it was found: this input
        # fails on its own; the others go on.
        return None, None, None, f"the file could not be read: {error}"
    return stat.st_size, stat.st_mtime_ns, digest, None


def stamps(paths: list[str]) -> dict[str, tuple[int, int] | None]:
    """:func:`stamp` of each of *paths* (blocking: run in a thread)."""
    return {path: stamp(path) for path in paths}


def stamp(path: str) -> tuple[int, int] | None:
    """A file's (size, mtime in ns), or None when it cannot be read."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns
