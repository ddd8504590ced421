"""The signature scheme: how ``X-Signature`` spells an HMAC-SHA256 (hex in either case, or base64
with or without its padding; ``Encoding``, public in :mod:`pyannoteai_identify.webhooks`), which
spellings are well formed, and ``sign``, which gives the headers a delivery would carry."""

from __future__ import annotations

import binascii
import time
from collections.abc import Callable
from typing import Literal, TypeAlias

from ._webhook_body import Body, _check_body
from ._webhook_headers import SIGNATURE_HEADER, TIMESTAMP_HEADER
from ._webhook_secret import _signers
from ._webhook_window import _MAX_TIMESTAMP_DIGITS
from .errors import ValidationError, WebhookVerificationError

Encoding: TypeAlias = Literal["hex", "base64"]


def _b64(digest: bytes) -> str:
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


def _b64_unpadded(digest: bytes) -> str:
    return _b64(digest)[:-1]


#: How a received signature is spelled, by its length: hex (lowercased before the comparison, as
#: hex is case-insensitive), or base64 with or without its one ``=``. Comparing against the
#: canonical spelling of the expected digest means no two base64 headers stand for one signature.
_ENCODERS: dict[int, Callable[[bytes], str]] = {64: bytes.hex, 44: _b64, 43: _b64_unpadded}


def _is_well_formed(signature: str) -> bool:
    """Whether *signature* (hex already lowercased) is a hex or canonical base64 spelling of 32 bytes
    (checked only on failure)."""
    try:
        if len(signature) == 64:
            return bytes.fromhex(signature).hex() == signature
        padded = signature + "=" * (44 - len(signature))
        raw = binascii.a2b_base64(padded, strict_mode=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == 32 and _b64(raw) == padded


def _malformed_signature() -> WebhookVerificationError:
    return WebhookVerificationError(
        "malformed_signature",
        f"{SIGNATURE_HEADER} is neither a hex nor a base64 HMAC-SHA256 (64, 44 or 43 characters)",
    )


def sign(
    body: Body,
    secret: str | bytes,
    timestamp: int | None = None,
    encoding: Encoding = "hex",
) -> dict[str, str]:
    """The signature headers a delivery of *body* would carry, for tests and the sandbox.

    Args:
        body: the exact bytes that will be sent.
        secret: the webhook secret.
        timestamp: Unix seconds to sign with; now when None.
        encoding: ``hex`` (what receivers in the wild compare) or ``base64`` (what the API's prose says).
    """
    _check_body(body)
    if not isinstance(secret, str | bytes | bytearray | memoryview):
        raise TypeError(
            f"sign() takes one secret (str or bytes), not {type(secret).__name__}: during a rotation, "
            "sign with the new secret"
        )
    if encoding not in ("hex", "base64"):
        raise ValidationError("encoding", encoding, "must be 'hex' or 'base64'")
    stamp = int(time.time()) if timestamp is None else timestamp
    if isinstance(stamp, bool) or not isinstance(stamp, int) or not 0 <= stamp < 10**_MAX_TIMESTAMP_DIGITS:
        raise ValidationError("timestamp", timestamp, "must be whole Unix seconds ≥ 0")
    text = str(stamp)
    digest = _signers(secret)[0].digest(("v0:" + text + ":").encode("ascii"), body)
    encoded = digest.hex() if encoding == "hex" else _b64(digest)
    return {SIGNATURE_HEADER: encoded, TIMESTAMP_HEADER: text}
