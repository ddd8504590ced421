"""The ``sandbox`` pytest fixture: a running :class:`Sandbox`, fast enough for unit tests.

Timings are compressed (``speed=100``: a job ends 50 ms after submission, webhook retries come
after 0 s, 0.6 s and 3 s) and the server stops after the test. Options for one test go in a
marker, e.g. ``@pytest.mark.sandbox(rate_limit=3)``; they are :class:`Sandbox` arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ._server import Sandbox

__all__ = ["FIXTURE_DEFAULTS", "pytest_configure", "running_sandbox", "sandbox"]

FIXTURE_DEFAULTS: dict[str, Any] = {"speed": 100.0}


@contextmanager
def running_sandbox(**options: Any) -> Iterator[Sandbox]:
    """A started :class:`Sandbox` with the fixture's fast defaults, closed on exit."""
    with Sandbox(**{**FIXTURE_DEFAULTS, **options}) as running:
        yield running


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running sandbox; ``@pytest.mark.sandbox(**options)`` passes options to :class:`Sandbox`."""
    marker = request.node.get_closest_marker("sandbox")
    with running_sandbox(**(marker.kwargs if marker else {})) as running:
        yield running


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sandbox`` marker."""
    config.addinivalue_line("markers", "sandbox(**options): Sandbox arguments for the sandbox fixture")
