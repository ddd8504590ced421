"""The Sandbox object and the command: lifecycle, options, in-process use, and `sandbox` on the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandboxkit import TLS, Receiver, checked_client, eventually, upload

from pyannoteai_identify import Client
from pyannoteai_identify.sandbox import DroppedConnection, Sandbox, demo_audio, serve, voiceprint_for
from pyannoteai_identify.sandbox.pytest_fixture import running_sandbox


def test_the_context_manager_serves_then_stops() -> None:
    """Inside the with-block the API answers on a free 127.0.0.1 port; after it, nothing listens."""
    with Sandbox() as sandbox:
        base_url = sandbox.base_url
        assert base_url.startswith("http://127.0.0.1:")
        assert (
            httpx.get(f"{base_url}/v1/test", headers={"Authorization": "Bearer sandbox-key"}, verify=TLS).status_code
            == 200
        )
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/v1/test", verify=TLS)
    with pytest.raises(RuntimeError, match="not serving"):
        _ = sandbox.base_url


def test_starting_twice_or_on_a_taken_port_fails_clearly() -> None:
    """start() on a running sandbox is a RuntimeError; a port already in use is an OSError."""
    with Sandbox() as sandbox:
        with pytest.raises(RuntimeError, match="already serving"):
            sandbox.start()
        taken = int(sandbox.base_url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            Sandbox(port=taken).start()


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"api_key": ""}, "api_key"),
        ({"webhook_secret": " padded "}, "webhook_secret"),
        ({"port": 70000}, "port"),
        ({"rate_limit": -1}, "rate_limit"),
        ({"queue_seconds": -1}, "queue_seconds"),
        ({"job_seconds": float("nan")}, "job_seconds"),
        ({"retention_seconds": 0}, "retention_seconds"),
        ({"speed": 0}, "speed"),
        ({"webhook_timeout": 0}, "webhook_timeout"),
        ({"max_upload_bytes": 0}, "max_upload_bytes"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_options_are_refused_naming_the_option(options: dict[str, Any], name: str) -> None:
    """Every out-of-range option raises a ValueError that names it, before anything starts."""
    with pytest.raises(ValueError, match=name):
        Sandbox(**options)


def test_repr_never_shows_the_key_or_secret() -> None:
    """The sandbox's repr shows where it listens, never its key or webhook secret."""
    sandbox = Sandbox(api_key="sk-VISIBLE-KEY", webhook_secret="whsec-VISIBLE")
    with sandbox:
        text = repr(sandbox)
    assert "VISIBLE" not in text and "127.0.0.1" in text


def test_the_fixture_defaults_run_jobs_to_the_end_in_real_time() -> None:
    """With the real clock and speed=100, a job finishes by itself within a fraction of a second."""
    with running_sandbox() as sandbox, checked_client(sandbox) as client:
        url = upload(client, "rt.wav", demo_audio())
        body = {"url": url, "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
        job_id = client.post("/v1/identify", json=body).json()["jobId"]
        eventually(lambda: client.get(f"/v1/jobs/{job_id}").json()["status"] == "succeeded")


@pytest.mark.anyio
async def test_the_app_serves_async_clients_in_process() -> None:
    """sandbox.app behind httpx.ASGITransport runs the whole flow with no server, drop faults included."""
    sandbox = Sandbox(speed=1000)
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=headers) as client:
        target = (await client.post("/v1/media/input", json={"url": "media://m.wav"})).json()["url"]
        async with httpx.AsyncClient(transport=transport) as storage:  # the presigned PUT goes without the key
            assert (await storage.put(target, content=demo_audio())).status_code == 200
        body = {"url": "media://m.wav", "voiceprints": [{"label": "Alice", "voiceprint": voiceprint_for("Alice")}]}
        job_id = (await client.post("/v1/identify", json=body)).json()["jobId"]
        sandbox.advance(1)
        job = (await client.get(f"/v1/jobs/{job_id}")).json()
        assert [s["match"] for s in job["output"]["identification"]] == ["Alice", None, "Alice", None]
        sandbox.faults.next(1, "drop")
        with pytest.raises(DroppedConnection):
            await client.get("/v1/test")
    sandbox.close()


@pytest.mark.sandbox(webhook_timeout=2.0)
def test_proxy_settings_in_the_environment_are_ignored(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Webhooks go straight to the loopback receiver even when HTTP(S)_PROXY point elsewhere."""
    url = upload(client, "p.wav", demo_audio())
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    body = {"url": url, "webhook": receiver.url, "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    client.post("/v1/identify", json=body)
    sandbox.advance(1)
    receiver.wait(1)


def test_importing_the_sdk_does_not_import_the_sandbox_dependencies() -> None:
    """starlette, uvicorn and jsonschema are optional: the SDK, the audio helpers and the fixture module load none."""
    code = (
        "import sys, pyannoteai_identify, pyannoteai_identify.sandbox.pytest_fixture\n"
        "from pyannoteai_identify.sandbox import demo_audio\n"
        "demo_audio()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'jsonschema')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_a_session_with_the_fixture_module_as_its_plugin_does_not_import_the_sandbox_dependencies(
    tmp_path: Path,
) -> None:
    """The fixture module's docstring: "a plugin can expose the fixtures to every test session, and only a
    test that uses them needs the sandbox extra". pytest registers a plugin by probing each of its
    globals (``_mock_name``, ``__wrapped__``), and the stand-in bound to the sandbox server for
    ``typing.get_type_hints`` imported the server, and starlette with it, at that probe: in every session."""
    (tmp_path / "conftest.py").write_text(
        "import sys\n"
        "def pytest_sessionfinish(session):\n"
        "    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'starlette', 'uvicorn', 'jsonschema'})\n"
        "    print('extras imported:', heavy)\n"
    )
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n")
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "-p",
            "pyannoteai_identify.sandbox.pytest_fixture",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "extras imported: []" in result.stdout, result.stdout


def test_a_missing_extra_is_named_with_the_install_command() -> None:
    """Without starlette, using Sandbox raises ModuleNotFoundError saying which extra to install."""
    code = "import sys\nsys.modules['starlette'] = None\nfrom pyannoteai_identify.sandbox import Sandbox\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "pip install 'pyannoteai-identify[sandbox]'" in result.stderr


# --- the command -------------------------------------------------------------------------------


def _start_command(*args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pyannoteai_identify.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        with process.stdout:  # closed at the child's end of output (left open, Python 3.13 warns)
            for line in process.stdout:
                lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return process, lines


def _read_until(lines: queue.Queue[str], marker: str, timeout: float = 20.0) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not any(marker in line for line in seen):
        seen.append(lines.get(timeout=max(0.01, deadline - time.monotonic())))
    return seen


def test_the_command_serves_until_ctrl_c_and_never_prints_a_chosen_key() -> None:
    """`python -m pyannoteai_identify.sandbox` prints its URL, serves, hides a custom key, stops on SIGINT."""
    process, lines = _start_command("--quiet", "--api-key", "sk-MY-REAL-KEY", "--rate-limit", "5", "--speed", "60")
    try:
        banner = _read_until(lines, "Ctrl-C")
        base_url = next(line.split("=", 1)[1].strip() for line in banner if "PYANNOTEAI_BASE_URL=" in line)
        ok = httpx.get(f"{base_url}/v1/test", headers={"Authorization": "Bearer sk-MY-REAL-KEY"}, verify=TLS)
        assert (ok.status_code, ok.headers["X-RateLimit-Limit"]) == (200, "5")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130  # 128 + SIGINT, as every command reports Ctrl-C
        output = "".join(banner) + "".join(_read_until(lines, "sandbox stopped"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert "sk-MY-REAL-KEY" not in output
    assert "PYANNOTEAI_API_KEY=<as given with --api-key>" in output


def test_the_command_prints_the_default_sandbox_key_and_stops_when_told() -> None:
    """With the built-in key the banner shows it (to copy into the environment); *stop* ends serve()."""
    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(serve(["--quiet"], out=out, stop=stop)))
    worker.start()
    eventually(lambda: "Ctrl-C" in out.getvalue(), timeout=20)
    stop.set()
    worker.join(20)
    assert result == [0]
    assert "PYANNOTEAI_API_KEY=sandbox-key" in out.getvalue()
    assert "PYANNOTEAI_WEBHOOK_SECRET=whsec_sandbox" in out.getvalue()
    assert out.getvalue().endswith("sandbox stopped\n")


def test_on_a_wildcard_address_the_banner_and_base_url_are_a_url_the_client_accepts() -> None:
    """`sandbox --host 0.0.0.0` (to share the sandbox with a container or a VM) printed
    PYANNOTEAI_BASE_URL=http://0.0.0.0:PORT, and Sandbox(host="0.0.0.0").base_url was that URL: a
    client given it refuses it ("refusing to send the API key over plain http to 0.0.0.0 … plain
    http is allowed only for loopback addresses such as the sandbox"). On this machine the sandbox
    is reached on the loopback address: that is the URL to show."""
    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(serve(["--quiet", "--host", "0.0.0.0"], out=out, stop=stop)))
    worker.start()
    try:
        eventually(lambda: "Ctrl-C" in out.getvalue(), timeout=20)
        base_url = next(
            line.split("=", 1)[1].strip() for line in out.getvalue().splitlines() if "PYANNOTEAI_BASE_URL=" in line
        )
        with Client("sandbox-key", base_url=base_url, max_retries=0, timeout=10) as client:
            assert client.test().status == "OK"
        assert "other machines can reach the sandbox" in out.getvalue()
    finally:
        stop.set()
        worker.join(20)
    assert result == [0]
    with Sandbox(host="0.0.0.0") as sandbox, Client(sandbox.api_key, base_url=sandbox.base_url, timeout=10) as client:
        assert client.test().status == "OK"


@pytest.mark.parametrize("host", ["127.0.0.2", "0:0:0:0:0:0:0:1", "LOCALHOST"])
def test_a_loopback_address_is_not_announced_as_reachable_by_other_machines(host: str) -> None:
    """The banner's warning compared --host with "127.0.0.1", "::1" and "localhost" as strings:
    `--host 127.0.0.2` (all of 127.0.0.0/8 is loopback), ::1 spelled out, or LOCALHOST printed
    "other machines can reach the sandbox", which they cannot."""
    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(serve(["--quiet", "--host", host], out=out, stop=stop)))
    worker.start()
    try:
        eventually(lambda: "Ctrl-C" in out.getvalue(), timeout=20)
    finally:
        stop.set()
        worker.join(20)
    assert result == [0]
    assert "other machines" not in out.getvalue()


@pytest.mark.parametrize("host", ["::0", "0:0:0:0:0:0:0:0"])
def test_every_spelling_of_the_wildcard_address_gives_a_base_url_the_client_accepts(host: str) -> None:
    """The wildcard fix mapped the strings "0.0.0.0" and "::" only: ``Sandbox(host="::0")`` (the same
    IPv6 wildcard, spelled otherwise) still gave http://[::0]:PORT, which the client refuses as plain
    http off loopback."""
    with Sandbox(host=host) as sandbox, Client(sandbox.api_key, base_url=sandbox.base_url, timeout=10) as client:
        assert client.test().status == "OK"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--speed", "0"], "error: --speed=0.0: must be a finite factor > 0"),
        (["--rate-limit", "-5"], "error: --rate-limit=-5: "),
        (["--job-seconds", "-1"], "error: --job-seconds=-1.0: "),
    ],
)
def test_the_command_refuses_bad_options_with_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    """serve() with an out-of-range option prints why, naming the option as typed (it said
    rate_limit=, Sandbox's parameter), and returns 2 without serving."""
    assert serve(argv, out=io.StringIO()) == 2
    assert capsys.readouterr().err.startswith(said)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--api-key", ""], "error: --api-key"),
        (["--host", ""], "error: --host"),
        (["--webhook-secret", " s"], "error: --webhook-secret"),
    ],
)
def test_the_command_names_every_refused_option_as_typed(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    """Sandbox's text checks say "api_key: …" (no '='): the rewrite of "rate_limit=" left them
    named as its parameters. They are named as the options too."""
    assert serve(argv, out=io.StringIO()) == 2
    assert capsys.readouterr().err.startswith(said)


def test_no_thread_of_a_closed_sandbox_outlives_its_close() -> None:
    """A test that gets a sandbox of its own (``@pytest.mark.sandbox(...)``, ``running_sandbox()``)
    ends with ``close()``: a suite that checks for leaked threads between tests (as demanding ones
    do) must find none of the sandbox's. The job runner's idle workers only noticed the stop flag at
    their next half-second poll, so an analysis thread was still alive after close() returned."""
    before = set(threading.enumerate())
    with running_sandbox() as sandbox, checked_client(sandbox) as client:
        url = upload(client, "leak/check.wav", demo_audio())
        created = client.post("/v1/voiceprint", json={"url": url})
        assert created.status_code == 200
        eventually(lambda: sandbox.runner.pending == 0)
    left = [thread.name for thread in set(threading.enumerate()) - before if thread.is_alive()]
    assert left == []


def test_closing_while_an_upload_streams_logs_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Ctrl-C on ``pyannoteai-identify sandbox`` (or the end of a test) while a client's PUT to a
    presigned URL is still streaming: uvicorn cancels the request after its 1 s grace and logged
    "Exception in ASGI application" with a whole CancelledError traceback (about 40 lines through
    starlette and uvicorn) for what is an expected cut-off, not a sandbox error."""
    caplog.set_level(logging.INFO)  # the command's level
    sandbox = Sandbox().start()
    with checked_client(sandbox) as client:
        created = client.post("/v1/media/input", json={"url": "media://slow/upload.wav"})
    assert created.status_code == 201
    streaming, done = threading.Event(), threading.Event()

    def body() -> Any:
        for _ in range(400):  # at most 20 s; done ends it as soon as the sandbox is closed
            yield b"\0" * 1024
            streaming.set()
            if done.wait(0.05):
                return

    def put() -> None:
        with contextlib.suppress(httpx.HTTPError):  # cut off by the close: whatever it answers
            httpx.put(created.json()["url"], content=body(), timeout=10, verify=TLS)

    sender = threading.Thread(target=put, daemon=True)
    sender.start()
    try:
        assert streaming.wait(10)
        sandbox.close()
    finally:
        done.set()
        sender.join(10)
    tracebacks = [record.getMessage() for record in caplog.records if record.exc_info]
    assert tracebacks == []


class _CutOff(Exception):
    """Raised by an upload's progress callback: the uploader gives up half-way through the body."""


def test_an_uploader_hanging_up_mid_body_logs_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Ctrl-C (or a cancelled task, or ``close()`` from another thread) while the SDK streams an
    upload to the sandbox: the client hangs up half-way through the PUT's body, and the sandbox
    logged "Exception in ASGI application" with a whole ClientDisconnect traceback (about 40 lines
    through starlette and uvicorn) at ERROR, for what is the client's own choice, not a sandbox error.
    Nothing is stored, and an upload to the same URL afterwards is kept whole."""

    def give_up(sent: int, total: int | None) -> None:
        raise _CutOff  # after the first chunk: headers and 1 MiB sent, the rest never is

    data = demo_audio(duration=120)  # about 3.8 MB: several chunks
    with _captured(caplog, "uvicorn.error"), caplog.at_level(logging.INFO):
        sandbox = Sandbox().start()
        try:
            with Client(sandbox.api_key, base_url=sandbox.base_url) as client:
                with pytest.raises(_CutOff):
                    client.upload(io.BytesIO(data), "cut/off.wav", on_progress=give_up)
                eventually(lambda: sandbox.stats.requests["upload"] == 1)  # the sandbox is reading it
                assert sandbox.state.media("cut/off.wav") is None
                assert client.upload(io.BytesIO(data), "cut/off.wav") == "media://cut/off.wav"
                assert bytes(sandbox.state.media("cut/off.wav") or b"") == data
        finally:
            sandbox.close()  # every request handled: whatever the cut-off logs is logged by now
    tracebacks = [record.getMessage() for record in caplog.records if record.exc_info]
    assert tracebacks == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("media://cut/off.wav was cut off by its client" in record.getMessage() for record in caplog.records)


def test_a_client_hanging_up_mid_json_body_logs_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """A client that hangs up half-way through a JSON POST's body (Ctrl-C, a cancelled task, a closed
    client): the sandbox logged "Exception in ASGI application" with a whole ClientDisconnect
    traceback at ERROR, as it did for an upload's body. It is now one INFO line; the request is not
    served (no job, no fault taken), and the next one is answered as usual."""
    body = b'{"url": "media://cut/json.wav", "voiceprints": []}'
    with _captured(caplog, "uvicorn.error"), caplog.at_level(logging.INFO):
        sandbox = Sandbox().start()
        try:
            host, port = sandbox.base_url.removeprefix("http://").rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=10) as raw:
                raw.sendall(
                    b"POST /v1/identify HTTP/1.1\r\n"
                    + f"Host: {host}\r\nAuthorization: Bearer {sandbox.api_key}\r\n".encode()
                    + f"Content-Type: application/json\r\nContent-Length: {len(body) + 100}\r\n\r\n".encode()
                    + body[:20]
                )

            def logged() -> bool:
                return any("cut off" in r.getMessage() or r.levelno >= logging.ERROR for r in caplog.records)

            eventually(logged)
            with checked_client(sandbox) as client:
                assert client.get("/v1/test").status_code == 200
        finally:
            sandbox.close()
    tracebacks = [record.getMessage() for record in caplog.records if record.exc_info]
    assert tracebacks == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("/v1/identify was cut off by its client" in record.getMessage() for record in caplog.records)
    assert sandbox.stats.requests.get("identify", 0) == 0


def test_closing_with_a_request_held_open_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    """close() while a request is still in progress (its client streams a body slowly): uvicorn
    cancels it after the 1 s grace close() documents, and logged "Cancel 1 running task(s), timeout
    graceful shutdown exceeded" at ERROR, for the sandbox's designed stop, which failed a suite that
    checks its logs for errors. It is now a WARNING, beside the one-line WARNING that tells of the
    request cut off."""
    sandbox = Sandbox().start()
    with checked_client(sandbox) as client:
        url = httpx.URL(client.post("/v1/media/input", json={"url": "media://held/upload.wav"}).json()["url"])
    with _captured(caplog, "uvicorn.error"), caplog.at_level(logging.INFO):
        try:
            with socket.create_connection((url.host, url.port or 80), timeout=10) as raw:
                raw.sendall(
                    f"PUT {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}\r\n".encode()
                    + b"Content-Type: audio/wav\r\nContent-Length: 100000\r\n\r\n"
                    + bytes(1000)
                )
                eventually(lambda: sandbox.stats.requests["upload"] == 1)  # reading the rest of the body
                sandbox.close()  # the client is still connected, its body unfinished
        finally:
            sandbox.close()
    records = [record for record in caplog.records if record.name == "uvicorn.error"]
    assert not [record.getMessage() for record in records if record.levelno >= logging.ERROR or record.exc_info]
    warnings = [record.getMessage() for record in records if record.levelno == logging.WARNING]
    assert any("graceful shutdown exceeded" in message for message in warnings), warnings
    assert any("still in progress when the sandbox stopped was cut off" in message for message in warnings)


def test_closing_answers_a_request_a_delay_holds_with_a_503_at_once(caplog: pytest.LogCaptureFixture) -> None:
    """close() while a "delay" fault holds a request left it to uvicorn's 1 s grace, then cut it off
    with a WARNING (the client saw its connection dropped), where reset() answers such a request 503
    without serving it. close() now releases it the same way: the client gets the 503, the request
    does nothing, and the stop logs no WARNING (it does not wait for the grace)."""
    sandbox = Sandbox().start()
    sandbox.faults.next(1, "delay", seconds=30, operation="testKey")
    answers: queue.Queue[httpx.Response | Exception] = queue.Queue()

    def held() -> None:
        try:
            headers = {"Authorization": f"Bearer {sandbox.api_key}"}
            answers.put(httpx.get(f"{sandbox.base_url}/v1/test", headers=headers, timeout=10, verify=TLS))
        except Exception as error:  # the test asserts on it below
            answers.put(error)

    caller = threading.Thread(target=held, daemon=True)
    with _captured(caplog, "uvicorn.error"), caplog.at_level(logging.INFO):
        caller.start()
        try:
            eventually(lambda: sandbox.stats.requests["testKey"] == 1)  # the delay holds it
        finally:
            sandbox.close()
            caller.join(10)
    answer = answers.get(timeout=10)
    assert isinstance(answer, httpx.Response), repr(answer)
    assert answer.status_code == 503 and "stopped while it held this request" in answer.text, answer.text
    records = [record for record in caplog.records if record.name.startswith(("uvicorn", "pyannoteai_identify"))]
    assert not [record.getMessage() for record in records if record.levelno >= logging.WARNING]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_second_signal_while_the_command_stops_ends_it_as_forced_without_a_traceback(
    signum: signal.Signals, code: int
) -> None:
    """An impatient user presses Ctrl-C again, or a supervisor (a user's second `kill`) sends SIGTERM
    again, while the sandbox is still stopping (its 1 s grace for an upload still streaming). A
    second Ctrl-C came out of ``close()`` as a KeyboardInterrupt traceback through threading.join and
    the process died of SIGINT; the first SIGTERM's handler had been put back before ``close()``, so a
    second one killed the process (exit -15) without "sandbox stopped". Either now ends the wait at
    once, "sandbox stopped (forced)", with 128 + the signal."""
    process, lines = _start_command("--speed", "1000")  # not --quiet: uvicorn says when it waits
    streaming, done = threading.Event(), threading.Event()
    try:
        banner = _read_until(lines, "Ctrl-C")
        base_url = next(line.split("=", 1)[1].strip() for line in banner if "PYANNOTEAI_BASE_URL=" in line)
        created = httpx.post(
            f"{base_url}/v1/media/input",
            json={"url": "media://slow/upload.wav"},
            headers={"Authorization": "Bearer sandbox-key"},
            verify=TLS,
        )
        assert created.status_code == 201

        def body() -> Any:
            for sent in range(400):  # at most 20 s; done ends it with the test
                yield b"\0" * 1024
                if sent == 1:  # a chunk after the first: the server is reading the body
                    streaming.set()
                if done.wait(0.05):
                    return

        def put() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.put(created.json()["url"], content=body(), timeout=20, verify=TLS)

        threading.Thread(target=put, daemon=True).start()
        assert streaming.wait(10)
        process.send_signal(signum)
        seen = _read_until(lines, "Waiting for connections to close")  # close() is under way
        process.send_signal(signum)
        exit_status = process.wait(timeout=20)
        with contextlib.suppress(queue.Empty):  # all it printed (its last line, or the end of output)
            while not seen[-1].startswith("sandbox stopped"):
                seen.append(lines.get(timeout=5))
    finally:
        done.set()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    output = "".join(seen)
    assert "Traceback" not in output
    assert exit_status == code
    assert "sandbox stopped (forced)" in output


@contextlib.contextmanager
def _captured(caplog: pytest.LogCaptureFixture, name: str) -> Iterator[None]:
    """caplog records of the logger *name* whatever uvicorn's logging setup did to it: an earlier
    ``uvicorn.Config`` without ``log_config=None`` (uvicorn's own dictConfig), or a server run with
    its access log off, stops ``uvicorn``/``uvicorn.access`` records from reaching the root logger."""
    logger = logging.getLogger(name)
    propagate, logger.propagate = logger.propagate, False  # each record once: here, not also at the root
    logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate


def test_the_access_log_hides_the_signature_of_a_presigned_upload_url(caplog: pytest.LogCaptureFixture) -> None:
    """uvicorn's access log (on at the command's level, info) printed each PUT's whole path, the
    presigned URL's X-Signature token included: whoever reads the log could upload in its place
    until it expires. The SDK's own log lines show such a URL without its query
    (``?<query hidden>``); the sandbox's access log does the same."""
    caplog.set_level(logging.INFO)
    with (
        _captured(caplog, "uvicorn.access"),
        Sandbox(log_level="info") as sandbox,
        checked_client(sandbox) as client,
    ):
        url = client.post("/v1/media/input", json={"url": "media://logged.wav"}).json()["url"]
        token = httpx.URL(url).params["X-Signature"]
        assert httpx.put(url, content=b"RIFF", timeout=10, verify=TLS).status_code == 200
        assert client.get("/v2/jobs", params={"limit": "3"}).status_code == 200

        def access_lines() -> list[str]:
            return [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"]

        eventually(lambda: any("limit=3" in line for line in access_lines()), timeout=10)
    lines = access_lines()
    assert any("/_upload/logged.wav?<query hidden>" in line for line in lines), lines
    assert not any(token in line for line in lines)
    assert any("/v2/jobs?limit=3" in line for line in lines)  # other queries hold no secret: kept


def test_a_cancelled_request_of_another_uvicorn_server_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """The filter that tells of a request cut off by the sandbox's stop in one line sits on uvicorn's
    shared ``uvicorn.error`` logger: once a sandbox had started, a CancelledError that the test's own
    uvicorn app (a webhook receiver beside the sandbox, as the demo runs one) logged lost its
    traceback and was said to be "cut off when the sandbox stopped"."""
    caplog.set_level(logging.INFO)
    with Sandbox():
        pass  # its filters are on uvicorn's loggers from now on

    def own_server() -> None:
        try:
            raise asyncio.CancelledError
        except asyncio.CancelledError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")

    thread = threading.Thread(target=own_server, name="my-app-server")
    with _captured(caplog, "uvicorn.error"):
        thread.start()
        thread.join(10)
    records = [record for record in caplog.records if record.name == "uvicorn.error"]
    assert [record.getMessage() for record in records] == ["Exception in ASGI application"]
    assert records[0].exc_info is not None and records[0].levelno == logging.ERROR
