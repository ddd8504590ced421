"""Suite-wide settings: Hypothesis profiles, the async backend, and an environment free of real keys."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# `dev` keeps local runs quick; `ci` (selected by nox in CI) runs more examples, reproducibly.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# `lowest` (nox -s lowest) is `ci` with dev's number of examples: that run checks the oldest declared
# versions of the requirements, not more inputs, and must fit in CI's time beside the full suite.
settings.register_profile("lowest", parent=settings.get_profile("ci"), max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's real key, base URL or webhook secret from the environment."""
    for name in ("PYANNOTEAI_API_KEY", "PYANNOTEAI_BASE_URL", "PYANNOTEAI_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)


# --- nothing leaves the machine ---------------------------------------------------------------

_off_the_machine: list[str] = []


def _loopback(host: object) -> bool:
    """An address the tests may reach: a loopback IP, ``localhost``, or no host at all (a Unix socket)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def _loopback_only() -> Iterator[None]:
    """Refuse, and record, any connection or DNS lookup beyond 127.0.0.1 made in this process: a
    regression that would reach the internet (a webhook to example.com, the real API) fails its test
    here instead of sending a request, on a machine that has a network."""
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and not _loopback(address[0]):
            _off_the_machine.append(f"connect to {address!r}")
            raise ConnectionRefusedError(f"tests reach loopback only, not {address!r}")
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if isinstance(address, tuple) and not _loopback(address[0]):
            _off_the_machine.append(f"connect to {address!r}")
            raise ConnectionRefusedError(f"tests reach loopback only, not {address!r}")
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            _off_the_machine.append(f"address lookup of {host!r}")
            raise socket.gaierror(f"tests reach loopback only, no address lookup of {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fail_a_test_that_reached_off_the_machine() -> Iterator[None]:
    before = len(_off_the_machine)
    yield
    reached = _off_the_machine[before:]
    if reached:
        pytest.fail(f"this test tried to leave the machine: {'; '.join(reached)}", pytrace=False)
