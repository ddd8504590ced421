"""A manifest's SQLite connection and its life: opening it (the process lock taken, the file
created private, WAL mode, the schema checked), one call at a time, write transactions (durable
ones flushed to disk), the fork guard, and closing it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from .. import _fork
from ._manifest_lock import _Forked, _ProcessLock
from ._manifest_records import ManifestError
from ._manifest_schema import _SCHEMA, SCHEMA_VERSION, utc_now


def _create_private(path: str) -> None:
    """Create *path* readable by its owner only, if it does not exist: the manifest keeps each input
    URL whole, a presigned URL's signature included (SQLite gives its journal files the database
    file's permissions, and an empty file is a new database). *path* is the real path: through a
    dangling symlink, ``O_EXCL`` would refuse and SQLite would create the target with the umask."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


#: The SQLite connections of manifests a forked child inherited: never closed there (closing one
#: could checkpoint or remove the write-ahead log under the parent), and kept from the collector.
_inherited: list[sqlite3.Connection] = []


class _Database:
    """The connection and lifecycle half of ``Manifest`` (which documents them); its queries use
    ``_connection()`` to read and ``_transaction()`` to write."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if not self.path.strip():
            # SQLite would open a private temporary database: nothing kept, no resume, a double bill.
            raise ManifestError("the manifest path is empty: name a file (or ':memory:' for a throw-away one)")
        self._lock: threading.Lock | _Forked = threading.Lock()
        self._process_lock: _ProcessLock | None = None
        self._db: sqlite3.Connection | None = None
        _fork.register(self)
        if self.path != ":memory:":
            parent = Path(self.path).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ManifestError(
                    f"cannot create the manifest's folder {parent} ({error.strerror or error}): "
                    "give a --manifest in a folder this user can write"
                ) from None
            # Named after the real path: a manifest reached through a symlink is the same manifest.
            self._process_lock = _ProcessLock(os.path.realpath(self.path) + ".lock")
            self._process_lock.acquire()
        try:
            if self.path != ":memory:":
                _create_private(os.path.realpath(self.path))
            self._db = db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._create()
        except (sqlite3.Error, OSError) as error:
            self.close()
            raise ManifestError(f"{self.path}: not a batch manifest, or it cannot be opened ({error})") from None
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        with self._connection() as db:
            db.executescript(_SCHEMA)
            found = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if found is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
                db.execute("INSERT INTO meta (key, value) VALUES ('created_at', ?)", (utc_now(),))
            elif found[0] != SCHEMA_VERSION:
                raise ManifestError(
                    f"the manifest {self.path} has schema {found[0]}; this version reads schema {SCHEMA_VERSION}"
                )

    def _after_fork_in_child(self) -> None:
        """In a forked child: refuse every use (see :class:`_Forked`), rather than wait for ever on a
        lock another thread of the parent held at the fork, or share the parent's connection."""
        self._lock = _Forked(self.path)
        db = self._db
        if db is not None:
            _inherited.append(db)
            self._db = None

    def close(self) -> None:
        """Close the database and release the process lock (in a forked child, only this process's
        copy of the lock file's descriptor, which leaves the parent's lock held).

        A call of another thread in progress (a write's transaction) ends first: close() waits for it.
        """
        # In a forked child the lock refuses every use (_Forked), and there is no connection to close.
        lock = self._lock
        with contextlib.nullcontext() if isinstance(lock, _Forked) else lock:
            db = self._db
            if db is not None:
                db.close()
                self._db = None
        if self._process_lock is not None:
            self._process_lock.release()
            self._process_lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Manifest({self.path!r})"

    @contextmanager
    def _transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction. A *durable* one is flushed to disk before it returns (power-loss safe).

        Every commit survives the process being killed (WAL writes reach the OS at commit). Only
        the commit the billing protocol rests on (the mark before a submission) and the decisions
        of reconciliation also wait for the disk. A power cut that loses a later commit is
        harmless: a lost job id leaves the input 'submitting', which reconciliation turns into
        'uncertain' with that job as its candidate (never a second submission); anything else
        is redone. Skipping those flushes keeps the manifest off a run's critical path.
        """
        with self._connection() as db:
            if durable:
                db.execute("PRAGMA synchronous=FULL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                if durable:
                    db.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The open connection, for one call at a time (the manifest's lock held).

        Raises:
            ManifestError: the manifest is closed (also when this call waited on a ``close()`` in
                another thread), or this process was forked after it was opened.
        """
        with self._lock:
            if self._db is None:
                raise ManifestError(f"the manifest {self.path} is closed: open it again to use it")
            yield self._db
