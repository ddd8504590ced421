"""WebhookBroker: events meet their waiters across threads and event loops, and none is lost."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

import anyio
import pytest

from pyannoteai_identify import _webhook_broker, receiver
from pyannoteai_identify.errors import ValidationError
from pyannoteai_identify.receiver import DISCARDED_IDS, WebhookBroker, _AsyncWaiter
from pyannoteai_identify.results import JobStatus
from pyannoteai_identify.webhooks import WebhookEvent


@pytest.fixture(params=["asyncio", pytest.param("trio", marks=pytest.mark.needs_trio)])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """The broker's async side works on either anyio backend: each async test runs on both."""
    backend: str = request.param
    return backend


def event(job_id: str) -> WebhookEvent:
    return WebhookEvent(
        job_id=job_id,
        status=JobStatus.CANCELED,
        result=None,
        error=None,
        warning=None,
        kind=None,
        retry_num=0,
        retry_reason=None,
        timestamp=0,
        raw=MappingProxyType({"jobId": job_id, "status": "canceled"}),
    )


def wait_until_waiting(broker: WebhookBroker, job_id: str) -> None:
    """Block (bounded) until someone waits for *job_id* on the broker."""
    for _ in range(10_000):
        with broker._lock:
            if job_id in broker._waiters:
                return
        threading.Event().wait(0.001)
    raise AssertionError(f"nobody started waiting for {job_id}")


def test_an_event_published_before_anyone_waits_is_kept_for_the_first_waiter() -> None:
    """A fast webhook is not lost: wait() returns it at once, and only once."""
    broker = WebhookBroker()
    broker.publish(event("j1"))
    assert broker.pending() == 1
    got = broker.wait("j1", timeout=0)
    assert got is not None and got.job_id == "j1"
    assert broker.wait("j1", timeout=0) is None


def test_wait_returns_none_after_the_timeout_when_nothing_arrives() -> None:
    """Without an event for the job, wait() gives None and leaves no waiter behind."""
    broker = WebhookBroker()
    broker.publish(event("other"))
    assert broker.wait("j1", timeout=0.01) is None
    assert broker._waiters == {}


def test_wait_in_one_thread_receives_an_event_published_from_another() -> None:
    """publish() from a server thread wakes a wait() blocked in the caller's thread."""
    broker = WebhookBroker()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(broker.wait, "j1", 10)
        wait_until_waiting(broker, "j1")
        broker.publish(event("other"))
        broker.publish(event("j1"))
        got = future.result(timeout=10)
    assert got is not None and got.job_id == "j1"
    assert broker.pending() == 1  # "other" is kept, "j1" was handed over


def test_every_waiter_for_the_same_job_receives_the_event() -> None:
    """Two threads waiting for one job both get its event; nothing is kept afterwards."""
    broker = WebhookBroker()
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(broker.wait, "j1", 10) for _ in range(2)]
        for _ in range(10_000):
            with broker._lock:
                if len(broker._waiters.get("j1", [])) == 2:
                    break
            threading.Event().wait(0.001)
        broker.publish(event("j1"))
        results = [f.result(timeout=10) for f in futures]
    assert [r.job_id if r else None for r in results] == ["j1", "j1"]
    assert broker.pending() == 0


@pytest.mark.anyio
async def test_wait_async_receives_an_event_published_from_another_thread() -> None:
    """A coroutine awaiting the broker is woken by publish() from a non-loop thread."""
    broker = WebhookBroker()
    publisher = threading.Thread(target=lambda: (wait_until_waiting(broker, "j1"), broker.publish(event("j1"))))
    publisher.start()
    try:
        got = await broker.wait_async("j1", timeout=10)
    finally:
        publisher.join(timeout=10)
    assert got is not None and got.job_id == "j1"


@pytest.mark.anyio
async def test_wait_async_returns_a_kept_event_at_once() -> None:
    """An event published before wait_async is returned immediately."""
    broker = WebhookBroker()
    broker.publish(event("j1"))
    got = await broker.wait_async("j1", timeout=0)
    assert got is not None and got.job_id == "j1"


@pytest.mark.anyio
async def test_wait_async_times_out_with_none_and_cleans_up() -> None:
    """wait_async gives None after the timeout and leaves no waiter registered."""
    broker = WebhookBroker()
    assert await broker.wait_async("j1", timeout=0.01) is None
    assert broker._waiters == {}


@pytest.mark.anyio
async def test_an_event_reaching_an_async_waiter_that_gave_up_is_kept_for_the_next_one() -> None:
    """publish() took the waiter, but its task was cancelled before the hand-over ran: the event is kept."""
    broker = WebhookBroker()
    async with anyio.create_task_group() as group:
        group.start_soon(broker.wait_async, "j1", 10)
        while not broker._waiters.get("j1"):
            await anyio.sleep(0)
        with broker._lock:
            (waiter,) = broker._waiters["j1"]
        group.cancel_scope.cancel()
    waiter._resolve(event("j1"))  # the hand-over publish() scheduled on the loop runs only now
    got = broker.wait("j1", timeout=0)
    assert got is not None and got.job_id == "j1"


def test_an_event_reaching_a_thread_waiter_interrupted_by_ctrl_c_is_kept_for_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sync twin of the test above: publish() handed the event to a blocking wait() just as
    Ctrl-C reached it (KeyboardInterrupt raised in threading.Event.wait). The event must be kept for
    the wait that resumes the job, as wait_async keeps one its cancellation interrupted."""
    broker = WebhookBroker()

    class Interrupted(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            broker.publish(event("j1"))  # the delivery arrives (it goes to this waiter)...
            raise KeyboardInterrupt  # ...as the user presses Ctrl-C

    class Waiter(receiver._ThreadWaiter):
        def __init__(self) -> None:
            super().__init__()
            self.ready = Interrupted()

    monkeypatch.setattr(_webhook_broker, "_ThreadWaiter", Waiter)  # where WebhookBroker.wait looks it up
    with pytest.raises(KeyboardInterrupt):
        broker.wait("j1", timeout=10)
    monkeypatch.undo()
    assert broker._waiters == {}
    got = broker.wait("j1", timeout=0)
    assert got is not None and got.job_id == "j1"


@pytest.mark.parametrize("backend", ["asyncio", pytest.param("trio", marks=pytest.mark.needs_trio)])
def test_an_event_for_a_waiter_on_a_closed_event_loop_is_kept(backend: str) -> None:
    """A waiter whose event loop has closed cannot take the event, so the broker keeps it."""
    broker = WebhookBroker()

    async def make_waiter() -> _AsyncWaiter:
        return _AsyncWaiter(broker)

    waiter = anyio.run(make_waiter, backend=backend)  # its loop is closed once the run returns
    broker._waiters["j1"] = [waiter]
    broker.publish(event("j1"))
    got = broker.wait("j1", timeout=0)
    assert got is not None and got.job_id == "j1"


def test_kept_events_are_bounded_and_the_oldest_is_dropped() -> None:
    """Past max_pending, the oldest unclaimed event is forgotten."""
    broker = WebhookBroker(max_pending=2)
    for job_id in ("a", "b", "c"):
        broker.publish(event(job_id))
    assert broker.pending() == 2
    assert broker.wait("a", timeout=0) is None
    assert broker.wait("c", timeout=0) is not None


def test_an_event_published_again_counts_as_the_newest_when_the_oldest_is_dropped() -> None:
    """A job published twice (two receivers sharing a broker) moves to the back of the queue: the
    bound then drops the oldest other event, never the one just published."""
    broker = WebhookBroker(max_pending=2)
    for job_id in ("a", "b", "a", "c"):
        broker.publish(event(job_id))
    assert broker.wait("b", timeout=0) is None
    assert broker.wait("a", timeout=0) is not None
    assert broker.wait("c", timeout=0) is not None


@pytest.mark.parametrize("timeout", [-1, float("inf"), float("nan"), None, True])
def test_timeout_must_be_a_finite_non_negative_number(timeout: float) -> None:
    """wait() refuses a negative, infinite, NaN, missing or boolean timeout, naming it: every wait is bounded."""
    with pytest.raises(ValidationError, match="timeout"):
        WebhookBroker().wait("j1", timeout=timeout)


def test_a_long_finite_timeout_is_waited_as_given() -> None:
    """A finite timeout beyond what the platform's thread timers take (``threading.TIMEOUT_MAX``,
    about 292 years) passes the check, then raised OverflowError: a wait that long is a wait
    without end, and the event that arrives is handed over."""
    broker = WebhookBroker()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(broker.wait, "j1", 1e10)
        wait_until_waiting(broker, "j1")
        broker.publish(event("j1"))
        got = future.result(timeout=10)
    assert got is not None and got.job_id == "j1"


def test_max_pending_must_be_positive() -> None:
    """max_pending below 1 is refused naming the field."""
    with pytest.raises(ValidationError, match="max_pending"):
        WebhookBroker(max_pending=0)


def test_repr_shows_the_bound_and_the_count() -> None:
    """The repr tells how many events are kept."""
    broker = WebhookBroker(max_pending=5)
    broker.publish(event("a"))
    assert repr(broker) == "WebhookBroker(max_pending=5, max_age=900, pending=1)"


def test_an_unclaimed_event_is_dropped_after_max_age() -> None:
    """A kept event holds a whole output: one nobody claims within max_age seconds is let go."""
    now = [0.0]
    broker = WebhookBroker(max_age=60, clock=lambda: now[0])
    broker.publish(event("old"))
    now[0] = 30.0
    broker.publish(event("new"))
    assert broker.pending() == 2
    now[0] = 61.0
    assert broker.pending() == 1
    assert broker.wait("old", timeout=0) is None
    got = broker.wait("new", timeout=0)
    assert got is not None and got.job_id == "new"


def test_discard_drops_the_event_kept_for_a_job() -> None:
    """discard() lets the kept event of a job whose result came another way go; others stay."""
    broker = WebhookBroker()
    broker.publish(event("a"))
    broker.publish(event("b"))
    broker.discard("a")
    broker.discard("unknown")
    assert broker.pending() == 1 and broker.wait("a", timeout=0) is None


def _succeeded(job_id: str) -> WebhookEvent:
    """A signed, parsed delivery of a succeeded voiceprint job, its output and all."""
    from pyannoteai_identify import webhooks

    body = json.dumps({"jobId": job_id, "status": "succeeded", "output": {"voiceprint": "dm9pY2U="}}).encode()
    headers = webhooks.sign(body, "whsec_broker", 1_700_000_000)
    return webhooks.parse(body, headers, "whsec_broker", now=1_700_000_000)


def test_a_delivery_arriving_after_its_job_was_discarded_keeps_its_envelope_only() -> None:
    """A poll often ends a wait before the webhook comes: the late delivery of a discarded job was
    kept, holding its output, for max_age seconds, and a busy service's broker stayed full of them
    (177 after 200 jobs), its real waiters' events competing for the slots. Only its envelope is
    kept now, outside those slots: a second waiter on the same job still learns at once that it
    ended, without its output (so it polls for it), instead of sleeping a whole gap."""
    broker = WebhookBroker(max_pending=1)
    broker.discard("settled")
    broker.publish(_succeeded("settled"))
    broker.publish(event("other"))
    assert broker.pending() == 1  # the slot is the other job's
    late = broker.wait("settled", timeout=0)
    assert late is not None and late.status == JobStatus.SUCCEEDED
    assert late.result is None and dict(late.raw) == {"jobId": "settled", "status": "succeeded"}
    assert broker.wait("settled", timeout=0) is None  # handed out once
    assert broker.wait("other", timeout=0) is not None


def test_a_second_discard_keeps_the_envelope_already_kept() -> None:
    """Two waits ending by their polls discard the job twice: the late delivery's envelope, kept
    after the first, is still there for a third waiter."""
    broker = WebhookBroker()
    broker.discard("settled")
    broker.publish(_succeeded("settled"))
    broker.discard("settled")
    late = broker.wait("settled", timeout=0)
    assert late is not None and late.status == JobStatus.SUCCEEDED and late.result is None


def test_a_discarded_job_is_waited_for_again_as_any_other() -> None:
    """Someone waiting for a discarded job gets its delivery whole."""
    broker = WebhookBroker()
    broker.discard("settled")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(broker.wait, "settled", 5.0)
        while not broker._waiters:  # the waiter is registered before the delivery comes
            threading.Event().wait(0.001)
        broker.publish(_succeeded("settled"))
        got = waiting.result(timeout=10)
    assert got is not None and got.result is not None


def test_a_discard_is_forgotten_after_max_age() -> None:
    """A delivery coming more than max_age seconds after its job was discarded is kept whole."""
    now = [0.0]
    broker = WebhookBroker(max_age=60, clock=lambda: now[0])
    broker.discard("settled")
    now[0] = 60.0
    broker.publish(_succeeded("settled"))
    assert broker.pending() == 1
    kept = broker.wait("settled", timeout=0)
    assert kept is not None and kept.result is not None


def test_the_discarded_job_ids_remembered_are_bounded() -> None:
    """Each discard is remembered (an id, and at most an envelope), DISCARDED_IDS of them, oldest first out."""
    broker = WebhookBroker()
    for number in range(DISCARDED_IDS + 10):
        broker.discard(f"job-{number}")
    assert len(broker._discarded) == DISCARDED_IDS
    broker.publish(_succeeded("job-0"))
    broker.publish(_succeeded(f"job-{DISCARDED_IDS + 9}"))
    assert broker.pending() == 1
    first, last = broker.wait("job-0", timeout=0), broker.wait(f"job-{DISCARDED_IDS + 9}", timeout=0)
    assert first is not None and first.result is not None
    assert last is not None and last.result is None


@pytest.mark.parametrize("max_age", [0, -1, float("nan"), float("inf"), True, "60"])
def test_max_age_must_be_a_positive_finite_number(max_age: object) -> None:
    with pytest.raises(ValidationError, match="max_age"):
        WebhookBroker(max_age=max_age)  # type: ignore[arg-type]


def test_an_expired_event_is_not_handed_to_a_late_waiter() -> None:
    """wait() itself drops events past max_age: no pending() call is needed first."""
    now = [0.0]
    broker = WebhookBroker(max_age=60, clock=lambda: now[0])
    broker.publish(event("old"))
    now[0] = 61.0
    assert broker.wait("old", timeout=0) is None


def test_an_event_is_dropped_when_exactly_max_age_old() -> None:
    """Kept for max_age seconds, not one instant more."""
    now = [0.0]
    broker = WebhookBroker(max_age=60, clock=lambda: now[0])
    broker.publish(event("a"))
    now[0] = 59.999
    assert broker.pending() == 1
    now[0] = 60.0
    assert broker.pending() == 0


def test_a_kept_event_keeps_its_parsed_result_but_not_its_raw_output() -> None:
    """A kept event held the delivery's output twice: parsed (result) and as raw JSON objects, which
    take several times the JSON's size (300 unclaimed 1.2 MB deliveries retained 1.7 GiB). A waiter
    gets the result and the envelope; an event handed straight to a waiter keeps its raw whole."""
    from pyannoteai_identify import webhooks

    output = {"voiceprint": "dm9pY2U="}
    body = json.dumps({"jobId": "j1", "status": "succeeded", "output": output}).encode()
    headers = webhooks.sign(body, "whsec_broker", 1_700_000_000)
    delivered = webhooks.parse(body, headers, "whsec_broker", now=1_700_000_000)
    broker = WebhookBroker()
    broker.publish(delivered)
    kept = broker.wait("j1", timeout=0)
    assert kept is not None and kept.result == delivered.result
    assert dict(kept.raw) == {"jobId": "j1", "status": "succeeded"}
    assert delivered.raw["output"] == output  # the published event itself is unchanged
    # An output that could not be read has no result, and its parsed JSON is the costly part: a
    # kept event drops it too (a wait fetches the job instead, as Client.wait does).
    unknown = {"somethingNew": [1, 2]}
    body = json.dumps({"jobId": "j2", "status": "succeeded", "output": unknown}).encode()
    headers = webhooks.sign(body, "whsec_broker", 1_700_000_000)
    unread = webhooks.parse(body, headers, "whsec_broker", now=1_700_000_000)
    assert unread.result is None and unread.output_error is not None
    broker.publish(unread)
    kept = broker.wait("j2", timeout=0)
    assert kept is not None and kept.output_error is not None and "output" not in kept.raw
