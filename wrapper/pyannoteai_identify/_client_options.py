"""The keyword arguments of ``Client`` and ``AsyncClient`` as TypedDicts, for ``**kwargs: Unpack[...]``.

``MockAPI.client``/``async_client`` pass their keywords on to the client: typed this way a misspelt
keyword or a wrong type is a type error there, as it is to the client itself. Written out (a type
cannot be derived): tests/contract/test_wrapper_testing_plugin.py checks that each lists the
client's keywords, with the client's annotations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypedDict

import httpx

from ._polling import PollSchedule
from ._retry import RetryPolicy

__all__ = ["AsyncClientOptions", "ClientOptions"]


class ClientOptions(TypedDict, total=False):
    """The keyword arguments of ``Client(...)``; each may be left out."""

    api_key: str | None
    base_url: str | httpx.URL | None
    timeout: float | httpx.Timeout | None
    max_retries: int | None
    http_client: httpx.Client | None
    transport: httpx.BaseTransport | None
    retry_policy: RetryPolicy | None
    poll_schedule: PollSchedule | None
    clock: Callable[[], float] | None
    sleep: Callable[[float], None] | None
    wall: Callable[[], float] | None
    app_info: str | None


class AsyncClientOptions(TypedDict, total=False):
    """The keyword arguments of ``AsyncClient(...)``; each may be left out."""

    api_key: str | None
    base_url: str | httpx.URL | None
    timeout: float | httpx.Timeout | None
    max_retries: int | None
    http_client: httpx.AsyncClient | None
    transport: httpx.AsyncBaseTransport | None
    retry_policy: RetryPolicy | None
    poll_schedule: PollSchedule | None
    clock: Callable[[], float] | None
    sleep: Callable[[float], Awaitable[None]] | None
    wall: Callable[[], float] | None
    app_info: str | None
