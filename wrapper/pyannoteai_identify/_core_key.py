"""The answer to ``GET /v1/test`` → ``KeyStatus``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ._core_json import _with_response, ok
from .errors import InvalidResponseError, _short_repr


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """The answer of ``GET /v1/test``: the API's status and message, as free text."""

    status: str
    message: str


def parse_key_status(response: httpx.Response) -> KeyStatus:
    data = ok(response)
    if not isinstance(data, Mapping):
        raise _with_response(
            InvalidResponseError("the response breaks the contract: expected an object", status_code=0), response
        )
    for name in ("status", "message"):
        if not isinstance(data.get(name), str):
            raise _with_response(
                InvalidResponseError(
                    f"the response breaks the contract at {name}: expected a string, "
                    + (f"got {_short_repr(data[name])}" if name in data else "it is missing"),
                    status_code=0,
                ),
                response,
            )
    return KeyStatus(data["status"], data["message"])
