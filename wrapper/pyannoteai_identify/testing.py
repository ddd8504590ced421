"""pytest plugin for teams that use pyannoteai-identify: fixtures and builders for their own tests.

Registered through the ``pytest11`` entry point, so installing ``pyannoteai-identify[testing]``
makes the fixtures available with no import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from . import webhooks

__all__ = ["signed_delivery", "webhook_secret"]

_TEST_SECRET = "whsec_test_pyannoteai_identify"


def signed_delivery(
    payload: Mapping[str, Any],
    secret: str = _TEST_SECRET,
    *,
    timestamp: int | None = None,
    encoding: webhooks.Encoding = "hex",
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A webhook delivery as pyannoteAI would send it: the raw body and its signed headers."""
    body = json.dumps(dict(payload), separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json", **webhooks.sign(body, secret, timestamp, encoding)}
    if retry_num is not None:
        headers[webhooks.RETRY_NUM_HEADER] = str(retry_num)
        headers[webhooks.RETRY_REASON_HEADER] = retry_reason or "http_error"
    return body, headers


@pytest.fixture
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """A webhook secret, also exported as PYANNOTEAI_WEBHOOK_SECRET for the code under test."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", _TEST_SECRET)
    return _TEST_SECRET
