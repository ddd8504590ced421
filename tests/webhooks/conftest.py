"""Fixtures for the webhook tests: a real HTTP server on 127.0.0.1 for ASGI apps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pyannoteai_identify._background_server import BackgroundServer


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Serve ASGI apps with uvicorn on 127.0.0.1 in a thread; each is shut down when the test ends."""
    running: list[BackgroundServer] = []

    def start(app: Any) -> str:
        server = BackgroundServer(app, name="webhook-test-server").start()
        running.append(server)
        assert server.base_url is not None
        return server.base_url

    yield start
    for server in running:
        server.close()
