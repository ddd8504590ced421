"""What a submission does to ``MockAPI``: the presigned upload URL it hands out, the PUT of the
media to one (stored until the URL expires), and the job an ``identify`` or ``voiceprint`` request
creates (one that fails, as the API's does, on a ``media://`` URL that holds no fresh upload).

The mock keeps the state (its presigned URLs, uploads and jobs) and passes it in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ._config import is_loopback
from ._mock_builders import _FAILURE, Kind
from ._mock_jobs import _Job

__all__: list[str] = []


def _usable_storage_url(url: str) -> bool:
    """Whether the client accepts *url* as a presigned upload URL's base, and the mock's routes
    (which match the URL httpx sends) match it."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return False
    if str(parsed) != url or parsed.fragment:
        return False
    return url.startswith("https://") or (url.startswith("http://") and is_loopback(parsed.host))


def _presign(storage_url: str, presigned: dict[str, tuple[str, float]], key: str, expires: float) -> str:
    """A new presigned URL under *storage_url* for the ``media://`` URL *key*, kept in *presigned*
    until *expires* (virtual time)."""
    url = f"{storage_url}/upload/{uuid.uuid4().hex}?signature=mock"
    presigned[url] = (key, expires)
    return url


def _put_upload(
    request: httpx.Request,
    content: bytes,
    *,
    presigned: Mapping[str, tuple[str, float]],
    uploads: dict[str, bytes],
    uploaded_at: dict[str, float],
    now: float,
    canned: Callable[[], httpx.Response | None],
) -> httpx.Response:
    """A PUT to a presigned URL: stored (again, like storage, until the URL expires). *canned* takes
    the next answer scripted for ``upload``, if any, once the request is known to be well formed."""
    if "authorization" in request.headers:
        return httpx.Response(400, text="presigned URLs take no Authorization header")
    scripted = canned()
    if scripted is not None:
        return scripted
    key, expires = presigned[str(request.url)]
    if now >= expires:
        return httpx.Response(403, json={"message": "Expired upload URL: ask POST /v1/media/input for a new one"})
    uploads[key] = content
    uploaded_at[key] = now
    return httpx.Response(200)


def _submitted_job(
    operation_id: str,
    body: Mapping[str, Any],
    *,
    uploads: Mapping[str, bytes],
    uploaded_at: Mapping[str, float],
    now: float,
    retention_seconds: float,
    stamp: str,
    pending_polls: int,
    outcome: str,
) -> _Job:
    """The job a create request (``identify``, ``voiceprint``) with *body* makes, stamped *stamp*: it
    moves towards *outcome* after *pending_polls* polls, or fails if its media cannot be loaded."""
    kind: Kind = "identify" if operation_id == "identify" else "voiceprint"
    url = str(body["url"])
    # The API cannot load media never uploaded, or uploaded more than retention_seconds ago (removed
    # within 48 h upstream; the sandbox keeps it retention_seconds). An entry set by hand counts as fresh.
    uploaded = uploaded_at.get(url, now)
    unreadable = url.startswith("media://") and (url not in uploads or now >= uploaded + retention_seconds)
    return _Job(
        kind=kind,
        job_id=str(uuid.uuid4()),
        seq=0,
        created_at=stamp,
        updated_at=stamp,
        request=body,
        pending_polls=max(0, pending_polls),
        outcome="failed" if unreadable else outcome,
        output=None,
        error=_FAILURE if unreadable else None,
    )
