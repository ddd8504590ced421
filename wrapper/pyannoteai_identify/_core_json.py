"""Successful responses → their JSON body, or ``InvalidResponseError`` saying what is wrong with it."""

from __future__ import annotations

from typing import Any

import httpx

from ._core_errors import _response_fields, error_for
from ._json import loads_json
from .errors import InvalidResponseError


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a successful response, or ``InvalidResponseError`` saying what is wrong with it."""
    content_type = response.headers.get("content-type", "")
    if not response.content:
        raise InvalidResponseError("the response body is empty; expected JSON", **_response_fields(response))
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise InvalidResponseError(
            f"expected application/json, got {content_type or 'no content type'}", **_response_fields(response)
        )
    try:
        return loads_json(response.content)
    except ValueError as exc:
        raise InvalidResponseError(
            f"the response body is not valid JSON ({exc})", **_response_fields(response)
        ) from None
    except RecursionError:
        raise InvalidResponseError(
            "the response body nests JSON arrays or objects too deeply to parse", **_response_fields(response)
        ) from None


def ok(response: httpx.Response) -> Any:
    """The JSON of a 2xx response; any other status raises its ``APIError``."""
    if not 200 <= response.status_code < 300:
        raise error_for(response)
    return json_of(response)


def _with_response(error: InvalidResponseError, response: httpx.Response, hint: str = "") -> InvalidResponseError:
    return type(error)(error.message, hint=hint, **_response_fields(response))
