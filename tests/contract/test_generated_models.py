"""The generated client agrees with the contract: examples round-trip, job shapes parse to the right type.

Everything the tests feed the generated code comes from openapi.yaml: its examples, and bodies
generated from its schemas by ``tests/strategies.py``. Responses go through the generated endpoint
functions with an ``httpx.MockTransport``, so no request leaves the process.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from datetime import datetime
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from strategies import JOB_SCHEMAS, Example, JobKind, body_schema, job, json_responses, response_body, spec_examples

import pyannoteai_api.api
from pyannoteai_api import Client, models
from pyannoteai_api.api.jobs import get_job_by_id
from pyannoteai_identify import _schema
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.results import DiarizationResult, IdentifyResult, VoiceprintResult, parse_job

KINDS: tuple[JobKind, ...] = ("identify", "voiceprint", "diarization")
RESULT_TYPES = {"identify": IdentifyResult, "voiceprint": VoiceprintResult, "diarization": DiarizationResult}
JOB_SHAPES: list[dict[str, Any]] = body_schema("getJobById", 200)["anyOf"]


def _ref_name(schema: dict[str, Any]) -> str:
    ref: str = schema["$ref"]
    return ref.rsplit("/", 1)[1]


def _date_time_keys() -> frozenset[str]:
    """Property names the contract types as ``format: date-time`` (createdAt, updatedAt, …)."""
    return frozenset(
        name
        for schema in SPEC["components"]["schemas"].values()
        for name, prop in schema.get("properties", {}).items()
        if prop.get("format") == "date-time"
    )


DATE_TIME_KEYS = _date_time_keys()


def _normalise_datetimes(value: Any) -> Any:
    """Date-time strings as datetimes: the generated to_dict writes "+00:00" where the API writes "Z"."""
    if isinstance(value, dict):
        return {
            key: datetime.fromisoformat(item)
            if key in DATE_TIME_KEYS and isinstance(item, str)
            else _normalise_datetimes(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise_datetimes(item) for item in value]
    return value


def _json_response(status: int, body: Any) -> httpx.Response:
    """A response whose body is *body* as JSON, ``null`` included (httpx's ``json=None`` sends no body)."""
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def _mock_client(body: Any, status: int = 200) -> tuple[Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json_response(status, body)

    return Client(base_url="http://127.0.0.1", httpx_args={"transport": httpx.MockTransport(handler)}), seen


def _fetch_job(body: Any) -> Any:
    """GET /v1/jobs/{id} through the generated sync_detailed, answered by a mock transport."""
    client, seen = _mock_client(body)
    with client:
        response = get_job_by_id.sync_detailed("job-1", client=client)
    assert [request.url.path for request in seen] == ["/v1/jobs/job-1"]
    return response.parsed


def _first_shape_that_validates(body: Any) -> str:
    """The name of the first anyOf shape of the job response that *body* is valid against."""
    for shape in JOB_SHAPES:
        if Draft202012Validator(_schema.component(_ref_name(shape))).is_valid(body):
            return _ref_name(shape)
    raise AssertionError(f"no job shape accepts {body!r}")


def _operation_module(operation_id: str) -> ModuleType:
    """The generated endpoint module of *operation_id* (named after it in snake_case)."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
    for info in pkgutil.walk_packages(pyannoteai_api.api.__path__, "pyannoteai_api.api."):
        if info.name.rsplit(".", 1)[1] == name:
            return importlib.import_module(info.name)
    raise AssertionError(f"no generated module for {operation_id}")


def _model_parser(example: Example) -> Callable[[Any], Any]:
    if "$ref" in example.schema:
        model: Any = getattr(models, _ref_name(example.schema))
        parse: Callable[[Any], Any] = model.from_dict
        return parse
    assert example.operation_id == "getJobById", example.id
    return _fetch_job


@pytest.mark.parametrize("example", spec_examples(), ids=lambda example: example.id)
def test_generated_model_round_trips_every_spec_example(example: Example) -> None:
    """from_dict(example).to_dict() gives the example back; only date-times change spelling (Z → +00:00)."""
    parsed = _model_parser(example)(example.value)
    assert _normalise_datetimes(parsed.to_dict()) == _normalise_datetimes(example.value)


def test_generated_to_dict_writes_datetimes_with_offset_not_z() -> None:
    """The one difference the round-trip normalises: to_dict writes isoformat "+00:00" for "Z"."""
    example = next(e for e in spec_examples() if e.id == "getJobById:200:identify_running")
    assert example.value["createdAt"].endswith("Z")
    assert _fetch_job(example.value).to_dict()["createdAt"] == example.value["createdAt"].replace("Z", "+00:00")


@pytest.mark.parametrize("name", ["IdentifyRequest", "VoiceprintRequest", "Matching"])
def test_request_models_built_in_python_send_exactly_the_spec_defaults(name: str) -> None:
    """A request model built without optional arguments serialises every property that has a spec default.

    from_dict keeps absent keys absent (the round trip above is exact), but a model built in Python
    starts from the generator's defaults, and to_dict sends them: the wrapper must know that
    ``IdentifyRequest(url, voiceprints)`` already says ``exclusive: false`` and so on.
    """
    schema = SPEC["components"]["schemas"][name]
    required = {"url": "media://a.wav", "voiceprints": []}
    model: Any = getattr(models, name)
    sent = model(**{re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): required[key] for key in schema.get("required", [])})
    defaults = {key: prop["default"] for key, prop in schema["properties"].items() if "default" in prop}
    assert defaults
    assert sent.to_dict() == {**{key: required[key] for key in schema.get("required", [])}, **defaults}


@pytest.mark.parametrize(
    "example",
    [example for example in spec_examples() if example.operation_id == "getJobById" and example.part == "200"],
    ids=lambda example: example.name,
)
def test_job_examples_parse_to_the_first_shape_they_satisfy(example: Example) -> None:
    """The generated parser returns the first anyOf shape the example is valid against, as the spec intends."""
    parsed = _fetch_job(example.value)
    assert type(parsed).__name__ == _first_shape_that_validates(example.value)
    if example.value["status"] == "succeeded":
        kind = example.name.removesuffix("_succeeded")
        assert type(parsed).__name__ == JOB_SCHEMAS[kind]


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_generated_succeeded_jobs_parse_to_their_own_shape(kind: JobKind, data: st.DataObject) -> None:
    """A succeeded job of each kind, generated from the spec, parses to IdentifyJob/VoiceprintJob/DiarizationJob."""
    body = data.draw(job(kind, "succeeded"))
    parsed = _fetch_job(body)
    assert type(parsed).__name__ == JOB_SCHEMAS[kind]
    assert parsed.job_id == body["jobId"]


@pytest.mark.parametrize(("operation_id", "status"), json_responses())
@given(data=st.data())
def test_every_declared_response_generated_from_the_spec_parses_without_raising(
    operation_id: str, status: str, data: st.DataObject
) -> None:
    """Any body the spec allows for a declared status, unknown keys included, parses with the generated client."""
    body = data.draw(response_body(operation_id, status, extra_keys=True))
    parsed = _operation_module(operation_id)._parse_response(
        client=Client(base_url="http://127.0.0.1"), response=_json_response(int(status), body)
    )
    schema = body_schema(operation_id, status)
    if schema == {}:
        assert parsed == body
    elif "anyOf" in schema:
        assert type(parsed).__name__ in {_ref_name(shape) for shape in schema["anyOf"]}
    else:
        assert type(parsed) is getattr(models, _ref_name(schema))


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_wrapper_parse_job_returns_the_result_type_of_the_given_kind(kind: JobKind, data: st.DataObject) -> None:
    """results.parse_job(data, kind) gives the kind's result for a succeeded job, no output otherwise."""
    body = data.draw(job(kind))
    parsed = parse_job(body, kind)
    assert (parsed.id, str(parsed.status), parsed.kind) == (body["jobId"], body["status"], kind)
    if body["status"] == "succeeded":
        assert type(parsed.output) is RESULT_TYPES[kind]
    else:
        assert parsed.output is None


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_wrapper_parse_job_infers_the_kind_of_a_succeeded_job_from_its_output(
    kind: JobKind, data: st.DataObject
) -> None:
    """Without a kind, parse_job still returns the right result type for a succeeded job of each kind."""
    body = data.draw(job(kind, "succeeded"))
    parsed = parse_job(body)
    assert type(parsed.output) is RESULT_TYPES[kind]
