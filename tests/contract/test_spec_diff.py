"""The spec-diff tool: what changed between two OpenAPI documents, and what breaks a client."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pyannoteai_identify._spec import SPEC
from pyannoteai_identify._spec_diff import Change, diff_documents, load_document, main

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_YAML = ROOT / "openapi.yaml"
UPSTREAM = Path(__file__).parent / "data" / "upstream-openapi-excerpt.json"

Edit = Callable[[dict[str, Any]], None]


def _base() -> dict[str, Any]:
    """A small 3.1 document: POST /things (Thing in, ThingOut back) and GET /things/{thingId}."""
    thing_out = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["new", "done"]},
            "score": {"type": "number", "minimum": 0, "maximum": 100},
            "note": {"type": ["string", "null"]},
        },
    }
    thing = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 10},
            "size": {"type": "integer", "enum": [1, 2]},
            "color": {"type": "string", "enum": ["red", "blue"]},
            "count": {"type": "integer", "minimum": 1},
        },
    }
    created = {
        "description": "ok",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingOut"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "responses": {"200": created, "400": {"description": "bad"}},
                }
            },
            "/things/{thingId}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [
                        {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "verbose", "in": "query", "required": False, "schema": {"type": "boolean"}},
                    ],
                    "responses": {"200": created},
                }
            },
        },
        "components": {"schemas": {"Thing": thing, "ThingOut": thing_out}},
    }


def _edited(edit: Edit) -> dict[str, Any]:
    document = _base()
    edit(document)
    return document


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def _summary(changes: list[Change]) -> set[tuple[str, str, str, str, bool]]:
    return {(c.location, c.part, c.path, c.kind, c.breaking) for c in changes}


POST = "POST /things"
GET = "GET /things/{thingId}"

CASES: list[tuple[str, Edit, tuple[str, str, str, str, bool]]] = [
    (
        "removed response field",
        lambda d: _schemas(d)["ThingOut"]["properties"].pop("score"),
        (POST, "response 200", "$.score", "field-removed", True),
    ),
    (
        "added response field",
        lambda d: _schemas(d)["ThingOut"]["properties"].update(extra={"type": "string"}),
        (POST, "response 200", "$.extra", "field-added", False),
    ),
    (
        "new required request field",
        lambda d: (
            _schemas(d)["Thing"]["properties"].update(owner={"type": "string"}),
            _schemas(d)["Thing"]["required"].append("owner"),
        ),
        (POST, "request body", "$.owner", "field-added", True),
    ),
    (
        "new optional request field",
        lambda d: _schemas(d)["Thing"]["properties"].update(owner={"type": "string"}),
        (POST, "request body", "$.owner", "field-added", False),
    ),
    (
        "removed request field",
        lambda d: _schemas(d)["Thing"]["properties"].pop("color"),
        (POST, "request body", "$.color", "field-removed", True),
    ),
    (
        "narrowed request enum",
        lambda d: _schemas(d)["Thing"]["properties"]["color"].update(enum=["red"]),
        (POST, "request body", "$.color", "enum-values-removed", True),
    ),
    (
        "widened request enum",
        lambda d: _schemas(d)["Thing"]["properties"]["color"]["enum"].append("green"),
        (POST, "request body", "$.color", "enum-values-added", False),
    ),
    (
        "new value in a response status enum",
        lambda d: _schemas(d)["ThingOut"]["properties"]["status"]["enum"].append("x-future-status"),
        (GET, "response 200", "$.status", "enum-values-added", True),
    ),
    (
        "value dropped from a response enum",
        lambda d: _schemas(d)["ThingOut"]["properties"]["status"].update(enum=["new"]),
        (GET, "response 200", "$.status", "enum-values-removed", False),
    ),
    (
        "tightened request bound",
        lambda d: _schemas(d)["Thing"]["properties"]["name"].update(maxLength=5),
        (POST, "request body", "$.name", "bound-tightened", True),
    ),
    (
        "loosened request bound",
        lambda d: _schemas(d)["Thing"]["properties"]["name"].update(maxLength=50),
        (POST, "request body", "$.name", "bound-loosened", False),
    ),
    (
        "loosened response bound",
        lambda d: _schemas(d)["ThingOut"]["properties"]["score"].pop("maximum"),
        (POST, "response 200", "$.score", "bound-loosened", True),
    ),
    (
        "tightened response bound",
        lambda d: _schemas(d)["ThingOut"]["properties"]["score"].update(maximum=10),
        (POST, "response 200", "$.score", "bound-tightened", False),
    ),
    (
        "request bound every old enum value satisfies",
        lambda d: _schemas(d)["Thing"]["properties"]["size"].update(minimum=1),
        (POST, "request body", "$.size", "bound-tightened", False),
    ),
    (
        "request bound an old enum value violates",
        lambda d: _schemas(d)["Thing"]["properties"]["size"].update(minimum=2),
        (POST, "request body", "$.size", "bound-tightened", True),
    ),
    (
        "request pattern added",
        lambda d: _schemas(d)["Thing"]["properties"]["name"].update(pattern="^[a-z]+$"),
        (POST, "request body", "$.name", "pattern-changed", True),
    ),
    (
        "request field became required",
        lambda d: _schemas(d)["Thing"]["required"].append("count"),
        (POST, "request body", "$.count", "required-added", True),
    ),
    (
        "request field no longer required",
        lambda d: _schemas(d)["Thing"].update(required=[]),
        (POST, "request body", "$.name", "required-removed", False),
    ),
    (
        "response field no longer required",
        lambda d: _schemas(d)["ThingOut"].update(required=["id"]),
        (POST, "response 200", "$.status", "required-removed", True),
    ),
    (
        "request integer widened to number",
        lambda d: _schemas(d)["Thing"]["properties"]["count"].update(type="number"),
        (POST, "request body", "$.count", "type-changed", False),
    ),
    (
        "request type changed to an unrelated type",
        lambda d: _schemas(d)["Thing"]["properties"]["name"].update(type="integer"),
        (POST, "request body", "$.name", "type-changed", True),
    ),
    (
        "response null no longer possible",
        lambda d: _schemas(d)["ThingOut"]["properties"]["note"].update(type="string"),
        (POST, "response 200", "$.note", "type-changed", False),
    ),
    (
        "response score may now be a string",
        lambda d: _schemas(d)["ThingOut"]["properties"]["score"].update(type=["number", "string"]),
        (POST, "response 200", "$.score", "type-changed", True),
    ),
    (
        "operation removed",
        lambda d: d["paths"].pop("/things/{thingId}"),
        (GET, "", "", "operation-removed", True),
    ),
    (
        "operation added",
        lambda d: d["paths"]["/things"].update(
            get={"operationId": "listThings", "responses": {"200": {"description": "ok"}}}
        ),
        ("GET /things", "", "", "operation-added", False),
    ),
    (
        "required query parameter added",
        lambda d: d["paths"]["/things/{thingId}"]["get"]["parameters"].append(
            {"name": "team", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        (GET, "parameter query team", "", "parameter-added", True),
    ),
    (
        "optional query parameter added",
        lambda d: d["paths"]["/things/{thingId}"]["get"]["parameters"].append(
            {"name": "page", "in": "query", "required": False, "schema": {"type": "string"}}
        ),
        (GET, "parameter query page", "", "parameter-added", False),
    ),
    (
        "query parameter now required",
        lambda d: d["paths"]["/things/{thingId}"]["get"]["parameters"][1].update(required=True),
        (GET, "parameter query verbose", "", "required-added", True),
    ),
    (
        "request body no longer required",
        lambda d: d["paths"]["/things"]["post"]["requestBody"].update(required=False),
        (POST, "request body", "", "required-removed", False),
    ),
    (
        "required request body added",
        lambda d: d["paths"]["/things/{thingId}"]["get"].update(
            requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
        ),
        (GET, "request body", "", "body-added", True),
    ),
    (
        "response header removed",
        lambda d: d["paths"]["/things"]["post"]["responses"]["200"].pop("headers"),
        (POST, "response 200 header Retry-After", "", "header-removed", True),
    ),
    (
        "new success status",
        lambda d: d["paths"]["/things"]["post"]["responses"].update({"202": {"description": "accepted"}}),
        (POST, "response 202", "", "status-added", True),
    ),
    (
        "new error status",
        lambda d: d["paths"]["/things"]["post"]["responses"].update({"409": {"description": "conflict"}}),
        (POST, "response 409", "", "status-added", False),
    ),
    (
        "not added to a request body",
        lambda d: _schemas(d)["Thing"].update({"not": {"required": ["size"]}}),
        (POST, "request body", "$", "not-added", True),
    ),
    (
        "not added to a response body",
        lambda d: _schemas(d)["ThingOut"].update({"not": {"required": ["note"]}}),
        (POST, "response 200", "$", "not-added", False),
    ),
    (
        "status no longer declared",
        lambda d: d["paths"]["/things"]["post"]["responses"].pop("400"),
        (POST, "response 400", "", "status-removed", False),
    ),
]


@pytest.mark.parametrize(("name", "edit", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_change_is_reported_with_its_json_path_and_severity(
    name: str, edit: Edit, expected: tuple[str, str, str, str, bool]
) -> None:
    """A single edit of the small spec shows up as exactly the expected change, BREAKING or compatible."""
    changes = diff_documents(_base(), _edited(edit))
    assert expected in _summary(changes)
    assert all(change.kind == expected[3] for change in changes)


EQUIVALENT: list[tuple[str, Edit]] = [
    (
        "3.0 nullable instead of a 3.1 type list",
        lambda d: _schemas(d)["ThingOut"]["properties"].update(note={"type": "string", "nullable": True}),
    ),
    (
        "inline schema instead of a $ref",
        lambda d: d["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"].update(
            schema=copy.deepcopy(_schemas(d)["Thing"])
        ),
    ),
    (
        "allOf wrapper around a $ref, with a description",
        lambda d: d["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"].update(
            schema={"allOf": [{"$ref": "#/components/schemas/Thing"}], "description": "wrapped"}
        ),
    ),
    (
        "3.0 boolean exclusiveMinimum",
        lambda d: _schemas(d)["ThingOut"]["properties"]["score"].update(exclusiveMinimum=True),
    ),
    (
        "renamed path parameter",
        lambda d: d["paths"].update({"/things/{id}": {"get": {**d["paths"].pop("/things/{thingId}")["get"]}}}),
    ),
    (
        "header names in another case",
        lambda d: d["paths"]["/things"]["post"]["responses"]["200"].update(
            headers={"retry-after": {"schema": {"type": "integer"}}}
        ),
    ),
]


@pytest.mark.parametrize(("name", "edit"), EQUIVALENT, ids=[case[0] for case in EQUIVALENT])
def test_equivalent_spellings_are_not_reported(name: str, edit: Edit) -> None:
    """Spelling differences that mean the same schema produce no change at all."""
    ours = _base()
    if name == "3.0 boolean exclusiveMinimum":  # equivalent to 3.1's numeric form on our side
        score = _schemas(ours)["ThingOut"]["properties"]["score"]
        score["exclusiveMinimum"] = score.pop("minimum")
    other = _edited(edit)
    if name == "renamed path parameter":
        other["paths"]["/things/{id}"]["get"]["parameters"][0]["name"] = "id"
    assert diff_documents(ours, other) == []


def test_a_not_removed_or_changed_is_reported_as_its_direction_requires() -> None:
    """A ``not`` (the contract's job shapes refuse each other's keys with one) was invisible: the
    diff said "no differences" in both directions."""

    def refusing(keys: list[str]) -> Edit:
        return lambda d: (
            _schemas(d)["Thing"].update({"not": {"required": keys}}),
            _schemas(d)["ThingOut"].update({"not": {"required": keys}}),
        )

    removed = _summary(diff_documents(_edited(refusing(["note"])), _base()))
    assert (POST, "response 200", "$", "not-removed", True) in removed
    assert (POST, "request body", "$", "not-removed", False) in removed
    changed = _summary(diff_documents(_edited(refusing(["note"])), _edited(refusing(["size"]))))
    assert {(c[1], c[3], c[4]) for c in changed} == {
        ("request body", "not-changed", True),
        ("response 200", "not-changed", True),
    }


def test_openapi_yaml_compared_with_itself_has_no_changes_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """The contract against itself: nothing to report, exit code 0."""
    assert main([str(OPENAPI_YAML), str(OPENAPI_YAML)]) == 0
    assert "no differences" in capsys.readouterr().out


def test_yaml_and_json_spellings_of_the_contract_compare_equal(tmp_path: Path) -> None:
    """The same document read from YAML and from JSON gives no differences."""
    as_json = tmp_path / "openapi.json"
    as_json.write_text(json.dumps(SPEC), encoding="utf-8")
    assert load_document(as_json) == load_document(OPENAPI_YAML)
    assert diff_documents(load_document(OPENAPI_YAML), load_document(as_json)) == []


def _mutated_contract(edit: Edit, tmp_path: Path) -> Path:
    document = copy.deepcopy(SPEC)
    edit(document["components"]["schemas"])
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_new_job_status_breaks_job_responses_but_not_the_list_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JobStatus value added to openapi.yaml breaks what clients receive, not the status they send."""
    other = _mutated_contract(lambda schemas: schemas["JobStatus"]["enum"].append("x-future-status"), tmp_path)
    assert main([str(OPENAPI_YAML), str(other), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    breaking = {(c["location"], c["part"], c["path"], c["kind"]) for c in report["breaking"]}
    compatible = {(c["location"], c["part"], c["path"], c["kind"]) for c in report["compatible"]}
    assert ("GET /v1/jobs/{jobId}", "response 200", "$<IdentifyJob>.status", "enum-values-added") in breaking
    assert ("POST /v1/identify", "response 200", "$.status", "enum-values-added") in breaking
    assert ("WEBHOOK jobCompleted POST", "request body", "$.status", "enum-values-added") in breaking
    assert ("GET /v2/jobs", "parameter query status", "$", "enum-values-added") in compatible


def test_a_new_error_status_needs_a_client_edit_without_breaking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 409 newly declared on POST /v1/identify was called "compatible", as if nothing were to do:
    no request breaks, but the client raises it as a plain APIError until it has an exception (README,
    "When the API changes"). It is its own category, in the text and in --json, and exits 0; a status
    newly declared on a webhook's answer (what the client's receiver sends) stays compatible."""
    document = copy.deepcopy(SPEC)
    document["paths"]["/v1/identify"]["post"]["responses"]["409"] = {"description": "conflict"}
    document["webhooks"]["jobCompleted"]["post"]["responses"]["410"] = {"description": "gone"}
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    assert main([str(OPENAPI_YAML), str(other), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert main([str(OPENAPI_YAML), str(other)]) == 0
    text = capsys.readouterr().out

    identify_409 = ("POST /v1/identify", "response 409", "", "status-added")
    webhook_410 = ("WEBHOOK jobCompleted POST", "response 410", "", "status-added")
    listed = {
        group: [(c["location"], c["part"], c["path"], c["kind"]) for c in report[group]]
        for group in ("breaking", "needs_client_edit", "compatible")
    }
    assert listed == {"breaking": [], "needs_client_edit": [identify_409], "compatible": [webhook_410]}
    assert report["needs_client_edit"][0]["needs_client_edit"] is True
    assert "BREAKING (0)\nneeds a client edit (1)\n  POST /v1/identify  response 409: status 409 now declared (" in text
    assert "compatible (1)\n  WEBHOOK jobCompleted POST  response 410: status 410 now declared\n" in text


def test_num_speakers_enum_narrowed_in_the_contract_is_breaking(tmp_path: Path) -> None:
    """Dropping 2 from numSpeakers' enum breaks clients that send it."""
    other = _mutated_contract(
        lambda schemas: schemas["IdentifyRequest"]["properties"]["numSpeakers"].update(enum=[1]), tmp_path
    )
    changes = diff_documents(load_document(OPENAPI_YAML), load_document(other))
    assert _summary(changes) == {("POST /v1/identify", "request body", "$.numSpeakers", "enum-values-removed", True)}


UPSTREAM_KNOWN = {
    ("POST /v1/identify", "request body", "$.numSpeakers", "type-changed", False),
    ("POST /v1/identify", "request body", "$.numSpeakers", "enum-removed", False),
    ("POST /v1/identify", "request body", "$.numSpeakers", "bound-tightened", False),
    ("POST /v1/identify", "request body", "$.url", "required-removed", False),
    ("POST /v1/identify", "request body", "$.model", "enum-added", True),
    ("POST /v1/identify", "request body", "$.voiceprints[*].label", "pattern-changed", True),
    ("POST /v1/media/input", "request body", "$.url", "pattern-changed", True),
    ("POST /v1/media/input", "", "", "operation-id-changed", False),
    ("GET /v2/jobs", "parameter query limit", "$", "type-changed", False),
    ("GET /v1/jobs/{jobId}", "response 200", "$", "composition-changed", False),
    ("GET /v1/jobs/{jobId}", "response 200", "$<IdentifyJob>.output.identification", "required-removed", True),
    ("GET /v1/jobs/{jobId}", "response 200", "$<IdentifyJob>.jobId", "required-removed", True),
    ("GET /v1/jobs/{jobId}", "response 200", "$<IdentifyJob>.jobId", "bound-loosened", True),
    ("POST /v1/identify", "response 200", "$.jobId", "bound-loosened", True),
    ("GET /v2/jobs", "response 200", "$.items[*].id", "bound-loosened", True),
    ("GET /v1/jobs/{jobId}", "response 200", "$<DiarizationJob>.output.diarization", "required-added", False),
    ("GET /v1/jobs/{jobId}", "response 200", "$<IdentifyJob>.output.voiceprints[*].match", "type-changed", False),
    ("GET /v1/jobs/{jobId}", "response 404", "", "status-removed", False),
    ("GET /v1/jobs/{jobId}", "response 429 header Retry-After", "", "header-removed", True),
    ("POST /v1/diarize", "", "", "operation-added", False),
    ("WEBHOOK jobCompleted POST", "", "", "webhook-removed", True),
}


def test_diff_against_the_upstream_excerpt_reports_the_known_differences() -> None:
    """openapi.yaml vs the upstream 3.0 excerpt: integer vs number, url required, patterns, envelopes, …"""
    changes = diff_documents(load_document(OPENAPI_YAML), load_document(UPSTREAM))
    summary = _summary(changes)
    edited = "; if openapi.yaml was edited there on purpose, update this test (it checks spec-diff on that pair)"
    assert UPSTREAM_KNOWN - summary == set(), "spec-diff no longer reports these known differences" + edited
    assert not any(c.path.endswith(".nextCursor") for c in changes), (
        "3.0 nullable vs 3.1 type list is no change, yet a change at nextCursor is reported" + edited
    )
    identify_created = {
        (c.path, c.kind) for c in changes if c.location == "POST /v1/identify" and c.part == "response 200"
    }
    assert identify_created == {("$.jobId", "bound-loosened")}, (
        "POST /v1/identify's response 200 differs only by openapi.yaml's minLength on jobId" + edited
    )


def test_swapping_the_documents_flips_request_widening_into_breaking_narrowing() -> None:
    """Upstream → ours: numSpeakers number → integer enum and url becoming required both break."""
    summary = _summary(diff_documents(load_document(UPSTREAM), load_document(OPENAPI_YAML)))
    assert ("POST /v1/identify", "request body", "$.numSpeakers", "type-changed", True) in summary
    assert ("POST /v1/identify", "request body", "$.numSpeakers", "enum-added", True) in summary
    assert ("POST /v1/identify", "request body", "$.url", "required-added", True) in summary


def test_cli_groups_text_output_by_severity_and_exits_1_on_breaking(capsys: pytest.CaptureFixture[str]) -> None:
    """Text output lists BREAKING first, then compatible, each with a count; exit code 1."""
    assert main([str(OPENAPI_YAML), str(UPSTREAM)]) == 1
    out = capsys.readouterr().out
    breaking_at, compatible_at = out.index("\nBREAKING ("), out.index("\ncompatible (")
    assert breaking_at < compatible_at
    assert "POST /v1/identify  request body  $.voiceprints[*].label: pattern changed" in out[breaking_at:compatible_at]
    assert "POST /v1/diarize: operation added" in out[compatible_at:]


def test_cli_exits_0_when_only_compatible_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An added optional request field alone exits 0 and is listed as compatible."""
    other = _mutated_contract(
        lambda schemas: schemas["IdentifyRequest"]["properties"].update(minSpeakers={"type": "integer"}), tmp_path
    )
    assert main([str(OPENAPI_YAML), str(other)]) == 0
    out = capsys.readouterr().out
    assert "BREAKING (0)" in out
    assert "compatible (1)\n  POST /v1/identify  request body  $.minSpeakers: optional request field added" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("{not json", "not valid JSON"), ("swagger: '2.0'\n", "not an OpenAPI 3.x document")],
)
def test_unreadable_documents_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    """A missing file, bad syntax or a non-OpenAPI-3 document exits 2 and says why on stderr."""
    other = tmp_path / ("other.json" if content and content.startswith("{") else "other.yaml")
    if content is not None:
        other.write_text(content, encoding="utf-8")
    assert main([str(OPENAPI_YAML), str(other)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00", "is not UTF-8 text"),
        (b'{"openapi": "3.0.0", "paths": "nope"}', "is not a well-formed OpenAPI 3.x document (AttributeError"),
        (b'{"openapi": "3.0.0", "paths": {"/x": {"get": "nope"}}}', "is not a well-formed OpenAPI 3.x document"),
        (b"openapi: 3.0.0\npaths: [\n", "is not valid YAML: while parsing"),
    ],
    ids=["not-utf8", "paths-a-string", "operation-a-string", "broken-yaml"],
)
def test_a_document_of_the_wrong_shape_exits_2_not_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    """A document spec-diff cannot read crashed with a traceback and exit 1, the code of a breaking
    change, so CI reported a crash as an API break: it exits 2 with one line naming the file."""
    other = tmp_path / ("other.json" if content.startswith(b"{") else "other.yaml")
    other.write_bytes(content)
    assert main([str(other), str(other)]) == 2  # compared with itself: every part of it is read
    err = capsys.readouterr().err
    assert err.startswith("spec-diff: ") and err.count("\n") == 1 and message in err and str(other) in err
    assert "<unicode string>" not in err


def test_a_dangling_ref_names_its_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ "$ref points to nothing" did not say in which of the two documents."""
    other = _base()
    _schemas(other)["ThingOut"]["properties"]["x"] = {"$ref": "#/components/schemas/Nope"}
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    assert main([str(path), str(path)]) == 2
    assert f"$ref '#/components/schemas/Nope' in {path} points to nothing" in capsys.readouterr().err


def test_self_referencing_schemas_are_compared_without_looping() -> None:
    """A recursive schema (a tree node whose children are nodes) is walked once and its changes found."""
    node = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        },
    }
    ours = _base()
    _schemas(ours)["Node"] = node
    _schemas(ours)["ThingOut"]["properties"]["tree"] = {"$ref": "#/components/schemas/Node"}
    other = copy.deepcopy(ours)
    _schemas(other)["Node"]["properties"].pop("name")
    summary = _summary(diff_documents(ours, other))
    assert (POST, "response 200", "$.tree.name", "field-removed", True) in summary


def test_a_document_of_the_wrong_shape_is_named_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CHANGELOG says a document of the wrong shape exits 2 "with one line naming the file", and
    the test above compares a file with itself, so `str(other) in err` cannot tell; with a good and
    a bad document, the line says "GOOD or BAD is not a well-formed OpenAPI 3.x document"."""
    good = tmp_path / "ours.json"
    good.write_text(json.dumps(_base()), encoding="utf-8")
    bad = tmp_path / "other.json"
    bad.write_text('{"openapi": "3.0.0", "paths": "nope"}', encoding="utf-8")
    assert main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and str(good) not in err, err
