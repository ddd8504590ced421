"""The routing of ``MockAPI``: each request to its operation (a PUT to a presigned URL is an
``upload``; an unknown path is a 404), through the key check, a scripted answer and the body's
validation, to the operation's answer; and the record of every request.

:class:`MockAPI` keeps the state in its fields and takes its lock around these; they are its
methods over them (a base class of ``MockAPI``, as the job lifecycle it routes polls to is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import httpx

from ._config import bearer_token
from ._json import loads_stdlib
from ._mock_gate import _read_body, _unauthorized
from ._mock_jobs import Status
from ._mock_lifecycle import _JobLifecycle
from ._mock_listing import _listing_page, _listing_query
from ._mock_requests import RecordedRequest, _RecordedHeaders
from ._mock_responses import _error, _ok
from ._mock_routes import _UPLOAD, _exact_route, _Route
from ._mock_script import _Canned, _canned_response
from ._mock_submit import _presign, _put_upload, _submitted_job

__all__: list[str] = []


class _MockHandler(_JobLifecycle):
    """The request routing of :class:`MockAPI`, over the fields it declares (listed here), its
    clock and its job lifecycle."""

    storage_url: str
    api_key: str
    pending_polls: int
    outcome: Status
    requests: list[RecordedRequest]
    uploads: dict[str, bytes]
    _uploaded_at: dict[str, float]  # media:// URL → virtual time of its PUT
    _queued: dict[str, list[_Canned]]
    _cursor_base: int  # the high bits of the mock's list cursors (see _mock_listing)
    _base_path: str  # the base URL's path, set by MockAPI.__post_init__

    def _canned(self, operation_id: str) -> httpx.Response | None:
        """The next answer queued by :meth:`respond_with` for *operation_id*, if any."""
        queued = self._queued.get(operation_id)
        if not queued:
            return None
        return _canned_response(queued.pop(0), self._wall + self._now)

    def _handle(self, request: httpx.Request, content: bytes) -> httpx.Response:
        operation_id: str | None
        if request.method == "PUT" and str(request.url) in self._presigned:
            response, operation_id = self._upload(request, content), _UPLOAD
        else:
            path = request.url.path
            # Only the base URL's own path is stripped: ".../v1/v1/test" is no operation (the API 404s).
            found = (
                _exact_route(request.method, path[len(self._base_path) :]) if path.startswith(self._base_path) else None
            )
            operation_id = found[0].operation_id if found else None
            response = self._answer(found, request, content)
        try:
            parsed = loads_stdlib(content) if content and operation_id != _UPLOAD else None
        except (ValueError, RecursionError):
            parsed = None
        self.requests.append(
            RecordedRequest(
                operation_id,
                request.method,
                str(request.url),
                _RecordedHeaders(request.headers),
                content,
                parsed,
                response.status_code,
            )
        )
        return response

    def _answer(
        self, found: tuple[_Route, Sequence[str]] | None, request: httpx.Request, content: bytes
    ) -> httpx.Response:
        if found is None:
            return _error(404, f"{request.method} {request.url.path} does not exist")
        route, path_params = found
        token = bearer_token(request.headers.get("authorization"))
        if token != self.api_key:
            return _unauthorized()
        canned = self._canned(route.operation_id)
        if canned is not None:
            return canned
        body: Any = None
        if "requestBody" in route.operation:
            body, refused = _read_body(route.operation_id, content)
            if refused is not None:
                return refused
        return self._operation(route.operation_id, body, request.url.params, path_params)

    def _operation(
        self, operation_id: str, body: Any, params: httpx.QueryParams, path_params: Sequence[str]
    ) -> httpx.Response:
        if operation_id == "testKey":
            return _ok(200, {"status": "OK", "message": "Test connection successful"})
        if operation_id == "getMediaUploadUrl":
            expires = self._now + self.retention_seconds
            return _ok(201, {"url": _presign(self.storage_url, self._presigned, body["url"], expires)})
        if operation_id in ("identify", "voiceprint"):
            return self._create(operation_id, body)
        if operation_id == "getJobById":
            return self._poll(path_params[0])
        if operation_id == "getJobsByTeamV2":
            return self._list(params)
        return _error(404, f"the mock does not implement {operation_id}")  # pragma: no cover - every path is

    def _upload(self, request: httpx.Request, content: bytes) -> httpx.Response:
        """A PUT to a presigned URL (see ``_mock_submit``)."""
        return _put_upload(
            request,
            content,
            presigned=self._presigned,
            uploads=self.uploads,
            uploaded_at=self._uploaded_at,
            now=self._now,
            canned=partial(self._canned, _UPLOAD),
        )

    def _create(self, operation_id: str, body: Mapping[str, Any]) -> httpx.Response:
        job = _submitted_job(
            operation_id,
            body,
            uploads=self.uploads,
            uploaded_at=self._uploaded_at,
            now=self._now,
            retention_seconds=self.retention_seconds,
            stamp=self._stamp(),
            pending_polls=self.pending_polls,
            outcome=self.outcome,
        )
        self._add(job)
        return _ok(200, {"jobId": job.job_id, "status": job.status})

    def _list(self, params: httpx.QueryParams) -> httpx.Response:
        query = _listing_query(params, self._cursor_base)
        if isinstance(query, httpx.Response):
            return query
        self._purge()
        return _listing_page(self._jobs.values(), *query, self._cursor_base, self._advance)
