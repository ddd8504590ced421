"""Standard input as audio: ``-`` as identify's AUDIO, ``voiceprint -``, or one ``--voiceprint LABEL=-``.

A redirected regular file (``< call.wav``) is uploaded as it is; a pipe is copied to an anonymous
temporary file first, within the API's size limit, so the upload declares its length and a WAV
header's duration can be checked before anything is sent.
"""

from __future__ import annotations

import codecs
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
from ._cli_errors import CLIError
from ._cli_output import is_terminal
from ._upload import CHUNK_SIZE, media_url_for
from ._validation import AudioSource, CheckedAudio

__all__ = [
    "STDIN",
    "STDIN_HELP",
    "Clip",
    "Source",
    "StdinAudio",
    "check_one_stdin",
    "not_utf8_text",
    "stdin_named",
    "upload_source",
]


def _usage_error(message: str) -> Exception:
    """The command line's one-line usage error (exit 2)."""
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
        if is_terminal(stream):
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
            with _read_as(where):
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

        Raises:
            CLIError: it is UTF-16 or UTF-32 text (a byte order mark, then printable text: what
                Windows PowerShell 5's ``>`` writes), refused as a text file of it is.
        """
        if self.size > MAX_TEXT_BYTES:
            return None
        found = _text_in(self._head(self.size), complete=True)
        if found is None:
            return None
        encoding, text = found
        if encoding != "UTF-8":
            raise _usage_error(_wide_text_error(self.given, "standard input", encoding, None) + "; nothing was sent")
        return text

    def refuse_text(self) -> None:
        """Refuse, before anything is sent, standard input that is text where audio is read (``identify -``,
        ``voiceprint -``): a voiceprint or a text file piped in by mistake would be uploaded and billed
        as audio, and fail. Text is what its first :data:`HEAD_BYTES` are: UTF-8 with no control
        character but whitespace, or UTF-16/32 after its byte order mark with only printable
        characters, and no audio format's signature first. Every audio format's header holds bytes no
        such text has, so audio is never refused. :meth:`load` must have run; the file is left where it was.

        Raises:
            CLIError: standard input looks like text.
        """
        head = self._head(min(self.size, HEAD_BYTES))
        found = None if _wide_bom(head) is None and _audio_signature(head) else _text_in(head, self.size <= HEAD_BYTES)
        if found is None:
            return
        encoding, text = found
        raise _usage_error(
            f"{self.given} (standard input) looks like text, not audio: {self.size} bytes of {encoding} text"
            f"{_text_kind(text)}, without an audio format's header (WAV, FLAC, MP3, Ogg, MP4, WebM...) and with "
            "no control byte, which audio has; pipe or redirect the audio itself (a voiceprint in text goes to "
            "`identify AUDIO --voiceprint LABEL=-`); nothing was sent"
        )

    def _head(self, size: int) -> bytes:
        """The first *size* bytes of :attr:`audio` from its position, which is left where it was."""
        with _read_as(f"{self.given} (standard input)"):
            start = self.audio.tell()
            try:
                return self.audio.read(size)
            finally:
                self.audio.seek(start)

    def close(self) -> None:
        """Delete the copy of a pipe (the redirected file itself is left to its owner)."""
        if self.spooled and self.file is not None:
            self.file.close()


@contextlib.contextmanager
def _read_as(where: str) -> Iterator[None]:
    """Name *where* (standard input, as the user typed it) in an OSError of reading it: an I/O error
    (EIO) carries no file name, and the message would not say what could not be read."""
    try:
        yield
    except OSError as error:
        error.add_note(f"{where}: could not be read")
        raise


#: The most that standard input may hold to be read as text (a voiceprint, or the JSON that
#: ``job ID --wait --format json`` prints: a few tens of kB) rather than as audio.
MAX_TEXT_BYTES = 1 << 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: How much of standard input :meth:`StdinAudio.refuse_text` looks at: an audio header is in the
#: first bytes, and so is the start of text piped by mistake.
HEAD_BYTES = 4096

#: The byte order marks of UTF-32 and UTF-16 (UTF-32LE's first, as it starts with UTF-16LE's), the
#: codec that reads what follows, and the encoding's name in messages.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (big-endian)"),
)

#: How audio files start: WAV (RIFF, RIFX, RF64), FLAC, Ogg, MP3's ID3 tag, Matroska/WebM (EBML),
#: AIFF, CAF, AU, AMR, Monkey's Audio, WavPack, TTA, MIDI, ASF/WMA; and, tested apart, MPEG frame
#: sync (MP3, ADTS AAC) and ``ftyp`` at offset 4 (MP4, M4A, 3GP).
_AUDIO_SIGNATURES = (
    b"RIFF",
    b"RIFX",
    b"RF64",
    b"fLaC",
    b"OggS",
    b"ID3",
    b"\x1a\x45\xdf\xa3",
    b"FORM",
    b"caff",
    b".snd",
    b"#!AMR",
    b"MAC ",
    b"wvpk",
    b"TTA1",
    b"MThd",
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",
)


def _wide_bom(data: bytes) -> tuple[bytes, str, str] | None:
    """The UTF-32 or UTF-16 byte order mark *data* starts with, its codec and its encoding's name."""
    for bom, codec, name in _WIDE_BOMS:
        if data.startswith(bom):
            return bom, codec, name
    return None


def _audio_signature(head: bytes) -> bool:
    """Whether *head* starts as an audio file does (see :data:`_AUDIO_SIGNATURES`)."""
    frame_sync = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    return head.startswith(_AUDIO_SIGNATURES) or frame_sync or head[4:8] == b"ftyp"


def _text_in(data: bytes, complete: bool) -> tuple[str, str] | None:
    """(encoding's name, text) when *data* is text: UTF-16 or UTF-32 after its byte order mark, all
    of it printable characters or whitespace (an MPEG frame may start ``FF FE`` as UTF-16LE does,
    and what follows is no such text); else UTF-8 with no control character but whitespace. None:
    not text. *complete*: *data* is all there is, else it may end inside a character."""
    wide = _wide_bom(data)
    if wide is not None:
        bom, codec, name = wide
        try:
            text = codecs.getincrementaldecoder(codec)().decode(data[len(bom) :], final=complete)
        except UnicodeDecodeError:
            return None
        return (name, text) if all(char.isprintable() or char.isspace() for char in text) else None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else ("UTF-8", text)


_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _text_kind(text: str) -> str:
    """What *text* (the start of standard input) seems to be, as ``" (JSON)"``, for a message that does
    not quote it (a mistaken pipe may hold a key); empty if nothing more can be said."""
    text = text.removeprefix("\ufeff").strip()
    if text.startswith("{"):
        return " (JSON)"
    if _BASE64_LINE.fullmatch(text):
        return " (one line of base64, as a voiceprint is)"
    return "" if text else " (blank)"


def not_utf8_text(given: str, what: str, data: bytes, file_name: str) -> str | None:
    """Why *data*, a voiceprint's text file (*what*: ``the file``), is not read, when it is UTF-16 or
    UTF-32 text (a byte order mark, then printable characters), as :meth:`StdinAudio.text` refuses it
    piped; None otherwise."""
    found = _text_in(data, complete=True) if _wide_bom(data) is not None else None
    return None if found is None else _wide_text_error(given, what, found[0], file_name)


def _wide_text_error(given: str, what: str, encoding: str, file_name: str | None) -> str:
    """Why a voiceprint in UTF-16 or UTF-32 text (*encoding*) is refused, and how to convert the file
    *file_name* (None: what is piped to standard input)."""
    family = encoding.split()[0]
    made_by = " (what Windows PowerShell 5's > writes)" if encoding == "UTF-16 (little-endian)" else ""
    if file_name is None:
        how = (
            "convert what is piped (PowerShell: Get-Content FILE | Set-Content -Encoding utf8 FILE.utf8, then pipe "
            f"FILE.utf8; a POSIX shell: pipe it through iconv -f {family} -t UTF-8)"
        )
    else:
        how = (
            f"convert it (PowerShell: Get-Content {file_name} | Set-Content -Encoding utf8 {file_name}.utf8; "
            f"a POSIX shell: iconv -f {family} -t UTF-8 {file_name} > {file_name}.utf8)"
        )
    return f"{given}: {what} is {encoding} text{made_by}; a voiceprint in text is read as UTF-8: {how}"


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
