"""Client construction: twin signatures, context managers, one pooled httpx client, settings and key safety."""

from __future__ import annotations

import contextlib
import gc
import http.server
import inspect
import io
import json
import os
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import httpx
import pytest
import respx
from clientkit import (
    API_KEY,
    BASE_URL,
    Api,
    ClosingTransport,
    MakeApi,
    MakeTransport,
    close_http_client,
    count_http_clients,
    own_http_client,
)

from pyannoteai_identify import APIError, AsyncClient, Client, ConfigurationError
from tests.forkkit import fork_while_held

pytestmark = pytest.mark.anyio

TEST_BODY = {"status": "OK", "message": "Test connection successful"}


def _public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, callable) if not name.startswith("_")}


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_client_and_async_client_offer_the_same_methods_with_the_same_parameters() -> None:
    """Every public method exists on both clients with identical parameter names, kinds and defaults."""
    sync_methods = _public_methods(Client) - {"close"}
    async_methods = _public_methods(AsyncClient) - {"aclose"}
    assert sync_methods == async_methods
    expected = {"identify", "upload", "create_voiceprint", "get_job", "jobs", "wait", "test", "with_options"}
    assert expected <= sync_methods
    for name in sorted(sync_methods | {"__init__"}):
        assert _parameters(getattr(Client, name)) == _parameters(getattr(AsyncClient, name)), name
    for name in sorted(sync_methods):  # __init__ differs on purpose: httpx.Client vs httpx.AsyncClient, sleep
        sync_types = [p.annotation for p in inspect.signature(getattr(Client, name)).parameters.values()]
        async_types = [p.annotation for p in inspect.signature(getattr(AsyncClient, name)).parameters.values()]
        assert sync_types == async_types, name
    for name in sorted(async_methods - {"jobs", "job_pages", "with_options"}):  # async iterators, and a client
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name)), name
    assert not inspect.iscoroutinefunction(AsyncClient.with_options)  # it sends nothing: a client, not a coroutine


def test_every_async_method_documents_what_its_sync_twin_does() -> None:
    """help(AsyncClient.x) shows the whole text of Client.x (Args, Raises), not a one-line pointer."""
    for name in sorted(_public_methods(Client) - {"close"}):
        sync_doc, async_doc = getattr(Client, name).__doc__, getattr(AsyncClient, name).__doc__
        assert sync_doc is not None and async_doc is not None, name
        assert "Raises:" in sync_doc or name == "identify_batch", name
        assert async_doc.startswith(sync_doc.rstrip()), name


async def test_context_manager_closes_the_http_client_it_created(mode: str, make_api: MakeApi) -> None:
    """Leaving the (async) with block closes the client's own connection pool."""
    transport = ClosingTransport(lambda request: httpx.Response(200, json=TEST_BODY))
    api = make_api(transport=transport)
    async with api.session() as client:
        assert client is api.client
        assert transport.closed == []
    assert transport.closed == (["aclose"] if mode == "async" else ["close"])


async def test_a_closed_client_refuses_calls_with_an_sdk_error_and_sends_nothing(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """After close, a call raises ConfigurationError saying so (not httpx's bare RuntimeError), also
    for a client whose httpx client was passed in and is still open; entering it again is refused."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    injected = own_http_client(mode, router)
    for api in (make_api(), make_api(http_client=injected)):
        async with api.session():
            await api.test()
        with pytest.raises(ConfigurationError, match="is closed: create a new one"):
            await api.test()
        with pytest.raises(ConfigurationError, match="is closed"):
            async with api.session():
                pass
    assert route.call_count == 2
    assert not injected.is_closed
    await close_http_client(injected)


async def test_the_readme_says_that_closing_the_client_closes_a_transport_passed_to_it() -> None:
    """README said that an ``http_client`` stays the caller's to close, "close() ... close only a pool the
    client built itself", right after naming ``transport`` beside it: a caller's transport read as
    left open too, as the fork paragraph calls it yours. The client builds its own httpx client on a
    transport and closing it closes that transport (as httpx's own ``Client.close()`` does), sync and
    async: README says so beside the sentence on ``http_client``."""

    class SyncTransport(httpx.MockTransport):
        closed = False

        def close(self) -> None:
            SyncTransport.closed = True

    class AsyncTransport(httpx.MockTransport):
        closed = False

        async def aclose(self) -> None:
            AsyncTransport.closed = True

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=TEST_BODY)

    with Client(api_key="k" * 40, base_url="http://127.0.0.1:9", transport=SyncTransport(answer)):
        pass
    async with AsyncClient(api_key="k" * 40, base_url="http://127.0.0.1:9", transport=AsyncTransport(answer)):
        pass
    assert SyncTransport.closed and AsyncTransport.closed

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    start = readme.index("It stays yours to close")
    paragraph = readme[start : readme.index("API requests name the SDK", start)]
    assert "a `transport` you pass is closed with the client" in paragraph, paragraph


async def test_entering_a_client_already_open_in_a_with_block_is_refused_and_the_outer_block_keeps_it(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """A nested ``with client:`` on a client already entered: the inner block's exit closed it, so the
    outer block's next call failed ("is closed"). As httpx refuses a second ``__enter__``, the SDK
    refuses it with ConfigurationError naming the problem, and the client stays open for the outer block."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    api = make_api()
    async with api.session():
        with pytest.raises(ConfigurationError, match="already open in a 'with' block"):
            async with api.session():
                pass
        await api.test()  # the outer block's client is still open
    with pytest.raises(ConfigurationError, match="is closed: create a new one"):
        await api.test()
    assert route.call_count == 1


def _client_checked_at_a_barrier(cls: type[Client] | type[AsyncClient]) -> Client | AsyncClient:
    """A client whose nested-``with`` check reads ``_entered``, then waits for a second thread to read it
    too (at most 2 s: with the check under a lock, the second thread waits for the first to set it)."""
    barrier = threading.Barrier(2, timeout=2)

    class Checked(cls):  # type: ignore[valid-type,misc]
        @property
        def _entered(self) -> bool:
            entered = bool(self.__dict__.get("_entered_value", False))
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            return entered

        @_entered.setter
        def _entered(self, value: bool) -> None:
            self.__dict__["_entered_value"] = value

    return Checked(API_KEY, base_url=BASE_URL)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_two_threads_entering_one_client_at_once_let_only_one_in(cls: type[Client] | type[AsyncClient]) -> None:
    """``with client:`` in two threads at the same instant: both read ``_entered`` before either set it,
    so both entered and the first block's end closed the client under the other. The check and the
    set are one step under the client's lock: one thread enters, the other gets ConfigurationError."""
    client = _client_checked_at_a_barrier(cls)
    outcomes: list[str] = []

    def enter() -> None:
        try:
            if isinstance(client, AsyncClient):
                anyio.run(client.__aenter__)
            else:
                client.__enter__()
        except ConfigurationError as error:
            outcomes.append(f"refused: {error}")
        else:
            outcomes.append("entered")

    threads = [threading.Thread(target=enter) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(outcomes)[0] == "entered" and sorted(outcomes)[1].startswith("refused: "), outcomes
    assert "already open in a 'with' block" in sorted(outcomes)[1]
    if isinstance(client, AsyncClient):
        anyio.run(client.aclose)
    else:
        client.close()


@pytest.mark.parametrize(
    ("cls", "argument"),
    [
        (Client, ("http_client", httpx.AsyncClient)),
        (AsyncClient, ("http_client", httpx.Client)),
        (Client, ("transport", httpx.AsyncHTTPTransport)),
        (AsyncClient, ("transport", httpx.HTTPTransport)),
    ],
    ids=[
        "sync-client-async-http",
        "async-client-sync-http",
        "sync-client-async-transport",
        "async-client-sync-transport",
    ],
)
def test_an_http_client_or_transport_of_the_other_kind_is_refused_at_construction(
    cls: type, argument: tuple[str, type]
) -> None:
    """A sync httpx client in an AsyncClient would block the event loop before failing: refused up front."""
    name, make = argument
    with pytest.raises(ConfigurationError, match=f"{name} must be an httpx"):
        cls(API_KEY, base_url=BASE_URL, **{name: make()})


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_http_client_and_transport_together_are_refused(cls: type) -> None:
    """The transport would be silently ignored (the http_client has its own): say so instead."""
    http = httpx.AsyncClient() if cls is AsyncClient else httpx.Client()
    with pytest.raises(ConfigurationError, match="http_client or transport, not both"):
        cls(API_KEY, base_url=BASE_URL, http_client=http, transport=httpx.MockTransport(lambda r: httpx.Response(200)))


async def test_one_pooled_http_client_serves_every_request(
    mode: str, make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client creates exactly one httpx client and sends all its requests through it."""
    created = count_http_clients(mode, monkeypatch)
    router.get("/v1/test").respond(200, json=TEST_BODY)
    api = make_api()
    for _ in range(3):
        await api.test()
    assert len(created) == 1
    assert router.calls.call_count == 3


async def test_an_injected_http_client_is_used_and_left_open(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """A caller's httpx client carries the requests and is not closed by the SDK client."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    http = own_http_client(mode, router)
    api = make_api(http_client=http)
    async with api.session():
        status = await api.test()
    assert (status.status, status.message) == ("OK", "Test connection successful")
    assert route.call_count == 1
    assert not http.is_closed
    await close_http_client(http)


async def test_the_headers_of_a_callers_http_client_go_with_each_api_request_but_not_to_storage(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """``http_client=httpx.Client(headers={...})`` (a gateway's tenant header, a trace id) had its
    headers dropped: requests were built apart from the httpx client and sent with ``send()``, which
    adds none of them, httpx's own ``Accept-Encoding`` included. They now go with every API request,
    under the SDK's own (the key, the User-Agent and Accept win); the PUT to the presigned storage
    URL, another host, gets none of them."""
    test = router.get("/v1/test").respond(200, json=TEST_BODY)
    media = router.post("/v1/media/input").respond(201, json={"url": "https://storage.example/a.wav?X-Amz-Signature=s"})
    put = router.put("https://storage.example/a.wav").respond(200)
    http = own_http_client(mode, router)
    http.headers.update({"X-Tenant": "team-7", "Authorization": "Bearer gateway", "User-Agent": "theirs"})
    api = make_api(http_client=http)
    async with api.session():
        await api.test()
        await api.upload(io.BytesIO(b"RIFF" * 10), "a.wav")
    for route in (test, media):
        sent = route.calls.last.request.headers
        assert sent["X-Tenant"] == "team-7"
        assert sent["Accept-Encoding"] == http.headers["Accept-Encoding"]
        assert sent["Authorization"] == f"Bearer {API_KEY}"
        assert sent["User-Agent"].startswith("pyannoteai-identify/") and sent["Accept"] == "application/json"
    stored = put.calls.last.request.headers
    assert "X-Tenant" not in stored and "Authorization" not in stored
    await http.aclose() if isinstance(http, httpx.AsyncClient) else http.close()


async def test_the_auth_of_a_callers_http_client_never_replaces_the_key_nor_goes_to_storage(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """``http_client=httpx.Client(auth=...)`` (a corporate gateway's credentials): ``send()`` applies
    the client's auth to every request it sends, so its ``Authorization: Basic ...`` took the place
    of the API key on each API request, and went, with the caller's credentials, to the presigned
    storage host too. The key must be what the API gets; storage gets no Authorization at all."""
    test = router.get("/v1/test").respond(200, json=TEST_BODY)
    media = router.post("/v1/media/input").respond(201, json={"url": "https://storage.example/a.wav?X-Amz-Signature=s"})
    put = router.put("https://storage.example/a.wav").respond(200)
    http = own_http_client(mode, router)
    http.auth = ("gateway-user", "gateway-password")
    api = make_api(http_client=http)
    async with api.session():
        await api.test()
        await api.upload(io.BytesIO(b"RIFF" * 10), "a.wav")
    for route in (test, media):
        assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "Authorization" not in put.calls.last.request.headers
    await http.aclose() if isinstance(http, httpx.AsyncClient) else http.close()


async def test_a_callers_http_client_headers_go_as_build_request_sends_them_each_value_and_its_name(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """The headers of a caller's http_client go with an API request as ``httpx.Client.build_request``
    would send them: a header given twice (two ``X-Forwarded-For`` hops) as its two values, not
    folded into one ``a, b`` value, and each name as the caller spelled it, not lowercased."""
    test = router.get("/v1/test").respond(200, json=TEST_BODY)
    http = own_http_client(mode, router)
    http.headers = httpx.Headers([("X-Hop", "a"), ("X-Hop", "b"), ("X-Tenant-Id", "team-7")])
    api = make_api(http_client=http)
    async with api.session():
        await api.test()
    raw = test.calls.last.request.headers.raw
    assert [value for name, value in raw if name == b"X-Hop"] == [b"a", b"b"], raw
    assert (b"X-Tenant-Id", b"team-7") in raw, raw
    await http.aclose() if isinstance(http, httpx.AsyncClient) else http.close()


async def test_a_json_body_goes_as_application_json_whatever_content_type_a_callers_http_client_sets(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """``httpx.Client.build_request`` lets a client's default ``Content-Type`` (set for another API
    of the caller's) win over the one the JSON body implies. The SDK's JSON bodies must go as
    ``application/json`` whatever the caller's defaults say, the caller's other headers with them."""
    media = router.post("/v1/media/input").respond(201, json={"url": "https://storage.example/a.wav?X-Amz-Signature=s"})
    router.put("https://storage.example/a.wav").respond(200)
    identify = router.post("/v1/identify").respond(200, json={"jobId": "j1", "status": "created"})
    voiceprint = router.post("/v1/voiceprint").respond(200, json={"jobId": "j2", "status": "created"})
    http = own_http_client(mode, router)
    http.headers.update({"Content-Type": "text/plain; charset=latin-1", "X-Tenant": "team-7"})
    api = make_api(http_client=http)
    async with api.session():
        await api.upload(io.BytesIO(b"RIFF" * 10), "a.wav")
        await api.identify("https://files.example.com/a.wav", {"John": "vp"})
        await api.submit_voiceprint("https://files.example.com/a.wav")
    for route in (media, identify, voiceprint):
        sent = route.calls.last.request
        assert sent.headers.get_list("Content-Type") == ["application/json"], route
        assert sent.headers["X-Tenant"] == "team-7"
        assert json.loads(sent.content)["url"]
    await http.aclose() if isinstance(http, httpx.AsyncClient) else http.close()


async def test_the_cookies_and_query_params_of_a_callers_http_client_go_with_each_api_request_but_not_to_storage(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """``http_client=httpx.Client(cookies=..., params=...)`` (an API gateway's session cookie, its
    ``?tenant=``) had both dropped, though its headers went: requests are built apart from the httpx
    client and sent with ``send()``, which merges neither, where ``build_request`` merges both. They
    now go with every API request, as ``build_request`` sends them (the SDK's own query parameters
    win on a name both set); the PUT to the presigned storage URL, another host, gets neither."""
    test = router.get("/v1/test").respond(200, json=TEST_BODY)
    media = router.post("/v1/media/input").respond(201, json={"url": "https://storage.example/a.wav?X-Amz-Signature=s"})
    put = router.put("https://storage.example/a.wav").respond(200)
    job = router.get("/v1/jobs/j1").respond(200, json={"jobId": "j1", "status": "running"})
    listed = router.get("/v2/jobs").respond(200, json={"items": [], "nextCursor": None})
    http = own_http_client(mode, router)
    http.cookies.set("gateway-session", "c00k1e")
    http.params = httpx.QueryParams({"tenant": "team-7", "limit": "1"})
    api = make_api(http_client=http)
    async with api.session():
        await api.test()
        await api.upload(io.BytesIO(b"RIFF" * 10), "a.wav")
        await api.get_job("j1")
        await api.jobs(page_size=20)
    for route in (test, media, job, listed):
        sent = route.calls.last.request
        assert sent.headers.get("Cookie") == "gateway-session=c00k1e", route
        assert sent.url.params.get_list("tenant") == ["team-7"], route
    assert listed.calls.last.request.url.params.get_list("limit") == ["20"]
    stored = put.calls.last.request
    assert "Cookie" not in stored.headers
    assert str(stored.url) == "https://storage.example/a.wav?X-Amz-Signature=s"
    await http.aclose() if isinstance(http, httpx.AsyncClient) else http.close()


async def test_a_cookie_the_api_sets_goes_back_with_later_api_requests_but_not_to_storage(
    make_api: MakeApi, router: respx.Router
) -> None:
    """A load balancer's affinity cookie (``Set-Cookie`` on an answer) is kept by the httpx client
    that received it, and ``build_request`` sends it back: the SDK's requests dropped it, so each
    one could land on another backend. It goes back with later API requests; storage never gets it."""
    test = router.get("/v1/test").mock(
        side_effect=[
            httpx.Response(200, json=TEST_BODY, headers={"Set-Cookie": "AWSALB=backend-3; Path=/"}),
            httpx.Response(200, json=TEST_BODY),
        ]
    )
    media = router.post("/v1/media/input").respond(201, json={"url": "https://storage.example/a.wav?X-Amz-Signature=s"})
    put = router.put("https://storage.example/a.wav").respond(200)
    api = make_api()
    await api.test()
    await api.test()
    await api.upload(io.BytesIO(b"RIFF" * 10), "a.wav")
    assert "Cookie" not in test.calls[0].request.headers
    assert test.calls[1].request.headers.get("Cookie") == "AWSALB=backend-3"
    assert media.calls.last.request.headers.get("Cookie") == "AWSALB=backend-3"
    assert "Cookie" not in put.calls.last.request.headers


async def test_key_and_base_url_are_read_from_the_environment(
    make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without arguments, PYANNOTEAI_API_KEY and PYANNOTEAI_BASE_URL configure the client."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "env-key")
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", "https://eu.pyannote.example/")
    route = router.get("https://eu.pyannote.example/v1/test").respond(200, json=TEST_BODY)
    api = make_api(api_key=None)
    await api.test()
    assert api.client.base_url == "https://eu.pyannote.example"
    assert route.calls.last.request.headers["Authorization"] == "Bearer env-key"


async def test_arguments_win_over_the_environment(
    make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit api_key and base_url are used even when the environment names others."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "env-key")
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", "https://eu.pyannote.example")
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    api = make_api(api_key="arg-key", base_url=BASE_URL)
    await api.test()
    assert route.calls.last.request.headers["Authorization"] == "Bearer arg-key"


async def test_default_base_url_is_the_public_api(make_api: MakeApi) -> None:
    """With nothing configured, the client talks to https://api.pyannote.ai."""
    assert make_api().client.base_url == "https://api.pyannote.ai"


async def test_every_api_request_carries_the_bearer_key_and_a_user_agent(api: Api, router: respx.Router) -> None:
    """API requests authenticate with ``Authorization: Bearer <key>`` and name the SDK."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await api.test()
    headers = route.calls.last.request.headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["User-Agent"].startswith("pyannoteai-identify/")


async def test_the_user_agent_names_the_python_and_the_platform_but_no_host_or_user(
    make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The User-Agent was ``pyannoteai-identify/<v> python-httpx/<v>``: support could not tell a
    PyPy or a Python 3.10 client, nor Windows from Linux, as openai-python's and stripe-python's
    headers let theirs. It now adds the Python implementation and version and the operating system
    and machine, as RFC 9110 product tokens and a comment, and never the host or user name."""
    import getpass
    import platform
    import socket

    from pyannoteai_identify import __version__

    monkeypatch.setattr(platform, "python_implementation", lambda: "PyPy")
    monkeypatch.setattr(platform, "python_version", lambda: "3.11.9")
    monkeypatch.setattr(platform, "system", lambda: "Windows")
    monkeypatch.setattr(platform, "machine", lambda: "AMD64")
    monkeypatch.setattr(platform, "node", lambda: "build-host-7")
    monkeypatch.setattr(socket, "gethostname", lambda: "build-host-7")
    monkeypatch.setattr(getpass, "getuser", lambda: "jdoe")
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await make_api().test()
    user_agent = route.calls.last.request.headers["User-Agent"]
    assert user_agent == (
        f"pyannoteai-identify/{__version__} python-httpx/{httpx.__version__} PyPy/3.11.9 (Windows; AMD64)"
    )
    assert "build-host-7" not in user_agent and "jdoe" not in user_agent


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "url", ["https://user:s3cr3t-pw@api.pyannote.ai", "http://user:s3cr3t-pw@127.0.0.1:8000", "https://token@x.io"]
)
def test_a_base_url_with_a_user_name_or_password_is_refused_without_showing_it(cls: type, url: str) -> None:
    """httpx would send Basic auth built from it instead of the key, and show it in reprs and errors."""
    with pytest.raises(ConfigurationError, match="user name or password") as caught:
        cls(API_KEY, base_url=url)
    assert "s3cr3t-pw" not in str(caught.value) and "token" not in str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://api.pyannote.ai/?key=sk-SECRET", "carries a query or a fragment"),
        ("https://api.pyannote.ai:bad/?key=sk-SECRET", "is not a valid URL"),
        ("ftp://api.pyannote.ai/#sk-SECRET", "carries a query or a fragment"),
    ],
)
def test_a_refused_base_url_is_shown_without_its_query(cls: type, url: str, problem: str) -> None:
    """A key pasted into the base URL's query was echoed by the error that refused the URL."""
    with pytest.raises(ConfigurationError, match=problem) as caught:
        cls(API_KEY, base_url=url)
    assert "?<query hidden>" in str(caught.value) and "SECRET" not in str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_api_key_raises_configuration_error_naming_the_variable(cls: type, key: str | None) -> None:
    """No key (argument or environment) fails at construction, saying to set PYANNOTEAI_API_KEY."""
    with pytest.raises(ConfigurationError, match="PYANNOTEAI_API_KEY"):
        cls(api_key=key)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "url",
    [
        "http://api.pyannote.ai",
        "http://10.0.0.7:8080",
        "http://example.com/",
        # Resolved through DNS by many systems, so not known to stay on this machine.
        "http://attacker.localhost:8080",
    ],
)
def test_key_is_never_sent_over_plain_http_to_a_remote_host(cls: type, url: str) -> None:
    """A plain-http base URL to a non-loopback host is refused, and the message does not show the key."""
    with pytest.raises(ConfigurationError, match="https") as caught:
        cls(api_key=API_KEY, base_url=url)
    assert API_KEY not in str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_plain_http_from_the_environment_is_refused_too(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """PYANNOTEAI_BASE_URL gets the same plain-http check as the argument."""
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", "http://api.pyannote.ai")
    with pytest.raises(ConfigurationError, match="plain http"):
        cls(api_key=API_KEY)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("url", ["ftp://api.pyannote.ai", "https://", "not a url"])
def test_base_url_must_be_an_http_url_with_a_host(cls: type, url: str) -> None:
    """A base URL that is not http(s) with a host is refused at construction."""
    with pytest.raises(ConfigurationError, match="base URL"):
        cls(api_key=API_KEY, base_url=url)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "url",
    [
        "https://api.pyannote.ai/v1",
        "https://api.pyannote.ai/v1/",
        "https://api.pyannote.ai/V2",
        "http://127.0.0.1:8080/v1",
    ],
)
@pytest.mark.parametrize("source", ["argument", "environment"])
def test_a_base_url_ending_in_an_api_version_is_refused_naming_the_root(
    cls: type, url: str, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The official pyannoteAI SDK's API_URL is https://api.pyannote.ai/v1, so a team moving from it
    sets that. The client adds /v1 to every path itself: every request then goes to /v1/v1/…, which
    the API answers 404, and a newcomer is told "Not found" by identify(), and that an existing job
    "is gone" by wait(job_id) and `job ID` (JobExpiredError). Refused at construction instead,
    saying to give the API's root."""
    if source == "environment":
        monkeypatch.setenv("PYANNOTEAI_BASE_URL", url)
        kwargs: dict[str, Any] = {}
    else:
        kwargs = {"base_url": url}
    with pytest.raises(ConfigurationError, match=r"(?i)/v[12]\b.*root") as caught:
        cls(API_KEY, **kwargs)
    assert API_KEY not in str(caught.value)


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"])
async def test_plain_http_to_a_loopback_host_is_allowed(
    make_api: MakeApi, make_transport: MakeTransport, router: respx.Router, base_url: str
) -> None:
    """The sandbox on a loopback address may be reached over plain http, key included."""
    route = router.get(f"{base_url}/v1/test").respond(200, json=TEST_BODY)
    api = make_api(base_url=base_url)
    await api.test()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("value", [-1, True, 1.5, "3"])
def test_max_retries_must_be_a_whole_number(cls: type, value: object) -> None:
    """max_retries accepts 0 and up only; a bool, a float or a string is refused."""
    with pytest.raises(ConfigurationError, match="max_retries"):
        cls(api_key=API_KEY, max_retries=value)


async def test_repr_of_the_client_never_shows_the_key(api: Api) -> None:
    """repr() names the class and base URL, never the key."""
    text = repr(api.client)
    assert "api.pyannote.ai" in text
    assert API_KEY not in text
    assert API_KEY not in repr(vars(api.client))


def _sdk_locals(tb: TracebackType | None) -> list[str]:
    """``name = repr`` of every local of the SDK's frames in *tb*, as a traceback showing locals
    prints them (rich ``show_locals``, ``pytest --showlocals``, Sentry); a repr that fails is skipped."""
    shown = []
    while tb is not None:
        if "pyannoteai_identify" in tb.tb_frame.f_code.co_filename:
            for name, value in tb.tb_frame.f_locals.items():
                with contextlib.suppress(Exception):
                    shown.append(f"{tb.tb_frame.f_code.co_name}: {name} = {value!r}")
        tb = tb.tb_next
    return shown


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_traceback_showing_locals_can_be_made_for_a_refused_configuration(cls: type) -> None:
    """A client whose settings are refused is a local (``self``) of the frames that raise:
    ``traceback.TracebackException(capture_locals=True)``, which ``python -m unittest --locals``
    uses, calls its repr, which must not fail on the half-built object and replace the
    ConfigurationError with an AttributeError."""
    with pytest.raises(ConfigurationError) as caught:
        cls(api_key=API_KEY, base_url="http://staging.example.com")
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "refusing to send the API key over plain http" in text


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_key_from_the_environment_is_in_no_local_of_a_refused_configuration(
    cls: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client() with PYANNOTEAI_API_KEY and a bad PYANNOTEAI_BASE_URL: the caller's code never held
    the key, so only the SDK's frames can show it in a traceback with locals (rich show_locals,
    pytest --showlocals, Sentry, whose default scrubbing spares a variable named ``key``)."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", "http://staging.example.com")
    with pytest.raises(ConfigurationError) as caught:
        cls()
    assert [line for line in _sdk_locals(caught.value.__traceback__) if API_KEY in line] == []


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("key", ["clé-secrète", "sk-one two", "sk-line\nbreak", "sk-\x00"])
def test_a_key_that_cannot_be_sent_in_a_header_is_refused_without_showing_it(cls: type, key: str) -> None:
    """Whitespace, control or non-ASCII characters in the key fail at construction; the message hides the key."""
    with pytest.raises(ConfigurationError, match="PYANNOTEAI_API_KEY") as caught:
        cls(api_key=key)
    assert key not in str(caught.value)
    assert key.split()[0] not in str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("quoted", ['"sk-abc123"', "'sk-abc123'", '"sk-abc123', "sk-abc123'"])
def test_a_key_wrapped_in_quotes_is_refused_saying_so_without_showing_it(
    cls: type, quoted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docker's --env-file and systemd's EnvironmentFile= keep the quotes of PYANNOTEAI_API_KEY="sk-…"
    in the value: the key was sent with them and the API's 401 said only that the key is wrong."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", quoted)
    with pytest.raises(ConfigurationError, match=r"quote") as caught:
        cls()
    assert "sk-abc123" not in str(caught.value)
    assert "PYANNOTEAI_API_KEY" in str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_surrounding_whitespace_of_a_base_url_is_ignored_as_a_keys_is(
    cls: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PYANNOTEAI_BASE_URL read from a file with its newline was refused ("not a valid URL")
    while the key beside it, read the same way, was taken without its newline."""
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", " https://api.example.com/ \n")
    assert cls(api_key=API_KEY).base_url == "https://api.example.com"
    assert cls(api_key=API_KEY, base_url="\thttp://127.0.0.1:8080\n").base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("url", ["", "   ", "\n"])
def test_an_empty_base_url_argument_is_refused_not_taken_as_the_production_default(
    cls: type, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``base_url=os.getenv("STAGING_URL", "")`` with the variable unset fell back to
    PYANNOTEAI_BASE_URL, then to https://api.pyannote.ai: the key and the billed jobs went to the
    API the caller meant to avoid. An explicit empty api_key is refused too (it does not fall back)."""
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", "https://eu.pyannote.example")
    with pytest.raises(
        ConfigurationError, match=r"base_url=.* is empty: give the API's root, or leave it out \(None\)"
    ):
        cls(api_key=API_KEY, base_url=url)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_an_empty_base_url_variable_counts_as_unset(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """``PYANNOTEAI_BASE_URL=`` in an env file is the variable unset, as an empty key variable is."""
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", " ")
    assert cls(api_key=API_KEY).base_url == "https://api.pyannote.ai"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_base_url_may_be_an_httpx_url(cls: type) -> None:
    """httpx, openai-python and the official SDK's users hold URLs as ``httpx.URL``: taken as its text
    (it failed with an AttributeError on ``.strip``)."""
    assert cls(api_key=API_KEY, base_url=httpx.URL("http://127.0.0.1:8080/")).base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("url", [b"https://api.pyannote.ai", 8080], ids=["bytes", "int"])
def test_a_base_url_of_another_type_is_refused_naming_the_types_taken(cls: type, url: object) -> None:
    """bytes (a value read in binary) or a port number: a ConfigurationError, not an AttributeError."""
    with pytest.raises(ConfigurationError, match=r"base_url must be a str or an httpx.URL, not (bytes|int)"):
        cls(api_key=API_KEY, base_url=url)


class _MaskedStr(str):
    """A str subclass whose str() masks it, as secret-holding str types of settings libraries do."""

    def __str__(self) -> str:
        return "**********"


class _SecretLike:
    """The shape of pydantic's ``SecretStr`` (not a str; str() masks it, ``get_secret_value()`` gives it)."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __str__(self) -> str:
        return "**********"

    def get_secret_value(self) -> str:
        return self._value


async def test_a_key_given_as_a_str_subclass_is_sent_as_its_characters(make_api: MakeApi, router: respx.Router) -> None:
    """The key is a str: its characters go in the header, whatever its class's str() says.
    Wrapping it in the SDK's hidden-repr str went through str() and sent "**********"."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await make_api(api_key=_MaskedStr(API_KEY)).test()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("key", [_SecretLike(API_KEY), API_KEY.encode(), 12345], ids=["secret-like", "bytes", "int"])
def test_a_key_that_is_not_a_str_is_refused_not_sent_as_its_str(cls: type, key: object) -> None:
    """api_key=SecretStr(...) (a settings object's field passed as it is), bytes or a number:
    refused at construction, as it was (with an AttributeError or a TypeError). Wrapping the key
    in a str subclass turned it into str(key) — "**********", "b'sk-...'", "12345" — which the
    client then sent, and the API answered 401 "Invalid API key" for a key that is right."""
    with pytest.raises(ConfigurationError, match="api_key"):
        cls(api_key=key)


async def test_surrounding_whitespace_of_a_pasted_key_is_ignored(
    make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key read from the environment with a trailing newline is sent without it."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", f"  {API_KEY}\n")
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await make_api(api_key=None).test()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "30", True])
def test_request_timeout_must_be_a_positive_number(cls: type, timeout: object) -> None:
    """A zero, negative, infinite, NaN, text or bool request timeout is refused at construction."""
    with pytest.raises(ConfigurationError, match="timeout"):
        cls(api_key=API_KEY, timeout=timeout)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "timeout",
    [86_400.5, 1e300, 10**400, httpx.Timeout(5.0, pool=1e300)],
    ids=["day-and-a-half-second", "1e300", "10**400", "httpx-pool-1e300"],
)
def test_a_request_timeout_over_a_day_is_refused_naming_the_limit(cls: type, timeout: object) -> None:
    """A request timeout (or any part of an httpx.Timeout) over 86400 s fails at construction, saying so."""
    with pytest.raises(ConfigurationError, match=r"at most 86400 s \(one day\)"):
        cls(api_key=API_KEY, timeout=timeout)


@pytest.mark.parametrize("timeout", [12.5, 86_400, httpx.Timeout(5.0, connect=1.0), httpx.Timeout(86_400.0)])
async def test_the_request_timeout_reaches_every_request(
    make_api: MakeApi, router: respx.Router, timeout: float | httpx.Timeout
) -> None:
    """timeout= (seconds or an httpx.Timeout) is the timeout of each request."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await make_api(timeout=timeout).test()
    expected = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    assert route.calls.last.request.extensions["timeout"] == expected.as_dict()


@pytest.mark.parametrize(
    ("own", "passed", "expected"),
    [
        (httpx.Timeout(120.0, connect=3.0), None, httpx.Timeout(120.0, connect=3.0)),
        (httpx.Timeout(120.0, connect=3.0), 12.5, httpx.Timeout(12.5)),
        (None, None, httpx.Timeout(None)),
        (httpx.Timeout(5.0), None, httpx.Timeout(30.0, connect=10.0)),
    ],
    ids=["its-own", "passed-wins", "its-own-none", "httpx-default-is-not-a-choice"],
)
async def test_an_http_client_keeps_the_timeout_it_was_given_unless_one_is_passed(
    mode: str,
    make_api: MakeApi,
    make_transport: MakeTransport,
    router: respx.Router,
    own: httpx.Timeout | None,
    passed: float | None,
    expected: httpx.Timeout,
) -> None:
    """An http_client built with a timeout of its own (a proxy that needs two minutes) had it
    replaced by the SDK's 30 s on every request, silently. As in openai-python, the client's own
    timeout applies unless ``timeout=`` is passed; httpx's 5 s default is no choice, so the SDK's
    default applies then."""
    cls = httpx.AsyncClient if mode == "async" else httpx.Client
    http_client = cls(transport=make_transport(), timeout=own)
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    try:
        await make_api(http_client=http_client, timeout=passed).test()
    finally:
        await http_client.aclose() if isinstance(http_client, httpx.AsyncClient) else http_client.close()
    assert route.calls.last.request.extensions["timeout"] == expected.as_dict()


@pytest.mark.parametrize("cls", [httpx.Client, httpx.AsyncClient])
def test_an_http_clients_own_timeout_over_a_day_is_refused_naming_the_http_client(
    cls: type[httpx.Client] | type[httpx.AsyncClient],
) -> None:
    """Since the http_client's own timeout is used when ``timeout=`` is not passed, one over the
    SDK's one-day limit is refused at construction. The caller never passed ``timeout=``: the
    message must say the value is the http_client's (and that ``timeout=`` overrides it), not
    start with ``timeout=Timeout(...)`` as if the caller had passed it."""
    http_client = cls(timeout=2 * 86400)
    client_cls = AsyncClient if cls is httpx.AsyncClient else Client
    with pytest.raises(ConfigurationError, match="http_client") as caught:
        client_cls(api_key=API_KEY, base_url=BASE_URL, http_client=http_client)  # type: ignore[arg-type]
    assert not str(caught.value).startswith("timeout=")


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with *answer* and records its request line and Authorization header."""

    answer: tuple[int, bytes] = (200, b"{}")
    seen: list[tuple[str, str | None]]

    def _reply(self) -> None:
        self.seen.append((self.requestline, self.headers.get("Authorization")))
        status, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_CONNECT = _reply

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``seen``."""


@contextlib.contextmanager
def _serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve *handler* on 127.0.0.1 in a thread; yield the base URL; stop on exit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def _loopback_server(answer: tuple[int, bytes]) -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    seen: list[tuple[str, str | None]] = []
    with _serving(type("Handler", (_Recorder,), {"answer": answer, "seen": seen})) as url:
        yield url, seen


async def test_a_loopback_base_url_ignores_proxy_variables_so_the_key_never_reaches_a_proxy(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain http is allowed only because loopback traffic stays on the machine; HTTP_PROXY must not undo that."""
    test_body = b'{"status": "OK", "message": "Test connection successful"}'
    with _loopback_server((200, test_body)) as (api_url, api_seen), _loopback_server((502, b"{}")) as (proxy, proxied):
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        if mode == "async":
            async with AsyncClient(api_key=API_KEY, base_url=api_url, max_retries=0) as client:
                await client.test()
        else:
            with Client(api_key=API_KEY, base_url=api_url, max_retries=0) as client:
                client.test()
    assert proxied == []
    assert api_seen == [("GET /v1/test HTTP/1.1", f"Bearer {API_KEY}")]


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_an_http_client_of_yours_that_would_proxy_a_plain_http_base_url_is_refused(
    cls: type[Client] | type[AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the client this one builds ignored HTTP_PROXY for a loopback base URL: an httpx client of
    the caller's (trust_env by default, or proxy=) sent the key to the proxy in clear."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    http_type = httpx.AsyncClient if cls is AsyncClient else httpx.Client
    transport_type = httpx.AsyncHTTPTransport if cls is AsyncClient else httpx.HTTPTransport
    proxied_clients = (
        http_type(),
        http_type(trust_env=False, proxy="http://127.0.0.1:3128"),
        http_type(trust_env=False, transport=transport_type(proxy="http://127.0.0.1:3128")),
    )
    base_type = httpx.AsyncBaseTransport if cls is AsyncClient else httpx.BaseTransport

    class Logging(base_type):  # type: ignore[valid-type,misc]
        """A wrapper transport (logging, retries, caching) around one that proxies."""

        def __init__(self, inner: object) -> None:
            self.inner = inner

    wrapped = Logging(transport_type(proxy="http://127.0.0.1:3128"))
    proxied_clients = (*proxied_clients, http_type(trust_env=False, mounts={"http://": wrapped}))
    for proxied in proxied_clients:
        with pytest.raises(ConfigurationError, match=r"through a proxy .* with the API key in clear"):
            cls(API_KEY, base_url="http://127.0.0.1:8000", http_client=proxied)  # type: ignore[arg-type]
    # The transport= the client builds its own httpx client around is checked alike.
    for transport in (transport_type(proxy="http://127.0.0.1:3128"), wrapped):
        with pytest.raises(ConfigurationError, match=r"through a proxy .* with the API key in clear"):
            cls(API_KEY, base_url="http://127.0.0.1:8000", transport=transport)  # type: ignore[arg-type]
    # Mounts that route without a proxy (the sandbox in-process, a mock, retries) are the caller's.
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    direct_clients = (
        http_type(trust_env=False),
        http_type(mounts={"http://": mock}),
        http_type(trust_env=False, mounts={"all://": transport_type(retries=3)}),
    )
    for direct in direct_clients:
        assert cls(API_KEY, base_url="http://127.0.0.1:8000", http_client=direct)._http is direct  # type: ignore[arg-type]
    # Over https the proxy sees a tunnel only: the caller's proxy is theirs to use.
    tunnelled = http_type()
    assert cls(API_KEY, base_url="https://api.example.com", http_client=tunnelled)._http is tunnelled  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_an_http_client_of_yours_with_a_proxy_is_accepted_for_an_https_base_url(
    cls: type[Client] | type[AsyncClient],
) -> None:
    """Over https the proxy sees a tunnel only (CONNECT), never the key: a proxy= of the caller's
    own http_client, which serves every scheme, is theirs to use, not a configuration error."""
    http_type = httpx.AsyncClient if cls is AsyncClient else httpx.Client
    proxied = http_type(trust_env=False, proxy="http://127.0.0.1:3128")
    assert cls(API_KEY, base_url="https://api.example.com", http_client=proxied)._http is proxied  # type: ignore[arg-type]


class _KeepAlive(_Recorder):
    """A keep-alive server that records the client port of each request: one port, one connection."""

    protocol_version = "HTTP/1.1"
    ports: list[int]

    def _reply(self) -> None:
        self.ports.append(self.client_address[1])
        super()._reply()

    do_GET = _reply


@contextlib.contextmanager
def _keep_alive_server() -> Iterator[tuple[str, list[int]]]:
    """A keep-alive server answering GET /v1/test; yields its URL and the client port of each request."""
    ports: list[int] = []
    body = b'{"status": "OK", "message": "ok"}'
    with _serving(type("Handler", (_KeepAlive,), {"answer": (200, body), "seen": [], "ports": ports})) as url:
        yield url, ports


@pytest.mark.parametrize("own_transport", [False, True], ids=["own-pool", "caller-transport"])
def test_in_a_forked_process_a_client_starts_its_own_connection_pool(
    monkeypatch: pytest.MonkeyPatch, own_transport: bool
) -> None:
    """A child forked after the client pooled a connection shares that socket with its parent, and the
    two could read each other's answers: the child's first request opens a new connection instead.
    A pool from the caller's own transport is the caller's to replace (the docstring says so)."""
    transport = httpx.HTTPTransport() if own_transport else None
    with _keep_alive_server() as (url, ports), Client(API_KEY, base_url=url, transport=transport) as client:
        client.test()
        client.test()
        parent = os.getpid()
        monkeypatch.setattr(os, "getpid", lambda: parent + 1)  # as in a forked child
        client.test()
        client.test()
    assert ports[0] == ports[1] and ports[2] == ports[3]  # keep-alive within each process
    assert (ports[2] == ports[1]) is own_transport


def test_in_a_forked_process_a_derived_client_sends_on_the_new_pool_of_its_original(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client made by with_options shares its original's pool; in a forked child it must not send
    on the sockets inherited from the parent either: its first request there opens a new connection,
    which the original then uses too (one pool per process)."""
    with _keep_alive_server() as (url, ports), Client(API_KEY, base_url=url) as client:
        derived = client.with_options(timeout=5.0, max_retries=0)
        client.test()
        derived.test()
        parent = os.getpid()
        monkeypatch.setattr(os, "getpid", lambda: parent + 1)  # as in a forked child
        derived.test()
        client.test()
        derived.test()
    assert ports[0] == ports[1]  # the derived client sent on the original's connection
    assert ports[2] != ports[1]  # not on the parent's after the fork
    assert ports[2] == ports[3] == ports[4]  # and the child's one pool serves both


@pytest.mark.needs_trio
def test_a_derived_async_client_used_on_a_new_event_loop_sends_on_its_originals_pool_of_that_loop() -> None:
    """An AsyncClient made by with_options, used on several event loops, sends on the pool its
    original starts on each loop (a new connection per loop, shared with the original there), and
    no pool is left to the garbage collector (no ResourceWarning)."""
    import anyio

    with _keep_alive_server() as (url, ports):
        client = AsyncClient(API_KEY, base_url=url, max_retries=0)
        derived = client.with_options(timeout=5.0)

        async def both() -> None:
            await derived.test()
            await client.test()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            for backend in ("asyncio", "trio", "asyncio"):
                anyio.run(both, backend=backend)
            anyio.run(derived.aclose)
            anyio.run(client.aclose)
            gc.collect()
    assert len(ports) == 6
    assert [ports[i] == ports[i + 1] for i in range(0, 6, 2)] == [True] * 3  # one pool on each loop
    assert len({ports[i] for i in range(0, 6, 2)}) == 3  # a new connection on each loop
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []


@pytest.mark.needs_trio
def test_an_async_client_used_on_a_new_event_loop_opens_a_pool_there() -> None:
    """Connections belong to the loop that opened them: after asyncio.run #1 closed its loop, run #2
    with the same client failed every other call ("Event loop is closed"), and trio could not use it
    at all. Each loop now gets a pool of its own, over a new connection."""
    import anyio

    with _keep_alive_server() as (url, ports):
        client = AsyncClient(API_KEY, base_url=url, max_retries=0)

        async def twice() -> None:
            await client.test()
            await client.test()

        for backend in ("asyncio", "asyncio", "trio", "asyncio"):
            anyio.run(twice, backend=backend)
        anyio.run(client.aclose)
    assert len(ports) == 8
    assert [ports[i] == ports[i + 1] for i in range(0, 8, 2)] == [True] * 4  # keep-alive within a loop
    assert len({ports[i] for i in range(0, 8, 2)}) == 4  # a new connection on each loop


@pytest.mark.needs_trio
def test_an_async_client_closes_the_pool_of_a_loop_that_ends() -> None:
    """A client used on several event loops (a second ``asyncio.run``, a test per loop) left each
    ended loop's connections to the garbage collector, with a ``ResourceWarning: unclosed
    transport`` (or socket) for each. The pool a loop opened is now closed as that loop ends
    (asyncio.run's and trio.run's end of async generators), so none is left unclosed."""
    import anyio

    with _keep_alive_server() as (url, ports):
        client = AsyncClient(API_KEY, base_url=url, max_retries=0)

        async def twice() -> None:
            await client.test()
            await client.test()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            for backend in ("asyncio", "asyncio", "trio", "asyncio"):
                anyio.run(twice, backend=backend)
            anyio.run(client.aclose)
            gc.collect()
    assert len(ports) == 8  # four loops, keep-alive within each
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []


_FORKED_THREADS = """
import os, sys, threading
from pyannoteai_identify import Client

failed = 0
for trial in range(5):
    client = Client("sk-test-key", base_url=sys.argv[1], max_retries=0, timeout=5)
    client.test()  # a pooled connection, shared with the child after the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        errors = []
        barrier = threading.Barrier(8)

        def first_request():
            barrier.wait()
            try:
                client.test()
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=first_request) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        os.write(write_end, "\\n".join(errors).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    report = os.read(read_end, 1 << 16).decode()
    os.close(read_end)
    if report:
        failed += 1
        print(report)
print("failed trials:", failed)
"""


def test_threads_of_a_forked_child_making_their_first_requests_at_once_all_use_the_new_pool() -> None:
    """gunicorn --preload --threads: in a child, eight threads' first requests at once. One thread
    set the new pid before the new pool existed, so others sent on the inherited sockets, which it
    then closed under them ('Bad file descriptor', in 10 trials of 10)."""
    with _keep_alive_server() as (url, _):
        done = subprocess.run(
            [sys.executable, "-c", _FORKED_THREADS, url], capture_output=True, text=True, timeout=120, check=False
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("failed trials: 0"), done.stdout


_FORK_WHILE_A_LOCK_IS_HELD = """
import anyio
from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify import _upload

which = sys.argv[2]
client = Client("sk-test-key", base_url=sys.argv[1], max_retries=0, timeout=5)
client.test()
async_client = AsyncClient("sk-test-key", base_url=sys.argv[1], max_retries=0, timeout=5)
derived = client.with_options(timeout=4)
async_derived = async_client.with_options(timeout=4)
lock = {
    "throttle": client._ctx.throttle._lock,
    "async-throttle": async_client._ctx.throttle._lock,
    "fork": client._fork_lock,
    "broker": client._broker_lock,
    "presigned-filter": _upload._PRESIGNED_FILTER._lock,
    "enter": client._enter_lock,
    "async-enter": async_client._enter_lock,
    "derive": client._derive_lock,
    "async-derive": async_client._derive_lock,
    "derived-enter": derived._enter_lock,
    "derived-broker": derived._broker_lock,
    "derived-derive": derived._derive_lock,
}[which]

def first_steps():
    client.test()
    with _upload.presigned_url_hidden("https://storage.example/object?X-Signature=s3cr3t"):
        pass
    anyio.run(async_client.test)
    derived.test()
    anyio.run(async_derived.test)
    with derived.with_options(timeout=3):  # its close() ends what was made from it: its lock
        pass
    async_client.with_options(timeout=3)
    anyio.run(async_client.__aenter__)
    with derived:  # closed at the block's end
        pass
    with client:  # closed at the block's end, and ends what was made from it
        pass
"""


@pytest.mark.parametrize(
    "lock",
    [
        "throttle",
        "async-throttle",
        "fork",
        "broker",
        "presigned-filter",
        "enter",
        "async-enter",
        "derive",
        "async-derive",
        "derived-enter",
        "derived-broker",
        "derived-derive",
    ],
)
def test_a_child_forked_while_another_thread_holds_a_lock_of_the_client_makes_its_requests(lock: str) -> None:
    """A fork copies a lock held by another thread of the parent as held, and that thread does not
    exist in the child: the child's first request (the throttle's lock, the fork lock), its close()
    (the broker lock), its ``with`` (the nested-``with`` check's lock) or its first upload (the
    presigned-URL log filter's lock) waited for ever. The locks are made anew in the child, those of
    a client made by ``with_options`` (and the lock that registers one) too; it must finish its
    first steps within 10 s."""
    with _keep_alive_server() as (url, _):
        done = fork_while_held(_FORK_WHILE_A_LOCK_IS_HELD, url, lock)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "child exit code: 0", done.stdout + done.stderr


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "url",
    ["https://user:s3/cr-pw@api.pyannote.ai", "https://user:s3cr#t-pw@api.pyannote.ai"],
)
def test_a_base_url_whose_password_holds_a_url_delimiter_is_refused_without_showing_it(cls: type, url: str) -> None:
    """A password typed unencoded with '/' or '#' makes the URL unparsable (httpx reads its start as
    a port). The error hid such a URL when it held an '@'; hide_secrets looks for user:password@
    only before the first '/' and after cutting at '#' or '?', so it shows the whole URL with its
    password (with '/'), or the user name (with '#')."""
    with pytest.raises(ConfigurationError, match="is not a valid URL") as caught:
        cls(API_KEY, base_url=url)
    assert "pw" not in str(caught.value) and "user:" not in str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_base_url_with_an_at_sign_in_its_query_is_refused_without_showing_its_query(cls: type) -> None:
    """A base URL with a query is refused, the query hidden; an '@' inside the query made
    hide_secrets cut there instead, and the key after it was shown."""
    with pytest.raises(ConfigurationError, match="carries a query or a fragment") as caught:
        cls(API_KEY, base_url="https://api.example.test/v1?user=ops@example.test&key=sk-SECRET")
    assert "SECRET" not in str(caught.value), str(caught.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_base_url_without_a_scheme_and_a_url_in_its_query_is_refused_without_showing_its_query(
    cls: type,
) -> None:
    """The same, as the base URL's error shows it."""
    with pytest.raises(ConfigurationError, match="carries a query or a fragment") as caught:
        cls(API_KEY, base_url="api.example.test/v1?key=sk-SECRET&next=https://x")
    assert "SECRET" not in str(caught.value), str(caught.value)


async def test_a_callers_http_client_that_follows_redirects_does_not_follow_the_apis(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """The SDK does not follow a redirect from the API (its APIError says so): only the configured API
    gets the request. ``send()`` follows the http_client's own ``follow_redirects`` though, so with
    ``httpx.Client(follow_redirects=True)`` a 307 from POST /v1/identify sent the body, voiceprints
    and webhook included, to the other host, and its answer was taken for the API's job."""
    router.post("/v1/identify").respond(307, headers={"Location": "https://elsewhere.example/v1/identify"})
    elsewhere = router.post("https://elsewhere.example/v1/identify").respond(
        200, json={"jobId": "x", "status": "created"}
    )
    http = own_http_client(mode, router)
    http.follow_redirects = True
    api = make_api(http_client=http)
    async with api.session():
        with pytest.raises(APIError, match="does not follow"):
            await api.identify("https://example.com/a.wav", {"John": "vp-john"})
    assert elsewhere.call_count == 0
    await http.aclose() if isinstance(http, httpx.AsyncClient) else http.close()


@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
async def test_a_client_cannot_be_copied_or_pickled_and_says_so_without_the_key(how: str, make_api: MakeApi) -> None:
    """A client holds a connection pool, locks and its key: handed to a process pool (pickled) or
    deep-copied, it failed with ``cannot pickle '_thread.lock' object``, which names neither the
    client nor what to do; ``copy.copy`` even succeeded, with a twin sharing the original's pool and
    state, whose close() closed the original's pool behind its back (its next call: httpx's
    RuntimeError). Each is a TypeError naming the client and saying to create one per process."""
    import copy
    import pickle

    client = make_api().client
    copies = {"pickle": pickle.dumps, "copy": copy.copy, "deepcopy": copy.deepcopy}
    with pytest.raises(TypeError) as raised:
        copies[how](client)

    message = str(raised.value)
    assert type(client).__name__ in message and "create" in message
    assert API_KEY not in message and API_KEY not in repr(raised.value)


async def test_polls_of_one_job_through_clients_of_two_base_urls_each_reach_their_own(
    make_api: MakeApi, router: respx.Router
) -> None:
    """An API request's parsed URL is reused while the same URL is asked for again (a wait polls
    one job): it is the whole URL's, base included, so two clients of two bases asking for the same
    job, turn about, each keep reaching their own server."""
    body = {"jobId": "j1", "status": "running"}
    first = router.get("http://127.0.0.1:8001/v1/jobs/j1").respond(200, json=body)
    second = router.get("http://127.0.0.1:8002/gateway/v1/jobs/j1").respond(200, json=body)
    apis = [make_api(base_url="http://127.0.0.1:8001"), make_api(base_url="http://127.0.0.1:8002/gateway")]
    for _ in range(3):
        for api in apis:
            assert (await api.get_job("j1")).id == "j1"
    assert first.call_count == second.call_count == 3
