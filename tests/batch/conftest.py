"""Fixtures for the batch tests: a sandbox where jobs end within milliseconds and the limit is wide."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.sandbox.pytest_fixture import running_sandbox

#: Jobs end 5 ms after submission; the rate limit is high enough never to bind, but its headers are sent.
BATCH_SANDBOX = {"speed": 1000.0, "rate_limit": 100_000}


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running sandbox; ``@pytest.mark.sandbox(**options)`` overrides the batch defaults."""
    marker = request.node.get_closest_marker("sandbox")
    with running_sandbox(**{**BATCH_SANDBOX, **(marker.kwargs if marker else {})}) as running:
        yield running


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**options): Sandbox arguments for the sandbox fixture")
