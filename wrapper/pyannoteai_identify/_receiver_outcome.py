"""What the receiver answers a delivery: the reasons it gives (``DeliveryReason``), the outcome it returns
(``DeliveryOutcome``, public in :mod:`pyannoteai_identify.receiver`) and the helper that builds one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias

from .webhooks import Reason, WebhookEvent

#: Every ``DeliveryOutcome.reason``: what the receiver decided, or the ``WebhookVerificationError``
#: reason (``webhooks.Reason``) of a delivery that failed verification. tests/webhooks checks that it is
#: every reason the receiver produces.
DeliveryReason: TypeAlias = Literal[
    "accepted", "ignored", "duplicate", "too_large", "busy", "disconnected", "timeout", Reason
]


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What to answer a delivery, and what (if anything) to handle.

    Attributes:
        status_code: 200 for a delivery accepted or already handled, 400 for one that failed
            verification, 413 for a body over the limit, 503 when the bodies being read at once
            would pass ``max_bytes_in_flight`` (the API tries the delivery again later), 408 for
            a body still arriving after ``body_timeout``.
        body: the JSON body to answer with (``media_type``).
        reason: ``accepted``, ``ignored`` (a status that is not final), ``duplicate``, ``too_large``,
            ``busy``, ``disconnected`` (the sender hung up inside the body), ``timeout`` (its
            body did not arrive within ``body_timeout``), or the
            ``WebhookVerificationError`` reason (``signature_mismatch``, …): a :data:`DeliveryReason`.
        event: the event to handle, set only for a new, verified delivery: a redelivery of a job
            already handled, or a refused delivery, leaves it None.
    """

    status_code: int
    body: bytes
    reason: DeliveryReason
    event: WebhookEvent | None = None

    media_type: ClassVar[str] = "application/json"


def _outcome(
    status_code: int, reason: DeliveryReason, event: WebhookEvent | None = None, **fields: object
) -> DeliveryOutcome:
    body = json.dumps({"status": reason, **fields}, separators=(",", ":")).encode("utf-8")
    return DeliveryOutcome(status_code, body, reason, event)
