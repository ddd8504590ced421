"""A delivery's headers: their names (public in :mod:`pyannoteai_identify.webhooks`), the ``Headers``
protocol a framework's request headers meet, and reading one of them case-insensitively."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Headers(Protocol):
    """A delivery's request headers: a ``Mapping[str, str]`` (a dict, Starlette's or Django's headers)
    or anything with a mapping's ``get`` and ``items`` (werkzeug's ``Headers``: Flask's ``request.headers``)."""

    def get(self, key: str, /) -> str | None: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Request-Timestamp"
RETRY_NUM_HEADER = "x-retry-num"
RETRY_REASON_HEADER = "x-retry-reason"

_SIGNATURE_LOWER = SIGNATURE_HEADER.lower()
_TIMESTAMP_LOWER = TIMESTAMP_HEADER.lower()


def _header(headers: Headers, name: str, lowered: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(lowered)
        if value is None:
            for key, candidate in headers.items():
                if key.lower() == lowered:
                    return candidate
    return value
