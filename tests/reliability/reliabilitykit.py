"""Helpers of the reliability tests: one adapter over both clients, scripted time, ASGI fault layers.

``Api`` drives a ``Client`` or an ``AsyncClient`` from one async test and remembers every
exception it saw, so the suite can check that none of them shows a secret. ``SimTime`` is the
clock and the sleep of a client: sleeping moves the sandbox's clock instead of waiting, so a job
of several simulated seconds ends without any real wait. ``Chaos`` sits in front of the sandbox's
ASGI app and breaks responses the sandbox itself never breaks (statuses outside the enum,
unknown fields, a proxy's HTML error page, an output that is gone). ``DeliveryTap`` sits in front
of a webhook receiver: it records each delivery and can tamper with a body or lose an answer.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio

from pyannoteai_identify import AsyncClient, Client, JobSummary
from pyannoteai_identify.sandbox import Sandbox, voiceprint_for

#: Distinctive credentials: any text they appear in is a leak.
API_KEY = "sk-RELIABILITY-0b9e7c51-do-not-log"
WEBHOOK_SECRET = "whsec_RELIABILITY-4f1d2a88-do-not-log"
SECRETS = (API_KEY, WEBHOOK_SECRET)
#: The media key of the demo conversation, stored in the sandbox before each test.
DEMO_MEDIA = "media://reliability/demo.wav"
VOICEPRINTS = {"Alice": voiceprint_for("Alice"), "Bob": voiceprint_for("Bob")}

ASGIApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
    Awaitable[None],
]
Message = dict[str, Any]


def wav_file(data: bytes) -> io.BytesIO:
    """A binary file object holding *data*, named like a file."""
    handle = io.BytesIO(data)
    handle.name = "conversation.wav"
    return handle


def leaks(texts: Iterable[str]) -> list[str]:
    """The texts that contain a secret (or its bearer header), shortened for the failure message."""
    return [text[:200] for text in texts if any(secret in text for secret in SECRETS)]


def log_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """Everything a log record could print: the formatted message, its raw args and any traceback."""
    formatter = logging.Formatter()
    texts: list[str] = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
    return texts


class Api:
    """Drive a ``Client`` or an ``AsyncClient`` the same way from an async test; keep what they raised."""

    def __init__(self, client: Client | AsyncClient) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncClient)
        self.errors: list[BaseException] = []

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = method(*args, **kwargs)
                return await result if inspect.isawaitable(result) else result
            except Exception as error:
                self.errors.append(error)
                raise

        return call

    async def jobs(self, *args: Any, **kwargs: Any) -> list[JobSummary]:
        """Every item ``jobs()`` yields, as a list."""
        try:
            iterator = self.client.jobs(*args, **kwargs)
            if isinstance(iterator, AsyncIterator):
                return [item async for item in iterator]
            return list(iterator)
        except Exception as error:
            self.errors.append(error)
            raise

    async def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()


MakeApi = Callable[..., Api]


@dataclass
class SimTime:
    """A client's clock and sleep on the sandbox's clock: a sleep advances the sandbox instead of waiting."""

    sandbox: Sandbox
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.sandbox.clock.now()

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.sandbox.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


# --- ASGI layers ---------------------------------------------------------------------------------

Transform = Callable[[int, list[tuple[bytes, bytes]], bytes], tuple[int, list[tuple[bytes, bytes]], bytes]]


class LostAnswer(Exception):
    """Raised by ``Chaos`` to cut a response short after the API did its work."""


class HideLostAnswers(logging.Filter):
    """Keep uvicorn from logging the tracebacks of intentional ``LostAnswer`` drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], LostAnswer))


@dataclass
class _Rule:
    method: str
    path_prefix: str
    remaining: int
    transform: Transform
    short_circuit: bool
    late: float = 0.0
    cut: bool = False


class Chaos:
    """ASGI middleware in front of the sandbox that rewrites the next matching responses.

    A rule matches a method and a path prefix; it applies to its next *times* responses. A
    short-circuit rule answers without calling the sandbox (a proxy's own error page); others
    buffer the sandbox's response and pass it through *transform*.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.applied = 0

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.applied = 0

    def rewrite(self, method: str, path_prefix: str, transform: Transform, *, times: int = 1) -> None:
        """Pass the sandbox's next *times* answers to *method* ``path_prefix…`` through *transform*."""
        with self._lock:
            self._rules.append(_Rule(method, path_prefix, times, transform, short_circuit=False))

    def answer(
        self, method: str, path_prefix: str, status: int, body: bytes, content_type: str, *, times: int = 1
    ) -> None:
        """Answer the next *times* requests itself, as a proxy in front of the API would."""

        def fixed(_: int, __: list[tuple[bytes, bytes]], ___: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            return status, [(b"content-type", content_type.encode())], body

        with self._lock:
            self._rules.append(_Rule(method, path_prefix, times, fixed, short_circuit=True))

    def lose(self, method: str, path_prefix: str, *, late: float = 0.0, cut: bool = False) -> None:
        """Let the next request reach the sandbox (a job is created), then lose its answer.

        *late* delays the answer by that many real seconds (longer than the client's timeout);
        *cut* sends the status line and a few bytes, then closes the connection.
        """

        def unchanged(
            status: int, headers: list[tuple[bytes, bytes]], body: bytes
        ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            return status, headers, body

        with self._lock:
            self._rules.append(_Rule(method, path_prefix, 1, unchanged, short_circuit=False, late=late, cut=cut))

    def _take(self, scope: dict[str, Any]) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if scope["method"] == rule.method and scope["path"].startswith(rule.path_prefix):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    self.applied += 1
                    return rule
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        rule = self._take(scope) if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.short_circuit:
            status, headers, body = rule.transform(0, [], b"")
        else:
            start: Message = {}
            chunks: list[bytes] = []

            async def buffer(message: Message) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(scope, receive, buffer)
            status, headers, body = rule.transform(start["status"], list(start.get("headers", [])), b"".join(chunks))
        if rule.late:
            await anyio.sleep(rule.late)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if rule.cut:
            await send({"type": "http.response.body", "body": body[:8], "more_body": True})
            raise LostAnswer("chaos: connection cut in the middle of the response")
        await send({"type": "http.response.body", "body": body})


def json_transform(change: Callable[[Any], Any]) -> Transform:
    """A transform that edits the JSON body of a response (its status and other headers unchanged)."""

    def transform(
        status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return status, headers, json.dumps(change(json.loads(body))).encode()

    return transform


@dataclass(frozen=True)
class Tapped:
    """One request a webhook receiver got, and how it answered (before any lost answer)."""

    body: bytes
    headers: dict[str, str]
    status: int
    answer: bytes


class DeliveryTap:
    """ASGI middleware in front of a webhook receiver: records deliveries, tampers, loses answers.

    Attributes:
        seen: what reached the receiver and how it answered, in order.
        tamper: applied to the next body before the receiver sees it (then cleared).
        lose_answers: how many of the next answers are replaced by a 503 after the receiver handled
            the delivery (the API then believes the delivery failed).
        refuse: how many of the next deliveries get a 503 without reaching the receiver (it is down).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[Tapped] = []
        self.tamper: Callable[[bytes], bytes] | None = None
        self.lose_answers = 0
        self.refuse = 0
        self.arrived = 0
        self.finished = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:
            self.arrived += 1
        try:
            await self._handle(scope, receive, send)
        finally:
            with self._lock:
                self.finished += 1

    async def _handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raw = bytearray()
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self._lock:
            down = self.refuse > 0
            self.refuse -= 1 if down else 0
            tamper, self.tamper = (None, self.tamper) if down else (self.tamper, None)
            lose = not down and self.lose_answers > 0
            self.lose_answers -= 1 if lose else 0
        if down:
            await _answer(send, 503, b'{"status":"down"}')
            return
        body = tamper(bytes(raw)) if tamper is not None else bytes(raw)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        inner_scope = {**scope, "headers": headers}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner_scope, replay, buffer)
        answer = b"".join(chunks)
        self.seen.append(
            Tapped(
                body, {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}, start["status"], answer
            )
        )
        status, out = (503, b'{"status":"lost"}') if lose else (start["status"], answer)
        await _answer(send, status, out)


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
