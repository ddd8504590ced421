"""Standard input as audio: ``-`` as identify's AUDIO, ``voiceprint -``, or one ``--voiceprint LABEL=-``.

A redirected regular file (``< call.wav``) is uploaded as it is; a pipe is copied to an anonymous
temporary file first, within the API's size limit, so the upload declares its length and a WAV
header's duration can be checked before anything is sent.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import IO, TypeAlias

from . import errors
from ._upload import CHUNK_SIZE, media_url_for
from ._validation import AudioSource, CheckedAudio

__all__ = [
    "STDIN",
    "STDIN_HELP",
    "Clip",
    "Source",
    "StdinAudio",
    "check_one_stdin",
    "stdin_named",
    "upload_source",
]


def _usage_error(message: str) -> Exception:
    """The command line's one-line usage error (exit 2); imported here, not at the top: cli imports this module."""
    from .cli import CLIError

    return CLIError(message)


#: The AUDIO (or ``--voiceprint LABEL=`` clip) that means standard input, as curl, ffmpeg and sox take it.
STDIN = "-"

#: What the help of an AUDIO argument says of ``-``.
STDIN_HELP = "- reads the audio from standard input (a pipe or a redirected file)"


def _size_text(size: int) -> str:
    """*size* bytes as a person reads a limit: ``1 GiB``, ``100 MiB``, else the bytes themselves."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


@dataclass
class StdinAudio:
    """Audio read from standard input (``-``), for identify's AUDIO, one ``--voiceprint`` clip, or
    ``voiceprint -``.

    :meth:`load` makes :attr:`file` ready before anything is sent: a redirected regular file
    (``< call.wav``) is used as it is, from its current position; a pipe is copied to an anonymous
    temporary file first, in the system's temporary folder, so that the upload declares its
    Content-Length (presigned object-storage URLs refuse a chunked body) and a WAV header's duration
    can be checked. Reading stops past *max_bytes*, the API's limit, and the command is refused:
    nothing was sent. The copy is deleted when the command ends (:meth:`close`).
    """

    #: The name of the upload (its ``media://`` key ends with it), its progress line and its RTTM file id.
    name = "stdin"

    #: What messages call it: the option the user typed (``-`` or ``--voiceprint LABEL=-``).
    given: str = STDIN
    file: IO[bytes] | None = None
    size: int = 0
    spooled: bool = False
    #: A fresh ``media://pyannoteai-identify/<unique>/stdin``, as the SDK names an upload after its file.
    media_key: str = dataclass_field(default_factory=lambda: media_url_for(CheckedAudio(path=StdinAudio.name), None))

    def __str__(self) -> str:
        return STDIN

    @property
    def audio(self) -> IO[bytes]:
        """The binary file to upload; :meth:`load` must have run."""
        if self.file is None:
            raise RuntimeError("standard input was not read yet")
        return self.file

    def load(self, max_bytes: int, what: str) -> None:
        """Make :attr:`file` ready: the redirected file itself, or a copy of the pipe.

        Raises:
            CLIError: standard input is closed, a terminal, empty, or larger than *max_bytes* (the
                API's limit for *what*); nothing was sent.
        """
        where = f"{self.given} (standard input)"
        stream = sys.stdin
        buffer: IO[bytes] | None = getattr(stream, "buffer", None) if stream is not None else None
        if stream is None or buffer is None:
            raise _usage_error(f"{where}: standard input is closed; pipe or redirect the audio in")
        from .cli import _is_terminal  # here, not at the top: cli imports this module

        if _is_terminal(stream):
            raise _usage_error(
                f"{where} is a terminal: pipe or redirect the audio in "
                "(`curl -s URL | pyannoteai-identify identify - ...`, or `... identify - < call.wav`)"
            )
        rule = f"the API accepts at most {_size_text(max_bytes)} ({max_bytes} bytes) for {what}; nothing was sent"
        size = _regular_file_left(buffer)
        if size is not None:
            if size > max_bytes:
                raise _usage_error(f"{where}: holds {size} bytes; {rule}")
            self.file, self.size = buffer, size
        else:
            self.file = _spooled(buffer, max_bytes, where, f"{where}: holds more than {max_bytes} bytes; {rule}")
            self.spooled = True
            self.size = self.file.seek(0, os.SEEK_END)
            self.file.seek(0)
        if self.size == 0:
            raise _usage_error(f"{where} is empty: pipe or redirect the audio in; nothing was sent")

    def text(self) -> str | None:
        """What was read, when it is text rather than audio: at most :data:`MAX_TEXT_BYTES` of UTF-8
        with no control character but whitespace (every audio format's header holds some: a NUL
        byte at least). ``--voiceprint LABEL=-`` takes such text as the voiceprint itself rather
        than a clip to enroll, which would be uploaded and billed, and fail. None: audio.
        :meth:`load` must have run; the file is left where it was.
        """
        if self.size > MAX_TEXT_BYTES:
            return None
        start = self.audio.tell()
        try:
            data = self.audio.read(self.size)
        finally:
            self.audio.seek(start)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return None if _CONTROL.search(text) else text

    def close(self) -> None:
        """Delete the copy of a pipe (the redirected file itself is left to its owner)."""
        if self.spooled and self.file is not None:
            self.file.close()


#: The most that standard input may hold to be read as text (a voiceprint, or the JSON that
#: ``job ID --wait --format json`` prints: a few tens of kB) rather than as audio.
MAX_TEXT_BYTES = 1 << 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _regular_file_left(buffer: IO[bytes]) -> int | None:
    """The bytes left from the current position of *buffer* when it is a seekable regular file (or
    an in-memory one with no file descriptor); None for a pipe, a socket or a device (``/dev/zero``
    "seeks" but has no end), which are copied instead."""
    try:
        if not buffer.seekable():
            return None
    except (OSError, ValueError, AttributeError):
        return None
    try:
        descriptor = buffer.fileno()
    except (OSError, ValueError, AttributeError):  # io.BytesIO and the like: seekable, with an end
        descriptor = None
    try:
        if descriptor is not None and not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        position = buffer.tell()
        end = buffer.seek(0, os.SEEK_END)
        buffer.seek(position)
    except (OSError, ValueError):
        return None
    return max(end - position, 0)


def _spooled(buffer: IO[bytes], max_bytes: int, where: str, too_large: str) -> IO[bytes]:
    """A temporary file holding what *buffer* gives until its end, read in chunks; reading stops
    past *max_bytes* (refused with *too_large*). On Linux the file has no name at all, and is gone
    whenever the command ends, even killed."""
    try:
        copy = tempfile.TemporaryFile(prefix="pyannoteai-identify-stdin-")  # noqa: SIM115 (returned, closed by the caller)
    except OSError as error:
        raise _usage_error(
            f"{where}: could not create a temporary file in {tempfile.gettempdir()} to hold it "
            f"({error.strerror or error}); set TMPDIR to a folder with room, or pass a file instead"
        ) from None
    try:
        held = 0
        while True:
            chunk = buffer.read(min(CHUNK_SIZE, max_bytes + 1 - held))
            if not chunk:
                return copy
            held += len(chunk)
            if held > max_bytes:
                raise _usage_error(too_large)
            try:
                copy.write(chunk)
            except OSError as error:
                raise _usage_error(
                    f"{where}: could not copy it to a temporary file in {tempfile.gettempdir()} "
                    f"({error.strerror or error}); set TMPDIR to a folder with room, or pass a file instead"
                ) from None
    except BaseException:
        copy.close()
        raise


#: A clip of a ``--voiceprint LABEL=SOURCE``: an audio file, or standard input.
Clip: TypeAlias = Path | StdinAudio
#: What a ``--voiceprint LABEL=SOURCE`` gives: a voiceprint, or a clip to enroll.
Source: TypeAlias = str | Path | StdinAudio


def check_one_stdin(audio: str | None, pairs: Sequence[tuple[str, str]]) -> None:
    """Refuse ``-`` (standard input) given more than once: it can be read only once."""
    uses = ["AUDIO -"] if audio == STDIN else []
    uses += [f"--voiceprint {label}=-" for label, source in pairs if source == STDIN]
    if len(uses) > 1:
        raise _usage_error(
            f"- (standard input) is given {len(uses)} times ({', '.join(uses)}): it can be read only once; "
            "give the other audio as a file"
        )


@contextlib.contextmanager
def stdin_named(stdin: StdinAudio | None) -> Iterator[None]:
    """Say a ValidationError about the file object of standard input (a WAV too long) as the user typed it."""
    try:
        yield
    except errors.ValidationError as error:
        if stdin is None or stdin.file is None or error.value is not stdin.file:
            raise
        raise _usage_error(f"{stdin.given} (standard input): {error.rule}; nothing was sent") from error


def upload_source(source: str | Clip) -> tuple[AudioSource, str | None]:
    """What the SDK uploads for *source*, and the media key it names the upload with (None: its own)."""
    if isinstance(source, StdinAudio):
        return source.audio, source.media_key
    return source, None
