"""Rendering spec-diff's changes for people (text, breaking first) or programs (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ._spec_diff_change import Change


def render_text(changes: Sequence[Change], ours: str, other: str) -> str:
    """The changes grouped by severity, breaking first."""
    lines = [f"spec-diff: {ours} → {other}"]
    for title, group in (
        ("BREAKING", [c for c in changes if c.breaking]),
        ("compatible", [c for c in changes if not c.breaking]),
    ):
        lines.append(f"{title} ({len(group)})")
        lines.extend(f"  {change.describe()}" for change in group)
    if not changes:
        lines.append("no differences")
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[Change], ours: str, other: str) -> str:
    """The changes as a JSON document with a "breaking" and a "compatible" list."""
    return json.dumps(
        {
            "ours": ours,
            "other": other,
            "breaking": [change.to_dict() for change in changes if change.breaking],
            "compatible": [change.to_dict() for change in changes if not change.breaking],
        },
        indent=2,
        ensure_ascii=False,
    )
