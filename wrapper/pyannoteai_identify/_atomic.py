"""Writing a result file so that a failure never leaves it cut: the old file whole, or the new one.

The text goes to a temporary file in the target's folder, is flushed to disk (``fsync``) and
renamed over the target (``os.replace``, atomic on POSIX and Windows). On any failure, a
``KeyboardInterrupt`` included, the temporary file is removed and the target is left as it was.

As ``open(path, "w")`` and shell redirection do:

- a new file's mode is ``0o666 & ~umask`` (``tempfile.mkstemp`` would give 0o600), and an existing
  file keeps its mode;
- a symlink is written through: its target is replaced, the link stays a link;
- what is not a regular file (``/dev/null``, a FIFO, ``/dev/stdout`` or ``/dev/fd/N`` leading to a
  pipe or a socket) is written in place;
- an existing file keeps its owner and group (root writing a user's file), or, when this process
  may not give them to a new file, is written in place;
- a file with more than one name (a hard link) is written in place, which all its names share;
- a folder where no file can be created, but whose existing file may be written, is written in place.

Written in place, a file is not safe from a failure halfway, as with ``>``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

__all__ = ["write_atomic"]

#: Tries at a free temporary name; a clash of 32 random bits is already rare.
_NAME_TRIES = 100

#: Errors of creating the temporary file that writing the target in place may avoid.
_NO_NEW_FILE = (errno.EACCES, errno.EPERM, errno.EROFS)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write *text* (UTF-8, newlines as given) to *path*: a reader or a crash sees the old file or the new one."""
    data = text.encode("utf-8")  # a text with no UTF-8 bytes fails here, before any file is touched
    try:
        # Through every link, /proc's too: /dev/stdout or /dev/fd/63 (bash's `>(...)`) may lead to a
        # pipe or a socket, whose link reads `pipe:[INODE]`, a name that os.path.realpath cannot resolve.
        existing: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_in_place(path, data)
        return
    target = os.path.realpath(path)  # through a symlink (of the file or its folders), as `>` writes
    if existing is not None and existing.st_nlink > 1:
        # Another name shares the file (a hard link): `>` writes it for both; a rename would part them.
        _write_in_place(target, data)
        return
    try:
        handle, temporary = _create_beside(target)
    except OSError as error:
        if existing is None or error.errno not in _NO_NEW_FILE:
            raise
        _write_in_place(target, data)
        return
    try:
        try:
            kept = existing is None or _take_owner(handle, existing)
            if kept:
                if existing is not None:
                    os.chmod(temporary, stat.S_IMODE(existing.st_mode))  # after fchown, which may clear bits
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
                os.fsync(handle)
        finally:
            os.close(handle)
        if kept:
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if not kept:  # a rename would change the file's owner or group: written as `>` writes it
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        _write_in_place(target, data)


def _take_owner(handle: int, existing: os.stat_result) -> bool:
    """Give the new file *existing*'s owner and group (root writing a user's file; a file of a shared
    group); False when this process may not."""
    mine = os.fstat(handle)
    if (mine.st_uid, mine.st_gid) == (existing.st_uid, existing.st_gid):
        return True
    try:
        os.fchown(handle, existing.st_uid, existing.st_gid)
    except OSError:  # EPERM: not root, nor a member of the group
        return False
    return True


def _create_beside(target: str) -> tuple[int, str]:
    """A new, empty file in *target*'s folder, opened for writing; its mode is 0o666 less the umask,
    which ``os.open`` applies (reading the umask would change it for every thread)."""
    folder, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_NAME_TRIES):
        # A short name: the target's may already be near the 255-byte limit of a file name.
        temporary = os.path.join(folder, f".pyannoteai-{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary file name in {folder or '.'} for {name}")


def _write_in_place(target: str | os.PathLike[str], data: bytes) -> None:
    with open(target, "wb") as file:
        file.write(data)
