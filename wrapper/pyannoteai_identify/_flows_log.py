"""The flows' log records (with ``extra`` fields for JSON log formatters), and the notes left on an
error that ends a call, saying what the call leaves behind."""

from __future__ import annotations

import logging

import httpx

from . import _core

logger = logging.getLogger("pyannoteai_identify")


def _log(
    request: httpx.Request,
    response: httpx.Response,
    elapsed: float,
    *,
    shown: str | None = None,
    request_id: str | None = None,
) -> None:
    """One DEBUG line per response; *shown* stands for the path in the message (a presigned URL
    without its query), *request_id* for the API's request id (a storage service's own)."""
    if logger.isEnabledFor(logging.DEBUG):
        if request_id is None and shown is None:
            # The API documents its request id only in error bodies (requestId); a header wins when present.
            body = _core.error_body(response) if response.status_code >= 400 else None
            request_id = _core.request_id_of(response, body)
        log_with(
            logger,
            logging.DEBUG,
            _fields(request, status_code=response.status_code, elapsed=elapsed, request_id=request_id),
            "%s %s -> %d in %.3f s (request id %s)",
            request.method,
            request.url.path if shown is None else shown,
            response.status_code,
            elapsed,
            request_id or "-",
        )


def _fields(request: httpx.Request, **more: object) -> dict[str, object]:
    """The ``extra`` fields of a request's log records, for structured (JSON) log formatters: the
    same names on every record (``method``, ``path``, then ``status_code``, ``elapsed``,
    ``request_id``, ``attempt``, ``delay``, ``error`` as they apply); never a header or a query."""
    return {"method": request.method, "path": request.url.path, **more}


def log_with(log: logging.Logger, level: int, fields: dict[str, object], message: str, *args: object) -> None:
    """Log *message* with *fields* as ``extra``. A record factory (or an adapter) of the service's
    that already sets one of these names (a correlation ``request_id``) makes ``makeRecord`` raise
    KeyError: the record is made again with each such field as ``pyannoteai_<name>``, never an error."""
    try:
        log.log(level, message, *args, extra=fields)
    except KeyError:
        taken = log.makeRecord(log.name, level, "", 0, message, args, None).__dict__
        renamed = {(f"pyannoteai_{key}" if key in taken else key): value for key, value in fields.items()}
        log.log(level, message, *args, extra=renamed)


LOOK_FOR_THE_JOB = _core.LOOK_FOR_THE_JOB


def leave_note(error: BaseException, note: str, *, log_always: bool = False) -> None:
    """Add *note* to *error* (once: the same object may be raised again), and log it as a WARNING
    when *error* is an interruption (a cancellation may end up swallowed, or as another's context)
    or *log_always*: what a call leaves behind (a billed job, an upload) is said either way."""
    if note not in getattr(error, "__notes__", ()):
        error.add_note(note)
    if log_always or not isinstance(error, Exception):
        logger.warning("%s", note)
