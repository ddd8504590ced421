"""Logging on "pyannoteai_identify": one debug line per response, warnings for retries, never a secret."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
import respx
from clientkit import API_KEY, JOB_ID, Api, MakeApi, job_response

from pyannoteai_identify._redact import hide_secrets

pytestmark = pytest.mark.anyio

LOGGER = "pyannoteai_identify"
LINE = re.compile(r"^(GET|POST) (/\S+) -> (\d{3}) in (\d+\.\d{3}) s \(request id (\S+)\)$")


def _lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


async def test_each_response_is_logged_with_method_path_status_elapsed_and_request_id(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, a response logs "GET /v1/jobs/<id> -> 200 in 0.001 s (request id …)"."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(return_value=job_response("running", **{"X-Request-Id": "hdr-123"}))
    router.post("/v1/identify").respond(402, json={"requestId": "body-456", "message": "Payment required"})
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        await api.get_job(JOB_ID)
        with pytest.raises(Exception, match="Payment"):
            await api.identify("https://files.example.com/a.wav", {"John": "vp"})
    lines = _lines(caplog, logging.DEBUG)
    assert len(lines) == 2
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [m.groups()[:3] + m.groups()[4:] for m in parsed if m] == [
        ("GET", f"/v1/jobs/{JOB_ID}", "200", "hdr-123"),
        ("POST", "/v1/identify", "402", "body-456"),
    ]


async def test_a_response_without_a_request_id_logs_a_dash(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """No request id header and a success body: the line says "request id -"."""
    router.get("/v1/test").respond(200, json={"status": "OK", "message": "fine"})
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        await api.test()
    assert _lines(caplog, logging.DEBUG)[0].endswith("(request id -)")


async def test_retries_are_logged_as_warnings_with_the_reason_and_delay(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """Each retry logs a warning naming the request, what went wrong, and the retry number."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[httpx.Response(503), httpx.ConnectError("refused"), job_response("running")]
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await api.get_job(JOB_ID)
    warnings = _lines(caplog, logging.WARNING)
    assert len(warnings) == 2
    assert re.match(rf"^GET /v1/jobs/{JOB_ID} answered 503; retry 1 in \d+\.\d\d s$", warnings[0])
    assert re.match(rf"^GET /v1/jobs/{JOB_ID} failed \(ConnectError: refused\); retry 2 in \d+\.\d\d s$", warnings[1])


async def test_a_successful_call_is_silent_above_debug_but_for_the_job_it_billed(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """When all goes well, the only line at INFO or above is the id of a job created (billed)."""
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json={"jobId": JOB_ID, "status": "running"})
    with caplog.at_level(logging.INFO, logger=LOGGER):
        await api.identify("https://files.example.com/a.wav", {"John": "vp"})
        await api.get_job(JOB_ID)
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER] == [
        (logging.INFO, f"identify job {JOB_ID} created")
    ]


async def test_no_log_line_ever_contains_the_key_or_a_voiceprint(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """Debug logs name requests, not their headers or bodies: no key, voiceprint or webhook URL."""
    router.post("/v1/identify").mock(side_effect=[httpx.Response(500), httpx.ReadError("reset")])
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "1"}), job_response("failed", {"error": "x"})]
    )
    secret_voiceprint = "VOICEPRINT-SECRET-abc"
    webhook = "https://hooks.example.com/hook?token=WEBHOOK-SECRET"
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(2):
            with pytest.raises(Exception):  # noqa: B017 - the error types are tested elsewhere
                await api.identify("https://files.example.com/a.wav", {"John": secret_voiceprint}, webhook=webhook)
        with pytest.raises(Exception):  # noqa: B017
            await api.wait(JOB_ID)
    assert caplog.records
    for secret in (API_KEY, secret_voiceprint, "WEBHOOK-SECRET"):
        assert secret not in caplog.text


async def test_httpx_logs_the_presigned_upload_url_without_its_signature(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """httpx logs each request's URL at INFO; the query of a presigned URL is its signature, which
    would let a log reader overwrite the upload: it is hidden, and other httpx lines are untouched."""
    signed = "https://storage.example.com/bucket/a.wav?X-Signature=SIGNATURE-SECRET-123&X-Expires=600"
    router.post("/v1/media/input").respond(201, json={"url": signed})
    router.put(signed).respond(200)
    router.get("/v1/test").respond(200, json={"status": "OK", "message": "ok"})
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with caplog.at_level(logging.INFO, logger="httpx"):
        await api.upload(path)
        await api.test()
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert any("PUT https://storage.example.com/bucket/a.wav?<query hidden>" in line for line in lines)
    assert any("/v1/test" in line for line in lines)
    assert "SIGNATURE-SECRET" not in caplog.text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://x.test/a.wav", "https://x.test/a.wav"),
        ("https://x.test/a.wav?X-Signature=s1g", "https://x.test/a.wav?<query hidden>"),
        ("https://x.test/a.wav#tok", "https://x.test/a.wav?<query hidden>"),
        ("https://x.test/a?s=1#t", "https://x.test/a?<query hidden>"),
    ],
    ids=["plain", "query", "fragment-only", "query-and-fragment"],
)
def test_a_url_is_shown_without_its_query_or_its_fragment(url: str, shown: str) -> None:
    """Logs, errors and batch files show a URL through hide_secrets: a query may be a signature, and a
    fragment (never sent to a server) may hold a token too, so both go, even a fragment alone; a
    URL with neither is shown as it is."""
    assert hide_secrets(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://x.io/a.wav", "https://x.io/a.wav"),
        ("https://u:pw@x.io/a?sig=1", "https://<credentials hidden>@x.io/a?<query hidden>"),
        ("https://token@x.io", "https://<credentials hidden>@x.io"),
        ("https://x.io/p@th?q=a@b", "https://<hidden>"),  # too little rather than a password
        ("https://user:s3/cr-pw@x.io/a", "https://<credentials hidden>@x.io/a"),
        ("https://user:s3cr#t-pw@x.io", "https://<hidden>"),
        ("http://[::1/a#t", "http://[::1/a?<query hidden>"),
        ("not a url?x=1", "not a url?<query hidden>"),
        ("user:pw@api.example.com/x", "user:<credentials hidden>@api.example.com/x"),  # https:// left out
        ("https:/u:p@h/x", "https:<credentials hidden>@h/x"),
        ("mailto:a@example.com", "mailto:<credentials hidden>@example.com"),
    ],
    ids=[
        "plain",
        "password-and-query",
        "token-user",
        "at-in-path",
        "password-with-slash",
        "password-with-hash",
        "unparsable",
        "no-scheme",
        "no-scheme-with-password",
        "one-slash-scheme-with-password",
        "mailto",
    ],
)
def test_an_error_shows_a_url_without_its_query_fragment_or_credentials(url: str, shown: str) -> None:
    """hide_secrets reads the URL as text (the URL it shows may be one a parser refuses): the query
    and fragment go, and so does everything up to the last @ (a password may hold a /); an @ after
    a ? or # may be a password's as well as the query's: all after the scheme goes."""
    assert hide_secrets(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.test/x?email=ops@example.test&token=tok-SECRET",
        "https://x.test/a.wav?X-Amz-Signature=sig-SECRET&note=a@b&X-Amz-Credential=SECRET",
        "https://u:pw@x.test/a#from=a@b&token=tok-SECRET",
    ],
    ids=["at-in-query", "at-in-presigned-query", "at-in-fragment"],
)
def test_an_at_sign_in_the_query_does_not_show_the_rest_of_the_query(url: str) -> None:
    """hide_secrets cuts everything up to the last '@' before it cuts the query: an '@' inside the
    query (an e-mail address, a note) moves the cut into the query, and the '?' that marked it is
    gone with the cut, so the parameters after the '@' (a token, a signature) are shown."""
    assert "SECRET" not in hide_secrets(url), hide_secrets(url)


@pytest.mark.parametrize(
    "url",
    [
        "api.example.test/v1?key=sk-SECRET&next=https://x",
        "hooks.example.test/in?token=tok-SECRET&back=https://u@x/y",
    ],
    ids=["scheme-in-query", "scheme-and-at-in-query"],
)
def test_a_url_without_a_scheme_but_with_one_in_its_query_does_not_show_its_query(url: str) -> None:
    """A URL typed without its scheme whose query holds another URL: the '://' found was the
    query's, the text before it was taken for a scheme and shown whole, token included."""
    assert "SECRET" not in hide_secrets(url), hide_secrets(url)


async def test_each_response_record_carries_structured_fields_for_json_formatters(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """A JSON log formatter reads a record's attributes, not its message: the per-response DEBUG
    record carries method, path, status_code, elapsed and request_id as ``extra`` fields, and a
    retry WARNING the same request fields with its attempt and delay."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[
            httpx.Response(503, json={"requestId": "body-789", "message": "down"}),
            job_response("running", **{"X-Request-Id": "hdr-123"}),
        ]
    )
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        await api.get_job(JOB_ID)
    responses = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.DEBUG]
    assert [
        (r.__dict__.get("method"), r.__dict__.get("path"), r.__dict__.get("status_code"), r.__dict__.get("request_id"))
        for r in responses
    ] == [
        ("GET", f"/v1/jobs/{JOB_ID}", 503, "body-789"),
        ("GET", f"/v1/jobs/{JOB_ID}", 200, "hdr-123"),
    ]
    assert all(isinstance(r.__dict__.get("elapsed"), float) for r in responses)
    (retry,) = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert (retry.__dict__.get("method"), retry.__dict__.get("path"), retry.__dict__.get("status_code")) == (
        "GET",
        f"/v1/jobs/{JOB_ID}",
        503,
    )
    assert retry.__dict__.get("attempt") == 1
    assert isinstance(retry.__dict__.get("delay"), float)


async def test_a_retry_warning_after_an_answer_carries_its_request_id_and_elapsed_time(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """The CHANGELOG promises that each retry's WARNING carries ``elapsed`` and ``request_id`` as
    the DEBUG line does: a service logging at WARNING sees only this record of a 503, and its
    request id is what support asks for."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[
            httpx.Response(503, json={"requestId": "body-789", "message": "down"}),
            job_response("running"),
        ]
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await api.get_job(JOB_ID)
    (retry,) = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert retry.__dict__.get("request_id") == "body-789"
    assert isinstance(retry.__dict__.get("elapsed"), float)


async def test_a_retry_warning_after_a_lost_connection_carries_the_elapsed_time_too(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """Every retry WARNING carries the same fields: one after an answer (a 503) had ``elapsed``, one
    after a failure without an answer (a reset connection, a read timeout) had none, so a JSON log
    pipeline could not tell how long a request hung before it failed. It carries the seconds from
    sending to the failure, as the other carries those from sending to the answer."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[httpx.ReadTimeout("timed out"), httpx.Response(503), job_response("running")]
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await api.get_job(JOB_ID)
    lost, answered = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert lost.__dict__.get("error") == "ReadTimeout"
    assert answered.__dict__.get("status_code") == 503
    for retry in (lost, answered):
        elapsed = retry.__dict__.get("elapsed")
        assert isinstance(elapsed, float) and elapsed >= 0.0, retry.__dict__


async def test_the_presigned_upload_is_logged_at_debug_with_its_status_and_elapsed_time(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The upload is most of an identify call's time, yet the PUT to the presigned URL was the one
    request without a DEBUG line: it is logged like the others (method, status, elapsed), without
    the URL's query (its signature)."""
    signed = "https://storage.example.com/bucket/a.wav?X-Signature=SIGNATURE-SECRET-123&X-Expires=600"
    router.post("/v1/media/input").respond(201, json={"url": signed})
    router.put(signed).respond(200)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        await api.upload(path)
    puts = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.DEBUG and "PUT" in r.getMessage()]
    assert len(puts) == 1, [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert re.match(
        r"^PUT https://storage.example.com/bucket/a.wav\?<query hidden> -> 200 in \d+\.\d{3} s \(request id -\)$",
        puts[0].getMessage(),
    )
    assert puts[0].__dict__.get("status_code") == 200
    assert "SIGNATURE-SECRET" not in caplog.text


async def test_the_job_created_record_carries_the_job_id_and_kind_as_extra_fields(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """The INFO line naming a billed job is the one a service's log pipeline indexes: a JSON
    formatter finds its id in ``job_id`` (and ``kind``), as it finds ``method`` and ``path`` on
    the request lines, without parsing the message."""
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    with caplog.at_level(logging.INFO, logger=LOGGER):
        await api.identify("https://files.example.com/a.wav", {"John": "vp"})
    (created,) = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.INFO]
    assert (created.__dict__.get("job_id"), created.__dict__.get("kind")) == (JOB_ID, "identify")


async def test_a_log_record_factory_that_sets_the_same_attributes_does_not_break_a_call(
    api: Api, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """A service's record factory often stamps each record with its own ``request_id`` (a
    correlation id): ``extra`` fields of the same name make ``Logger.makeRecord`` raise KeyError,
    which must not turn a successful call into a crash; the SDK's values are kept under
    ``pyannoteai_<name>`` instead."""
    original = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = original(*args, **kwargs)
        record.request_id = "svc-corr-1"
        return record

    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    router.get(f"/v1/jobs/{JOB_ID}").mock(return_value=job_response("running", **{"X-Request-Id": "hdr-123"}))
    logging.setLogRecordFactory(factory)
    try:
        with caplog.at_level(logging.DEBUG, logger=LOGGER):
            await api.identify("https://files.example.com/a.wav", {"John": "vp"})
            await api.get_job(JOB_ID)
    finally:
        logging.setLogRecordFactory(original)
    (line,) = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.DEBUG and "GET" in r.getMessage()]
    assert line.__dict__["request_id"] == "svc-corr-1"
    assert line.__dict__.get("pyannoteai_request_id") == "hdr-123"
    assert line.__dict__.get("status_code") == 200


async def test_a_failed_poll_warning_carries_the_job_id_and_the_answer_as_extra_fields(
    make_api: MakeApi, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """README: retries log at WARNING and "these records carry the same as extra fields". The
    WARNING of a poll that failed ("polling job <id>: HTTP 503: ...; will keep waiting") carried
    none: a JSON log pipeline could not group a wait's failures by job_id nor find their
    request_id and status_code, though it is the only record of them a service logging at
    WARNING keeps (the retries inside get_job are spent by then)."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[
            httpx.Response(503, json={"requestId": "body-503", "message": "down"}),
            job_response("succeeded", {"diarization": []}),
        ]
    )
    api = make_api(max_retries=0)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await api.wait(JOB_ID, kind="diarization", timeout=600)
    (record,) = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert record.getMessage().startswith(f"polling job {JOB_ID}: "), record.getMessage()
    fields = {name: record.__dict__.get(name) for name in ("job_id", "status_code", "request_id", "error")}
    assert fields == {"job_id": JOB_ID, "status_code": 503, "request_id": "body-503", "error": "ServerError"}
