"""``with_options``: a client with other settings for its calls that shares the original's connections,
key, clock, throttle and closing (as openai-python's ``client.with_options(timeout=..., max_retries=...)``)."""

from __future__ import annotations

import copy
import gc
import pickle
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx
from clientkit import (
    API_KEY,
    BASE_URL,
    JOB_ID,
    Api,
    ClosingTransport,
    FakeTime,
    MakeApi,
    MakeTransport,
    aclose_in_the_gap_of,
    close_http_client,
    count_http_clients,
    job_response,
    own_http_client,
    running_after_the_first_poll,
)

from pyannoteai_identify import (
    AsyncClient,
    Client,
    ConfigurationError,
    PollSchedule,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

pytestmark = pytest.mark.anyio

TEST_BODY = {"status": "OK", "message": "Test connection successful"}
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0).as_dict()


def _timeouts(route: respx.Route) -> list[dict[str, Any]]:
    return [call.request.extensions["timeout"] for call in route.calls]


async def test_a_derived_client_sends_on_the_originals_pool_with_its_own_timeout_on_each_request(
    mode: str, make_api: MakeApi, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No httpx client (so no connection pool) is made for the derived client: it sends on the
    original's, with its key and base URL, and each of its requests carries its timeout while the
    original's keep theirs."""
    created = count_http_clients(mode, monkeypatch)
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    job = router.get(f"/v1/jobs/{JOB_ID}").mock(return_value=job_response("running"))
    api = make_api()
    derived = Api(api.client.with_options(timeout=12.5))
    assert type(derived.client) is type(api.client)
    assert derived.client.base_url == api.client.base_url
    await derived.test()
    await derived.get_job(JOB_ID)
    await api.test()
    await derived.test()

    assert len(created) == 1
    expected = httpx.Timeout(12.5).as_dict()
    assert _timeouts(route) == [expected, DEFAULT_TIMEOUT, expected]
    assert _timeouts(job) == [expected]
    assert {call.request.headers["Authorization"] for call in router.calls} == {f"Bearer {API_KEY}"}


async def test_max_retries_zero_on_a_derived_client_makes_one_attempt(make_api: MakeApi, router: respx.Router) -> None:
    """``with_options(max_retries=0)`` sends a refused read once; the original still retries (3)."""
    route = router.get("/v1/test").respond(503)
    api = make_api()
    with pytest.raises(ServerError):
        await Api(api.client.with_options(max_retries=0)).test()
    assert route.call_count == 1
    with pytest.raises(ServerError):
        await api.test()
    assert route.call_count == 1 + 4


async def test_max_retries_on_a_derived_client_keeps_the_originals_backoff(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """max_retries alone changes the count of the original's retry policy, not its backoff."""
    route = router.get("/v1/test").respond(503)
    api = make_api(retry_policy=RetryPolicy(max_retries=3, initial=0.25, random=lambda: 1.0))
    with pytest.raises(ServerError):
        await Api(api.client.with_options(max_retries=1)).test()
    assert route.call_count == 2
    assert fake_time.sleeps == [0.25]


async def test_nested_with_options_compose_and_the_last_call_wins(make_api: MakeApi, router: respx.Router) -> None:
    """Options given by an earlier call stay unless a later one gives them again."""
    route = router.get("/v1/test").respond(503)
    first = make_api().client.with_options(timeout=5.0, max_retries=1)
    second = first.with_options(max_retries=0)
    third = second.with_options(timeout=7.0)
    for client, attempts, seconds in ((first, 2, 5.0), (second, 1, 5.0), (third, 1, 7.0)):
        route.calls.clear()
        with pytest.raises(ServerError):
            await Api(client).test()
        assert _timeouts(route) == [httpx.Timeout(seconds).as_dict()] * attempts


async def test_a_derived_client_takes_its_poll_schedule(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """``poll_schedule=`` shapes the derived client's waits only."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(
        side_effect=[job_response("running"), job_response("succeeded", {"voiceprint": "aGVsbG8"})]
    )
    api = make_api()
    derived = Api(api.client.with_options(poll_schedule=PollSchedule(initial=42.0, jitter=0.0)))
    await derived.wait(JOB_ID, kind="voiceprint")
    assert fake_time.sleeps == [42.0]


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": float("nan")},
        {"timeout": 1e300},
        {"timeout": httpx.Timeout(5.0, pool=1e300)},
        {"timeout": "30"},
        {"max_retries": -1},
        {"max_retries": True},
        {"max_retries": 1.5},
        {"max_retries": 2, "retry_policy": RetryPolicy(max_retries=1)},
    ],
    ids=lambda options: "-".join(f"{name}={value!r}" for name, value in options.items()),
)
async def test_options_are_refused_as_the_constructor_refuses_them_before_anything_is_sent(
    mode: str, make_api: MakeApi, router: respx.Router, options: dict[str, Any]
) -> None:
    """The same ConfigurationError, with the same message, as ``Client(**options)``; nothing is sent."""
    cls = AsyncClient if mode == "async" else Client
    with pytest.raises(ConfigurationError) as by_constructor:
        cls(API_KEY, base_url=BASE_URL, **options)
    api = make_api()
    with pytest.raises(ConfigurationError) as by_with_options:
        api.client.with_options(**options)
    assert str(by_with_options.value) == str(by_constructor.value)
    assert router.calls.call_count == 0


async def test_a_derived_client_shares_the_originals_rate_limit_throttle(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """The rate limit is per key: a 429 with Retry-After seen by the derived client holds back the
    original's next request (on the clock they share), as it holds back the derived client's own."""
    router.get("/v1/test").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "20"}), httpx.Response(200, json=TEST_BODY)]
    )
    api = make_api()
    with pytest.raises(RateLimitError):
        await Api(api.client.with_options(max_retries=0)).test()
    assert fake_time.sleeps == []
    await api.test()
    assert sum(fake_time.sleeps) == pytest.approx(20.0, abs=1.0)


async def test_closing_the_original_ends_the_derived_clients(make_api: MakeApi, router: respx.Router) -> None:
    """After the original is closed, a derived client (and one derived from it) refuses calls as a
    closed client does, sending nothing; with_options on a closed client is refused too."""
    router.get("/v1/test").respond(200, json=TEST_BODY)
    api = make_api()
    derived = api.client.with_options(timeout=5.0)
    nested = derived.with_options(max_retries=0)
    await api.close()
    for client in (derived, nested):
        with pytest.raises(ConfigurationError, match="is closed: create a new one"):
            await Api(client).test()
    for client in (api.client, derived):
        with pytest.raises(ConfigurationError, match="is closed: create a new one"):
            client.with_options(timeout=5.0)
    assert router.calls.call_count == 0


async def test_closing_the_original_ends_a_client_derived_from_a_derived_client_no_longer_referenced(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """``client.with_options(timeout=5).with_options(max_retries=0)`` keeps only the last client: the
    one in between is garbage. Closing the original must still end the last one (its calls refused
    as a closed client's, nothing sent), not leave it sending on an http_client of the caller's."""
    router.get("/v1/test").respond(200, json=TEST_BODY)
    http_client = own_http_client(mode, router)
    api = make_api(http_client=http_client)
    nested = api.client.with_options(timeout=5.0).with_options(max_retries=0)
    gc.collect()  # the client in between is gone
    await api.close()
    with pytest.raises(ConfigurationError, match="is closed: create a new one"):
        await Api(nested).test()
    assert router.calls.call_count == 0
    await close_http_client(http_client)


async def test_closing_a_derived_client_or_leaving_its_with_block_leaves_the_shared_pool_open(
    mode: str, make_api: MakeApi, router: respx.Router
) -> None:
    """The derived client ends (its calls refused as a closed client's), the original goes on over
    its pool, which was not closed."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    transport = ClosingTransport(router.async_handler if mode == "async" else router.handler)
    api = make_api(transport=transport)
    derived = Api(api.client.with_options(timeout=5.0))
    async with derived.session():
        await derived.test()
    with pytest.raises(ConfigurationError, match="is closed: create a new one"):
        await derived.test()
    other = Api(api.client.with_options(max_retries=0))
    await other.close()
    with pytest.raises(ConfigurationError, match="is closed: create a new one"):
        await other.test()
    await api.test()
    assert route.call_count == 2
    assert transport.closed == []
    await api.close()
    assert transport.closed == (["aclose"] if mode == "async" else ["close"])


def test_closing_the_original_ends_a_derived_clients_wait_in_another_thread() -> None:
    """A wait of a derived client sleeping its gap in another thread ends at once when the
    original is closed (not at its next poll, 120 s later)."""
    polled = threading.Event()
    client = Client(API_KEY, base_url=BASE_URL, transport=running_after_the_first_poll(polled.set))
    derived = client.with_options(poll_schedule=PollSchedule(initial=120, maximum=300))
    raised: list[BaseException] = []

    def wait() -> None:
        try:
            derived.wait(JOB_ID, timeout=3600)
        except BaseException as error:
            raised.append(error)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    assert polled.wait(10)
    time.sleep(0.05)  # the wait is now in its gap
    client.close()
    waiter.join(30)  # a bound for a broken build; the 120 s gap is what it must not sleep out
    assert not waiter.is_alive()
    (error,) = raised
    assert isinstance(error, ConfigurationError) and "is closed" in str(error)


async def test_closing_the_original_ends_a_derived_clients_wait_in_another_task() -> None:
    """The async twin: aclose() of the original ends a derived client's wait in another task at once."""
    polled = anyio.Event()
    client = AsyncClient(API_KEY, base_url=BASE_URL, transport=running_after_the_first_poll(polled.set))
    derived = client.with_options(poll_schedule=PollSchedule(initial=120, maximum=300))
    error = await aclose_in_the_gap_of(client, lambda: derived.wait(JOB_ID, timeout=3600), polled)
    assert isinstance(error, ConfigurationError) and "is closed" in str(error)


async def test_a_derived_clients_repr_never_shows_the_key(api: Api) -> None:
    derived = api.client.with_options(timeout=5.0)
    assert "api.pyannote.ai" in repr(derived)
    assert API_KEY not in repr(derived)
    assert API_KEY not in repr(vars(derived))


@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
async def test_a_derived_client_cannot_be_copied_or_pickled_either(how: str, api: Api) -> None:
    derived = api.client.with_options(timeout=5.0)
    copies = {"pickle": pickle.dumps, "copy": copy.copy, "deepcopy": copy.deepcopy}
    with pytest.raises(TypeError, match="cannot be copied or pickled") as raised:
        copies[how](derived)
    assert API_KEY not in str(raised.value)


async def test_closing_the_original_ends_a_long_chain_of_derived_clients(
    make_api: MakeApi, router: respx.Router
) -> None:
    """Clients each made by ``with_options`` from the one before, all kept: closing the original ends
    every one of them (a RecursionError once the chain was deeper than Python's stack allowed)."""
    router.get("/v1/test").respond(200, json=TEST_BODY)
    api = make_api()
    chain = [api.client]
    for _ in range(3000):
        chain.append(chain[-1].with_options(max_retries=0))
    await api.close()
    with pytest.raises(ConfigurationError, match="is closed: create a new one"):
        await Api(chain[-1]).test()
    assert router.calls.call_count == 0


class TenantClient(Client):
    """A user's subclass with an attribute of its own, set by its ``__init__``."""

    def __init__(self, *args: Any, tenant: str = "default", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self._calls_seen: list[str] = []


class AsyncTenantClient(AsyncClient):
    def __init__(self, *args: Any, tenant: str = "default", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self._calls_seen: list[str] = []


async def test_a_derived_client_of_a_subclass_has_the_attributes_its_original_has(
    mode: str, make_transport: MakeTransport, router: respx.Router
) -> None:
    """A subclass's own attributes (set by its ``__init__``, which ``with_options`` does not run) are
    the original's on a derived client, and on one derived from it: the original's values, not the
    defaults of ``__init__`` (an AttributeError once). The SDK's own state stays the derived
    client's: its timeout, a ``with`` block of its own while the original is in one, the shared pool."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    cls = AsyncTenantClient if mode == "async" else TenantClient
    original = Api(cls(API_KEY, base_url=BASE_URL, transport=make_transport(), tenant="acme"))
    async with original.session() as entered:
        client: Any = entered
        derived = client.with_options(timeout=5.0)
        nested = derived.with_options(max_retries=0)
        for made in (nested, derived):  # the nested one first: closing derived ends it too
            assert type(made) is cls
            assert made.tenant == "acme"
            assert made._calls_seen is client._calls_seen
            async with Api(made).session():
                await Api(made).test()
        assert _timeouts(route) == [httpx.Timeout(5.0).as_dict()] * 2
    with pytest.raises(ConfigurationError, match="is closed: create a new one"):
        await Api(nested).test()


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    """The cycle collector off: what the test sees freed was freed by reference counting alone."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.usefixtures("no_cycle_collector")
async def test_a_derived_client_no_longer_referenced_is_freed_at_once(make_api: MakeApi, router: respx.Router) -> None:
    """A derived client (and one derived from it) that was used and is no longer referenced is freed
    when its last reference goes, not at the cycle collector's next run; the original goes on."""
    router.get("/v1/test").respond(200, json=TEST_BODY)
    api = make_api()
    derived = api.client.with_options(timeout=5.0)
    nested = derived.with_options(max_retries=0)
    await Api(nested).test()
    freed = [weakref.ref(derived), weakref.ref(nested)]
    del derived, nested
    assert [ref() for ref in freed] == [None, None]
    await api.test()


class SlottedTenantClient(Client):
    """A user's subclass that keeps its attribute in a slot (``__slots__``), not in ``__dict__``."""

    __slots__ = ("tenant",)

    def __init__(self, *args: Any, tenant: str = "default", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant


class AsyncSlottedTenantClient(AsyncClient):
    __slots__ = ("tenant",)

    def __init__(self, *args: Any, tenant: str = "default", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant


async def test_a_derived_client_of_a_subclass_with_slots_has_the_slots_its_original_has(
    mode: str, make_transport: MakeTransport, router: respx.Router
) -> None:
    """``with_options`` gives a subclass's attributes "as ``copy.copy`` gives them", and copy.copy
    copies the values of ``__slots__`` too: a subclass keeping ``tenant`` in a slot must not get a
    derived client that raises AttributeError on it (only ``__dict__`` was copied)."""
    router.get("/v1/test").respond(200, json=TEST_BODY)
    cls = AsyncSlottedTenantClient if mode == "async" else SlottedTenantClient
    original = Api(cls(API_KEY, base_url=BASE_URL, transport=make_transport(), tenant="acme"))
    async with original.session() as entered:
        client: Any = entered
        derived = client.with_options(timeout=5.0)
        nested = derived.with_options(max_retries=0)
        for made in (nested, derived):
            assert type(made) is cls
            assert made.tenant == "acme"
            await Api(made).test()
