"""Verify and sign pyannoteAI webhook deliveries.

pyannoteAI signs each delivery with HMAC-SHA256, keyed with the team's webhook secret (its UTF-8
bytes), over ``v0:{X-Request-Timestamp}:{raw body}``. The docs' prose says ``X-Signature`` is
base64 while their sample code compares a hex digest, so :func:`verify` accepts either encoding,
comparing in constant time.

Always verify the raw bytes of the request body, exactly as received: JSON that was parsed and
serialised again almost never has the same bytes, and its signature will not match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias

from .errors import WebhookVerificationError

__all__ = [
    "DEFAULT_TOLERANCE",
    "RETRY_NUM_HEADER",
    "RETRY_REASON_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Encoding",
    "sign",
    "verify",
]

Encoding: TypeAlias = Literal["hex", "base64"]

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Request-Timestamp"
RETRY_NUM_HEADER = "x-retry-num"
RETRY_REASON_HEADER = "x-retry-reason"

#: Seconds a delivery's timestamp may differ from now. The API retries at once, after 1 minute and
#: after 5 minutes; 600 s accepts the last retry even if it reuses the first attempt's timestamp.
DEFAULT_TOLERANCE = 600.0


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def _secrets(secret: str | bytes | Sequence[str | bytes]) -> list[bytes]:
    candidates = [secret] if isinstance(secret, str | bytes) else list(secret)
    keys = [c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in candidates]
    if not keys or not all(keys):
        raise WebhookVerificationError("no_secret", "no webhook secret given: set PYANNOTEAI_WEBHOOK_SECRET")
    return keys


def _digest(key: bytes, timestamp: str, body: bytes) -> bytes:
    mac = hmac.new(key, b"v0:" + timestamp.encode("ascii") + b":", hashlib.sha256)
    mac.update(body)
    return mac.digest()


def _decode_signature(signature: str) -> bytes | None:
    """The 32 raw bytes a hex or base64 signature stands for, or None if it is neither."""
    text = signature.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | bytes | Sequence[str | bytes],
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check that a delivery was signed by pyannoteAI with *secret*; raise if not.

    Args:
        body: the raw request body, exactly as received.
        headers: the request headers (names are matched case-insensitively).
        secret: the team's webhook secret, or several (during a rotation any one may match).
        tolerance: how many seconds the timestamp may lie in the past or future; None disables
            the window (not recommended: it allows replays).
        now: the current Unix time, for tests.

    Raises:
        WebhookVerificationError: with ``reason`` one of ``missing_header``, ``malformed_timestamp``,
            ``timestamp_out_of_tolerance``, ``malformed_signature``, ``signature_mismatch``.
    """
    keys = _secrets(secret)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    if timestamp is None:
        raise WebhookVerificationError("missing_header", f"the {TIMESTAMP_HEADER} header is missing")
    signature = _header(headers, SIGNATURE_HEADER)
    if signature is None:
        raise WebhookVerificationError("missing_header", f"the {SIGNATURE_HEADER} header is missing")
    timestamp = timestamp.strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookVerificationError(
            "malformed_timestamp", f"{TIMESTAMP_HEADER} must be whole seconds since the Unix epoch"
        )
    if tolerance is not None:
        current = time.time() if now is None else now
        if abs(current - int(timestamp)) > tolerance:
            raise WebhookVerificationError(
                "timestamp_out_of_tolerance",
                f"{TIMESTAMP_HEADER} is more than {tolerance:g} s away from now: a stale or replayed delivery",
            )
    expected = _decode_signature(signature)
    if expected is None:
        raise WebhookVerificationError(
            "malformed_signature", f"{SIGNATURE_HEADER} is neither a hex nor a base64 HMAC-SHA256"
        )
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(_digest(key, timestamp, body), expected)
    if not matched:
        raise WebhookVerificationError(
            "signature_mismatch",
            "the signature does not match: wrong secret, or the body is not the raw bytes received",
        )


def sign(
    body: bytes,
    secret: str | bytes,
    timestamp: int | None = None,
    encoding: Encoding = "hex",
) -> dict[str, str]:
    """The signature headers a delivery of *body* would carry, for tests and the sandbox."""
    key = _secrets(secret)[0]
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    digest = _digest(key, stamp, body)
    encoded = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")
    return {SIGNATURE_HEADER: encoded, TIMESTAMP_HEADER: stamp}
