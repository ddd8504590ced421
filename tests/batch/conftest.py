"""Fixtures for the batch tests: a sandbox where jobs end within milliseconds and the limit is wide, and
a guard that fails a run on the mock's virtual clock as soon as it sleeps for real."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
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


#: A real sleep longer than this is a wait that bypassed the mock's clock (a checkpoint is 0 s).
REAL_SLEEP_ALLOWED = 0.05


@pytest.fixture
def real_sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every real sleep longer than a blink fails the run at once (the batch raises the error) and is listed."""
    seen: list[float] = []
    real_time_sleep, real_anyio_sleep = time.sleep, anyio.sleep

    def check(seconds: float) -> None:
        if seconds > REAL_SLEEP_ALLOWED:
            seen.append(seconds)
            raise AssertionError(f"a real sleep of {seconds} s under the mock's virtual clock")

    def patched_time_sleep(seconds: float) -> None:
        check(seconds)
        real_time_sleep(seconds)

    async def patched_anyio_sleep(seconds: float, *args: Any, **kwargs: Any) -> Any:
        check(seconds)
        return await real_anyio_sleep(seconds, *args, **kwargs)

    monkeypatch.setattr(time, "sleep", patched_time_sleep)
    monkeypatch.setattr(anyio, "sleep", patched_anyio_sleep)
    yield seen
