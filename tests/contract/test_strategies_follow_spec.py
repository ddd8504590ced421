"""The test strategies are derived from the contract: they follow an edited spec with no test edit.

Each mutation test edits a deep copy of the spec the way a contract change would, and shows the
generated data changes with it; the soundness tests show every generated value is valid against
the spec schema it came from.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from strategies import (
    JOB_SCHEMAS,
    body_schema,
    job,
    job_status,
    json_responses,
    prepare,
    request_body,
    resolve,
    response_body,
    schema_strategy,
)

from pyannoteai_identify import _schema
from pyannoteai_identify._spec import SPEC

# find() stops at the first hit and, with the generate phase only, does not shrink it; the budget
# only bounds a strategy that would never produce one.
FIND = settings(max_examples=2000, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def _mutated(edit: Any) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    edit(spec["components"]["schemas"])
    return spec


def _with_three_speakers(schemas: dict[str, Any]) -> None:
    schemas["IdentifyRequest"]["properties"]["numSpeakers"]["enum"] = [1, 2, 3]


def _with_five_voiceprints(schemas: dict[str, Any]) -> None:
    schemas["IdentifyRequest"]["properties"]["voiceprints"]["maxItems"] = 5


def _with_a_future_status(schemas: dict[str, Any]) -> None:
    schemas["JobStatus"]["enum"].append("x-future-status")


def _validator(schema: Any, spec: dict[str, Any] = SPEC) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": spec["components"]}, format_checker=FormatChecker())


def test_num_speakers_3_is_generated_once_the_spec_enum_allows_it() -> None:
    """With numSpeakers' enum edited to [1, 2, 3], identify request bodies with numSpeakers 3 appear."""
    spec = _mutated(_with_three_speakers)
    found = find(request_body("identify", spec), lambda body: body.get("numSpeakers") == 3, settings=FIND)
    assert found["numSpeakers"] == 3


@given(body=request_body("identify"))
def test_num_speakers_stays_within_the_unedited_enum(body: dict[str, Any]) -> None:
    """From the real spec, numSpeakers is only ever 1 or 2 (or absent)."""
    assert (
        body.get("numSpeakers", 1)
        in SPEC["components"]["schemas"]["IdentifyRequest"]["properties"]["numSpeakers"]["enum"]
    )


@given(body=request_body("identify", _mutated(_with_five_voiceprints)))
def test_voiceprints_never_exceed_an_edited_max_items_of_5(body: dict[str, Any]) -> None:
    """With voiceprints' maxItems edited to 5, no generated request carries more than 5."""
    assert 1 <= len(body["voiceprints"]) <= 5


def test_voiceprints_reach_the_edited_bound_and_exceed_it_only_under_the_real_spec() -> None:
    """5 voiceprints are reachable under the edit, and more than 5 under the real maxItems of 50."""
    edited = find(
        request_body("identify", _mutated(_with_five_voiceprints)), lambda b: len(b["voiceprints"]) == 5, settings=FIND
    )
    assert len(edited["voiceprints"]) == 5
    real = find(request_body("identify"), lambda body: len(body["voiceprints"]) > 5, settings=FIND)
    assert (
        5
        < len(real["voiceprints"])
        <= SPEC["components"]["schemas"]["IdentifyRequest"]["properties"]["voiceprints"]["maxItems"]
    )


def test_a_status_added_to_job_status_is_generated_everywhere_it_is_used() -> None:
    """With a status "x-future-status" added to JobStatus, the status enum, job bodies and job
    responses all produce it."""
    spec = _mutated(_with_a_future_status)
    assert find(job_status(spec), lambda status: status == "x-future-status", settings=FIND) == "x-future-status"
    assert (
        find(job("identify", spec=spec), lambda body: body["status"] == "x-future-status", settings=FIND)["status"]
        == "x-future-status"
    )
    future = find(
        response_body("getJobById", 200, spec), lambda body: body["status"] == "x-future-status", settings=FIND
    )
    assert future["status"] == "x-future-status"
    assert "x-future-status" not in SPEC["components"]["schemas"]["JobStatus"]["enum"]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_strategies_read_a_spec_from_a_yaml_or_json_file(tmp_path: Path, suffix: str) -> None:
    """spec= may be a file: an edited copy on disk is followed like an edited dict."""
    path = tmp_path / f"edited{suffix}"
    document = _mutated(_with_a_future_status)
    path.write_text(json.dumps(document) if suffix == ".json" else yaml.safe_dump(document), encoding="utf-8")
    assert find(job_status(path), lambda status: status == "x-future-status", settings=FIND) == "x-future-status"


@given(status=job_status())
def test_job_status_draws_only_the_spec_values(status: str) -> None:
    """Unedited, job_status() draws only the spec's JobStatus values."""
    assert status in SPEC["components"]["schemas"]["JobStatus"]["enum"]


@pytest.mark.parametrize("name", sorted(SPEC["components"]["schemas"]))
@given(data=st.data())
def test_every_component_strategy_generates_only_valid_values(name: str, data: st.DataObject) -> None:
    """Values drawn for each component schema (unknown keys included) validate against that schema."""
    value = data.draw(schema_strategy(name, extra_keys=True))
    assert list(_validator({"$ref": f"#/components/schemas/{name}"}).iter_errors(value)) == []


@pytest.mark.parametrize("operation_id", ["getMediaUploadUrl", "voiceprint", "identify", "jobCompletedWebhook"])
@given(data=st.data())
def test_request_body_strategy_generates_only_valid_requests(operation_id: str, data: st.DataObject) -> None:
    """Request bodies (and webhook deliveries) drawn from the spec are valid against its request schema."""
    body = data.draw(request_body(operation_id))
    assert list(_validator(_schema.request_schema(operation_id)).iter_errors(body)) == []


@pytest.mark.parametrize(("operation_id", "status"), json_responses())
@given(data=st.data())
def test_response_body_strategy_generates_only_valid_responses(
    operation_id: str, status: str, data: st.DataObject
) -> None:
    """Response bodies drawn from the spec are valid against the declared response schema."""
    body = data.draw(response_body(operation_id, status, extra_keys=True))
    schema = _schema.response_schema(operation_id, status)
    assert schema is not None
    assert list(_validator(schema).iter_errors(body)) == []


@pytest.mark.parametrize("kind", sorted(JOB_SCHEMAS))
@given(data=st.data())
def test_job_strategy_gives_a_valid_job_of_its_kind_with_output_only_when_succeeded(
    kind: Any, data: st.DataObject
) -> None:
    """job(kind) is valid against the kind's job schema; output is present exactly when it succeeded."""
    body = data.draw(job(kind))
    assert list(_validator({"$ref": f"#/components/schemas/{JOB_SCHEMAS[kind]}"}).iter_errors(body)) == []
    assert ("output" in body) == (body["status"] == "succeeded")


@given(body=job("voiceprint", status="finished-in-a-newer-api"))
def test_job_strategy_pins_any_given_status_even_one_the_spec_lacks(body: dict[str, Any]) -> None:
    """job(kind, status) uses the given status verbatim, so tests can simulate a newer API."""
    assert body["status"] == "finished-in-a-newer-api"
    assert "output" not in body


@given(body=response_body("getJobById", 200))
def test_unbounded_arrays_are_capped_to_keep_examples_small(body: dict[str, Any]) -> None:
    """Arrays the spec leaves unbounded (segments, frame scores) are capped by UNBOUNDED_MAX_ITEMS."""
    output = body.get("output", {})
    for key in ("diarization", "exclusiveDiarization", "identification", "voiceprints"):
        assert len(output.get(key, [])) <= 10
    assert len(output.get("confidence", {}).get("score", [])) <= 10


def test_prepare_rewrites_nullable_and_type_lists_and_strips_openapi_keywords() -> None:
    """prepare() turns 3.0 nullable and 3.1 type lists into anyOf with null and drops annotations."""
    nullable_30 = prepare({"type": "string", "nullable": True, "description": "d", "x-note": 1, "example": "e"})
    type_list_31 = prepare({"type": ["string", "null"], "maxLength": 3, "default": "a"})
    assert nullable_30 == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert type_list_31 == {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]}


def test_prepare_keeps_properties_named_like_openapi_keywords() -> None:
    """A property called "description" or "example" is data, not an annotation: it stays."""
    prepared = prepare({"type": "object", "properties": {"description": {"type": "string"}, "example": {}}})
    assert set(prepared["properties"]) == {"description", "example"}
    assert prepared["additionalProperties"] is False


def test_resolve_inlines_refs_and_refuses_recursive_ones() -> None:
    """resolve() replaces $refs by their targets and names the cycle when a schema refers to itself."""
    assert resolve(body_schema("identify"), SPEC)["properties"]["voiceprints"]["items"]["required"] == [
        "label",
        "voiceprint",
    ]
    spec = {
        "components": {
            "schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}
        }
    }
    with pytest.raises(ValueError, match="recursive"):
        resolve({"$ref": "#/components/schemas/Node"}, spec)
