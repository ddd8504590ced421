"""Where a job's audio comes from: the media store, the sandbox itself, or a loopback server.

The sandbox never reaches the internet. A job URL is read from:

* ``media://key``: the media store (what a presigned PUT wrote);
* ``http(s)://<the sandbox's own host>/_media/key``: the same store, without a request;
* any other ``http(s)`` URL whose host is a loopback address (``127.0.0.0/8``, ``::1``,
  ``localhost``): fetched, with a 10 s timeout (per read and in all), at most 2 redirects (each to
  loopback) and the upload size cap; the fetch runs after the job was created (see :mod:`._work`);
* anything else: nothing, and the job fails with "Could not load audio".
"""

from __future__ import annotations

import logging
import time
from typing import Literal
from urllib.parse import unquote, urlsplit

import httpx

from .._config import is_loopback
from ._state import SandboxState

__all__ = [
    "MEDIA_PATH",
    "NotLoopback",
    "is_loopback",
    "loopback_client",
    "loopback_guard",
    "needs_fetch",
    "resolve_audio",
]

MEDIA_PATH = "/_media/"
FETCH_TIMEOUT = 10.0

logger = logging.getLogger("pyannoteai_identify.sandbox")


class NotLoopback(httpx.RequestError):
    """A request (or a redirect) that would leave this machine."""


def loopback_guard(request: httpx.Request) -> None:
    """An httpx request hook that refuses every non-loopback host, redirects included."""
    if not is_loopback(request.url.host):
        raise NotLoopback(f"refusing to contact non-loopback host {request.url.host!r}", request=request)


def loopback_client(timeout: float, *, loopback_only: bool = True) -> httpx.Client:
    """An httpx client for the sandbox's own outgoing requests (job audio, webhook deliveries).

    Proxy settings from the environment are ignored and at most 2 redirects are followed; unless
    *loopback_only* is False, every host, redirects included, must be a loopback address.
    """
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=2,
        trust_env=False,
        event_hooks={"request": [loopback_guard] if loopback_only else []},
    )


def _fetch(url: str, max_bytes: int) -> bytearray | None:
    """GET *url*: its body, or None on any failure, past *max_bytes*, or past FETCH_TIMEOUT in all
    (checked between chunks, each read being bounded by FETCH_TIMEOUT too: a trickle cannot hold on)."""
    deadline = time.monotonic() + FETCH_TIMEOUT
    try:
        with loopback_client(FETCH_TIMEOUT) as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                return None
            data = bytearray()
            for chunk in response.iter_bytes():
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


def resolve_audio(url: str, *, state: SandboxState, own_host: str, max_bytes: int) -> bytes | bytearray | None:
    """The audio bytes a job URL points to, or None when the sandbox cannot or may not read it.

    Args:
        url: the job's ``url``.
        state: the media store.
        own_host: ``host:port`` the sandbox was reached at, to serve its own ``/_media/`` URLs.
        max_bytes: the largest file to fetch.
    """
    kind, where = _locate(url, own_host)
    if kind == "media":
        return state.media(where)
    if kind == "internet":
        logger.info("job audio at a non-loopback URL: the sandbox never fetches the internet")
    return _fetch(where, max_bytes) if kind == "fetch" else None
