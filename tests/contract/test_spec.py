"""The contract itself: openapi.yaml is a valid OpenAPI document and says what the API documents.

These tests pin the facts the SDK relies on (operations, statuses, enums, headers) so that an edit
of openapi.yaml that drops one fails here, before it reaches the generated client or the wrapper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from strategies import Example, resolve, spec_examples

from pyannoteai_identify import _schema
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.results import JobStatus

OPENAPI_YAML = Path(__file__).resolve().parents[2] / "openapi.yaml"
RATE_LIMIT_HEADERS = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}


def _operation(method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = SPEC["paths"][path][method]
    return operation


def _schema_at(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = resolve(ref_or_schema, SPEC)
    return resolved


def test_openapi_yaml_passes_openapi_spec_validator() -> None:
    """openapi.yaml parses as YAML and is a valid OpenAPI 3.1 document."""
    document = yaml.safe_load(OPENAPI_YAML.read_text(encoding="utf-8"))
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_wrapper_spec_dict_matches_openapi_yaml() -> None:
    """_spec.SPEC, which the wrapper and sandbox read, is exactly openapi.yaml (regenerate if not)."""
    assert yaml.safe_load(OPENAPI_YAML.read_text(encoding="utf-8")) == SPEC, (
        "_spec.py is stale: run `nox -s generate` and commit the result"
    )


def test_num_speakers_is_exactly_the_integer_enum_1_2() -> None:
    """IdentifyRequest.numSpeakers is an integer restricted to 1 and 2."""
    num_speakers = SPEC["components"]["schemas"]["IdentifyRequest"]["properties"]["numSpeakers"]
    assert num_speakers["type"] == "integer"
    assert num_speakers["enum"] == [1, 2]
    assert all(type(value) is int for value in num_speakers["enum"])


def test_job_status_enum_is_exactly_the_six_documented_values() -> None:
    """JobStatus lists pending, created, running, succeeded, failed and canceled, nothing else."""
    job_status = SPEC["components"]["schemas"]["JobStatus"]
    assert job_status["type"] == "string"
    assert sorted(job_status["enum"]) == sorted(["pending", "created", "running", "succeeded", "failed", "canceled"])
    assert len(job_status["enum"]) == len(set(job_status["enum"]))


def test_wrapper_job_status_values_equal_the_spec_enum() -> None:
    """pyannoteai_identify.results.JobStatus has one member per spec value, no more, no fewer."""
    assert {status.value for status in JobStatus} == set(SPEC["components"]["schemas"]["JobStatus"]["enum"])


@pytest.mark.parametrize("example", spec_examples(), ids=lambda example: example.id)
def test_every_example_validates_against_its_schema(example: Example) -> None:
    """Each examples entry of a request, response or webhook body is valid against its own schema."""
    if example.part == "request":
        schema = _schema.request_schema(example.operation_id)
    else:
        found = _schema.response_schema(example.operation_id, example.part)
        assert found is not None
        schema = found
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(example.value)
    ]
    assert errors == []


def test_examples_cover_every_request_body_and_success_response() -> None:
    """Every JSON request body and every 2xx JSON response carries at least one example."""
    covered = {(example.operation_id, example.part) for example in spec_examples()}
    expected = set()
    for item in [*SPEC["paths"].values(), *SPEC["webhooks"].values()]:
        for operation in item.values():
            if "requestBody" in operation:
                expected.add((operation["operationId"], "request"))
            for status, response in operation["responses"].items():
                if status.startswith("2") and "content" in _schema_at(response):
                    expected.add((operation["operationId"], status))
    assert expected - covered == set()


@pytest.mark.parametrize(
    ("method", "path", "operation_id", "statuses"),
    [
        ("get", "/v1/test", "testKey", {"200", "400", "401", "402", "429"}),
        ("post", "/v1/media/input", "getMediaUploadUrl", {"201", "400", "401", "402", "429"}),
        ("post", "/v1/voiceprint", "voiceprint", {"200", "400", "401", "402", "429"}),
        ("post", "/v1/identify", "identify", {"200", "400", "401", "402", "429"}),
        ("get", "/v1/jobs/{jobId}", "getJobById", {"200", "400", "401", "402", "404", "429"}),
        ("get", "/v2/jobs", "getJobsByTeamV2", {"200", "400", "401", "402", "429"}),
    ],
)
def test_operation_exists_with_its_documented_statuses(
    method: str, path: str, operation_id: str, statuses: set[str]
) -> None:
    """Each operation the SDK calls exists at its path and declares exactly its documented statuses."""
    operation = _operation(method, path)
    assert operation["operationId"] == operation_id
    assert set(operation["responses"]) == statuses


def test_spec_has_no_operations_beyond_the_documented_ones() -> None:
    """The contract covers the six operations above and no cancel/delete endpoint (none exists upstream)."""
    found = {(method, path) for path, item in SPEC["paths"].items() for method in item}
    assert found == {
        ("get", "/v1/test"),
        ("post", "/v1/media/input"),
        ("post", "/v1/voiceprint"),
        ("post", "/v1/identify"),
        ("get", "/v1/jobs/{jobId}"),
        ("get", "/v2/jobs"),
    }


def test_job_list_limit_is_an_integer_from_1_to_100_defaulting_to_10() -> None:
    """GET /v2/jobs takes limit 1–100 (default 10), a cursor and a JobStatus filter, all optional."""
    parameters = {parameter["name"]: parameter for parameter in _operation("get", "/v2/jobs")["parameters"]}
    assert set(parameters) == {"limit", "cursor", "status"}
    assert all(parameter["in"] == "query" and not parameter["required"] for parameter in parameters.values())
    limit = parameters["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == ("integer", 1, 100, 10)
    assert parameters["status"]["schema"] == {"$ref": "#/components/schemas/JobStatus"}


def test_get_job_lists_the_three_shapes_identify_voiceprint_diarization_in_that_order() -> None:
    """The job response is an anyOf ordered so a first-match parser picks the right shape."""
    schema = _operation("get", "/v1/jobs/{jobId}")["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {
        "anyOf": [
            {"$ref": "#/components/schemas/IdentifyJob"},
            {"$ref": "#/components/schemas/VoiceprintJob"},
            {"$ref": "#/components/schemas/DiarizationJob"},
        ]
    }
    schemas = SPEC["components"]["schemas"]
    assert schemas["IdentifyJobOutput"]["required"] == ["identification"]
    assert schemas["VoiceprintJobOutput"]["required"] == ["voiceprint"]
    assert "required" not in schemas["DiarizationJobOutput"]


@pytest.mark.parametrize(
    ("method", "path"), [(method, path) for path, item in SPEC["paths"].items() for method in item]
)
def test_every_429_response_declares_the_rate_limit_headers(method: str, path: str) -> None:
    """A 429 carries X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset and Retry-After."""
    response = _schema_at(_operation(method, path)["responses"]["429"])
    assert set(response["headers"]) == RATE_LIMIT_HEADERS
    for header in response["headers"].values():
        assert header["schema"] == {"type": "integer", "minimum": 0}


def test_voiceprints_are_limited_to_1_to_50_and_labels_to_100_characters() -> None:
    """IdentifyRequest takes 1–50 voiceprints; a label has 1–100 characters and a voiceprint ≤ 20000."""
    schemas = SPEC["components"]["schemas"]
    voiceprints = schemas["IdentifyRequest"]["properties"]["voiceprints"]
    assert (voiceprints["minItems"], voiceprints["maxItems"]) == (1, 50)
    label = schemas["Voiceprint"]["properties"]["label"]
    assert (label["minLength"], label["maxLength"]) == (1, 100)
    assert schemas["Voiceprint"]["properties"]["voiceprint"]["maxLength"] == 20000


@pytest.mark.parametrize("label", ["SPEAKER_00", "speaker_1", "Speaker_A", "sPeAkEr_"])
def test_voiceprint_label_pattern_refuses_the_speaker_prefix_in_any_case(label: str) -> None:
    """A label starting with SPEAKER_ (any letter case) fails the contract's pattern."""
    validator = _schema.validator_for("component:Voiceprint")
    assert not validator.is_valid({"label": label, "voiceprint": "U2Ft"})


@pytest.mark.parametrize("label", ["John Doe", "SPEAKER", "speakers", "Speaker 1", "the SPEAKER_00"])
def test_voiceprint_label_pattern_accepts_names_without_the_prefix(label: str) -> None:
    """Labels that do not start with SPEAKER_ pass the pattern."""
    validator = _schema.validator_for("component:Voiceprint")
    assert validator.is_valid({"label": label, "voiceprint": "U2Ft"})


def test_webhook_delivery_declares_signature_timestamp_and_retry_headers() -> None:
    """The jobCompleted webhook sends X-Signature and X-Request-Timestamp, and x-retry-* on retries."""
    operation = SPEC["webhooks"]["jobCompleted"]["post"]
    headers = {parameter["name"]: parameter for parameter in operation["parameters"] if parameter["in"] == "header"}
    assert set(headers) == {"X-Signature", "X-Request-Timestamp", "x-retry-num", "x-retry-reason"}
    assert headers["X-Signature"]["required"] is True
    assert headers["X-Request-Timestamp"]["required"] is True
    assert headers["x-retry-num"]["required"] is False
    assert headers["x-retry-reason"]["required"] is False
    assert headers["x-retry-num"]["schema"]["enum"] == ["1", "2", "3"]
    assert set(headers["x-retry-reason"]["schema"]["enum"]) == {
        "http_timeout",
        "too_many_redirects",
        "connection_failed",
        "ssl_error",
        "http_error",
        "unknown_error",
    }
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebhookDelivery"
    }


@pytest.mark.parametrize("operation_id", ["voiceprint", "identify"])
def test_request_schemas_say_optional_fields_may_be_null(operation_id: str) -> None:
    """The sandbox (and MockAPI) read ``null`` for an optional top-level field as absent, because the
    official SDK sends it; the contract says so on the request schema rather than leave it implicit."""
    schema = _schema.deref(_schema.request_schema(operation_id))
    assert set(schema["properties"]) - set(schema["required"]), "no optional field: the note would be moot"
    assert "may be `null`, meaning absent" in " ".join(schema["description"].split())


def test_the_cursor_parameter_says_a_foreign_cursor_is_400() -> None:
    """GET /v2/jobs answers 400 to a cursor it did not issue (the sandbox does); the contract says so."""
    (cursor,) = [p for p in _operation("get", "/v2/jobs")["parameters"] if p["name"] == "cursor"]
    assert "400" in cursor["description"] and "did not issue" in cursor["description"]


def test_the_job_description_says_a_failed_job_may_carry_output_error() -> None:
    """api-reference §3.7: the docs say ``output`` comes with success only, yet the official SDK reads
    ``output.error`` of a failed job, and the contract's own ``failed`` example (as the sandbox and
    the mock answer) carries one: the description may not say "only when the job has succeeded"."""
    operation = _operation("get", "/v1/jobs/{jobId}")
    examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
    assert examples["failed"]["value"]["status"] == "failed" and "error" in examples["failed"]["value"]["output"]
    text = " ".join(operation["description"].split())
    assert "only when the job has succeeded" not in text
    assert "a failed job may carry `output.error`" in text


def test_the_webhook_states_the_documented_timeout_and_one_retry_delay_per_retry_num() -> None:
    """api-reference §7.3: the receiver has 10 s to answer; up to 3 retries, at once, after 1 minute,
    after 5 minutes. The sandbox reads both from here; the schedule has one delay per ``x-retry-num``
    value (1 to n, in order), so a retry the API numbers is one the sandbox sends."""
    delivery = SPEC["webhooks"]["jobCompleted"]["post"]
    assert delivery["x-timeout-seconds"] == 10
    delays = delivery["x-retry-delays-seconds"]
    assert delays == [0, 60, 300]
    assert _delivery_header("x-retry-num")["schema"]["enum"] == [str(number) for number in range(1, len(delays) + 1)]


def test_the_webhook_states_the_documented_redirect_limit() -> None:
    """api-reference §7.3: a delivery "redirected more than twice" fails as ``too_many_redirects``, a
    reason the contract lists; the sandbox's delivery client follows ``x-max-redirects`` redirects."""
    delivery = SPEC["webhooks"]["jobCompleted"]["post"]
    assert delivery["x-max-redirects"] == 2
    assert "too_many_redirects" in _delivery_header("x-retry-reason")["schema"]["enum"]


def _delivery_header(name: str) -> dict[str, Any]:
    (found,) = [p for p in SPEC["webhooks"]["jobCompleted"]["post"]["parameters"] if p["name"] == name]
    return found


# What api-reference.md marks NOT FOUND or infers (a 404 for an unknown job and the status of an
# exhausted budget: §5; a cursor the API did not issue: nothing in §3.9; the headers of a first
# delivery: §7.3; an unmatched turn's speaker: §4.4 and §12.8) that openapi.yaml models anyway:
# each description says it is not the API's documented behaviour, with the word given.
_UNDOCUMENTED: list[tuple[str, Any, str]] = [
    ("job-404", lambda: _operation("get", "/v1/jobs/{jobId}"), "undocumented"),
    (
        "foreign-cursor",
        lambda: next(p for p in _operation("get", "/v2/jobs")["parameters"] if p["name"] == "cursor"),
        "undocumented",
    ),
    ("budget-402", lambda: SPEC["components"]["responses"]["PaymentRequired"], "undocumented"),
    ("first-attempt-headers", lambda: _delivery_header("x-retry-num"), "inferred"),
    (
        "unmatched-speaker",
        lambda: SPEC["components"]["schemas"]["IdentificationSegment"]["properties"]["speaker"],
        "undocumented",
    ),
]


@pytest.mark.parametrize(("fact", "node", "word"), _UNDOCUMENTED, ids=[fact for fact, _, _ in _UNDOCUMENTED])
def test_what_api_reference_leaves_undocumented_is_not_stated_as_the_apis(fact: str, node: Any, word: str) -> None:
    """The contract models these (the sandbox and the mock follow it), but no public source states
    them: a client must not take them for the API's word, so the description says so."""
    assert word in node()["description"].lower(), fact
