"""The operations of openapi.yaml as routes: method and path pattern.

The mock API finds the operation a request calls by them, ``check_response`` the operation a
response answers, and ``MockAPI.calls``/``respond_with`` check the operation id they are given
(:data:`OperationId`, with ``upload`` for the PUT to a presigned URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeAlias

from ._schema import operations

__all__ = ["_UPLOAD", "OperationId", "_Route", "_check_operation_id", "_exact_route", "_route_for", "_routes"]


#: What :meth:`MockAPI.calls` and :meth:`MockAPI.respond_with` take: every operationId of openapi.yaml's
#: paths, and ``upload`` (the PUT to a presigned URL); the same test checks it against the contract.
OperationId: TypeAlias = Literal[
    "testKey", "getMediaUploadUrl", "voiceprint", "identify", "getJobById", "getJobsByTeamV2", "upload"
]
#: The operation id of the PUT to a presigned URL (not in openapi.yaml: storage, not the API).
_UPLOAD = "upload"


@dataclass(frozen=True)
class _Route:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    operation: Mapping[str, Any]


@cache
def _routes() -> tuple[_Route, ...]:
    routes = []
    for template, method, op in operations():
        if not template.startswith("webhook:"):
            regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
            routes.append(_Route(op["operationId"], method.upper(), template, re.compile(regex + "$"), op))
    return tuple(routes)


def _route_for(method: str, path: str) -> _Route | None:
    """The operation of a request; the path may carry a prefix (a base URL with a path)."""
    for route in _routes():
        if route.method == method.upper() and route.pattern.search(path):
            return route
    return None


def _exact_route(method: str, path: str) -> tuple[_Route, tuple[str, ...]] | None:
    """The operation whose path template matches all of *path* (below the base URL), and its path parameters."""
    for route in _routes():
        found = route.pattern.fullmatch(path)
        if route.method == method.upper() and found:
            return route, found.groups()
    return None


def _check_operation_id(operation_id: str) -> None:
    known = [route.operation_id for route in _routes()]
    if operation_id != _UPLOAD and operation_id not in known:
        raise ValueError(
            f"no operation {operation_id!r} in openapi.yaml: one of {', '.join(known)}, or {_UPLOAD!r} (the "
            "presigned PUT)"
        )
