"""Every operation over real HTTP: auth, validation, uploads, job lifecycle, retention and paging.

The ``client`` fixture checks each response against openapi.yaml (status, body and headers).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import httpx
import pytest
from sandboxkit import TLS, finished, upload

from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.sandbox import Sandbox, demo_audio, synthesize_speech, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox._app import operation_ids

# The limits the contract sets, read from it so that a change of openapi.yaml changes the test too.
_SCHEMAS = SPEC["components"]["schemas"]
_MAX_THRESHOLD = _SCHEMAS["Matching"]["properties"]["threshold"]["maximum"]
_MIN_THRESHOLD = _SCHEMAS["Matching"]["properties"]["threshold"]["minimum"]
_MAX_VOICEPRINTS = _SCHEMAS["IdentifyRequest"]["properties"]["voiceprints"]["maxItems"]
_MAX_LABEL = _SCHEMAS["Voiceprint"]["properties"]["label"]["maxLength"]
_MAX_VOICEPRINT = _SCHEMAS["Voiceprint"]["properties"]["voiceprint"]["maxLength"]


def _voiceprints(*names: str) -> list[dict[str, str]]:
    return [{"label": name, "voiceprint": voiceprint_for(name)} for name in names]


def test_every_operation_of_the_contract_is_served(sandbox: Sandbox) -> None:
    """The app routes each path+method of openapi.yaml to its operation."""
    served = {(route.path, next(iter(route.methods - {"HEAD"}))) for route in sandbox.app.routes}  # type: ignore[attr-defined]
    for path, item in SPEC["paths"].items():
        for method in item:
            assert (path, method.upper()) in served
    assert sorted(operation_ids()) == sorted(
        op["operationId"] for item in SPEC["paths"].values() for op in item.values()
    )


def test_test_key_answers_ok_with_rate_limit_headers(client: httpx.Client) -> None:
    """GET /v1/test with the key answers 200 and the rate-limit headers."""
    response = client.get("/v1/test")
    assert response.status_code == 200
    assert response.json() == {"status": "OK", "message": "Test connection successful"}
    assert response.headers["X-RateLimit-Limit"] == "100"
    assert response.headers["X-RateLimit-Remaining"] == "99"


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-key", "Basic c2FuZGJveC1rZXk=", "Bearer", "sandbox-key"], ids=str
)
def test_a_missing_or_wrong_key_is_401_on_every_operation(
    sandbox: Sandbox, anonymous: httpx.Client, authorization: str | None
) -> None:
    """Without the right bearer key every operation answers 401 with an ApiError body and
    ``WWW-Authenticate: Bearer``."""
    if authorization:
        anonymous.headers["Authorization"] = authorization
    for response in (
        anonymous.get("/v1/test"),
        anonymous.post("/v1/media/input", json={"url": "media://a"}),
        anonymous.post("/v1/voiceprint", json={"url": "media://a"}),
        anonymous.post("/v1/identify", json={"url": "media://a", "voiceprints": _voiceprints("Bob")}),
        anonymous.get(f"/v1/jobs/{uuid.uuid4()}"),
        anonymous.get("/v2/jobs"),
    ):
        assert response.status_code == 401
        assert set(response.json()) == {"requestId", "message"}
        assert response.headers["WWW-Authenticate"] == "Bearer"  # RFC 6750: the scheme to use
    assert sandbox.stats.submissions == 0


def test_the_key_is_compared_exactly(sandbox: Sandbox, anonymous: httpx.Client) -> None:
    """A key that differs only by case or a suffix is refused; the scheme's case does not matter."""
    for key in (sandbox.api_key.upper(), sandbox.api_key + "x"):
        assert anonymous.get("/v1/test", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    ok = anonymous.get("/v1/test", headers={"Authorization": f"bearer {sandbox.api_key}"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        (
            "/v1/identify",
            {"voiceprints": [{"label": "SPEAKER_01", "voiceprint": ""}], "numSpeakers": 3},
            [
                ("numSpeakers", "Must be one of: 1, 2"),
                ("url", "Required"),
                ("voiceprints[0].label", "Must match the pattern ^(?![Ss][Pp][Ee][Aa][Kk][Ee][Rr]_)"),
                ("voiceprints[0].voiceprint", "Must not be empty"),
            ],
        ),
        (
            "/v1/identify",
            {"url": "media://a", "voiceprints": [], "matching": {"threshold": _MAX_THRESHOLD + 1, "exclusive": "yes"}},
            [
                ("matching.exclusive", "Must be a boolean or null"),
                ("matching.threshold", f"Must be from {_MIN_THRESHOLD} to {_MAX_THRESHOLD}"),
                ("voiceprints", "Must have at least 1 item"),
            ],
        ),
        (
            "/v1/identify",
            {"url": "media://a", "voiceprints": _voiceprints("A") * (_MAX_VOICEPRINTS + 1)},
            [("voiceprints", f"Must have at most {_MAX_VOICEPRINTS} items")],
        ),
        (
            "/v1/identify",
            {
                "url": "media://a",
                "voiceprints": [{"label": "x" * (_MAX_LABEL + 1), "voiceprint": "v" * (_MAX_VOICEPRINT + 1)}],
            },
            [
                ("voiceprints[0].label", f"Must be at most {_MAX_LABEL} characters long"),
                ("voiceprints[0].voiceprint", f"Must be at most {_MAX_VOICEPRINT} characters long"),
            ],
        ),
        (
            "/v1/voiceprint",
            {"url": 5, "webhookStatusOnly": "no"},
            [("url", "Must be a string"), ("webhookStatusOnly", "Must be a boolean")],
        ),
        (
            "/v1/media/input",
            {"url": "https://example.com/a.wav"},
            [("url", "Must match the pattern ^media://[a-zA-Z0-9\\-_./]+$")],
        ),
        ("/v1/media/input", {"url": "media://" + "a" * 250}, [("url", "Must be at most 255 characters long")]),
        ("/v1/media/input", [], [("body", "Must be an object")]),
    ],
    ids=[
        "identify-fields",
        "identify-matching",
        "identify-too-many",
        "identify-lengths",
        "voiceprint",
        "media-pattern",
        "media-length",
        "not-object",
    ],
)
def test_invalid_bodies_get_400_with_readable_field_errors(
    client: httpx.Client, sandbox: Sandbox, path: str, body: object, errors: list[tuple[str, str]]
) -> None:
    """Each rule of the contract broken by a body is reported as {field, message}, fields as paths."""
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid request", "errors": [{"field": f, "message": m} for f, m in errors]}
    assert sandbox.stats.submissions == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Required: a JSON object"),
        (b"{not json", "Must be valid JSON"),
        (b'{"url": NaN}', "Must be valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "Must be valid JSON"),
    ],
    ids=["empty", "broken", "nan", "nested-past-the-parser"],
)
def test_bodies_that_are_not_json_get_400(client: httpx.Client, content: bytes, message: str) -> None:
    """An empty or non-JSON body (NaN included, or nested deeper than Python's parser goes) is a
    400 on the body itself, not a 500. 100,000 levels: 3,000 parse on Python 3.13."""
    response = client.post("/v1/voiceprint", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": message}]


def test_query_parameters_are_validated(client: httpx.Client) -> None:
    """limit, cursor and status of GET /v2/jobs are checked against their schemas."""
    response = client.get("/v2/jobs", params={"limit": "0", "cursor": "abc", "status": "done"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"limit", "cursor", "status"}


@pytest.mark.parametrize("limit", ["1_0", "\uff15", "\u0663", " 5", "+5"])
def test_an_integer_query_parameter_takes_ascii_digits_only(client: httpx.Client, limit: str) -> None:
    """int() would read "1_0", full-width and Arabic-Indic digits; a query of the API is plain digits."""
    response = client.get("/v2/jobs", params={"limit": limit})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]


@pytest.mark.parametrize("url", ["media://abc\n", "media://abc\n\n"])
def test_a_media_key_with_a_trailing_newline_breaks_the_pattern(client: httpx.Client, url: str) -> None:
    """The contract's pattern ends with $, which JSON Schema reads as ECMA-262 does: the very end."""
    response = client.post("/v1/media/input", json={"url": url})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["url"]


@pytest.mark.parametrize("url", ["http://localhost:abc/a.wav", "http://127.0.0.1/a\x00.wav"])
def test_a_loopback_url_httpx_cannot_parse_fails_the_job_instead_of_the_request(
    client: httpx.Client, sandbox: Sandbox, url: str
) -> None:
    """The submission is accepted (the contract only asks for a string) and the job fails with
    "Could not load audio", as for any audio the sandbox cannot read; it used to answer 500."""
    response = client.post("/v1/voiceprint", json={"url": url})
    assert response.status_code == 200
    job = finished(sandbox, client, response.json()["jobId"])
    assert job["output"] == {"error": "Could not load audio"}
    assert client.get("/v2/jobs", params={"limit": "ten"}).json()["errors"] == [
        {"field": "limit", "message": "Must be an integer"}
    ]
    foreign = client.get("/v2/jobs", params={"cursor": str(uuid.uuid4())})
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("limit", ["-1", "0", "101", "-100"])
def test_a_limit_out_of_range_is_named_with_the_contract_bounds(client: httpx.Client, limit: str) -> None:
    """-1 is an integer out of range, not "Must be an integer": the message gives the spec's bounds."""
    schema = next(p for p in SPEC["paths"]["/v2/jobs"]["get"]["parameters"] if p["name"] == "limit")["schema"]
    assert client.get("/v2/jobs", params={"limit": limit}).json()["errors"] == [
        {"field": "limit", "message": f"Must be from {schema['minimum']} to {schema['maximum']}"}
    ]


def test_upload_then_identify_finds_the_synthesised_speakers(client: httpx.Client, sandbox: Sandbox) -> None:
    """Presigned upload, media:// identify, then the result names the right speaker at the right times."""
    url = upload(client, "meetings/demo.wav", demo_audio())
    created = client.post("/v1/identify", json={"url": url, "voiceprints": _voiceprints("Alice", "Bob")})
    assert created.status_code == 200 and created.json()["status"] == "created"
    job = finished(sandbox, client, created.json()["jobId"])
    assert job["status"] == "succeeded"
    assert [(s["speaker"], s["start"], s["end"]) for s in job["output"]["identification"]] == [
        ("Alice", 0.5, 3.2),
        ("Bob", 3.6, 6.0),
        ("Alice", 6.0, 7.4),
        ("Bob", 8.0, 11.5),
    ]


def test_different_uploads_give_different_identifications(client: httpx.Client, sandbox: Sandbox) -> None:
    """Two different recordings give two different, correct results (no canned answer)."""
    first = upload(client, "a.wav", synthesize_speech([("Bob", 0, 2), ("Alice", 2.5, 4)]))
    second = upload(client, "b.wav", synthesize_speech([("Alice", 1, 1.5)]))
    results = []
    for url in (first, second):
        job_id = client.post("/v1/identify", json={"url": url, "voiceprints": _voiceprints("Alice", "Bob")}).json()[
            "jobId"
        ]
        output = finished(sandbox, client, job_id)["output"]
        results.append([(s["speaker"], s["start"], s["end"]) for s in output["identification"]])
    assert results == [[("Bob", 0.0, 2.0), ("Alice", 2.5, 4.0)], [("Alice", 1.0, 1.5)]]


def test_voiceprint_job_then_identify_with_its_voiceprint(client: httpx.Client, sandbox: Sandbox) -> None:
    """A voiceprint made by a job identifies the same voice in another recording."""
    enrolled = upload(client, "enrol/sam.wav", voice_sample("Sam", 5.0))
    job = finished(sandbox, client, client.post("/v1/voiceprint", json={"url": enrolled}).json()["jobId"])
    voiceprint = job["output"]["voiceprint"]
    meeting = upload(client, "meeting.wav", synthesize_speech([("Rick", 0, 1), ("Sam", 1.5, 3)]))
    created = client.post(
        "/v1/identify", json={"url": meeting, "voiceprints": [{"label": "Samantha", "voiceprint": voiceprint}]}
    )
    output = finished(sandbox, client, created.json()["jobId"])["output"]
    assert [s["match"] for s in output["identification"]] == [None, "Samantha"]


def test_job_moves_from_created_to_running_to_succeeded_on_the_clock(client: httpx.Client, sandbox: Sandbox) -> None:
    """Status is created for queue_seconds, then running for job_seconds, then the outcome."""
    url = upload(client, "s.wav", voice_sample("Bob", 1.0))
    job_id = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    timing = sandbox.timing
    seen = [client.get(f"/v1/jobs/{job_id}").json()]
    sandbox.advance(timing.real(timing.queue_seconds) + 1e-6)
    seen.append(client.get(f"/v1/jobs/{job_id}").json())
    sandbox.advance(timing.real(timing.job_seconds))
    seen.append(client.get(f"/v1/jobs/{job_id}").json())
    assert [s["status"] for s in seen] == ["created", "running", "succeeded"]
    assert ["output" in s for s in seen] == [False, False, True]
    created, running, done = (datetime.fromisoformat(s["updatedAt"]) for s in seen)
    assert created < running < done
    assert len({s["createdAt"] for s in seen}) == 1


def test_audio_the_sandbox_cannot_load_fails_the_job(client: httpx.Client, sandbox: Sandbox) -> None:
    """Non-WAV media, missing media and internet URLs fail with output.error 'Could not load audio'."""
    not_wav = upload(client, "song.mp3", b"ID3\x04\x00 an mp3")
    for url in (not_wav, "media://never-uploaded", "https://example.com/meeting.wav", "ftp://127.0.0.1/a.wav"):
        job_id = client.post("/v1/identify", json={"url": url, "voiceprints": _voiceprints("Bob")}).json()["jobId"]
        job = finished(sandbox, client, job_id)
        assert (job["status"], job["output"]) == ("failed", {"error": "Could not load audio"})


def test_audio_served_by_the_sandbox_itself_or_a_loopback_server_is_loaded(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    """A job may point at the sandbox's /_media/ URL, or at any loopback HTTP server."""
    upload(client, "calls/one.wav", voice_sample("Bob", 2.0))
    for url in (
        f"{sandbox.base_url}/_media/calls/one.wav",
        f"http://localhost:{sandbox.base_url.rsplit(':', 1)[1]}/_media/calls/one.wav",
    ):
        job = finished(sandbox, client, client.post("/v1/voiceprint", json={"url": url}).json()["jobId"])
        assert job["status"] == "succeeded", url
    assert sandbox.stats.requests["media"] == 1  # the localhost URL was fetched; its own URL was not


def test_unknown_job_is_404(client: httpx.Client) -> None:
    """GET of a job id the sandbox never issued answers 404 with an ApiError."""
    response = client.get(f"/v1/jobs/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "not found" in response.json()["message"].lower()


def test_results_expire_after_retention(client: httpx.Client, sandbox: Sandbox) -> None:
    """retention_seconds after it ends a job answers 404 and leaves the job list."""
    url = upload(client, "r.wav", voice_sample("Bob", 1.0))
    job_id = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    finished(sandbox, client, job_id)
    sandbox.advance(sandbox.timing.real(sandbox.timing.retention_seconds) - 1)
    assert client.get(f"/v1/jobs/{job_id}").status_code == 200
    sandbox.advance(1)
    assert client.get(f"/v1/jobs/{job_id}").status_code == 404
    assert client.get("/v2/jobs").json() == {"items": [], "nextCursor": None}


def test_uploads_expire_after_retention(client: httpx.Client, sandbox: Sandbox) -> None:
    """Uploaded media is kept for retention_seconds; a job on expired media cannot load it."""
    url = upload(client, "old.wav", voice_sample("Bob", 1.0))
    sandbox.advance(sandbox.timing.real(sandbox.timing.retention_seconds))
    job = finished(sandbox, client, client.post("/v1/voiceprint", json={"url": url}).json()["jobId"])
    assert job["output"] == {"error": "Could not load audio"}


@pytest.mark.sandbox(rate_limit=0)
def test_jobs_are_listed_newest_first_by_cursor(client: httpx.Client, sandbox: Sandbox) -> None:
    """GET /v2/jobs pages through every job, newest first, and nextCursor is null on the last page."""
    url = upload(client, "p.wav", voice_sample("Bob", 0.5))
    ids = [client.post("/v1/voiceprint", json={"url": url}).json()["jobId"] for _ in range(23)]
    pages, cursor = [], None
    while True:
        params = {"limit": "10"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v2/jobs", params=params).json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [10, 10, 3]
    assert [job_id for page in pages for job_id in page] == ids[::-1]
    assert len(client.get("/v2/jobs").json()["items"]) == 10  # the default limit


@pytest.mark.sandbox(rate_limit=0)
def test_a_page_that_ends_on_the_last_matching_job_has_no_cursor(client: httpx.Client, sandbox: Sandbox) -> None:
    """With exactly two pages of matching jobs, the second has nextCursor null; the filter holds across pages."""
    url = upload(client, "e.wav", voice_sample("Bob", 0.5))
    sandbox.faults.fail_next_job("boom")
    failed_id = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    ids = [client.post("/v1/voiceprint", json={"url": url}).json()["jobId"] for _ in range(4)]
    for job_id in [failed_id, *ids]:
        finished(sandbox, client, job_id)
    first = client.get("/v2/jobs", params={"limit": "2", "status": "succeeded"}).json()
    assert [item["id"] for item in first["items"]] == ids[:1:-1] and first["nextCursor"] is not None
    params = {"limit": "2", "status": "succeeded", "cursor": first["nextCursor"]}
    second = client.get("/v2/jobs", params=params).json()
    assert [item["id"] for item in second["items"]] == ids[1::-1] and second["nextCursor"] is None


@pytest.mark.sandbox(rate_limit=0)
def test_jobs_can_be_listed_by_status(client: httpx.Client, sandbox: Sandbox) -> None:
    """status= keeps only jobs in that status, as of now."""
    url = upload(client, "q.wav", voice_sample("Bob", 0.5))
    sandbox.faults.fail_next_job("boom")
    failed_id = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    ok_id = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    assert [i["id"] for i in client.get("/v2/jobs", params={"status": "created"}).json()["items"]] == [ok_id, failed_id]
    finished(sandbox, client, ok_id)
    assert [i["id"] for i in client.get("/v2/jobs", params={"status": "failed"}).json()["items"]] == [failed_id]
    assert [i["id"] for i in client.get("/v2/jobs", params={"status": "succeeded"}).json()["items"]] == [ok_id]
    assert client.get("/v2/jobs", params={"status": "running"}).json()["items"] == []


@pytest.mark.sandbox(max_upload_bytes=1000)
def test_presigned_put_needs_a_live_token_and_respects_the_size_cap(
    sandbox: Sandbox, client: httpx.Client, anonymous: httpx.Client
) -> None:
    """PUT to an unknown token is 403, and so is a live token on another object's path; an upload
    over max_upload_bytes is 413 and stores nothing."""
    assert anonymous.put("/_upload/big?X-Signature=not-a-token", content=b"x").status_code == 403
    target = client.post("/v1/media/input", json={"url": "media://big"}).json()["url"]
    assert anonymous.put(target.replace("/_upload/big?", "/_upload/other?"), content=b"x").status_code == 403
    assert anonymous.put(target, content=b"x" * 1001).status_code == 413
    chunks = (b"x" * 400 for _ in range(3))  # streamed, no Content-Length
    assert anonymous.put(target, content=chunks).status_code == 413
    assert sandbox.state.media("big") is None
    assert anonymous.put(target, content=b"x" * 1000).status_code == 200
    assert sandbox.state.media("big") == b"x" * 1000


@pytest.mark.parametrize("key", ["a/../b.wav", "./call.wav", "calls/./call.wav", "x/..", ".."])
def test_presigned_put_takes_a_key_with_dot_segments(
    sandbox: Sandbox, client: httpx.Client, anonymous: httpx.Client, key: str
) -> None:
    """The contract's media key pattern allows ``.`` and ``/``, so ``..`` and ``.`` segments: its
    presigned URL stores the upload under that very key, as an HTTP client that removes dot segments
    from a path (httpx does, RFC 3986) sends it."""
    target = client.post("/v1/media/input", json={"url": f"media://{key}"}).json()["url"]
    assert anonymous.put(target, content=b"RIFF").status_code == 200
    assert sandbox.state.media(key) == b"RIFF"


def test_unknown_paths_and_methods_answer_json(anonymous: httpx.Client) -> None:
    """A path outside the API is a JSON 404; a wrong method a JSON 405 with the ``Allow`` header
    RFC 9110 requires (the methods the path has)."""
    missing = anonymous.get("/v1/diarize")
    assert (missing.status_code, missing.json()["message"]) == (404, "Not found")
    wrong = anonymous.delete("/v1/test")
    assert (wrong.status_code, wrong.json()["message"]) == (405, "Method not allowed")
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "HEAD"}  # a GET route answers HEAD too
    assert anonymous.get("/v1/identify").headers["Allow"] == "POST"


def test_labels_with_any_unicode_are_echoed_as_valid_json(client: httpx.Client, sandbox: Sandbox) -> None:
    """Labels with non-ASCII text or lone surrogates round-trip into the result as valid JSON."""
    url = upload(client, "u.wav", voice_sample("Bob", 1.0))
    label = "Zoë \ud800 陈"
    body = {"url": url, "voiceprints": [{"label": label, "voiceprint": voiceprint_for("Bob")}]}
    content = json.dumps(body)  # ASCII escapes: a lone surrogate cannot be UTF-8 encoded
    job_id = client.post("/v1/identify", content=content, headers={"Content-Type": "application/json"}).json()["jobId"]
    assert finished(sandbox, client, job_id)["output"]["identification"][0]["match"] == label


def test_stats_count_every_request_per_operation(client: httpx.Client, sandbox: Sandbox) -> None:
    """stats.requests counts requests per operationId (refused ones too); submissions counts jobs."""
    client.get("/v1/test")
    client.post("/v1/identify", json={"voiceprints": []})  # 400: counted, no job
    url = upload(client, "c.wav", voice_sample("Bob", 0.5))
    client.post("/v1/identify", json={"url": url, "voiceprints": _voiceprints("Bob")})
    assert sandbox.stats.requests == {"testKey": 1, "identify": 2, "getMediaUploadUrl": 1, "upload": 1}
    assert sandbox.stats.submissions == 1


def test_the_stats_repr_shows_the_counts() -> None:
    """sandbox.stats prints what it counted, not <Stats object at 0x…>."""
    from pyannoteai_identify.sandbox._stats import Stats

    stats = Stats()
    stats.count_request("identify")
    stats.count_submission()
    assert repr(stats) == "Stats(requests={'identify': 1}, submissions=1, deliveries=0)"


def test_a_refused_sandbox_can_be_shown_in_a_traceback_with_locals() -> None:
    """Sandbox(port=-1) is refused in __init__, where the half-built sandbox is a local: its repr, which
    capture_locals=True (unittest --locals) calls, must not raise in place of the refusal."""
    import traceback

    with pytest.raises(ValueError) as caught:
        Sandbox(port=-1)
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "<Sandbox not serving>" in text


def test_the_apps_shared_context_shows_no_key(sandbox: Sandbox) -> None:
    """The handlers' AppContext (a dataclass) leaves the key out of its repr: a user-chosen key may be real."""
    from pyannoteai_identify.sandbox._app import AppContext

    key = "sk-team-real-looking-key-0123456789"
    context = AppContext(
        state=sandbox.state,
        faults=sandbox.faults,
        stats=sandbox.stats,
        limiter=sandbox.limiter,
        dispatcher=sandbox.dispatcher,
        runner=sandbox.runner,
        api_key=key,
        max_upload_bytes=1,
    )
    assert key not in repr(context)
    assert context.api_key == key


def test_a_presigned_put_with_an_authorization_header_is_refused_as_by_storage_and_the_mock(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    """A presigned URL carries its own signature: storage refuses a second auth mechanism (S3 answers
    400 "Only one auth mechanism allowed"), and the testing plugin's mock answers 400. A consumer
    that PUTs through a client with the API key as a default header must fail here, not first in
    production, after sending its key to the storage host."""
    target = client.post("/v1/media/input", json={"url": "media://keyed.wav"}).json()["url"]
    put = httpx.put(target, content=b"x" * 10, headers={"Authorization": f"Bearer {sandbox.api_key}"}, verify=TLS)
    assert put.status_code == 400
    assert sandbox.state.media("keyed.wav") is None
