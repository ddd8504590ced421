"""The table of what a ``POST /v1/identify``'s outcome means for its input (``batch._submission``):
back to pending only when the answer proves no job was created; left submitting when one may exist."""

from __future__ import annotations

import httpx
import pytest

from pyannoteai_identify import _core
from pyannoteai_identify._flows_connection import _connection_error
from pyannoteai_identify.batch._submission import SETTLED_BY_THE_JOB_LIST, Action, after_submission
from pyannoteai_identify.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    InvalidResponseError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
)

_NOT_SENT = APIConnectionError("connection refused", request_sent=False)
_LOST = APIConnectionError("read timed out", request_sent=True)
_PROXY = APIConnectionError("407 Proxy Authentication Required", proxy_refused=True)

TABLE: list[tuple[str, APIConnectionError | APIError | None, bool, Action, str]] = [
    # name, outcome, answered (2xx), action, the start of the reason recorded
    ("a job id", None, True, Action.SUBMITTED, ""),
    (
        "an unreadable 2xx",
        InvalidResponseError("not JSON", status_code=200),
        True,
        Action.IN_DOUBT,
        "the answer could not be read: ",
    ),
    ("not sent", _NOT_SENT, False, Action.RETRY, "not sent: "),
    ("a proxy's refusal", _PROXY, False, Action.HALT, "not sent: "),
    ("an answer lost", _LOST, False, Action.IN_DOUBT, "the answer was lost: "),
    ("429", RateLimitError("slow down", status_code=429, retry_after=3.0), False, Action.RETRY, "rate limited: "),
    ("401", AuthenticationError("bad key", status_code=401), False, Action.HALT, "HTTP 401: bad key"),
    ("402", PaymentRequiredError("pay", status_code=402), False, Action.HALT, "HTTP 402: pay"),
    ("500", ServerError("boom", status_code=500), False, Action.IN_DOUBT, "the API failed: HTTP 500: boom"),
    ("503", ServerError("busy", status_code=503), False, Action.IN_DOUBT, "the API failed: HTTP 503: busy"),
    ("400", BadRequestError("bad url", status_code=400), False, Action.FAILED, "refused by the API: HTTP 400"),
    ("a gateway's 404", APIError("page", status_code=404), False, Action.FAILED, "refused by the API: HTTP 404"),
]


@pytest.mark.parametrize(
    ("outcome", "answered", "action", "reason"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_each_outcome_of_a_submission_decides_its_input(
    outcome: APIConnectionError | APIError | None, answered: bool, action: Action, reason: str
) -> None:
    decision = after_submission(outcome, answered=answered)

    assert decision.action == action
    assert decision.reason.startswith(reason), decision.reason
    assert (decision.reason == "") == (action == Action.SUBMITTED)


def test_an_input_goes_back_to_pending_only_when_no_job_can_exist() -> None:
    """The billing rule: RETRY and HALT send the input back to pending (it may be sent again), so no
    outcome after which the request may have reached the API (sent, or answered 5xx) may give them."""
    for _name, outcome, answered, _action, _reason in TABLE:
        decision = after_submission(outcome, answered=answered)
        may_exist = answered or isinstance(outcome, ServerError) or getattr(outcome, "request_sent", False)
        if may_exist and decision.action != Action.SUBMITTED:
            assert decision.action == Action.IN_DOUBT, _name


def test_an_input_left_submitting_says_that_the_job_list_settles_it() -> None:
    """The client's error of an outcome in doubt tells a caller to look for the job before submitting
    again; the batch's reason adds that it does so itself, whatever the outcome was."""
    for name, outcome, answered, action, _reason in TABLE:
        reason = after_submission(outcome, answered=answered).reason
        assert reason.endswith(f"; {SETTLED_BY_THE_JOB_LIST}") == (action == Action.IN_DOUBT), name


_SUBMISSION = httpx.Request("POST", "https://api.pyannote.ai/v1/identify")


def _client_error(outcome: str) -> APIConnectionError | APIError:
    """The error Client.identify raises for *outcome*, built as the client builds it."""
    if outcome == "lost":
        return _connection_error(_SUBMISSION, httpx.ReadTimeout("read timed out", request=_SUBMISSION), True)
    if outcome == "unreadable":
        with pytest.raises(InvalidResponseError) as raised:
            _core.parse_created_job(httpx.Response(200, content=b"<html>", request=_SUBMISSION), "identify")
        return raised.value
    return _core.error_for(httpx.Response(503, json={"message": "busy"}, request=_SUBMISSION), creates_job=True)


@pytest.mark.parametrize(("outcome", "answered"), [("5xx", False), ("unreadable", True), ("lost", False)])
def test_an_input_left_submitting_says_only_what_the_batch_does_about_the_job(outcome: str, answered: bool) -> None:
    """The reason of an input in doubt said both the client's advice ("look for it with
    client.jobs() before submitting again") and the batch's own ("sent again only once the job list
    shows that no job was created"): two ways for a batch user, the first one wrong, as the batch
    reads the job list itself. It says that the job may exist, and only what the batch does, which
    ends in uncertain when the list shows no proof; Client.identify's error keeps its advice."""
    error = _client_error(outcome)
    assert _core.LIST_JOBS in str(error)  # the advice to a caller of Client.identify

    decision = after_submission(error, answered=answered)

    assert decision.action == Action.IN_DOUBT
    reason = decision.reason
    assert _core.LIST_JOBS not in reason and "look for it" not in reason.lower(), reason
    assert "may have been created" in reason or "the job may exist" in reason, reason
    assert reason.endswith(f"; {SETTLED_BY_THE_JOB_LIST}") and "becomes uncertain" in reason, reason
