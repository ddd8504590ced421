"""Helpers for the sandbox tests: contract checks of every answer, uploads, waits, a webhook receiver."""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from pyannoteai_identify import _schema
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.sandbox import Sandbox

#: One TLS context for every client the tests build: httpx would load the CA bundle for each one
#: (tens of milliseconds), and the tests only ever speak plain HTTP to 127.0.0.1.
TLS = ssl.create_default_context()

# --- contract checking ---------------------------------------------------------------------------


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


_ROUTES = [
    (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), method, op["operationId"])
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
]


def operation_of(request: httpx.Request) -> str | None:
    """The operationId a request addresses, or None for the sandbox's own /_upload and /_media."""
    for pattern, method, operation_id in _ROUTES:
        if method == request.method.lower() and pattern.match(request.url.path):
            return operation_id
    return None


def check_response(response: httpx.Response) -> None:
    """Fail unless the response's status, body and headers are what openapi.yaml declares."""
    operation_id = operation_of(response.request)
    if operation_id is None:
        return
    _, _, operation = _schema.operation(operation_id)
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, f"{operation_id} answered an undeclared {response.status_code}"
    response.read()
    validator = _schema.validator_for(f"response:{operation_id}:{response.status_code}")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())]
    assert not errors, f"{operation_id} {response.status_code} breaks the contract: {errors}"
    for name, header in _deref(declared).get("headers", {}).items():
        value = response.headers.get(name)
        if value is not None:
            assert value.isdigit(), f"{name}: {value!r} is not a whole number"
            schema = _deref(header)["schema"]
            assert not list(Draft202012Validator(schema).iter_errors(int(value))), f"{name}: {value!r}"


def checked_client(sandbox: Sandbox, *, authorized: bool = True, **options: Any) -> httpx.Client:
    """A client of *sandbox* (with its key unless not *authorized*) checking every response."""
    return httpx.Client(
        base_url=sandbox.base_url,
        headers={"Authorization": f"Bearer {sandbox.api_key}"} if authorized else {},
        timeout=10,
        verify=TLS,
        event_hooks={"response": [check_response]},
        **options,
    )


# --- waiting and jobs ----------------------------------------------------------------------------


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until *predicate* holds (for work another thread does); fail after *timeout*."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


def upload(client: httpx.Client, key: str, data: bytes) -> str:
    """Upload *data* the documented way (presigned PUT, no key) and return its ``media://`` URL."""
    created = client.post("/v1/media/input", json={"url": f"media://{key}"})
    assert created.status_code == 201
    put = httpx.put(created.json()["url"], content=data, timeout=10, verify=TLS)
    assert put.status_code == 200
    return f"media://{key}"


def finished(sandbox: Sandbox, client: httpx.Client, job_id: str) -> dict[str, Any]:
    """The job once it has ended: the clock is advanced past its simulated processing time."""
    sandbox.advance(sandbox.timing.real(sandbox.timing.queue_seconds + sandbox.timing.job_seconds) + 1e-6)
    body: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
    assert body["status"] in ("succeeded", "failed"), body
    return body


# --- webhooks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A loopback HTTP server that records POSTs and answers with scripted statuses (then 200).

    ``redirect_to`` adds a Location header; ``delay`` holds every answer back that many seconds.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.redirect_to: str | None = None
        self.delay = 0.0
        self._condition = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with owner._condition:
                    owner.requests.append(Received(dict(self.headers.items()), body))
                    status = owner.statuses.pop(0) if owner.statuses else 200
                    owner._condition.notify_all()
                time.sleep(owner.delay)
                self.send_response(status)
                if owner.redirect_to is not None:
                    self.send_header("Location", owner.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def wait(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The first *count* requests, waiting for them at most *timeout* seconds."""
        with self._condition:
            reached = self._condition.wait_for(lambda: len(self.requests) >= count, timeout)
            assert reached, f"expected {count} deliveries, got {len(self.requests)}"
            return list(self.requests[:count])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
