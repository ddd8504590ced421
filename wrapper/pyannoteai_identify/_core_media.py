"""The answer to ``POST /v1/media/input`` → the presigned URL to upload to, refused when in clear."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ._config import is_loopback
from ._core_json import _with_response, ok
from .errors import InvalidResponseError


class InsecureUploadURLError(InvalidResponseError):
    """A presigned URL in plain http off loopback: refused by this SDK's policy, not a garbled
    answer, so asking again gets the same refusal (the batch runner halts on it instead of retrying)."""


def parse_presigned_url(response: httpx.Response) -> str:
    data = ok(response)
    url = data.get("url") if isinstance(data, Mapping) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise _with_response(
            InvalidResponseError("the response breaks the contract at url: expected an http(s) URL", status_code=0),
            response,
        )
    if url.startswith("http://") and not is_loopback(_host_of(url)):
        # The audio would travel in clear; plain http is for loopback (the sandbox) only, as for the key.
        raise _with_response(
            InsecureUploadURLError(
                "the response's url is plain http to a host off this machine: refusing to send the audio in clear "
                "(https expected)",
                status_code=0,
            ),
            response,
        )
    return url


def _host_of(url: str) -> str | None:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, ValueError):
        return None
