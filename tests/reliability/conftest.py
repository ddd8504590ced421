"""Fixtures of the reliability tests: the sandbox over loopback behind a fault layer, both clients, log checks.

One sandbox serves the session (reset before each test) with distinctive credentials, behind a
``Chaos`` layer served by uvicorn on 127.0.0.1, so every request crosses a real socket. Each test
runs once with ``Client`` and once with ``AsyncClient``; their sleeps move the sandbox's clock, so
nothing waits in real time. Every test also proves that no log record, and no exception a
client raised, shows the API key or the webhook secret.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from reliabilitykit import (
    API_KEY,
    DEMO_MEDIA,
    WEBHOOK_SECRET,
    Api,
    Chaos,
    HideLostAnswers,
    MakeApi,
    SimTime,
    leaks,
    log_texts,
)

from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify._background_server import BackgroundServer
from pyannoteai_identify.sandbox import Sandbox, demo_audio


@pytest.fixture(scope="session")
def _demo_wav() -> bytes:
    return demo_audio()


@pytest.fixture(scope="session")
def _served() -> Iterator[tuple[Sandbox, Chaos, str]]:
    sandbox = Sandbox(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, queue_seconds=1.0, job_seconds=4.0)
    chaos = Chaos(sandbox.app)
    with BackgroundServer(chaos, name="reliability-sandbox", log_filter=HideLostAnswers()) as server:
        assert server.base_url is not None
        try:
            yield sandbox, chaos, server.base_url
        finally:
            sandbox.close()


@pytest.fixture
def sandbox(_served: tuple[Sandbox, Chaos, str], _demo_wav: bytes) -> Sandbox:
    """The running sandbox, emptied, with the demo conversation stored as ``DEMO_MEDIA``."""
    sandbox, chaos, _ = _served
    sandbox.reset()
    chaos.clear()
    sandbox.state.put_media(DEMO_MEDIA.removeprefix("media://"), _demo_wav)
    return sandbox


@pytest.fixture
def chaos(_served: tuple[Sandbox, Chaos, str], sandbox: Sandbox) -> Chaos:
    """The fault layer in front of the sandbox (no rules at the start of a test)."""
    return _served[1]


@pytest.fixture
def base_url(_served: tuple[Sandbox, Chaos, str]) -> str:
    return _served[2]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Which client the test drives."""
    param: str = request.param
    return param


@pytest.fixture
def sim_time(sandbox: Sandbox) -> SimTime:
    return SimTime(sandbox)


@pytest.fixture
async def make_api(mode: str, base_url: str, sim_time: SimTime) -> AsyncIterator[MakeApi]:
    """Build a client of the test's flavour against the sandbox, on the sandbox's clock."""
    made: list[Api] = []

    def make(**kwargs: Any) -> Api:
        kwargs.setdefault("base_url", base_url)
        kwargs.setdefault("clock", sim_time.clock)
        if mode == "async":
            kwargs.setdefault("sleep", sim_time.async_sleep)
            api = Api(AsyncClient(API_KEY, **kwargs))
        else:
            kwargs.setdefault("sleep", sim_time.sleep)
            api = Api(Client(API_KEY, **kwargs))
        made.append(api)
        return api

    yield make
    for api in made:
        await api.close()
    texts = [text for api in made for error in api.errors for text in (str(error), repr(error), repr(vars(error)))]
    assert not leaks(texts), f"an exception shows a secret: {leaks(texts)}"


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """A client with default settings, sync or async."""
    return make_api()


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every log record of the test, at every level and from every logger, is free of secrets."""
    caplog.set_level(logging.DEBUG)
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    found = leaks(log_texts(records))
    assert not found, f"a log record shows a secret: {found}"
