"""Verify, parse and sign pyannoteAI webhook deliveries.

pyannoteAI posts a finished job to the job's ``webhook`` URL as ``{"jobId", "status", "output"?}``,
signed with HMAC-SHA256 keyed with the team's webhook secret (its UTF-8 bytes) over
``v0:{X-Request-Timestamp}:{raw body}``. The API's prose says ``X-Signature`` is base64 while its
sample code and every receiver seen in the wild compare a hex digest, so :func:`verify` accepts
either encoding, comparing in constant time.

Always verify the raw bytes of the request body, exactly as received: JSON that was parsed and
serialised again almost never has the same bytes (spacing, key order, number formatting,
``\\u00e9`` for ``é``), and its signature will not match.

The tolerance: the API tries a delivery once, then retries at once, after 1 minute and after 5
minutes. Whether a retry is signed afresh or reuses the first attempt's timestamp, the last retry
carries a timestamp at most about 6 minutes old, so the default window of 600 s accepts every
documented attempt while still refusing a delivery replayed later. The retry headers
(``x-retry-num``, ``x-retry-reason``) are not covered by the signature: treat them as hints.

The code lives in private modules, one job each, and this module is their public face (every
public class and function here reports it as its module, so pickles and ``typing.get_type_hints``
name it):

- ``_webhook_headers``: the header names, the ``Headers`` protocol, reading a header in any case;
- ``_webhook_body``: the raw body's type (``Body``) and the check that it is bytes;
- ``_webhook_window``: ``DEFAULT_TOLERANCE`` and the checks of ``tolerance`` and ``now``;
- ``_webhook_secret``: ``Secret``, ``resolve_secret`` and the signers prepared (and cached) from
  one secret or several, with ``_webhook_hmac`` (HMAC-SHA256 with its key states hashed once);
- ``_webhook_signature``: how ``X-Signature`` is spelled (``Encoding``) and ``sign``;
- ``_webhook_verify``: ``verify``, the checks of the headers and the constant-time comparison;
- ``_webhook_event``: ``WebhookEvent``; ``_webhook_parse``: ``parse``, a body read into an event;
- ``_webhook_retry``: ``RetryReason``, the ``x-retry-reason`` values the contract lists.
"""

from __future__ import annotations

# Below, ``noqa: F401`` marks the names the annotations of the classes re-exported here use (of their
# fields) and nothing else: each reports this module as its own, where typing.get_type_hints and
# tests/test_project.py look those names up.
from collections.abc import Mapping  # noqa: F401
from typing import Any  # noqa: F401

from ._webhook_body import Body
from ._webhook_body import _check_body as _check_body
from ._webhook_event import WebhookEvent
from ._webhook_headers import _SIGNATURE_LOWER as _SIGNATURE_LOWER
from ._webhook_headers import _TIMESTAMP_LOWER as _TIMESTAMP_LOWER
from ._webhook_headers import (
    RETRY_NUM_HEADER,
    RETRY_REASON_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Headers,
)
from ._webhook_headers import _header as _header
from ._webhook_hmac import _Signer as _Signer
from ._webhook_parse import _envelope as _envelope
from ._webhook_parse import _event as _event
from ._webhook_parse import _parse_with as _parse_with
from ._webhook_parse import _retry_num as _retry_num
from ._webhook_parse import parse
from ._webhook_reason import Reason
from ._webhook_retry import RetryReason
from ._webhook_secret import SECRET_ENV, Secret, resolve_secret
from ._webhook_secret import _cached_signer_of as _cached_signer_of
from ._webhook_secret import _signer_of as _signer_of
from ._webhook_secret import _signers as _signers
from ._webhook_signature import _ENCODERS as _ENCODERS
from ._webhook_signature import Encoding, sign
from ._webhook_signature import _b64 as _b64
from ._webhook_signature import _b64_unpadded as _b64_unpadded
from ._webhook_signature import _is_well_formed as _is_well_formed
from ._webhook_signature import _malformed_signature as _malformed_signature
from ._webhook_verify import _checked_headers as _checked_headers
from ._webhook_verify import _verify as _verify
from ._webhook_verify import verify
from ._webhook_window import _MAX_TIMESTAMP_DIGITS as _MAX_TIMESTAMP_DIGITS
from ._webhook_window import DEFAULT_TOLERANCE
from ._webhook_window import _check_now as _check_now
from ._webhook_window import _check_tolerance as _check_tolerance
from ._webhook_window import _malformed_timestamp as _malformed_timestamp

# Importable here before the split, as the error verify() and parse() raise: a user's import keeps working.
from .errors import WebhookVerificationError as WebhookVerificationError
from .results import JobKind, JobStatus, Result  # noqa: F401

__all__ = [
    "DEFAULT_TOLERANCE",
    "RETRY_NUM_HEADER",
    "RETRY_REASON_HEADER",
    "SECRET_ENV",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Body",
    "Encoding",
    "Headers",
    "Reason",
    "RetryReason",
    "Secret",
    "WebhookEvent",
    "parse",
    "resolve_secret",
    "sign",
    "verify",
]


# A pickle names a class (and help() and a traceback a function) by its module, and
# typing.get_type_hints reads annotations in the module a class reports: what is public here, though
# defined in the private modules, reports this one, as before webhooks.py was split.
for _public in (Headers, RetryReason, WebhookEvent, parse, resolve_secret, sign, verify):
    _public.__module__ = __name__
del _public
