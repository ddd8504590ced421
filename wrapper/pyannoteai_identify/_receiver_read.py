"""How ``WebhookReceiver`` reads a body with caps: a file-like body (``handle_stream``) and a
Starlette request's (``handle_request``), each into the caller's buffer, chunk by chunk, holding
every byte against the bytes-in-flight budget, and stopping as soon as the body cannot be handled.

A reader answers why it stopped (None: the whole body was read); the receiver decides what to
answer, logs it, and gives the bytes back to the budget.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias

import anyio

from ._byte_budget import _Budget
from ._lazy_module import lazy_module

if TYPE_CHECKING:
    import starlette.requests
else:  # bound for typing.get_type_hints; starlette (the receiver extra) is imported when a hint is resolved
    starlette = lazy_module("starlette", extra="receiver")

__all__: list[str] = []

_CHUNK = 64 * 1024

#: Why a stream's reading stopped short: the body is over the limit, or would pass the budget.
_StreamStop: TypeAlias = Literal["too_large", "busy"]
#: Why a request's reading stopped short: as a stream's, or the sender stalled or hung up.
_RequestStop: TypeAlias = Literal["too_large", "busy", "timeout", "disconnected"]


class SupportsRead(Protocol):
    """A file-like request body: Flask's ``request.stream``, a Django ``HttpRequest``, ``io.BytesIO``."""

    def read(self, size: int, /) -> bytes: ...


def _read_stream(stream: SupportsRead, body: bytearray, limit: int, budget: _Budget) -> _StreamStop | None:
    """Read *stream* into *body* (one buffer: chunks then a joined copy held the body twice at the
    end), at most one byte more than *limit*, each chunk taken from *budget*."""
    while len(body) <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - len(body)))
        if not chunk:
            break
        if not budget.take(len(chunk)):
            return "busy"
        body += chunk
    return "too_large" if len(body) > limit else None


async def _read_request(
    request: starlette.requests.Request, body: bytearray, limit: int, budget: _Budget, timeout: float | None
) -> _RequestStop | None:
    """Read *request*'s raw body into *body*, each chunk taken from *budget*, for at most *timeout*
    seconds (None: no limit); stop before a chunk that would pass *limit*: the rest is never received."""
    from starlette.requests import ClientDisconnect  # here: the receiver's extra, not the core's

    try:
        with anyio.move_on_after(math.inf if timeout is None else timeout) as read:
            async for chunk in request.stream():
                if len(body) + len(chunk) > limit:
                    return "too_large"
                if not budget.take(len(chunk)):
                    return "busy"
                body += chunk
    except ClientDisconnect:
        return "disconnected"
    return "timeout" if read.cancelled_caught else None
