"""The upload flow: a presigned URL from the API, then the audio streamed to the storage."""

from __future__ import annotations

import time
from typing import Any

import httpx

from . import _core
from ._flows_connection import NOT_SENT, certificate_failed
from ._flows_context import Context
from ._flows_log import _log, leave_note
from ._flows_send import _note_wall_time, call
from ._flows_steps import Flow, Upload
from ._proxy import refused_by_proxy
from ._redact import hide_secrets
from ._retry import describe
from ._upload import ProgressCallback, audio_named, raised_by_progress, retry_hint
from ._validation import CheckedAudio
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    RateLimitError,
    ServerError,
)


def upload(ctx: Context, audio: CheckedAudio, media_url: str, progress: ProgressCallback | None) -> Flow[str]:
    """Ask for a presigned URL for *media_url*, stream the audio to it, and return *media_url*."""
    response = yield from call(ctx, _core.media_upload_request(media_url))
    presigned = _core.parse_presigned_url(response)
    lost: httpx.RequestError | None = None
    started = time.perf_counter()
    try:
        put: httpx.Response = yield Upload(presigned, audio, progress)
    except httpx.RequestError as failure:
        lost = failure
    except OSError as unread:
        # The local file's (an I/O error, a permission refused, a file gone since it was checked),
        # raised as it is; its message names no file, and nothing says that the upload is lost.
        if not raised_by_progress(unread):
            leave_note(unread, f"{audio_named(audio)} could not be read for its upload: {retry_hint(audio, media_url)}")
        raise
    except httpx.StreamConsumed:
        # A redirect followed by the user's http_client: the file was streamed once and is read.
        raise APIConnectionError(
            "the storage redirected the upload and the audio, streamed, cannot be sent twice; "
            f"{retry_hint(audio, media_url)} (with an http_client that does not follow redirects)",
            method="PUT",
            url=hide_secrets(presigned),
            request_sent=True,
        ) from None
    if lost is not None and ctx.closed():  # close() cut it off: this client cannot upload again
        raise ConfigurationError(
            f"the client was closed while uploading to the presigned URL: create a new one "
            f"({retry_hint(audio, media_url)})"
        )
    if lost is not None:
        # Raised outside the except block, and the URL without its query: the query of a presigned
        # URL is its signature, and the httpx error (not kept as a cause) holds it.
        error_type = APITimeoutError if isinstance(lost, httpx.TimeoutException) else APIConnectionError
        refused = refused_by_proxy(lost)
        # A proxy that lets the API through but not the storage (its allow list) refuses every upload.
        which = "; the proxy refused the tunnel to the storage, so the audio was not sent" if refused else ""
        # A storage certificate this client cannot verify (its CA certificates, or a TLS-inspecting
        # proxy's CA missing from them) fails every upload the same way, however long one waits.
        certificate = certificate_failed(lost)
        if certificate:
            which += (
                "; the media storage's TLS certificate could not be verified, so the audio was not sent: "
                "check the CA certificates this client trusts (SSL_CERT_FILE, a TLS-inspecting proxy's CA)"
            )
        raise error_type(
            f"uploading to the presigned URL failed ({describe(lost)}){which}; {retry_hint(audio, media_url)}",
            method="PUT",
            url=hide_secrets(presigned),
            request_sent=not isinstance(lost, NOT_SENT),
            proxy_refused=refused,
            certificate_failed=certificate,
        )
    storage_id = _core.storage_request_id(put)
    _log(put.request, put, time.perf_counter() - started, shown=hide_secrets(presigned), request_id=storage_id)
    if not 200 <= put.status_code < 300:
        _note_wall_time(ctx, put)
        error = _core.error_for(put)
        hint = _core._hints(retry_hint(audio, media_url), _core.storage_host_id(put))
        message = f"uploading to the presigned URL failed: {error.message}"
        fields: dict[str, Any] = {
            "status_code": put.status_code,
            "request_id": storage_id,
            "headers": dict(put.headers),
            "body": put.content,
        }
        if isinstance(error, RateLimitError):  # the storage's, with its Retry-After (it holds no API request back)
            wait = f"Retry after {error.retry_after:g} s" if error.retry_after is not None else "Slow down"
            raise RateLimitError(message, retry_after=error.retry_after, hint=_core._hints(wait, hint), **fields)
        # A storage 5xx is a ServerError like the API's (try again later); a refusal (an expired
        # signature) stays a plain APIError: error_for's type would blame the API key for a 401/403.
        raise (ServerError if put.status_code >= 500 else APIError)(message, hint=hint, **fields)
    return media_url
