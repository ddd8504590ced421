"""Where a job's audio comes from: the media store, the sandbox itself, or a loopback server.

The sandbox never reaches the internet. A job URL is read from:

* ``media://key``: the media store (what a presigned PUT wrote);
* ``http(s)://<the sandbox's own host>/_media/key``: the same store, without a request;
* any other ``http(s)`` URL whose host is a loopback address (``127.0.0.0/8``, ``::1``,
  ``localhost``): fetched, with a 10 s timeout (per read and in all), at most 2 redirects (each to
  loopback; how many the API follows for a job's audio is undocumented) and the upload size cap (a
  gzip or deflate file is decoded a step at a time, so it never expands past the cap in memory; only
  gzip and deflate are asked for, br and zstd are refused); the fetch runs after the job was created
  (see :mod:`._work`);
* anything else: nothing, and the job fails with "Could not load audio".
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import httpx

from .._bounded import accept_encoding, iter_decoded
from .._config import is_loopback
from ._state import SandboxState

__all__ = [
    "MEDIA_PATH",
    "Connections",
    "NotLoopback",
    "is_loopback",
    "loopback_client",
    "loopback_guard",
    "needs_fetch",
    "resolve_audio",
]

MEDIA_PATH = "/_media/"
FETCH_TIMEOUT = 10.0
#: Redirects followed when fetching a job's audio (the sandbox's choice: the API documents none).
FETCH_MAX_REDIRECTS = 2

logger = logging.getLogger("pyannoteai_identify.sandbox")


class NotLoopback(httpx.RequestError):
    """A request (or a redirect) that would leave this machine."""


def loopback_guard(request: httpx.Request) -> None:
    """An httpx request hook that refuses every non-loopback host, redirects included."""
    if not is_loopback(request.url.host):
        raise NotLoopback(f"refusing to contact non-loopback host {request.url.host!r}", request=request)


def loopback_client(timeout: float, *, max_redirects: int, loopback_only: bool = True) -> httpx.Client:
    """An httpx client for the sandbox's own outgoing requests (job audio, webhook deliveries).

    Proxy settings from the environment are ignored and at most *max_redirects* redirects are
    followed (one more raises ``httpx.TooManyRedirects``); unless
    *loopback_only* is False, every host, redirects included, must be a loopback address. Its
    ``Accept-Encoding`` lists only the codings the sandbox decodes a bounded step at a time (httpx's
    lists br and zstd too when brotli/zstandard are installed, which the reads refuse).
    """
    client = httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        trust_env=False,
        event_hooks={"request": [loopback_guard] if loopback_only else []},
    )
    client.headers["Accept-Encoding"] = accept_encoding(client.headers["Accept-Encoding"])
    return client


Trace = Callable[[str, dict[str, Any]], None]


class Connections:
    """The sockets of the fetches in flight, so that closing the sandbox can shut them down at once.

    Closing an httpx client does not wake a thread blocked reading its socket; a shutdown does.
    Each fetch registers its connections through :meth:`track` (redirects included) and forgets
    them when it ends, so at most the connections of the running fetches are held.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._aborted = False

    @contextlib.contextmanager
    def track(self) -> Iterator[Trace]:
        """An httpcore ``trace`` hook for one fetch: its connections are aborted by :meth:`abort`
        (at once when opened after it) and forgotten when the ``with`` block ends."""
        mine: list[socket.socket] = []

        def trace(event: str, info: dict[str, Any]) -> None:
            if event == "connection.connect_tcp.complete":
                sock = connection_handle(info)
                with self._lock:
                    mine.append(sock)
                    self._open.add(sock)
                    if self._aborted:
                        _shutdown(sock)

        try:
            yield trace
        finally:
            with self._lock:
                self._open.difference_update(mine)
            for sock in mine:
                sock.close()

    def abort(self) -> None:
        """Shut down every tracked connection, now and from now on (their fetches fail at once)."""
        with self._lock:
            self._aborted = True
            for sock in self._open:
                _shutdown(sock)


def connection_handle(info: dict[str, Any]) -> socket.socket:
    """A handle on the connection httpcore just opened (trace event ``connect_tcp.complete``), to shut
    it down from another thread. A duplicate of its socket: TLS detaches the socket object itself
    (its fileno becomes -1), while a shutdown through the duplicate still ends the connection. The
    caller closes it when the connection's work is done."""
    raw: socket.socket = info["return_value"].get_extra_info("socket")
    return raw.dup()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _fetch(url: str, max_bytes: int, connections: Connections | None = None) -> bytearray | None:
    """GET *url*: its body, or None on any failure, past *max_bytes*, or past FETCH_TIMEOUT in all
    (checked between chunks, each read being bounded by FETCH_TIMEOUT too: a trickle cannot hold on).
    The connections are tracked by *connections*, which can abort them."""
    deadline = time.monotonic() + FETCH_TIMEOUT
    tracked = contextlib.nullcontext(None) if connections is None else connections.track()
    try:
        with (
            tracked as trace,
            loopback_client(FETCH_TIMEOUT, max_redirects=FETCH_MAX_REDIRECTS) as client,
            client.stream("GET", url, extensions={} if trace is None else {"trace": trace}) as response,
        ):
            if response.status_code != 200:
                return None
            data = bytearray()
            with contextlib.closing(iter_decoded(response)) as chunks:  # decoded a bounded step at a time
                for chunk in chunks:
                    data += chunk
                    if len(data) > max_bytes or time.monotonic() > deadline:
                        return None
            return data  # not copied into bytes: the audio may be as large as max_bytes
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is not an HTTPError
        logger.info("could not fetch job audio from a loopback URL: %s", type(exc).__name__)
        return None


def _locate(url: str, own_host: str) -> tuple[Literal["media", "fetch", "internet", "none"], str]:
    """Where a job URL's audio is: a media store key, a loopback URL to fetch, the internet, or nowhere."""
    if url.startswith("media://"):
        return "media", url.removeprefix("media://")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "none", url
    if parts.scheme not in ("http", "https"):
        return "none", url
    if parts.netloc == own_host and parts.path.startswith(MEDIA_PATH):
        return "media", unquote(parts.path.removeprefix(MEDIA_PATH))
    return ("fetch" if is_loopback(host) else "internet"), url


def needs_fetch(url: str, *, own_host: str) -> bool:
    """Whether :func:`resolve_audio` makes an HTTP request for *url* (it may then take up to 10 s)."""
    return _locate(url, own_host)[0] == "fetch"


def resolve_audio(
    url: str, *, state: SandboxState, own_host: str, max_bytes: int, connections: Connections | None = None
) -> bytes | bytearray | memoryview | None:
    """The audio bytes a job URL points to, or None when the sandbox cannot or may not read it.

    Args:
        url: the job's ``url``.
        state: the media store.
        own_host: ``host:port`` the sandbox was reached at, to serve its own ``/_media/`` URLs.
        max_bytes: the largest file to fetch.
        connections: tracks the fetch's connections, so they can be aborted (see :class:`Connections`).
    """
    kind, where = _locate(url, own_host)
    if kind == "media":
        return state.media(where)
    if kind == "internet":
        logger.info("job audio at a non-loopback URL: the sandbox never fetches the internet")
    return _fetch(where, max_bytes, connections) if kind == "fetch" else None
