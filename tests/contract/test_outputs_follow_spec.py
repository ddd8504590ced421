"""Job outputs follow openapi.yaml: the parser reads every key the contract declares, and what the
sandbox, the testing plugin's MockAPI and its builders send is exactly what the contract declares.

Every name is read from the contract, nothing is retyped here: renaming a key in openapi.yaml (say
``exclusiveDiarization`` to ``exclusiveSegments``) and regenerating makes these tests fail until the
parser and the fakes follow, instead of the data silently landing in ``extra`` (or being sent
under an undeclared name). The terminal statuses (``JobStatus.x-terminal``) are checked here too.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import subprocess
import sys
from typing import Any, get_args

import httpx
import pytest
from jsonschema import FormatChecker
from strategies import closed

from pyannoteai_identify import _schema, testing
from pyannoteai_identify._contract import ContractMismatchError, SpecReader
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify._validation import STATUS_FILTER_VALUES, StatusFilter
from pyannoteai_identify.results import JobStatus, infer_kind, is_terminal, parse_job, parse_output
from pyannoteai_identify.sandbox import demo_audio, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox._jobs import identify_outcome, voiceprint_outcome

SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
#: The output schema of each job kind: the ``output`` property of the job schemas.
OUTPUT_SCHEMAS = {
    "identify": "IdentifyJobOutput",
    "voiceprint": "VoiceprintJobOutput",
    "diarization": "DiarizationJobOutput",
}
IDENTIFY_OPTIONS = ("confidence", "exclusive", "turnLevelConfidence")
NUM_SPEAKERS: list[int | None] = [None, *SCHEMAS["IdentifyRequest"]["properties"]["numSpeakers"]["enum"]]
#: Every combination of the identify options the fakes honour.
COMBINATIONS = [
    pytest.param(
        dict(zip(IDENTIFY_OPTIONS, flags, strict=True)),
        num_speakers,
        id="-".join([o for o, f in zip(IDENTIFY_OPTIONS, flags, strict=True) if f] or ["plain"])
        + f"-numSpeakers={num_speakers}",
    )
    for flags in itertools.product((False, True), repeat=len(IDENTIFY_OPTIONS))
    for num_speakers in NUM_SPEAKERS
]


def test_the_output_schemas_are_those_of_the_job_schemas() -> None:
    """The table above is the contract's: each job schema's ``output`` refers to that output schema."""
    for kind, name in OUTPUT_SCHEMAS.items():
        job = SCHEMAS[f"{kind.capitalize()}Job"]
        assert job["properties"]["output"] == {"$ref": f"#/components/schemas/{name}"}


# --- a complete output, built from the schema -----------------------------------------------------


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    return _schema.deref(node)


def _sample(node: dict[str, Any], name: str = "x") -> Any:
    """A value of *node* with every declared property present (recursively), for any schema the
    output schemas use: objects, arrays, strings, numbers, maps of numbers, nullable types."""
    node = _deref(node)
    kinds = node.get("type", "object")
    kind = next(k for k in kinds if k != "null") if isinstance(kinds, list) else kinds
    if "enum" in node:
        return node["enum"][0]
    if kind == "object":
        if "properties" in node:
            return {key: _sample(value, key) for key, value in node["properties"].items()}
        values = node.get("additionalProperties")
        return {"SPEAKER_00": _sample(values, name), "Alice": _sample(values, name)} if values else {}
    if kind == "array":
        return [_sample(node["items"], name), _sample(node["items"], name)]
    if kind in ("number", "integer"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0))
        high = node.get("maximum", low + 100)
        return min(max(low + 1, 1), high) if kind == "integer" else min(max(low + 1.5, 1.5), high)
    if kind == "boolean":
        return True
    return f"{name}-value"


def _full_output(kind: str) -> dict[str, Any]:
    output: dict[str, Any] = _sample(SCHEMAS[OUTPUT_SCHEMAS[kind]])
    return output


@pytest.mark.parametrize("kind", OUTPUT_SCHEMAS)
def test_a_complete_sample_validates(kind: str) -> None:
    """The sample below holds every property, recursively, and is valid against the strict schema."""
    assert not _errors(OUTPUT_SCHEMAS[kind], _full_output(kind))


@pytest.mark.parametrize("kind", OUTPUT_SCHEMAS)
def test_every_output_property_is_read_by_the_parser(kind: str) -> None:
    """An output with every property the contract declares parses with nothing left in ``extra``,
    and ``to_dict`` gives back exactly that output: every key (of the output and of its segments)
    is read into a field and written back under the contract's name, none only carried along."""
    output = _full_output(kind)
    result = parse_output(kind, output)  # type: ignore[arg-type]
    assert dict(result.extra) == {}, f"{sorted(result.extra)} of {OUTPUT_SCHEMAS[kind]} are not read by the parser"
    back = json.loads(json.dumps(result.to_dict()))
    lost = _lost_keys(output, back)
    assert not lost, f"{lost} of {OUTPUT_SCHEMAS[kind]} are not read by the parser (to_dict() drops them)"
    assert back == output


def _lost_keys(sent: Any, back: Any, path: str = "") -> list[str]:
    """The keys of *sent*, at any depth (``identification[].overlap``), that *back* does not have."""
    if isinstance(sent, dict) and isinstance(back, dict):
        lost = [f"{path}{key}" for key in sent if key not in back]
        for key in sent.keys() & back.keys():
            lost += _lost_keys(sent[key], back[key], f"{path}{key}.")
        return sorted(lost)
    if isinstance(sent, list) and isinstance(back, list) and sent and back:
        return _lost_keys(sent[0], back[0], f"{path[:-1]}[].")
    return []


@pytest.mark.parametrize("kind", OUTPUT_SCHEMAS)
def test_each_parser_reads_exactly_the_keys_the_contract_declares(kind: str) -> None:
    """The parsers' own lists of the keys they read are the contract's properties. They were the
    contract's properties themselves: a key added to openapi.yaml then counted as read though no
    parser read it, and was dropped (neither a field nor in ``extra``)."""
    from pyannoteai_identify import results

    reads = {"identify": results._IDENTIFY_KEYS, "voiceprint": results._VOICEPRINT_KEYS}
    declared = set(SCHEMAS[OUTPUT_SCHEMAS[kind]]["properties"])
    read = set(reads.get(kind, results._DIARIZATION_KEYS))
    assert not declared - read, f"{sorted(declared - read)} of {OUTPUT_SCHEMAS[kind]} are not read by the parser"
    assert not read - declared, f"the parser reads {sorted(read - declared)}, which {OUTPUT_SCHEMAS[kind]} lacks"


_REGENERATED_WITH_A_NEW_KEY = """
import importlib, json, sys
from pyannoteai_identify import _spec, results
# openapi.yaml gained IdentifyJobOutput.language and was regenerated; the parser does not read it yet.
_spec.SPEC["components"]["schemas"]["IdentifyJobOutput"]["properties"]["language"] = {"type": "string"}
results = importlib.reload(results)
identify, diarization = json.loads(sys.argv[1]), json.loads(sys.argv[2])
result = results.parse_output("identify", identify)
print(json.dumps({
    "extra": dict(result.extra),
    "written": result.to_dict().get("language"),
    "diarization_kind": results.infer_kind(diarization),
}))
"""


def test_a_key_the_contract_gains_before_the_parser_reads_it_is_kept_in_extra() -> None:
    """A maintainer adds ``language`` to IdentifyJobOutput and regenerates: the key was counted as
    read (the parser's key list was the contract's) and silently dropped, and a diarization output
    carrying it was taken for an identify one and refused. Run in a fresh interpreter, as the
    module's tables are built at import."""
    identify = {**_full_output("identify"), "language": "fr"}
    diarization = {**_full_output("diarization"), "language": "fr"}
    found = subprocess.run(
        [sys.executable, "-c", _REGENERATED_WITH_A_NEW_KEY, json.dumps(identify), json.dumps(diarization)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(found.stdout) == {"extra": {"language": "fr"}, "written": "fr", "diarization_kind": "diarization"}


def test_the_keys_telling_the_shapes_apart_are_the_contracts() -> None:
    """Each shape's required keys mark it, and the voiceprint shape refuses the identify markers,
    as the diarization shape refuses both: the ``not`` rules and the markers agree."""
    from pyannoteai_identify import results

    markers = dict(results._KIND_MARKERS)
    assert set(SCHEMAS["IdentifyJobOutput"]["required"]) <= markers["identify"]
    assert set(SCHEMAS["VoiceprintJobOutput"]["required"]) <= markers["voiceprint"]
    refused_by_voiceprint = {k for b in SCHEMAS["VoiceprintJobOutput"]["not"]["anyOf"] for k in b["required"]}
    assert refused_by_voiceprint == markers["identify"]


@pytest.mark.parametrize("kind", OUTPUT_SCHEMAS)
def test_to_dict_writes_only_declared_keys(kind: str) -> None:
    """Every key ``to_dict`` writes, at any depth, is a property of the contract's schema there."""
    result = parse_output(kind, _full_output(kind))  # type: ignore[arg-type]
    assert not _errors(OUTPUT_SCHEMAS[kind], json.loads(json.dumps(result.to_dict())))


@pytest.mark.parametrize("kind", OUTPUT_SCHEMAS)
def test_the_kind_is_inferred_from_a_complete_output(kind: str) -> None:
    """The keys that tell the output shapes apart come from the contract and find each shape."""
    output = _full_output(kind)
    assert infer_kind(output) == kind
    job = parse_job({"jobId": "j", "status": "succeeded", "output": output})
    assert job.kind == kind
    assert dict(job.output.extra) == {}  # type: ignore[union-attr]


def test_outputs_without_a_telling_key_have_no_kind() -> None:
    """Keys every shape shares (warning, error) tell no shape apart: a failed job's output has no kind."""
    shared = set.intersection(*(set(SCHEMAS[name]["properties"]) for name in OUTPUT_SCHEMAS.values()))
    assert shared, "the output schemas share no key: a failed job's error-only output would need one"
    assert infer_kind({key: "text" for key in shared}) is None


# --- strict validation of what the fakes send ---------------------------------------------------------


def _strict(schema: dict[str, Any]) -> Any:
    """A validator of *schema* (one of ``_schema``'s rooted schemas) with every object schema closed."""
    return _schema.validator_class()(closed(copy.deepcopy(schema)), format_checker=FormatChecker())


_VALIDATORS: dict[str, Any] = {}


def _errors(schema_name: str, instance: Any) -> list[str]:
    if schema_name not in _VALIDATORS:
        _VALIDATORS[schema_name] = _strict(_schema.component(schema_name))
    return [f"{list(e.absolute_path)}: {e.message}" for e in _VALIDATORS[schema_name].iter_errors(instance)]


def test_closing_the_schemas_refuses_an_undeclared_key() -> None:
    """The strict validators do refuse a key the contract does not declare, at any depth."""
    output = _full_output("identify")
    assert not _errors("IdentifyJobOutput", output)
    assert _errors("IdentifyJobOutput", {**output, "undeclared": []})
    first = output["identification"][0]
    assert _errors("IdentifyJobOutput", {**output, "identification": [{**first, "undeclared": 1}]})


def _identify_request(options: dict[str, bool], num_speakers: int | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "url": "media://meeting.wav",
        "voiceprints": [{"label": label, "voiceprint": voiceprint_for(label)} for label in ("Alice", "Bob")],
        **{name: True for name, on in options.items() if on},
    }
    if num_speakers is not None:
        request["numSpeakers"] = num_speakers
    assert not list(_schema.validator_for("request:identify").iter_errors(request)), request
    return request


@pytest.mark.parametrize(("options", "num_speakers"), COMBINATIONS)
def test_sandbox_identify_outputs_declare_nothing_more(options: dict[str, bool], num_speakers: int | None) -> None:
    """The sandbox's identify output, for every combination of options, has only declared keys."""
    outcome = identify_outcome(demo_audio(), _identify_request(options, num_speakers))
    assert outcome.status == "succeeded", outcome.output
    assert not _errors("IdentifyJobOutput", outcome.output)
    # What an option asks for is sent, so it is checked too: more keys than the plain output.
    plain = identify_outcome(demo_audio(), _identify_request({}, num_speakers)).output
    if options["confidence"] or options["exclusive"]:
        assert set(outcome.output) > set(plain)
    if options["turnLevelConfidence"]:
        assert outcome.output["identification"][0].keys() > plain["identification"][0].keys()
    result = parse_output("identify", outcome.output)
    assert dict(result.extra) == {}


def test_sandbox_voiceprint_outputs_declare_nothing_more() -> None:
    """The sandbox's voiceprint outputs (one speaker, and two with a warning) have only declared keys."""
    two = demo_audio()
    for audio in (voice_sample("Alice"), two):
        outcome = voiceprint_outcome(audio)
        assert not _errors("VoiceprintJobOutput", outcome.output), outcome.output


@pytest.mark.parametrize(("options", "num_speakers"), COMBINATIONS)
def test_sandbox_jobs_over_http_declare_nothing_more(
    sandbox: Any, options: dict[str, bool], num_speakers: int | None
) -> None:
    """A real sandbox's ``GET /v1/jobs/{id}`` body, once the identify job ended, is strictly valid."""
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {sandbox.api_key}"}) as http:
        created = http.post("/v1/media/input", json={"url": "media://meeting.wav"})
        assert created.status_code == 201
        assert httpx.put(created.json()["url"], content=demo_audio()).status_code == 200
        submitted = http.post("/v1/identify", json=_identify_request(options, num_speakers))
        assert submitted.status_code == 200, submitted.text
        sandbox.advance(sandbox.timing.real(sandbox.timing.queue_seconds + sandbox.timing.job_seconds) + 1)
        body = http.get(f"/v1/jobs/{submitted.json()['jobId']}").json()
    assert body["status"] == "succeeded", body
    assert not _errors("IdentifyJob", body)


@pytest.mark.parametrize(("options", "num_speakers"), COMBINATIONS)
def test_mock_api_outputs_declare_nothing_more(options: dict[str, bool], num_speakers: int | None) -> None:
    """The testing plugin's MockAPI answers an identify and a voiceprint job with strictly valid bodies."""
    api = testing.MockAPI()
    headers = {"Authorization": f"Bearer {api.api_key}"}

    def send(method: str, path: str, body: Any = None) -> Any:
        request = httpx.Request(method, f"{api.base_url}{path}", headers=headers, json=body)
        response = api.handle(request)
        assert response.status_code in (200, 201), response.text
        return json.loads(response.content)

    identify = send("POST", "/v1/identify", {**_identify_request(options, num_speakers), "url": "https://a.test/m.wav"})
    body = send("GET", f"/v1/jobs/{identify['jobId']}")
    assert body["status"] == "succeeded", body
    assert not _errors("IdentifyJob", body)
    voiceprint = send("POST", "/v1/voiceprint", {"url": "https://a.test/alice.wav"})
    body = send("GET", f"/v1/jobs/{voiceprint['jobId']}")
    assert body["status"] == "succeeded", body
    assert not _errors("VoiceprintJob", body)


@pytest.mark.parametrize(("options", "num_speakers"), COMBINATIONS)
def test_the_plugin_builders_declare_nothing_more(options: dict[str, bool], num_speakers: int | None) -> None:
    """``make_identify_output``, ``make_diarization_output`` and ``make_voiceprint_output`` give
    strictly valid outputs under every option."""
    flags = {
        "confidence": options["confidence"],
        "exclusive": options["exclusive"],
        "turn_level_confidence": options["turnLevelConfidence"],
    }
    speakers = num_speakers or 2
    labels = ["Alice", "Bob"][:speakers]
    assert not _errors("IdentifyJobOutput", testing.make_identify_output(labels, unmatched=1, **flags))
    assert not _errors("DiarizationJobOutput", testing.make_diarization_output(speakers, **flags))
    assert not _errors("VoiceprintJobOutput", testing.make_voiceprint_output(warning="two speakers"))
    for kind in OUTPUT_SCHEMAS:
        job = testing.make_job(kind)  # type: ignore[arg-type]
        assert not _errors(f"{kind.capitalize()}Job", job)


# --- terminal statuses ---------------------------------------------------------------------------

STATUS_SCHEMA: dict[str, Any] = SCHEMAS["JobStatus"]


def test_the_terminal_statuses_are_listed_by_the_contract() -> None:
    """``x-terminal`` names statuses of the enum, and not all of them (a job must be able to run)."""
    terminal = STATUS_SCHEMA["x-terminal"]
    assert terminal and len(set(terminal)) == len(terminal)
    assert set(terminal) < set(STATUS_SCHEMA["enum"])


def test_job_status_has_exactly_the_contract_values_in_order() -> None:
    assert [status.value for status in JobStatus] == STATUS_SCHEMA["enum"]


@pytest.mark.parametrize("status", STATUS_SCHEMA["enum"])
def test_each_status_is_terminal_exactly_when_the_contract_says_so(status: str) -> None:
    expected = status in STATUS_SCHEMA["x-terminal"]
    assert JobStatus(status).is_terminal is expected
    assert is_terminal(status) is expected
    assert parse_job({"jobId": "j", "status": status}).is_terminal is expected


def test_the_jobs_status_filter_type_is_the_contract_filter_enum() -> None:
    """``jobs(status=...)`` is typed with ``StatusFilter`` (written out): the values ``GET /v2/jobs`` filters by."""
    assert get_args(StatusFilter) == STATUS_FILTER_VALUES


def test_the_plugin_final_statuses_are_the_contract_terminal_statuses() -> None:
    """``testing.FinalStatus`` and ``testing.Status`` (types, so written out) are the contract's
    ``x-terminal`` and its enum."""
    assert set(get_args(testing.FinalStatus)) == set(STATUS_SCHEMA["x-terminal"])
    assert set(get_args(testing.Status)) == set(STATUS_SCHEMA["enum"])
    for status in STATUS_SCHEMA["enum"]:
        if status in STATUS_SCHEMA["x-terminal"]:
            testing.make_delivery("identify", status)  # type: ignore[arg-type]
        else:
            with pytest.raises(ValueError, match="terminal"):
                testing.make_delivery("identify", status)  # type: ignore[arg-type]


# --- reading the contract ------------------------------------------------------------------------


def test_the_mock_s_operation_id_type_is_the_contract_s_operation_ids() -> None:
    """``testing.OperationId`` (a type, so written out), what ``MockAPI.calls``/``respond_with`` take, is
    every operationId of openapi.yaml's paths, and ``upload`` (the PUT to a presigned URL)."""
    operation_ids = {
        operation["operationId"]
        for path in SPEC["paths"].values()
        for method, operation in path.items()
        if method in ("get", "put", "post", "delete", "patch")
    }
    assert set(get_args(testing.OperationId)) == operation_ids | {"upload"}


def test_a_missing_schema_is_named_with_the_module_that_reads_it() -> None:
    """A renamed schema fails the import with a message naming it and the reader, not a bare KeyError."""
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["Matching2"] = spec["components"]["schemas"].pop("Matching")
    reader = SpecReader("pyannoteai_identify._validation", spec)
    with pytest.raises(ContractMismatchError) as caught:
        reader.prop("Matching", "threshold", "minimum")
    assert str(caught.value).startswith(
        "openapi.yaml has no components.schemas.Matching, which pyannoteai_identify/_validation.py reads: "
        "update the wrapper"
    )
    assert isinstance(caught.value, LookupError)


def test_a_missing_bound_or_parameter_is_named() -> None:
    spec = copy.deepcopy(SPEC)
    del spec["components"]["schemas"]["Matching"]["properties"]["threshold"]["maximum"]
    (limit,) = (p for p in spec["paths"]["/v2/jobs"]["get"]["parameters"] if p["name"] == "limit")
    del limit["schema"]["maximum"]
    reader = SpecReader("pyannoteai_identify.results", spec)
    with pytest.raises(
        ContractMismatchError, match=r"no components\.schemas\.Matching\.properties\.threshold\.maximum"
    ):
        reader.prop("Matching", "threshold", "maximum")
    with pytest.raises(
        ContractMismatchError, match=r"no schema\.maximum in the query parameter 'limit' of getJobsByTeamV2"
    ):
        reader.query_parameter("getJobsByTeamV2", "limit", "maximum")
    with pytest.raises(
        ContractMismatchError, match=re.escape("no query parameter 'size' of getJobsByTeamV2 (GET /v2/jobs)")
    ):
        reader.query_parameter("getJobsByTeamV2", "size")
    with pytest.raises(
        ContractMismatchError,
        match=re.escape("no operation with operationId listJobs, which pyannoteai_identify/results.py"),
    ):
        reader.query_parameter("listJobs", "limit")
    minimum = SPEC["paths"]["/v2/jobs"]["get"]["parameters"][0]["schema"]["minimum"]
    assert reader.query_parameter("getJobsByTeamV2", "limit", "minimum") == minimum


def test_the_refusals_of_a_job_creating_post_are_the_4xx_every_such_operation_declares() -> None:
    """What proves that a job-creating POST made no job, even when its answer's body was lost, is
    read from the contract: the 4xx that every operation answering JobCreated declares."""
    spec = copy.deepcopy(SPEC)
    assert SpecReader("pyannoteai_identify._core_jobs", spec).job_refusals() == {400, 401, 402, 429}
    spec["paths"]["/v1/voiceprint"]["post"]["responses"]["413"] = {"$ref": "#/components/responses/BadRequest"}
    spec["paths"]["/v1/identify"]["post"]["responses"].pop("401")
    assert SpecReader("pyannoteai_identify._core_jobs", spec).job_refusals() == {400, 402, 429}
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("200", None)
    with pytest.raises(
        ContractMismatchError, match=re.escape("has no operation that answers components.responses.JobCreated")
    ):
        SpecReader("pyannoteai_identify._core_jobs", spec).job_refusals()
