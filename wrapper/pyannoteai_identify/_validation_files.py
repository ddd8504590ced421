"""Checks of a local file the client uploads: that it is there, is a regular file, and can be read."""

from __future__ import annotations

import os
import stat

from .errors import ValidationError

#: What a file that is neither a regular file nor a folder is, by the test of its mode that says so.
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)

#: Opening a FIFO for reading waits for a writer: one put in the file's place between the check of
#: its type and the open must not hold the check up (no such flag on Windows, which has no FIFOs).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


def special_kind(mode: int) -> str | None:
    """What a file of *mode* (``os.stat``'s ``st_mode``) is when it is neither a regular file nor a
    folder: ``a FIFO``, ``a socket``, ``a character device``...; None for those two."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((kind for is_kind, kind in _SPECIAL_KINDS if is_kind(mode)), "a special file")


def readable_file_size(field: str, path: str) -> int:
    """The size of the regular file at *path*, found by opening it for reading (then closing it).

    Raises:
        ValidationError: naming *field*, *path* and the rule, when *path* is missing, a folder, not
            a regular file (a FIFO, a socket, a device: never opened, as a FIFO's open waits for a
            writer and a tape drive's close rewinds it), or cannot be opened for reading.

    Opening is what the upload does, so it is the one test of the rights that holds: mode bits,
    ACLs, a root user's rights, a network file system's own refusal (``os.access`` answers for the
    real user rather than the effective one, and a network file system may answer it otherwise than
    an open). The upload opens the file again: one deleted or locked in between still fails there,
    as an ``OSError`` naming the file.
    """
    try:
        found = os.stat(path)
    except (OSError, ValueError) as error:
        raise _refused(field, path, error) from None
    _refuse_special(field, path, found.st_mode)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise _refused(field, path, error) from None
    try:
        opened = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    _refuse_special(field, path, opened.st_mode)  # another file put in its place since the stat
    return opened.st_size


def _refuse_special(field: str, path: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise ValidationError(field, path, "is a folder; give an audio file")
    kind = special_kind(mode)
    if kind is not None:
        raise ValidationError(field, path, f"is not a regular file ({kind}); give an audio file")


def _refused(field: str, path: str, error: OSError | ValueError) -> ValidationError:
    """The ValidationError of a failed stat or open of *path*; a ValueError is a NUL in the path,
    which no file's name holds."""
    if isinstance(error, FileNotFoundError | NotADirectoryError | ValueError):
        return ValidationError(field, path, "no such file")
    return ValidationError(field, path, f"cannot be read: {error.strerror or error}")
