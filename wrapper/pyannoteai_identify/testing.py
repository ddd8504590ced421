"""pytest plugin for teams that use pyannoteai-identify: a mock API, builders and conformance checks.

Registered through the ``pytest11`` entry point, so installing ``pyannoteai-identify[testing]``
makes the fixtures available with no import:

- ``pyannoteai_mock``: a :class:`MockAPI` behind a respx router that intercepts every httpx
  request to ``https://api.pyannote.ai``. It answers each operation of openapi.yaml with
  spec-valid responses (jobs succeed with an identify or voiceprint output after
  ``pending_polls`` polls), validates and records every request, and builds clients whose
  waits take no real time (as do those the code under test builds during the test). A test
  that leaves an answer scripted with ``respond_with`` unused fails at teardown
  (``@pytest.mark.pyannoteai_mock(assert_all_used=False)`` to allow it).
- ``webhook_secret``: a webhook secret, also exported as ``PYANNOTEAI_WEBHOOK_SECRET``.

Builders (``make_job``, ``make_identify_output``, ``make_voiceprint_output``,
``make_diarization_output``, ``make_delivery``, ``signed_delivery``) return plain dicts and bytes
that validate against openapi.yaml, and ``check_response`` says what in a real response breaks it.

This module is imported by every pytest run once the package is installed, so it imports nothing
beyond the package and pytest at import time: respx and jsonschema (the ``testing`` extra) are
imported when a fixture or check first needs them.

Only the plugin's hooks and fixtures are defined here. :class:`MockAPI`, the builders and
``check_response`` are defined in the private ``_mock_*`` modules beside this one (one job each,
none of which imports pytest) and are imported from here: import them from this module.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

try:
    import pytest
except ModuleNotFoundError as missing:  # the plugin is for pytest; the rest of the package needs no pytest
    raise ModuleNotFoundError(
        "pyannoteai_identify.testing is a pytest plugin and pytest is not installed: "
        "pip install 'pyannoteai-identify[testing]'",
        name="pytest",
    ) from missing

# The names the annotations of the classes re-exported below use: each reports this module as its
# own, where typing.get_type_hints (what pydantic and cattrs call) looks those names up.
import contextvars  # noqa: F401
import threading  # noqa: F401
from collections.abc import Mapping  # noqa: F401
from typing import TYPE_CHECKING, Any

from . import _timing
from ._client_options import AsyncClientOptions, ClientOptions
from ._config import API_KEY_ENV, BASE_URL_ENV, WEBHOOK_SECRET_ENV
from ._mock_api import MOCK_API_KEY, MockAPI, Status
from ._mock_builders import (
    _TEST_SECRET,
    FinalStatus,
    make_delivery,
    make_diarization_output,
    make_identify_output,
    make_job,
    make_voiceprint,
    make_voiceprint_output,
    signed_delivery,
)
from ._mock_check import check_response
from ._mock_extra import _need
from ._mock_jobs import _BodyFactory as _BodyFactory
from ._mock_jobs import _Job as _Job
from ._mock_requests import RecordedRequest
from ._mock_routes import OperationId
from ._mock_script import _Canned as _Canned
from .sandbox.pytest_fixture import pytest_configure as _sandbox_configure
from .sandbox.pytest_fixture import running_sandbox, sandbox, sandbox_session

if TYPE_CHECKING:
    import respx
else:  # bound for typing.get_type_hints (MockAPI's router); respx is imported when a hint is resolved
    from ._lazy_module import lazy_module as _lazy_module

    respx = _lazy_module("respx", extra="testing")

__all__ = [
    "MOCK_API_KEY",
    "AsyncClientOptions",
    "ClientOptions",
    "FinalStatus",
    "MockAPI",
    "OperationId",
    "RecordedRequest",
    "Status",
    "check_response",
    "make_delivery",
    "make_diarization_output",
    "make_identify_output",
    "make_job",
    "make_voiceprint",
    "make_voiceprint_output",
    "pyannoteai_mock",
    "pytest_configure",
    "running_sandbox",
    "sandbox",
    "sandbox_session",
    "signed_delivery",
    "webhook_secret",
]


# A class's repr, help(), a pickle and Sphinx name it by its module, and a traceback a function:
# what is public here, though defined in the private _mock_* modules, reports this one.
for _public in (
    AsyncClientOptions,
    ClientOptions,
    MockAPI,
    RecordedRequest,
    check_response,
    make_delivery,
    make_diarization_output,
    make_identify_output,
    make_job,
    make_voiceprint,
    make_voiceprint_output,
    signed_delivery,
):
    _public.__module__ = __name__
del _public

_MARKER = "pyannoteai_mock"
_TEST_FAILED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sandbox`` and ``pyannoteai_mock`` markers."""
    _sandbox_configure(config)
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(assert_all_used=True): options of the pyannoteai_mock fixture; assert_all_used=False "
        "lets a test end with answers scripted by respond_with() unused",
    )


# An old-style wrapper: the entry point loads this plugin in every pytest run where the package is
# installed, also beside pytest 7 and pluggy 1.0 (without the testing extra), which lack `wrapper=True`.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Note a test that did not pass (it failed, skipped itself or xfailed), so that the fixture's
    teardown check does not report a test that never ran to its end, or report it a second time."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.passed and call.when in ("setup", "call"):
        item.stash[_TEST_FAILED] = True


@pytest.fixture
def pyannoteai_mock(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[MockAPI]:
    """A :class:`MockAPI` that every httpx client in the test reaches (through respx).

    ``PYANNOTEAI_API_KEY`` is set to the mock's key and ``PYANNOTEAI_BASE_URL`` removed, so a
    ``Client()`` built by the code under test talks to the mock. Until the test ends, a ``Client``,
    ``AsyncClient`` or batch ``RateLimiter`` built with no ``clock=`` and no sleep of its own waits
    on the mock's virtual clock (see :class:`MockAPI`), as those of :meth:`MockAPI.client` do; one
    given its own keeps it, and one built before the test (or after it) waits in real time, as one
    built during the test and kept after it (a cached client) does from the test's end (reading a
    server's dates on this machine's clock then, too).
    A request to any other host
    fails the test unless another respx router (``respx_mock``) or a pass-through route on
    ``pyannoteai_mock.router`` takes it.

    A test that passed but left an answer scripted with :meth:`MockAPI.respond_with` unused
    errors at teardown (:meth:`MockAPI.assert_all_used`), unless it is marked
    ``@pytest.mark.pyannoteai_mock(assert_all_used=False)``.
    """
    marker = request.node.get_closest_marker(_MARKER)
    options = dict(marker.kwargs) if marker is not None else {}
    check_all_used = options.pop("assert_all_used", True)
    if marker is not None and (marker.args or options):
        pytest.fail(
            f"@pytest.mark.{_MARKER} takes only assert_all_used=True/False, not "
            f"{', '.join([*map(repr, marker.args), *(f'{name}=' for name in options)])}",
            pytrace=False,
        )
    try:
        _need("respx")
        _need("jsonschema")
    except ModuleNotFoundError as error:
        pytest.fail(f"the pyannoteai_mock fixture cannot run: {error}", pytrace=False)
    import respx

    api = MockAPI()
    monkeypatch.setenv(API_KEY_ENV, api.api_key)
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    router = respx.MockRouter(assert_all_called=False)
    router.route(url__startswith=api.base_url + "/").mock(side_effect=api.handle)
    router.route(method="PUT", url__startswith=api.storage_url + "/").mock(side_effect=api.handle)
    api.router = router
    # Clients and rate limiters the code under test builds without a clock or sleep of their own wait
    # on the mock's virtual clock, as those of api.client() do; teardown gives real time back.
    with router, _timing.installed(_timing.Timing(api._clock, api._sleep, api._async_sleep, api._wall_clock)):
        yield api
    if check_all_used and not request.node.stash.get(_TEST_FAILED, False):
        api.assert_all_used()


@pytest.fixture
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """A webhook secret, also exported as PYANNOTEAI_WEBHOOK_SECRET for the code under test."""
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, _TEST_SECRET)
    return _TEST_SECRET
