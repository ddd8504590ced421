"""The ``sandbox`` pytest fixture: a running :class:`Sandbox`, fast enough for unit tests.

One server serves the whole session and is reset before each test (uploads, jobs, counters,
faults and rate-limit windows are forgotten), so tests are isolated without paying for a server
start and stop each. Timings are compressed (``speed=100``: a job ends 50 ms after submission,
webhook retries come after 0 s, 0.6 s and 3 s). A test that needs other options gets a server of
its own, e.g. ``@pytest.mark.sandbox(rate_limit=3)``; the options are :class:`Sandbox` arguments.

Importing this module imports neither starlette nor uvicorn: a plugin can expose the fixtures
to every test session, and only a test that uses them needs the ``sandbox`` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from .._lazy_module import lazy_module

if TYPE_CHECKING:
    from . import _server
else:  # bound for typing.get_type_hints; the sandbox extra (starlette, uvicorn) is imported when a hint is resolved
    _server = lazy_module("pyannoteai_identify.sandbox._server", extra="sandbox")

__all__ = ["FIXTURE_DEFAULTS", "pytest_configure", "running_sandbox", "sandbox", "sandbox_session"]

FIXTURE_DEFAULTS: dict[str, Any] = {"speed": 100.0}


@contextmanager
def running_sandbox(**options: Any) -> Iterator[_server.Sandbox]:
    """A started :class:`Sandbox` with the fixture's fast defaults, closed on exit."""
    from . import Sandbox

    with Sandbox(**{**FIXTURE_DEFAULTS, **options}) as running:
        yield running


def _started(**options: Any) -> Any:
    """:func:`running_sandbox`, or a clear test failure when the ``sandbox`` extra is missing."""
    try:
        from . import Sandbox  # noqa: F401  (imports starlette and uvicorn)
    except ModuleNotFoundError as error:
        pytest.fail(f"the sandbox fixture cannot run: {error}", pytrace=False)
    return running_sandbox(**options)


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[_server.Sandbox]:
    """The session's shared sandbox (prefer ``sandbox``, which also resets it)."""
    with _started() as running:
        yield running


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[_server.Sandbox]:
    """A running sandbox, empty at the start of the test; ``@pytest.mark.sandbox(**options)`` for options."""
    marker = request.node.get_closest_marker("sandbox")
    if marker is not None and marker.kwargs:
        with _started(**marker.kwargs) as running:
            yield running
        return
    shared: _server.Sandbox = request.getfixturevalue("sandbox_session")
    shared.reset()
    yield shared


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sandbox`` marker."""
    config.addinivalue_line("markers", "sandbox(**options): Sandbox arguments for the sandbox fixture")
