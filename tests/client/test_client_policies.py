"""The pure policies under wait() and retries: PollSchedule, rate_limit_gap, RetryPolicy, parse_retry_after."""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable

import httpx
import pytest
import respx
from clientkit import API_KEY, BASE_URL
from hypothesis import given
from hypothesis import strategies as st

from pyannoteai_identify import AsyncClient, Client, ConfigurationError, PollSchedule, RateLimitError, RetryPolicy
from pyannoteai_identify._polling import rate_limit_gap
from pyannoteai_identify._retry import parse_retry_after

NOW = 1_700_000_000.0


def _http_date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


# --- PollSchedule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waited", "gap"), [(0.0, 2.0), (10.0, 2.0), (20.0, 2.0), (50.0, 5.0), (600.0, 60.0), (3000.0, 300.0), (1e6, 300.0)]
)
def test_poll_gap_is_a_tenth_of_the_wait_between_initial_and_maximum(waited: float, gap: float) -> None:
    """Without jitter, gap = clamp(0.1 × waited, 2 s, 300 s)."""
    assert PollSchedule(random=lambda: 0.0).gap(waited) == pytest.approx(gap)


def test_poll_gap_jitter_shortens_by_at_most_the_jitter_share() -> None:
    """The largest jitter draw takes the jitter share (10 % by default) off the gap; the smallest takes nothing."""
    assert PollSchedule(random=lambda: 1.0).gap(600.0) == pytest.approx(54.0)
    assert PollSchedule(random=lambda: 1.0, jitter=0.2).gap(600.0) == pytest.approx(48.0)
    assert PollSchedule(random=lambda: 0.0).gap(600.0) == pytest.approx(60.0)


@given(
    waited=st.floats(min_value=0, max_value=1e7),
    draw=st.floats(min_value=0, max_value=1, exclude_max=True),
    initial=st.floats(min_value=0.1, max_value=10),
    maximum=st.floats(min_value=10, max_value=1000),
)
def test_poll_gap_stays_within_its_bounds(waited: float, draw: float, initial: float, maximum: float) -> None:
    """Any gap lies in [(1 - jitter) × initial, maximum] and never exceeds max(initial, fraction × waited)."""
    schedule = PollSchedule(initial=initial, maximum=maximum, random=lambda: draw)
    gap = schedule.gap(waited)
    assert (1 - schedule.jitter) * initial <= gap * (1 + 1e-12)
    assert gap <= maximum * (1 + 1e-12)
    assert gap <= max(initial, schedule.fraction * waited) * (1 + 1e-12)


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=2, max_size=20))
def test_poll_gap_never_shrinks_as_the_job_ages(waits: list[float]) -> None:
    """Without jitter the gap is non-decreasing in the time waited."""
    schedule = PollSchedule(random=lambda: 0.0)
    gaps = [schedule.gap(w) for w in sorted(waits)]
    assert gaps == sorted(gaps)


# --- rate_limit_gap ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "gap"),
    [
        ({}, None),
        ({"x-ratelimit-remaining": "5", "x-ratelimit-reset": str(int(NOW) + 30)}, None),
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": _http_date(NOW + 90)}, 90.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)}, 30.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 30)}, 0.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "25"}, 25.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-limit": "100"}, 0.6),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "soon", "x-ratelimit-limit": "10"}, 6.0),
        ({"retry-after": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)}, 5.0),
        ({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "25"}, 25.0),
        ({"x-ratelimit-remaining": "-1", "x-ratelimit-reset": "25"}, 25.0),
    ],
    ids=[
        "none",
        "quota-left",
        "retry-after-seconds",
        "retry-after-date",
        "reset-epoch",
        "reset-past",
        "reset-relative",
        "no-reset",
        "bad-reset",
        "retry-after-wins",
        "remaining-as-a-float",
        "remaining-negative",  # over the limit: less than none left, not plenty
    ],
)
def test_rate_limit_gap_reads_retry_after_and_the_exhausted_quota(headers: dict[str, str], gap: float | None) -> None:
    """The server's wait: Retry-After first, then the reset time once no requests remain."""
    result = rate_limit_gap(headers, NOW)
    assert result == (None if gap is None else pytest.approx(gap))


# --- parse_retry_after ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        (_http_date(NOW + 120), 120.0),
        (_http_date(NOW - 120), 0.0),
        ("nan", None),
        ("soon", None),
        ("", None),
        ("Fri, 31 Dec 99999 23:59:59 GMT", None),
        ("Mon, 01 Jan 0000 00:00:00 GMT", 0.0),  # a two-digit year: 2000, the past
        ("Fri, 31 Dec 9999999999999999999 23:59:59 GMT", None),
    ],
)
def test_parse_retry_after_takes_seconds_or_an_http_date(value: str, seconds: float | None) -> None:
    """Retry-After is delta-seconds or an HTTP date; nonsense (a year no clock can hold too) is
    ignored, the past means now."""
    result = parse_retry_after({"retry-after": value}, now=NOW)
    assert result == (None if seconds is None else pytest.approx(seconds))


def test_parse_retry_after_without_the_header_is_none() -> None:
    """No Retry-After header, no server-imposed wait."""
    assert parse_retry_after({}, now=NOW) is None


# --- RetryPolicy ------------------------------------------------------------------------------


def test_retry_delay_ceiling_doubles_from_initial_up_to_maximum() -> None:
    """With the largest draw, delays are 0.5, 1, 2, 4, 8, 8 s."""
    policy = RetryPolicy(random=lambda: 1.0)
    assert [policy.delay(attempt) for attempt in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@given(attempt=st.integers(min_value=0, max_value=100_000), draw=st.floats(min_value=0, max_value=1))
def test_retry_delay_is_full_jitter_below_the_ceiling(attempt: int, draw: float) -> None:
    """Any delay lies between 0 and min(maximum, initial × 2^attempt), however many retries came
    before (2.0 ** attempt alone overflows past 1023)."""
    policy = RetryPolicy(random=lambda: draw)
    delay = policy.delay(attempt)
    ceiling = min(policy.maximum, policy.initial * 2.0 ** min(attempt, 1000))
    assert delay is not None
    assert delay == pytest.approx(draw * ceiling)  # full jitter: the draw scales the whole ceiling
    assert 0.0 <= delay <= ceiling


def test_retry_after_overrides_the_backoff_until_its_cap() -> None:
    """A Retry-After within the cap is the delay; beyond the cap the policy gives up (None)."""
    policy = RetryPolicy(random=lambda: 1.0, retry_after_cap=120.0)
    assert policy.delay(0, {"retry-after": "30"}) == 30.0
    assert policy.delay(3, {"retry-after": "120"}) == 120.0
    assert policy.delay(0, {"retry-after": "121"}) is None
    assert policy.delay(1, {"x-other": "1"}) == 1.0


@pytest.mark.parametrize(
    ("method", "attempt", "status", "error", "expected"),
    [
        ("GET", 0, 503, False, True),
        ("GET", 0, 502, False, True),
        ("GET", 0, 504, False, True),
        ("GET", 0, 429, False, True),
        ("get", 2, None, True, True),
        ("HEAD", 0, None, True, True),
        ("GET", 3, 503, False, False),
        ("GET", 0, 500, False, False),
        ("GET", 0, 400, False, False),
        ("GET", 0, 200, False, False),
        ("POST", 0, 503, False, False),
        ("POST", 0, None, True, False),
        ("PUT", 0, None, True, False),
    ],
)
def test_should_retry_only_safe_methods_on_transient_failures(
    method: str, attempt: int, status: int | None, error: bool, expected: bool
) -> None:
    """GET/HEAD on a transport error, 429 or 502–504 are retried while attempts remain; POST never."""
    assert RetryPolicy(max_retries=3).should_retry(method, attempt, status=status, error=error) is expected


def test_zero_max_retries_never_retries() -> None:
    """max_retries=0 disables retrying."""
    assert not RetryPolicy(max_retries=0).should_retry("GET", 0, error=True)


def test_throttle_spacing_lasts_only_while_the_budget_is_short() -> None:
    """After an exhausted window requests are spaced at the limit; a refilled window lifts the spacing."""
    from pyannoteai_identify._flows import Throttle

    throttle = Throttle()
    exhausted = {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "retry-after": "3"}
    throttle.observe(200, exhausted, now=0.0, cap=120.0)
    assert throttle.reserve(0.0).pause == pytest.approx(3.0)
    assert throttle.reserve(0.0).pause == pytest.approx(3.6)  # the next one is 60 / 100 s later
    throttle.observe(200, {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "5"}, now=4.0, cap=120.0)
    assert throttle.reserve(4.0).pause == pytest.approx(0.2)  # still short of budget: spacing kept
    throttle.observe(200, {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "9"}, now=5.0, cap=120.0)
    throttle.reserve(5.0)
    assert throttle.reserve(5.0).pause == pytest.approx(0.6)  # 9 of 100 is under a tenth: still spaced
    throttle.observe(200, {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "10"}, now=10.0, cap=120.0)
    assert throttle.reserve(10.0).pause == 0.0
    assert throttle.reserve(10.0).pause == 0.0  # a tenth of the budget back counts as refilled: no spacing


def test_a_stale_refilled_response_does_not_lift_the_spacing_a_refusal_of_its_burst_set() -> None:
    """Responses of one burst arrive in any order: a "9 left" answer to a request sent before the 429
    was seen must not lift the spacing the 429 set (the race that let a whole second burst be refused)."""
    from pyannoteai_identify._flows import Throttle

    throttle = Throttle()
    early = throttle.reserve(0.0).generation  # sent in the first burst
    refused = throttle.reserve(0.0).generation
    throttle.observe(429, {"x-ratelimit-limit": "10", "retry-after": "60"}, now=0.0, cap=120.0, generation=refused)
    throttle.observe(
        200, {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9"}, now=0.0, cap=120.0, generation=early
    )
    assert throttle.reserve(0.0).pause == pytest.approx(60.0)
    assert throttle.reserve(0.0).pause == pytest.approx(66.0)  # still spaced 60 / 10 s apart
    later = throttle.reserve(70.0).generation
    assert later == throttle.generation
    throttle.observe(
        200, {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9"}, now=130.0, cap=120.0, generation=later
    )
    assert throttle.reserve(200.0)[:2] == (0.0, later)
    assert throttle.reserve(200.0)[:2] == (0.0, later)  # a request sent after the refusal lifted it


def test_a_slot_given_up_before_its_request_is_sent_does_not_hold_back_the_next_requests() -> None:
    """Cancelled waits release their places: after 50 of them the next request waits one spacing, not 51."""
    from pyannoteai_identify._flows import Throttle

    throttle = Throttle()
    throttle.observe(429, {"x-ratelimit-limit": "60", "retry-after": "1"}, now=0.0, cap=120.0)
    first = throttle.reserve(0.0)
    throttle.sent(first.slot)
    abandoned = [throttle.reserve(0.0) for _ in range(50)]
    assert abandoned[-1].pause == pytest.approx(51.0)
    for reservation in abandoned:  # cancelled in the order they queued: none of them is the last alone
        throttle.release(reservation.slot)
    assert throttle.reserve(0.0).pause == pytest.approx(2.0)  # one second after the request that was sent


def test_a_cancelled_async_call_held_by_the_throttle_gives_its_place_back() -> None:
    """End to end: calls cancelled while held by the rate limit leave no delay behind for the next call."""
    import anyio

    sleeps: list[float] = []
    hold_forever = True

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if hold_forever:
            await anyio.sleep(3600)  # held until cancelled

    async def scenario() -> None:
        nonlocal hold_forever
        with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
            router.get("/v1/test").mock(
                side_effect=[
                    httpx.Response(429, headers={"Retry-After": "5", "X-RateLimit-Limit": "60"}, json={}),
                    *[httpx.Response(200, json={"status": "OK", "message": "ok"})] * 3,
                ]
            )
            client = AsyncClient(API_KEY, base_url=BASE_URL, max_retries=0, sleep=fake_sleep, clock=lambda: 0.0)
            with pytest.raises(RateLimitError):
                await client.test()
            async with anyio.create_task_group() as group:
                for _ in range(20):
                    group.start_soon(client.test)
                while len(sleeps) < 20:
                    await anyio.sleep(0)
                group.cancel_scope.cancel()
            sleeps.clear()
            hold_forever = False
            await client.test()
            # The 5 s Retry-After hold only: not 20 abandoned places (5 + 20 × 1 s of spacing).
            assert sleeps == [pytest.approx(5.0)]

    anyio.run(scenario)


@pytest.mark.parametrize("limit", ["0.0001", "1e-300"])
def test_a_tiny_rate_limit_spaces_requests_at_most_the_cap_apart(limit: str) -> None:
    """X-RateLimit-Limit 0.0001 meant 600,000 s between requests (1e-300 crashed the sleep): the
    spacing is capped like the hold."""
    from pyannoteai_identify._flows import Throttle

    throttle = Throttle()
    throttle.observe(200, {"x-ratelimit-limit": limit, "x-ratelimit-remaining": "0"}, now=0.0, cap=120.0)
    first = throttle.reserve(0.0)
    throttle.sent(first.slot)
    assert throttle.reserve(0.0).pause <= 120.0 + first.slot


def test_requests_sent_out_of_order_space_the_next_from_the_latest_slot() -> None:
    """A later-reserved request can go out first (its thread woke first): the next is spaced from the latest slot."""
    from pyannoteai_identify._flows import Throttle

    throttle = Throttle()
    throttle.observe(429, {"x-ratelimit-limit": "60", "retry-after": "1"}, now=0.0, cap=120.0)
    first = throttle.reserve(0.0)  # slot 1.0
    second = throttle.reserve(0.0)  # slot 2.0
    throttle.sent(second.slot, at=2.0)
    throttle.sent(first.slot, at=2.0)
    assert throttle.reserve(2.0).pause == pytest.approx(1.0)  # 1 s after slot 2.0, not after slot 1.0


def test_a_sent_request_leaves_no_reservation_behind() -> None:
    """A long-lived client's throttle queue does not grow by one entry per request sent."""
    from pyannoteai_identify import Client

    with respx.mock(base_url=BASE_URL) as router:
        router.get("/v1/test").respond(200, json={"status": "OK", "message": "ok"})
        with Client(API_KEY, base_url=BASE_URL) as client:
            for _ in range(5):
                client.test()
            assert client._ctx.throttle._waiting == []


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: PollSchedule(initial=0), "initial"),
        (lambda: PollSchedule(initial=math.nan), "initial"),
        (lambda: PollSchedule(fraction=-0.1), "fraction"),
        (lambda: PollSchedule(initial=10, maximum=5), "maximum"),
        (lambda: PollSchedule(jitter=1.0), "jitter"),
        (lambda: RetryPolicy(max_retries=-5), "max_retries"),
        (lambda: RetryPolicy(max_retries=True), "max_retries"),
        (lambda: RetryPolicy(initial=math.inf), "initial"),
        (lambda: RetryPolicy(retry_after_cap=math.nan), "retry_after_cap"),
    ],
)
def test_a_policy_that_would_misbehave_is_refused_naming_its_field(make: Callable[[], object], field: str) -> None:
    """PollSchedule(initial=0) polled in a tight loop and RetryPolicy(max_retries=-5) was taken as is."""
    with pytest.raises(ConfigurationError, match=rf"\({field}="):
        make()


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: PollSchedule(initial=1e11, maximum=1e11), "initial"),
        (lambda: PollSchedule(maximum=math.inf), "maximum"),
        (lambda: PollSchedule(maximum=86_400.5), "maximum"),
        (lambda: RetryPolicy(maximum=math.inf), "maximum"),
        (lambda: RetryPolicy(retry_after_cap=math.inf), "retry_after_cap"),
        (lambda: RetryPolicy(retry_after_cap=1e11), "retry_after_cap"),
    ],
)
def test_a_policy_gap_over_a_day_is_refused_naming_its_field_and_the_limit(
    make: Callable[[], object], field: str
) -> None:
    """PollSchedule(initial=1e11) made wait() raise OverflowError from time.sleep, and
    RetryPolicy(retry_after_cap=inf) did on a server's "Retry-After: 99999999999": no timer takes
    such a sleep. Like a request timeout, a gap is at most a day."""
    with pytest.raises(ConfigurationError, match=rf"\({field}=.*at most 86400 s \(one day\)"):
        make()
    PollSchedule(initial=86_400, maximum=86_400)
    RetryPolicy(maximum=86_400, retry_after_cap=86_400)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_max_retries_and_a_retry_policy_that_disagree_are_refused(cls: type) -> None:
    """max_retries=0 beside a RetryPolicy() of 3 retries was silently ignored (4 attempts)."""
    with pytest.raises(ConfigurationError, match=r"max_retries=0 and retry_policy\.max_retries=3 disagree"):
        cls(API_KEY, base_url=BASE_URL, max_retries=0, retry_policy=RetryPolicy())
    # Explicitly the default value is still a disagreement: max_retries=3 beside a policy of 5 was
    # taken for "not given" and the 5 applied silently.
    with pytest.raises(ConfigurationError, match=r"max_retries=3 and retry_policy\.max_retries=5 disagree"):
        cls(API_KEY, base_url=BASE_URL, max_retries=3, retry_policy=RetryPolicy(max_retries=5))
    cls(API_KEY, base_url=BASE_URL, max_retries=0, retry_policy=RetryPolicy(max_retries=0))
    assert cls(API_KEY, base_url=BASE_URL, retry_policy=RetryPolicy(max_retries=1))._ctx.retry.max_retries == 1
    assert cls(API_KEY, base_url=BASE_URL)._ctx.retry.max_retries == 3
    assert cls(API_KEY, base_url=BASE_URL, max_retries=0)._ctx.retry.max_retries == 0


def test_a_request_queued_behind_a_hold_is_held_again_when_a_refusal_meanwhile_extends_it() -> None:
    """Concurrent calls queued behind a Retry-After: 1 (spaced 1 s apart at 60 a minute) each slept to
    its slot and sent, even when the first of them was refused meanwhile with Retry-After: 30: every
    later call of the queue went out into the new hold (the throttle's "the next request of the
    client waits" broken under concurrency). A queued call wakes, sees the longer hold, and waits it."""
    import anyio

    clock = [0.0]
    sent_at: list[float] = []
    sleeps: list[float] = []
    gates: list[anyio.Event] = []

    async def gated_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        gate = anyio.Event()
        gates.append(gate)
        await gate.wait()

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock[0])
        if len(sent_at) == 1:
            return httpx.Response(429, headers={"Retry-After": "1", "X-RateLimit-Limit": "60"}, json={})
        if len(sent_at) == 2:
            return httpx.Response(429, headers={"Retry-After": "30", "X-RateLimit-Limit": "60"}, json={})
        return httpx.Response(200, json={"status": "OK", "message": "ok"})

    async def scenario() -> None:
        client = AsyncClient(
            API_KEY,
            base_url=BASE_URL,
            max_retries=0,
            transport=httpx.MockTransport(handler),
            clock=lambda: clock[0],
            sleep=gated_sleep,
        )
        with pytest.raises(RateLimitError):
            await client.test()  # the budget is spent: hold 1 s, then one request a second
        outcomes: list[object] = []

        async def call() -> None:
            try:
                outcomes.append(await client.test())
            except RateLimitError as error:
                outcomes.append(error)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:
                group.start_soon(call)
                group.start_soon(call)
                while len(gates) < 2:
                    await anyio.sleep(0)
                assert sleeps == [pytest.approx(1.0), pytest.approx(2.0)]  # queued at slots 1 s and 2 s
                clock[0] = 1.0
                gates[0].set()  # the first wakes, is refused: Retry-After 30, held until 31 s
                while len(outcomes) < 1:
                    await anyio.sleep(0)
                clock[0] = 2.0
                gates[1].set()  # the second reaches its slot, inside the new hold
                while len(outcomes) < 2 and len(gates) < 3:
                    await anyio.sleep(0)
                clock[0] = 31.0
                for gate in gates[2:]:
                    gate.set()
        await client.aclose()
        assert sent_at[:2] == [0.0, 1.0]
        assert not [at for at in sent_at[2:] if at < 31.0], f"sent at {sent_at} inside the hold until 31 s"
        assert sleeps[2:] == [pytest.approx(29.0)]  # the second waited out the rest of the new hold

    anyio.run(scenario)
