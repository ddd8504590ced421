"""Rendering spec-diff's changes for people (text, breaking first) or programs (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ._spec_diff_change import Change


def render_text(changes: Sequence[Change], ours: str, other: str) -> str:
    """The changes grouped by severity: breaking first, then those that need a client edit."""
    lines = [f"spec-diff: {ours} → {other}"]
    for title, group in (
        ("BREAKING", _breaking(changes)),
        ("needs a client edit", _needs_client_edit(changes)),
        ("compatible", _compatible(changes)),
    ):
        lines.append(f"{title} ({len(group)})")
        lines.extend(f"  {change.describe()}" for change in group)
    if not changes:
        lines.append("no differences")
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[Change], ours: str, other: str) -> str:
    """The changes as a JSON document with a "breaking", a "needs_client_edit" and a "compatible" list."""
    return json.dumps(
        {
            "ours": ours,
            "other": other,
            "breaking": [change.to_dict() for change in _breaking(changes)],
            "needs_client_edit": [change.to_dict() for change in _needs_client_edit(changes)],
            "compatible": [change.to_dict() for change in _compatible(changes)],
        },
        indent=2,
        ensure_ascii=False,
    )


def _breaking(changes: Sequence[Change]) -> list[Change]:
    return [change for change in changes if change.breaking]


def _needs_client_edit(changes: Sequence[Change]) -> list[Change]:
    return [change for change in changes if not change.breaking and change.needs_client_edit]


def _compatible(changes: Sequence[Change]) -> list[Change]:
    return [change for change in changes if not change.breaking and not change.needs_client_edit]
