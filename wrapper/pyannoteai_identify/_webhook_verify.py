"""Verifying a delivery: ``verify`` (public in :mod:`pyannoteai_identify.webhooks`), the checks of
its headers that come before the body is read (the receiver's too), and comparing the signature
with every signer of the secret, in constant time."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from ._webhook_body import Body, _check_body
from ._webhook_headers import _SIGNATURE_LOWER, _TIMESTAMP_LOWER, SIGNATURE_HEADER, TIMESTAMP_HEADER, Headers, _header
from ._webhook_hmac import _Signer
from ._webhook_secret import Secret, _signers, resolve_secret
from ._webhook_signature import _ENCODERS, _is_well_formed, _malformed_signature
from ._webhook_window import (
    _MAX_TIMESTAMP_DIGITS,
    DEFAULT_TOLERANCE,
    _check_now,
    _check_tolerance,
    _malformed_timestamp,
)
from .errors import WebhookVerificationError


def _verify(
    body: Body,
    headers: Headers,
    signers: tuple[_Signer, ...],
    tolerance: float | None,
    now: float | None,
) -> int:
    """Verify and return the delivery's timestamp (the hot path: keep it lean)."""
    timestamp, seconds, signature, encode = _checked_headers(headers, tolerance, now)
    prefix = ("v0:" + timestamp + ":").encode("ascii")
    matched = False
    for signer in signers:  # every key is tried, so the time taken does not tell which one matched
        matched |= hmac.compare_digest(encode(signer.digest(prefix, body)), signature)
    if not matched:
        if not _is_well_formed(signature):
            raise _malformed_signature()
        if not memoryview(body).nbytes:
            # Every delivery has a JSON body: no bytes means they were lost on the way in, not a wrong secret.
            raise WebhookVerificationError(
                "signature_mismatch",
                "the signature does not match: the body is empty. Was it already read (Flask's request.json, "
                "get_json() or get_data() consume request.stream)? Or sent chunked without a Content-Length, "
                "which Django and some WSGI servers hand over as no bytes?",
            )
        raise WebhookVerificationError(
            "signature_mismatch",
            "the signature does not match: a wrong secret, or a body that is not the raw bytes received",
        )
    return seconds


def _checked_headers(
    headers: Headers, tolerance: float | None, now: float | None
) -> tuple[str, int, str, Callable[[bytes], str]]:
    """What can be checked before the body is read: both headers present, the timestamp well formed
    and within *tolerance*, the signature of a known length. Returns (timestamp text, its seconds,
    signature (hex lowercased), the encoder of that length)."""
    timestamp = headers.get(TIMESTAMP_HEADER) or _header(headers, TIMESTAMP_HEADER, _TIMESTAMP_LOWER)
    if timestamp is None:
        raise WebhookVerificationError("missing_header", f"the {TIMESTAMP_HEADER} header is missing")
    signature = headers.get(SIGNATURE_HEADER) or _header(headers, SIGNATURE_HEADER, _SIGNATURE_LOWER)
    if signature is None:
        raise WebhookVerificationError("missing_header", f"the {SIGNATURE_HEADER} header is missing")
    if not (len(timestamp) <= _MAX_TIMESTAMP_DIGITS and timestamp.isdigit() and timestamp.isascii()):
        timestamp = timestamp.strip()
        if not (len(timestamp) <= _MAX_TIMESTAMP_DIGITS and timestamp.isdigit() and timestamp.isascii()):
            raise _malformed_timestamp()
    seconds = int(timestamp)
    if tolerance is not None:
        age = (time.time() if now is None else now) - seconds
        if age > tolerance:
            raise WebhookVerificationError(
                "timestamp_out_of_tolerance",
                f"{TIMESTAMP_HEADER} is {age:.0f} s old, outside the {tolerance:g} s window: "
                "a stale or replayed delivery",
            )
        if -age > tolerance:
            raise WebhookVerificationError(
                "timestamp_out_of_tolerance",
                f"{TIMESTAMP_HEADER} is {-age:.0f} s in the future, outside the {tolerance:g} s window: "
                "check this server's clock",
            )
    encode = _ENCODERS.get(len(signature))
    # Whitespace on one side of an unpadded base64 value (43) makes it as long as a padded one (44).
    if encode is None or not signature.isascii() or signature[0].isspace() or signature[-1].isspace():
        signature = signature.strip()
        encode = _ENCODERS.get(len(signature))
        if encode is None or not signature.isascii():
            raise _malformed_signature()
    if len(signature) == 64:  # hex is case-insensitive: compared as the lowercase hexdigest() gives
        signature = signature.lower()
    return timestamp, seconds, signature, encode


def verify(
    body: Body,
    headers: Headers,
    secret: Secret | None = None,
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check that a delivery was signed by pyannoteAI with *secret*; raise if not.

    Args:
        body: the raw request body, exactly as received (never parsed and re-serialised JSON).
        headers: the request headers; names are matched case-insensitively.
        secret: the team's webhook secret, or several during a rotation (any one may match); None
            reads ``PYANNOTEAI_WEBHOOK_SECRET``.
        tolerance: how many seconds the timestamp may lie in the past or the future; the default
            600 s covers the API's retries (at once, +1 min, +5 min). None disables the window,
            which lets a captured delivery be replayed forever.
        now: the current Unix time, for tests.

    Raises:
        WebhookVerificationError: ``reason`` is ``no_secret`` (none given, empty, or not valid
            text), ``missing_header``, ``malformed_timestamp``, ``timestamp_out_of_tolerance``,
            ``malformed_signature`` or ``signature_mismatch``. The message never says which byte
            differed nor shows the secret.
        ValidationError: *tolerance* or *now* is not a number in range (NaN included).
        TypeError: *body* is not bytes (for instance a str or a parsed dict).
    """
    _check_body(body)
    if tolerance is not DEFAULT_TOLERANCE:
        tolerance = _check_tolerance(tolerance)
    if now is not None:
        now = _check_now(now)
    _verify(body, headers, _signers(resolve_secret(secret)), tolerance, now)
