"""Checks of audio sources: a URL, a local file or a binary file object, and the file's size."""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import AsyncIterable, Iterator
from dataclasses import dataclass
from typing import IO, TypeAlias

from ._validation_basics import _text
from ._validation_files import readable_file_size
from ._validation_limits import MAX_AUDIO_BYTES
from ._validation_urls import _http_url, _url_error, check_media_url
from .errors import ValidationError

#: What ``identify``, ``upload`` and ``create_voiceprint`` take as audio: an https or ``media://``
#: URL, a local path, or a binary file object (read from its current position).
AudioSource: TypeAlias = str | os.PathLike[str] | IO[bytes]

#: File name extensions read as audio: by ``batch`` when it searches folders, and by the command
#: line when a ``--voiceprint`` names a file (audio is enrolled, anything else read as text).
AUDIO_EXTENSIONS = frozenset(
    {".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".webm", ".wma", ".aiff", ".aif"}
)


@dataclass(frozen=True, slots=True)
class CheckedAudio:
    """Where the audio is: a URL to pass as is, or a local file / file object to upload first."""

    url: str | None = None
    path: str | None = None
    file: IO[bytes] | None = None
    size: int | None = None
    start: int | None = None
    """Where reading a seekable file object starts: each upload attempt rewinds to it."""


def _position_and_size(file: IO[bytes]) -> tuple[int, int] | tuple[None, None]:
    """The current position of a seekable file and the bytes left from it; (None, None) when it cannot seek."""
    try:
        position = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(position)
        return position, end - position
    except (OSError, ValueError, AttributeError):
        return None, None


def check_audio(value: object, *, field: str = "audio", max_bytes: int = MAX_AUDIO_BYTES) -> CheckedAudio:
    """An http(s) URL, a ``media://`` URL, a local path, or a binary file object open for reading."""
    if isinstance(value, str) and "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme == "media":
            return CheckedAudio(url=check_media_url(field, value))
        if scheme in ("http", "https"):
            return CheckedAudio(url=_http_url(field, _text(field, value)))
        raise _url_error(field, value, "must be an http(s) URL, a media:// URL, a local path or a binary file")
    if isinstance(value, str | os.PathLike):
        path = os.fspath(value)
        if not isinstance(path, str):
            raise ValidationError(field, value, "must be a text path, not bytes")
        _text(field, path)
        size = readable_file_size(field, path)
        if size == 0:
            raise ValidationError(field, path, "the file is empty")
        if size > max_bytes:
            raise ValidationError(field, path, f"the file has {size} bytes; the API accepts at most {max_bytes}")
        return CheckedAudio(path=path, size=size)
    read = getattr(value, "read", None)
    if callable(read):
        mode = getattr(value, "mode", "rb")
        if isinstance(value, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode):
            raise ValidationError(field, value, "must be opened in binary mode ('rb')")
        if getattr(value, "closed", False) is True:
            raise ValidationError(field, value, "the file is closed")
        try:
            probe = read(0)  # reads nothing; shows whether read() works and gives bytes
        except (OSError, ValueError) as exc:
            raise ValidationError(field, value, f"cannot be read ({type(exc).__name__}: {exc})") from None
        if inspect.isawaitable(probe):
            if inspect.iscoroutine(probe):
                probe.close()  # not awaited: closed, so no "never awaited" warning follows the error
            raise ValidationError(
                field,
                value,
                "must be a binary file with a plain read(), not an async one: pass the file it wraps "
                "(an UploadFile's .file) or a path",
            )
        if not isinstance(probe, bytes | bytearray | memoryview):
            raise ValidationError(field, value, f"must be a binary file: read() gave {type(probe).__name__}, not bytes")
        file: IO[bytes] = value  # type: ignore[assignment]
        start, file_size = _position_and_size(file)
        if file_size == 0:
            raise ValidationError(field, value, "nothing left to read: the file is empty or already read to its end")
        if file_size is not None and file_size > max_bytes:
            raise ValidationError(field, value, f"the file has {file_size} bytes; the API accepts at most {max_bytes}")
        return CheckedAudio(file=file, size=file_size, start=start)
    if isinstance(value, bytes | bytearray | memoryview):
        raise ValidationError(
            field,
            value,
            "must be an http(s) URL, a media:// URL, a local path or a binary file object, not bytes: "
            "wrap audio held in memory in io.BytesIO(data) (a path is given as str)",
        )
    if isinstance(value, AsyncIterable | Iterator):
        chunks = (
            "an async iterable of chunks (an async generator, Starlette's request.stream())"
            if isinstance(value, AsyncIterable)
            else "an iterator of chunks (a generator)"
        )
        raise ValidationError(
            field,
            value,
            f"must be an http(s) URL, a media:// URL, a local path or a binary file object, not {chunks}: "
            "write the chunks to a tempfile.SpooledTemporaryFile(), seek(0) and pass it, or pass the file "
            "object they are read from",
        )
    raise ValidationError(field, value, "must be an http(s) URL, a media:// URL, a local path or a binary file object")
