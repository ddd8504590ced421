"""What keeps a manifest to one run: the process lock (``flock`` on ``<manifest>.lock``, dropped by
the operating system when the process dies), and the guard that refuses every use of a manifest in
a process forked after it was opened."""

from __future__ import annotations

import os
from typing import IO

from ._manifest_records import ManifestError


class _ProcessLock:
    """An exclusive, non-blocking lock on a file, released by the OS when the process ends."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as error:
            raise ManifestError(
                f"cannot create the manifest's lock file {self.path} ({error.strerror or error}): "
                "give a --manifest in a folder this user can write"
            ) from None
        try:
            _lock_file(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ManifestError(
                f"the manifest is in use by {holder} (lock {self.path}); two runs on one manifest would submit "
                "the same inputs twice. Wait for that run to end, or use another --manifest"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the lock
            self._file = None


def _lock_file(handle: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class _Forked:
    """The lock of a manifest in a process forked after it was opened: every use is refused.

    SQLite's connection must not be used across a fork (its file locks belong to the parent), and
    the parent's run still holds the manifest: a child writing it too would break the one-run rule.
    """

    def __init__(self, path: str) -> None:
        self._path = path

    def __enter__(self) -> None:
        raise ManifestError(
            f"the manifest {self._path} was opened by the process this one was forked from: its SQLite "
            "connection cannot be used after a fork; open the manifest in one process only"
        )

    def __exit__(self, *exc: object) -> None:
        return None
