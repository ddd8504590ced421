"""Close an ``AsyncClient``'s connection pool when the event loop its sockets belong to ends.

Connections belong to the event loop that opened them; once it is closed nothing can close them
(the next loop cannot), and the garbage collector does it with a ``ResourceWarning`` for each. An
event loop that ends closes the async generators still open on it (``asyncio.run`` and
``trio.run`` do): one suspended for each pool closes that pool then, on its own loop.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

import httpx

logger = logging.getLogger("pyannoteai_identify")


async def _close_at_the_end(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        try:
            await http.aclose()
        except Exception:  # the loop is ending, with no caller left to hand the error to
            logger.debug("closing the connections of an event loop that ended failed", exc_info=True)


async def close_when_the_loop_ends(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Arrange for *http* to be closed as the running event loop ends; keep the returned generator
    (the loop holds it weakly: dropped, it closes *http* at once on a loop still running, or never
    on one already closed). Closing a client closed before does nothing (httpx)."""
    closer = _close_at_the_end(http)
    await closer.__anext__()  # now known to the loop, which closes it as it ends
    return closer
