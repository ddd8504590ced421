"""A delivery's raw body: the ``Body`` type (public in :mod:`pyannoteai_identify.webhooks`) and the
check that what was passed is the bytes as received, not a parsed or re-serialised body."""

from __future__ import annotations

from typing import TypeAlias

#: A delivery's raw body: the bytes as received, or a bytes-like view of them.
Body: TypeAlias = bytes | bytearray | memoryview


def _check_body(body: object) -> None:
    if type(body) is not bytes and not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(
            f"body must be the raw request bytes as received, not {type(body).__name__}: a parsed or "
            "re-serialised body has other bytes and never verifies (FastAPI/Starlette: await request.body(); "
            "Flask: request.get_data(); Django: request.body, or receiver.WebhookReceiver.handle_stream(request), "
            "which caps what it reads)"
        )
