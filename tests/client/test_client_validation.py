"""Bad arguments raise ValidationError naming field, value and rule, before any request is sent."""

from __future__ import annotations

import gc
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from clientkit import JOB_ID, PRESIGNED_URL, Api, job_body, write_wav
from filekit import refuse_every_open

from pyannoteai_identify import Matching, ValidationError, Voiceprint
from pyannoteai_identify._validation import (
    LABEL_MAX,
    MAX_AUDIO_BYTES,
    MAX_VOICEPRINT_AUDIO_BYTES,
    MAX_VOICEPRINTS,
    MEDIA_URL_MAX,
    NUM_SPEAKERS_VALUES,
    VOICEPRINT_MAX,
    check_audio,
)

pytestmark = pytest.mark.anyio

#: A speaker count the contract does not take, whatever values it gains.
TOO_MANY_SPEAKERS = max(NUM_SPEAKERS_VALUES) + 1

URL = "https://files.example.com/meeting.wav"
NAN = float("nan")


def _vps(count: int) -> dict[str, str]:
    return {f"person-{index}": "vp" for index in range(count)}


# (keyword arguments replacing the valid defaults, the field named, a text the message must show)
IDENTIFY_CASES = [
    pytest.param({"num_speakers": 0}, "num_speakers", "0", id="num_speakers=0"),
    pytest.param({"num_speakers": TOO_MANY_SPEAKERS}, "num_speakers", str(TOO_MANY_SPEAKERS), id="num_speakers=max+1"),
    pytest.param({"num_speakers": -1}, "num_speakers", "-1", id="num_speakers=-1"),
    pytest.param({"num_speakers": True}, "num_speakers", "True", id="num_speakers=True"),
    pytest.param({"num_speakers": 2.0}, "num_speakers", "2.0", id="num_speakers=2.0"),
    pytest.param({"num_speakers": "2"}, "num_speakers", "'2'", id="num_speakers='2'"),
    pytest.param({"voiceprints": {}}, "voiceprints", "<0 voiceprints>", id="no-voiceprints"),
    pytest.param({"voiceprints": []}, "voiceprints", "<0 voiceprints>", id="empty-sequence"),
    pytest.param(
        {"voiceprints": _vps(MAX_VOICEPRINTS + 1)}, "voiceprints", f"<{MAX_VOICEPRINTS + 1} voiceprints>", id="51"
    ),
    pytest.param({"voiceprints": "John"}, "voiceprints", "'John'", id="voiceprints-a-string"),
    pytest.param({"voiceprints": [("John", "vp")]}, "voiceprints[0]", "('John', 'vp')", id="tuple-not-voiceprint"),
    pytest.param(
        {"voiceprints": [Voiceprint("John", "a"), Voiceprint("John", "b")]},
        "voiceprints[1].label",
        "'John'",
        id="duplicate-label",
    ),
    pytest.param(
        {"voiceprints": [Voiceprint("John", "a"), Voiceprint("JOHN", "b")]},
        "voiceprints[1].label",
        "'JOHN'",
        id="duplicate-label-other-case",
    ),
    pytest.param({"voiceprints": {"": "vp"}}, "voiceprints[0].label", "''", id="empty-label"),
    pytest.param({"voiceprints": {"x" * (LABEL_MAX + 1): "vp"}}, "voiceprints[0].label", "xxxx", id="label-too-long"),
    pytest.param({"voiceprints": {"SPEAKER_00": "vp"}}, "voiceprints[0].label", "SPEAKER_00", id="SPEAKER_"),
    pytest.param({"voiceprints": {"speaker_1": "vp"}}, "voiceprints[0].label", "speaker_1", id="speaker_"),
    pytest.param({"voiceprints": {"sPeAkEr_x": "vp"}}, "voiceprints[0].label", "sPeAkEr_x", id="sPeAkEr_"),
    pytest.param({"voiceprints": {3: "vp"}}, "voiceprints[0].label", "3", id="label-not-a-string"),
    pytest.param({"voiceprints": {"John": ""}}, "voiceprints[0].voiceprint", "<0 chars>", id="empty-voiceprint"),
    pytest.param(
        {"voiceprints": {"John": "v" * (VOICEPRINT_MAX + 1)}},
        "voiceprints[0].voiceprint",
        f"<{VOICEPRINT_MAX + 1} chars>",
        id="oversized-voiceprint",
    ),
    pytest.param({"voiceprints": {"John": None}}, "voiceprints[0].voiceprint", "None", id="voiceprint-None"),
    pytest.param({"matching": Matching(threshold=-0.1)}, "matching.threshold", "-0.1", id="threshold<0"),
    pytest.param({"matching": Matching(threshold=100.5)}, "matching.threshold", "100.5", id="threshold>100"),
    pytest.param({"matching": Matching(threshold=NAN)}, "matching.threshold", "nan", id="threshold-NaN"),
    pytest.param({"matching": {"threshold": float("inf")}}, "matching.threshold", "inf", id="threshold-inf"),
    pytest.param({"matching": {"threshold": True}}, "matching.threshold", "True", id="threshold-True"),
    pytest.param({"matching": {"threshold": "50"}}, "matching.threshold", "'50'", id="threshold-str"),
    pytest.param({"matching": {"treshold": 5}}, "matching", "treshold", id="matching-unknown-key"),
    pytest.param({"matching": {"treshold": 5, 1: True}}, "matching", "keys [1, 'treshold']", id="matching-int-key"),
    pytest.param({"matching": Matching(exclusive=1)}, "matching.exclusive", "1", id="matching-exclusive-int"),  # type: ignore[arg-type]
    pytest.param({"matching": 50}, "matching", "50", id="matching-a-number"),
    pytest.param({"model": 2}, "model", "2", id="model-a-number"),
    pytest.param({"model": ""}, "model", "''", id="model-empty"),
    pytest.param({"model": b"precision-2"}, "model", "b'precision-2'", id="model-bytes"),
    pytest.param({"confidence": 1}, "confidence", "1", id="confidence=1"),
    pytest.param({"exclusive": "true"}, "exclusive", "'true'", id="exclusive='true'"),
    pytest.param({"turn_level_confidence": None}, "turn_level_confidence", "None", id="turn_level_confidence=None"),
    pytest.param({"webhook_status_only": 0}, "webhook_status_only", "0", id="webhook_status_only=0"),
    pytest.param({"webhook": "ftp://hooks.example.com/x"}, "webhook", "ftp://", id="webhook-ftp"),
    pytest.param({"webhook": "hooks.example.com/x"}, "webhook", "hooks.example.com", id="webhook-no-scheme"),
    pytest.param({"webhook": "javascript:alert(1)"}, "webhook", "javascript", id="webhook-javascript"),
    pytest.param({"webhook": "https://"}, "webhook", "https://", id="webhook-no-host"),
    pytest.param({"webhook": "https://ex ample.com/h"}, "webhook", "ex ample", id="webhook-space"),
    pytest.param({"audio": "https://"}, "audio", "https://", id="url-no-host"),
    pytest.param({"audio": "ftp://files.example.com/a.wav"}, "audio", "ftp://", id="url-ftp"),
    pytest.param({"audio": "https://files.example.com/a b.wav"}, "audio", "a b.wav", id="url-space"),
    pytest.param({"audio": "https://[::1/a.wav"}, "audio", "[::1", id="url-malformed"),
    pytest.param({"audio": "media://"}, "audio", "media://", id="media-empty-key"),
    pytest.param({"audio": "media://a b.wav"}, "audio", "a b.wav", id="media-space"),
    pytest.param({"audio": "media://a?b=1"}, "audio", "a?b=1", id="media-query"),
    pytest.param({"audio": "media://../etc/passwd"}, "audio", "../etc", id="media-dotdot-first"),
    pytest.param({"audio": "media://a/../b.wav"}, "audio", "a/../b", id="media-dotdot-inside"),
    pytest.param({"audio": "media://a/./b.wav"}, "audio", "a/./b", id="media-dot"),
    pytest.param({"audio": "media://a//b.wav"}, "audio", "a//b", id="media-empty-segment"),
    pytest.param(
        {"audio": "media://" + "k" * (MEDIA_URL_MAX - len("media://") + 1)}, "audio", "media://kkk", id="media-256"
    ),
    pytest.param({"audio": 42}, "audio", "42", id="audio-a-number"),
    pytest.param({"audio": b"/tmp/a.wav"}, "audio", "b'/tmp/a.wav'", id="audio-bytes"),
    pytest.param({"media_key": "meetings/a.wav"}, "media_key", "meetings/a.wav", id="media_key-with-url"),
]


async def _identify(api: Api, overrides: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {"audio": URL, "voiceprints": {"John": "vp"}, **overrides}
    return await api.identify(kwargs.pop("audio"), kwargs.pop("voiceprints"), **kwargs)


def _check(error: ValidationError, field: str, shown: str) -> None:
    assert error.field == field
    assert error.rule
    message = str(error)
    assert message.startswith(f"{field}=")
    assert shown in message
    assert error.rule in message
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(("overrides", "field", "shown"), IDENTIFY_CASES)
async def test_bad_identify_argument_is_rejected_before_any_request(
    api: Api, router: respx.Router, overrides: dict[str, Any], field: str, shown: str
) -> None:
    """Each argument the API would refuse raises ValidationError(field, value, rule) and sends nothing."""
    with pytest.raises(ValidationError) as caught:
        await _identify(api, overrides)
    _check(caught.value, field, shown)
    assert router.calls.call_count == 0


async def test_limits_that_are_allowed_pass_validation(api: Api, router: respx.Router) -> None:
    """The edges of every range are accepted: 50 voiceprints, a 100-char label, thresholds 0 and 100."""
    router.post("/v1/identify").respond(200, json={"jobId": "j", "status": "created"})
    await api.identify(URL, _vps(MAX_VOICEPRINTS), num_speakers=1, matching=Matching(threshold=0))
    await api.identify(URL, {"x" * LABEL_MAX: "v" * VOICEPRINT_MAX}, matching={"threshold": 100, "exclusive": True})
    await api.identify(URL, {"Speaker 1": "vp", "speakers_room": "vp"}, num_speakers=2)
    assert router.calls.call_count == 3


async def test_a_subclass_of_matching_is_sent_as_the_fields_of_matching(api: Api, router: respx.Router) -> None:
    """A user's Matching preset (a subclass with its own ``__init__``) raised a bare TypeError ("unexpected
    keyword argument 'threshold'") once the check rebuilt it by its own class: its fields are sent."""

    class Strict(Matching):
        def __init__(self) -> None:
            super().__init__(exclusive=True, threshold=80)

    route = router.post("/v1/identify").respond(200, json={"jobId": "j", "status": "created"})
    await api.identify(URL, {"John": "vp"}, matching=Strict())
    assert json.loads(route.calls.last.request.content)["matching"] == {"exclusive": True, "threshold": 80}


async def test_missing_local_file_is_rejected_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A path that does not exist names the path and says so."""
    missing = tmp_path / "missing.wav"
    with pytest.raises(ValidationError) as caught:
        await api.identify(missing, {"John": "vp"})
    _check(caught.value, "audio", "missing.wav")
    assert "no such file" in caught.value.rule
    assert router.calls.call_count == 0


async def test_a_directory_or_an_empty_file_is_rejected(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """A directory is not a file (and is not called a missing one), and an empty file has nothing to identify."""
    empty = tmp_path / "empty.wav"
    empty.touch()
    for path, rule in ((tmp_path, "is a folder; give an audio file"), (empty, "the file is empty")):
        with pytest.raises(ValidationError) as caught:
            await api.identify(str(path), {"John": "vp"})
        assert caught.value.field == "audio" and caught.value.rule == rule
    assert router.calls.call_count == 0


#: Each call that takes local audio, with the arguments it needs besides the audio.
LOCAL_AUDIO_CALLS = [
    pytest.param("identify", ({"John": "vp"},), id="identify"),
    pytest.param("upload", (), id="upload"),
    pytest.param("submit_voiceprint", (), id="submit_voiceprint"),
    pytest.param("create_voiceprint", (), id="create_voiceprint"),
]


@pytest.mark.parametrize(("call", "arguments"), LOCAL_AUDIO_CALLS)
async def test_a_local_file_that_cannot_be_read_is_refused_before_any_request(
    api: Api,
    router: respx.Router,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    call: str,
    arguments: tuple[Any, ...],
) -> None:
    """A file this user may not read passed the check (``isfile`` and ``getsize`` need no read right)
    and failed only at its upload, after the presigned-URL request was sent. It is refused first,
    naming the field, the path and why, as a missing file is."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    locked = write_wav(tmp_path / "locked.wav", 1)
    refuse_every_open(monkeypatch, locked)
    with pytest.raises(ValidationError) as caught:
        await getattr(api, call)(locked, *arguments)
    _check(caught.value, "audio", "locked.wav")
    assert caught.value.rule == "cannot be read: Permission denied"
    assert router.calls.call_count == 0


#: Checks two files of *folder* as a user without the right to read ``locked.wav`` (mode 000): as
#: nobody (65534) when run as root, who reads any file, and as the user it is run as otherwise.
_CHECK_AS_ANOTHER_USER = """
import os, sys
from pyannoteai_identify._validation import check_audio
from pyannoteai_identify.errors import ValidationError
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
for name in ("locked.wav", "readable.wav"):
    try:
        print(name, "accepted:", check_audio(os.path.join(sys.argv[1], name)).size, "bytes")
    except ValidationError as error:
        print(name, "refused:", error.rule)
"""


def test_a_file_the_system_refuses_to_open_is_refused_by_the_check(tmp_path: Path) -> None:
    """Without a stand-in for ``open``: the system itself refuses the read (the tests run as root,
    so the check runs in a process that becomes another user first). The file of mode 000 is refused,
    one of mode 644 beside it accepted: the refusal is the file's, not its folder's."""
    with tempfile.TemporaryDirectory() as folder:  # not under tmp_path: pytest's root folder is 0700
        os.chmod(folder, 0o711)
        for name, mode in (("locked.wav", 0), ("readable.wav", 0o644)):
            write_wav(Path(folder, name), 0.5).chmod(mode)
        run = subprocess.run(
            [sys.executable, "-c", _CHECK_AS_ANOTHER_USER, folder], capture_output=True, text=True, timeout=60
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "locked.wav refused: cannot be read: Permission denied",
        "readable.wav accepted: 8044 bytes",
    ]


async def test_a_file_that_can_no_longer_be_read_at_its_upload_still_fails_naming_it(
    api: Api, router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check opens the file, then closes it; the upload opens it again. Its rights taken away in
    between (only the upload's ``open`` is refused here), the upload fails as it did before the check
    opened the file: the OSError itself, naming the file, and no job is created."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    identify = router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    locked = write_wav(tmp_path / "locked.wav", 1)
    real_open = open

    def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and os.fspath(file) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(PermissionError) as caught:
        await api.identify(locked, {"John": "vp"})
    notes = " ".join(getattr(caught.value, "__notes__", []))
    assert f"{locked} could not be read for its upload" in notes and "no job was created" in notes, notes
    assert identify.call_count == 0


@pytest.mark.parametrize(("call", "arguments"), LOCAL_AUDIO_CALLS)
async def test_a_fifo_or_a_device_is_said_to_be_what_it_is_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path, call: str, arguments: tuple[Any, ...]
) -> None:
    """A FIFO or a device given as audio was refused as "no such file", though it is there: it is
    said to be what it is. The FIFO is never opened (opening it waits for a writer: the call would hang)."""
    fifo = tmp_path / "recording.wav"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO"), (Path(os.devnull), "a character device")):
        with pytest.raises(ValidationError) as caught:
            await getattr(api, call)(path, *arguments)
        _check(caught.value, "audio", str(path))
        assert caught.value.rule == f"is not a regular file ({kind}); give an audio file"
    assert router.calls.call_count == 0


def test_a_fifo_put_in_a_files_place_after_its_stat_is_refused_as_a_fifo_without_waiting_for_a_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check stats the path, then opens it: a FIFO put in the place of the regular file between the
    two is refused as what it is (not as "the file is empty", a FIFO's size), and its open does not
    wait for a writer that never comes (run here in the test's own thread, which the suite's timeout
    interrupts, rather than in a worker thread that a wait would leave stuck)."""
    path = write_wav(tmp_path / "a.wav", 0.5)
    real_stat = os.stat
    swapped: list[str] = []

    def stat_then_swap(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        found = real_stat(target, *args, **kwargs)
        if not swapped and target == str(path):
            swapped.append(target)
            path.unlink()
            os.mkfifo(path)
        return found

    monkeypatch.setattr(os, "stat", stat_then_swap)
    with pytest.raises(ValidationError) as caught:
        check_audio(str(path))
    _check(caught.value, "audio", str(path))
    assert caught.value.rule == "is not a regular file (a FIFO); give an audio file"
    assert swapped == [str(path)]


@pytest.mark.parametrize(
    ("field", "url", "shown"),
    [
        ("audio", "https://x.com/a b.wav?X-Amz-Signature=SECRET", "https://x.com/a b.wav?<query hidden>"),
        ("audio", "ftp://user:SECRET@files.example/a.wav", "ftp://<credentials hidden>@files.example/a.wav"),
        ("webhook", "https://user:SECRET@:99999/hook", "https://<credentials hidden>@:99999/hook"),
        ("webhook", "https://hooks.example:99999/h#token=SECRET", "https://hooks.example:99999/h?<query hidden>"),
    ],
    ids=["audio-signature", "audio-password", "webhook-password", "webhook-fragment"],
)
async def test_a_refused_url_is_shown_without_its_query_or_password(
    api: Api, router: respx.Router, field: str, url: str, shown: str
) -> None:
    """A refused URL was echoed whole: a presigned URL's signature, a user:password@ or a token in
    the fragment went into the message (and every log that keeps it). The message shows the URL
    without them; the exception's ``value`` is still what was passed."""
    arguments: dict[str, Any] = {"webhook": url} if field == "webhook" else {}
    with pytest.raises(ValidationError) as caught:
        await api.identify(url if field == "audio" else URL, {"John": "vp"}, **arguments)
    assert caught.value.field == field and caught.value.value == url
    assert str(caught.value).startswith(f"{field}={shown!r}: ")
    assert "SECRET" not in str(caught.value) and "SECRET" not in repr(caught.value)
    assert router.calls.call_count == 0


async def test_local_file_over_1_gib_is_rejected_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A (sparse) file one byte over the 1 GiB limit is refused with its size and the limit."""
    big = tmp_path / "big.wav"
    with big.open("wb") as file:
        file.truncate(MAX_AUDIO_BYTES + 1)
    assert MAX_AUDIO_BYTES == 2**30
    with pytest.raises(ValidationError) as caught:
        await api.identify(big, {"John": "vp"})
    _check(caught.value, "audio", "big.wav")
    assert str(MAX_AUDIO_BYTES + 1) in caught.value.rule and str(MAX_AUDIO_BYTES) in caught.value.rule
    assert router.calls.call_count == 0


class _FirstChunkSent(Exception):
    """Raised by a progress callback: the upload started, so validation let the file through."""


def _stop_at_first_chunk(*_: object) -> None:
    raise _FirstChunkSent


async def test_local_file_of_exactly_1_gib_is_accepted(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """The limit is "at most 1 GiB": a (sparse) file of exactly 2**30 bytes is not refused, its upload
    starts (stopped by the progress callback at its first chunk, so nothing near 1 GiB is read)."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    identify = router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    edge = tmp_path / "edge.wav"
    with edge.open("wb") as file:
        file.truncate(MAX_AUDIO_BYTES)
    with pytest.raises(_FirstChunkSent):
        await api.identify(edge, {"John": "vp"}, on_upload_progress=_stop_at_first_chunk)
    assert identify.call_count == 0


async def test_file_object_over_1_gib_is_rejected_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A file object whose remaining size is over the limit is refused as well."""
    big = tmp_path / "big.wav"
    with big.open("wb") as file:
        file.truncate(MAX_AUDIO_BYTES + 1)
    with big.open("rb") as file, pytest.raises(ValidationError) as caught:
        await api.identify(file, {"John": "vp"})
    assert caught.value.field == "audio"
    assert router.calls.call_count == 0


async def test_text_mode_file_object_is_rejected(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """A file opened in text mode would corrupt audio; it must be opened with 'rb'."""
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with path.open("r") as file, pytest.raises(ValidationError, match="binary mode") as caught:
        await api.identify(file, {"John": "vp"})
    assert caught.value.field == "audio"
    assert router.calls.call_count == 0


@pytest.mark.parametrize("key", ["../escape.wav", "media://a/../b", "a b.wav", "", "k" * 300])
async def test_bad_media_key_is_rejected_before_the_upload(
    api: Api, router: respx.Router, tmp_path: Path, key: str
) -> None:
    """A media_key that breaks the media:// pattern, length or path rules is refused before any I/O;
    the error names the argument as the caller wrote it (media_key, or upload()'s key)."""
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(ValidationError) as caught:
        await api.identify(path, {"John": "vp"}, media_key=key)
    assert caught.value.field == "media_key"
    with pytest.raises(ValidationError) as caught:
        await api.upload(path, key)
    assert caught.value.field == "key"
    assert router.calls.call_count == 0


@pytest.mark.parametrize("audio", [URL, "media://already/there.wav"])
async def test_upload_refuses_audio_that_is_already_a_url(api: Api, router: respx.Router, audio: str) -> None:
    """upload() takes a path or a file object; a URL has nothing to upload."""
    with pytest.raises(ValidationError) as caught:
        await api.upload(audio)
    _check(caught.value, "audio", audio)
    assert router.calls.call_count == 0


async def test_voiceprint_audio_over_100_mib_is_rejected(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """A voiceprint file over the voiceprint limit is refused although identify would accept it."""
    big = tmp_path / "enrol.mp3"
    with big.open("wb") as file:
        file.truncate(MAX_VOICEPRINT_AUDIO_BYTES + 1)
    for method in (api.create_voiceprint, api.submit_voiceprint):
        with pytest.raises(ValidationError) as caught:
            await method(big)
        assert caught.value.field == "audio"
        assert str(MAX_VOICEPRINT_AUDIO_BYTES) in caught.value.rule
    assert router.calls.call_count == 0


async def test_voiceprint_webhook_is_checked(api: Api, router: respx.Router) -> None:
    """submit_voiceprint refuses a webhook that is not an http(s) URL."""
    with pytest.raises(ValidationError) as caught:
        await api.submit_voiceprint(URL, webhook="mailto:me@example.com")
    _check(caught.value, "webhook", "mailto:")
    assert router.calls.call_count == 0


async def test_voiceprint_wav_over_30_seconds_is_rejected_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A local WAV longer than 30 s is refused with its duration, before upload."""
    long = write_wav(tmp_path / "long.wav", 31.0)
    for method in (api.create_voiceprint, api.submit_voiceprint):
        with pytest.raises(ValidationError, match=r"31\.0 s") as caught:
            await method(long)
        assert caught.value.field == "audio"
    assert router.calls.call_count == 0


@pytest.mark.parametrize("timeout", [0, -5, NAN, float("inf"), True, "60"])
async def test_wait_timeout_must_be_a_positive_finite_number(
    api: Api, router: respx.Router, timeout: object, tmp_path: Path
) -> None:
    """wait() refuses a timeout that is not a finite number of seconds ≥ 0 (0 polls once: see
    test_client_wait), create_voiceprint() one that is not positive (it would bill and never wait)."""
    if timeout != 0:
        with pytest.raises(ValidationError) as caught:
            await api.wait("job-1", timeout=timeout)
        assert caught.value.field == "timeout"
    with pytest.raises(ValidationError):
        await api.create_voiceprint(write_wav(tmp_path / "a.wav", 1.0), timeout=timeout)
    assert router.calls.call_count == 0


@pytest.mark.parametrize("job_id", ["", "   ", " job-1", 42, None, ".", ".."])
async def test_job_id_must_be_a_non_empty_string(api: Api, router: respx.Router, job_id: object) -> None:
    """get_job() and wait() refuse an empty, padded, dot-segment or non-string job id."""
    for method in (api.get_job, api.wait):
        with pytest.raises(ValidationError) as caught:
            await method(job_id)
        assert caught.value.field == "job_id"
    assert router.calls.call_count == 0


async def test_kind_and_broker_are_checked(api: Api, router: respx.Router) -> None:
    """An unknown kind, or a broker without wait(), is refused."""
    with pytest.raises(ValidationError) as caught:
        await api.get_job("job-1", kind="transcription")
    assert caught.value.field == "kind"
    with pytest.raises(ValidationError) as caught:
        await api.wait("job-1", kind="transcription")
    assert caught.value.field == "kind"
    with pytest.raises(ValidationError) as caught:
        await api.wait("job-1", broker=object())
    assert caught.value.field == "broker"
    assert router.calls.call_count == 0


async def _async_callback(*args: object) -> None:
    """An async callback: the clients call callbacks, they never await them."""


class _AsyncCallable:
    async def __call__(self, *args: object) -> None:
        """An object whose __call__ is a coroutine function."""


@pytest.mark.parametrize(
    "callback", [_async_callback, _AsyncCallable(), "print"], ids=["async-def", "async-call", "not-callable"]
)
async def test_a_callback_that_would_never_run_is_refused_before_anything_is_sent(
    api: Api, router: respx.Router, callback: object, tmp_path: Path
) -> None:
    """An async on_status was called, never awaited, and silently never ran ('coroutine was never
    awaited'): it is refused, as a non-callable is, before any request or upload."""
    audio = write_wav(tmp_path / "a.wav", 1.0)
    calls = [
        lambda: api.wait("job-1", on_status=callback),
        lambda: api.identify(audio, {"Alice": "QUJD"}, on_upload_progress=callback),
        lambda: api.upload(audio, on_progress=callback),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match="must be a"):
            await call()
    assert router.calls.call_count == 0


def _returns_a_coroutine(*args: object) -> Any:
    """A plain function around an async one (a lambda, a plain decorator): it returns the coroutine
    instead of running it, and only its first call can tell."""
    return _async_callback(*args)


async def _refused_at_first_call(call: Callable[[], Awaitable[object]], field: str) -> str:
    """Run *call*, expect the TypeError that names *field*, and check that the returned coroutine was
    closed: Python's "coroutine ... was never awaited" warning does not follow the error."""
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        with pytest.raises(TypeError) as caught:
            await call()
        message = str(caught.value)
        del caught  # its traceback holds the frame that holds the coroutine
        gc.collect()
    assert [str(warning.message) for warning in warned if "never awaited" in str(warning.message)] == []
    assert message.startswith(f"{field} returned a coroutine")
    assert "plain function" in message
    return message


async def test_a_status_callback_returning_a_coroutine_is_refused_at_its_first_call_naming_the_job(
    api: Api, router: respx.Router
) -> None:
    """A lambda around an async function passes the check before the call; its first call raises a
    TypeError that names on_status and the job to resume (the job is already billed), instead of a
    body that silently never runs."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("running"))
    message = await _refused_at_first_call(lambda: api.wait(JOB_ID, on_status=_returns_a_coroutine), "on_status")
    assert f"wait({JOB_ID!r})" in message
    assert router.calls.call_count == 1


async def test_an_upload_progress_callback_returning_a_coroutine_stops_the_upload_at_its_first_call(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """upload() and identify() stop at the first chunk's report; identify submits no job."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    identify = router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    audio = write_wav(tmp_path / "a.wav", 1.0)
    await _refused_at_first_call(lambda: api.upload(audio, on_progress=_returns_a_coroutine), "on_progress")
    await _refused_at_first_call(
        lambda: api.identify(audio, {"Alice": "QUJD"}, on_upload_progress=_returns_a_coroutine), "on_upload_progress"
    )
    assert identify.call_count == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": 3}, "status"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": True}, "page_size"),
        ({"max_items": -1}, "max_items"),
        ({"max_items": 1.5}, "max_items"),
    ],
)
async def test_jobs_arguments_are_checked(api: Api, router: respx.Router, kwargs: dict[str, Any], field: str) -> None:
    """jobs() refuses an unknown status, a page size outside 1–100 and a negative max_items."""
    with pytest.raises(ValidationError) as caught:
        await api.jobs(**kwargs)
    assert caught.value.field == field
    assert router.calls.call_count == 0


async def test_a_validation_error_never_reads_the_file_object(api: Api, router: respx.Router) -> None:
    """When another argument is wrong, a file object is left where it was."""
    file = io.BytesIO(b"RIFF....")
    with pytest.raises(ValidationError):
        await api.identify(file, {"John": "vp"}, num_speakers=TOO_MANY_SPEAKERS)
    assert file.tell() == 0
    assert router.calls.call_count == 0


async def test_a_file_object_with_nothing_left_to_read_is_rejected(api: Api, router: respx.Router) -> None:
    """An empty file object, or one already read to its end, is refused like an empty file."""
    consumed = io.BytesIO(b"RIFF....")
    consumed.read()
    for file in (io.BytesIO(b""), consumed):
        with pytest.raises(ValidationError, match="already read") as caught:
            await api.identify(file, {"John": "vp"})
        assert caught.value.field == "audio"
        with pytest.raises(ValidationError):
            await api.upload(file)
    assert router.calls.call_count == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("007", 7), ("65535", 65535), ("9" * 4300, int("9" * 4300))]
    + [(text, None) for text in ("", " 1", "-1", "1.0", "\u00b2", "\u0663", "\uff11", "9" * 4301)],
)
def test_ascii_int_reads_only_plain_ascii_digits_that_int_can_read(text: str, expected: int | None) -> None:
    """str.isdigit() passes "²" (int() raises) and "٣" (int() reads 3); ascii_int refuses both, and more than
    the 4,300 digits int() reads, instead of raising."""
    from pyannoteai_identify._validation import ascii_int

    assert ascii_int(text) == expected
    assert ascii_int(text, max_digits=3) == (expected if len(text) <= 3 else None)


class _AsyncFile:
    """A file object with an async read(), as FastAPI's UploadFile or aiofiles' files have."""

    filename = "a.wav"

    async def read(self, size: int = -1) -> bytes:
        return b"RIFF"[: max(size, 0)]


async def test_an_async_file_object_is_refused_without_leaving_its_read_coroutine_unawaited(
    api: Api, router: respx.Router
) -> None:
    """An UploadFile passed as it is (instead of its .file) was refused, but the coroutine its read(0)
    returned was left unawaited: Python's "coroutine ... was never awaited" warning followed the
    ValidationError, an error in a suite run with -W error (as for a coroutine returned by a callback)."""
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        for submit in (lambda: api.upload(_AsyncFile()), lambda: api.identify(_AsyncFile(), {"John": "vp"})):
            with pytest.raises(ValidationError) as caught:
                await submit()
            assert caught.value.field == "audio"
            del caught  # its traceback holds the frame that holds the coroutine
        gc.collect()
    assert [str(warning.message) for warning in warned if "never awaited" in str(warning.message)] == []
    assert router.calls.call_count == 0


@pytest.mark.parametrize("audio", [b"RIFF....WAVE", bytearray(b"RIFF....WAVE"), memoryview(b"RIFF....WAVE")])
async def test_audio_held_in_memory_as_bytes_is_refused_with_how_to_pass_it(
    api: Api, router: respx.Router, audio: bytes | bytearray | memoryview
) -> None:
    """A web service has an upload's body as bytes (Starlette's ``await request.body()``); passed as is,
    it was refused with the rule alone ("must be ... a binary file object"), not saying that wrapping
    it in ``io.BytesIO`` is all it takes, as openai-python and httpx take bytes where this takes a file."""
    for submit in (lambda: api.upload(audio), lambda: api.identify(audio, {"John": "vp"})):
        with pytest.raises(ValidationError, match=re.escape("io.BytesIO(")) as caught:
            await submit()
        assert caught.value.field == "audio"
    assert router.calls.call_count == 0


async def _async_chunks() -> AsyncIterator[bytes]:
    yield b"RIFF"


def _chunks() -> Iterator[bytes]:
    yield b"RIFF"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        pytest.param(_async_chunks, "not an async iterable of chunks", id="async-generator"),
        pytest.param(_chunks, "not an iterator of chunks", id="generator"),
    ],
)
async def test_audio_given_as_a_generator_of_chunks_is_refused_with_how_to_pass_it(
    api: Api, router: respx.Router, make: Callable[[], object], said: str
) -> None:
    """A web service's upload body as a stream (Starlette's ``request.stream()``, an async generator,
    or a generator of chunks) got the rule alone, as bytes once did: it is refused saying what to
    pass instead (a spooled temporary file holding the chunks, or the file object they come from),
    and the chunks are left unread."""
    for submit in (api.upload, lambda audio: api.identify(audio, {"John": "vp"})):
        chunks = make()
        with pytest.raises(ValidationError) as caught:
            await submit(chunks)
        assert caught.value.field == "audio" and caught.value.value is chunks
        assert said in caught.value.rule and "tempfile.SpooledTemporaryFile(), seek(0) and pass it" in caught.value.rule
        if isinstance(chunks, AsyncIterator):
            assert [chunk async for chunk in chunks] == [b"RIFF"]
        else:
            assert list(chunks) == [b"RIFF"]  # type: ignore[call-overload]
    assert router.calls.call_count == 0
