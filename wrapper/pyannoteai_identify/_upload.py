"""Streaming upload of a local file or file object to the presigned URL of the media API.

The file is read and sent in chunks (1 MiB by default), never held whole in memory, and the
Content-Length is declared when the size is known, because presigned object-storage URLs refuse
chunked transfer encoding. The presigned URL gets no Authorization header: the key never leaves
for a host other than the API's.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import IO, TypeAlias

import anyio.to_thread
import httpx

from . import _fork, _validation
from ._redact import hide_secrets
from ._settle_gate import SettleGate
from ._validation import MAX_AUDIO_SECONDS, MAX_VOICEPRINT_AUDIO_SECONDS, CheckedAudio, check_media_url
from .errors import ValidationError

CHUNK_SIZE = 1024 * 1024
#: How many chunks AsyncClient's upload reads in one worker-thread hop (4 MiB): a hop per chunk
#: (1,024 per GiB) cost a quarter of the throughput of a raw httpx.AsyncClient PUT on a busy machine.
CHUNKS_PER_READ_AHEAD = 4
#: Called after each chunk of an upload with (bytes sent so far, total bytes or None); what it
#: returns is ignored, so ``tqdm``'s ``update``-style callables fit. Exported as ``UploadProgressCallback``.
ProgressCallback: TypeAlias = Callable[[int, int | None], object]


def _key_safe(name: str) -> str:
    """*name* with each run of characters a media key may not hold replaced by one ``-``.

    What a key may hold is read from the contract (``MediaUploadRequest.url``'s pattern, as
    :func:`check_media_url` reads it), one character at a time, not typed a second time; ``/`` is
    replaced too, as it would add a path segment to the key.
    """
    kept: list[str] = []
    replacing = False
    for char in name:
        allowed = char != "/" and _validation.MEDIA_URL_PATTERN.fullmatch("media://" + char) is not None
        if allowed or not replacing:
            kept.append(char if allowed else "-")
        replacing = not allowed
    return "".join(kept)


def media_url_for(audio: CheckedAudio, key: str | None, *, field: str = "key") -> str:
    """The ``media://`` URL to upload to: *key* (with or without the scheme), or a fresh unique one.

    *field* is the caller's name for *key* (``key`` for ``upload()``, ``media_key`` elsewhere), so
    that an error names the argument the caller passed.
    """
    if key is not None:
        if not isinstance(key, str):
            raise ValidationError(field, key, "must be a string such as 'meetings/call.wav'")
        return check_media_url(field, key if key.startswith("media://") else f"media://{key}")
    name = os.path.basename(audio.path) if audio.path else _file_name(audio.file)
    safe = _key_safe(name).strip("-.")[:80] or "audio"
    return check_media_url("key", f"media://pyannoteai-identify/{uuid.uuid4().hex}/{safe}")


def _file_name(file: object) -> str:
    """The base name of a file object's ``name`` when it is a path; "" for one opened on a
    descriptor (``open(fd)``, ``os.fdopen``, ``tempfile.TemporaryFile()`` on Linux), whose ``name``
    is the descriptor's number, and for one with no name."""
    name = getattr(file, "name", "")
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    return os.path.basename(name) if isinstance(name, str) else ""


@contextmanager
def opened(audio: CheckedAudio) -> Iterator[IO[bytes]]:
    """The audio as an open binary file; a path is opened (and closed), a file object is used as is.

    A seekable file object is read from the position it had when it was passed in, and put back
    there afterwards, whatever the outcome: an upload that failed half-way can be made again
    with the same object and sends every byte, not only those the first attempt left.
    """
    if audio.path is not None:
        with open(audio.path, "rb") as handle:
            yield handle
    elif audio.file is not None:
        if audio.start is not None:
            audio.file.seek(audio.start)
        try:
            yield audio.file
        finally:
            if audio.start is not None and not getattr(audio.file, "closed", False):
                audio.file.seek(audio.start)
    else:
        raise ValueError("nothing to upload: the audio is a URL")


@asynccontextmanager
async def aopened(audio: CheckedAudio) -> AsyncIterator[IO[bytes]]:
    """:func:`opened` for ``AsyncClient``: the open, the seeks and the close run in a worker thread.

    On the event loop's thread they would hold up every other task while the disk (or a network
    file system) answers. The close and the seek back run whatever the outcome, a cancellation too.
    """
    if audio.path is not None:
        from ._settled_call import run_disposing  # here, not at the top: importing the package must stay lean

        # Cancelled while the file opens, the handle is closed as soon as it is opened, not left open.
        handle = await run_disposing(functools.partial(_open_binary, audio.path), _close)
        try:
            yield handle
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(handle.close)
    elif audio.file is not None:
        file, start = audio.file, audio.start
        if start is not None:
            await anyio.to_thread.run_sync(file.seek, start)
        try:
            yield file
        finally:
            if start is not None and not getattr(file, "closed", False):
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(file.seek, start)
    else:
        raise ValueError("nothing to upload: the audio is a URL")


def _open_binary(path: str) -> IO[bytes]:
    return open(path, "rb")  # closed by aopened


def _close(handle: IO[bytes]) -> None:
    handle.close()


def audio_named(audio: CheckedAudio) -> str:
    """*audio* as a message names it: its path, or the name of its file object (``the file object``
    when it has none that is a path)."""
    if audio.path is not None:
        return audio.path
    return _file_name(audio.file) or "the file object"


def retry_hint(audio: CheckedAudio, media_url: str) -> str:
    """What to do after an upload of *audio* to *media_url* failed."""
    if audio.file is not None and audio.start is None:
        return (
            f"{media_url} was not stored, and the file object cannot seek, so the bytes already read are gone: "
            "upload again from a new file object"
        )
    return f"{media_url} was not stored; upload again"


class FileChunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body of a streamed upload: *file* read in chunks, progress reported after each is sent.

    An iterator object rather than a generator, passed to httpx as the request's stream: a request
    cut off mid-body (an outer timeout, a cancel scope) leaves no generator to finalise, which trio
    reports as a ``ResourceWarning`` (asyncio finalises them itself). The async side reads in a
    worker thread so the event loop stays free: up to *read_ahead* chunks a hop, each its own
    ``read(chunk_size)`` as on the sync side, handed out one at a time (so the chunks sent and the
    progress ticks are the same); the next hop starts once they are all handed out.
    """

    def __init__(
        self,
        file: IO[bytes],
        total: int | None,
        progress: ProgressCallback | None,
        chunk_size: int = CHUNK_SIZE,
        read_ahead: int = CHUNKS_PER_READ_AHEAD,
    ) -> None:
        self._file = file
        self._total = total
        self._progress = progress
        self._chunk_size = chunk_size
        self._sent = 0
        self._handed = 0  # the chunk handed out last: counted as sent when the next one is asked for
        self._started = False
        self._gate = SettleGate()  # each read of the async side's worker threads runs through it
        self._read_ahead = read_ahead
        self._ahead: deque[bytes] = deque()  # chunks read by the last hop, not handed out yet
        self._ended = False  # a read returned b"": the file is at its end, no hop needed
        self._failed: Exception | None = None  # a read's error, raised once the chunks before it are handed out

    def __iter__(self) -> Iterator[bytes]:
        self._start()
        return self

    def __next__(self) -> bytes:
        self._count_handed()
        chunk = self._file.read(self._chunk_size)
        return self._hand(chunk)

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._start()
        return self

    def _start(self) -> None:
        """Refuse a second pass (httpx following a redirect sends the stream again): the file was
        read, and a second pass would send an empty or cut body that the storage may accept."""
        if self._started:
            raise httpx.StreamConsumed()

    async def __anext__(self) -> bytes:
        self._count_handed()
        if not self._ahead and not self._ended:
            if self._failed is not None:
                error, self._failed = self._failed, None
                raise error
            self._ahead.extend(await anyio.to_thread.run_sync(self._read))
        try:
            return self._hand(self._ahead.popleft() if self._ahead else b"")
        except StopIteration:
            raise StopAsyncIteration from None

    def _read(self) -> list[bytes]:
        """Up to *read_ahead* chunks, in a worker thread; fewer after a short read (a pipe gave what
        it had: it is sent rather than held back while the pipe fills) or at the end of the file."""
        chunks: list[bytes] = []
        while len(chunks) < self._read_ahead:
            with self._gate.entered() as may_read:
                if not may_read:  # the upload ended before this read began: the file is not read
                    break
                try:
                    chunk = self._file.read(self._chunk_size)
                except Exception as error:
                    if not chunks:
                        raise
                    self._failed = error  # raised where it was before: after the chunks read ahead of it
                    break
            if not chunk:
                self._ended = True
                break
            chunks.append(chunk)
            if len(chunk) < self._chunk_size:
                break
        return chunks

    async def settle(self) -> None:
        """Return once a read left running in a worker thread has ended; none starts after this.

        anyio holds a cancel scope's cancellation back until the thread is done, but not a native
        asyncio one (``task.cancel()``, ``asyncio.wait_for``, ``asyncio.timeout``): the upload ends
        at once and the thread reads on. A file object put back at its position meanwhile would be
        moved on by that read, and uploading it again would skip a chunk (a path's file would be
        closed under it). Called for seekable file objects and paths only: the wait is one chunk's
        read, where a pipe's could last for ever (the other chunks of that hop are not read: each
        read goes through the gate and finds it settled).
        A read that was queued for a worker thread but had not begun (a cancelled thread job may
        never run) is not waited for: it reads nothing when it does run.
        """
        await self._gate.settle()

    def _count_handed(self) -> None:
        self._started = True
        if self._handed:
            self._sent, self._handed = self._sent + self._handed, 0
            if self._progress is not None:
                try:
                    self._progress(self._sent, self._total)
                except BaseException as error:
                    raised_by_progress(error, mark=True)
                    raise

    def _hand(self, chunk: bytes) -> bytes:
        if not chunk:
            raise StopIteration
        self._handed = len(chunk)
        return chunk


_RAISED_BY_PROGRESS = "_pyannoteai_identify_raised_by_progress"


def raised_by_progress(error: BaseException, *, mark: bool = False) -> bool:
    """Whether *error* was raised by an upload's progress callback, the caller's own code (with
    *mark*: say that it was). The clients raise such an error as it is: an httpx error of the
    callback's own requests (a progress reporter's dashboard) is no failure of the upload's PUT."""
    if mark:
        with contextlib.suppress(AttributeError, TypeError):  # an exception type that refuses attributes
            setattr(error, _RAISED_BY_PROGRESS, True)
    return getattr(error, _RAISED_BY_PROGRESS, False) is True


class _PresignedQueryFilter(logging.Filter):
    """Removes the query of the presigned URLs being uploaded to from httpx's request log lines.

    httpx logs every request's full URL at INFO, and the query of a presigned URL is its signature:
    anyone reading the logs could overwrite the object until the URL expires. Only URLs registered
    by :func:`presigned_url_hidden` are touched; every other record passes as it is.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._hidden: Counter[str] = Counter()
        _fork.register(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock (an upload of another thread may have held it at the fork)."""
        self._lock = threading.Lock()

    def hide(self, url: str) -> None:
        with self._lock:
            self._hidden[url] += 1

    def show(self, url: str) -> None:
        with self._lock:
            self._hidden[url] -= 1
            if self._hidden[url] <= 0:
                del self._hidden[url]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._hidden and isinstance(record.args, tuple):
            record.args = tuple(self._redacted(arg) for arg in record.args)
        return True

    def _redacted(self, arg: object) -> object:
        if isinstance(arg, httpx.URL | str) and str(arg) in self._hidden:
            return hide_secrets(str(arg))
        return arg


_PRESIGNED_FILTER = _PresignedQueryFilter()
_installed = False


@contextmanager
def presigned_url_hidden(url: str) -> Iterator[None]:
    """While the upload to *url* runs, httpx's log lines show it without its query (its signature)."""
    global _installed
    if not _installed:
        logging.getLogger("httpx").addFilter(_PRESIGNED_FILTER)
        _installed = True
    shown = str(httpx.URL(url))  # as httpx prints it (normalised)
    _PRESIGNED_FILTER.hide(shown)
    try:
        yield
    finally:
        _PRESIGNED_FILTER.show(shown)


def upload_headers(total: int | None) -> dict[str, str]:
    """The headers of the presigned PUT: its length when known, and nothing else. Which headers the
    storage expects is undocumented; the official SDK sends no Content-Type, and a signature scheme
    that covers Content-Type (S3 SigV2, GCS V2) refuses one the URL was not signed with. A body of
    unknown length is sent chunked, as httpx frames one it is given as an iterator."""
    return {"Transfer-Encoding": "chunked"} if total is None else {"Content-Length": str(total)}


def check_voiceprint_duration(audio: CheckedAudio) -> None:
    """Refuse a local WAV file, or a seekable file object holding one (an upload in a web service),
    longer than the API's voiceprint limit; other formats are left to the API."""
    _check_duration(audio, MAX_VOICEPRINT_AUDIO_SECONDS, "a voiceprint takes at most {limit:g} s of one speaker")


def check_identify_duration(audio: CheckedAudio) -> None:
    """Refuse a local WAV file (or seekable file object holding one) longer than the API processes
    (24 hours): it would be uploaded, then fail; other formats are left to the API."""
    _check_duration(audio, MAX_AUDIO_SECONDS, "the API processes at most {limit:g} s (24 h) of audio")


def _check_duration(audio: CheckedAudio, limit: float, rule: str) -> None:
    seconds = wav_seconds(audio)
    if seconds is not None and seconds > limit:
        raise ValidationError(
            "audio",
            audio.path if audio.path is not None else audio.file,
            f"the recording lasts {seconds:.1f} s; " + rule.format(limit=limit),
        )


def wav_seconds(audio: CheckedAudio) -> float | None:
    """How long a WAV file or seekable file object lasts, from its header; None for anything else."""
    if audio.path is not None:
        try:
            with open(audio.path, "rb") as file:
                return _wav_seconds(file, 0, audio.size)
        except OSError:
            return None
    if audio.file is not None and audio.start is not None:
        try:
            return _wav_seconds(audio.file, audio.start, audio.size)
        finally:
            audio.file.seek(audio.start)  # the header was read from the caller's position: put it back
    return None


def _wav_seconds(source: IO[bytes], start: int, size: int | None) -> float | None:
    """:func:`wav_seconds` of the WAV that *source* holds from *start*: *size* bytes, when known."""
    import wave  # here, not at the top: only a local WAV's duration check reads one

    try:
        with wave.open(source, "rb") as reader:
            frames, rate = reader.getnframes(), reader.getframerate()
            frame_bytes = reader.getnchannels() * reader.getsampwidth()
            # wave reads up to the data chunk's own header: the samples start where it stopped.
            header = source.tell() - start
    except (wave.Error, EOFError, OSError, ValueError):
        return None
    if size is not None and frame_bytes > 0:
        # A WAV written to a pipe (ffmpeg, sox) cannot go back to fill in its data size: the header keeps
        # a placeholder (0xFFFFFFFF, 37 h at 16 kHz). No more frames than the bytes after the header can
        # follow (counting the header's bytes as samples made a clip of exactly 30 s last 30.001 s).
        frames = min(frames, max(0, size - header) // frame_bytes)
    return frames / rate if rate > 0 else None
