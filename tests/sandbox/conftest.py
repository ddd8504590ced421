"""Fixtures for the sandbox tests: a running sandbox on a frozen clock, a client that checks every
answer against the contract, and a webhook receiver.

``sandbox`` follows the package's own fixture (``pyannoteai_identify.sandbox.pytest_fixture``):
one shared server, reset before each test, or a server of the test's own when it has a
``@pytest.mark.sandbox(...)`` marker. The one change: the clock moves only when a test advances
it, so every timing is exact (``real_time=True`` in the marker keeps the real clock).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandboxkit import TLS, Receiver, checked_client

from pyannoteai_identify.sandbox import Clock, Sandbox
from pyannoteai_identify.sandbox.pytest_fixture import pytest_configure, running_sandbox

__all__ = ["anonymous", "client", "pytest_configure", "raw_client", "receiver", "sandbox"]


def _frozen_clock() -> Clock:
    return Clock(monotonic=lambda: 1_000.0, wall=lambda: 1_800_000_000.0)


@pytest.fixture(scope="session")
def _shared_sandbox() -> Iterator[Sandbox]:
    with running_sandbox(clock=_frozen_clock()) as running:
        yield running


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running, empty sandbox on a frozen clock (options from ``@pytest.mark.sandbox``).

    Without options, the session's shared sandbox, reset; with any (``own=True`` alone for the
    defaults), one of the test's own, for tests that need state ``reset()`` leaves alone, such as an
    idle job runner (jobs of earlier tests may still be deciding their outcome).
    """
    marker = request.node.get_closest_marker("sandbox")
    if marker is None or not marker.kwargs:
        shared: Sandbox = request.getfixturevalue("_shared_sandbox")
        shared.reset()
        yield shared
        return
    options = dict(marker.kwargs)
    options.pop("own", None)  # own=True: a sandbox of the test's own, with default settings
    if not options.pop("real_time", False):
        options.setdefault("clock", _frozen_clock())
    with running_sandbox(**options) as running:
        yield running


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated client of the sandbox that checks every response against the contract."""
    with checked_client(sandbox) as http:
        yield http


@pytest.fixture
def anonymous(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client of the sandbox without a key (as for presigned PUTs), checked against the contract."""
    with checked_client(sandbox, authorized=False) as http:
        yield http


@pytest.fixture
def raw_client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated client that checks nothing, for faults that break the contract on purpose."""
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10, verify=TLS) as http:
        yield http


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1, shut down after the test."""
    server = Receiver()
    yield server
    server.close()
