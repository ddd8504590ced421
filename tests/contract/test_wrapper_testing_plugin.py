"""The ``pyannoteai_identify.testing`` plugin: spec-valid builders, a conforming mock, and the docs' example.

Builders and mock responses are checked with the contract's own JSON Schemas (``_schema``) and
with ``check_response``; the example in docs/testing.md runs in a pytester session, as a
consumer team would run it.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from respx.models import AllMockedAssertionError
from strategies import JOB_SCHEMAS, json_responses, response_body

from pyannoteai_identify import (
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    IdentifyResult,
    JobCanceledError,
    JobFailedError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
    VoiceprintResult,
    WaitTimeoutError,
    _schema,
    webhooks,
)
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify._validation import NUM_SPEAKERS_VALUES as NUM_SPEAKERS
from pyannoteai_identify.receiver import WebhookBroker
from pyannoteai_identify.results import parse_job
from pyannoteai_identify.testing import (
    MOCK_API_KEY,
    MockAPI,
    check_response,
    make_delivery,
    make_diarization_output,
    make_identify_output,
    make_job,
    make_voiceprint,
    make_voiceprint_output,
    signed_delivery,
)

pytest_plugins = ["pytester"]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
STATUSES: list[str] = SPEC["components"]["schemas"]["JobStatus"]["enum"]
KINDS = ["identify", "voiceprint", "diarization"]
AUDIO = "https://example.com/meeting.wav"


def schema_errors(key: str, value: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _schema.validator_for(key).iter_errors(value)]


def containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict | list):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


labels = st.lists(st.text(min_size=1, max_size=20), max_size=5, unique=True)
flags = st.booleans()


# --- builders ---------------------------------------------------------------------------------------


@given(
    labels=labels,
    unmatched=st.integers(0, 3),
    turns=st.integers(0, 3),
    seconds=st.floats(0.01, 60),
    confidence=flags,
    exclusive=flags,
    turn_level=flags,
)
def test_identify_outputs_are_spec_valid_and_match_each_label_to_one_speaker(
    labels: list[str], unmatched: int, turns: int, seconds: float, confidence: bool, exclusive: bool, turn_level: bool
) -> None:
    """make_identify_output validates as IdentifyJobOutput and parses to the labels it was given, in order."""
    output = make_identify_output(
        labels,
        unmatched=unmatched,
        turns_per_speaker=turns,
        turn_seconds=seconds,
        confidence=confidence,
        exclusive=exclusive,
        turn_level_confidence=turn_level,
    )
    assert schema_errors("component:IdentifyJobOutput", output) == []
    result = IdentifyResult.from_dict(output)
    assert result.speakers == (labels if turns else [])
    best = labels[0] if labels else None  # an unmatched speaker's entry names the best label, low score
    assert [v.match for v in result.voiceprints] == [*labels, *[best] * unmatched]
    assert ("confidence" in output, "exclusiveDiarization" in output) == (confidence, exclusive)


@given(speakers=st.integers(0, 4), turns=st.integers(0, 3), confidence=flags, exclusive=flags, turn_level=flags)
def test_diarization_and_voiceprint_outputs_are_spec_valid(
    speakers: int, turns: int, confidence: bool, exclusive: bool, turn_level: bool
) -> None:
    """make_diarization_output and make_voiceprint_output validate against their output schemas."""
    diarization = make_diarization_output(
        speakers,
        turns_per_speaker=turns,
        confidence=confidence,
        exclusive=exclusive,
        turn_level_confidence=turn_level,
    )
    assert schema_errors("component:DiarizationJobOutput", diarization) == []
    assert len(diarization["diarization"]) == speakers * turns
    assert schema_errors("component:VoiceprintJobOutput", make_voiceprint_output(warning="short")) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", STATUSES)
def test_jobs_of_every_kind_and_status_are_spec_valid_and_parse_to_their_kind(kind: str, status: str) -> None:
    """make_job validates as a getJobById 200 and as its kind's job; output only when succeeded or failed."""
    body = make_job(kind, status)  # type: ignore[arg-type]
    assert schema_errors("response:getJobById:200", body) == []
    if status != "failed":  # a failed job's {error} output fits only the last, generic shape of the anyOf
        assert schema_errors(f"component:{JOB_SCHEMAS[kind]}", body) == []
    assert ("output" in body) == (status in ("succeeded", "failed"))
    if status == "succeeded":
        expected = {"identify": IdentifyResult, "voiceprint": VoiceprintResult}.get(kind)
        parsed = parse_job(body)
        assert expected is None or type(parsed.output) is expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", ["succeeded", "failed", "canceled"])
@pytest.mark.parametrize("status_only", [False, True])
def test_signed_deliveries_are_spec_valid_and_verify(kind: str, status: str, status_only: bool) -> None:
    """make_delivery validates as a WebhookDelivery; signed, it verifies and parses to the same job."""
    payload = make_delivery(kind, status, status_only=status_only)  # type: ignore[arg-type]
    assert schema_errors("component:WebhookDelivery", payload) == []
    assert ("output" in payload) == (status == "succeeded" and not status_only)
    body, headers = signed_delivery(payload, "whsec_plugin_test", retry_num=2)
    event = webhooks.parse(body, headers, "whsec_plugin_test")
    assert (event.job_id, str(event.status), event.retry_num) == (payload["jobId"], status, 2)


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_delivery_of_an_ended_job_keeps_the_error_output_it_is_given(status: str) -> None:
    """docs/webhooks.md: a failed delivery may carry output.error, read as event.error. The builder
    dropped an output given for any status but succeeded, so that case could not be tested; an
    output with status_only is a contradiction, refused."""
    payload = make_delivery("identify", status, output={"error": "Could not load audio"})  # type: ignore[arg-type]
    assert payload["output"] == {"error": "Could not load audio"}
    assert schema_errors("component:WebhookDelivery", payload) == []
    body, headers = signed_delivery(payload, "whsec_plugin_test")
    assert webhooks.parse(body, headers, "whsec_plugin_test").error == "Could not load audio"
    with pytest.raises(ValueError, match="status_only"):
        make_delivery("identify", status, output={"error": "x"}, status_only=True)  # type: ignore[arg-type]


def test_a_delivery_for_a_status_that_sends_no_webhook_is_refused() -> None:
    """Webhooks are sent only for terminal statuses, so make_delivery refuses the others by name."""
    with pytest.raises(ValueError, match="running"):
        make_delivery("identify", "running")  # type: ignore[arg-type]


def test_builders_return_fresh_unshared_containers() -> None:
    """No dict or list appears twice in a built job, so editing one turn never changes another."""
    body = make_job(
        "identify", output=make_identify_output(confidence=True, exclusive=True, turn_level_confidence=True)
    )
    seen = [id(container) for container in containers(body)]
    assert len(seen) == len(set(seen))
    assert make_voiceprint("Alice") == make_voiceprint("Alice") != make_voiceprint("Bob")


# --- check_response -----------------------------------------------------------------------------------


def _path_of(operation_id: str) -> tuple[str, str]:
    path, method, _ = _schema.operation(operation_id)
    return method.upper(), path.replace("{jobId}", "3c8a89a5")


def _response(operation_id: str, status: int, body: Any, **headers: str) -> httpx.Response:
    method, path = _path_of(operation_id)
    request = httpx.Request(method, f"https://api.pyannote.ai{path}")
    content = json.dumps(body).encode()  # httpx's json=None would send no body at all
    headers = {"Content-Type": "application/json", **headers}
    return httpx.Response(status, content=content, headers=headers, request=request)


@given(data=st.data())
def test_check_response_accepts_every_body_the_contract_allows(data: st.DataObject) -> None:
    """Bodies generated from each declared (operation, status) pass check_response."""
    operation_id, status = data.draw(st.sampled_from(json_responses()))
    body = data.draw(response_body(operation_id, status))
    assert check_response(_response(operation_id, int(status), body)) == []


def test_check_response_names_the_field_that_breaks_the_contract() -> None:
    """A job list item without createdAt is reported with its JSON path."""
    page = {"items": [{"id": "j", "status": "succeeded"}], "nextCursor": None}
    (problem,) = check_response(_response("getJobsByTeamV2", 200, page))
    assert problem == (
        "GET /v2/jobs answered 200: the body breaks openapi.yaml at $.items[0]: 'createdAt' is a required property"
    )


def _identify_job() -> dict[str, Any]:
    turn = {"speaker": "Alice", "diarizationSpeaker": "SPEAKER_00", "match": "Alice", "start": 0.0, "end": 1.0}
    output = {"identification": [turn], "voiceprints": [], "diarization": []}
    return {"jobId": "3c8a89a5", "status": "succeeded", "output": output}


@pytest.mark.parametrize(
    ("breakage", "where"),
    [
        (lambda job: job["output"]["identification"][0].pop("end"), "$.output.identification[0]: 'end' is a required"),
        (lambda job: job["output"].update(voiceprints="garbage"), "$.output.voiceprints: 'garbage' is not of type"),
        (lambda job: job.update(output={"voiceprint": 5}), "$.output.voiceprint: 5 is not of type 'string'"),
    ],
)
def test_check_response_checks_a_job_against_the_shape_its_output_names(
    breakage: Callable[[dict[str, Any]], object], where: str
) -> None:
    """A broken identify output still fit the anyOf's last shape (a diarization output requires
    nothing), so check_response said it conformed while the client refused the same body."""
    job = _identify_job()
    assert check_response(_response("getJobById", 200, job)) == []
    breakage(job)
    (problem,) = check_response(_response("getJobById", 200, job))
    assert problem.startswith("GET /v1/jobs/3c8a89a5 answered 200: the body breaks openapi.yaml at ")
    assert where in problem


@pytest.mark.parametrize(
    ("job", "where"),
    [
        ({"jobId": "j", "status": "running", "createdAt": "noon"}, "$.createdAt: 'noon' is not a 'date-time'"),
        ({"jobId": "j", "status": "running", "output": {"warning": 5}}, "$.output.warning: 5 is not of type 'string'"),
    ],
)
def test_check_response_names_what_breaks_every_shape_of_a_job(job: dict[str, Any], where: str) -> None:
    """A job that fits none of the three shapes was reported as "$: {the whole body} is not valid
    under any of the given schemas"; for {"warning": 5}, one shape's "identification is required"
    would mislead, so what every shape refuses is named."""
    (problem,) = check_response(_response("getJobById", 200, job))
    assert problem.endswith(f"the body breaks openapi.yaml at {where}")


def test_check_response_keeps_a_problem_short_whatever_the_body_holds() -> None:
    """A job body of a megabyte broken at one place gave a one-megabyte problem string."""
    job = _identify_job()
    job["output"]["identification"] *= 20_000
    job["output"]["identification"][-1] = {"speaker": list(range(100_000))}
    (problem,) = check_response(_response("getJobById", 200, job))
    assert "$.output.identification[19999]" in problem
    assert len(problem) < 600
    job = _identify_job()
    job["output"]["voiceprints"] = [{"speaker": "S", "match": None, "confidence": {"K" * 100_000: "high"}}]
    (problem,) = check_response(_response("getJobById", 200, job))
    assert "$.output.voiceprints[0].confidence.KKK" in problem
    assert len(problem) < 600


def test_check_response_reports_statuses_types_and_headers_the_contract_does_not_have() -> None:
    """An undeclared status, a non-JSON body, a malformed rate-limit header and an unknown path are each reported."""
    assert "does not declare" in check_response(_response("testKey", 503, {"message": "down"}))[0]
    html = httpx.Response(200, text="<html/>", request=httpx.Request("GET", "https://api.pyannote.ai/v1/test"))
    assert "content type text/plain" in check_response(html)[0]
    headers = {"X-RateLimit-Remaining": "lots"}
    (problem,) = check_response(_response("testKey", 200, {"status": "OK", "message": "hi"}, **headers))
    assert "header X-RateLimit-Remaining: 'lots' is not an integer" in problem
    unknown = httpx.Response(200, json={}, request=httpx.Request("DELETE", "https://api.pyannote.ai/v1/jobs/j"))
    assert check_response(unknown) == ["DELETE /v1/jobs/j is not an operation of openapi.yaml"]


# --- the mock ------------------------------------------------------------------------------------------


def _conforms(mock: MockAPI) -> None:
    assert mock.router is not None
    problems = [p for call in mock.router.calls if call.response is not None for p in check_response(call.response)]
    problems = [p for p in problems if "/upload/" not in p]  # the presigned PUT is not an API operation
    assert problems == []


def test_a_client_built_by_the_code_under_test_reaches_the_mock(pyannoteai_mock: MockAPI) -> None:
    """Client() with no arguments talks to the mock: the fixture exports the key and leaves the default URL."""
    with Client() as client:
        assert client.test().status == "OK"
    (request,) = pyannoteai_mock.requests
    assert request.headers["authorization"] == f"Bearer {MOCK_API_KEY}"


def test_a_client_with_another_key_is_told_that_the_mock_answers(pyannoteai_mock: MockAPI) -> None:
    """A client built before the fixture set PYANNOTEAI_API_KEY (a module-level Client() with the
    team's staging key) got "check the key in the dashboard": the 401 says that the mock answered
    and which key it takes, and never shows the key that was sent."""
    other_key = "sk-team-staging-key-0123456789"
    with Client(other_key) as client, pytest.raises(AuthenticationError) as caught:
        client.test()
    message = str(caught.value)
    assert "pyannoteai_identify.testing" in message and "MOCK_API_KEY" in message
    assert other_key not in message and other_key not in repr(caught.value)


def test_the_recorded_requests_never_show_a_key_the_mock_refused(pyannoteai_mock: MockAPI) -> None:
    """A module-level Client() built with the team's real key before the fixture set
    PYANNOTEAI_API_KEY sends that key to the mock: the recorded request, and the mock itself, are
    what a failing assertion prints (pytest -vv shows them whole, in CI logs), so neither repr may
    show the Authorization header; the header stays readable for a test that asserts on it."""
    other_key = "sk-team-staging-key-0123456789"
    with Client(other_key) as client, pytest.raises(AuthenticationError):
        client.test()
    (request,) = pyannoteai_mock.requests
    assert request.headers["authorization"] == f"Bearer {other_key}"
    assert other_key not in repr(request)
    assert other_key not in repr(pyannoteai_mock)
    # Still the plain dict of lowercase names it was: a test may compare it or dump it as JSON.
    assert isinstance(request.headers, dict)
    assert json.loads(json.dumps(request.headers))["authorization"] == f"Bearer {other_key}"


def test_the_mock_and_its_recorded_requests_have_short_reprs(pyannoteai_mock: MockAPI, tmp_path: Path) -> None:
    """The mock and its recorded requests are what a failing assertion prints (pytest -vv whole, in
    CI logs; a debugger or a REPL too): MockAPI's repr held every recorded request with its raw
    content and every uploaded file's bytes, 1.6 MB after one 200 kB upload. Each repr stays short,
    saying how many requests and uploads there are and how long a body is; the data stays whole in
    the attributes."""
    audio = tmp_path / "meeting.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 200_000)
    with pyannoteai_mock.client() as client:
        for _ in range(3):
            client.wait(client.identify(str(audio), {"John": make_voiceprint("John")}))
    upload = pyannoteai_mock.calls("upload")[0]
    assert len(upload.content) == 200_004 and len(next(iter(pyannoteai_mock.uploads.values()))) == 200_004
    assert len(repr(upload)) < 2_000, len(repr(upload))
    assert len(repr(pyannoteai_mock)) < 2_000, len(repr(pyannoteai_mock))
    assert "MockAPI(" in repr(pyannoteai_mock) and "https://api.pyannote.ai" in repr(pyannoteai_mock)


def test_a_full_session_gets_only_spec_valid_answers(pyannoteai_mock: MockAPI, tmp_path: Path) -> None:
    """Upload, voiceprint, identify, wait, list and a missing job: every mock response passes check_response."""
    pyannoteai_mock.pending_polls = 2
    audio = tmp_path / "john.wav"
    audio.write_bytes(b"RIFF....WAVE")
    with pyannoteai_mock.client() as client:
        john = client.create_voiceprint(str(audio), media_key="enrol/john.wav")
        job = client.identify("media://enrol/john.wav", voiceprints={"John": john}, confidence=True)
        result = client.wait(job)
        listed = list(client.jobs(page_size=1))
        with pytest.raises(NotFoundError):
            client.get_job("no-such-job")
    assert pyannoteai_mock.uploads == {"media://enrol/john.wav": b"RIFF....WAVE"}
    assert result.speakers == ["John"]
    assert result.confidence is not None
    assert [item.id for item in listed][:1] == [job.id]
    assert len(listed) == 2
    assert len(pyannoteai_mock.calls("getJobsByTeamV2")) == 2
    assert len(pyannoteai_mock.sleeps) == 4
    _conforms(pyannoteai_mock)


@pytest.mark.anyio
async def test_the_async_client_gets_the_same_answers(pyannoteai_mock: MockAPI) -> None:
    """async_client() runs the same lifecycle: running for pending_polls polls, then the output."""
    pyannoteai_mock.pending_polls = 1
    seen: list[str] = []
    async with pyannoteai_mock.async_client() as client:
        job = await client.identify(AUDIO, voiceprints={"Ann": "QW5u", "Bo": "Qm8"}, num_speakers=1)
        result = await client.wait(job, on_status=lambda j: seen.append(str(j.status)))
    assert seen == ["running", "succeeded"]
    assert result.speakers == ["Ann"]
    assert isinstance(client, AsyncClient)
    _conforms(pyannoteai_mock)


def test_a_wait_with_a_broker_sleeps_on_the_virtual_clock(pyannoteai_mock: MockAPI) -> None:
    """A wait given a webhook broker slept each gap in real time, on the broker, and its deadline,
    measured on the virtual clock, was never reached: the mock's clients wait on its clock with a
    broker too."""
    pyannoteai_mock.pending_polls = 2
    broker = WebhookBroker()
    with pyannoteai_mock.client() as client:
        job = client.identify(AUDIO, voiceprints={"Ann": "QW5u"})
        assert client.wait(job, broker=broker).speakers == ["Ann"]
        assert len(pyannoteai_mock.sleeps) == 2
        pyannoteai_mock.pending_polls = 100  # a bound: some 25 polls fit in the 60 s
        late = client.identify(AUDIO, voiceprints={"Ann": "QW5u"})
        with pytest.raises(WaitTimeoutError):
            client.wait(late, timeout=60, broker=broker)
        assert sum(pyannoteai_mock.sleeps[2:]) == pytest.approx(60)


@pytest.mark.anyio
async def test_an_async_wait_with_a_broker_sleeps_on_the_virtual_clock(pyannoteai_mock: MockAPI) -> None:
    """The AsyncClient's twin: each gap is slept on the mock's clock (the wait's deadline is reached
    on it), while a delivery published during the wait still ends it."""
    pyannoteai_mock.pending_polls = 1_000
    broker = WebhookBroker()
    async with pyannoteai_mock.async_client() as client:
        job = await client.identify(AUDIO, voiceprints={"Ann": "QW5u"})
        with anyio.fail_after(30), pytest.raises(WaitTimeoutError):  # a bound, should the wait hang
            await client.wait(job, timeout=60, broker=broker)
        assert sum(pyannoteai_mock.sleeps) == pytest.approx(60)


def test_a_storage_url_the_client_would_refuse_is_refused_by_the_mock() -> None:
    """The client refuses a plain-http upload URL off the machine; a MockAPI built with one made
    every upload fail with InvalidResponseError instead of saying what was wrong."""
    refused = (
        "http://storage.test",
        "HTTPS://storage.test",
        "https://Storage.Test",
        "https://s.test:443",
        "s.test",
        "https://s.test#x",
    )
    for storage_url in refused:
        with pytest.raises(ValueError, match=rf"storage_url={re.escape(repr(storage_url))}: must be an https URL"):
            MockAPI(storage_url=storage_url)
    assert MockAPI(storage_url="http://127.0.0.1:9000/").storage_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(("outcome", "error"), [("failed", JobFailedError), ("canceled", JobCanceledError)])
def test_jobs_can_be_made_to_fail_or_be_canceled(pyannoteai_mock: MockAPI, outcome: str, error: type) -> None:
    """outcome = failed or canceled ends new jobs that way; failed carries failure_message."""
    pyannoteai_mock.outcome = outcome  # type: ignore[assignment]
    pyannoteai_mock.failure_message = "Audio too short"
    with pyannoteai_mock.client() as client, pytest.raises(error) as caught:
        client.wait(client.identify(AUDIO, voiceprints={"Ann": "QW5u"}))
    if outcome == "failed":
        assert caught.value.api_message == "Audio too short"
    _conforms(pyannoteai_mock)


def test_outputs_can_be_scripted_per_request(pyannoteai_mock: MockAPI) -> None:
    """identify_output may be a function of the request body."""
    pyannoteai_mock.identify_output = lambda request: make_identify_output(
        [v["label"] for v in request["voiceprints"]][::-1]
    )
    with pyannoteai_mock.client() as client:
        result = client.wait(client.identify(AUDIO, voiceprints={"Ann": "QW5u", "Bo": "Qm8"}))
    assert result.speakers == ["Bo", "Ann"]


def test_respond_with_makes_the_next_requests_fail_with_spec_valid_errors(pyannoteai_mock: MockAPI) -> None:
    """respond_with queues error answers for one operation; the client raises what each status means."""
    pyannoteai_mock.respond_with("identify", 402)
    pyannoteai_mock.respond_with("identify", 429, headers={"Retry-After": "12"})
    pyannoteai_mock.respond_with("identify", 400)
    with pyannoteai_mock.client() as client:
        with pytest.raises(PaymentRequiredError):
            client.identify(AUDIO, voiceprints={"Ann": "QW5u"})
        with pytest.raises(RateLimitError) as limited:
            client.identify(AUDIO, voiceprints={"Ann": "QW5u"})
        with pytest.raises(BadRequestError) as refused:
            client.identify(AUDIO, voiceprints={"Ann": "QW5u"})
        assert client.identify(AUDIO, voiceprints={"Ann": "QW5u"}).status == "created"
    assert limited.value.retry_after == 12
    assert refused.value.field_errors[0].field == "url"
    assert [r.status_code for r in pyannoteai_mock.calls("identify")] == [402, 429, 400, 200]
    _conforms(pyannoteai_mock)
    with pytest.raises(ValueError, match="no operation 'cancelJob'"):
        pyannoteai_mock.respond_with("cancelJob", 500)


@pytest.mark.parametrize(("operation_id", "status"), json_responses())
def test_respond_with_without_a_body_answers_one_the_contract_declares(
    pyannoteai_mock: MockAPI, operation_id: Any, status: str
) -> None:
    """``respond_with(operation, status)`` promises a spec-valid body when given none, but made every
    status other than 400 an ``ApiError``: ``respond_with("identify", 200)`` answered
    ``{requestId, message: "OK"}``, which the client refused as a broken job, and a status the
    contract gains with a body of its own would be answered likewise. Every declared answer is
    spec-valid, whatever the contract declares."""
    pyannoteai_mock.respond_with(operation_id, int(status))
    method, path = _path_of(operation_id)
    auth = {"Authorization": f"Bearer {pyannoteai_mock.api_key}"}
    request = httpx.Request(method, f"{pyannoteai_mock.base_url}{path}", headers=auth)
    response = pyannoteai_mock.handle(request)
    response.request = request
    assert response.status_code == int(status)
    assert check_response(response) == []


@pytest.mark.parametrize("times", [0, -1, True, 1.5, "2"])
def test_respond_with_refuses_a_times_that_is_no_whole_number_of_at_least_one(
    pyannoteai_mock: MockAPI, times: Any
) -> None:
    """``times=0`` queued nothing and answered every request normally: a test scripting a failure with
    a computed count of 0 passed without the failure ever happening. ``times`` is refused as the
    module's other arguments are: a ValueError naming it, its value and the rule."""
    with pytest.raises(ValueError, match=re.escape(f"times={times!r}: must be a whole number ≥ 1")):
        pyannoteai_mock.respond_with("identify", 429, times=times)
    with pyannoteai_mock.client() as client:
        assert client.identify(AUDIO, voiceprints={"Ann": "QW5u"}).status == "created"
    pyannoteai_mock.assert_all_used()


@pytest.mark.parametrize("status_code", [True, 99, 600, 200.0, "503", None])
def test_respond_with_refuses_a_status_code_that_is_no_http_status(pyannoteai_mock: MockAPI, status_code: Any) -> None:
    """``respond_with("identify", True)`` was queued and failed later, inside the client's request,
    far from the line that scripted it (a 999 or a "503" likewise): the status is checked where it
    is given, as ``times`` is, naming it, its value and the rule."""
    with pytest.raises(ValueError, match=re.escape(f"status_code={status_code!r}: must be an HTTP status")):
        pyannoteai_mock.respond_with("identify", status_code)
    with pyannoteai_mock.client() as client:
        assert client.identify(AUDIO, voiceprints={"Ann": "QW5u"}).status == "created"


def test_assert_all_used_fails_while_a_scripted_answer_was_not_used() -> None:
    """As respx's ``assert_all_called`` and responses' ``assert_all_requests_are_fired``: an answer
    scripted with respond_with() that no request received means the test did not exercise what it
    scripted. ``assert_all_used()`` says which, for a MockAPI used without the fixture."""
    mock = MockAPI()
    mock.respond_with("identify", 402)
    mock.respond_with("upload", 503, times=2)
    with pytest.raises(AssertionError) as caught:
        mock.assert_all_used()
    message = str(caught.value)
    assert "3 answers scripted with respond_with() were never used" in message
    assert "identify 402 (1)" in message and "upload 503 (2)" in message
    auth = {"Authorization": f"Bearer {mock.api_key}"}
    body = {"url": AUDIO, "voiceprints": [{"label": "Ann", "voiceprint": "QW5u"}]}
    assert (
        mock.handle(httpx.Request("POST", f"{mock.base_url}/v1/identify", json=body, headers=auth)).status_code == 402
    )
    with pytest.raises(AssertionError, match=re.escape("upload 503 (2)")):
        mock.assert_all_used()


UNUSED_ANSWERS = """
import httpx
import pytest

from pyannoteai_identify.testing import MOCK_API_KEY

AUTH = {"Authorization": f"Bearer {MOCK_API_KEY}"}


def test_scripts_an_answer_it_never_triggers(pyannoteai_mock):
    pyannoteai_mock.respond_with("testKey", 503)


def test_uses_every_answer_it_scripts(pyannoteai_mock):
    pyannoteai_mock.respond_with("testKey", 503)
    assert httpx.get("https://api.pyannote.ai/v1/test", headers=AUTH).status_code == 503


@pytest.mark.pyannoteai_mock(assert_all_used=False)
def test_opts_out_of_the_check(pyannoteai_mock):
    pyannoteai_mock.respond_with("testKey", 503)


def test_fails_before_using_its_answer(pyannoteai_mock):
    pyannoteai_mock.respond_with("testKey", 503)
    assert False, "the test's own failure"
"""


def test_the_fixture_fails_a_test_that_left_a_scripted_answer_unused(pytester: pytest.Pytester) -> None:
    """The ``pyannoteai_mock`` fixture checks at teardown that every answer scripted with respond_with()
    was used (respx's fixture does so for its routes); ``@pytest.mark.pyannoteai_mock(assert_all_used=False)``
    turns it off, and a test that already failed is not reported a second time for it."""
    pytester.makepyfile(test_consumer=UNUSED_ANSWERS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=3, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_scripts_an_answer_it_never_triggers*",
            "*1 answer scripted with respond_with() was never used: testKey 503 (1)*",
        ]
    )
    assert "ERROR at teardown of test_fails_before_using_its_answer" not in result.stdout.str()


SKIPPED_WITH_ANSWERS = """
import pytest


def test_skips_itself_after_scripting(pyannoteai_mock):
    pyannoteai_mock.respond_with("testKey", 503)
    pytest.skip("not on this platform")


@pytest.mark.xfail(reason="a known bug", strict=True)
def test_fails_as_expected_before_using_its_answer(pyannoteai_mock):
    pyannoteai_mock.respond_with("testKey", 503)
    assert False
"""


def test_the_fixture_leaves_a_skipped_or_xfailed_test_alone(pytester: pytest.Pytester) -> None:
    """A test that skips itself (``pytest.skip``) or fails as its ``xfail`` marker expects did not run
    to its end, as a failed one did not: its unused scripted answers are no error at teardown (an
    ERROR on a skipped test, and an xfailed test counted twice)."""
    pytester.makepyfile(test_consumer=SKIPPED_WITH_ANSWERS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers", "-rA")
    result.assert_outcomes(skipped=1, xfailed=1)
    assert "never used" not in result.stdout.str()


#: The options of a hook implementation that pluggy 1.0 knows: pytest 7.0 to 7.3 accept it, so lock
#: files of that time pin it. ``wrapper`` (new-style hook wrappers) came with pluggy 1.2.
PLUGGY_1_0_HOOKIMPL_OPTIONS = {"hookwrapper", "optionalhook", "tryfirst", "trylast", "specname"}


def test_the_plugin_loads_in_a_suite_on_pytest_7_with_pluggy_1_0() -> None:
    """The ``pytest11`` entry point makes every pytest run load the plugin wherever the package is
    installed, with or without the ``testing`` extra (which alone asks for pytest 8). A hook
    implementation with an option pluggy 1.0 lacks is a TypeError at import there, so a team that
    installs the SDK alone sees its whole suite, which never uses the plugin, fail to start."""
    from pyannoteai_identify import testing

    implementations = {
        name: {option for option, enabled in value.pytest_impl.items() if enabled}
        for name, value in vars(testing).items()
        if hasattr(value, "pytest_impl")
    }
    assert "pytest_runtest_makereport" in implementations
    assert {name: options - PLUGGY_1_0_HOOKIMPL_OPTIONS for name, options in implementations.items()} == {
        name: set() for name in implementations
    }


def test_requests_that_break_the_contract_get_a_400_naming_the_field(pyannoteai_mock: MockAPI) -> None:
    """A body the contract refuses (sent around the wrapper) answers 400 with the field, as the API does."""
    response = httpx.post(
        "https://api.pyannote.ai/v1/identify",
        json={"url": "https://example.com/a.wav", "voiceprints": [], "numSpeakers": max(NUM_SPEAKERS) + 1},
        headers={"Authorization": f"Bearer {MOCK_API_KEY}"},
    )
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"numSpeakers", "voiceprints"}
    assert check_response(response) == []
    missing = httpx.post(
        "https://api.pyannote.ai/v1/identify", json={"voiceprints": [{"label": "A", "voiceprint": "x"}]}
    )
    assert missing.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "content", "params", "field"),
    [
        ("POST", "/v1/identify", b'{"url": "https://example.com/a.wav", "voiceprints": NaN}', None, "body"),
        ("POST", "/v1/identify", b"[" * 3000 + b"]" * 3000, None, "body"),
        ("POST", "/v1/media/input", b'{"url": "media://abc\\n"}', None, "url"),
        ("GET", "/v2/jobs", b"", {"status": "bogus"}, "status"),
        ("GET", "/v2/jobs", b"", {"limit": "1_0"}, "limit"),
    ],
    ids=["nan", "nested-3000-deep", "media-key-newline", "unknown-status", "limit-underscore"],
)
def test_the_mock_refuses_what_the_contract_refuses_as_the_sandbox_does(
    pyannoteai_mock: MockAPI, method: str, path: str, content: bytes, params: dict[str, str] | None, field: str
) -> None:
    """NaN is not JSON, nesting is bounded, patterns anchor at the very end, and the job list's
    query is checked against its schema: each answers 400 naming the field."""
    response = httpx.request(
        method,
        f"https://api.pyannote.ai{path}",
        content=content or None,
        params=params,
        headers={"Authorization": f"Bearer {MOCK_API_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_turn_level_confidence_is_keyed_by_diarized_speaker_as_the_api_documents() -> None:
    """{"SPEAKER_00": 93, "SPEAKER_01": 16} per turn, as the API reference and the sandbox do."""
    output = make_identify_output(["Alice", "Bob"], turn_level_confidence=True)
    for turn in output["diarization"]:
        assert set(turn["confidence"]) == {"SPEAKER_00", "SPEAKER_01"}
        assert max(turn["confidence"], key=turn["confidence"].get) == turn["speaker"]
    for turn in output["identification"]:
        assert max(turn["confidence"], key=turn["confidence"].get) == turn["diarizationSpeaker"]


def test_add_job_and_paging_list_jobs_newest_first(pyannoteai_mock: MockAPI) -> None:
    """Seeded jobs come back from get_job, and jobs() pages through them newest first, filtered by status."""
    ids = [
        pyannoteai_mock.add_job("diarization", "succeeded" if n % 2 else "running", outcome="running") for n in range(7)
    ]
    with pyannoteai_mock.client() as client:
        every = [item.id for item in client.jobs(page_size=3)]
        running = [item.id for item in client.jobs("running", page_size=2)]
        seeded = client.get_job(ids[1], kind="diarization")
    assert every == ids[::-1]
    assert running == ids[::-2]
    assert str(seeded.status) == "succeeded"
    assert len(pyannoteai_mock.calls("getJobsByTeamV2")) == 3 + 2
    _conforms(pyannoteai_mock)


def test_a_listing_that_fails_half_way_resumes_from_the_cursor_of_the_last_page_read(pyannoteai_mock: MockAPI) -> None:
    """The mock honours a cursor given back: job_pages() fails after the retries on its second page,
    and job_pages(cursor=...) from the first page's next_cursor lists every other job exactly once;
    a well-formed UUID the mock never issued is a 400 on cursor. (No _conforms: the scripted 503 is
    a status the contract does not declare.)"""
    ids = [pyannoteai_mock.add_job("diarization", "succeeded") for _ in range(7)]
    with pyannoteai_mock.client() as client:
        pages = client.job_pages(page_size=3)
        first = next(pages)
        pyannoteai_mock.respond_with("getJobsByTeamV2", 503, times=4)  # the first try and its 3 retries
        with pytest.raises(ServerError) as caught:
            next(pages)
        assert caught.value.status_code == 503
        rest = list(client.job_pages(page_size=3, cursor=first.next_cursor))
        resumed = [item.id for item in client.jobs(page_size=2, cursor=first.next_cursor)]
        with pytest.raises(BadRequestError) as caught:
            client.job_page(cursor="a1b2c3d4-e5f6-7890-abcd-ef1234567890")
    listed = [item.id for page in [first, *rest] for item in page.items]
    assert listed == ids[::-1]
    assert resumed == ids[::-1][3:]
    assert [len(page.items) for page in rest] == [3, 1] and rest[-1].next_cursor is None
    assert caught.value.status_code == 400 and "cursor" in str(caught.value)


@pytest.mark.anyio
async def test_the_async_client_resumes_a_listing_from_a_cursor_too(pyannoteai_mock: MockAPI) -> None:
    """AsyncClient.job_pages()/job_page()/jobs() with cursor=, against the mock, as the sync test does."""
    ids = [pyannoteai_mock.add_job("diarization", "succeeded") for _ in range(5)]
    async with pyannoteai_mock.async_client() as client:
        first = await client.job_page(page_size=2)
        pyannoteai_mock.respond_with("getJobsByTeamV2", 503, times=4)
        with pytest.raises(ServerError):
            [item async for item in client.jobs(page_size=2, cursor=first.next_cursor)]
        rest = [page async for page in client.job_pages(page_size=2, cursor=first.next_cursor)]
    assert [item.id for page in [first, *rest] for item in page.items] == ids[::-1]


def test_requests_to_other_hosts_fail_instead_of_reaching_the_network(pyannoteai_mock: MockAPI) -> None:
    """Only the API and its presigned URLs are mocked; any other request fails the test loudly."""
    with pytest.raises(AllMockedAssertionError):
        httpx.get("https://example.com/")


# --- as a plugin ---------------------------------------------------------------------------------------


def _docs_example() -> str:
    match = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert match is not None, "docs/testing.md must open its examples with a python block"
    return match.group(1)


def test_the_example_in_the_docs_passes_as_a_consumer_would_run_it(pytester: pytest.Pytester) -> None:
    """The first python block of docs/testing.md, saved as a test file, passes with the auto-loaded plugin."""
    pytester.makepyfile(test_meeting_notes=_docs_example())
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", _docs_example(), re.M)))


def test_the_plugin_is_registered_through_its_entry_point(pytester: pytest.Pytester) -> None:
    """pytest lists the plugin's fixtures with no conftest or import in the tested project."""
    result = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    # One pattern at a time: pytest orders fixtures by their "file:line" as text, so a line number
    # passing 1000 swaps them (fnmatch_lines wants its patterns in order).
    for fixture in ("pyannoteai_mock", "webhook_secret"):
        result.stdout.fnmatch_lines([f"{fixture} -- *"])


def test_a_conftest_may_also_list_the_plugin_in_pytest_plugins(pytester: pytest.Pytester) -> None:
    """``pytest_plugins = ["pyannoteai_identify.testing"]`` (pytest's documented way to require a plugin,
    and what a team running with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 writes) must not break the run
    where the entry point also loads it. Under an entry point named ``pyannoteai_identify``, pytest
    refuses the second name for the same module: "Plugin already registered under a different name",
    and no test runs. Naming the entry point after its module (``pyannoteai_identify.testing``) makes
    pytest see the conftest's request as already satisfied."""
    pytester.makeconftest('pytest_plugins = ["pyannoteai_identify.testing"]\n')
    pytester.makepyfile(test_consumer="def test_mock(pyannoteai_mock):\n    assert pyannoteai_mock.requests == []\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_importing_the_plugin_pulls_in_neither_respx_nor_jsonschema() -> None:
    """Every pytest run imports the plugin: it stays cheap, and without the testing extra it says what to install."""
    run = subprocess.run([sys.executable, "-c", WITHOUT_EXTRA], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "imported: respx False, jsonschema False",
        "jsonschema is not installed: pip install 'pyannoteai-identify[testing]'",
    ]


# Imports the plugin, then makes respx and jsonschema unimportable: builders work, checks say what to install.
WITHOUT_EXTRA = """
import sys
import httpx
from pyannoteai_identify import testing
print(f"imported: respx {'respx' in sys.modules}, jsonschema {'jsonschema' in sys.modules}")
sys.modules["respx"] = None
sys.modules["jsonschema"] = None
assert testing.make_job("identify")["status"] == "succeeded"
request = httpx.Request("GET", "https://api.pyannote.ai/v1/test")
try:
    testing.check_response(httpx.Response(200, json={"status": "OK", "message": "m"}, request=request))
except ModuleNotFoundError as error:
    print(error)
"""


def test_the_mock_coexists_with_respx_mock(pyannoteai_mock: MockAPI, respx_mock: Any) -> None:
    """A test can mock its own hosts with respx_mock while pyannoteai_mock answers for the API."""
    respx_mock.get("https://hooks.example.com/ping").respond(204)
    assert httpx.get("https://hooks.example.com/ping").status_code == 204
    with Client() as client:
        assert client.test().status == "OK"
    assert [request.operation_id for request in pyannoteai_mock.requests] == ["testKey"]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: signed_delivery(make_delivery("identify"), retry_num=0), "retry_num"),
        (lambda: signed_delivery(make_delivery("identify"), retry_num=4), "retry_num"),
        (lambda: signed_delivery(make_delivery("identify"), retry_num=1, retry_reason="bogus"), "retry_reason"),
        # A reason without a retry number was dropped: the test got a first attempt, silently.
        (lambda: signed_delivery(make_delivery("identify"), retry_reason="http_timeout"), "retry_reason"),
        (lambda: make_identify_output(turn_seconds=-3), "turn_seconds"),
        (lambda: make_identify_output(turn_seconds=float("nan")), "turn_seconds"),
        (lambda: make_identify_output(turn_seconds=True), "turn_seconds"),
        (lambda: make_identify_output(unmatched=-1), "unmatched"),
        (lambda: make_identify_output(turns_per_speaker=-1), "turns_per_speaker"),
        (lambda: make_identify_output(turn_seconds=0), "turn_seconds"),
        (lambda: make_diarization_output(speakers=-1), "speakers"),
    ],
    ids=[
        "retry_num=0",
        "retry_num=4",
        "retry_reason",
        "retry_reason-without-retry_num",
        "negative-turns",
        "nan-turns",
        "bool-turns",
        "unmatched",
        "turns",
        "zero-turns",
        "diarization-speakers",
    ],
)
def test_a_builder_refuses_an_argument_that_would_break_the_contract(build: Callable[[], object], field: str) -> None:
    """The builders' bodies and headers pass openapi.yaml: an argument that would make them break it
    (an x-retry-num outside 1-3, an unknown x-retry-reason, a negative turn start) is a ValueError
    naming it, not a body the real API never sends."""
    with pytest.raises(ValueError, match=field):
        build()
    _, headers = signed_delivery(make_delivery("identify"), retry_num=3, retry_reason="http_timeout")
    assert (headers["x-retry-num"], headers["x-retry-reason"]) == ("3", "http_timeout")


def test_an_unknown_operation_id_is_refused_naming_the_valid_ones(pyannoteai_mock: MockAPI) -> None:
    """calls("getJob") (a typo of getJobById) returned [] and the test failed as `assert 0 == 1`:
    calls() refuses it as respond_with() does, and both list the operation ids there are."""
    for method in (pyannoteai_mock.calls, lambda name: pyannoteai_mock.respond_with(name, 500)):
        with pytest.raises(ValueError, match="'getJob'") as caught:
            method("getJob")
        assert "getJobById" in str(caught.value) and "upload" in str(caught.value)


def test_the_ids_of_the_jobs_the_mock_created_are_listed_oldest_first(pyannoteai_mock: MockAPI) -> None:
    """A service that submits with a webhook and returns gives its test no job id: job_ids lists
    the jobs the mock holds (submitted or added), for delivery(job_id) and the like."""
    with Client() as client:
        first = client.identify("https://example.com/a.wav", {"Alice": "QUJD"}, webhook="https://example.com/hook").id
        added = pyannoteai_mock.add_job("voiceprint")
        last = client.submit_voiceprint("https://example.com/b.wav").id
    assert pyannoteai_mock.job_ids == [first, added, last]
    body, _ = pyannoteai_mock.delivery(pyannoteai_mock.job_ids[0])
    assert json.loads(body)["jobId"] == first


@pytest.mark.timeout(5)
def test_a_delivery_of_an_added_running_job_ends_it_instead_of_looping_for_ever(
    pyannoteai_mock: MockAPI, webhook_secret: str
) -> None:
    """docs/testing.md: ``add_job(kind, status, ...)`` creates a job "as if submitted earlier", and
    ``delivery(job_id)`` returns the webhook sent "when that job ends; the job ends then". A job
    added as ``running`` (the natural way to test a webhook that finishes a job in progress) kept
    ``running`` as its outcome, so ``delivery()`` advanced it for ever: the test hung until the
    suite's own timeout. It ends with the mock's ``outcome``, as a submitted job does."""
    job_id = pyannoteai_mock.add_job("identify", "running")

    body, headers = pyannoteai_mock.delivery(job_id)

    event = webhooks.parse(body, headers, webhook_secret)
    assert (event.job_id, event.status) == (job_id, "succeeded")
    assert isinstance(event.result, IdentifyResult)


@pytest.mark.timeout(5)
def test_a_delivery_for_an_outcome_that_never_ends_a_job_is_refused_not_looped_on(pyannoteai_mock: MockAPI) -> None:
    """``outcome = "running"`` (a job that never ends) is no final status: ``delivery()`` advanced the
    job for ever. It says what is wrong instead. (An outcome that is no status at all, such as
    ``"cancelled"``, is refused when set: test_wrapper_testing_plugin_fidelity.py.)"""
    pyannoteai_mock.outcome = "running"  # type: ignore[assignment]
    with pyannoteai_mock.client() as client:
        job = client.identify("https://example.com/a.wav", {"Alice": "QUJD"}, webhook="https://example.com/hook")

    with pytest.raises(ValueError, match="running"):
        pyannoteai_mock.delivery(job.id)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("status", ["created", "pending", "running"])
def test_a_job_added_before_it_ends_ends_on_a_poll_as_a_submitted_one_does(
    pyannoteai_mock: MockAPI, status: str
) -> None:
    """docs/testing.md: ``add_job(kind, status, ...)`` creates a job "as if submitted earlier". A job
    added as ``running`` (or ``created``, ``pending``) kept that status on every poll, for ever: only
    ``delivery()`` ended it, so ``wait()`` on it timed out. It moves as a submitted job does: its
    first ``pending_polls`` polls answer ``running``, the next one the mock's ``outcome``."""
    pyannoteai_mock.pending_polls = 2
    job_id = pyannoteai_mock.add_job("identify", status)
    seen: list[str] = []
    with pyannoteai_mock.client() as client:
        result = client.wait(job_id, kind="identify", on_status=lambda job: seen.append(str(job.status)), timeout=600)
    assert result.speakers == ["Alice", "Bob"]
    assert seen == ["running", "succeeded"]
    assert len(pyannoteai_mock.calls("getJobById")) == 3


@pytest.mark.anyio
@pytest.mark.timeout(10)
async def test_an_added_running_job_ends_with_its_own_outcome_for_the_async_client_too(
    pyannoteai_mock: MockAPI,
) -> None:
    """``add_job(..., outcome=..., pending_polls=...)`` sets how that one job ends, as the mock's knobs
    do for submitted jobs; ``outcome="running"`` keeps it running (until a delivery ends it)."""
    pyannoteai_mock.failure_message = "Audio too short"
    failing = pyannoteai_mock.add_job("voiceprint", "running", outcome="failed", pending_polls=1)
    canceled = pyannoteai_mock.add_job("voiceprint", "created", outcome="canceled")
    kept = pyannoteai_mock.add_job("voiceprint", "running", outcome="running")
    async with pyannoteai_mock.async_client() as client:
        with pytest.raises(JobFailedError) as caught:
            await client.wait(failing, kind="voiceprint", timeout=600)
        with pytest.raises(JobCanceledError):
            await client.wait(canceled, kind="voiceprint", timeout=600)
        with pytest.raises(WaitTimeoutError):
            await client.wait(kept, kind="voiceprint", timeout=60)
    assert caught.value.api_message == "Audio too short"
    assert [call.status_code for call in pyannoteai_mock.calls("getJobById")][:3] == [200, 200, 200]
    _conforms(pyannoteai_mock)


@pytest.mark.parametrize(
    ("options", "refused"),
    [({"outcome": "expired"}, "outcome='expired'"), ({"pending_polls": -1}, "pending_polls=-1")],
)
def test_add_job_refuses_an_outcome_or_pending_polls_the_mock_would_refuse(
    pyannoteai_mock: MockAPI, options: dict[str, Any], refused: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(refused)):
        pyannoteai_mock.add_job("identify", "running", **options)


def test_importing_the_plugin_without_pytest_names_the_extra_to_install() -> None:
    """The plugin module is for pytest: imported where pytest is missing, it says to install the
    testing extra, as a missing respx or jsonschema does, not a bare "No module named 'pytest'"."""
    script = (
        "import sys\n"
        "sys.modules['pytest'] = None\n"
        "try:\n"
        "    import pyannoteai_identify.testing\n"
        "except ModuleNotFoundError as error:\n"
        "    print(error.name, '|', error)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (
        "pytest | pyannoteai_identify.testing is a pytest plugin and pytest is not installed: "
        "pip install 'pyannoteai-identify[testing]'"
    )


HEADERS_IN_A_FAILED_ASSERTION = """
import pytest

from pyannoteai_identify import AuthenticationError


def test_compares_the_headers_it_recorded(pyannoteai_mock):
    key = "-".join(["sk", "REAL", "TEAM", "KEY", "0123456789"])  # not shown whole in the source listing
    with pyannoteai_mock.client(api_key=key) as client:
        with pytest.raises(AuthenticationError):
            client.test()
    (request,) = pyannoteai_mock.calls("testKey")
    assert request.headers == {"content-type": "application/json"}
"""


@pytest.mark.parametrize("verbosity", [[], ["-vv"]])
def test_a_failed_assertion_on_recorded_headers_never_prints_the_key(
    pytester: pytest.Pytester, verbosity: list[str]
) -> None:
    """A recorded request's headers mask Authorization in their repr, because a failing assertion
    prints what it compares and the client the mock refused may have sent the team's real key. But
    they are a dict, and pytest explains a failed ``==`` between dicts item by item ("Differing
    items", "Left contains 4 more items: {...}") from plain dicts it builds, without that repr."""
    pytester.makepyfile(test_consumer=HEADERS_IN_A_FAILED_ASSERTION)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *verbosity)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "[secure]" in output or "authorization" in output.lower()
    assert "sk-REAL-TEAM-KEY-0123456789" not in output


def test_a_mock_of_your_own_has_no_router_and_introspection_still_works() -> None:
    """``MockAPI.router`` was an attribute that a ``MockAPI()`` of your own held as None; it became a
    property raising RuntimeError, so ``hasattr(mock, "router")``, ``getattr(mock, "router", None)``,
    ``inspect.getmembers(mock)`` and ``unittest.mock.Mock(spec=mock)`` (all of which stop only at an
    AttributeError) raised out of the property. The missing router reads as a missing attribute to
    them, and is still the documented RuntimeError to the code that asks for it."""
    import inspect
    from unittest import mock as unittest_mock

    mock = MockAPI()
    with pytest.raises(RuntimeError, match="only the pyannoteai_mock fixture's is served by one"):
        mock.router  # noqa: B018
    assert not hasattr(mock, "router")
    assert getattr(mock, "router", None) is None
    assert "handle" in dict(inspect.getmembers(mock))
    assert unittest_mock.Mock(spec=mock).handle is not None


def test_the_fixtures_mock_has_its_router(pyannoteai_mock: MockAPI) -> None:
    """The fixture's mock keeps answering ``router`` with the respx router it routes through."""
    assert hasattr(pyannoteai_mock, "router")
    assert pyannoteai_mock.router.routes


@pytest.mark.parametrize(("options", "client"), [("ClientOptions", Client), ("AsyncClientOptions", AsyncClient)])
def test_the_mock_s_client_keywords_are_the_client_s(options: str, client: type[Any]) -> None:
    """``MockAPI.client(**kwargs)``/``async_client`` were typed ``**kwargs: Any``: a misspelt keyword
    reached the client only at run time. They take ``Unpack[testing.ClientOptions]`` (and
    ``AsyncClientOptions``), written out, so each must be the client's keywords, typed as the client types them."""
    from pyannoteai_identify import testing

    typed = getattr(testing, options)
    parameters = dict(inspect.signature(client.__init__).parameters)
    del parameters["self"]
    assert set(typed.__annotations__) == set(parameters)
    assert typed.__required_keys__ == frozenset()
    for name, parameter in parameters.items():
        assert typed.__annotations__[name].__forward_arg__ == parameter.annotation, name


@pytest.mark.parametrize("status", ["suceeded", "expired", "cancelled"])
def test_add_job_refuses_a_status_that_is_no_job_status(pyannoteai_mock: MockAPI, status: str) -> None:
    """``add_job("identify", "suceeded")`` (a typo) was taken: the job counted as not final, and polls
    answered ``running`` and then the mock's outcome, so a test meant to see a finished job saw it
    finish later, or, with ``outcome="failed"``, fail. A status is one of the contract's, as ``outcome`` is."""
    with pytest.raises(ValueError, match=re.escape(f"status={status!r}")):
        pyannoteai_mock.add_job("identify", status)  # type: ignore[arg-type]
    assert pyannoteai_mock.job_ids == []


def test_the_clients_of_a_mock_of_your_own_reach_it_not_the_network(tmp_path: Path) -> None:
    """``MockAPI().client()`` is documented as "a Client for this mock", and a ``MockAPI()`` of your
    own as usable without the fixture; but no router serves such a mock, so its client sent every
    request to https://api.pyannote.ai itself (a DNS lookup and a connection to the real API, with
    the mock's key). Here respx refuses any request that reaches httpx's network transport: the
    mock's client must answer from the mock, the upload to its presigned URL included."""
    import respx

    mock = MockAPI()
    mock.pending_polls = 1
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"RIFF" + bytes(100))
    with respx.mock(assert_all_mocked=True, assert_all_called=False), mock.client() as client:
        job = client.identify(audio, voiceprints={"Ann": "QW5u"}, num_speakers=1)
        assert client.wait(job).speakers == ["Ann"]
    assert [request.operation_id for request in mock.requests] == [
        "getMediaUploadUrl",
        "upload",
        "identify",
        "getJobById",
        "getJobById",
    ]


@pytest.mark.anyio
async def test_the_async_clients_of_a_mock_of_your_own_reach_it_not_the_network(tmp_path: Path) -> None:
    """The AsyncClient's twin: ``MockAPI().async_client()`` answers from the mock, never the network."""
    import respx

    mock = MockAPI()
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"RIFF" + bytes(100))
    with respx.mock(assert_all_mocked=True, assert_all_called=False):
        async with mock.async_client() as client:
            job = await client.identify(audio, voiceprints={"Ann": "QW5u"}, num_speakers=1)
            assert (await client.wait(job)).speakers == ["Ann"]
    assert len(mock.calls("upload")) == 1 and len(mock.calls("identify")) == 1


def test_a_mock_of_your_own_given_httpx_transport_answers_through_your_own_respx_router() -> None:
    """A ``MockAPI()`` of your own answers its clients itself (an ``httpx.MockTransport``); a test
    that serves it through its own respx router instead (a route on the mock's base URL calling
    ``mock.handle``, with a route in front scripting a 503) gives its client httpx's own transport,
    as docs/testing.md says: respx then sees every request, and the route in front answers first."""
    import respx

    mock = MockAPI()
    with respx.mock(assert_all_called=True) as router:
        refused = router.get(mock.base_url + "/v1/test").respond(503, json={"message": "down"})
        served = router.route(url__startswith=mock.base_url + "/").mock(side_effect=mock.handle)
        with mock.client(max_retries=0, transport=httpx.HTTPTransport()) as client:
            with pytest.raises(ServerError):
                client.test()
            assert list(client.jobs(page_size=1, max_items=1)) == []
        assert refused.call_count == 1
        assert served.call_count == 1


@pytest.mark.anyio
async def test_the_async_client_of_a_mock_of_your_own_given_httpx_transport_answers_through_your_respx_router() -> None:
    """The AsyncClient's twin: given ``httpx.AsyncHTTPTransport()``, ``MockAPI().async_client()`` is
    answered through the test's own respx router."""
    import respx

    mock = MockAPI()
    with respx.mock(assert_all_called=True) as router:
        refused = router.get(mock.base_url + "/v1/test").respond(503, json={"message": "down"})
        served = router.route(url__startswith=mock.base_url + "/").mock(side_effect=mock.handle)
        async with mock.async_client(max_retries=0, transport=httpx.AsyncHTTPTransport()) as client:
            with pytest.raises(ServerError):
                await client.test()
            assert [job async for job in client.jobs(page_size=1, max_items=1)] == []
        assert refused.call_count == 1
        assert served.call_count == 1
