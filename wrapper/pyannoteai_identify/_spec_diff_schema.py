"""Comparing two schemas for spec-diff: types, enums, properties, ``additionalProperties``, unions,
``not`` and array items, recursively (bounds are compared in ``_spec_diff_bounds``)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ._spec_diff_bounds import _diff_bounds
from ._spec_diff_change import Direction
from ._spec_diff_context import _added, _by_direction, _Context, _required_changed, _show
from ._spec_diff_document import _Document


def _covers(types: set[str] | None, kind: str) -> bool:
    return types is None or kind in types or (kind == "integer" and "number" in types)


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else f"{path}[{_show(key)}]"


def _diff_schema(
    ctx: _Context, old_node: Any, new_node: Any, path: str, direction: Direction, stack: frozenset[Any] = frozenset()
) -> None:
    old, old_name = ctx.ours.schema(old_node)
    new, new_name = ctx.other.schema(new_node)
    refs = tuple(node.get("$ref") if isinstance(node, Mapping) else None for node in (old_node, new_node))
    if refs != (None, None):
        if refs in stack:
            return
        stack = stack | {refs}
    if any(union in schema for schema in (old, new) for union in ("anyOf", "oneOf")):
        _diff_union(ctx, (old, old_name), (new, new_name), path, direction, stack)
        return
    _diff_types(ctx, old, new, path, direction)
    _diff_enum(ctx, old, new, path, direction)
    _diff_bounds(ctx, old, new, path, direction)
    if "properties" in old or "properties" in new:
        _diff_properties(ctx, old, new, path, direction, stack)
    _diff_additional(ctx, old, new, path, direction, stack)
    _diff_not(ctx, old, new, path, direction)
    if "items" in old and "items" in new:
        _diff_schema(ctx, old["items"], new["items"], f"{path}[*]", direction, stack)


def _alternatives(schema: dict[str, Any], name: str | None, document: _Document) -> list[tuple[Any, str | None]]:
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return [(branch, document.schema(branch)[1]) for branch in schema[union]]
    return [(schema, name)]


def _diff_union(
    ctx: _Context,
    old: tuple[dict[str, Any], str | None],
    new: tuple[dict[str, Any], str | None],
    path: str,
    direction: Direction,
    stack: frozenset[Any],
) -> None:
    old_keyword = next((union for union in ("anyOf", "oneOf") if union in old[0]), None)
    new_keyword = next((union for union in ("anyOf", "oneOf") if union in new[0]), None)
    if old_keyword and new_keyword and old_keyword != new_keyword:
        ctx.add(path, "composition-changed", False, f"{old_keyword} became {new_keyword}")
    olds = _alternatives(*old, ctx.ours)
    news = _alternatives(*new, ctx.other)
    pairs = _pair_alternatives([name for _, name in olds], [name for _, name in news])
    for index, match in pairs:
        label = olds[index][1] or f"#{index}"
        if match is None:
            ctx.add(
                f"{path}<{label}>",
                "alternative-removed",
                _by_direction(direction, request=True, response=False),
                f"alternative {label} removed",
            )
        else:
            _diff_schema(ctx, olds[index][0], news[match][0], f"{path}<{label}>", direction, stack)
    for j in sorted(set(range(len(news))) - {match for _, match in pairs if match is not None}):
        label = news[j][1] or f"#{j}"
        ctx.add(
            f"{path}<{label}>",
            "alternative-added",
            _by_direction(direction, request=False, response=True),
            f"alternative {label} added",
        )


def _pair_alternatives(old_names: list[str | None], new_names: list[str | None]) -> list[tuple[int, int | None]]:
    """Match union branches by schema name; leftovers pair up in order when one of the two is unnamed."""
    free = list(range(len(new_names)))
    pairs: list[tuple[int, int | None]] = []
    for index, name in enumerate(old_names):
        match = next((j for j in free if name is not None and new_names[j] == name), None)
        if match is not None:
            free.remove(match)
        pairs.append((index, match))
    for position, (index, match) in enumerate(pairs):
        if match is None:
            partner = next((j for j in free if old_names[index] is None or new_names[j] is None), None)
            if partner is not None:
                free.remove(partner)
                pairs[position] = (index, partner)
    return pairs


def _diff_types(ctx: _Context, old: Mapping[str, Any], new: Mapping[str, Any], path: str, direction: Direction) -> None:
    old_types = set(old["type"]) if "type" in old else None
    new_types = set(new["type"]) if "type" in new else None
    if old_types == new_types:
        return
    everything = {"string", "number", "integer", "boolean", "object", "array", "null"}
    lost = any(not _covers(new_types, kind) for kind in (old_types or everything))
    gained = any(not _covers(old_types, kind) for kind in (new_types or everything))
    if not lost and not gained:
        return
    breaking = _by_direction(direction, request=lost, response=gained)
    ctx.add(
        path,
        "type-changed",
        breaking,
        f"type {_show(sorted(old_types or ['any']))} became {_show(sorted(new_types or ['any']))}",
    )


def _enum_values(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    if "enum" not in schema:
        return None
    return {_show(value): value for value in schema["enum"] if value is not None}


def _diff_enum(ctx: _Context, old: Mapping[str, Any], new: Mapping[str, Any], path: str, direction: Direction) -> None:
    old_values = _enum_values(old)
    new_values = _enum_values(new)
    if old_values is None and new_values is None:
        return
    if old_values is None:
        assert new_values is not None
        ctx.add(
            path,
            "enum-added",
            _by_direction(direction, request=True, response=False),
            f"now restricted to the enum {_show(list(new_values.values()))}",
        )
        return
    if new_values is None:
        ctx.add(
            path,
            "enum-removed",
            _by_direction(direction, request=False, response=True),
            f"no longer restricted to the enum {_show(list(old_values.values()))}",
        )
        return
    added = [value for key, value in new_values.items() if key not in old_values]
    removed = [value for key, value in old_values.items() if key not in new_values]
    if added:
        breaking = _by_direction(direction, request=False, response=True)
        ctx.add(path, "enum-values-added", breaking, f"enum values added: {_show(added)}")
    if removed:
        breaking = _by_direction(direction, request=True, response=False)
        ctx.add(path, "enum-values-removed", breaking, f"enum values removed: {_show(removed)}")


def _diff_properties(
    ctx: _Context,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    path: str,
    direction: Direction,
    stack: frozenset[Any],
) -> None:
    old_properties: Mapping[str, Any] = old.get("properties", {})
    new_properties: Mapping[str, Any] = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    side = "request" if direction == "request" else "response"
    for name in [*old_properties, *(name for name in new_properties if name not in old_properties)]:
        where = _key_path(path, name)
        if name not in new_properties:
            ctx.add(where, "field-removed", True, f"{side} field removed")
        elif name not in old_properties:
            _added(ctx, where, "field-added", f"{side} field", name in new_required, direction)
        else:
            _diff_schema(ctx, old_properties[name], new_properties[name], where, direction, stack)
            _required_changed(ctx, where, f"{side} field", name in old_required, name in new_required, direction)


def _diff_additional(
    ctx: _Context,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    path: str,
    direction: Direction,
    stack: frozenset[Any],
) -> None:
    before = old.get("additionalProperties", True)
    after = new.get("additionalProperties", True)
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        _diff_schema(ctx, before, after, f"{path}.*", direction, stack)
    elif after is False and before is not False:
        ctx.add(path, "closed", direction == "request", "unknown keys no longer allowed")
    elif before is False and after is not False:
        ctx.add(path, "opened", False, "unknown keys now allowed")


def _diff_not(ctx: _Context, old: Mapping[str, Any], new: Mapping[str, Any], path: str, direction: Direction) -> None:
    """A ``not`` added narrows what is valid (breaking for what the client sends), one removed widens
    it (breaking for what it receives); one changed cannot be ordered, so it counts as breaking."""
    before, after = (_canonical(schema.get("not")) for schema in (old, new))
    if before == after:
        return
    if before is None:
        ctx.add(path, "not-added", direction == "request", f"now refuses what matches not: {after}")
    elif after is None:
        ctx.add(path, "not-removed", direction == "response", f"no longer refuses what matches not: {before}")
    else:
        ctx.add(path, "not-changed", True, f"not: {before} became not: {after} (review by hand)")


def _canonical(node: Any) -> str | None:
    return None if node is None else json.dumps(node, sort_keys=True, separators=(",", ":"))
