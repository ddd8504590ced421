"""The contract suite's options and fixtures: a respx-mocked API for both clients, and the live checks.

Offline, ``wrapper_api(mode)`` builds a :class:`WrapperAPI`: a respx router plus ``Client`` or
``AsyncClient`` wired to it, whose sleeps take no real time.

Live, ``--base-url URL`` (with ``PYANNOTEAI_API_KEY`` in the environment) turns on the tests
marked ``live``: they run against that server and check every response against openapi.yaml.
Without it those tests are deselected, and the ``live_client`` fixture does not even exist. Tests
also marked ``billing`` create billed jobs and run only with ``--allow-billing`` as well.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Iterator
from typing import Any, Literal

import httpx
import pytest
import respx

from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify.errors import ConfigurationError
from pyannoteai_identify.testing import check_response

BASE_URL = "https://api.pyannote.ai"
API_KEY = "contract-test-key-not-real"
Mode = Literal["sync", "async"]


# --- offline: the wrapper against a respx-mocked API --------------------------------------------


class WrapperAPI:
    """A respx router standing in for the API, and a way to call either client against it."""

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.router = respx.Router(assert_all_called=False)
        self.sleeps: list[float] = []
        self._now = 0.0

    @staticmethod
    def url(path: str) -> str:
        """The absolute URL of an API path, for respx routes."""
        return BASE_URL + path

    @property
    def requests(self) -> list[httpx.Request]:
        """Every request the clients sent, in order."""
        return [call.request for call in self.router.calls]

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += seconds

    async def _async_sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def client(self, **options: Any) -> Client | AsyncClient:
        """A client of this mode, talking to the router; sleeps advance a virtual clock."""
        common: dict[str, Any] = {"base_url": BASE_URL, "clock": lambda: self._now, **options}
        if self.mode == "sync":
            return Client(API_KEY, transport=httpx.MockTransport(self.router.handler), sleep=self._sleep, **common)
        return AsyncClient(
            API_KEY, transport=httpx.MockTransport(self.router.async_handler), sleep=self._async_sleep, **common
        )

    async def run(self, method: str, *args: Any, client_options: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Call ``client.<method>(*args, **kwargs)`` on a fresh client of this mode and return its result."""
        client = self.client(**(client_options or {}))
        try:
            result = getattr(client, method)(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            if hasattr(result, "__aiter__"):
                result = [item async for item in result]
            elif method == "jobs":
                result = list(result)
            return result
        finally:
            if isinstance(client, AsyncClient):
                await client.aclose()
            else:
                client.close()

    def bodies(self) -> list[Any]:
        """The JSON bodies of the requests the clients sent to the API, in order."""
        return [
            json.loads(request.content)
            for request in self.requests
            if request.url.host == "api.pyannote.ai" and request.content
        ]


@pytest.fixture(scope="session", params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Each test that takes ``mode`` runs once with ``Client`` and once with ``AsyncClient``."""
    value: Mode = request.param
    return value


@pytest.fixture(scope="session")
def wrapper_api() -> Callable[[Mode], WrapperAPI]:
    """A factory of fresh :class:`WrapperAPI` (session-scoped, so Hypothesis tests can build one per example)."""
    return WrapperAPI


# --- live: options, selection and fixtures ------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyannoteai-identify conformance")
    group.addoption(
        "--base-url",
        default=None,
        help="run the live conformance checks against this API (needs PYANNOTEAI_API_KEY); they bill nothing",
    )
    group.addoption(
        "--allow-billing",
        action="store_true",
        default=False,
        help="with --base-url, also run the live checks that create (and bill) a tiny job",
    )
    group.addoption(
        "--live-timeout",
        type=float,
        default=900.0,
        help="seconds a billing check waits for its job to end (default 900)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: checks against a live server (only with --base-url)")
    config.addinivalue_line("markers", "billing: live checks that create billed jobs (only with --allow-billing)")
    base_url = config.getoption("--base-url")
    if base_url is None:
        if config.getoption("--allow-billing"):
            raise pytest.UsageError("--allow-billing only makes sense with --base-url URL")
        return
    # Read now: the suite's autouse fixture removes the key from the environment of every test.
    api_key = os.environ.get("PYANNOTEAI_API_KEY", "").strip()
    if not api_key:
        raise pytest.UsageError("--base-url needs an API key in the PYANNOTEAI_API_KEY environment variable")
    timeout = config.getoption("--live-timeout")
    if not timeout > 0:
        raise pytest.UsageError("--live-timeout must be a positive number of seconds")
    try:  # the client's own checks (https off loopback, no /v1 suffix…), once, before any test; nothing is sent
        Client(api_key, base_url=base_url).close()
    except ConfigurationError as error:
        raise pytest.UsageError(f"--base-url (with PYANNOTEAI_API_KEY) cannot be used: {error}") from None
    config.pluginmanager.register(LiveConformance(base_url, api_key, timeout), "pyannoteai-live-conformance")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect live tests without --base-url, and billing tests without --allow-billing."""
    live = config.getoption("--base-url") is not None
    billing = live and config.getoption("--allow-billing")
    keep, drop = [], []
    for item in items:
        runs = (live or item.get_closest_marker("live") is None) and (
            billing or item.get_closest_marker("billing") is None
        )
        (keep if runs else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class ExchangeLog:
    """Every response a live client received from the API, checked against openapi.yaml on demand."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def record(self, response: httpx.Response) -> None:
        """httpx response hook: keep the API's responses (the PUT to a presigned URL carries no key)."""
        if "authorization" in response.request.headers:
            response.read()
            self.responses.append(response)

    def problems(self) -> list[str]:
        return [problem for response in self.responses for problem in check_response(response)]

    def assert_conform(self) -> None:
        """Fail with every way the recorded responses break openapi.yaml."""
        assert self.responses, "no response from the API was recorded"
        problems = self.problems()
        assert not problems, "the API drifted from openapi.yaml:\n" + "\n".join(f"- {p}" for p in problems)


class LiveConformance:
    """Fixtures of the live checks, registered only when --base-url is given."""

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"LiveConformance(base_url={self.base_url!r})"

    @pytest.fixture
    def live_exchanges(self) -> ExchangeLog:
        """The responses the test's ``live_client`` received."""
        return ExchangeLog()

    @pytest.fixture
    def live_client(self, live_exchanges: ExchangeLog) -> Iterator[Client]:
        """A ``Client`` for --base-url whose every response lands in ``live_exchanges``."""
        http = httpx.Client(event_hooks={"response": [live_exchanges.record]}, timeout=httpx.Timeout(30.0))
        with http, Client(self._api_key, base_url=self.base_url, http_client=http) as client:
            yield client

    @pytest.fixture
    def live_timeout(self) -> float:
        """Seconds a billing check may wait for its job (--live-timeout)."""
        return self.timeout
