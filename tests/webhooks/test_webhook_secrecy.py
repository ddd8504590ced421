"""The webhook secret never shows: not in a message, a repr, a response body nor a log line."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

from pyannoteai_identify import webhooks
from pyannoteai_identify.errors import WebhookVerificationError
from pyannoteai_identify.receiver import MemoryDeliveryStore, WebhookBroker, WebhookReceiver, asgi_app
from pyannoteai_identify.testing import signed_delivery

CANARY = "whsec_CANARY_7f3a9c_do_not_print"
T0 = 1_700_000_000
OUTPUT = {"voiceprint": "abc"}


def failures_of_verify_and_parse() -> list[tuple[BaseException, bytes]]:
    """One exception for every way verify() and parse() can refuse a delivery made with the canary,
    each with the body it refused."""
    good_body, good = signed_delivery({"jobId": "j", "status": "succeeded", "output": OUTPUT}, CANARY, timestamp=T0)
    cases: list[tuple[bytes, dict[str, str], dict[str, Any]]] = [
        (good_body + b" ", good, {}),
        (good_body, {"X-Signature": good["X-Signature"]}, {}),
        (good_body, {**good, "X-Request-Timestamp": "x"}, {}),
        (good_body, good, {"now": T0 + 10_000}),
        (good_body, {**good, "X-Signature": "zz"}, {}),
        # Of a valid length but not a valid encoding (a non-hex "Z"), and a valid encoding that mismatches.
        (good_body, {**good, "X-Signature": "Z" + good["X-Signature"][1:].upper()}, {}),
        (
            good_body,
            {**good, "X-Signature": ("0" if good["X-Signature"][0] != "0" else "1") + good["X-Signature"][1:]},
            {},
        ),
        (b"not json", webhooks.sign(b"not json", CANARY, T0), {}),
        (b'{"jobId": 5, "status": "x"}', webhooks.sign(b'{"jobId": 5, "status": "x"}', CANARY, T0), {}),
    ]
    caught: list[tuple[BaseException, bytes]] = []
    for body, headers, kwargs in cases:
        for secret in (CANARY, [CANARY, "other"]):
            with pytest.raises(WebhookVerificationError) as info:
                webhooks.parse(body, headers, secret, now=kwargs.get("now", T0))
            caught.append((info.value, body))
    with pytest.raises(WebhookVerificationError) as info:
        webhooks.verify(good_body, good, "wrong-" + CANARY, now=T0)
    caught.append((info.value, good_body))
    return caught


def signatures_of(body: bytes) -> set[str]:
    """The canary's signature of *body* in every encoding a delivery may carry (hex, base64 either way)."""
    digest = bytes.fromhex(webhooks.sign(body, CANARY, T0)["X-Signature"])
    encoded = {digest.hex(), base64.b64encode(digest).decode(), base64.urlsafe_b64encode(digest).decode()}
    return encoded | {text.rstrip("=") for text in encoded}


def test_no_exception_shows_the_secret() -> None:
    """Every refusal's str and repr, including chained causes, is free of the secret and of a valid
    signature of the body it refused (which would let anyone forge that delivery)."""
    for exc, body in failures_of_verify_and_parse():
        for text in (str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__), repr(exc.args)):
            assert CANARY not in text
            assert not [signature for signature in signatures_of(body) if signature in text]


def test_no_repr_shows_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The receiver, the app, its routes, the event, the store and the broker never show the secret."""
    receiver = WebhookReceiver(CANARY)
    app = asgi_app(CANARY)
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", CANARY)
    from_env = WebhookReceiver()
    body, headers = signed_delivery({"jobId": "j", "status": "succeeded", "output": OUTPUT}, CANARY)
    outcome = receiver.handle(body, headers)
    texts = [
        repr(receiver),
        repr(from_env),
        repr(app),
        repr(app.routes),
        repr(vars(app)),
        repr(outcome),
        repr(outcome.event),
        repr(receiver.store),
        repr(WebhookBroker()),
        repr(MemoryDeliveryStore()),
        repr(receiver._signers),
    ]
    for text in texts:
        assert CANARY not in text


def test_the_receiver_object_does_not_keep_the_secret() -> None:
    """Nothing reachable from a receiver's attributes is the secret itself."""
    receiver = WebhookReceiver([CANARY, CANARY + "-next"])
    reachable: list[Any] = list(vars(receiver).values()) + list(receiver._signers)
    for value in reachable:
        assert value not in (CANARY, CANARY.encode())
        for attribute in getattr(value, "__slots__", ()):
            assert getattr(value, attribute) not in (CANARY, CANARY.encode())


@pytest.mark.anyio
async def test_no_log_line_or_response_shows_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    """Accepted, duplicate, refused, oversized and failing-handler deliveries log and answer without the secret."""
    caplog.set_level(logging.DEBUG)

    def on_event(event: webhooks.WebhookEvent) -> None:
        raise RuntimeError(f"handler failed for {event.job_id}")

    app = asgi_app(CANARY, on_event=on_event, max_body_bytes=4096)
    body, headers = signed_delivery({"jobId": "j", "status": "succeeded", "output": OUTPUT}, CANARY)
    requests = [
        (body, headers),
        (body, headers),
        (body + b" ", headers),
        (body, {**headers, "X-Request-Timestamp": "0"}),
        (b"x" * 5000, headers),
        (b"[]", webhooks.sign(b"[]", CANARY)),
    ]
    answers = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        for content, request_headers in requests:
            answers.append(await client.post("/", content=content, headers=request_headers))
    assert [a.status_code for a in answers] == [200, 200, 400, 400, 413, 400]
    for answer in answers:
        assert CANARY not in answer.text
    assert caplog.records, "the receiver logged nothing to check"
    assert CANARY not in caplog.text
    for record in caplog.records:
        assert CANARY not in record.getMessage()
        assert CANARY not in repr(record.args)
