"""Response bodies are read within a size cap and a time budget: no answer holds a call forever."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from clientkit import IDENTIFY_OUTPUT, JOB_ID, Api, FakeTime, MakeApi, job_body

from pyannoteai_identify import (
    APIConnectionError,
    APITimeoutError,
    IdentifyResult,
    Job,
    WaitTimeoutError,
    _bounded,
)

pytestmark = pytest.mark.anyio

CHUNK = b"x" * 1024


def _streamed(mode: str, chunks: Iterator[bytes]) -> httpx.Response:
    """A 200 whose body arrives chunk by chunk, in the client's flavour (sync or async)."""
    if mode == "sync":
        return httpx.Response(200, headers={"Content-Type": "application/json"}, content=chunks)

    async def agen() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return httpx.Response(200, headers={"Content-Type": "application/json"}, content=agen())


async def test_an_endless_body_is_cut_at_the_size_cap(
    api: Api, mode: str, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body that never ends used to be read into memory until it ran out (3.9 GB in the review):
    reading stops past MAX_RESPONSE_BYTES, and the safe read is retried like a broken connection."""
    monkeypatch.setattr(_bounded, "MAX_RESPONSE_BYTES", 64 * 1024)
    served: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            served[-1] += 1
            yield CHUNK

    def answer(request: httpx.Request) -> httpx.Response:
        served.append(0)
        return _streamed(mode, endless())

    router.get("/v1/test").mock(side_effect=answer)
    with pytest.raises(APIConnectionError, match="over 65536 bytes") as caught:
        await api.test()
    assert not isinstance(caught.value, APITimeoutError)
    assert len(served) == 4  # the first try and max_retries=3 retries
    assert all(chunks <= 65 for chunks in served)


async def test_a_trickling_body_is_given_up_after_its_time_budget(
    api: Api, mode: str, router: respx.Router, fake_time: FakeTime
) -> None:
    """Each byte arriving within the read timeout kept the read alive for ever; the body now has
    ten read timeouts (300 s by default) from its headers, then the call fails as a timeout."""
    read: list[int] = []

    def trickle() -> Iterator[bytes]:
        while True:
            fake_time.now += 25.0  # under the 30 s read timeout, every time
            read.append(1)
            yield b" "

    router.get("/v1/test").mock(side_effect=lambda request: _streamed(mode, trickle()))
    with pytest.raises(APITimeoutError, match="took over 300 s"):
        await api.test()
    assert len(read) <= 4 * 13  # four tries of at most 300 / 25 + 1 chunks


async def test_a_trickling_answer_to_identify_is_not_resent_and_says_the_job_may_exist(
    api: Api, mode: str, router: respx.Router, fake_time: FakeTime
) -> None:
    """The bounds apply to job-creating POSTs too; as for any lost response, it is sent once."""

    def trickle() -> Iterator[bytes]:
        while True:
            fake_time.now += 25.0
            yield b" "

    route = router.post("/v1/identify").mock(side_effect=lambda request: _streamed(mode, trickle()))
    with pytest.raises(APITimeoutError, match="job may exist"):
        await api.identify("https://files.example.com/a.wav", {"Alice": "dm9pY2VwcmludA=="})
    assert route.call_count == 1


async def test_a_body_within_the_bounds_is_read_whole_and_decoded(api: Api, mode: str, router: respx.Router) -> None:
    """A chunked body within the bounds comes back whole, as one JSON document."""
    body = b'{"status": "OK", "message": "' + b"y" * 5000 + b'"}'
    chunks = [body[i : i + 700] for i in range(0, len(body), 700)]
    router.get("/v1/test").mock(side_effect=lambda request: _streamed(mode, iter(chunks)))
    status = await api.test()
    assert status.status == "OK" and status.message == "y" * 5000


def test_the_body_budget_is_ten_read_timeouts_or_none_and_never_more_than_asked() -> None:
    assert _bounded.body_budget(httpx.Timeout(30.0, connect=10.0)) == 300.0
    assert _bounded.body_budget(httpx.Timeout(None)) is None
    assert _bounded.body_budget(httpx.Timeout(30.0), at_most=35.0) == 35.0
    assert _bounded.body_budget(httpx.Timeout(30.0), at_most=900.0) == 300.0
    assert _bounded.body_budget(httpx.Timeout(None), at_most=35.0) == 35.0


async def test_a_trickling_poll_does_not_hold_a_wait_past_its_deadline_by_more_than_one_read_timeout(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """wait(timeout=5) used to read a trickling poll for its whole 300 s body budget: the body now
    gets the time left before the deadline plus one read timeout (30 s), then the wait ends."""
    api = make_api(timeout=30.0)

    def trickle() -> Iterator[bytes]:
        while True:
            fake_time.now += 1.0
            yield b" "

    router.get(f"/v1/jobs/{JOB_ID}").mock(side_effect=lambda request: _streamed(api_mode(api), trickle()))
    start = fake_time.now
    with pytest.raises(WaitTimeoutError):
        await api.wait(Job(JOB_ID, "created", "identify"), timeout=5)
    assert fake_time.now - start <= 5 + 30 + 1


def api_mode(api: Api) -> str:
    return "async" if api.is_async else "sync"


@pytest.mark.parametrize(("size", "refused"), [(4096, False), (4097, True)], ids=["at-the-cap", "one-byte-over"])
async def test_the_size_cap_is_exact_and_a_refused_body_gives_its_connection_back(
    mode: str, monkeypatch: pytest.MonkeyPatch, size: int, refused: bool
) -> None:
    """A body of exactly MAX_RESPONSE_BYTES is read; one byte more is refused, and the response is
    closed either way, so the connection returns to the pool instead of leaking."""
    monkeypatch.setattr(_bounded, "MAX_RESPONSE_BYTES", 4096)
    response = _streamed(mode, iter([b"x" * 1000] * (size // 1000) + [b"x" * (size % 1000)]))
    response.request = httpx.Request("GET", "https://api.example.test/v1/test")
    if refused:
        with pytest.raises(_bounded.ResponseTooLarge):
            await _read(mode, response)
    else:
        assert len((await _read(mode, response)).content) == size
    assert response.is_closed


async def _read(mode: str, response: httpx.Response) -> httpx.Response:
    if mode == "sync":
        return _bounded.read_body(response, budget=None)
    return await _bounded.aread_body(response, budget=None)


async def test_without_a_read_timeout_a_slow_last_answer_is_read_whole(
    make_api: MakeApi, router: respx.Router, fake_time: FakeTime
) -> None:
    """timeout=httpx.Timeout(10, read=None) asks for no body budget: the wait's deadline sets none
    either (it cut a finished job's last answer short and reported the job as unknown)."""
    api = make_api(timeout=httpx.Timeout(10.0, read=None))
    body = json.dumps(job_body("succeeded", IDENTIFY_OUTPUT)).encode()

    def slow() -> Iterator[bytes]:
        for start in range(0, len(body), 64):
            fake_time.now += 0.1  # past the 0.1 s deadline after the first chunk
            yield body[start : start + 64]

    router.get(f"/v1/jobs/{JOB_ID}").mock(side_effect=lambda request: _streamed(api_mode(api), slow()))
    assert isinstance(await api.wait(Job(JOB_ID, "created", "identify"), timeout=0.1), IdentifyResult)


def _gzip_stream(chunks: Iterator[bytes]) -> bytes:
    """The gzip of the concatenated *chunks*, compressed as they come (never all in memory)."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(chunk) for chunk in chunks) + packer.flush()


async def test_a_body_with_stacked_gzip_encodings_is_not_expanded_past_the_cap(
    api: Api, mode: str, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The maintainers accept that one raw chunk of a gzip body expands about 1000-fold before the
    cap is checked (64 KiB read -> ~64 MB). ``Content-Encoding: gzip, gzip`` multiplies that again:
    httpx decodes every layer of a chunk at once, so a body of about a kilobyte became 128 MiB in
    memory here (64 KiB of raw bytes -> ~64 GiB), far past a 1 MiB cap, before the cap saw it."""
    import tracemalloc

    monkeypatch.setattr(_bounded, "MAX_RESPONSE_BYTES", 1024 * 1024)
    expanded = 128 * 1024 * 1024
    inner = _gzip_stream(bytes(1024 * 1024) for _ in range(expanded // (1024 * 1024)))
    bomb = _gzip_stream(iter([inner]))
    assert len(bomb) < 4096  # one small raw chunk: at most ~4 MB by the single-layer ratio

    def answer(request: httpx.Request) -> httpx.Response:
        # Streamed as a server sends it: respx decodes a bytes body itself when it is mocked.
        response = _streamed(mode, iter([bomb]))
        response.headers["Content-Encoding"] = "gzip, gzip"
        return response

    router.get("/v1/test").mock(side_effect=answer)
    tracemalloc.start()
    try:
        with pytest.raises(APIConnectionError):
            await api.test()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held while reading a {len(bomb)}-byte body"


#: 64 MiB of zeros, gzipped: about 64 KiB, what httpx reads from the network in one go.
BOMB_SIZE = 64 * 1024 * 1024


def _compressed(coding: str, body: bytes) -> bytes:
    """*body* as a server sends it with ``Content-Encoding: gzip``, ``deflate`` (zlib-wrapped) or
    ``raw-deflate`` (``deflate`` without the zlib wrapper, which httpx accepts too)."""
    import zlib

    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[coding]
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(body) + packer.flush()


def _encoded(mode: str, raw: bytes, coding: str, chunk: int) -> httpx.Response:
    """A 200 whose *raw* (compressed) body is streamed in *chunk*-byte pieces, as a server sends it."""
    response = _streamed(mode, iter([raw[i : i + chunk] for i in range(0, len(raw), chunk)]))
    response.headers["Content-Encoding"] = coding
    return response


async def test_a_gzip_bomb_is_not_expanded_past_the_cap(
    api: Api, mode: str, router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One gzip layer: httpx decoded each raw chunk whole before the cap counted it, so a 64 KiB
    read of zeros became 64 MiB in memory with a 1 MiB cap. The decoded size is now bounded by the
    cap plus one decoding step."""
    import tracemalloc

    monkeypatch.setattr(_bounded, "MAX_RESPONSE_BYTES", 1024 * 1024)
    bomb = _gzip_stream(bytes(1024 * 1024) for _ in range(BOMB_SIZE // (1024 * 1024)))
    router.get("/v1/test").mock(side_effect=lambda request: _encoded(mode, bomb, "gzip", len(bomb)))
    tracemalloc.start()
    try:
        with pytest.raises(APIConnectionError, match="over 1048576 bytes"):
            await api.test()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held while reading a {len(bomb)}-byte body"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
@pytest.mark.parametrize("chunk", [1, 700, 1 << 20], ids=["byte-by-byte", "700-byte-chunks", "one-chunk"])
async def test_a_compressed_body_under_the_cap_is_decoded_exactly(
    mode: str, monkeypatch: pytest.MonkeyPatch, coding: str, chunk: int
) -> None:
    """gzip, zlib-wrapped deflate and raw deflate (httpx accepts both deflates) decode to the very
    bytes sent, however the raw body is cut, up to exactly the cap."""
    monkeypatch.setattr(_bounded, "MAX_RESPONSE_BYTES", 300_000)
    body = b"".join(b"%d," % (i * i) for i in range(100_000))[:300_000]
    header = "deflate" if coding == "raw-deflate" else coding
    response = _encoded(mode, _compressed(coding, body), header, chunk)
    response.request = httpx.Request("GET", "https://api.example.test/v1/test")
    assert (await _read(mode, response)).content == body
    assert response.is_closed


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br"])
async def test_a_coding_the_sdk_cannot_bound_is_refused_before_decoding(
    api: Api, mode: str, router: respx.Router, coding: str
) -> None:
    """brotli and zstd bodies (httpx decodes them when their packages are installed) cannot be
    decoded a step at a time with the standard library: they are refused as a transport failure,
    as stacked codings are, and never handed over still compressed."""
    router.get("/v1/test").mock(side_effect=lambda request: _encoded(mode, b"\x00" * 64, coding, 64))
    with pytest.raises(APIConnectionError, match="cannot be decoded within"):
        await api.test()


def test_api_requests_advertise_only_the_codings_the_sdk_decodes_within_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """httpx's default Accept-Encoding lists br and zstd when brotli/zstandard are installed; the
    SDK asks only for what it can bound (a caller's own header keeps its other codings out too)."""
    from pyannoteai_identify import Client

    monkeypatch.setattr(httpx._client, "ACCEPT_ENCODING", "gzip, deflate, br, zstd")
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "OK", "message": "ok"})

    for accept in (None, "br, gzip;q=0.9, zstd"):
        http = httpx.Client(transport=httpx.MockTransport(answer))
        if accept is not None:
            http.headers["Accept-Encoding"] = accept
        with Client(api_key="k", http_client=http) as client:
            client.test()
        http.close()
    assert [request.headers["Accept-Encoding"] for request in sent] == ["gzip, deflate", "gzip;q=0.9"]


def _codings_allowed(accept: str, offered: tuple[str, ...]) -> set[str]:
    """The codings of *offered* a server may pick under *accept* (RFC 9110 §12.5.3: a listed coding
    with q=0 is refused, ``*`` stands for every coding not listed)."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        name, _, params = part.strip().partition(";")
        q = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        weights[name.strip().lower()] = q
    star = weights.get("*", 0.0)
    return {coding for coding in offered if weights.get(coding, star) > 0}


@pytest.mark.parametrize("accept", ["*", "gzip, *;q=0.5"])
def test_a_callers_wildcard_accept_encoding_does_not_let_the_api_pick_br_or_zstd(
    monkeypatch: pytest.MonkeyPatch, accept: str
) -> None:
    """A caller's ``Accept-Encoding: *`` (any coding) was passed on as it was: a server (a CDN in front
    of the API) may then answer br or zstd, which the SDK refuses undecoded, so every call failed as a
    transport failure. The SDK keeps the caller's choice but rules the two out explicitly."""
    from pyannoteai_identify import Client

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "OK", "message": "ok"})

    http = httpx.Client(transport=httpx.MockTransport(answer), headers={"Accept-Encoding": accept})
    with Client(api_key="k", http_client=http) as client:
        client.test()
    http.close()
    (request,) = sent
    allowed = _codings_allowed(request.headers["Accept-Encoding"], ("gzip", "deflate", "br", "zstd"))
    assert allowed == {"gzip", "deflate"}, request.headers["Accept-Encoding"]
