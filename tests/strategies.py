"""Hypothesis strategies derived from the contract (openapi.yaml), never retyped.

Every strategy reads its schema from the OpenAPI document at call time, so when the contract
changes (a new enum value, a tighter bound) the generated data follows with no test edit. By
default the document is ``pyannoteai_identify._spec.SPEC``; every function also takes ``spec=``, a
path (YAML or JSON) or an already-loaded dict, so a test can hand in a mutated copy.

Schemas are prepared for ``hypothesis_jsonschema.from_schema`` (JSON Schema draft 7):

- ``$ref``s are inlined (recursive references are refused: the generator cannot follow them);
- OpenAPI-only keywords (``description``, ``example(s)``, ``default``, ``x-…`` extensions, …) are
  stripped, and OpenAPI 3.0's ``nullable: true`` becomes a ``null`` member of ``type``;
- ``type`` lists that include ``"null"`` become an ``anyOf`` of the non-null schema and
  ``{"type": "null"}``, so the other keywords apply to the non-null branch only;
- an array with no ``maxItems`` gets ``maxItems: max_items`` (default ``UNBOUNDED_MAX_ITEMS``) so
  that outputs such as ``confidence.score`` stay small; declared bounds are kept as written;
- an object with ``properties`` and no ``additionalProperties`` is closed unless ``extra_keys=True``:
  the contract allows unknown keys, but random ones slow generation and can collide with the keys
  that tell job shapes apart, so tests of forward compatibility ask for them explicitly.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pyannoteai_identify._spec import SPEC

__all__ = [
    "JOB_SCHEMAS",
    "UNBOUNDED_MAX_ITEMS",
    "Example",
    "SpecLike",
    "body_schema",
    "job",
    "job_status",
    "json_responses",
    "load_spec",
    "operation",
    "prepare",
    "request_body",
    "resolve",
    "response_body",
    "schema_strategy",
    "spec_examples",
]

SpecLike = Mapping[str, Any] | str | Path | None
JobKind = Literal["identify", "voiceprint", "diarization"]

#: maxItems given to arrays the contract leaves unbounded (frame scores, segment lists).
UNBOUNDED_MAX_ITEMS = 10

#: The component schema of each job kind (the API sends no kind field; the client knows it).
JOB_SCHEMAS: dict[str, str] = {
    "identify": "IdentifyJob",
    "voiceprint": "VoiceprintJob",
    "diarization": "DiarizationJob",
}

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Annotation and OpenAPI-only keywords: they never constrain a value.
_DROPPED = frozenset(
    {
        "description",
        "summary",
        "title",
        "example",
        "examples",
        "default",
        "externalDocs",
        "xml",
        "discriminator",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "$schema",
        "$id",
        "contentEncoding",
        "contentMediaType",
    }
)
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_SINGLES = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")


def load_spec(spec: SpecLike = None) -> Mapping[str, Any]:
    """The OpenAPI document: ``_spec.SPEC`` by default, a dict as given, or a YAML/JSON file."""
    if spec is None:
        return SPEC
    if isinstance(spec, Mapping):
        return spec
    text = Path(spec).read_text(encoding="utf-8")
    if Path(spec).suffix == ".json":
        loaded: dict[str, Any] = json.loads(text)
        return loaded
    import yaml

    document: dict[str, Any] = yaml.safe_load(text)
    return document


def _pointer(document: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def resolve(node: Any, spec: SpecLike = None, _seen: tuple[str, ...] = ()) -> Any:
    """*node* with every ``$ref`` replaced by a copy of its target (siblings of ``$ref`` are merged in)."""
    document = load_spec(spec)
    if isinstance(node, list):
        return [resolve(item, document, _seen) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in _seen:
            raise ValueError(f"recursive $ref {ref!r} cannot be generated (path: {' -> '.join(_seen)})")
        target = resolve(_pointer(document, ref), document, (*_seen, ref))
        siblings = {key: resolve(value, document, _seen) for key, value in node.items() if key != "$ref"}
        return {**target, **siblings} if isinstance(target, dict) else target
    return {key: resolve(value, document, _seen) for key, value in node.items()}


def _types(schema: Mapping[str, Any]) -> list[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    types = [declared] if isinstance(declared, str) else list(declared)
    if schema.get("nullable") is True and "null" not in types:
        types.append("null")
    return types


def prepare(schema: Any, *, extra_keys: bool = False, max_items: int = UNBOUNDED_MAX_ITEMS) -> Any:
    """A resolved OpenAPI schema turned into a draft-7 JSON Schema that ``from_schema`` handles well."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED or key == "nullable" or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS:
            out[key] = {name: prepare(sub, extra_keys=extra_keys, max_items=max_items) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            out[key] = [prepare(sub, extra_keys=extra_keys, max_items=max_items) for sub in value]
        elif key in _SCHEMA_SINGLES:
            out[key] = prepare(value, extra_keys=extra_keys, max_items=max_items)
        else:
            out[key] = copy.deepcopy(value)
    types = _types(schema)
    if types is not None:
        out["type"] = types[0] if len(types) == 1 else types
    if types is not None and "array" in types and "maxItems" not in out:
        out["maxItems"] = max(max_items, out.get("minItems", 0))
    is_object = (types is None or "object" in types) and "properties" in out
    if is_object and "additionalProperties" not in out and not extra_keys:
        out["additionalProperties"] = False
    if types is not None and "null" in types and len(types) > 1:
        non_null = {**out, "type": [t for t in types if t != "null"]}
        if len(non_null["type"]) == 1:
            non_null["type"] = non_null["type"][0]
        if "enum" in non_null:
            non_null["enum"] = [value for value in non_null["enum"] if value is not None]
        return {"anyOf": [non_null, {"type": "null"}]}
    return out


# Arbitrary JSON for unconstrained schemas (``{}``) and, with extra_keys, for unknown keys.
_ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=5,
)
_OBJECT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties"})
_ARRAY_KEYWORDS = frozenset({"type", "items", "minItems", "maxItems", "uniqueItems"})


def _merge_all_of(schema: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema["allOf"]:
        part = _merge_all_of(part) if "allOf" in part else part
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    return merged


def _compile(schema: Any) -> st.SearchStrategy[Any]:
    """Objects, arrays and unions are built here; scalars are left to ``from_schema``.

    hypothesis-jsonschema 0.23.1's object strategy relies on a Hypothesis internal
    (``many.more()``) that Hypothesis 6.170 no longer has, so it cannot build objects itself.
    """
    if schema is True or schema == {}:
        return _ANY_JSON
    if schema is False:
        return st.nothing()
    if "allOf" in schema:
        return _compile(_merge_all_of(schema))
    if "anyOf" in schema or "oneOf" in schema:
        return _union(schema)
    declared = schema.get("type")
    if isinstance(declared, list):
        return st.one_of([_compile({**schema, "type": one}) for one in declared])
    if "const" in schema or "enum" in schema:
        return from_schema(schema)
    if declared == "object" or (declared is None and "properties" in schema):
        return _object(schema)
    if declared == "array":
        return _array(schema)
    if declared is None:
        return _ANY_JSON
    return from_schema(schema)


def _union(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """``anyOf``/``oneOf``: each branch with the sibling keywords; ``oneOf`` keeps values matching one branch only."""
    keyword = "anyOf" if "anyOf" in schema else "oneOf"
    base = {key: value for key, value in schema.items() if key != keyword}
    branches = st.one_of([_compile({**base, **branch}) for branch in schema[keyword]])
    if keyword == "anyOf":
        return branches
    from jsonschema import Draft7Validator

    return branches.filter(Draft7Validator(schema).is_valid)


def _object(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    unsupported = sorted(set(schema) - _OBJECT_KEYWORDS)
    if unsupported:
        raise ValueError(f"object keywords {unsupported} are not supported by the strategies (schema: {schema})")
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    missing = required - set(properties)
    if missing:
        raise ValueError(f"required keys {sorted(missing)} have no schema in properties (schema: {schema})")
    known = st.fixed_dictionaries(
        {name: _compile(sub) for name, sub in properties.items() if name in required},
        optional={name: _compile(sub) for name, sub in properties.items() if name not in required},
    )
    additional = schema.get("additionalProperties", True)
    if additional is False:
        return known
    values = _ANY_JSON if additional is True else _compile(additional)
    extra = st.dictionaries(st.text(max_size=20).filter(lambda key: key not in properties), values, max_size=3)
    return st.builds(lambda fixed, more: {**more, **fixed}, known, extra)


def _array(schema: Mapping[str, Any]) -> st.SearchStrategy[list[Any]]:
    unsupported = sorted(set(schema) - _ARRAY_KEYWORDS)
    if unsupported:
        raise ValueError(f"array keywords {unsupported} are not supported by the strategies (schema: {schema})")
    items = _compile(schema.get("items", True))
    return st.lists(
        items,
        min_size=schema.get("minItems", 0),
        max_size=schema.get("maxItems"),
        unique_by=(lambda value: json.dumps(value, sort_keys=True)) if schema.get("uniqueItems") else None,
    )


@lru_cache(maxsize=512)
def _strategy_for(prepared_json: str) -> st.SearchStrategy[Any]:
    return _compile(json.loads(prepared_json))


def schema_strategy(
    name_or_schema: str | Mapping[str, Any],
    spec: SpecLike = None,
    *,
    extra_keys: bool = False,
    max_items: int = UNBOUNDED_MAX_ITEMS,
) -> st.SearchStrategy[Any]:
    """Values valid against ``components.schemas[name]`` or against a schema that may ``$ref`` the spec."""
    document = load_spec(spec)
    if isinstance(name_or_schema, str):
        schemas = document["components"]["schemas"]
        if name_or_schema not in schemas:
            raise KeyError(f"no schema {name_or_schema!r} in components.schemas (have: {sorted(schemas)})")
        schema: Any = schemas[name_or_schema]
    else:
        schema = name_or_schema
    prepared = prepare(resolve(schema, document), extra_keys=extra_keys, max_items=max_items)
    return _strategy_for(json.dumps(prepared, sort_keys=True))


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                yield path, method, item[method]
    for name, item in document.get("webhooks", {}).items():
        for method in _METHODS:
            if method in item:
                yield f"webhook:{name}", method, item[method]


def operation(operation_id: str, spec: SpecLike = None) -> tuple[str, str, Mapping[str, Any]]:
    """``(path, method, operation)`` for *operation_id*; webhooks come back as ``webhook:<name>``."""
    document = load_spec(spec)
    for path, method, op in _operations(document):
        if op.get("operationId") == operation_id:
            return path, method, op
    raise KeyError(f"no operation {operation_id!r} in the spec")


def body_schema(operation_id: str, part: int | str = "request", spec: SpecLike = None) -> Any:
    """The JSON body schema, as written (``$ref``s kept), of a request (*part* "request") or a response status."""
    document = load_spec(spec)
    _, _, op = operation(operation_id, document)
    if part == "request":
        if "requestBody" not in op:
            raise KeyError(f"{operation_id} takes no request body")
        holder = op["requestBody"]
    else:
        responses = op.get("responses", {})
        if str(part) not in responses:
            raise KeyError(f"{operation_id} declares no {part} response (has: {sorted(responses)})")
        holder = responses[str(part)]
    if "application/json" not in resolve(holder, document).get("content", {}):
        raise KeyError(f"{operation_id} {part} has no application/json body")
    return _json_media(holder, document).get("schema", {})


def request_body(
    operation_id: str, spec: SpecLike = None, *, extra_keys: bool = False, max_items: int = UNBOUNDED_MAX_ITEMS
) -> st.SearchStrategy[Any]:
    """JSON request bodies the contract accepts for *operation_id* (webhooks: the delivered body)."""
    document = load_spec(spec)
    schema = body_schema(operation_id, "request", document)
    return schema_strategy(schema, document, extra_keys=extra_keys, max_items=max_items)


def response_body(
    operation_id: str,
    status: int | str,
    spec: SpecLike = None,
    *,
    extra_keys: bool = False,
    max_items: int = UNBOUNDED_MAX_ITEMS,
) -> st.SearchStrategy[Any]:
    """JSON bodies the contract allows for *operation_id* answering *status*."""
    document = load_spec(spec)
    schema = body_schema(operation_id, status, document)
    return schema_strategy(schema, document, extra_keys=extra_keys, max_items=max_items)


def json_responses(spec: SpecLike = None) -> list[tuple[str, str]]:
    """Every ``(operationId, status)`` of a path operation whose response has a JSON body."""
    document = load_spec(spec)
    found = []
    for path, _, op in _operations(document):
        if path.startswith("webhook:"):
            continue
        for status, response in op.get("responses", {}).items():
            if "application/json" in resolve(response, document).get("content", {}):
                found.append((op["operationId"], status))
    return found


class Example(NamedTuple):
    """An ``examples`` entry of a request or response body, with the schema it must satisfy."""

    operation_id: str
    part: str  # "request", or the response status ("200", "404", …)
    name: str
    value: Any
    schema: Any  # as written in the spec: may be a $ref

    @property
    def id(self) -> str:
        return f"{self.operation_id}:{self.part}:{self.name}"


def spec_examples(spec: SpecLike = None) -> list[Example]:
    """Every ``example``/``examples`` value of a JSON request or response body, webhooks included."""
    document = load_spec(spec)
    found: list[Example] = []
    for _, _, op in _operations(document):
        holders: list[tuple[str, Any]] = []
        if "requestBody" in op:
            holders.append(("request", op["requestBody"]))
        holders.extend(op.get("responses", {}).items())
        for part, holder in holders:
            if "application/json" not in resolve(holder, document).get("content", {}):
                continue
            raw = _json_media(holder, document)
            if "example" in raw:
                found.append(Example(op["operationId"], part, "example", raw["example"], raw.get("schema", {})))
            for name, entry in raw.get("examples", {}).items():
                entry = resolve(entry, document)
                found.append(Example(op["operationId"], part, name, entry["value"], raw.get("schema", {})))
    return found


def _json_media(holder: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``application/json`` media object with its schema still as written (refs only followed to reach it)."""
    while "$ref" in holder:
        holder = _pointer(document, holder["$ref"])
    media: Mapping[str, Any] = holder["content"]["application/json"]
    return media


def job_status(spec: SpecLike = None) -> st.SearchStrategy[str]:
    """A value of the contract's ``JobStatus`` enum."""
    return schema_strategy("JobStatus", spec)


@st.composite
def _job(draw: st.DrawFn, kind: JobKind, status: str | None, spec: SpecLike, max_items: int) -> dict[str, Any]:
    document = load_spec(spec)
    envelope = resolve(document["components"]["schemas"][JOB_SCHEMAS[kind]], document)
    properties = dict(envelope["properties"])
    output_schema = properties.pop("output")
    if status is not None:
        properties["status"] = {"const": status}
    envelope = {**envelope, "properties": properties, "required": [k for k in envelope["required"] if k != "output"]}
    data: dict[str, Any] = draw(schema_strategy(envelope, document, max_items=max_items))
    if data["status"] == "succeeded":
        data["output"] = draw(schema_strategy(output_schema, document, max_items=max_items))
    return data


def job(
    kind: JobKind, status: str | None = None, spec: SpecLike = None, *, max_items: int = UNBOUNDED_MAX_ITEMS
) -> st.SearchStrategy[dict[str, Any]]:
    """A ``GET /v1/jobs/{id}`` body of the given kind, with ``output`` only when it has succeeded.

    The envelope comes from the kind's job schema (``JOB_SCHEMAS``) and the output from that
    schema's ``output`` property. *status* pins the status (any string, so tests can pass a value
    from a newer API); by default it is drawn from the envelope's ``status`` enum.
    """
    if kind not in JOB_SCHEMAS:
        raise ValueError(f"kind must be one of {sorted(JOB_SCHEMAS)}, got {kind!r}")
    return _job(kind, status, spec, max_items)
