"""Recording spec-diff's changes: the context of one comparison, and whether a change breaks a client
by the direction its data travels (what the client sends, what it receives)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ._spec_diff_change import Change, Direction
from ._spec_diff_document import _Document


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@dataclass
class _Context:
    ours: _Document
    other: _Document
    changes: list[Change]
    location: str = ""
    part: str = ""

    def add(self, path: str, kind: str, breaking: bool, message: str, *, needs_client_edit: bool = False) -> None:
        self.changes.append(Change(self.location, self.part, path, kind, breaking, message, needs_client_edit))


def _by_direction(direction: Direction, *, request: bool, response: bool) -> bool:
    return request if direction == "request" else response


def _added(ctx: _Context, path: str, kind: str, what: str, required: bool, direction: Direction) -> None:
    """Record a new field, parameter or body: breaking only when every request must now carry it."""
    state = "required" if required else "optional"
    ctx.add(path, kind, direction == "request" and required, f"{state} {what} added")


def _required_changed(ctx: _Context, path: str, what: str, was: bool, now: bool, direction: Direction) -> None:
    """Record a change of required-ness: breaking when a request must now carry *what*, or a
    response may now leave it out."""
    if was == now:
        return
    ctx.add(
        path,
        "required-added" if now else "required-removed",
        _by_direction(direction, request=now, response=not now),
        f"{what} {'now' if now else 'no longer'} required",
    )
