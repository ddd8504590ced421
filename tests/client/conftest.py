"""Fixtures of the client tests: every test runs once with ``Client`` and once with ``AsyncClient``.

Requests go to a ``respx.Router`` behind ``httpx.MockTransport``; nothing reaches a network. Both
clients get the same fake clock and a recording sleep, so no test ever waits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from clientkit import API_KEY, BASE_URL, Api, FakeTime, MakeApi, MakeTransport

from pyannoteai_identify import AsyncClient, Client


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Which client the test drives: ``Client`` or ``AsyncClient``."""
    param: str = request.param
    return param


@pytest.fixture
def router() -> respx.Router:
    """The fake API; a request no route matches fails the test."""
    return respx.Router(base_url=BASE_URL, assert_all_called=False, assert_all_mocked=True)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_transport(mode: str, router: respx.Router) -> MakeTransport:
    """A mock transport of the flavour the client needs (sync or async handler), of class *cls*."""

    def make(cls: type[httpx.MockTransport] = httpx.MockTransport) -> httpx.MockTransport:
        return cls(router.async_handler if mode == "async" else router.handler)

    return make


@pytest.fixture
async def make_api(mode: str, make_transport: MakeTransport, fake_time: FakeTime) -> AsyncIterator[MakeApi]:
    """Build a client of the test's flavour; defaults: the fake key, the mock transport, fake time."""
    made: list[Api] = []

    def make(**kwargs: Any) -> Api:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("clock", fake_time.clock)
        if "http_client" not in kwargs:
            kwargs.setdefault("transport", make_transport())
        client: Client | AsyncClient
        if mode == "async":
            kwargs.setdefault("sleep", fake_time.async_sleep)
            client = AsyncClient(**kwargs)
        else:
            kwargs.setdefault("sleep", fake_time.sleep)
            client = Client(**kwargs)
        api = Api(client)
        made.append(api)
        return api

    yield make
    for api in made:
        await api.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """A client with default settings, sync or async."""
    return make_api()
