"""The sandbox's ASGI app: every operation of openapi.yaml, plus the presigned upload it hands out.

Routes are built from the contract: each operation in ``openapi.yaml`` must have a handler here,
or building the app fails. Every API request goes through the same steps, in the order a real
deployment applies them: count it, apply an injected fault, check the bearer key (401), apply
the rate limit (429), validate the request against the contract (400), then handle it. Two
extra routes serve the media store: ``PUT /_upload/{key}?X-Signature={token}`` (the presigned URL; no key needed,
as with a real bucket) and ``GET /_media/{key}`` (read back an upload).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._config import bearer_token
from .._json import loads_stdlib
from .._spec import SPEC
from .._validation import PAGE_SIZE_DEFAULT, ascii_int
from ._dispatch import WebhookDispatcher
from ._faults import DroppedConnection, Fault, Faults
from ._fetch import MEDIA_PATH, needs_fetch, resolve_audio
from ._jobs import Outcome, identify_outcome, voiceprint_outcome
from ._ratelimit import RateLimiter
from ._state import Decision, Job, JobKind, SandboxState, UnknownCursor, iso
from ._stats import Stats
from ._validation import FieldErrors, body_errors, drop_null_options, query_errors
from ._work import DECIDE_TIMEOUT, Audio, JobRunner

logger = logging.getLogger("pyannoteai_identify.sandbox")

__all__ = ["AppContext", "create_app", "operation_ids"]

MAX_JSON_BYTES = 4 * 1024 * 1024
UPLOAD_OPERATION = "upload"
#: The query parameter of a presigned upload URL that holds its token.
UPLOAD_SIGNATURE = "X-Signature"
MEDIA_OPERATION = "media"
_DECIDE_POLL = 0.005
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


class Json(JSONResponse):
    """JSON with ASCII escapes, so any string a client sent (even a lone surrogate) can be echoed."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


class _Dropped(Response):
    """The ``drop`` fault: start a response, send part of it, then cut the connection."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"512")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"jobId": "', "more_body": True})
        raise DroppedConnection("sandbox fault: connection dropped in the middle of the response")


@dataclass(frozen=True)
class AppContext:
    """Everything the app's handlers share."""

    state: SandboxState
    faults: Faults
    stats: Stats
    limiter: RateLimiter
    dispatcher: WebhookDispatcher
    runner: JobRunner
    api_key: str = field(repr=False)  # a user-chosen key may be a real one: never shown
    max_upload_bytes: int


Handler = Callable[[Request, AppContext, Any], Awaitable[Response]]


def operation_ids() -> list[str]:
    """The operationIds of openapi.yaml's paths (webhooks excluded), in document order."""
    return [op["operationId"] for item in SPEC["paths"].values() for op in item.values() if "operationId" in op]


def _api_error(status: int, message: str, request_id: str, headers: Mapping[str, str] | None = None) -> Response:
    return Json({"requestId": request_id, "message": message}, status_code=status, headers=headers)


def _bad_request(errors: FieldErrors) -> Response:
    return Json({"message": "Invalid request", "errors": errors}, status_code=400)


def _fault_response(ctx: AppContext, fault: Fault, success: int, request_id: str) -> Response:
    if fault.kind == "5xx":
        return _api_error(fault.status, "Simulated server error (sandbox fault)", request_id)
    if fault.kind == "429":
        return _api_error(429, "Too many requests", request_id, ctx.limiter.refused(fault.retry_after).headers())
    if fault.kind == "402":
        return _api_error(402, "Subscription is required", request_id)
    if fault.kind == "malformed":
        return Response(b'{"jobId": "3c8a89a5', status_code=success, media_type="application/json")
    return _Dropped()


async def _json_body(request: Request) -> tuple[Any, FieldErrors]:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_JSON_BYTES:
            return None, [{"field": "body", "message": f"Must be at most {MAX_JSON_BYTES} bytes"}]
    if not raw.strip():
        return None, [{"field": "body", "message": "Required: a JSON object"}]
    try:
        return loads_stdlib(raw), []  # strict: NaN and Infinity are not JSON
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, [{"field": "body", "message": "Must be valid JSON"}]


async def _with_faults(
    ctx: AppContext,
    operation_id: str,
    success: int,
    request_id: str,
    serve: Callable[[], Awaitable[Response]],
    unread: Request | None = None,
) -> Response:
    """Count the request and apply the next injected fault: a delay is waited out, a fault answers
    instead of *serve*, or (``after``) replaces the answer of the request *serve* handled.

    *unread* is a request whose body *serve* would read: a fault answering instead reads it first.
    """
    ctx.stats.count_request(operation_id)
    fault, releases = ctx.faults.take(operation_id)
    if fault is not None and fault.kind == "delay":
        released_by = await ctx.faults.hold(fault.seconds, releases)
        if released_by is not None:
            await _discard_body(unread, ctx.max_upload_bytes)
            said = f"The sandbox was {released_by} while it held this request; nothing was done"
            return _api_error(503, said, request_id)
        fault = None
    if fault is not None and not fault.after:
        await _discard_body(unread, ctx.max_upload_bytes)
        return _fault_response(ctx, fault, success, request_id)
    response = await serve()
    return response if fault is None else _fault_response(ctx, fault, success, request_id)


async def _discard_body(request: Request | None, limit: int) -> None:
    """Read and drop what is left of *request*'s body, at most *limit* bytes.

    A server that closes a connection with request bytes still unread makes the kernel reset it,
    and the client then sees "connection reset" instead of the answer it was sent, at random
    (a dropped upload raised ``ReadError`` 5 times in 100 under load, not ``RemoteProtocolError``).
    """
    if request is None:
        return
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                return
    except ClientDisconnect:
        return


def _api(ctx: AppContext, operation_id: str, method: str, success: int, handler: Handler) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        # The body is received before any fault: a "delay" then models an API slow to act on a
        # request it has (a client that gives up meanwhile does not stop the job being created).
        try:
            body = await _json_body(request) if method == "post" else (None, [])
        except ClientDisconnect:
            # The client hung up half-way through the body (its Ctrl-C, a cancelled task, a closed
            # client): its own choice, not a sandbox error. The API never had the request: not
            # counted, no fault taken, nothing done; and no one reads this answer.
            logger.info("a request to %s was cut off by its client before its body's end: not served", request.url.path)
            return _api_error(400, "The request was cut off before its body's end: nothing was done", request_id)
        return await _with_faults(
            ctx, operation_id, success, request_id, functools.partial(serve, request, request_id, body)
        )

    async def serve(request: Request, request_id: str, body: tuple[Any, FieldErrors]) -> Response:
        token = bearer_token(request.headers.get("authorization"))
        if token is None or not hmac.compare_digest(token.encode(), ctx.api_key.encode()):
            # RFC 6750: a 401 names the scheme the client must use.
            return _api_error(
                401, "Invalid or missing API key: send 'Authorization: Bearer <key>'", request_id, UNAUTHORIZED_HEADERS
            )
        verdict = ctx.limiter.check(token)
        if verdict is not None and not verdict.allowed:
            return _api_error(429, "Too many requests", request_id, verdict.headers())
        if method == "post":
            data, errors = body
            data = drop_null_options(operation_id, data)
            errors = errors or body_errors(operation_id, data)
        else:
            data, errors = query_errors(operation_id, request.query_params)
        request.state.request_id = request_id
        response = _bad_request(errors) if errors else await handler(request, ctx, data)
        if verdict is not None and response.status_code != 429:  # a handler's own 429 keeps its headers
            response.headers.update(verdict.headers())
        return response

    return endpoint


# --- operations --------------------------------------------------------------------------------


async def _test_key(request: Request, ctx: AppContext, data: Any) -> Response:
    return Json({"status": "OK", "message": "Test connection successful"})


async def _upload_url(request: Request, ctx: AppContext, data: Any) -> Response:
    key = data["url"].removeprefix("media://")
    token = ctx.state.new_upload(key)
    base = str(request.base_url).rstrip("/")
    # As a storage service signs: the object's name in the path, the credential in the query (which
    # the SDK's log lines hide; a token in the path showed in every -vv request line).
    query = urlencode({UPLOAD_SIGNATURE: token})
    return Json({"url": f"{base}/_upload/{_key_path(key)}?{query}"}, status_code=201)


def _key_path(key: str) -> str:
    """*key* as a URL path, each segment percent-encoded; a ``.`` or ``..`` segment (the contract's
    key pattern allows them) as ``%2E``, so that no HTTP client removes it (RFC 3986 5.2.4, as httpx
    does) and the server, which decodes it, reads the key back."""
    return "/".join(
        segment.replace(".", "%2E") if segment in (".", "..") else quote(segment, safe="") for segment in key.split("/")
    )


async def _submit(kind: JobKind, request: Request, ctx: AppContext, data: Any) -> Response:
    """Create the job and answer JobCreated at once, as the API does; the outcome is decided after,
    on the runner's own threads (a URL that cannot be fetched then fails the job, never the request).
    Media-store audio is looked up now, so the job reads the media as it was at submission."""
    forced = ctx.faults.take_job_outcome(kind)
    decision = Decision(forced)
    if forced is None:
        analyse: Callable[[Audio], Outcome] = (
            functools.partial(identify_outcome, request=data) if kind == "identify" else voiceprint_outcome
        )
        resolve = functools.partial(
            resolve_audio, data["url"], state=ctx.state, own_host=request.url.netloc, max_bytes=ctx.max_upload_bytes
        )
        if needs_fetch(data["url"], own_host=request.url.netloc):
            accepted = ctx.runner.run(decision, analyse, fetch=lambda connections: resolve(connections=connections))
        else:
            accepted = ctx.runner.run(decision, analyse, audio=resolve())
        if not accepted:
            headers = ctx.limiter.refused(1).headers()
            message = "Too many requests: the sandbox is still processing earlier jobs"
            return _api_error(429, message, request.state.request_id, headers)
    job = ctx.state.create_job(
        kind, decision, webhook=data.get("webhook"), webhook_status_only=bool(data.get("webhookStatusOnly"))
    )
    ctx.stats.count_submission()
    ctx.dispatcher.watch(job)
    return Json({"jobId": job.id, "status": "created"})


async def _decided(jobs: list[Job], deadline: float) -> None:
    """Wait until *jobs* (ended ones) have their outcome, at most until *deadline* (monotonic): a job
    observed after its simulated time shows its outcome, not a ``running`` that depends on how busy
    the machine is."""
    while any(job.decision.outcome is None for job in jobs) and time.monotonic() < deadline:
        await anyio.sleep(_DECIDE_POLL)


async def _voiceprint(request: Request, ctx: AppContext, data: Any) -> Response:
    return await _submit("voiceprint", request, ctx, data)


async def _identify(request: Request, ctx: AppContext, data: Any) -> Response:
    return await _submit("identify", request, ctx, data)


async def _get_job(request: Request, ctx: AppContext, data: Any) -> Response:
    job = ctx.state.job(request.path_params["jobId"])
    if job is None:
        message = "Job not found: it does not exist, or its results were deleted after the retention period"
        return _api_error(404, message, request.state.request_id)
    if job.ended(ctx.state.clock.now()):
        await _decided([job], time.monotonic() + DECIDE_TIMEOUT)
    return Json(job.view(ctx.state.clock.now()))


async def _page(ctx: AppContext, limit: int, cursor: str | None, status: str | None) -> tuple[list[Job], str | None]:
    """One page of the list, built once the ended jobs it covers have their outcome (waited for at
    most DECIDE_TIMEOUT in all). Only those: a slow job elsewhere does not hold the list.

    The jobs covered are those from the cursor down to the page's last one (to the oldest when it is
    the last page); with a status filter that includes skipped ones, whose outcome may bring them in.

    Raises:
        UnknownCursor: *cursor* was not issued by this sandbox.
    """
    deadline = time.monotonic() + DECIDE_TIMEOUT
    while True:
        page, next_cursor = ctx.state.list_jobs(limit=limit, cursor=cursor, status=status)
        oldest = page[-1].seq if next_cursor is not None else 0
        newest = ctx.state.cursor_seq(cursor)
        waiting = [job for job in ctx.state.undecided() if oldest <= job.seq and (newest is None or job.seq < newest)]
        if not waiting or time.monotonic() >= deadline:
            return page, next_cursor
        await _decided(waiting, deadline)


async def _list_jobs(request: Request, ctx: AppContext, data: Any) -> Response:
    try:
        page, cursor = await _page(ctx, data.get("limit", PAGE_SIZE_DEFAULT), data.get("cursor"), data.get("status"))
    except UnknownCursor:
        return _bad_request([{"field": "cursor", "message": "Unknown cursor: pass the nextCursor of a previous page"}])
    now = ctx.state.clock.now()
    items = [{"id": job.id, "status": job.status(now), "createdAt": iso(job.created_wall)} for job in page]
    return Json({"items": items, "nextCursor": cursor})


HANDLERS: dict[str, Handler] = {
    "testKey": _test_key,
    "getMediaUploadUrl": _upload_url,
    "voiceprint": _voiceprint,
    "identify": _identify,
    "getJobById": _get_job,
    "getJobsByTeamV2": _list_jobs,
}


# --- media store routes ------------------------------------------------------------------------


def _upload(ctx: AppContext) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        serve = functools.partial(store, request)
        return await _with_faults(ctx, UPLOAD_OPERATION, 200, str(uuid.uuid4()), serve, unread=request)

    async def store(request: Request) -> Response:
        if "authorization" in request.headers:
            # The presigned URL is its own credential: storage refuses a second one (S3: 400 "Only one
            # auth mechanism allowed"), as the testing plugin's mock does; the API key never goes there.
            await _discard_body(request, ctx.max_upload_bytes)
            return Json({"message": "A presigned upload URL takes no Authorization header"}, 400)
        key = ctx.state.upload_key(request.query_params.get(UPLOAD_SIGNATURE, ""))
        if key is None or key != request.path_params["key"]:
            return Json({"message": "Unknown or expired upload URL: ask POST /v1/media/input for a new one"}, 403)
        too_large = Json({"message": f"The file is larger than {ctx.max_upload_bytes} bytes"}, 413)
        declared = ascii_int(request.headers.get("content-length", ""))
        if declared is not None and declared > ctx.max_upload_bytes:
            return too_large
        data = bytearray()
        try:
            async for chunk in request.stream():
                data += chunk
                if len(data) > ctx.max_upload_bytes:
                    return too_large
        except ClientDisconnect:
            # The uploader hung up half-way (its Ctrl-C, a cancelled task, a closed client): its own
            # choice, not a sandbox error. Nothing is stored, and no one reads this answer.
            logger.info("an upload to media://%s was cut off by its client after %d bytes: not stored", key, len(data))
            return Json({"message": "The upload was cut off before its end: nothing was stored"}, 400)
        etag = hashlib.md5(data).hexdigest()
        ctx.state.put_media(key, data)  # stored as received: bytes(data) would double the peak memory
        return Response(status_code=200, headers={"ETag": f'"{etag}"'})

    return endpoint


def _media(ctx: AppContext) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        ctx.stats.count_request(MEDIA_OPERATION)
        data = ctx.state.media(request.path_params["key"])
        if data is None:
            return Json({"message": "No such media, or it has expired"}, 404)
        return Response(memoryview(data), media_type="application/octet-stream")  # a view, not a copy

    return endpoint


async def _not_found(request: Request, exc: Exception) -> Response:
    """404 and 405 as ApiError JSON, keeping the headers Starlette set (a 405's ``Allow``, RFC 9110)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = exc.headers if isinstance(exc, HTTPException) else None
    message = "Method not allowed" if status == 405 else "Not found"
    return Json({"requestId": str(uuid.uuid4()), "message": message}, status_code=status, headers=headers)


def create_app(ctx: AppContext) -> Starlette:
    """The Starlette app serving *ctx*.

    Raises:
        RuntimeError: openapi.yaml has an operation this module has no handler for.
    """
    routes: list[Route] = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            operation_id = operation.get("operationId") if isinstance(operation, dict) else None
            if operation_id is None:
                continue
            handler = HANDLERS.get(operation_id)
            if handler is None:
                raise RuntimeError(f"openapi.yaml operation {operation_id!r} has no sandbox handler")
            success = min(int(code) for code in operation["responses"] if str(code).startswith("2"))
            endpoint = _api(ctx, operation_id, method, success, handler)
            routes.append(Route(path, endpoint, methods=[method.upper()], name=operation_id))
    routes.append(Route("/_upload/{key:path}", _upload(ctx), methods=["PUT"], name=UPLOAD_OPERATION))
    routes.append(Route(MEDIA_PATH + "{key:path}", _media(ctx), methods=["GET"], name=MEDIA_OPERATION))
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    app.router.redirect_slashes = False  # the API has no redirects: a stray slash is a plain 404
    return app
