"""Ctrl-C (or CI's SIGTERM) while `identify` or `voiceprint` submits its job: the line it prints says
what exists. While the audio is uploaded no job does, so it must not send the user looking for one
("a job already submitted keeps running: resume with `… job ID --wait`", as it said) and lose the
voiceprints already enrolled (billed); once the audio is sent, the job may exist: look before
submitting it again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from clikit import FAST_POLL, Audio, identify_argv, run_cli

from pyannoteai_identify import Client, _upload
from pyannoteai_identify.cli import INTERRUPTED
from pyannoteai_identify.sandbox import Sandbox


def _interrupt_the_upload_of(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Ctrl-C once the first chunk of the file *name* was handed to the connection, before the upload
    has counted it sent (its progress reported) and asked for the next one."""
    real_next = _upload.FileChunks.__next__

    def next_chunk(self: _upload.FileChunks) -> bytes:
        if self._handed and str(getattr(self._file, "name", "")).endswith(name):
            raise KeyboardInterrupt
        return real_next(self)

    monkeypatch.setattr(_upload.FileChunks, "__next__", next_chunk)


def test_ctrl_c_while_the_audio_is_uploaded_says_no_job_exists_and_keeps_the_enrolled_voiceprint(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice is enrolled (a billed voiceprint job), then Ctrl-C comes while the meeting is uploaded:
    the line says no identify job was submitted, and how to keep Alice's voiceprint."""
    _interrupt_the_upload_of(monkeypatch, audio.meeting.name)

    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice_wav}))

    assert run.code == INTERRUPTED
    enrolled, stopped = run.err_lines
    voiceprint_job = enrolled.split()[2]
    assert stopped.startswith(f"interrupted; no identify job was submitted yet (the upload of {audio.meeting} was")
    assert f"pyannoteai-identify job {voiceprint_job} --wait --format json --output=Alice.voiceprint.json" in stopped
    assert "job ID" not in stopped
    assert env.stats.requests["voiceprint"] == 1 and env.stats.requests["identify"] == 0


def test_ctrl_c_while_a_voiceprints_audio_is_uploaded_says_no_job_exists(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for `voiceprint AUDIO`: no voiceprint job exists while its audio is uploaded."""
    _interrupt_the_upload_of(monkeypatch, audio.alice_wav.name)

    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.alice_wav))

    assert run.code == INTERRUPTED
    assert run.err_lines == [
        f"interrupted; no voiceprint job was submitted yet (the upload of {audio.alice_wav} was stopped)"
    ]
    assert env.stats.requests["voiceprint"] == 0


def test_ctrl_c_after_part_of_the_audio_was_sent_still_says_no_job_exists(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audio sent in chunks of 64 KiB, Ctrl-C comes once the upload has reported some of them
    sent, not all: still no job exists (the tests above stop it before its first report)."""
    real_init, real_next = _upload.FileChunks.__init__, _upload.FileChunks.__next__
    reported: list[tuple[int, int | None]] = []

    def small_chunks(self: _upload.FileChunks, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **{**kwargs, "chunk_size": 64 * 1024})

    def next_chunk(self: _upload.FileChunks) -> bytes:
        if self._sent and str(getattr(self._file, "name", "")).endswith(audio.bob_wav.name):
            reported.append((self._sent, self._total))
            raise KeyboardInterrupt
        return real_next(self)

    monkeypatch.setattr(_upload.FileChunks, "__init__", small_chunks)
    monkeypatch.setattr(_upload.FileChunks, "__next__", next_chunk)

    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.bob_wav))

    assert run.code == INTERRUPTED
    ((sent, total),) = reported
    assert total is not None and 0 < sent < total
    assert run.err_lines == [
        f"interrupted; no voiceprint job was submitted yet (the upload of {audio.bob_wav} was stopped)"
    ]
    assert env.stats.requests["voiceprint"] == 0


def test_ctrl_c_while_the_job_is_asked_for_says_it_may_exist_and_where_to_look(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C once the audio is uploaded, while the identify job's request is under way: the job may or
    may not exist, as the SDK's warning above it says, so the last line says to look with `jobs` (on
    the same server) too, not that a job keeps running with an `ID` to resume."""
    real_send = Client._send

    def send(self: Client, request: httpx.Request, **options: Any) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/identify"):
            raise KeyboardInterrupt
        return real_send(self, request, **options)

    monkeypatch.setattr(Client, "_send", send)
    base_url = ("--base-url", env.base_url)

    run = run_cli(capsys, *FAST_POLL, *base_url, *identify_argv(audio.meeting, {"Alice": audio.alice}))

    assert run.code == INTERRUPTED
    jobs = f"pyannoteai-identify jobs --base-url {env.base_url}"
    *warnings, stopped = run.err_lines  # the SDK's: the job may exist, and where the audio was uploaded
    assert all(line.startswith("warning: ") for line in warnings)
    assert stopped == (
        f"interrupted; the identify job may have been submitted: look for it with `{jobs}` before running the "
        "command again, which would bill it again"
    )


def test_ctrl_c_while_a_second_enrollment_is_asked_for_says_it_may_exist_and_keeps_the_first(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice is enrolled, then Ctrl-C comes while Bob's voiceprint job is asked for (his clip sent):
    the line named Alice's voiceprint job alone, as if Bob's could not exist, so a user ran the command
    again and paid for Bob twice. It says that Bob's may have been submitted and to look with `jobs`
    (on the same server), and still how to keep Alice's voiceprint."""
    real_send = Client._send
    asked: list[str] = []

    def send(self: Client, request: httpx.Request, **options: Any) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/voiceprint"):
            asked.append(request.url.path)
            if len(asked) == 2:
                raise KeyboardInterrupt
        return real_send(self, request, **options)

    monkeypatch.setattr(Client, "_send", send)
    base_url = ("--base-url", env.base_url)

    run = run_cli(
        capsys, *FAST_POLL, *base_url, *identify_argv(audio.meeting, {"Alice": audio.alice_wav, "Bob": audio.bob_wav})
    )

    assert run.code == INTERRUPTED
    enrolled, *warnings, stopped = run.err_lines  # the SDK's warnings: the job may exist, where the clip went
    assert all(line.startswith("warning: ") for line in warnings)
    alice = enrolled.split()[2]
    jobs = f"pyannoteai-identify jobs --base-url {env.base_url}"
    assert stopped.startswith(
        f"interrupted; the voiceprint job enrolling Bob may have been submitted: look for it with `{jobs}` before "
        "running the command again, which would bill it again. To identify without enrolling again, save its voiceprint"
    )
    assert f"pyannoteai-identify job {alice} --wait --format json --output=Alice.voiceprint.json" in stopped
    assert env.stats.requests["identify"] == 0


def test_ctrl_c_while_a_second_enrollments_clip_is_uploaded_says_it_does_not_exist(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while Bob's clip is uploaded, Alice enrolled: no voiceprint job enrolling Bob exists yet,
    and the line says so, with how to keep Alice's voiceprint."""
    _interrupt_the_upload_of(monkeypatch, audio.bob_wav.name)

    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice_wav, "Bob": audio.bob_wav}))

    assert run.code == INTERRUPTED
    enrolled, stopped = run.err_lines
    alice = enrolled.split()[2]
    assert stopped.startswith(
        f"interrupted; no voiceprint job enrolling Bob was submitted yet (the upload of {audio.bob_wav} was stopped). "
        "To identify without enrolling again, save its voiceprint"
    )
    assert f"pyannoteai-identify job {alice} --wait --format json --output=Alice.voiceprint.json" in stopped
    assert env.stats.requests["voiceprint"] == 1 and env.stats.requests["identify"] == 0
