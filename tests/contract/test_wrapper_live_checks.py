"""The live conformance checks, proven offline: they pass on a conforming server and fail on a drifted one.

Each test runs ``test_live_conformance.py`` (with this directory's conftest) in a pytester session
against the sandbox served on 127.0.0.1, either as is or behind :class:`Drift`, an ASGI layer that
rewrites some response bodies the way an upstream change would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from pyannoteai_identify.sandbox import Sandbox

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent
LIVE_TESTS = 4
KEY = "live-check-canary-key-0123456789"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Rewrite = Callable[[str, str, int, Any], Any]


class Drift:
    """ASGI middleware that passes each JSON response body through ``rewrite(method, path, status, body)``."""

    def __init__(self, app: ASGIApp, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            if dict(headers).get(b"content-type", b"").startswith(b"application/json") and body:
                rewritten = self.rewrite(scope["method"], scope["path"], start["status"], json.loads(body))
                body = json.dumps(rewritten).encode()
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def drifted(method: str, path: str, status: int, body: Any) -> Any:
    """Four plausible upstream changes, one per live check."""
    if path == "/v1/test":
        return {"status": body["status"]}  # message dropped
    if path == "/v2/jobs":
        return {"items": body["items"], "next_cursor": body["nextCursor"]}  # renamed to snake_case
    if path.startswith("/v1/jobs/") and status == 404:
        return {"requestId": body["requestId"], "detail": body["message"]}  # message renamed
    if path == "/v1/identify" and status == 200:
        return {**body, "status": "x-future-status"}  # a status outside the enum
    return body


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Serve *app* on a free loopback port in a thread; yield its base URL; stop it on exit."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", log_config=None)
    )
    thread = threading.Thread(target=server.run, name="live-check-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert server.started, "the loopback server did not start within 10 s"
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "the loopback server did not stop within 10 s"


@pytest.fixture
def sandbox() -> Sandbox:
    """A sandbox (never started itself: its ASGI app is served by ``serving``) whose jobs end at once."""
    return Sandbox(api_key=KEY, speed=100_000)


@pytest.fixture
def live_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester directory holding the contract conftest and the live checks, with the key exported."""
    pytester.makeconftest((HERE / "conftest.py").read_text(encoding="utf-8"))
    # Another module name: the outer session has imported test_live_conformance already.
    pytester.makepyfile(test_live_checks_copy=(HERE / "test_live_conformance.py").read_text(encoding="utf-8"))
    monkeypatch.setenv("PYANNOTEAI_API_KEY", KEY)
    return pytester


def run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    return suite.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_live_checks_pass_against_a_conforming_server(live_suite: pytest.Pytester, sandbox: Sandbox) -> None:
    """Against the sandbox, every live check passes, the billing one included."""
    with serving(sandbox.app) as base_url:
        result = run(live_suite, "--base-url", base_url, "--allow-billing")
    result.assert_outcomes(passed=LIVE_TESTS)
    assert sandbox.stats.requests["identify"] == 1


def test_live_checks_fail_naming_the_field_when_the_server_drifts(
    live_suite: pytest.Pytester, sandbox: Sandbox
) -> None:
    """Behind Drift, each live check fails and says which operation, status and field broke the contract."""
    with serving(Drift(sandbox.app, drifted)) as base_url:
        result = run(live_suite, "--base-url", base_url, "--allow-billing")
    result.assert_outcomes(failed=LIVE_TESTS)
    result.stdout.fnmatch_lines_random(
        [
            "*GET /v1/test answered 200: the body breaks openapi.yaml at $: 'message' is a required property*",
            "*GET /v2/jobs answered 200: the body breaks openapi.yaml at $: 'nextCursor' is a required property*",
            "*GET /v1/jobs/* answered 404: the body breaks openapi.yaml at $: 'message' is a required property*",
            "*POST /v1/identify answered 200: the body breaks openapi.yaml at $.status: 'x-future-status' is not*",
        ]
    )


def test_live_checks_never_show_the_api_key(live_suite: pytest.Pytester, sandbox: Sandbox) -> None:
    """Even failing with full tracebacks, the live checks print no part of the API key."""
    with serving(Drift(sandbox.app, drifted)) as base_url:
        result = run(live_suite, "--base-url", base_url, "--allow-billing", "-l", "--tb=long")
    output = result.stdout.str() + result.stderr.str()
    assert "failed" in output
    assert KEY not in output
    assert KEY[:12] not in output


def test_billing_check_is_deselected_without_allow_billing(live_suite: pytest.Pytester, sandbox: Sandbox) -> None:
    """With --base-url alone the bill-free checks run and no job is submitted."""
    with serving(sandbox.app) as base_url:
        result = run(live_suite, "--base-url", base_url)
    result.assert_outcomes(passed=LIVE_TESTS - 1, deselected=1)
    assert sandbox.stats.requests["identify"] == 0
    assert sandbox.stats.requests["getMediaUploadUrl"] == 0


def test_live_checks_are_deselected_without_base_url(live_suite: pytest.Pytester) -> None:
    """Without --base-url no live check runs: they are deselected, not skipped."""
    result = run(live_suite)
    result.assert_outcomes(deselected=LIVE_TESTS)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_live_client_fixture_exists_only_with_base_url(live_suite: pytest.Pytester, sandbox: Sandbox) -> None:
    """An unmarked test asking for live_client errors without --base-url and gets a client with it."""
    live_suite.makepyfile(
        test_uses_live_client="""
        def test_asks_for_the_live_client(live_client):
            assert live_client.base_url.startswith("http://127.0.0.1:")
        """
    )
    without = run(live_suite, "test_uses_live_client.py")
    without.assert_outcomes(errors=1)
    without.stdout.fnmatch_lines(["*fixture 'live_client' not found*"])
    with serving(sandbox.app) as base_url:
        with_url = run(live_suite, "test_uses_live_client.py", "--base-url", base_url)
    with_url.assert_outcomes(passed=1)


def test_base_url_without_an_api_key_is_a_usage_error(
    live_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--base-url with no PYANNOTEAI_API_KEY stops before any test, saying what is missing."""
    monkeypatch.delenv("PYANNOTEAI_API_KEY")
    result = run(live_suite, "--base-url", "http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--base-url needs an API key in the PYANNOTEAI_API_KEY environment variable*"])


def test_allow_billing_without_base_url_is_a_usage_error(live_suite: pytest.Pytester) -> None:
    """--allow-billing alone is refused rather than silently doing nothing."""
    result = run(live_suite, "--allow-billing")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--allow-billing only makes sense with --base-url URL*"])


def test_a_plain_http_base_url_off_loopback_is_one_usage_error_up_front(live_suite: pytest.Pytester) -> None:
    """``--base-url http://staging.example`` (no https) ran every live check, and each failed alone
    with the client's ConfigurationError "refusing to send the API key over plain http …": a page of
    the same error for one wrong option. It is now one usage error before any test, naming the rule
    (nothing is sent)."""
    result = run(live_suite, "--base-url", "http://staging.example")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--base-url*plain http is allowed only for loopback addresses*"])
    assert KEY not in result.stdout.str() + result.stderr.str()
