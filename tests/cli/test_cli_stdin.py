"""``-`` as AUDIO (identify, voiceprint, or one ``--voiceprint LABEL=-`` clip) reads standard input:
a pipe is copied to a temporary file first (so the upload declares its Content-Length, and the WAV
duration rules apply), a redirected regular file is uploaded as it is; a terminal, an empty input,
one over the API's size limit and ``-`` given twice are refused before anything is sent."""

from __future__ import annotations

import errno
import io
import json
import os
import random
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from clikit import FAST_POLL, Audio, identify_argv, parse_rttm, run_cli, run_process, truth_rows

from pyannoteai_identify import _validation
from pyannoteai_identify._client import Client
from pyannoteai_identify.cli import USAGE
from pyannoteai_identify.sandbox import Sandbox, voice_sample


class _Stdin:
    """What ``sys.stdin`` is to the command: a text stream with its binary ``buffer`` and ``isatty()``."""

    def __init__(self, buffer: IO[bytes], *, tty: bool = False) -> None:
        self.buffer = buffer
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def fileno(self) -> int:
        return self.buffer.fileno()


class _Unreadable(io.RawIOBase):
    """A binary stream whose every read fails the test: what must not be read (a terminal, a second ``-``)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("standard input was read")


@contextmanager
def _piped(monkeypatch: pytest.MonkeyPatch, data: bytes) -> Iterator[dict[str, int]]:
    """Standard input is a real pipe (it cannot seek) that a thread feeds *data* into, then closes.

    Yields how many bytes the writer has handed to the pipe so far (``written``). On exit the read
    end is closed, which ends a writer the command stopped reading from (a broken pipe), and the
    writer is joined with a bound.
    """
    read_fd, write_fd = os.pipe()
    reader = open(read_fd, "rb")  # noqa: SIM115 (closed below)
    progress = {"written": 0}

    def feed() -> None:
        try:
            with open(write_fd, "wb", buffering=0) as writer:
                view = memoryview(data)
                while view:
                    sent = writer.write(view[: 64 * 1024])
                    progress["written"] += sent or 0
                    view = view[sent or 0 :]
        except (BrokenPipeError, OSError):
            pass  # the command stopped reading: the rest is not wanted

    writer = threading.Thread(target=feed, name="stdin-feeder", daemon=True)
    monkeypatch.setattr(sys, "stdin", _Stdin(reader))
    writer.start()
    try:
        yield progress
    finally:
        reader.close()
        writer.join(timeout=10)
        assert not writer.is_alive(), "the pipe's writer did not end"


@pytest.fixture
def uploads(env: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes]]:
    """(media key, bytes) of each upload the sandbox stored, as it received them."""
    stored: list[tuple[str, bytes]] = []
    put_media = env.state.put_media

    def recording(key: str, data: bytes | bytearray) -> None:
        stored.append((key, bytes(data)))
        put_media(key, data)

    monkeypatch.setattr(env.state, "put_media", recording)
    return stored


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Every request the command's httpx client sent (its headers as they went out)."""
    requests: list[httpx.Request] = []
    send = httpx.Client.send

    def recording(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        requests.append(request)
        return send(self, request, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", recording)
    return requests


def _puts(requests: list[httpx.Request]) -> list[httpx.Request]:
    return [request for request in requests if request.method == "PUT"]


def _identify(capsys: pytest.CaptureFixture[str], audio: Audio, source: str, *options: str) -> Any:
    return run_cli(capsys, *FAST_POLL, *identify_argv(source, {"Alice": audio.alice, "Bob": audio.bob}, *options))


def test_identify_of_piped_audio_uploads_every_byte_with_a_content_length_and_names_it_stdin(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    sent: list[httpx.Request],
) -> None:
    """``curl … | pyannoteai-identify identify - …``: the pipe is copied first, so the presigned PUT
    declares its length (storage refuses a chunked body); its key and RTTM file id are ``stdin``."""
    meeting = audio.meeting.read_bytes()
    with _piped(monkeypatch, meeting):
        run = _identify(capsys, audio, "-", "--format", "rttm")

    assert run.code == 0, run.err
    assert parse_rttm(run.out) == truth_rows("stdin")
    assert len(uploads) == 1
    key, data = uploads[0]
    assert data == meeting
    assert key.endswith("/stdin")
    (put,) = _puts(sent)
    assert put.headers.get("content-length") == str(len(meeting))
    assert "transfer-encoding" not in put.headers
    assert env.stats.requests["identify"] == 1


def test_a_redirected_regular_file_is_uploaded_as_it_is_without_a_temporary_copy(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    sent: list[httpx.Request],
) -> None:
    """``identify - < call.wav``: standard input can seek, so it is the file uploaded, read from its
    position, with its size; no temporary file is made."""
    given: list[object] = []
    identify = Client.identify

    def recording(self: Client, audio_source: object, *args: Any, **kwargs: Any) -> Any:
        given.append(audio_source)
        return identify(self, audio_source, *args, **kwargs)  # type: ignore[arg-type]

    def no_copy(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a redirected file was copied to a temporary file")

    monkeypatch.setattr(Client, "identify", recording)
    monkeypatch.setattr(tempfile, "TemporaryFile", no_copy)
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_copy)
    meeting = audio.meeting.read_bytes()
    with audio.meeting.open("rb") as redirected:
        monkeypatch.setattr(sys, "stdin", _Stdin(redirected))
        run = _identify(capsys, audio, "-", "--format", "json")

        assert run.code == 0, run.err
        assert given == [redirected]
    assert [data for _, data in uploads] == [meeting]
    (put,) = _puts(sent)
    assert put.headers.get("content-length") == str(len(meeting))


def test_a_piped_clip_enrolls_its_voiceprint_in_identify(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
) -> None:
    """``--voiceprint Alice=-`` enrolls the audio piped in (one voiceprint job), then identifies."""
    clip = audio.alice_wav.read_bytes()
    with _piped(monkeypatch, clip):
        run = run_cli(
            capsys,
            *FAST_POLL,
            "identify",
            str(audio.meeting),
            "--voiceprint",
            "Alice=-",
            "--voiceprint",
            f"Bob={audio.bob}",
            "--format",
            "rttm",
        )

    assert run.code == 0, run.err
    assert parse_rttm(run.out) == truth_rows("meeting")
    assert env.stats.requests["voiceprint"] == 1
    assert (uploads[0][0].endswith("/stdin"), uploads[0][1]) == (True, clip)


@pytest.mark.parametrize("shape", ["line", "json", "redirected"])
def test_a_voiceprint_piped_to_a_voiceprint_option_is_used_as_it_is_not_enrolled(
    env: Sandbox,
    audio: Audio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    shape: str,
) -> None:
    """``vault read -field=vp ... | ... --voiceprint Alice=-``: text piped in is the voiceprint itself
    (its one line, or the JSON ``job ID --wait --format json`` prints), not a clip to upload, enroll,
    and pay for."""
    text = json.dumps({"status": "succeeded", "voiceprint": audio.alice}) if shape == "json" else f"{audio.alice}\n"
    argv = [*FAST_POLL, *identify_argv(audio.meeting, {"Alice": "-", "Bob": audio.bob}, "--format", "rttm")]
    if shape == "redirected":
        saved = tmp_path / "alice.vp"
        saved.write_bytes(b"ignored before the position\n" + text.encode())
        with saved.open("rb") as redirected:
            redirected.readline()  # standard input is read from where it stands
            monkeypatch.setattr(sys, "stdin", _Stdin(redirected))
            run = run_cli(capsys, *argv)
    else:
        with _piped(monkeypatch, text.encode()):
            run = run_cli(capsys, *argv)

    assert run.code == 0, run.err
    assert parse_rttm(run.out) == truth_rows("meeting")
    assert env.stats.requests["voiceprint"] == 0
    assert [data for _, data in uploads] == [audio.meeting.read_bytes()]


def test_text_piped_to_a_voiceprint_option_that_is_no_voiceprint_exits_two_and_sends_nothing(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two lines piped in are refused as a voiceprint, as in a text file, rather than enrolled as audio."""
    with _piped(monkeypatch, f"{audio.alice}\n{audio.bob}\n".encode()):
        run = run_cli(capsys, *identify_argv(audio.meeting, {"Alice": "-", "Bob": audio.bob}))

    assert run.code == USAGE
    assert "--voiceprint Alice=-: holds 2 lines" in run.err
    assert sum(env.stats.requests.values()) == 0


def test_voiceprint_of_piped_audio_prints_the_voiceprint(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``voiceprint -`` reads the clip from a pipe; standard output holds the voiceprint alone, the
    one the same clip given as a file gives."""
    with _piped(monkeypatch, audio.alice_wav.read_bytes()):
        run = run_cli(capsys, *FAST_POLL, "voiceprint", "-")
    from_file = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.alice_wav))

    assert run.code == 0, run.err
    assert from_file.code == 0, from_file.err
    assert run.out == from_file.out and len(run.out.splitlines()) == 1


@pytest.mark.parametrize("where", ["identify AUDIO", "voiceprint AUDIO", "identify --voiceprint"])
def test_a_terminal_as_standard_input_exits_two_and_sends_nothing(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """``-`` with standard input at the keyboard is a mistake: the user is told to pipe or redirect audio in."""
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BufferedReader(_Unreadable()), tty=True))
    argv = {
        "identify AUDIO": ["identify", "-", "--voiceprint", f"Alice={audio.alice}"],
        "voiceprint AUDIO": ["voiceprint", "-"],
        "identify --voiceprint": ["identify", str(audio.meeting), "--voiceprint", "Alice=-"],
    }[where]
    run = run_cli(capsys, *argv)

    assert run.code == USAGE
    assert "standard input" in run.err and "terminal" in run.err and "pipe or redirect" in run.err
    assert run.out == ""
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("kind", ["pipe", "regular file"])
def test_an_empty_standard_input_exits_two_and_sends_nothing(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    kind: str,
) -> None:
    """Nothing piped in (a failed ``curl -s``) or an empty file redirected: refused, not uploaded."""
    if kind == "pipe":
        with _piped(monkeypatch, b""):
            run = _identify(capsys, audio, "-")
    else:
        (tmp_path / "empty.wav").write_bytes(b"")
        with (tmp_path / "empty.wav").open("rb") as empty:
            monkeypatch.setattr(sys, "stdin", _Stdin(empty))
            run = _identify(capsys, audio, "-")

    assert run.code == USAGE
    assert "- (standard input) is empty" in run.err
    assert sum(env.stats.requests.values()) == 0


def test_a_pipe_over_the_size_limit_stops_being_read_and_exits_two_before_anything_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the API's limit (made 1000 bytes here) the copy stops, the rest of the pipe is left
    unread, and the error names standard input, the limit and the rule."""
    monkeypatch.setattr(_validation, "MAX_AUDIO_BYTES", 1000)
    data = b"\0" * (4 * 1024 * 1024)  # far more than a pipe holds: the writer waits on the reader
    with _piped(monkeypatch, data) as progress:
        run = _identify(capsys, audio, "-")
        written = progress["written"]

    assert run.code == USAGE
    assert "- (standard input): holds more than 1000 bytes" in run.err
    assert "the API accepts at most 1000 bytes" in run.err and "nothing was sent" in run.err
    assert written < len(data), "the whole input was read though the limit was passed"
    assert sum(env.stats.requests.values()) == 0


def test_a_redirected_file_over_the_size_limit_exits_two_naming_its_size(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A redirected file's size is known without reading it: it is named in the error."""
    monkeypatch.setattr(_validation, "MAX_AUDIO_BYTES", 1000)
    size = audio.meeting.stat().st_size
    with audio.meeting.open("rb") as redirected:
        monkeypatch.setattr(sys, "stdin", _Stdin(redirected))
        run = _identify(capsys, audio, "-")

    assert run.code == USAGE
    assert f"- (standard input): holds {size} bytes" in run.err and "at most 1000 bytes" in run.err
    assert sum(env.stats.requests.values()) == 0


def test_a_piped_voiceprint_clip_over_30_seconds_exits_two_before_anything_is_sent(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy of a pipe can seek, so the WAV duration rule of a voiceprint applies to it too."""
    with _piped(monkeypatch, voice_sample("Alice", 31.0)):
        run = run_cli(capsys, "voiceprint", "-")

    assert run.code == USAGE
    assert "- (standard input)" in run.err and "31.0 s" in run.err
    assert sum(env.stats.requests.values()) == 0


def test_standard_input_given_twice_exits_two_without_reading_it(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-`` can be read once: as AUDIO or as one ``--voiceprint`` clip, not both."""
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BufferedReader(_Unreadable())))
    run = run_cli(capsys, "identify", "-", "--voiceprint", "Alice=-", "--voiceprint", "Bob=-")

    assert run.code == USAGE
    assert "given 3 times" in run.err and "read only once" in run.err
    assert sum(env.stats.requests.values()) == 0


class _FailingPipe(io.RawIOBase):
    """A pipe whose reads fail as a failing device's do: an OSError with EIO, which names no file."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise OSError(errno.EIO, os.strerror(errno.EIO))


@pytest.mark.parametrize(
    ("argv", "given"),
    [
        (["identify", "-", "--voiceprint", "Alice={alice}"], "-"),
        (["voiceprint", "-"], "-"),
        (["identify", "{meeting}", "--voiceprint", "Alice=-"], "--voiceprint Alice=-"),
    ],
    ids=["identify", "voiceprint", "voiceprint-clip"],
)
def test_standard_input_that_fails_to_read_exits_seven_naming_it(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    given: str,
) -> None:
    """An I/O error reading standard input exited 7 with "[Errno 5] Input/output error" alone, which
    did not say what could not be read: the line names standard input, as the user typed it."""
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BufferedReader(_FailingPipe())))
    run = run_cli(capsys, *[arg.format(meeting=audio.meeting, alice=audio.alice) for arg in argv])

    assert run.code == 7, run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    said = f"[Errno {errno.EIO}] {os.strerror(errno.EIO)}; {given} (standard input): could not be read"
    assert lines == [f"error: {said}"]
    assert sum(env.stats.requests.values()) == 0


def test_identify_dash_in_a_process_reads_the_audio_piped_to_it(env: Sandbox, audio: Audio) -> None:
    """As a shell runs it (``… | pyannoteai-identify identify - …``): the real standard input, a pipe."""
    run = run_process(
        [
            *FAST_POLL,
            "identify",
            "-",
            "--format",
            "rttm",
            "--voiceprint",
            f"Alice={audio.alice}",
            "--voiceprint",
            f"Bob={audio.bob}",
        ],
        {"PYANNOTEAI_API_KEY": env.api_key, "PYANNOTEAI_BASE_URL": env.base_url},
        stdin=audio.meeting.read_bytes(),
    )

    assert run.code == 0, run.err
    assert parse_rttm(run.out) == truth_rows("stdin")
    assert env.stats.requests["identify"] == 1


def test_a_bad_option_is_refused_before_standard_input_is_read(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A download piped in may be long: an option the API would refuse is said before it is read."""
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BufferedReader(_Unreadable())))
    run = run_cli(capsys, "identify", "-", "--threshold", "1000", "--voiceprint", f"Alice={audio.alice}")

    assert run.code == USAGE
    assert "--threshold" in run.err
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("wrong", ["audio", "clip"])
def test_an_audio_file_identify_refuses_is_said_before_a_piped_clip_is_read(
    env: Sandbox,
    audio: Audio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    wrong: str,
) -> None:
    """A clip piped in may be a long download: a mistyped AUDIO, or a ``--voiceprint`` clip file over
    the 30 s limit, is said before standard input is read, not after all of it."""
    too_long = tmp_path / "long-clip.wav"
    too_long.write_bytes(voice_sample("Bob", 31.0))
    meeting, clip = (tmp_path / "no-such.wav", audio.bob) if wrong == "audio" else (audio.meeting, too_long)
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BufferedReader(_Unreadable())))
    run = run_cli(capsys, "identify", str(meeting), "--voiceprint", "Alice=-", "--voiceprint", f"Bob={clip}")

    assert run.code == USAGE
    assert ("no-such.wav" if wrong == "audio" else "31.0 s") in run.err
    assert "standard input was read" not in run.err
    assert sum(env.stats.requests.values()) == 0


def _streamed(wav: bytes) -> bytes:
    """*wav* as ffmpeg writes a WAV to a pipe (``ffmpeg -i call.mp4 -f wav -``): it cannot seek back
    to fill in the RIFF and data chunk sizes, so both stay at their 0xFFFFFFFF placeholder."""
    data = wav.index(b"data")
    streamed = bytearray(wav)
    streamed[4:8] = streamed[data + 4 : data + 8] = b"\xff\xff\xff\xff"
    return bytes(streamed)


@pytest.mark.parametrize("command", ["voiceprint", "identify"])
def test_a_wav_streamed_into_the_pipe_is_not_refused_as_lasting_what_its_placeholder_size_says(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """``ffmpeg … -f wav - | pyannoteai-identify voiceprint -``: a WAV written to a pipe has no
    length in its header (0xFFFFFFFF, read as 37 h of 16 kHz audio), so its duration is bounded by
    the bytes that follow: a 5 s clip (a 1-minute meeting) must not be refused as over the 30 s
    voiceprint (24 h identify) limit."""
    if command == "voiceprint":
        data, argv = _streamed(voice_sample("Alice", 5.0)), ["voiceprint", "-"]
    else:
        data = _streamed(audio.meeting.read_bytes())
        argv = ["identify", "-", "--voiceprint", f"Alice={audio.alice}", "--voiceprint", f"Bob={audio.bob}"]
        argv += ["--format", "json"]
    with _piped(monkeypatch, data):
        run = run_cli(capsys, *FAST_POLL, *argv)

    assert "the recording lasts" not in run.err, run.err
    assert run.code == 0, run.err


@pytest.mark.parametrize(
    "module", [False, True], ids=["python -m pyannoteai_identify.cli", "python -m pyannoteai_identify"]
)
def test_a_refused_standard_input_in_a_process_is_one_usage_error_line_not_a_traceback(
    env: Sandbox, audio: Audio, module: bool
) -> None:
    """``… | python -m pyannoteai_identify.cli identify - --voiceprint Alice=-`` (``-`` twice) and an
    empty pipe: exit 2 with one ``error:`` line, however the command is started. Run as the module
    ``pyannoteai_identify.cli`` the running code is ``__main__``, and a CLIError made by the stdin
    module (``from .cli import CLIError``, the package's module) is another class, which main()
    did not catch: a traceback and exit 1."""
    environment = {"PYANNOTEAI_API_KEY": env.api_key, "PYANNOTEAI_BASE_URL": env.base_url}
    twice = run_process(["identify", "-", "--voiceprint", "Alice=-"], environment, stdin=b"RIFF", module=module)
    empty = run_process(["voiceprint", "-"], environment, stdin=b"", module=module)

    for run, said in ((twice, "given 2 times"), (empty, "is empty")):
        assert (run.code, run.err_lines) == (USAGE, [run.err_lines[0]]), run.err
        assert run.err_lines[0].startswith("error: - (standard input)") and said in run.err
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("given", ["piped", "file"])
@pytest.mark.parametrize("shape", ["line", "json"])
def test_a_voiceprint_with_a_byte_order_mark_and_crlf_is_used_as_it_is(
    env: Sandbox,
    audio: Audio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    shape: str,
    given: str,
) -> None:
    """``type alice.vp | ... --voiceprint Alice=-`` (or ``--voiceprint Alice=alice.vp``) on Windows: a
    file Notepad or PowerShell saved as UTF-8 starts with a byte order mark and ends its lines with
    CRLF. The mark is no part of the voiceprint (nor of the JSON): it must not be sent as the
    voiceprint's first character (a failed, billed job), nor make the JSON read as 4 lines."""
    document = json.dumps({"status": "succeeded", "voiceprint": audio.alice}, indent=2)
    text = document if shape == "json" else audio.alice
    data = "\ufeff".encode() + text.replace("\n", "\r\n").encode() + b"\r\n"
    saved = tmp_path / "alice.vp"
    saved.write_bytes(data)
    source = "-" if given == "piped" else str(saved)
    argv = [*FAST_POLL, *identify_argv(audio.meeting, {"Alice": source, "Bob": audio.bob}, "--format", "rttm")]
    with _piped(monkeypatch, data):
        run = run_cli(capsys, *argv)

    assert run.code == 0, run.err
    assert parse_rttm(run.out) == truth_rows("meeting")
    assert env.stats.requests["voiceprint"] == 0
    assert [data for _, data in uploads] == [audio.meeting.read_bytes()]


@pytest.mark.parametrize("given", ["piped", "saved"])
def test_a_streamed_wav_of_exactly_the_voiceprint_limit_is_not_refused_as_over_it(
    env: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    given: str,
) -> None:
    """``ffmpeg -i talk.mp4 -t 30 -f wav - | pyannoteai-identify voiceprint -``: a clip cut to the API's
    limit (at most 30 s: 30 s is accepted) streamed with a placeholder data size. Its duration is
    bounded by the bytes that follow its header, not by every byte of the file: counting the header
    (44 bytes or more, 22 frames of 16-bit mono) as samples made it 30.001 s, refused as "lasts
    30.0 s; a voiceprint takes at most 30 s" although the API takes it."""
    data = _streamed(voice_sample("Alice", 30.0))
    if given == "saved":
        saved = tmp_path / "alice.wav"
        saved.write_bytes(data)
        run = run_cli(capsys, *FAST_POLL, "voiceprint", str(saved))
    else:
        with _piped(monkeypatch, data):
            run = run_cli(capsys, *FAST_POLL, "voiceprint", "-")

    assert "the recording lasts" not in run.err, run.err
    assert run.code == 0, run.err


@pytest.mark.parametrize("given", ["piped", "file"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_voiceprint_in_utf16_or_utf32_text_is_refused_naming_its_encoding_whether_piped_or_a_file(
    env: Sandbox,
    audio: Audio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    encoding: str,
    given: str,
) -> None:
    """``pyannoteai-identify voiceprint clip.wav > alice.vp`` in Windows PowerShell 5 writes UTF-16LE
    with a byte order mark (FF FE). Its NUL bytes made ``type alice.vp | ... --voiceprint Alice=-``
    take it for audio: uploaded, enrolled and billed as a clip, and failed. A text file of it
    (``--voiceprint Alice=alice.vp``) is refused as not UTF-8; piped, it must be refused the same
    way, and both must name the encoding and how to convert it rather than leave the user guessing."""
    family = encoding[:6].upper()  # UTF-16 or UTF-32
    data = ("\ufeff" + audio.alice + "\r\n").encode(encoding)
    saved = tmp_path / "alice.vp"
    saved.write_bytes(data)
    source = "-" if given == "piped" else str(saved)
    argv = identify_argv(audio.meeting, {"Alice": source, "Bob": audio.bob})
    with _piped(monkeypatch, data):
        run = run_cli(capsys, *argv)

    assert run.code == USAGE, run.err
    assert f"--voiceprint Alice={source}: " in run.err
    assert f"{family} ({'little' if encoding.endswith('le') else 'big'}-endian) text" in run.err
    assert f"iconv -f {family} -t UTF-8" in run.err and "Set-Content -Encoding utf8" in run.err
    assert audio.alice not in run.err
    assert uploads == []
    assert sum(env.stats.requests.values()) == 0


_PIPED_TEXT = {
    "a voiceprint": lambda vp: f"{vp}\n".encode(),
    "job --format json": lambda vp: json.dumps({"status": "succeeded", "voiceprint": vp}, indent=2).encode(),
    "utf-8 with a byte order mark": lambda vp: "\ufeff".encode() + f"{vp}\r\n".encode(),
    "a text file": lambda vp: b"meeting notes\n\tAlice: hello\n" * 400,  # more than the first few KiB looked at
    "utf-16 from powershell": lambda vp: f"\ufeff{vp}\r\n".encode("utf-16-le"),
}


@pytest.mark.parametrize("kind", ["pipe", "redirected file"])
@pytest.mark.parametrize("text", list(_PIPED_TEXT))
@pytest.mark.parametrize("command", ["identify", "voiceprint"])
def test_text_piped_as_the_audio_is_refused_before_anything_is_uploaded(
    env: Sandbox,
    audio: Audio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    command: str,
    text: str,
    kind: str,
) -> None:
    """``cat alice.vp | pyannoteai-identify identify - --voiceprint …`` (a voiceprint piped where the
    audio goes, or a text file, by mistake): text is no audio; it was uploaded and submitted as the
    audio (billed), and failed. It is refused before any request, naming what was read and the rule,
    and without printing what was read (a mistaken pipe may hold a key)."""
    data = _PIPED_TEXT[text](audio.alice)
    argv = ["identify", "-", "--voiceprint", f"Alice={audio.alice}"] if command == "identify" else ["voiceprint", "-"]
    if kind == "pipe":
        with _piped(monkeypatch, data):
            run = run_cli(capsys, *FAST_POLL, *argv)
    else:
        saved = tmp_path / "piped.txt"
        saved.write_bytes(data)
        with saved.open("rb") as redirected:
            monkeypatch.setattr(sys, "stdin", _Stdin(redirected))
            run = run_cli(capsys, *FAST_POLL, *argv)

    assert run.code == USAGE, run.err
    assert "- (standard input) looks like text, not audio: " in run.err
    assert "nothing was sent" in run.err
    assert ("UTF-16 (little-endian) text" if text.startswith("utf-16") else "UTF-8 text") in run.err
    assert audio.alice not in run.err and "meeting notes" not in run.err
    assert uploads == []
    assert sum(env.stats.requests.values()) == 0


def _bytes(seed: int, size: int) -> bytes:
    """*size* bytes of deterministic noise: what follows an audio format's header."""
    return random.Random(seed).randbytes(size)


#: The first bytes of audio in each format the API takes, as a pipe would give them (its header,
#: then data); none may be refused as text.
_AUDIO_HEADS = {
    "flac": b"fLaC\x00\x00\x00\x22\x10\x00\x10\x00" + _bytes(1, 4000),
    "ogg": b"OggS\x00\x02" + b"\x00" * 8 + _bytes(2, 4000),
    "mp3 with id3": b"ID3\x04\x00\x00\x00\x00\x00\x0a" + _bytes(3, 4000),
    "mp3 frame": b"\xff\xfb\x90\x64" + b"\x00" * 32 + _bytes(4, 4000),
    "mpeg layer i frame (ff fe, as utf-16's mark)": b"\xff\xfe\x90\x00" + _bytes(5, 4000),
    "aac adts": b"\xff\xf1\x50\x80\x02\x1f\xfc" + _bytes(6, 4000),
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + _bytes(7, 4000),
    "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + _bytes(8, 4000),
    "a signature before printable bytes": b"OggS" + b"printable after the signature " * 100,
}


@pytest.mark.parametrize("head", list(_AUDIO_HEADS))
def test_audio_piped_as_the_audio_is_uploaded_whatever_its_format(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    uploads: list[tuple[str, bytes]],
    head: str,
) -> None:
    """The refusal of text is conservative: audio of every format (its header has an audio format's
    signature, or bytes no text has) is uploaded as it is, not refused as text. A WAV is tested above."""
    data = _AUDIO_HEADS[head]
    with _piped(monkeypatch, data):
        run = run_cli(capsys, "identify", "-", "--voiceprint", f"Alice={audio.alice}", "--no-wait")

    assert run.code == 0, run.err
    assert [data for _, data in uploads] == [data]
    assert env.stats.requests["identify"] == 1
