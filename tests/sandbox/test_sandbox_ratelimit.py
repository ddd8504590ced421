"""The documented sliding-window rate limit: headers on every answer, 429 with Retry-After beyond it."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from pyannoteai_identify.sandbox import Clock, Sandbox
from pyannoteai_identify.sandbox._ratelimit import RateLimiter

WALL = 1_800_000_000.0  # the frozen clock's Unix time


@pytest.mark.sandbox(rate_limit=3)
def test_requests_over_the_limit_get_429_with_retry_after_and_reset(client: httpx.Client) -> None:
    """With a limit of 3, the 4th request within a minute is 429 with Retry-After and X-RateLimit-Reset."""
    remaining = [client.get("/v1/test").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = client.get("/v2/jobs")
    assert refused.status_code == 429
    assert refused.json()["message"] == "Too many requests"
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["X-RateLimit-Reset"] == str(int(WALL) + 60)
    assert (refused.headers["X-RateLimit-Limit"], refused.headers["X-RateLimit-Remaining"]) == ("3", "0")


@pytest.mark.sandbox(rate_limit=2)
def test_the_window_slides(client: httpx.Client, sandbox: Sandbox) -> None:
    """A request is allowed again once the oldest one in the window is a minute old, not before."""
    client.get("/v1/test")
    sandbox.advance(30)
    client.get("/v1/test")
    assert client.get("/v1/test").status_code == 429
    sandbox.advance(29.5)
    refused = client.get("/v1/test")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    sandbox.advance(0.5)
    assert client.get("/v1/test").status_code == 200  # the first request left the window
    assert client.get("/v1/test").status_code == 429  # the second is still in it


@pytest.mark.sandbox(rate_limit=2)
def test_refused_and_unauthenticated_requests_do_not_count(client: httpx.Client, anonymous: httpx.Client) -> None:
    """429s and 401s use up nothing: after them the budget is what it was."""
    for _ in range(5):
        assert anonymous.get("/v1/test").status_code == 401
    client.get("/v1/test")
    client.get("/v1/test")
    for _ in range(3):
        assert client.get("/v1/test").status_code == 429
    assert client.get("/v1/test").headers["Retry-After"] == "60"


@pytest.mark.sandbox(rate_limit=2)
def test_every_operation_shares_the_budget_and_400s_count(client: httpx.Client) -> None:
    """The limit is per key across operations; a request that fails validation still counts."""
    assert client.post("/v1/identify", json={}).status_code == 400
    assert client.get("/v2/jobs").headers["X-RateLimit-Remaining"] == "0"
    assert client.post("/v1/media/input", json={"url": "media://a"}).status_code == 429


@pytest.mark.sandbox(rate_limit=0)
def test_a_limit_of_zero_turns_it_off(client: httpx.Client) -> None:
    """With rate_limit=0 nothing is refused and no rate-limit headers are sent."""
    responses = [client.get("/v1/test") for _ in range(150)]
    assert {r.status_code for r in responses} == {200}
    assert "X-RateLimit-Limit" not in responses[-1].headers


def test_the_default_is_the_documented_100_per_minute(client: httpx.Client) -> None:
    """Out of the box the limit is 100 requests per minute."""
    statuses = [client.get("/v1/test").status_code for _ in range(101)]
    assert statuses.count(200) == 100 and statuses[-1] == 429


def test_presigned_uploads_are_not_rate_limited(
    sandbox: Sandbox, client: httpx.Client, anonymous: httpx.Client
) -> None:
    """The presigned PUT is storage, not the API: it neither counts nor is refused."""
    target = client.post("/v1/media/input", json={"url": "media://a"}).json()["url"]
    for _ in range(120):
        assert anonymous.put(target, content=b"RIFF").status_code == 200
    assert client.get("/v1/test").headers["X-RateLimit-Remaining"] == "98"


def test_bad_limits_are_refused() -> None:
    """A negative or non-integer limit is a ValueError naming rate_limit."""
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="rate_limit"):
            RateLimiter(bad, Clock())  # type: ignore[arg-type]


@pytest.mark.sandbox(rate_limit=1, real_time=True)
def test_after_advance_the_reset_header_agrees_with_retry_after_and_date(
    sandbox: Sandbox, raw_client: httpx.Client
) -> None:
    """``X-RateLimit-Reset`` is "the time at which the current rate limit window resets in UTC epoch
    seconds" (api-reference §8): a raw client compares it with its own clock, or with ``Date``. After
    ``sandbox.advance(N)`` it was N seconds later than ``Date`` + ``Retry-After`` (both on real time),
    so such a client waited N seconds too long. All three are on real time now."""
    assert raw_client.get("/v1/test").status_code == 200
    sandbox.advance(3600)  # the window slid by an hour: the request above has left it
    assert raw_client.get("/v1/test").status_code == 200
    sandbox.advance(20)
    refused = raw_client.get("/v1/test")
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after == 40
    date = email.utils.parsedate_to_datetime(refused.headers["Date"]).timestamp()
    reset = int(refused.headers["X-RateLimit-Reset"])
    assert date + retry_after - 2 <= reset <= date + retry_after + 2  # Date has whole seconds, Reset is rounded up
