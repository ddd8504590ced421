"""A corpus of bad inputs across every public entry point, each refused before any I/O.

Every case is one distinct bad input: a wrong type, a value out of bounds or outside an enum, text
that is not valid Unicode, a huge value, NaN or infinity, or a path traversal in a media key. Each
client case runs with ``Client`` and ``AsyncClient`` under ``respx.mock`` (every HTTP request of
every httpx client is intercepted, and an unexpected one fails the test) and must raise
``ValidationError`` naming the field, with zero calls recorded. The exception type is the one
each function documents:

* ``ValidationError``: every argument of a client method, ``webhooks.sign``, the ``tolerance`` and
  ``now`` of ``webhooks.verify``/``parse`` and the ``kind`` of ``parse`` (also a ``ValueError``);
* ``ConfigurationError``: the arguments of the ``Client``/``AsyncClient`` constructors (api_key,
  base_url, timeout, max_retries);
* ``WebhookVerificationError``: a delivery ``webhooks.verify``/``parse`` refuses (its ``reason``
  is checked), and a secret that is empty or not valid text (reason ``no_secret``, also from
  ``webhooks.sign``; ``WebhookReceiver`` turns it into a ``ConfigurationError``).
"""

from __future__ import annotations

import inspect
import io
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from pyannoteai_identify import (
    AsyncClient,
    Client,
    ConfigurationError,
    Matching,
    ValidationError,
    Voiceprint,
    WebhookVerificationError,
    webhooks,
)
from pyannoteai_identify._validation import (
    LABEL_MAX,
    MAX_AUDIO_BYTES,
    MAX_JOB_ID_LENGTH,
    MAX_VOICEPRINT_AUDIO_BYTES,
    MAX_VOICEPRINT_AUDIO_SECONDS,
    MAX_VOICEPRINTS,
    MEDIA_URL_MAX,
    NUM_SPEAKERS_VALUES,
    PAGE_SIZE_MAX,
    PAGE_SIZE_MIN,
    VOICEPRINT_MAX,
)
from pyannoteai_identify.receiver import WebhookReceiver

pytestmark = pytest.mark.anyio

KEY = "sk-corpus-key"
URL = "https://files.example.com/meeting.wav"
VPS = {"John": "dm9pY2VwcmludA"}
NAN = float("nan")
INF = float("inf")
LONE_SURROGATE = "\ud800"
SECRET = "whsec_corpus"
BODY = b'{"jobId":"fb16c565-f3f0-4402-a08c-9d44df0ccc7b","status":"succeeded","output":{"voiceprint":"dm9p"}}'
NOW = 1_800_000_000


class Files:
    """Bad local audio, made on demand in a temporary directory (large files are sparse)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: list[Any] = []

    def path(self, name: str, size: int = 0, *, seconds: float | None = None) -> str:
        path = self.root / name
        if seconds is not None:
            with wave.open(str(path), "wb") as writer:
                writer.setnchannels(1)
                writer.setsampwidth(2)
                writer.setframerate(8000)
                writer.writeframes(b"\x00\x00" * int(seconds * 8000))
        else:
            with path.open("wb") as handle:
                handle.truncate(size)
        return str(path)

    def text_mode(self) -> Any:
        handle = open(self.path("text.wav", 64), encoding="latin-1")  # noqa: SIM115 (closed by close())
        self._open.append(handle)
        return handle

    def exhausted(self) -> io.BytesIO:
        handle = io.BytesIO(b"RIFF....WAVE")
        handle.read()
        return handle

    def closed(self) -> Any:
        handle = open(self.path("closed.wav", 64), "rb")  # noqa: SIM115 (closed at once, on purpose)
        handle.close()
        return handle

    def close(self) -> None:
        for handle in self._open:
            handle.close()


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Files]:
    made = Files(tmp_path)
    yield made
    made.close()


@pytest.fixture
def no_io() -> Iterator[respx.MockRouter]:
    """Intercept every httpx request; none is expected (an unmocked one raises inside the call)."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture(params=["sync", "async"])
def client_class(request: pytest.FixtureRequest) -> type[Client] | type[AsyncClient]:
    return Client if request.param == "sync" else AsyncClient


Call = Callable[[Any, Files], Any]


@dataclass(frozen=True)
class Bad:
    """One bad input: what to call, and the field (or webhook reason) the error must name."""

    name: str
    call: Call
    field: str


class _TextReader:
    """A file-like object that is not an io.TextIOBase and has no mode, but reads text."""

    def read(self, size: int = -1) -> str:
        return "RIFF....WAVE"[: None if size < 0 else size]


def _vps(count: int) -> dict[str, str]:
    return {f"person-{index}": "vp" for index in range(count)}


def _identify(**overrides: Any) -> Call:
    def call(client: Any, files: Files) -> Any:
        kwargs: dict[str, Any] = {"audio": URL, "voiceprints": VPS, **overrides}
        return client.identify(kwargs.pop("audio"), kwargs.pop("voiceprints"), **kwargs)

    return call


def _identify_file(make: Callable[[Files], Any], **overrides: Any) -> Call:
    return lambda client, files: client.identify(make(files), VPS, **overrides)


def _identify_local(**overrides: Any) -> Call:
    """identify of a good local WAV with one bad argument: refused before the upload, not after it."""

    def call(client: Any, files: Files) -> Any:
        kwargs: dict[str, Any] = {"voiceprints": VPS, **overrides}
        return client.identify(files.path("local.wav", seconds=1.0), kwargs.pop("voiceprints"), **kwargs)

    return call


CLIENT_CASES = [
    # identify: num_speakers (types, enum, huge, NaN)
    Bad("identify num_speakers=0", _identify(num_speakers=0), "num_speakers"),
    Bad("identify num_speakers=max+1", _identify(num_speakers=max(NUM_SPEAKERS_VALUES) + 1), "num_speakers"),
    Bad("identify num_speakers=-1", _identify(num_speakers=-1), "num_speakers"),
    Bad("identify num_speakers=True", _identify(num_speakers=True), "num_speakers"),
    Bad("identify num_speakers=2.0", _identify(num_speakers=2.0), "num_speakers"),
    Bad("identify num_speakers='2'", _identify(num_speakers="2"), "num_speakers"),
    Bad("identify num_speakers=NaN", _identify(num_speakers=NAN), "num_speakers"),
    Bad("identify num_speakers=10**100", _identify(num_speakers=10**100), "num_speakers"),
    # identify: voiceprints (bounds, types, reserved and duplicate labels, encodings, huge)
    Bad("identify no voiceprints", _identify(voiceprints={}), "voiceprints"),
    Bad("identify 51 voiceprints", _identify(voiceprints=_vps(MAX_VOICEPRINTS + 1)), "voiceprints"),
    Bad("identify voiceprints a string", _identify(voiceprints="John"), "voiceprints"),
    Bad("identify voiceprints None", _identify(voiceprints=None), "voiceprints"),
    Bad("identify voiceprint a tuple", _identify(voiceprints=[("John", "vp")]), "voiceprints[0]"),
    Bad(
        "identify duplicate label in another case",
        _identify(voiceprints=[Voiceprint("John", "a"), Voiceprint("JOHN", "b")]),
        "voiceprints[1].label",
    ),
    Bad("identify empty label", _identify(voiceprints={"": "vp"}), "voiceprints[0].label"),
    Bad("identify label too long", _identify(voiceprints={"x" * (LABEL_MAX + 1): "vp"}), "voiceprints[0].label"),
    Bad(
        "identify reserved label SPEAKER_",
        _identify(voiceprints=[Voiceprint("SPEAKER_00", "vp")]),
        "voiceprints[0].label",
    ),
    Bad("identify reserved label speaker_", _identify(voiceprints={"speaker_x": "vp"}), "voiceprints[0].label"),
    Bad("identify label an int", _identify(voiceprints={7: "vp"}), "voiceprints[0].label"),
    Bad("identify label lone surrogate", _identify(voiceprints={"Jo" + LONE_SURROGATE: "vp"}), "voiceprints[0].label"),
    Bad("identify empty voiceprint", _identify(voiceprints={"John": ""}), "voiceprints[0].voiceprint"),
    Bad(
        "identify huge voiceprint",
        _identify(voiceprints={"John": "v" * (VOICEPRINT_MAX + 1)}),
        "voiceprints[0].voiceprint",
    ),
    Bad("identify voiceprint None", _identify(voiceprints={"John": None}), "voiceprints[0].voiceprint"),
    Bad("identify voiceprint bytes", _identify(voiceprints={"John": b"vp"}), "voiceprints[0].voiceprint"),
    Bad(
        "identify voiceprint lone surrogate",
        _identify(voiceprints=[Voiceprint("John", "dm9p" + LONE_SURROGATE)]),
        "voiceprints[0].voiceprint",
    ),
    # identify: matching (bounds, NaN, infinities, types, unknown keys)
    Bad("identify threshold<0", _identify(matching=Matching(threshold=-0.001)), "matching.threshold"),
    Bad("identify threshold>100", _identify(matching=Matching(threshold=100.001)), "matching.threshold"),
    Bad("identify threshold NaN", _identify(matching=Matching(threshold=NAN)), "matching.threshold"),
    Bad("identify threshold inf", _identify(matching={"threshold": INF}), "matching.threshold"),
    Bad("identify threshold -inf", _identify(matching={"threshold": -INF}), "matching.threshold"),
    Bad("identify threshold 1e308*10", _identify(matching={"threshold": 1e308 * 10}), "matching.threshold"),
    Bad("identify threshold 10**400", _identify(matching=Matching(threshold=10**400)), "matching.threshold"),
    Bad("identify threshold -(10**400)", _identify(matching={"threshold": -(10**400)}), "matching.threshold"),
    Bad("identify threshold True", _identify(matching={"threshold": True}), "matching.threshold"),
    Bad("identify threshold '50'", _identify(matching={"threshold": "50"}), "matching.threshold"),
    Bad("identify matching unknown key", _identify(matching={"treshold": 5}), "matching"),
    Bad("identify matching exclusive=1", _identify(matching=Matching(exclusive=1)), "matching.exclusive"),
    Bad("identify matching a list", _identify(matching=[True, 50]), "matching"),
    # identify: flags must be real bools
    Bad("identify confidence='yes'", _identify(confidence="yes"), "confidence"),
    Bad("identify exclusive=1", _identify(exclusive=1), "exclusive"),
    Bad("identify turn_level_confidence=None", _identify(turn_level_confidence=None), "turn_level_confidence"),
    Bad("identify webhook_status_only='false'", _identify(webhook_status_only="false"), "webhook_status_only"),
    # identify: webhook URL
    Bad("identify webhook ftp", _identify(webhook="ftp://hooks.example.com/x"), "webhook"),
    Bad("identify webhook without scheme", _identify(webhook="hooks.example.com/x"), "webhook"),
    Bad("identify webhook javascript", _identify(webhook="javascript://hooks.example.com/%0aalert(1)"), "webhook"),
    Bad("identify webhook with a newline", _identify(webhook="https://hooks.example.com/x\nHost: evil"), "webhook"),
    Bad("identify webhook with a no-break space", _identify(webhook="https://hooks.example.com/a\u00a0b"), "webhook"),
    Bad("identify webhook lone surrogate", _identify(webhook="https://hooks.example.com/" + LONE_SURROGATE), "webhook"),
    Bad("identify webhook an int", _identify(webhook=443), "webhook"),
    Bad("identify webhook bad IDNA host", _identify(webhook="https://xn--.example/x"), "webhook"),
    Bad("identify webhook port 0", _identify(webhook="https://hooks.example.com:0/x"), "webhook"),
    Bad("identify webhook port 65536", _identify(webhook="https://hooks.example.com:65536/x"), "webhook"),
    Bad(
        "identify webhook over the URL limit", _identify(webhook="https://hooks.example.com/" + "a" * 70_000), "webhook"
    ),
    # identify: audio URLs and media keys (schemes, traversal, encodings, length)
    Bad("identify media key ../", _identify(audio="media://../etc/passwd"), "audio"),
    Bad("identify media key a/../b", _identify(audio="media://meetings/../../secrets.wav"), "audio"),
    Bad("identify media key ./", _identify(audio="media://./a.wav"), "audio"),
    Bad("identify media key //", _identify(audio="media://a//b.wav"), "audio"),
    Bad("identify media key backslashes", _identify(audio="media://..\\..\\windows\\a.wav"), "audio"),
    Bad("identify media key percent-encoded ..", _identify(audio="media://%2e%2e/a.wav"), "audio"),
    Bad("identify media key non-ASCII", _identify(audio="media://réunion.wav"), "audio"),
    Bad("identify media key trailing newline", _identify(audio="media://a.wav\n"), "audio"),
    Bad("identify media key over 255", _identify(audio="media://" + "k" * MEDIA_URL_MAX), "audio"),
    Bad("identify media key empty", _identify(audio="media://"), "audio"),
    Bad("identify file:// URL", _identify(audio="file:///etc/passwd"), "audio"),
    Bad("identify https URL without host", _identify(audio="https://"), "audio"),
    Bad("identify https URL bad IDNA host", _identify(audio="https://xn--.com/a.wav"), "audio"),
    Bad("identify https URL port 99999", _identify(audio="https://files.example.com:99999/a.wav"), "audio"),
    Bad("identify https URL port 65536", _identify(audio="https://files.example.com:65536/a.wav"), "audio"),
    Bad("identify https URL with a space", _identify(audio="https://files.example.com/a b.wav"), "audio"),
    Bad("identify https URL lone surrogate", _identify(audio="https://files.example.com/" + LONE_SURROGATE), "audio"),
    Bad("identify audio None", _identify(audio=None), "audio"),
    Bad("identify audio an int", _identify(audio=42), "audio"),
    Bad("identify audio bytes", _identify(audio=b"RIFF....WAVE"), "audio"),
    # identify: local audio
    Bad("identify missing file", _identify_file(lambda f: str(f.root / "missing.wav")), "audio"),
    Bad("identify empty file", _identify_file(lambda f: f.path("empty.wav", 0)), "audio"),
    Bad("identify directory", _identify_file(lambda f: str(f.root)), "audio"),
    Bad("identify file over 1 GiB", _identify_file(lambda f: f.path("huge.wav", MAX_AUDIO_BYTES + 1)), "audio"),
    Bad("identify path not UTF-8", _identify_file(lambda f: str(f.root / ("a" + LONE_SURROGATE + ".wav"))), "audio"),
    Bad("identify text-mode file", _identify_file(lambda f: f.text_mode()), "audio"),
    Bad("identify exhausted file object", _identify_file(lambda f: f.exhausted()), "audio"),
    Bad("identify io.StringIO", _identify_file(lambda f: io.StringIO("RIFF....WAVE")), "audio"),
    Bad("identify closed binary file", _identify_file(lambda f: f.closed()), "audio"),
    Bad("identify reader giving text", _identify_file(lambda f: _TextReader()), "audio"),
    # identify of local audio: every other argument is checked before the upload starts
    Bad("identify local file, no voiceprints", _identify_local(voiceprints={}), "voiceprints"),
    Bad("identify local file, reserved label", _identify_local(voiceprints={"SPEAKER_1": "v"}), "voiceprints[0].label"),
    Bad(
        "identify local file, num_speakers=max+1",
        _identify_local(num_speakers=max(NUM_SPEAKERS_VALUES) + 1),
        "num_speakers",
    ),
    Bad("identify local file, threshold 101", _identify_local(matching={"threshold": 101}), "matching.threshold"),
    Bad("identify local file, webhook ftp", _identify_local(webhook="ftp://hooks.example.com/x"), "webhook"),
    Bad("identify local file, confidence='yes'", _identify_local(confidence="yes"), "confidence"),
    Bad("identify local file, bad media_key", _identify_local(media_key="../up.wav"), "media_key"),
    Bad(
        "submit_voiceprint local file, webhook ftp",
        lambda c, f: c.submit_voiceprint(f.path("clip.wav", seconds=1.0), webhook="ftp://hooks.example.com/x"),
        "webhook",
    ),
    Bad("identify media_key with a URL", _identify(media_key="meetings/a.wav"), "media_key"),
    Bad(
        "identify media_key traversal",
        _identify_file(lambda f: f.path("a.wav", 64), media_key="../../other-team/a.wav"),
        "media_key",
    ),
    Bad(
        "identify on_upload_progress not callable",
        _identify_file(lambda f: f.path("a.wav", 64), on_upload_progress=5),
        "on_upload_progress",
    ),
    Bad("identify on_upload_progress a string for a URL", _identify(on_upload_progress="print"), "on_upload_progress"),
    # submit_voiceprint
    Bad(
        "submit_voiceprint WAV over 30 s",
        lambda c, f: c.submit_voiceprint(f.path("long.wav", seconds=MAX_VOICEPRINT_AUDIO_SECONDS + 1)),
        "audio",
    ),
    Bad(
        "submit_voiceprint file over 100 MiB",
        lambda c, f: c.submit_voiceprint(f.path("big.wav", MAX_VOICEPRINT_AUDIO_BYTES + 1)),
        "audio",
    ),
    Bad("submit_voiceprint media key traversal", lambda c, f: c.submit_voiceprint("media://a/../../b.wav"), "audio"),
    Bad("submit_voiceprint webhook no host", lambda c, f: c.submit_voiceprint(URL, webhook="http://"), "webhook"),
    Bad(
        "submit_voiceprint webhook_status_only=1",
        lambda c, f: c.submit_voiceprint(URL, webhook_status_only=1),
        "webhook_status_only",
    ),
    Bad(
        "submit_voiceprint media_key too long",
        lambda c, f: c.submit_voiceprint(f.path("v.wav", 64), media_key="k" * MEDIA_URL_MAX),
        "media_key",
    ),
    Bad("submit_voiceprint media_key for a URL", lambda c, f: c.submit_voiceprint(URL, media_key="k"), "media_key"),
    Bad("create_voiceprint media_key for a URL", lambda c, f: c.create_voiceprint(URL, media_key="k"), "media_key"),
    Bad(
        "submit_voiceprint on_upload_progress not callable",
        lambda c, f: c.submit_voiceprint(f.path("v.wav", 64), on_upload_progress=5),
        "on_upload_progress",
    ),
    # create_voiceprint
    Bad("create_voiceprint timeout=0", lambda c, f: c.create_voiceprint(URL, timeout=0), "timeout"),
    Bad("create_voiceprint timeout<0", lambda c, f: c.create_voiceprint(URL, timeout=-5), "timeout"),
    Bad("create_voiceprint timeout NaN", lambda c, f: c.create_voiceprint(URL, timeout=NAN), "timeout"),
    Bad("create_voiceprint timeout inf", lambda c, f: c.create_voiceprint(URL, timeout=INF), "timeout"),
    Bad("create_voiceprint timeout '60'", lambda c, f: c.create_voiceprint(URL, timeout="60"), "timeout"),
    Bad("create_voiceprint timeout 10**400", lambda c, f: c.create_voiceprint(URL, timeout=10**400), "timeout"),
    Bad("create_voiceprint audio a float", lambda c, f: c.create_voiceprint(3.5), "audio"),
    Bad("create_voiceprint on_status not callable", lambda c, f: c.create_voiceprint(URL, on_status=5), "on_status"),
    Bad(
        "create_voiceprint on_upload_progress not callable",
        lambda c, f: c.create_voiceprint(f.path("v.wav", 64), on_upload_progress=5),
        "on_upload_progress",
    ),
    # upload
    Bad("upload an https URL", lambda c, f: c.upload(URL), "audio"),
    Bad("upload a media URL", lambda c, f: c.upload("media://a.wav"), "audio"),
    Bad("upload key ../", lambda c, f: c.upload(f.path("u.wav", 64), key="../escape.wav"), "key"),
    Bad("upload key absolute path", lambda c, f: c.upload(f.path("u.wav", 64), key="/etc/passwd"), "key"),
    Bad("upload key trailing slash", lambda c, f: c.upload(f.path("u.wav", 64), key="meetings/"), "key"),
    Bad("upload key with a query", lambda c, f: c.upload(f.path("u.wav", 64), key="a.wav?x-amz-acl=public"), "key"),
    Bad("upload key an int", lambda c, f: c.upload(f.path("u.wav", 64), key=7), "key"),
    Bad("upload key lone surrogate", lambda c, f: c.upload(f.path("u.wav", 64), key="a" + LONE_SURROGATE), "key"),
    Bad("upload empty file object", lambda c, f: c.upload(io.BytesIO(b"")), "audio"),
    Bad("upload on_progress not callable", lambda c, f: c.upload(f.path("u.wav", 64), on_progress=5), "on_progress"),
    # get_job
    Bad("get_job empty id", lambda c, f: c.get_job(""), "job_id"),
    Bad("get_job blank id", lambda c, f: c.get_job("   "), "job_id"),
    Bad("get_job id with surrounding space", lambda c, f: c.get_job(" fb16c565 "), "job_id"),
    Bad("get_job id ..", lambda c, f: c.get_job(".."), "job_id"),
    Bad("get_job id .", lambda c, f: c.get_job("."), "job_id"),
    Bad("get_job id None", lambda c, f: c.get_job(None), "job_id"),
    Bad("get_job id an int", lambda c, f: c.get_job(12345), "job_id"),
    Bad("get_job id lone surrogate", lambda c, f: c.get_job("fb16" + LONE_SURROGATE), "job_id"),
    Bad("get_job id of 70,000 characters", lambda c, f: c.get_job("f" * 70_000), "job_id"),
    Bad("get_job id of 1025 characters", lambda c, f: c.get_job("f" * (MAX_JOB_ID_LENGTH + 1)), "job_id"),
    Bad("get_job unknown kind", lambda c, f: c.get_job("fb16c565", kind="transcription"), "kind"),
    Bad("get_job kind a list", lambda c, f: c.get_job("fb16c565", kind=["identify"]), "kind"),
    # jobs (validated when called, before the first page is fetched)
    Bad("jobs unknown status", lambda c, f: c.jobs(status="done"), "status"),
    Bad("jobs status in upper case", lambda c, f: c.jobs(status="SUCCEEDED"), "status"),
    Bad("jobs status an int", lambda c, f: c.jobs(status=3), "status"),
    Bad("jobs page_size below the minimum", lambda c, f: c.jobs(page_size=PAGE_SIZE_MIN - 1), "page_size"),
    Bad("jobs page_size above the maximum", lambda c, f: c.jobs(page_size=PAGE_SIZE_MAX + 1), "page_size"),
    Bad("jobs page_size=10**100", lambda c, f: c.jobs(page_size=10**100), "page_size"),
    Bad("jobs page_size=10.0", lambda c, f: c.jobs(page_size=10.0), "page_size"),
    Bad("jobs page_size=True", lambda c, f: c.jobs(page_size=True), "page_size"),
    Bad("jobs max_items=-1", lambda c, f: c.jobs(max_items=-1), "max_items"),
    Bad("jobs max_items=NaN", lambda c, f: c.jobs(max_items=NAN), "max_items"),
    # wait
    Bad("wait empty id", lambda c, f: c.wait(""), "job_id"),
    Bad("wait id ..", lambda c, f: c.wait(".."), "job_id"),
    Bad("wait id None", lambda c, f: c.wait(None), "job_id"),
    Bad("wait id of 70,000 characters", lambda c, f: c.wait("f" * 70_000), "job_id"),
    Bad("wait timeout<0", lambda c, f: c.wait("fb16c565", timeout=-5), "timeout"),
    Bad("wait timeout -inf", lambda c, f: c.wait("fb16c565", timeout=-INF), "timeout"),
    Bad("wait timeout NaN", lambda c, f: c.wait("fb16c565", timeout=NAN), "timeout"),
    Bad("wait timeout inf", lambda c, f: c.wait("fb16c565", timeout=INF), "timeout"),
    Bad("wait timeout True", lambda c, f: c.wait("fb16c565", timeout=True), "timeout"),
    Bad("wait timeout 10**400", lambda c, f: c.wait("fb16c565", timeout=10**400), "timeout"),
    Bad("wait unknown kind", lambda c, f: c.wait("fb16c565", kind="diarize"), "kind"),
    Bad("wait kind an int", lambda c, f: c.wait("fb16c565", kind=3), "kind"),
    Bad("wait kind a list", lambda c, f: c.wait("fb16c565", kind=["identify"]), "kind"),
    Bad("wait broker not a broker", lambda c, f: c.wait("fb16c565", broker=object()), "broker"),
    Bad("wait on_status not callable", lambda c, f: c.wait("fb16c565", on_status="print"), "on_status"),
]

CONFIG_CASES = [
    pytest.param({"api_key": ""}, id="api_key empty"),
    pytest.param({"api_key": "   "}, id="api_key blank"),
    pytest.param({"api_key": "sk key"}, id="api_key with a space"),
    pytest.param({"api_key": "sk-key\r\nX-Injected: 1"}, id="api_key with CRLF"),
    pytest.param({"api_key": "clé-secrète"}, id="api_key non-ASCII"),
    pytest.param({"base_url": "http://api.example.com"}, id="base_url plain http off loopback"),
    pytest.param({"base_url": "http://mylocalhost:8080"}, id="base_url plain http to a name ending in localhost"),
    pytest.param({"base_url": "http://localhost.example.com"}, id="base_url plain http to localhost.<domain>"),
    # A final dot makes a name the hosts file does not match, and an address a name: both go to DNS.
    pytest.param({"base_url": "http://localhost."}, id="base_url plain http to localhost."),
    pytest.param({"base_url": "http://127.0.0.1."}, id="base_url plain http to 127.0.0.1."),
    pytest.param({"base_url": "http://localhost\u3002"}, id="base_url plain http to localhost + ideographic stop"),
    pytest.param({"base_url": "http://localhost.."}, id="base_url plain http to localhost.."),
    pytest.param({"base_url": "http://127.0.0.1:8000?x="}, id="base_url with a query"),
    pytest.param({"base_url": "https://api.example.com#@evil.com"}, id="base_url with a fragment"),
    pytest.param({"base_url": "https://api.example.com/?"}, id="base_url with an empty query"),
    pytest.param({"base_url": "https://u:p?ss@api.example.com"}, id="base_url invalid, with a password"),
    pytest.param({"base_url": "https://api.example.com#"}, id="base_url with an empty fragment"),
    pytest.param({"base_url": "ftp://api.example.com"}, id="base_url ftp"),
    pytest.param({"base_url": "https://"}, id="base_url without host"),
    pytest.param({"base_url": "https://xn--.com"}, id="base_url bad IDNA host"),
    pytest.param({"base_url": "http://127.0.0.1:70000"}, id="base_url port 70000"),
    pytest.param({"timeout": -1}, id="timeout<0"),
    pytest.param({"timeout": 0}, id="timeout=0"),
    pytest.param({"timeout": NAN}, id="timeout NaN"),
    pytest.param({"timeout": INF}, id="timeout inf"),
    pytest.param({"timeout": "30"}, id="timeout a string"),
    pytest.param({"timeout": 1e300}, id="timeout 1e300"),
    pytest.param({"timeout": 10**400}, id="timeout 10**400"),
    pytest.param({"timeout": 10**5000}, id="timeout 10**5000"),
    pytest.param({"timeout": 86_400.5}, id="timeout over a day"),
    pytest.param({"timeout": httpx.Timeout(5.0, read=1e300)}, id="timeout httpx.Timeout read 1e300"),
    pytest.param({"timeout": httpx.Timeout(-1.0)}, id="timeout httpx.Timeout -1"),
    pytest.param({"timeout": httpx.Timeout(5.0, connect=0.0)}, id="timeout httpx.Timeout connect 0"),
    pytest.param({"max_retries": -1}, id="max_retries<0"),
    pytest.param({"max_retries": True}, id="max_retries True"),
    pytest.param({"max_retries": 2.5}, id="max_retries a float"),
]


def _headers(**changes: str | None) -> dict[str, str]:
    headers = webhooks.sign(BODY, SECRET, timestamp=NOW)
    for name, value in changes.items():
        key = name.replace("_", "-")
        if value is None:
            headers.pop(key)
        else:
            headers[key] = value
    return headers


def _signed(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, webhooks.sign(body, SECRET, timestamp=NOW)


# (what to call, the documented error type, its field or reason)
WEBHOOK_CASES = [
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, tolerance=-1, now=NOW),
        ValidationError,
        "tolerance",
        id="verify tolerance<0",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, tolerance=NAN, now=NOW),
        ValidationError,
        "tolerance",
        id="verify tolerance NaN",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, tolerance=True, now=NOW),
        ValidationError,
        "tolerance",
        id="verify tolerance True",
    ),
    pytest.param(
        lambda: webhooks.parse(BODY, _headers(), SECRET, tolerance=-INF, now=NOW),
        ValidationError,
        "tolerance",
        id="parse tolerance -inf",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), "", now=NOW),
        WebhookVerificationError,
        "no_secret",
        id="verify empty secret",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), [], now=NOW),
        WebhookVerificationError,
        "no_secret",
        id="verify no secrets",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), None, now=NOW),
        WebhookVerificationError,
        "no_secret",
        id="verify secret None and no env",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Signature=None), SECRET, now=NOW),
        WebhookVerificationError,
        "missing_header",
        id="verify no signature",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Request_Timestamp=None), SECRET, now=NOW),
        WebhookVerificationError,
        "missing_header",
        id="verify no timestamp",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Request_Timestamp="1" * 13), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_timestamp",
        id="verify huge timestamp",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Request_Timestamp="١٨٠٠٠٠٠٠٠٠"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_timestamp",
        id="verify Arabic-Indic digits",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Request_Timestamp="-1"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_timestamp",
        id="verify negative timestamp",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Request_Timestamp="NaN"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_timestamp",
        id="verify NaN timestamp",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Request_Timestamp="1.8e9"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_timestamp",
        id="verify exponent timestamp",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, now=NOW + 601),
        WebhookVerificationError,
        "timestamp_out_of_tolerance",
        id="verify stale",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, now=NOW - 601),
        WebhookVerificationError,
        "timestamp_out_of_tolerance",
        id="verify from the future",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, now=INF), ValidationError, "now", id="verify now=inf"
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, now=NAN), ValidationError, "now", id="verify now=NaN"
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, now=str(NOW)),
        ValidationError,
        "now",
        id="verify now a string",
    ),
    pytest.param(lambda: webhooks.parse(BODY, _headers(), SECRET, now=NAN), ValidationError, "now", id="parse now=NaN"),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), SECRET, tolerance="600", now=NOW),
        ValidationError,
        "tolerance",
        id="verify tolerance a string",
    ),
    pytest.param(
        lambda: webhooks.parse(BODY, _headers(), SECRET, tolerance="600", now=NOW),
        ValidationError,
        "tolerance",
        id="parse tolerance a string",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), "whsec_" + LONE_SURROGATE, now=NOW),
        WebhookVerificationError,
        "no_secret",
        id="verify secret with a lone surrogate",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), [SECRET, "whsec_" + LONE_SURROGATE], now=NOW),
        WebhookVerificationError,
        "no_secret",
        id="verify rotation with a secret that is not text",
    ),
    pytest.param(
        lambda: webhooks.parse(BODY, _headers(), SECRET, now=NOW, kind="transcript"),
        ValidationError,
        "kind",
        id="parse unknown kind",
    ),
    pytest.param(
        lambda: webhooks.parse(BODY, _headers(), SECRET, now=NOW, kind=["voiceprint"]),
        ValidationError,
        "kind",
        id="parse kind a list",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Signature="abc"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_signature",
        id="verify short signature",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Signature="é" * 64), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_signature",
        id="verify non-ASCII signature",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(X_Signature="G" * 64), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_signature",
        id="verify 64 characters, not hex in any case",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY + b" ", _headers(), SECRET, now=NOW),
        WebhookVerificationError,
        "signature_mismatch",
        id="verify body with a byte added",
    ),
    pytest.param(
        lambda: webhooks.verify(BODY, _headers(), "whsec_other", now=NOW),
        WebhookVerificationError,
        "signature_mismatch",
        id="verify wrong secret",
    ),
    pytest.param(
        lambda: webhooks.parse(*_signed(b"\xff\xfe\x00\x01"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_body",
        id="parse body not UTF-8",
    ),
    pytest.param(
        lambda: webhooks.parse(*_signed(b'{"jobId":"j","status":NaN}'), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_body",
        id="parse status NaN",
    ),
    pytest.param(
        lambda: webhooks.parse(*_signed(b"[" * 100_000 + b"]" * 100_000), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_body",
        id="parse 100k nested arrays",
    ),
    pytest.param(
        lambda: webhooks.parse(*_signed(b"[]"), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_body",
        id="parse a JSON array",
    ),
    pytest.param(
        lambda: webhooks.parse(*_signed(b'{"jobId":5,"status":"succeeded"}'), SECRET, now=NOW),
        WebhookVerificationError,
        "malformed_body",
        id="parse jobId an int",
    ),
    pytest.param(
        lambda: webhooks.parse(
            *_signed(
                b'{"jobId":"j","status":"succeeded","output":{"identification":[{"speaker":"A","start":Infinity,'
                b'"end":1,"diarizationSpeaker":"SPEAKER_00","match":"A"}],"voiceprints":[]}}'
            ),
            SECRET,
            now=NOW,
        ),
        WebhookVerificationError,
        "malformed_body",
        id="parse start Infinity",
    ),
    pytest.param(
        lambda: webhooks.sign(BODY, SECRET, encoding="b64"), ValidationError, "encoding", id="sign unknown encoding"
    ),
    pytest.param(
        lambda: webhooks.sign(BODY, SECRET, timestamp=-1), ValidationError, "timestamp", id="sign timestamp<0"
    ),
    pytest.param(
        lambda: webhooks.sign(BODY, SECRET, timestamp=True), ValidationError, "timestamp", id="sign timestamp True"
    ),
    pytest.param(
        lambda: webhooks.sign(BODY, SECRET, timestamp=1.5), ValidationError, "timestamp", id="sign timestamp a float"
    ),
    pytest.param(
        lambda: webhooks.sign(BODY, SECRET, timestamp=NAN), ValidationError, "timestamp", id="sign timestamp NaN"
    ),
    pytest.param(
        lambda: webhooks.sign(BODY, SECRET, timestamp=10**400),
        ValidationError,
        "timestamp",
        id="sign timestamp 10**400",
    ),
    pytest.param(lambda: webhooks.sign(BODY, ""), WebhookVerificationError, "no_secret", id="sign empty secret"),
    pytest.param(
        lambda: webhooks.sign(BODY, "whsec_" + LONE_SURROGATE),
        WebhookVerificationError,
        "no_secret",
        id="sign secret with a lone surrogate",
    ),
]


async def _outcome(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


@pytest.mark.parametrize("case", CLIENT_CASES, ids=[case.name for case in CLIENT_CASES])
async def test_a_bad_client_argument_raises_validation_error_before_any_request(
    case: Bad, client_class: type[Client] | type[AsyncClient], files: Files, no_io: respx.MockRouter
) -> None:
    """The method raises ValidationError naming the field, its value and the rule; respx saw no request."""
    client: Any = client_class(KEY)
    try:
        with pytest.raises(ValidationError) as info:
            await _outcome(case.call(client, files))
    finally:
        await _outcome(client.aclose() if isinstance(client, AsyncClient) else client.close())
    error = info.value
    assert error.field == case.field
    assert str(error).startswith(f"{case.field}=") and error.rule in str(error)
    assert no_io.calls.call_count == 0


@pytest.mark.parametrize("kwargs", CONFIG_CASES)
def test_a_bad_client_setting_raises_configuration_error_before_any_request(
    kwargs: dict[str, Any], client_class: type[Client] | type[AsyncClient], no_io: respx.MockRouter
) -> None:
    """Client(...) and AsyncClient(...) refuse a bad key, base URL, timeout or retry count; nothing is sent."""
    with pytest.raises(ConfigurationError) as info:
        client_class(**{"api_key": KEY, **kwargs})
    assert KEY not in str(info.value)
    assert "p?ss" not in str(info.value)  # nor a password given in the base URL
    assert no_io.calls.call_count == 0


@pytest.mark.parametrize(("call", "error", "field"), WEBHOOK_CASES)
def test_a_bad_webhook_input_raises_its_documented_error(
    call: Callable[[], Any], error: type[Exception], field: str, no_io: respx.MockRouter
) -> None:
    """verify, parse and sign refuse bad arguments with ValidationError and bad deliveries with
    WebhookVerificationError (its reason checked); the secret never shows in the message."""
    with pytest.raises(error) as info:
        call()
    caught = info.value
    if isinstance(caught, ValidationError):
        assert caught.field == field
    else:
        assert isinstance(caught, WebhookVerificationError) and caught.reason == field
    assert SECRET not in str(caught)
    assert no_io.calls.call_count == 0


def test_a_receiver_refuses_a_secret_that_is_not_text_and_a_now_that_is_not_a_time(no_io: respx.MockRouter) -> None:
    """WebhookReceiver(secret with a lone surrogate) is a ConfigurationError; handle(now=NaN) a ValidationError."""
    with pytest.raises(ConfigurationError, match="not valid text"):
        WebhookReceiver("whsec_" + LONE_SURROGATE)
    with pytest.raises(ValidationError) as info:
        WebhookReceiver(SECRET).handle(BODY, _headers(), now=NAN)
    assert info.value.field == "now"
    assert no_io.calls.call_count == 0


def test_the_corpus_holds_at_least_fifty_distinct_bad_inputs_covering_every_public_method() -> None:
    """Names are unique, and every client method and webhook function has bad inputs of its own."""
    names = [case.name for case in CLIENT_CASES] + [p.id for p in CONFIG_CASES + WEBHOOK_CASES]
    assert len(names) == len(set(names)) >= 50
    methods = {case.name.split()[0] for case in CLIENT_CASES}
    assert methods == {"identify", "submit_voiceprint", "create_voiceprint", "upload", "get_job", "jobs", "wait"}
    assert {p.id.split()[0] for p in WEBHOOK_CASES} == {"verify", "parse", "sign"}


@pytest.mark.parametrize(
    ("body", "kind", "field"),
    [
        (
            b'{"jobId":"j","status":"succeeded","output":{"identification":[{"speaker":"A","start":"0","end":1,'
            b'"diarizationSpeaker":"SPEAKER_00","match":"A"}],"voiceprints":[]}}',
            "identify",
            "start",
        ),
        (
            b'{"jobId":"j","status":"succeeded","output":{"diarization":[],'
            b'"confidence":{"score":[95.5,1e400],"resolution":0.02}}}',
            "diarization",
            "score",
        ),
    ],
    ids=["start a string", "frame score 1e400"],
)
def test_a_signed_delivery_with_a_bad_output_comes_without_result_naming_the_field(
    body: bytes, kind: Any, field: str, no_io: respx.MockRouter
) -> None:
    """A signed delivery is genuine: an output breaking the contract is not refused (the API would
    retry, then drop it) but handed on with result None and output_error naming the field."""
    event = webhooks.parse(*_signed(body), SECRET, now=NOW, kind=kind)
    assert event.result is None and event.job_id == "j"
    assert event.output_error is not None and field in event.output_error
    assert SECRET not in event.output_error
    assert no_io.calls.call_count == 0
