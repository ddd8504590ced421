"""``client.rate_limit``: the API's rate-limit headers of the latest answer that carried them, on a
successful call too (what openai-python's raw responses and stripe-python's ``last_response`` give)."""

from __future__ import annotations

import httpx
import pytest
import respx
from brokenbody import broken_off
from clientkit import JOB_ID, Api, MakeApi, job_body, job_response

from pyannoteai_identify import APIConnectionError, RateLimit, RateLimitError
from pyannoteai_identify._rate_limit_info import RateLimitHeaders

pytestmark = pytest.mark.anyio

JOB_ROUTE = f"/v1/jobs/{JOB_ID}"


async def test_rate_limit_is_none_before_any_answer(api: Api) -> None:
    """A client that has not heard from the API knows no budget."""
    assert api.client.rate_limit is None


async def test_a_successful_answer_shows_its_rate_limit_headers(api: Api, router: respx.Router) -> None:
    """X-RateLimit-Limit and X-RateLimit-Remaining of a 200 are read as numbers, with no reset."""
    router.get(JOB_ROUTE).mock(
        return_value=job_response("running", **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "297"})
    )
    await api.get_job(JOB_ID)
    assert api.client.rate_limit == RateLimit(limit=300, remaining=297, reset=None)


async def test_a_refusal_shows_its_reset_and_an_answer_without_headers_keeps_it(
    make_api: MakeApi, router: respx.Router
) -> None:
    """A 429 (raised, max_retries=0) shows its reset; a later answer without the headers keeps what was seen."""
    api = make_api(max_retries=0)
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000030"}
    refused = httpx.Response(429, json={"requestId": "r-1", "message": "Too many requests"}, headers=headers)
    router.get(JOB_ROUTE).mock(side_effect=[refused, job_response("running")])
    with pytest.raises(RateLimitError):
        await api.get_job(JOB_ID)
    seen = RateLimit(limit=100, remaining=0, reset=1700000030.0)
    assert api.client.rate_limit == seen
    await api.get_job(JOB_ID)
    assert api.client.rate_limit == seen


async def test_an_answer_with_the_limit_and_reset_but_no_remaining_is_shown(
    make_api: MakeApi, router: respx.Router
) -> None:
    """An answer carrying ``X-RateLimit-Limit`` and ``-Reset`` but no ``-Remaining`` (a gateway's 429)
    was ignored: ``rate_limit`` kept an older answer's ``remaining=5`` as if it were the latest. The
    latest rate-limit headers seen are shown, the missing one as None (openai/stripe: the last headers)."""
    api = make_api(max_retries=0)
    refused = httpx.Response(
        429,
        json={"requestId": "r-1", "message": "Too many requests"},
        headers={"X-RateLimit-Limit": "100", "X-RateLimit-Reset": "1700000030"},
    )
    router.get(JOB_ROUTE).mock(
        side_effect=[job_response("running", **{"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "5"}), refused]
    )
    await api.get_job(JOB_ID)
    with pytest.raises(RateLimitError):
        await api.get_job(JOB_ID)
    assert api.client.rate_limit == RateLimit(limit=100, remaining=None, reset=1700000030.0)


async def test_an_answer_with_only_the_limit_is_shown(api: Api, router: respx.Router) -> None:
    """A first answer with ``X-RateLimit-Limit`` alone left ``rate_limit`` None, as if no answer had said anything."""
    router.get(JOB_ROUTE).mock(return_value=job_response("running", **{"X-RateLimit-Limit": "300"}))
    await api.get_job(JOB_ID)
    assert api.client.rate_limit == RateLimit(limit=300, remaining=None, reset=None)


async def test_an_answer_whose_body_could_not_be_read_is_shown(
    make_api: MakeApi, mode: str, router: respx.Router
) -> None:
    """The rate-limit headers had arrived when the body broke off (a dropped connection): the call
    fails, but they were the latest the API sent, and ``rate_limit`` kept the answer before's."""
    api = make_api(max_retries=0)
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "41"}

    def answer(request: httpx.Request) -> httpx.Response:
        return broken_off(mode, 200, headers)

    router.get(JOB_ROUTE).mock(
        side_effect=[job_response("running", **{"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "42"}), answer]
    )
    await api.get_job(JOB_ID)
    with pytest.raises(APIConnectionError):
        await api.get_job(JOB_ID)
    assert api.client.rate_limit == RateLimit(limit=100, remaining=41, reset=None)


async def test_a_header_that_is_not_a_number_in_ascii_digits_is_none(api: Api, router: respx.Router) -> None:
    """As the SDK reads numbers from headers: ASCII digits only ("٣٠" is not 30), anything else is None."""
    headers = {
        "X-RateLimit-Limit": b"soon",
        "X-RateLimit-Remaining": "\u0663\u0660".encode(),
        "X-RateLimit-Reset": b"25",
    }
    router.get(JOB_ROUTE).mock(return_value=httpx.Response(200, json=job_body("running"), headers=headers))
    await api.get_job(JOB_ID)
    assert api.client.rate_limit == RateLimit(limit=None, remaining=None, reset=25.0)


async def test_a_header_too_long_to_read_is_none_and_the_call_still_succeeds(api: Api, router: respx.Router) -> None:
    """``int()`` refuses more than 4,300 digits (a ``ValueError``): a success whose rate-limit header
    was that long (a broken gateway's) made the call raise a bare ValueError once ``rate_limit``
    read it, where it returned before. Such a header is None, as the SDK's other header numbers are."""
    headers = {"X-RateLimit-Limit": "1" + "0" * 5000, "X-RateLimit-Remaining": "9" * 5000}
    router.get(JOB_ROUTE).mock(return_value=job_response("running", **headers))
    job = await api.get_job(JOB_ID)
    assert job.status == "running"
    assert api.client.rate_limit == RateLimit(limit=None, remaining=None, reset=None)


async def test_a_client_made_by_with_options_shares_what_its_original_sees(api: Api, router: respx.Router) -> None:
    """The budget is the key's: an answer to a call on a derived client shows on the original, and back."""
    router.get(JOB_ROUTE).mock(
        side_effect=[
            job_response("running", **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "12"}),
            job_response("running", **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "11"}),
        ]
    )
    derived = Api(api.client.with_options(max_retries=0))
    await derived.get_job(JOB_ID)
    assert api.client.rate_limit == RateLimit(limit=300, remaining=12, reset=None)
    await api.get_job(JOB_ID)
    assert derived.client.rate_limit == RateLimit(limit=300, remaining=11, reset=None)


def test_rate_limit_repr_and_immutability() -> None:
    """A small frozen value: its repr names each field, and it cannot be changed."""
    seen = RateLimit(limit=100, remaining=3, reset=None)
    assert repr(seen) == "RateLimit(limit=100, remaining=3, reset=None)"
    with pytest.raises(AttributeError):
        seen.remaining = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Content-Type", "application/json")],
        [("x-RATELIMIT-limit", "300"), ("X-RateLimit-Remaining", " 297 "), ("X-RATELIMIT-RESET", "1700000030")],
        [("X-RateLimit-Limit", "300"), ("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "7")],
        [("X-RateLimit-Remaining", "é".encode()), ("X-RateLimit-Limit", b"3\xe9")],
    ],
)
def test_the_rate_limit_headers_are_read_as_httpx_reads_each(headers: list[tuple[str, str | bytes]]) -> None:
    """``RateLimitHeaders.of`` reads httpx headers in one pass rather than one ``get`` per name: any
    case of the names, a repeated header joined by ", " and values decoded as httpx decodes them give
    what ``get`` gives; a plain mapping is read with ``get``."""
    sent = httpx.Headers(headers)
    expected = RateLimitHeaders(
        sent.get("x-ratelimit-limit"), sent.get("x-ratelimit-remaining"), sent.get("x-ratelimit-reset")
    )
    assert RateLimitHeaders.of(sent) == expected
    assert RateLimitHeaders.of(dict(sent.items())) == expected
