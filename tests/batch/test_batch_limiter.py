"""The shared rate limiter: its decisions on a scripted clock, and one budget across threads and coroutines."""

from __future__ import annotations

import heapq
import threading

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyannoteai_identify import ValidationError
from pyannoteai_identify.batch import RateLimiter

WALL = 1_800_000_000.0


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limiter(limit: int = 3, window: float = 10.0) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(limit, window=window, clock=clock, wall=lambda: WALL + clock.now), clock


def test_a_request_beyond_the_limit_waits_until_the_oldest_response_leaves_the_window() -> None:
    """With 3 per 10 s, the 4th request waits until 10 s after the 1st response arrived."""
    budget, clock = limiter()
    for moment in (1.0, 2.0, 3.0):
        assert budget._reserve() == 0.0
        clock.now = moment
        budget._release()
    assert budget._reserve() == pytest.approx(8.0)
    clock.now = 11.0
    assert budget._reserve() == 0.0


def test_a_request_in_flight_holds_its_slot_and_counts_from_its_response() -> None:
    """Slots are taken at the start and freed a window after the response, which the server saw later than the start."""
    budget, clock = limiter()
    for _ in range(3):
        assert budget._reserve() == 0.0
    assert budget._reserve() > 0.0
    clock.now = 5.0
    budget._release()
    assert budget._reserve() == pytest.approx(10.0)
    clock.now = 15.0
    assert budget._reserve() == 0.0


def test_the_limit_header_replaces_the_assumed_limit_and_the_smallest_seen_wins() -> None:
    """X-RateLimit-Limit sets the budget; a larger value later (another endpoint's) does not widen it."""
    budget, _ = limiter(limit=100)
    budget.observe(200, {"X-RateLimit-Limit": "5"})
    budget.observe(200, {"X-RateLimit-Limit": "300"})
    assert budget.limit == 5
    assert budget.per_second == pytest.approx(0.5)


def test_remaining_below_the_local_count_is_booked_as_someone_elses_requests() -> None:
    """When the API reports fewer remaining than the log predicts, the difference is spent: fewer slots are left."""
    budget, _ = limiter(limit=10)
    for _ in range(3):
        budget._reserve()
    budget._release()
    budget._release()  # two answered, one still in flight: 3 used here
    budget.observe(200, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "3"})  # the API counts 7
    budget._release()
    granted = 0
    while budget._reserve() == 0.0:
        granted += 1
    assert granted == 3


def test_a_429_pauses_every_request_for_retry_after_without_booking_phantoms() -> None:
    """A refusal stops everyone for Retry-After seconds; its 'Remaining: 0' does not fill the window."""
    budget, clock = limiter(limit=10)
    budget.observe(429, {"Retry-After": "4", "X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0"})
    assert budget._reserve() == pytest.approx(4.0)
    clock.now = 4.0
    granted = 0
    while budget._reserve() == 0.0:
        granted += 1
    assert granted == 10
    assert budget.stats.throttled == 1


def test_nothing_remaining_with_a_reset_time_pauses_until_the_reset() -> None:
    """'Remaining: 0' with X-RateLimit-Reset (epoch seconds) holds every request until that moment."""
    budget, clock = limiter(limit=10)
    headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(WALL) + 7)}
    budget.observe(200, headers)
    assert budget._reserve() == pytest.approx(7.0)
    clock.now = 7.0
    assert budget._reserve() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"per_minute": 0}, "per_minute"), ({"per_minute": True}, "per_minute"), ({"window": float("inf")}, "window")],
)
def test_a_limiter_with_an_impossible_budget_is_refused(kwargs: dict[str, object], field: str) -> None:
    """A limit below 1 or an infinite window raises ValidationError naming the argument."""
    with pytest.raises(ValidationError, match=field):
        RateLimiter(**kwargs)  # type: ignore[arg-type]


@given(
    limit=st.integers(1, 5),
    requests=st.lists(
        st.tuples(st.floats(0, 4), st.floats(0, 3), st.floats(0, 3)),  # gap before, to the server, back
        min_size=1,
        max_size=40,
    ),
)
def test_the_server_never_counts_more_than_the_limit_in_any_window(
    limit: int, requests: list[tuple[float, float, float]]
) -> None:
    """Whatever the latencies, requests reach a sliding-window server at most *limit* per window."""
    window = 10.0
    budget, clock = limiter(limit=limit, window=window)
    releases: list[float] = []
    arrivals: list[float] = []

    def advance_to(moment: float) -> None:
        while releases and releases[0] <= moment:
            clock.now = heapq.heappop(releases)
            budget._release()
        clock.now = max(clock.now, moment)

    for gap, to_server, back in requests:
        advance_to(clock.now + gap)
        for _ in range(10_000):
            delay = budget._reserve()
            if delay == 0.0:
                break
            advance_to(min(releases[0], clock.now + delay) if releases else clock.now + delay)
        arrivals.append(clock.now + to_server)
        heapq.heappush(releases, clock.now + to_server + back)
    for arrival in arrivals:
        assert sum(1 for other in arrivals if arrival - window < other <= arrival) <= limit


def test_threads_and_coroutines_draw_from_one_budget() -> None:
    """A blocking slot in a thread and an async slot share the count: the third request of two allowed waits.

    The window ends only once someone was made to wait (a real clock let the threads' slots leave the
    0.3 s window before the coroutine asked, if joining them and starting its loop took that long)."""
    holder: list[RateLimiter] = []
    budget = RateLimiter(2, window=0.3, clock=lambda: 1.0 if holder[0].stats.waited else 0.0)
    holder.append(budget)
    order: list[str] = []

    def blocking() -> None:
        with budget.slot():
            order.append("thread")

    threads = [threading.Thread(target=blocking) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    async def later() -> None:
        async with budget.slot_async():
            order.append("coroutine")

    anyio.run(later)
    assert order == ["thread", "thread", "coroutine"]
    assert budget.stats.granted == 3
    assert budget.stats.waited > 0


def test_a_refused_limiter_can_be_shown_in_a_traceback_with_locals() -> None:
    """The half-built limiter is ``self`` in the frame that raises: ``capture_locals=True`` (unittest
    --locals) calls its repr, which must not raise AttributeError in place of the refusal."""
    import traceback

    with pytest.raises(ValidationError) as caught:
        RateLimiter(-5)
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "ValidationError" in text and "<RateLimiter (not configured)>" in text
