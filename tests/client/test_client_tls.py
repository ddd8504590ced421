"""The TLS context of the pools the clients build: loaded once per process and shared, while
SSL_CERT_FILE, SSL_CERT_DIR and SSLKEYLOGFILE (read as httpx reads them) are honoured as they change.

tls/ holds a test CA (ca.pem) and a certificate it signed for api.tls.test, localhost and
127.0.0.1 (server.pem, server.key), valid until 2126; the CA's key was not kept. ``api.tls.test``
is resolved to 127.0.0.1 here: a non-loopback name, so the client reads the environment
(``trust_env``), while the connection stays on the machine.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
from clientkit import FakeTime, MakeApi

from pyannoteai_identify import APIConnectionError, AsyncClient, Client, ConfigurationError, WaitTimeoutError

pytestmark = pytest.mark.anyio

TLS = Path(__file__).parent / "tls"
TEST_BODY = {"status": "OK", "message": "Test connection successful"}
ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE")
#: ``openssl x509 -noout -subject_hash -in tls/ca.pem``: the name OpenSSL looks the CA up by in a directory.
CA_SUBJECT_HASH = "c17f8851"
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 5

    def do_GET(self) -> None:
        body = json.dumps(TEST_BODY).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serving(*, tls: bool) -> Iterator[int]:
    """A loopback server answering GET /v1/test, over TLS with the test CA's certificate or plain;
    yields its port, stops on exit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def https_port() -> Iterator[int]:
    """A loopback HTTPS server answering GET /v1/test, with the test CA's certificate."""
    yield from _serving(tls=True)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TLS or proxy settings from the machine running the tests; api.tls.test is 127.0.0.1."""
    for name in ENV + PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    getaddrinfo = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return getaddrinfo("127.0.0.1" if host in ("api.tls.test", b"api.tls.test") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _context(client: Client | AsyncClient) -> ssl.SSLContext:
    """The SSL context of the pool the client's httpx client sends through (httpcore's)."""
    context = client._http._transport._pool._ssl_context  # type: ignore[union-attr]
    assert isinstance(context, ssl.SSLContext)
    return context


def _client(port: int, host: str = "api.tls.test") -> Client:
    return Client("k", base_url=f"https://{host}:{port}", max_retries=0, timeout=5)


def _refused_as_untrusted(port: int, host: str = "api.tls.test") -> bool:
    with _client(port, host) as client:
        try:
            client.test()
        except APIConnectionError as error:
            return "CERTIFICATE_VERIFY_FAILED" in str(error)
    return False


def test_clients_share_one_ssl_context() -> None:
    """Building a client does not load the CA bundle again: the pools of two clients (sync or async)
    hold the same SSL context."""
    with (
        Client("k", base_url="https://api.example.test") as one,
        Client("k", base_url="https://api.example.test") as two,
    ):
        assert _context(one) is _context(two)
        assert _context(AsyncClient("k", base_url="https://api.example.test")) is _context(one)


async def test_an_async_client_on_a_new_event_loop_reuses_the_ssl_context() -> None:
    """The pool an AsyncClient starts on another event loop has the same context (no CA bundle load
    on the loop's thread)."""
    client = AsyncClient("k", base_url="https://api.example.test")
    before = _context(client)
    await client._check_loop()  # this loop
    client._loop = object()  # as if the pool had been opened on a loop that is gone
    await client._check_loop()
    assert _context(client) is before


def test_the_shared_context_keeps_http11_as_its_only_alpn_protocol() -> None:
    """httpcore sets the ALPN protocols of the context at every connection: on the shared context
    that is a no-op for http/1.1 (what every pool of the SDK asks for), and any other list is refused
    rather than changing what every other client's connections would offer."""
    with Client("k", base_url="https://api.example.test") as client:
        assert client._http._transport._pool._http2 is False  # type: ignore[union-attr]
        context = _context(client)
        context.set_alpn_protocols(["http/1.1"])
        with pytest.raises(ValueError, match=r"http/1\.1"):
            context.set_alpn_protocols(["h2", "http/1.1"])


def test_ssl_cert_file_is_honoured_and_its_changes_too(
    https_port: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A custom CA in SSL_CERT_FILE is trusted; setting, changing, rewriting or unsetting it between
    clients is honoured by the next client."""
    assert _refused_as_untrusted(https_port)  # certifi's bundle: the test CA is not in it
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    with _client(https_port) as client:
        assert client.test().status == "OK"
    bundle = tmp_path / "bundle.pem"
    shutil.copyfile(certifi.where(), bundle)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert _refused_as_untrusted(https_port)
    shutil.copyfile(TLS / "ca.pem", bundle)  # the same path, rewritten
    with _client(https_port) as client:
        assert client.test().status == "OK"
    monkeypatch.delenv("SSL_CERT_FILE")
    assert _refused_as_untrusted(https_port)


def test_ssl_cert_dir_is_honoured(https_port: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A directory of CAs in SSL_CERT_DIR (under OpenSSL's hashed names) is trusted, as httpx trusts it."""
    assert _refused_as_untrusted(https_port)
    shutil.copyfile(TLS / "ca.pem", tmp_path / f"{CA_SUBJECT_HASH}.0")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with _client(https_port) as client:
        assert client.test().status == "OK"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_loopback_base_url_trusts_ssl_cert_file_and_ignores_proxy_variables(
    https_port: int, monkeypatch: pytest.MonkeyPatch, host: str, mode: str
) -> None:
    """httpx trusts the CA bundle SSL_CERT_FILE names (trust_env), as a corporate setup with its own CA
    relies on. The client turns trust_env off for a loopback base URL, to keep proxies away from it,
    and so ignored SSL_CERT_FILE there too: a local TLS endpoint (a sidecar or egress gateway on
    https://127.0.0.1, signed by the company's CA) failed with CERTIFICATE_VERIFY_FAILED, where
    httpx.get() and any other host trust it. The pool trusts it now; a proxy variable naming a port
    where nothing listens is still not used for it."""
    assert _refused_as_untrusted(https_port, host)
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    base_url = f"https://{host}:{https_port}"
    if mode == "async":
        async with AsyncClient("k", base_url=base_url, max_retries=0, timeout=5) as client:
            assert (await client.test()).status == "OK"
    else:
        with Client("k", base_url=base_url, max_retries=0, timeout=5) as client:
            assert client.test().status == "OK"


def test_sslkeylogfile_changes_are_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SSLKEYLOGFILE set after a client was built applies to the next client's connections."""
    with Client("k", base_url="https://api.example.test") as client:
        assert _context(client).keylog_filename is None
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    with Client("k", base_url="https://api.example.test") as client:
        assert _context(client).keylog_filename == str(tmp_path / "keys.log")


def test_a_callers_http_client_keeps_its_own_ssl_context() -> None:
    """The shared context is for the SDK's own pools only: an http_client passed in is used as it is."""
    mine = httpx.Client(trust_env=False)
    with Client("k", base_url="https://api.example.test") as sdk, Client("k", http_client=mine) as client:
        assert client._http is mine
        assert _context(client) is not _context(sdk)
        _context(client).set_alpn_protocols(["h2", "http/1.1"])  # the caller's to change
    mine.close()


_FORK_WHILE_BUILDING = """
import os, sys, threading
from pyannoteai_identify import Client, _tls

held, release = threading.Event(), threading.Event()

def build():  # another thread, in the middle of building the shared context at the fork
    with _tls._lock:
        held.set()
        release.wait(10)

thread = threading.Thread(target=build)
thread.start()
held.wait(10)
pid = os.fork()
if pid == 0:
    done = threading.Event()
    threading.Thread(target=lambda: (Client("k", base_url="https://api.example.test"), done.set()), daemon=True).start()
    os._exit(0 if done.wait(5) else 1)
release.set()
thread.join(10)
_, status = os.waitpid(pid, 0)
print("child built a client" if os.waitstatus_to_exitcode(status) == 0 else "child stuck")
"""


def test_a_child_forked_while_another_thread_builds_the_context_can_build_a_client() -> None:
    """gunicorn --preload: a fork while another thread of the parent holds the lock that builds the
    shared SSL context does not leave the child's first client waiting for ever on that lock."""
    done = subprocess.run(
        [sys.executable, "-c", _FORK_WHILE_BUILDING], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "child built a client", done.stderr


@pytest.fixture
def http_port() -> Iterator[int]:
    """A loopback plain-HTTP server answering GET /v1/test (the sandbox's kind of base URL)."""
    yield from _serving(tls=False)


async def test_a_plain_http_loopback_base_url_ignores_an_unreadable_ssl_cert_file(
    http_port: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str
) -> None:
    """A client for the sandbox (http://127.0.0.1) never read SSL_CERT_FILE: its pool had trust_env
    off. Since the shared SSL context is always built as with trust_env, an SSL_CERT_FILE naming a
    missing file (a stale CI setting) made Client() itself raise FileNotFoundError for a base URL
    that uses no TLS at all. It is built, and talks to the server, as before."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    base_url = f"http://127.0.0.1:{http_port}"
    if mode == "async":
        async with AsyncClient("k", base_url=base_url, max_retries=0, timeout=5) as client:
            assert (await client.test()).status == "OK"
    else:
        with Client("k", base_url=base_url, max_retries=0, timeout=5) as client:
            assert client.test().status == "OK"


@pytest.mark.parametrize("bundle", ["missing.pem", "malformed.pem"])
def test_a_ca_bundle_that_cannot_be_loaded_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bundle: str
) -> None:
    """For an https host the pool reads SSL_CERT_FILE, as httpx does, and a bundle that cannot be
    loaded fails the constructor. It failed with httpx's bare FileNotFoundError ("No such file or
    directory", naming neither the variable nor the path) or an ssl.SSLError: a ConfigurationError
    now names the variable and its value, and says to fix or unset it."""
    (tmp_path / "malformed.pem").write_text("not a certificate")
    path = str(tmp_path / bundle)
    monkeypatch.setenv("SSL_CERT_FILE", path)
    for cls in (Client, AsyncClient):
        with pytest.raises(ConfigurationError) as raised:
            cls("k", base_url="https://api.tls.test")
        message = str(raised.value)
        assert f"SSL_CERT_FILE={path!r}" in message and "unset" in message, message


def test_a_loopback_https_base_url_with_an_unloadable_ssl_cert_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A loopback https base URL (a local TLS sidecar) trusts SSL_CERT_FILE as other hosts do, so a
    bundle that cannot be loaded is refused there too, naming the variable; it fell back to the
    default CA bundle silently, and every request then failed certificate verification instead.
    (A plain-http loopback base URL, the sandbox's, uses no TLS: it is still built, see above.)"""
    path = str(tmp_path / "missing.pem")
    monkeypatch.setenv("SSL_CERT_FILE", path)
    for cls in (Client, AsyncClient):
        with pytest.raises(ConfigurationError) as raised:
            cls("k", base_url="https://127.0.0.1:8443")
        assert f"SSL_CERT_FILE={path!r}" in str(raised.value)


JOB_ID = "4b1c4c1a-6a2e-4c0e-9d5e-1f0b2a3c4d5e"


async def test_an_unverifiable_certificate_is_not_retried_and_says_so(
    https_port: int, make_api: MakeApi, fake_time: FakeTime
) -> None:
    """A server whose TLS certificate cannot be verified (no trusted CA signed it: here the test CA,
    not in the default bundle) fails every handshake alike, however long one waits: a safe GET was
    retried with backoff all the same, delaying the error. It is raised at once, with
    ``certificate_failed`` set, as a proxy's refusal of the tunnel is."""
    api = make_api(base_url=f"https://api.tls.test:{https_port}", transport=None, timeout=5)
    try:
        with pytest.raises(APIConnectionError) as caught:
            await api.test()
    finally:
        await api.close()
    assert caught.value.certificate_failed is True
    assert caught.value.request_sent is False
    assert "certificate" in str(caught.value), caught.value
    assert fake_time.sleeps == []


async def test_an_unverifiable_certificate_while_polling_ends_the_wait_at_once(
    https_port: int, make_api: MakeApi, fake_time: FakeTime
) -> None:
    """wait() took an unverifiable certificate for a transient connection error and polled through
    it until its deadline (an hour here), ending with WaitTimeoutError. Like a proxy's refusal, it is
    raised at the first poll, naming the job to wait for again once the certificate is trusted."""
    api = make_api(base_url=f"https://api.tls.test:{https_port}", transport=None, timeout=5)
    try:
        with pytest.raises(APIConnectionError) as caught:
            await api.wait(JOB_ID, timeout=3600)
    finally:
        await api.close()
    assert not isinstance(caught.value, WaitTimeoutError), caught.value
    assert caught.value.certificate_failed is True
    assert fake_time.sleeps == []
    said = " ".join([str(caught.value), *getattr(caught.value, "__notes__", ())])
    assert f"wait({JOB_ID!r})" in said, said
