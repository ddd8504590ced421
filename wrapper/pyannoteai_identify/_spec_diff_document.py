"""One OpenAPI document as spec-diff compares it: ``$ref``s followed and schemas normalised (``allOf``
merged, OpenAPI 3.0's ``nullable`` and boolean exclusive bounds turned into 3.1's spelling)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._spec_diff_change import SpecDiffError


class _Document:
    """One OpenAPI document with ``$ref`` resolution and schema normalisation."""

    def __init__(self, document: Mapping[str, Any], name: str = "the document") -> None:
        self.document = document
        self.name = name

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise SpecDiffError(f"only local $refs are supported, got {ref!r}")
        target: Any = self.document
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or key not in target:
                raise SpecDiffError(f"$ref {ref!r} in {self.name} points to nothing")
            target = target[key]
        return target

    def deref(self, node: Any) -> tuple[dict[str, Any], str | None]:
        """*node* with its ``$ref`` chain followed (siblings of ``$ref`` win), and the first ref's name."""
        name: str | None = None
        seen: set[str] = set()
        merged: dict[str, Any] = {}
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise SpecDiffError(f"$ref {ref!r} refers to itself")
            seen.add(ref)
            name = name or ref.rsplit("/", 1)[-1]
            merged = {**{k: v for k, v in node.items() if k != "$ref"}, **merged}
            node = self.pointer(ref)
        if not isinstance(node, Mapping):
            return ({} if node is True else {"not": {}}), name
        return {**node, **merged}, name

    def schema(self, node: Any) -> tuple[dict[str, Any], str | None]:
        """A normalised schema: refs followed, allOf merged, 3.0 spellings turned into 3.1's."""
        schema, name = self.deref(node)
        if "allOf" in schema:
            schema = self._merge_all_of(schema)
        schema = dict(schema)
        types = _types_of(schema)
        if types is not None:
            schema["type"] = sorted(types)
        schema.pop("nullable", None)
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if schema.get(exclusive) is True:
                schema[exclusive] = schema.pop(bound, None)
                if schema[exclusive] is None:
                    del schema[exclusive]
            elif schema.get(exclusive) is False:
                del schema[exclusive]
        if "const" in schema and "enum" not in schema:
            schema["enum"] = [schema["const"]]
        return schema, name or schema.get("title")

    def _merge_all_of(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
        for part in schema["allOf"]:
            resolved, _ = self.schema(part)
            for key, value in resolved.items():
                if key == "properties":
                    merged["properties"] = {**value, **merged.get("properties", {})}
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", []), *value})
                elif key in ("description", "title", "example", "examples", "default"):
                    continue
                else:
                    merged.setdefault(key, value)
        return merged


def _types_of(schema: Mapping[str, Any]) -> set[str] | None:
    """The JSON types a schema allows, or None for any; 3.0's nullable adds "null"."""
    declared = schema.get("type")
    if declared is None:
        if "properties" in schema or "additionalProperties" in schema:
            types = {"object"}
        elif "items" in schema:
            types = {"array"}
        else:
            return None
    else:
        types = {declared} if isinstance(declared, str) else set(declared)
    if schema.get("nullable") is True or None in schema.get("enum", ()):
        types.add("null")
    return types
