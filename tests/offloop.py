"""Which thread touches a local file: ``os.stat``, ``open`` and the file's reads, seeks and closes;
and which thread talks to an SQLite database (opening it, each statement, closing it).

An async call must leave this work to a worker thread, so that the event loop's other tasks keep
running while a disk (or a network file system) answers. :class:`FileWork` records, for the files it
watches, the thread of each such call, and :class:`SqliteWork` that of every SQLite call of the
connections opened after it; a test compares them to the event loop's thread.
"""

from __future__ import annotations

import builtins
import io
import os
import sqlite3
import threading
from typing import Any

import pytest

_WATCHED_METHODS = ("read", "readinto", "read1", "readinto1", "seek", "tell", "close")


class FileWork:
    """Records ``(what, thread id)`` for every stat, open and file-object call on the watched files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *paths: str | os.PathLike[str]) -> None:
        self.paths = {os.path.abspath(os.fspath(path)) for path in paths}
        self.calls: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        real_stat, real_open = os.stat, builtins.open

        def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
            if self._watched(path):
                self.record("os.stat")
            return real_stat(path, *args, **kwargs)

        def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
            handle = real_open(file, *args, **kwargs)
            if self._watched(file):
                self.record("open")
                return _RecordedFile(handle, self)
            return handle

        monkeypatch.setattr(os, "stat", stat)
        monkeypatch.setattr(builtins, "open", open_)

    def _watched(self, path: object) -> bool:
        if not isinstance(path, str | os.PathLike):
            return False
        try:
            return os.path.abspath(os.fspath(path)) in self.paths
        except (TypeError, ValueError):
            return False

    def record(self, what: str) -> None:
        with self._lock:
            self.calls.append((what, threading.get_ident()))

    def on(self, thread: int) -> list[str]:
        """The calls made on *thread* (the event loop's): what an async call must not do there."""
        return [what for what, ident in self.calls if ident == thread]

    def kinds(self) -> set[str]:
        return {what.split(".")[-1] for what, _ in self.calls}


class _RecordedFile:
    """A file opened by ``open`` on a watched path: each call of :data:`_WATCHED_METHODS` is recorded."""

    def __init__(self, handle: Any, work: FileWork) -> None:
        self._handle = handle
        self._work = work

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._handle, name)
        if name not in _WATCHED_METHODS:
            return attribute

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self._work.record(f"file.{name}")
            return attribute(*args, **kwargs)

        return recorded

    def __enter__(self) -> _RecordedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._work.record("file.close")
        self._handle.close()


class RecordedBytes(io.BytesIO):
    """A binary file object (an upload in a web service) whose reads, seeks and tells are recorded."""

    def __init__(self, data: bytes, work: FileWork) -> None:
        super().__init__(data)
        self._work = work

    def read(self, size: int | None = -1) -> bytes:
        self._work.record("file.read")
        return super().read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._work.record("file.seek")
        return super().seek(offset, whence)

    def tell(self) -> int:
        self._work.record("file.tell")
        return super().tell()


class SqliteWork:
    """Records ``(what, thread id)`` for every ``sqlite3.connect``, every statement run (``BEGIN``,
    ``COMMIT``, ``SELECT``, ``PRAGMA``... as SQLite's trace callback reports them, on the thread that
    runs them) and every ``close`` of the connections opened while it is installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        real_connect = sqlite3.connect
        work = self

        class RecordedConnection(sqlite3.Connection):
            def close(self) -> None:
                work.record("close")
                super().close()

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            self.record("connect")
            kwargs.setdefault("factory", RecordedConnection)
            db = real_connect(*args, **kwargs)
            db.set_trace_callback(lambda statement: self.record(" ".join(statement.split()[:2])))
            return db

        monkeypatch.setattr(sqlite3, "connect", connect)

    def record(self, what: str) -> None:
        with self._lock:
            self.calls.append((what, threading.get_ident()))

    def on(self, thread: int) -> list[str]:
        """The calls made on *thread* (the event loop's): what an async call must not do there."""
        return [what for what, ident in self.calls if ident == thread]

    def kinds(self) -> set[str]:
        return {what.split()[0] for what, _ in self.calls}
