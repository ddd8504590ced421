"""The batch's sleep for a simulated client: a client given a clock and a sleep of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.lowlevel

from .._client import AsyncClient, Client

__all__ = ["simulated_sleep"]


def simulated_sleep(client: Client | AsyncClient) -> Callable[[float], Awaitable[None]] | None:
    """The client's own sleep, as a coroutine, when the client was given a clock and a sleep of its
    own (a simulation, such as ``MockAPI.client()`` of the testing plugin): the batch then waits on
    that clock as ``Client.wait`` does. None for a client on real time, whose batch sleeps for real."""
    if not client._ctx.simulated:
        return None
    if isinstance(client, AsyncClient):
        return client._sleep
    sleep = client._sleep
    if sleep is None:  # pragma: no cover - a simulated Client has both a clock and a sleep
        return None

    async def wait(seconds: float) -> None:
        sleep(seconds)  # a simulation's sleep moves its clock and returns at once
        await anyio.lowlevel.checkpoint()  # as a real sleep, it lets the other tasks run

    return wait
