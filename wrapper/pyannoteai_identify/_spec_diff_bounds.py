"""Comparing the bounds, ``pattern`` and ``format`` of two schemas for spec-diff."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._spec_diff_change import Direction
from ._spec_diff_context import _by_direction, _Context, _show

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def _fits(value: Any, keyword: str, bound: Any) -> bool:
    """Whether an enum value satisfies the bound *keyword*: *bound* (values of the wrong type always fit)."""
    if keyword == "pattern":
        return not isinstance(value, str) or re.search(bound, value) is not None
    size = len(value) if isinstance(value, str | list | dict) else None
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    checks: dict[str, Any] = {
        "minimum": lambda: not numeric or value >= bound,
        "maximum": lambda: not numeric or value <= bound,
        "exclusiveMinimum": lambda: not numeric or value > bound,
        "exclusiveMaximum": lambda: not numeric or value < bound,
        "minLength": lambda: not isinstance(value, str) or len(value) >= bound,
        "maxLength": lambda: not isinstance(value, str) or len(value) <= bound,
        "minItems": lambda: not isinstance(value, list) or (size or 0) >= bound,
        "maxItems": lambda: not isinstance(value, list) or (size or 0) <= bound,
        "minProperties": lambda: not isinstance(value, dict) or (size or 0) >= bound,
        "maxProperties": lambda: not isinstance(value, dict) or (size or 0) <= bound,
    }
    try:
        return bool(checks[keyword]())
    except (TypeError, re.error):
        return False


def _enum_still_fits(old: Mapping[str, Any], keyword: str, bound: Any) -> bool:
    """True when *old* is an enum whose every value satisfies the new bound: nothing that was valid is lost."""
    values = [value for value in old.get("enum", []) if value is not None]
    return bool(values) and all(_fits(value, keyword, bound) for value in values)


def _diff_bounds(
    ctx: _Context, old: Mapping[str, Any], new: Mapping[str, Any], path: str, direction: Direction
) -> None:
    for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        lower = keyword in _LOWER_BOUNDS
        if before is None:
            tightened = True
        elif after is None:
            tightened = False
        else:
            tightened = after > before if lower else after < before
        verb = "tightened" if tightened else "loosened"
        message = f"{keyword} {verb}: {_show(before)} → {_show(after)}"
        breaking = _by_direction(direction, request=tightened, response=not tightened)
        if breaking and tightened and after is not None and _enum_still_fits(old, keyword, after):
            breaking, message = False, f"{message} (every value of the old enum still fits)"
        ctx.add(path, f"bound-{verb}", breaking, message)
    before, after = old.get("pattern"), new.get("pattern")
    if before != after:
        if before is None:
            breaking = direction == "request" and not _enum_still_fits(old, "pattern", after)
            message = f"pattern added: {_show(after)}"
        elif after is None:
            breaking = direction == "response"
            message = f"pattern removed (was {_show(before)})"
        else:
            breaking = not (direction == "request" and _enum_still_fits(old, "pattern", after))
            message = f"pattern changed: {_show(before)} → {_show(after)}"
        ctx.add(path, "pattern-changed", breaking, message)
    if old.get("format") != new.get("format"):
        # An annotation in JSON Schema 2020-12 (and "float", "string" are not even checkable): reported only.
        ctx.add(path, "format-changed", False, f"format {_show(old.get('format'))} became {_show(new.get('format'))}")
