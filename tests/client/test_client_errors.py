"""Error statuses map to precise exceptions with status, request id and message; the key never leaks."""

from __future__ import annotations

import logging
import traceback
from email.utils import formatdate
from typing import Any

import httpx
import pytest
import respx
from clientkit import API_KEY, JOB_ID, Api, MakeApi

from pyannoteai_identify import (
    APIError,
    AuthenticationError,
    BadRequestError,
    InvalidResponseError,
    NotFoundError,
    PaymentRequiredError,
    PyannoteAIError,
    RateLimitError,
    ServerError,
)
from pyannoteai_identify.errors import FieldError

pytestmark = pytest.mark.anyio

URL = "https://files.example.com/meeting.wav"
JOB_PATH = f"/v1/jobs/{JOB_ID}"


def _api_error(status: int, message: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"requestId": f"req-{status}", "message": message, **extra})


@pytest.mark.parametrize(
    ("status", "error_type", "attempts"),
    [
        (400, BadRequestError, 1),
        (401, AuthenticationError, 1),
        (402, PaymentRequiredError, 1),
        (404, NotFoundError, 1),
        (429, RateLimitError, 4),
        (500, ServerError, 1),
        (502, ServerError, 4),
        (503, ServerError, 4),
        (504, ServerError, 4),
        (418, APIError, 1),
    ],
)
async def test_each_error_status_maps_to_its_exception(
    api: Api, router: respx.Router, status: int, error_type: type[APIError], attempts: int
) -> None:
    """Each status raises its APIError subclass (after the retries for transient ones) with status, id, message."""
    route = router.get(JOB_PATH).mock(side_effect=lambda request: _api_error(status, f"problem {status}"))
    with pytest.raises(APIError) as caught:
        await api.get_job(JOB_ID)
    error = caught.value
    assert type(error) is error_type
    assert (error.status_code, error.request_id, error.message) == (status, f"req-{status}", f"problem {status}")
    assert f"HTTP {status}" in str(error) and f"req-{status}" in str(error)
    assert route.call_count == attempts


async def test_bad_request_carries_the_api_field_errors(api: Api, router: respx.Router) -> None:
    """A 400 ValidationErrorResponse becomes BadRequestError.field_errors, also shown in the message."""
    router.post("/v1/identify").respond(
        400,
        json={
            "message": "Invalid request",
            "errors": [{"field": "url", "message": "Invalid URL"}, {"field": "voiceprints.0", "message": "Bad"}],
        },
    )
    with pytest.raises(BadRequestError) as caught:
        await api.identify(URL, {"John": "vp"})
    assert caught.value.field_errors == (FieldError("url", "Invalid URL"), FieldError("voiceprints.0", "Bad"))
    assert "url: Invalid URL" in str(caught.value)
    assert caught.value.message == "Invalid request"
    assert caught.value.request_id is None


async def test_authentication_error_says_which_setting_to_check(api: Api, router: respx.Router) -> None:
    """A 401 message points at PYANNOTEAI_API_KEY (and never shows the key)."""
    router.get("/v1/test").respond(401, json={"message": "Unauthorized"})
    with pytest.raises(AuthenticationError) as caught:
        await api.test()
    assert "PYANNOTEAI_API_KEY" in str(caught.value)
    assert API_KEY not in str(caught.value)


async def test_payment_required_explains_the_budget(api: Api, router: respx.Router) -> None:
    """A 402 on identify says a subscription or budget is the problem."""
    router.post("/v1/identify").respond(402, json={"requestId": "r-402", "message": "Payment required"})
    with pytest.raises(PaymentRequiredError, match="subscription") as caught:
        await api.identify(URL, {"John": "vp"})
    assert caught.value.request_id == "r-402"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("12", 12.0), ("0.5", 0.5), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("inf", None), ("1e400", None)],
)
async def test_rate_limit_error_carries_retry_after(
    api: Api, router: respx.Router, header: str, seconds: float | None
) -> None:
    """A 429 on identify (never retried) gives RateLimitError.retry_after from the header; an
    infinite one is no wait to follow (``time.sleep(inf)`` raises OverflowError, the message said
    "Retry after inf s"): None, as for any other Retry-After that is not a wait."""
    router.post("/v1/identify").respond(
        429, json={"requestId": "r", "message": "Too many requests"}, headers={"Retry-After": header}
    )
    with pytest.raises(RateLimitError) as caught:
        await api.identify(URL, {"John": "vp"})
    assert caught.value.retry_after == seconds
    assert caught.value.headers["retry-after"] == header


async def test_an_error_message_stays_short_whatever_the_size_of_the_body_it_comes_from(
    api: Api, router: respx.Router
) -> None:
    """A non-JSON error body is cut to 200 characters in the message, but a JSON ``message``,
    ``requestId`` or field error went into ``str(error)`` whole: a proxy or a broken API answering
    a 1 MB message made a 1 MB exception, logged whole by wait() at every failed poll and printed
    by the CLI. The message stays a line long; the whole body is still in ``error.body``."""
    huge = "x" * 1_000_000
    router.get(JOB_PATH).respond(503, json={"message": huge, "requestId": "r" * 1_000_000})
    router.post("/v1/identify").respond(400, json={"message": "bad", "errors": [{"field": "url", "message": huge}] * 5})
    with pytest.raises(ServerError) as server:
        await api.get_job(JOB_ID)
    with pytest.raises(BadRequestError) as bad:
        await api.identify(URL, {"John": "vp"})
    for error in (server.value, bad.value):
        assert len(str(error)) < 2_000, len(str(error))
        assert huge.encode() in error.body


async def test_an_error_without_a_json_body_keeps_its_text(api: Api, router: respx.Router) -> None:
    """A proxy's HTML or text error page becomes the message; the status still decides the class."""
    router.post("/v1/identify").respond(502, text="Bad Gateway from proxy")
    with pytest.raises(ServerError, match="Bad Gateway from proxy") as caught:
        await api.identify(URL, {"John": "vp"})
    assert caught.value.request_id is None


async def test_a_long_non_json_error_body_is_cut_short_in_the_message(api: Api, router: respx.Router) -> None:
    """A proxy's 10 kB HTML error page is not pasted whole into the exception's message: its start
    is (the whole body stays on the error's ``body``)."""
    page = "<html>" + "x" * 10_000 + "</html>"
    router.get(JOB_PATH).respond(404, text=page)
    with pytest.raises(APIError) as caught:
        await api.get_job(JOB_ID)
    assert caught.value.message.startswith("<html>xxx") and len(caught.value.message) <= 200
    assert caught.value.body == page.encode()


async def test_an_error_body_nested_too_deeply_to_parse_still_gives_the_status_error(
    api: Api, router: respx.Router
) -> None:
    """A 404 whose body is 100,000 nested arrays raises NotFoundError (the body is kept raw), not RecursionError."""
    body = b"[" * 100_000 + b"]" * 100_000
    router.get("/v1/jobs/gone").respond(404, content=body, headers={"Content-Type": "application/json"})
    with pytest.raises(NotFoundError) as caught:
        await api.get_job("gone")
    assert caught.value.body == body


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, content=b"{not json", headers={"Content-Type": "application/json"}),
        httpx.Response(200, content=b""),
        httpx.Response(200, json={"status": "created"}),
        httpx.Response(200, json=["jobId"]),
        httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}),
    ],
    ids=["html", "not-json", "empty", "no-job-id", "array", "100k-nested-arrays"],
)
async def test_a_success_that_breaks_the_contract_is_an_invalid_response(
    api: Api, router: respx.Router, response: httpx.Response
) -> None:
    """Non-JSON, empty or incomplete 200 bodies raise InvalidResponseError, an APIError with the status."""
    router.post("/v1/identify").mock(return_value=response)
    with pytest.raises(InvalidResponseError) as caught:
        await api.identify(URL, {"John": "vp"})
    assert caught.value.status_code == 200


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/vnd.pyannote+json"]
)
async def test_a_json_body_is_read_whatever_json_media_type_labels_it(
    api: Api, router: respx.Router, content_type: str
) -> None:
    """A JSON answer is read whether its media type has parameters, another case, or is a structured
    ``+json`` type (RFC 6839), as a gateway or proxy in front of the API may relabel it."""
    body = b'{"jobId": "%s", "status": "running"}' % JOB_ID.encode()
    router.get(JOB_PATH).respond(200, content=body, headers={"Content-Type": content_type})
    job = await api.get_job(JOB_ID)
    assert job.id == JOB_ID and job.status == "running"


async def test_the_key_appears_in_no_exception_repr_or_log_line(
    make_api: MakeApi, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    """Across API errors, retries and lost connections, the key is in no message, repr, traceback or log."""
    api = make_api()
    router.get(JOB_PATH).mock(side_effect=lambda request: _api_error(503, "down"))
    router.get("/v1/test").mock(side_effect=httpx.ConnectError("refused"))
    router.post("/v1/identify").mock(side_effect=httpx.ReadError("reset"))
    router.get("/v1/jobs/gone").respond(401, json={"requestId": "r", "message": "bad key"})
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        for attempt in (
            api.get_job(JOB_ID),
            api.test(),
            api.identify(URL, {"John": "vp"}),
            api.get_job("gone"),
            api.wait("gone", timeout=5),
        ):
            with pytest.raises(PyannoteAIError) as caught:
                await attempt
            errors.append(caught.value)
    assert caplog.records, "expected debug and warning lines"
    texts = [caplog.text, repr(api.client)]
    for error in errors:
        texts += [str(error), repr(error), "".join(traceback.format_exception(error)), repr(vars(error))]
    for text in texts:
        assert API_KEY not in text


@pytest.mark.parametrize("status", [300, 301, 302, 303, 307, 308])
async def test_a_redirect_is_not_followed_and_its_error_names_where_it_points(
    api: Api, router: respx.Router, status: int
) -> None:
    """A 3xx is an APIError whose message names the Location (without its query) and says to check the
    base URL: the SDK does not follow it, so that the key is sent to the configured API only."""
    location = "https://elsewhere.example.com/v1/jobs/x?token=s3cret"
    route = router.get(JOB_PATH).respond(status, headers={"Location": location}, text="Moved")
    with pytest.raises(APIError) as caught:
        await api.get_job(JOB_ID)
    message = str(caught.value)
    assert "https://elsewhere.example.com/v1/jobs/x" in message
    assert "s3cret" not in message
    assert "PYANNOTEAI_BASE_URL" in message
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": {"a": 1}, "message": "valid"}, "status"),
        ({"status": "OK", "message": None}, "message"),
        ({"status": 3, "message": "valid"}, "status"),
        ({"message": "valid"}, "status: expected a string, it is missing"),
    ],
)
async def test_a_key_status_of_the_wrong_type_names_the_field(
    api: Api, router: respx.Router, body: dict[str, Any], field: str
) -> None:
    """test() refuses a status or message that is not text with InvalidResponseError naming it, rather
    than showing a dict's or None's repr as the API's words."""
    router.get("/v1/test").respond(200, json=body)
    with pytest.raises(InvalidResponseError, match=field):
        await api.test()


async def test_a_redirect_to_a_long_location_never_shows_its_credentials(api: Api, router: respx.Router) -> None:
    """The Location is cut to 300 characters before its secrets are hidden: a ``user:password@`` longer
    than that loses its ``@`` to the cut, so hide_secrets sees no credentials and the error shows
    the first 290 characters of the password (a proxy's redirect carrying a token as its user)."""
    location = "https://apikey:" + "s3cret" * 60 + "@elsewhere.example.com/v1/jobs/x"
    router.get(JOB_PATH).respond(302, headers={"Location": location}, text="Found")
    with pytest.raises(APIError) as caught:
        await api.get_job(JOB_ID)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error_type"), [(403, APIError), (502, ServerError), (401, AuthenticationError)], ids=str
)
async def test_an_html_error_page_says_it_is_not_the_apis_answer(
    make_api: MakeApi, router: respx.Router, status: int, error_type: type[APIError]
) -> None:
    """The API's errors are JSON (``ApiError``, ``ValidationErrorResponse``). A TLS-inspecting
    corporate proxy, a firewall or a gateway answers with its own HTML page, and the error read
    "HTTP 403: <html><head><title>Access Denied</title>...", worded like the API's refusal (a 502
    even said "The API failed"): on-call blamed the API or the key. The message now says the answer
    is not the API's JSON error and names the network path as the likely sender."""
    page = "<html><head><title>Access Denied</title></head><body>Blocked by policy</body></html>"
    router.get("/v1/test").respond(status, text=page, headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(error_type) as caught:
        await make_api(max_retries=0).test()
    message = str(caught.value)
    assert "not the API's" in message and "proxy" in message, message
    assert "text/html" in message, message
    assert caught.value.status_code == status and "Access Denied" in caught.value.message


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            404, text="<html><body>404 Not Found (nginx)</body></html>", headers={"Content-Type": "text/html"}
        ),
        httpx.Response(404, content=b""),
    ],
    ids=["html", "empty"],
)
async def test_a_404_that_is_not_the_apis_json_error_is_no_not_found_error(
    api: Api, router: respx.Router, response: httpx.Response
) -> None:
    """Only the API's own 404 (its ``ApiError`` JSON) says that the job does not exist or was
    deleted. A gateway or proxy answering 404 with its own page (a route missing during a deploy,
    a mistyped base path) raised NotFoundError, which the docs, ``wait`` and the command line read
    as "the job is gone": the user was told a billed result was lost. It is now a plain APIError
    whose message says that the answer is not the API's."""
    router.get(JOB_PATH).mock(return_value=response)
    with pytest.raises(APIError) as caught:
        await api.get_job(JOB_ID)
    assert not isinstance(caught.value, NotFoundError), repr(caught.value)
    assert caught.value.status_code == 404
    assert "not the API's" in str(caught.value), str(caught.value)


@pytest.mark.parametrize("operation", ["get", "create"])
async def test_a_rate_limit_error_reads_an_http_date_retry_after_on_the_clients_wall_time(
    make_api: MakeApi, router: respx.Router, operation: str
) -> None:
    """A client on another wall time (``wall=``: the testing plugin's mock clock, a replay) reads
    the server's dates on it, and the polls and the rate-limit hold did; but the RateLimitError of a
    429 with ``Retry-After: <HTTP date>`` read the date against ``time.time()``: its ``retry_after``
    and its hint ("Retry after 1700000000 s", or 0 s) were wrong by the gap between the two clocks.
    They now read it on the client's wall time."""
    wall = 1_000_000_000.0  # 2001-09-09, far from time.time()
    limited = httpx.Response(
        429,
        json={"requestId": "req-429", "message": "Too many requests"},
        headers={"Retry-After": formatdate(wall + 602, usegmt=True)},
    )
    router.get(JOB_PATH).mock(return_value=limited)
    router.post("/v1/identify").mock(return_value=limited)
    api = make_api(wall=lambda: wall, max_retries=0)
    with pytest.raises(RateLimitError) as caught:
        if operation == "get":
            await api.get_job(JOB_ID)
        else:
            await api.identify(URL, {"John": "vp"})
    assert caught.value.retry_after == 602
    assert "Retry after 602 s" in str(caught.value), str(caught.value)
