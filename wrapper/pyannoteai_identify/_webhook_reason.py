"""``Reason``: why a webhook delivery was refused, in a module of its own.

``errors.WebhookVerificationError`` (whose ``reason`` it types) and ``webhooks`` (which exports it)
both import it from here, so its annotation resolves at runtime: ``webhooks`` imports ``errors``.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["Reason"]

#: Why a delivery was refused: ``WebhookVerificationError.reason`` is one of these.
Reason: TypeAlias = Literal[
    "no_secret",
    "missing_header",
    "malformed_timestamp",
    "timestamp_out_of_tolerance",
    "malformed_signature",
    "signature_mismatch",
    "malformed_body",
]
