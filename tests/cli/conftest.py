"""Fixtures for the CLI tests: a fast shared sandbox with distinctive credentials, the environment a
user would set, synthesised audio, and a terminal-free rich.

``sandbox`` is one server for the session, reset before each test (jobs end about 50 ms after
submission; the rate limit is high enough never to bind, but its headers are sent);
``@pytest.mark.sandbox(**options)`` gives a test a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clikit import API_KEY, WEBHOOK_SECRET, Audio, write_audio

from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.sandbox.pytest_fixture import running_sandbox

SANDBOX_OPTIONS = {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET, "speed": 100.0, "rate_limit": 100_000}

#: Variables through which a CI runner or a developer's shell could change how rich draws.
_RICH_ENV = ("FORCE_COLOR", "FORCE_TERMINAL", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**options): Sandbox arguments for the sandbox fixture")


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output as in a pipe: no forced terminal, colours or width from the environment."""
    for name in _RICH_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _shared_sandbox() -> Iterator[Sandbox]:
    with running_sandbox(**SANDBOX_OPTIONS) as running:
        yield running


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running, empty sandbox (the shared one, or one with the test's ``@pytest.mark.sandbox`` options)."""
    marker = request.node.get_closest_marker("sandbox")
    if marker is not None and marker.kwargs:
        with running_sandbox(**{**SANDBOX_OPTIONS, **marker.kwargs}) as running:
            yield running
        return
    shared: Sandbox = request.getfixturevalue("_shared_sandbox")
    shared.reset()
    yield shared


@pytest.fixture
def env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox's key and URL in the environment, as a user would set them."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", sandbox.base_url)
    return sandbox


@pytest.fixture(scope="session")
def audio(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    """The demo meeting (Alice and Bob, see ``DEMO_TURNS``) and what enrolls each speaker."""
    return write_audio(tmp_path_factory.mktemp("cli-audio"))
