"""Round trip: what the wrapper sends is what the caller asked for, and the contract accepts it.

Request bodies are generated from openapi.yaml, turned into the wrapper's arguments, sent through
``Client`` and ``AsyncClient`` against respx, and the captured bodies are validated against the
operation's request schema (``_schema.validator_for("request:<op>")``) and compared with the
generated body. Where the wrapper is deliberately stricter than the contract (http(s) or media://
URLs; labels unique regardless of case; no empty, ``.`` or ``..`` media key segments) the generated
values are adjusted, or the refusal itself is checked: raised before any request.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from strategies import job_status, request_body

from pyannoteai_identify import Matching, ValidationError, Voiceprint, _schema
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify._validation import PAGE_SIZE_MAX, PAGE_SIZE_MIN

JOB_ID = "3c8a89a5-dcc6-4edb-a75d-ffd64739674d"
PRESIGNED = "https://storage.example.com/upload/abc?signature=xyz"
FLAGS = {
    "confidence": "confidence",
    "exclusive": "exclusive",
    "turnLevelConfidence": "turn_level_confidence",
    "webhookStatusOnly": "webhook_status_only",
}

hosts = st.from_regex(r"[a-z][a-z0-9]{0,15}(\.[a-z]{2,8}){1,2}", fullmatch=True)
http_urls = st.builds(
    "{}://{}/{}".format,
    st.sampled_from(["http", "https"]),
    hosts,
    st.from_regex(r"[A-Za-z0-9._~/-]{0,30}", fullmatch=True),
)
media_urls = st.from_regex(r"media://[A-Za-z0-9_-]{1,20}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,19}){0,3}", fullmatch=True)
audio_urls = http_urls | media_urls


def _validated(operation_id: str, body: Any) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in _schema.validator_for(f"request:{operation_id}").iter_errors(body)
    ]
    assert not errors, f"the wrapper sent a {operation_id} body that breaks openapi.yaml: {errors}"


def _unique_labels(body: dict[str, Any]) -> bool:
    labels = [voiceprint["label"].casefold() for voiceprint in body["voiceprints"]]
    return len(set(labels)) == len(labels)


@st.composite
def identify_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """An IdentifyRequest from the contract, with an audio URL and webhook the wrapper accepts."""
    body: dict[str, Any] = draw(request_body("identify").filter(_unique_labels))
    body["url"] = draw(audio_urls)
    if "webhook" in body:
        body["webhook"] = draw(http_urls)
    return body


@st.composite
def voiceprint_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = draw(request_body("voiceprint"))
    body["url"] = draw(audio_urls)
    if "webhook" in body:
        body["webhook"] = draw(http_urls)
    return body


def identify_arguments(body: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The ``identify(...)`` call that asks for *body*."""
    kwargs: dict[str, Any] = {flag: body[key] for key, flag in FLAGS.items() if key in body}
    if "numSpeakers" in body:
        kwargs["num_speakers"] = body["numSpeakers"]
    if "webhook" in body:
        kwargs["webhook"] = body["webhook"]
    if "model" in body:
        kwargs["model"] = body["model"]
    if "matching" in body:
        kwargs["matching"] = Matching(body["matching"].get("exclusive"), body["matching"].get("threshold"))
    voiceprints = [Voiceprint(v["label"], v["voiceprint"]) for v in body["voiceprints"]]
    return (body["url"], voiceprints), kwargs


def with_defaults(operation_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """*body* with each boolean the wrapper always sends set to the contract's default when absent."""
    properties = _schema.request_schema(operation_id)
    schema = SPEC["components"]["schemas"][properties["$ref"].rsplit("/", 1)[1]]["properties"]
    defaults = {key: sub["default"] for key, sub in schema.items() if sub.get("type") == "boolean"}
    expected = {**defaults, **body}
    if "matching" in expected:
        # Matching(exclusive=None) means "the API's default": the key is left out, not sent as null.
        expected["matching"] = {k: v for k, v in expected["matching"].items() if v is not None}
    return expected


def _job_created(api: Any, path: str) -> None:
    api.router.post(api.url(path)).respond(200, json={"jobId": JOB_ID, "status": "created"})


def _media_api(api: Any) -> Any:
    api.router.post(api.url("/v1/media/input")).respond(201, json={"url": PRESIGNED})
    return api.router.put(PRESIGNED).respond(200)


@pytest.mark.anyio
@given(body=identify_bodies())
async def test_identify_sends_exactly_the_requested_body_and_it_validates(
    mode: str, wrapper_api: Any, body: dict[str, Any]
) -> None:
    """Any IdentifyRequest the contract allows, asked for through identify(), is sent as is and validates."""
    api = wrapper_api(mode)
    _job_created(api, "/v1/identify")
    args, kwargs = identify_arguments(body)
    await api.run("identify", *args, **kwargs)
    (sent,) = api.bodies()
    _validated("identify", sent)
    assert sent == with_defaults("identify", body)


@pytest.mark.anyio
@given(body=voiceprint_bodies())
async def test_submit_voiceprint_sends_exactly_the_requested_body_and_it_validates(
    mode: str, wrapper_api: Any, body: dict[str, Any]
) -> None:
    """Any VoiceprintRequest the contract allows, asked for through submit_voiceprint(), is sent as is."""
    api = wrapper_api(mode)
    _job_created(api, "/v1/voiceprint")
    kwargs = {"webhook": body.get("webhook"), "webhook_status_only": body.get("webhookStatusOnly", False)}
    await api.run("submit_voiceprint", body["url"], **kwargs)
    (sent,) = api.bodies()
    _validated("voiceprint", sent)
    assert sent == with_defaults("voiceprint", body)


def _is_refused_segment(key: str) -> bool:
    return any(segment in ("", ".", "..") for segment in key.removeprefix("media://").split("/"))


@pytest.mark.anyio
@given(body=request_body("getMediaUploadUrl"), content=st.binary(min_size=1, max_size=2048))
async def test_upload_sends_the_media_key_as_is_or_refuses_it_before_any_request(
    mode: str, wrapper_api: Any, body: dict[str, Any], content: bytes
) -> None:
    """A spec-valid media key is sent as is (and the bytes PUT without the key), or refused locally for its segments."""
    api = wrapper_api(mode)
    put = _media_api(api)
    try:
        media_url = await api.run("upload", io.BytesIO(content), key=body["url"])
    except ValidationError as error:
        assert error.field == "key"
        assert _is_refused_segment(body["url"])
        assert api.requests == []
        return
    assert not _is_refused_segment(body["url"])
    assert media_url == body["url"]
    (sent,) = api.bodies()
    _validated("getMediaUploadUrl", sent)
    assert sent == body
    (upload,) = put.calls
    assert upload.request.content == content
    assert "authorization" not in upload.request.headers


@pytest.mark.anyio
@given(content=st.binary(min_size=1, max_size=4096))
async def test_identify_of_a_local_file_uploads_then_sends_its_media_url(
    mode: str, wrapper_api: Any, content: bytes
) -> None:
    """identify(file) asks for an upload URL, PUTs the bytes, then sends the media:// URL; every body validates."""
    api = wrapper_api(mode)
    put = _media_api(api)
    _job_created(api, "/v1/identify")
    await api.run("identify", io.BytesIO(content), {"John": "Sm9obg"}, media_key="meetings/call.wav")
    media_request, identify_request = api.bodies()
    _validated("getMediaUploadUrl", media_request)
    _validated("identify", identify_request)
    assert media_request == {"url": "media://meetings/call.wav"}
    assert identify_request["url"] == "media://meetings/call.wav"
    assert put.calls.last.request.content == content


def _parameter_schemas(operation_id: str) -> dict[str, Any]:
    _, _, operation = _schema.operation(operation_id)
    return {p["name"]: {**p["schema"], "components": SPEC["components"]} for p in operation["parameters"]}


@pytest.mark.anyio
@given(
    page_size=st.integers(min_value=PAGE_SIZE_MIN, max_value=PAGE_SIZE_MAX),
    status=st.none() | job_status(),
)
async def test_job_list_query_parameters_validate_against_their_schemas(
    mode: str, wrapper_api: Any, page_size: int, status: str | None
) -> None:
    """jobs() sends limit, status and the previous page's cursor as the contract's parameters say."""
    api = wrapper_api(mode)
    cursor = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    api.router.get(api.url("/v2/jobs")).mock(
        side_effect=[
            httpx.Response(200, json={"items": [], "nextCursor": cursor}),
            httpx.Response(200, json={"items": [], "nextCursor": None}),
        ]
    )
    await api.run("jobs", status, page_size=page_size)
    schemas = _parameter_schemas("getJobsByTeamV2")
    first, second = (request.url.params for request in api.requests)
    assert second["cursor"] == cursor
    for params in (first, second):
        assert int(params["limit"]) == page_size
        assert params.get("status") == status
        for name, value in params.items():
            typed = int(value) if schemas[name].get("type") == "integer" else value
            validator = Draft202012Validator(schemas[name], format_checker=FormatChecker())
            assert validator.is_valid(typed), f"{name}={value!r} breaks its parameter schema"
