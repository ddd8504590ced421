"""Seconds and a threshold given as any real number (numpy.int64, Fraction, Decimal), not only int or float.

A timeout computed with numpy is a ``numpy.int64``; ``time.sleep`` and httpx take it, and so must
the client: each place that takes seconds reads it the same way and passes a plain float on. A
bool, text, NaN, an infinity or a negative number stays refused, with the field and the value.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest
import respx
from clientkit import API_KEY, IDENTIFY_OUTPUT, JOB_ID, Api, MakeApi, job_response
from numberkit import INFINITE, NOT_SECONDS, SECONDS, Int64

from pyannoteai_identify import AsyncClient, Client, ConfigurationError, IdentifyResult, ValidationError
from pyannoteai_identify._polling import PollSchedule
from pyannoteai_identify._retry import RetryPolicy

pytestmark = pytest.mark.anyio

TEST_BODY = {"status": "OK", "message": "Test connection successful"}


@pytest.mark.parametrize(("seconds", "expected"), SECONDS)
async def test_the_request_timeout_takes_any_real_number_and_sends_a_float(
    make_api: MakeApi, router: respx.Router, seconds: object, expected: float
) -> None:
    """Client(timeout=numpy.int64(5)) was refused ("must be a positive number of seconds"), though it is one."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await make_api(timeout=seconds).test()
    sent = route.calls.last.request.extensions["timeout"]
    assert sent == httpx.Timeout(expected).as_dict()
    assert {type(value) for value in sent.values()} == {float}


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("seconds", NOT_SECONDS + INFINITE)
def test_a_request_timeout_that_is_no_number_of_seconds_is_still_refused(cls: type, seconds: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        cls(api_key=API_KEY, timeout=seconds)


@pytest.mark.parametrize(("seconds", "expected"), SECONDS)
async def test_wait_takes_a_timeout_of_any_real_number(
    api: Api, router: respx.Router, seconds: object, expected: float
) -> None:
    router.get(f"/v1/jobs/{JOB_ID}").mock(return_value=job_response("succeeded", IDENTIFY_OUTPUT))
    assert isinstance(await api.wait(JOB_ID, timeout=seconds, kind="identify"), IdentifyResult)


@pytest.mark.parametrize("seconds", NOT_SECONDS + INFINITE)
async def test_a_wait_timeout_that_is_no_number_of_seconds_is_still_refused(
    api: Api, router: respx.Router, seconds: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        await api.wait(JOB_ID, timeout=seconds, kind="identify")
    assert caught.value.field == "timeout" and caught.value.value is seconds
    assert router.calls.call_count == 0


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [(Int64(50), 50.0), (Fraction(1, 2), 0.5), (Decimal("42.5"), 42.5)],
    ids=["numpy.int64-like", "Fraction", "Decimal"],
)
async def test_a_threshold_of_any_real_number_is_sent_as_a_json_number(
    api: Api, router: respx.Router, threshold: object, expected: float
) -> None:
    route = router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    await api.identify("https://files.example.com/a.wav", {"John": "vp"}, matching={"threshold": threshold})
    assert json.loads(route.calls.last.request.content)["matching"] == {"threshold": expected}


@pytest.mark.parametrize("threshold", [Decimal("NaN"), Fraction(101), Int64(-1), True, "50"], ids=str)
async def test_a_threshold_out_of_range_is_still_refused_whatever_its_type(
    api: Api, router: respx.Router, threshold: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        await api.identify("https://files.example.com/a.wav", {"John": "vp"}, matching={"threshold": threshold})
    assert caught.value.field == "matching.threshold"
    assert router.calls.call_count == 0


def test_retry_and_poll_policies_take_seconds_of_any_real_number_as_floats() -> None:
    retry = RetryPolicy(initial=Fraction(1, 2), maximum=Int64(8), retry_after_cap=Decimal("120"))
    assert (retry.initial, retry.maximum, retry.retry_after_cap) == (0.5, 8.0, 120.0)
    poll = PollSchedule(initial=Int64(2), fraction=Fraction(1, 10), maximum=Decimal("300"), jitter=Fraction(0))
    assert (poll.initial, poll.fraction, poll.maximum, poll.jitter) == (2.0, 0.1, 300.0, 0.0)
    fields: list[Any] = [retry.initial, retry.maximum, retry.retry_after_cap, poll.initial, poll.maximum, poll.jitter]
    assert {type(value) for value in fields} == {float}
    assert PollSchedule.starting_at(Int64(600)).maximum == 600.0


@pytest.mark.parametrize("seconds", NOT_SECONDS + INFINITE)
def test_retry_and_poll_policies_still_refuse_what_is_no_number_of_seconds(seconds: object) -> None:
    with pytest.raises(ConfigurationError, match="initial"):
        RetryPolicy(initial=seconds)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="initial"):
        PollSchedule(initial=seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(-1, "initial=-1)"), (Decimal("-2"), "initial=Decimal('-2'))"), (Int64(-3), "initial=Int64(-3))")],
    ids=["int", "Decimal", "numpy.int64-like"],
)
def test_a_refused_policy_field_is_named_with_the_value_given(seconds: object, shown: str) -> None:
    """RetryPolicy(initial=-1) said "initial=-1.0" (the float it was turned into before the check),
    and RetryPolicy(initial=10**400) "initial=inf": the message names the value as given, as the
    client's ValidationError does."""
    with pytest.raises(ConfigurationError) as retry:
        RetryPolicy(initial=seconds)  # type: ignore[arg-type]
    assert shown in str(retry.value)
    with pytest.raises(ConfigurationError) as poll:
        PollSchedule(initial=seconds)  # type: ignore[arg-type]
    assert shown in str(poll.value)
