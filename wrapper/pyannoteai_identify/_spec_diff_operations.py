"""Comparing two OpenAPI documents operation by operation and webhook by webhook (parameters, request
bodies, responses and their headers): ``diff_documents``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._spec_diff_change import Change, Direction
from ._spec_diff_context import _added, _Context, _required_changed, _show
from ._spec_diff_document import _Document
from ._spec_diff_schema import _diff_schema

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_FLIP: dict[Direction, Direction] = {"request": "response", "response": "request"}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(document: _Document) -> dict[tuple[str, ...], tuple[str, dict[str, Any], list[Any]]]:
    """``key → (label, operation, path-level parameters)`` for every path operation and webhook."""
    found: dict[tuple[str, ...], tuple[str, dict[str, Any], list[Any]]] = {}
    for path, item in document.document.get("paths", {}).items():
        item, _ = document.deref(item)
        for method in _METHODS:
            if method in item:
                label = f"{method.upper()} {path}"
                found[("path", method, _template(path))] = (label, item[method], item.get("parameters", []))
    for name, item in document.document.get("webhooks", {}).items():
        item, _ = document.deref(item)
        for method in _METHODS:
            if method in item:
                label = f"WEBHOOK {name} {method.upper()}"
                found[("webhook", method, name)] = (label, item[method], item.get("parameters", []))
    return found


def _parameters(document: _Document, path: str, shared: list[Any], own: list[Any]) -> dict[tuple[str, str], Any]:
    """Parameters keyed by (in, name); path parameters by position, header names case-insensitively."""
    merged: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for node in [*shared, *own]:
        parameter, _ = document.deref(node)
        location, name = parameter.get("in", ""), str(parameter.get("name", ""))
        merged[(location, name.lower() if location == "header" else name)] = (name, parameter)
    order = re.findall(r"\{([^}]*)\}", path)
    keyed: dict[tuple[str, str], Any] = {}
    for (location, name), value in merged.items():
        if location == "path" and name in order:
            keyed[("path", f"#{order.index(name)}")] = value
        else:
            keyed[(location, name)] = value
    return keyed


def _diff_parameters(
    ctx: _Context,
    old_op: tuple[str, dict[str, Any], list[Any]],
    new_op: tuple[str, dict[str, Any], list[Any]],
    sent: Direction,
) -> None:
    old_path = old_op[0].split(" ", 1)[1]
    new_path = new_op[0].split(" ", 1)[1]
    olds = _parameters(ctx.ours, old_path, old_op[2], old_op[1].get("parameters", []))
    news = _parameters(ctx.other, new_path, new_op[2], new_op[1].get("parameters", []))
    for key in [*olds, *(key for key in news if key not in olds)]:
        location = key[0]
        name = (olds.get(key) or news[key])[0]
        ctx.part = f"parameter {location} {name}"
        if key not in news:
            ctx.add("", "parameter-removed", True, "parameter removed")
            continue
        new_parameter = news[key][1]
        if key not in olds:
            _added(ctx, "", "parameter-added", "parameter", bool(new_parameter.get("required")), sent)
            continue
        old_parameter = olds[key][1]
        was, now = bool(old_parameter.get("required")), bool(new_parameter.get("required"))
        _required_changed(ctx, "", "parameter", was, now, sent)
        if "schema" in old_parameter and "schema" in new_parameter:
            _diff_schema(ctx, old_parameter["schema"], new_parameter["schema"], "$", sent)


def _diff_content(ctx: _Context, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction) -> None:
    old_content: Mapping[str, Any] = old.get("content", {})
    new_content: Mapping[str, Any] = new.get("content", {})
    base = ctx.part
    for media_type in [*old_content, *(media for media in new_content if media not in old_content)]:
        ctx.part = base if media_type == "application/json" else f"{base} ({media_type})"
        if media_type not in new_content:
            ctx.add("", "media-type-removed", True, f"{media_type} body no longer declared")
        elif media_type not in old_content:
            ctx.add("", "media-type-added", False, f"{media_type} body now declared")
        elif "schema" in old_content[media_type] or "schema" in new_content[media_type]:
            _diff_schema(
                ctx,
                old_content[media_type].get("schema", {}),
                new_content[media_type].get("schema", {}),
                "$",
                direction,
            )
    ctx.part = base


def _diff_request_body(ctx: _Context, old_op: Mapping[str, Any], new_op: Mapping[str, Any], sent: Direction) -> None:
    ctx.part = "request body"
    if "requestBody" not in old_op and "requestBody" not in new_op:
        return
    if "requestBody" not in new_op:
        ctx.add("", "body-removed", True, "request body no longer declared")
        return
    new_body, _ = ctx.other.deref(new_op["requestBody"])
    if "requestBody" not in old_op:
        _added(ctx, "", "body-added", "request body", bool(new_body.get("required")), sent)
        return
    old_body, _ = ctx.ours.deref(old_op["requestBody"])
    _required_changed(ctx, "", "request body", bool(old_body.get("required")), bool(new_body.get("required")), sent)
    _diff_content(ctx, old_body, new_body, sent)


def _diff_responses(ctx: _Context, old_op: Mapping[str, Any], new_op: Mapping[str, Any], received: Direction) -> None:
    olds: Mapping[str, Any] = old_op.get("responses", {})
    news: Mapping[str, Any] = new_op.get("responses", {})
    for status in [*olds, *(status for status in news if status not in olds)]:
        ctx.part = f"response {status}"
        if status not in news:
            ctx.add("", "status-removed", False, f"status {status} no longer declared")
            continue
        if status not in olds:
            declared = f"status {status} now declared"
            if received == "request":  # a webhook's: what the client's receiver answers
                ctx.add("", "status-added", False, declared)
            elif str(status).startswith("2"):
                ctx.add("", "status-added", True, f"{declared} (a success the client has no parser for)")
            else:  # no request breaks, but the client has no exception of its own for it yet
                message = f"{declared} (an error the client raises as a plain APIError until it has an exception)"
                ctx.add("", "status-added", False, message, needs_client_edit=True)
            continue
        old_response, _ = ctx.ours.deref(olds[status])
        new_response, _ = ctx.other.deref(news[status])
        _diff_headers(ctx, old_response, new_response, received)
        _diff_content(ctx, old_response, new_response, received)


def _diff_headers(ctx: _Context, old: Mapping[str, Any], new: Mapping[str, Any], received: Direction) -> None:
    old_headers = {name.lower(): (name, value) for name, value in old.get("headers", {}).items()}
    new_headers = {name.lower(): (name, value) for name, value in new.get("headers", {}).items()}
    base = ctx.part
    for key in [*old_headers, *(key for key in new_headers if key not in old_headers)]:
        name = (old_headers.get(key) or new_headers[key])[0]
        ctx.part = f"{base} header {name}"
        if key not in new_headers:
            ctx.add("", "header-removed", received == "response", "header no longer declared")
        elif key not in old_headers:
            ctx.add("", "header-added", False, "header now declared")
        else:
            old_header, _ = ctx.ours.deref(old_headers[key][1])
            new_header, _ = ctx.other.deref(new_headers[key][1])
            if "schema" in old_header and "schema" in new_header:
                _diff_schema(ctx, old_header["schema"], new_header["schema"], "$", received)
    ctx.part = base


def diff_documents(
    ours: Mapping[str, Any], other: Mapping[str, Any], *, names: tuple[str, str] = ("ours", "other")
) -> list[Change]:
    """Every change from *ours* to *other*, sorted by location, part and path (*names* name them in errors)."""
    ctx = _Context(_Document(ours, names[0]), _Document(other, names[1]), [])
    old_operations = _operations(ctx.ours)
    new_operations = _operations(ctx.other)
    for key in [*old_operations, *(key for key in new_operations if key not in old_operations)]:
        label = (old_operations.get(key) or new_operations[key])[0]
        ctx.location, ctx.part = label, ""
        what = "webhook" if key[0] == "webhook" else "operation"
        if key not in new_operations:
            ctx.add("", f"{what}-removed", True, f"{what} removed")
            continue
        if key not in old_operations:
            ctx.add("", f"{what}-added", False, f"{what} added")
            continue
        old_op, new_op = old_operations[key], new_operations[key]
        if old_op[1].get("operationId") != new_op[1].get("operationId"):
            message = f"operationId {_show(old_op[1].get('operationId'))} became {_show(new_op[1].get('operationId'))}"
            ctx.add("", "operation-id-changed", False, message + " (generated function names change)")
        # A webhook is a request the server sends to the client: its body and headers are received.
        sent: Direction = "response" if key[0] == "webhook" else "request"
        _diff_parameters(ctx, old_op, new_op, sent)
        _diff_request_body(ctx, old_op[1], new_op[1], sent)
        _diff_responses(ctx, old_op[1], new_op[1], _FLIP[sent])
    return sorted(ctx.changes)
