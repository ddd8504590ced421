"""Exit codes and error lines: one line on stderr, a traceback only with --debug, never the API key."""

from __future__ import annotations

import base64
import errno
import http.server
import io
import json
import os
import random
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Any

import pytest
from clikit import API_KEY, FAST_POLL, WEBHOOK_SECRET, Audio, closed_port, identify_argv, run_cli, turns_of
from filekit import refuse_every_open

from pyannoteai_identify._upload import CHUNK_SIZE
from pyannoteai_identify._validation import MAX_VOICEPRINT_AUDIO_SECONDS, NUM_SPEAKERS_VALUES, THRESHOLD_MAX
from pyannoteai_identify.cli import (
    API_ERROR,
    CONNECTION,
    FAILED,
    INTERRUPTED,
    NOT_WRITTEN,
    OK,
    TIMEOUT,
    UNREADABLE,
    USAGE,
    error_message,
)
from pyannoteai_identify.sandbox import Sandbox, voice_sample, voiceprint_for


def _assert_one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("voiceprint", "said"),
    [
        ("SPEAKER_x={alice}", "--voiceprint label='SPEAKER_x': must not start with \"SPEAKER_\""),
        ("speaker_01={alice_wav}", "--voiceprint label='speaker_01': must not start with \"SPEAKER_\""),
        ("Alice={alice_wav}", "--voiceprint label='Alice': duplicates the label of --voiceprint Alice"),
    ],
)
def test_a_validation_error_exits_two_with_one_line_and_nothing_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], voiceprint: str, said: str
) -> None:
    """A reserved or duplicate label exits 2 naming the rule, and the option as it was typed (not
    the SDK's voiceprints[1].label); no request reaches the API (no enrollment either)."""
    given = voiceprint.format(alice=audio.alice, alice_wav=audio.alice_wav)
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--voiceprint", given)

    assert run.code == USAGE
    assert _assert_one_error_line(run.err).startswith(f"error: {said}")
    assert run.out == ""
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize(
    "options",
    [
        ["--threshold", f"{THRESHOLD_MAX + 1:g}"],
        ["--webhook", "ftp://example.test/hook"],
        # Not one of the contract's values (openapi.yaml's numSpeakers enum), whatever they are.
        ["--num-speakers", str(max(NUM_SPEAKERS_VALUES) + 1)],
        ["--model", ""],
    ],
    ids=["threshold", "webhook", "num-speakers", "model"],
)
def test_out_of_range_options_exit_two_before_an_audio_voiceprint_is_enrolled(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    """A bad threshold, webhook, speaker count or model is refused with exit 2 before any upload or job."""
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}", *options)

    assert run.code == USAGE
    assert run.err.strip() and "Traceback" not in run.err
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("voiceprint", ["alice", "alice_wav"])
def test_an_empty_model_exits_two_naming_the_option_and_nothing_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], voiceprint: str
) -> None:
    """``--model ""`` (an unset shell variable: ``--model "$MODEL"``) cannot be a model name: one error
    line naming --model as typed, exit 2, and no upload, enrollment or job (nothing billed); it was not
    left to the API, nor taken as "the API's default"."""
    source = getattr(audio, voiceprint)
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={source}", "--model", "")

    assert run.code == USAGE and run.out == ""
    assert _assert_one_error_line(run.err).startswith("error: --model='': must be a model name"), run.err
    assert sum(env.stats.requests.values()) == 0


def test_a_missing_audio_file_exits_two_before_an_audio_voiceprint_is_enrolled(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """identify of a file that does not exist is refused before the enrollment clip is uploaded."""
    run = run_cli(capsys, "identify", str(tmp_path / "absent.wav"), "--voiceprint", f"Alice={audio.alice_wav}")

    assert run.code == USAGE
    assert "absent.wav" in _assert_one_error_line(run.err)
    assert sum(env.stats.requests.values()) == 0


def test_a_voiceprint_file_that_is_neither_audio_nor_text_exits_two_with_one_line(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A binary file given as a voiceprint is refused in one line naming the option, not with a traceback."""
    binary = tmp_path / "voiceprint.bin"
    binary.write_bytes(bytes(range(256)))
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={binary}")

    assert run.code == USAGE
    assert f"--voiceprint Alice={binary}" in _assert_one_error_line(run.err)
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
@pytest.mark.parametrize("command", ["identify", "voiceprint", "job"])
def test_a_bad_wait_timeout_exits_two_before_anything_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], command: str, value: str
) -> None:
    """--wait-timeout is read before the job is created: a bad one cannot leave a billed job behind."""
    argv = {
        "identify": ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}"],
        "voiceprint": ["voiceprint", str(audio.alice_wav)],
        "job": ["job", "0f7c2a55-0000-4000-8000-000000000000", "--wait"],
    }[command]
    run = run_cli(capsys, *argv, "--wait-timeout", value)

    assert run.code == USAGE
    assert "--wait-timeout" in run.err and "Traceback" not in run.err
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("alice-voiceprint.txt", "no such file"),
        ("alice-vp", "no such file, and not a voiceprint"),
        ("alice_vp", "no such file, and not a voiceprint"),
        ("{folder}/alice", "no such file in"),
        ("alice", "no such file, and not a voiceprint"),
        ("{folder}", "is a folder"),
        ("{two_lines}", "holds 2 lines"),
    ],
    ids=[
        "mistyped-file-name",
        "name-with-a-dash",
        "name-with-an-underscore",
        "missing-file-in-a-folder",
        "length-base64-never-has",
        "folder",
        "text-file-of-two-lines",
    ],
)
def test_a_voiceprint_source_that_cannot_be_a_voiceprint_exits_two_before_anything_is_sent(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    needle: str,
) -> None:
    """A missing file name (with a '.', '-' or '_', which a voiceprint given on the command line, in
    standard base64, never has), a folder, or a text file of more than one line is not sent as the
    voiceprint: it would be billed, and fail as "Invalid voiceprint"."""
    (tmp_path / "voiceprints").mkdir()
    (tmp_path / "alice.txt").write_text(f"{voiceprint_for('Alice')}\nstray line\n")
    monkeypatch.chdir(tmp_path)  # short relative paths, quoted whole (a long one is cut in its middle)
    given = source.format(folder="voiceprints", two_lines="alice.txt")
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={given}")

    assert run.code == USAGE
    line = _assert_one_error_line(run.err)
    assert f"--voiceprint Alice={given}" in line and needle in line
    assert sum(env.stats.requests.values()) == 0


def _audio_argv(where: str, audio: Audio, given: str) -> list[str]:
    """A command that reads the audio file *given* as *where* says: identify's AUDIO (after an audio
    voiceprint that would be enrolled, billed, first), voiceprint's AUDIO, or a --voiceprint clip."""
    return {
        "identify": ["identify", given, "--voiceprint", f"Alice={audio.alice_wav}"],
        "voiceprint": ["voiceprint", given],
        "--voiceprint": ["identify", str(audio.meeting), "--voiceprint", f"Alice={given}"],
    }[where]


@pytest.mark.parametrize("where", ["identify", "voiceprint", "--voiceprint"])
def test_an_audio_file_that_cannot_be_read_exits_two_before_anything_is_sent(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    """An audio file this user may not read passed the checks and failed at its upload, after the
    presigned-URL request (and, for identify, after Alice's clip was enrolled and billed): exit 7. It
    is a usage error (exit 2) naming the option, the file and why, before anything is sent."""
    monkeypatch.chdir(tmp_path)  # a short relative path, quoted whole
    locked = Path("locked.wav")
    locked.write_bytes(Path(audio.bob_wav).read_bytes())
    refuse_every_open(monkeypatch, locked)
    run = run_cli(capsys, *FAST_POLL, *_audio_argv(where, audio, str(locked)))

    assert run.code == USAGE, run.err
    field = "--voiceprint Alice" if where == "--voiceprint" else "audio"
    assert _assert_one_error_line(run.err) == f"error: {field}='locked.wav': cannot be read: Permission denied"
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("where", ["identify", "voiceprint", "--voiceprint"])
@pytest.mark.parametrize("name", ["call.wav", "alice"])
def test_a_fifo_given_as_audio_exits_two_saying_it_is_one(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    name: str,
) -> None:
    """A FIFO (a named pipe, or a shell's ``<(command)``) given as audio or as a --voiceprint was said
    to be missing ("no such file", "no such file, and not a voiceprint"), though it is there. It is
    said to be a FIFO, before anything is sent, and is never opened (that would wait for a writer);
    a --voiceprint says how to pass what a pipe holds."""
    monkeypatch.chdir(tmp_path)
    os.mkfifo(name)
    run = run_cli(capsys, *FAST_POLL, *_audio_argv(where, audio, name))

    assert run.code == USAGE, run.err
    line = _assert_one_error_line(run.err)
    if where == "--voiceprint":
        assert line == (
            f"error: --voiceprint Alice={name}: is not a regular file (a FIFO), not audio, a text file or a "
            "voiceprint (pipe what it holds to --voiceprint Alice=- instead)"
        )
    else:
        assert line == f"error: audio={name!r}: is not a regular file (a FIFO); give an audio file"
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("suffix", [".aiff", ".aif", ".wma", ".oga"])
def test_every_audio_extension_batch_knows_is_enrolled_as_audio_by_identify_too(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    """One list of audio extensions: a clip named .aiff is enrolled (one voiceprint job), not read as text."""
    clip = tmp_path / f"alice{suffix}"
    clip.write_bytes(Path(audio.alice_wav).read_bytes())
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={clip}", "--no-wait")

    assert run.code == OK, run.err
    assert env.stats.requests["voiceprint"] == 1


@pytest.mark.parametrize("command", [["jobs"], ["job", "0f7c2a55-0000-4000-8000-000000000000", "--format", "table"]])
def test_table_output_without_the_cli_extra_exits_two_before_anything_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """Without rich, --format table is refused up front (a billed identify would lose its result)."""
    monkeypatch.setitem(sys.modules, "rich", None)
    identify = ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}"]
    for argv in (identify, command):
        run = run_cli(capsys, *argv)
        assert run.code == USAGE
        assert "cli extra" in _assert_one_error_line(run.err)
    assert sum(env.stats.requests.values()) == 0
    json_run = run_cli(capsys, *FAST_POLL, *identify, "--format", "json")
    assert json_run.code == OK, json_run.err
    assert json.loads(json_run.out)["identification"]


def _result_command(command: str, audio: Audio) -> list[str]:
    """The arguments of *command* (identify, voiceprint or job --wait), whose result -o writes."""
    return {
        "identify": ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--format", "json"],
        "voiceprint": ["voiceprint", str(audio.alice_wav)],
        "job": ["job", "0f7c2a55-0000-4000-8000-000000000000", "--wait"],
    }[command]


@pytest.mark.parametrize("command", ["identify", "voiceprint", "job"])
def test_an_output_file_in_a_missing_folder_is_refused_before_a_billed_job_runs(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """-o into a folder that does not exist exits 2 before anything is sent, so no result is computed and lost."""
    target = str(tmp_path / "missing" / "result.json")
    argv = _result_command(command, audio)
    run = run_cli(capsys, *argv, "-o", target)

    assert run.code == USAGE
    assert "does not exist" in _assert_one_error_line(run.err)
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("command", ["identify", "voiceprint"])
def test_an_output_file_in_a_folder_that_cannot_be_written_is_refused_before_a_billed_job_runs(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """-o into a folder that exists but cannot be written (/proc here; a read-only checkout or mount in
    CI) was only found out after the job was billed (exit 6). It is refused, as a missing folder is,
    before anything is sent."""
    argv = _result_command(command, audio)
    run = run_cli(capsys, *FAST_POLL, *argv, "-o", "/proc/pyannoteai-result.json")

    assert run.code == USAGE
    _assert_one_error_line(run.err)
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("command", ["identify", "voiceprint", "job"])
def test_an_output_file_name_too_long_for_the_file_system_is_a_usage_error_before_anything_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """-o NAME with a name longer than the file system takes (255 bytes on Linux, a generated name in
    a script) exited 7 ("a local file or standard input could not be read") with Python's bare
    "[Errno 36] File name too long: '…'": the check's is_dir() raised that OSError. It is refused as
    any -o that cannot be written, naming the option, before anything is sent."""
    target = str(tmp_path / ("r" * 300 + ".json"))
    argv = _result_command(command, audio)
    run = run_cli(capsys, *argv, "-o", target)

    assert run.code == USAGE
    assert _assert_one_error_line(run.err) == f"error: -o {target}: cannot be written (File name too long)"
    assert sum(env.stats.requests.values()) == 0


def test_usage_errors_of_the_parser_return_two_instead_of_raising(capsys: pytest.CaptureFixture[str]) -> None:
    """main() returns 2 for an unknown command or a missing argument, as the exit code of the process would be."""
    unknown = run_cli(capsys, "no-such-command")
    missing = run_cli(capsys, "identify", "meeting.wav")

    assert unknown.code == missing.code == USAGE
    assert "invalid choice" in unknown.err and "--voiceprint" in missing.err


def test_version_and_help_return_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the version, --help the commands and the exit codes; both return 0."""
    version = run_cli(capsys, "--version")
    helped = run_cli(capsys, "--help")

    assert version.code == helped.code == OK
    assert version.out.startswith("pyannoteai-identify ")
    for word in ("demo", "identify", "voiceprint", "jobs", "sandbox", "webhook", "Exit codes"):
        assert word in helped.out


def test_a_missing_api_key_exits_two_and_names_the_variable(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without PYANNOTEAI_API_KEY the command says which variable to set; nothing is sent."""
    run = run_cli(capsys, "--base-url", sandbox.base_url, "jobs")

    assert run.code == USAGE
    line = _assert_one_error_line(run.err)
    assert "no API key: set the PYANNOTEAI_API_KEY environment variable or pass --api-key" in line
    assert "api_key=" not in line  # the Python argument is not what a command-line user passes
    assert sum(sandbox.stats.requests.values()) == 0


def test_a_wrong_api_key_exits_three_and_points_at_the_variable(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's 401 exits 3 with one line that names PYANNOTEAI_API_KEY and shows no key."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "wrong-" + API_KEY)
    run = run_cli(capsys, "--base-url", sandbox.base_url, "jobs")

    assert run.code == API_ERROR
    line = _assert_one_error_line(run.err)
    assert "401" in line and "Check the API key (PYANNOTEAI_API_KEY or --api-key)" in line
    assert "wrong-" not in run.err


def test_an_unreachable_server_exits_four_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed port on 127.0.0.1 gives exit 4 and one line naming the failed request."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    run = run_cli(capsys, "--base-url", f"http://127.0.0.1:{closed_port()}", "--max-retries", "0", "job", "abc")

    assert run.code == CONNECTION
    assert "/v1/jobs/abc" in _assert_one_error_line(run.err)


def test_a_wait_on_an_api_it_cannot_reach_says_so_at_its_deadline(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wait whose every poll failed (a mistyped --base-url) ended saying only that the job was
    "not finished": the timeout line now says the status is unknown, and why; each failed poll is a
    warning line before it, in the command line's words (--base-url)."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    job_id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    base_url = f"http://127.0.0.1:{closed_port()}"
    run = run_cli(
        capsys,
        "--base-url",
        base_url,
        "--max-retries",
        "0",
        *FAST_POLL,
        "job",
        job_id,
        "--wait",
        "--wait-timeout",
        "0.3",
    )

    assert run.code == TIMEOUT
    # Each failed poll is said as it happens (a warning of the library), the error last, once.
    *warnings, _ = run.err_lines
    assert warnings and all(w.startswith(f"warning: polling job {job_id}: ") for w in warnings), run.err
    assert all(w.endswith("; will keep waiting") and "--base-url" in w for w in warnings), run.err
    line = _assert_one_error_line(run.err_lines[-1])
    assert line.startswith(f"error: job {job_id} has no known status (")
    assert re.search(
        rf"\(\d+ polls in a row failed, the last with: GET /v1/jobs/{job_id} failed: ConnectError: .*\) "
        "at the --wait-timeout deadline; ",
        line,
    )
    assert f"resume with: pyannoteai-identify job {job_id} --wait" in line
    assert "--base-url" in line and "argument base_url" not in line  # the command line's words here too


def test_a_request_that_times_out_exits_four_not_five(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts but never answers is a connection problem (4); 5 means a job still running."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody ever answers
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        run = run_cli(capsys, "--base-url", base_url, "--timeout", "0.2", "--max-retries", "0", "jobs")

    assert run.code == CONNECTION
    assert "ReadTimeout" in _assert_one_error_line(run.err)


def test_a_request_timeout_over_a_day_is_refused_by_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    """--timeout 999999 reached the client, which refused it in Python's words ("an httpx.Timeout,
    or None for the default"): the option's own check says the limit."""
    run = run_cli(capsys, "--timeout", "999999", "jobs")

    assert run.code == USAGE
    assert "--timeout: '999999': must be at most 86400 seconds (one day)" in run.err
    assert "httpx" not in run.err


@pytest.mark.parametrize(
    "args",
    [
        ("--poll-interval", "1e11", "jobs"),
        ("--poll-interval", "1e11", "batch", "--voiceprint", "A=dm9pY2U=", "--out", "out", "in.wav"),
    ],
    ids=["command", "batch"],
)
def test_a_poll_interval_over_a_day_is_refused_by_the_option(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    """--poll-interval 1e11 reached PollSchedule, which refused it in Python's words
    ("PollSchedule(initial=100000000000.0)"): the option's own check says the limit."""
    run = run_cli(capsys, *args)

    assert run.code == USAGE
    assert "--poll-interval: '1e11': must be at most 86400 seconds (one day)" in run.err
    assert "PollSchedule" not in run.err


@pytest.mark.parametrize("retries", ["\u00b2", "\u0663", "-1", "9" * 5000])
def test_a_max_retries_that_is_not_plain_digits_exits_two(capsys: pytest.CaptureFixture[str], retries: str) -> None:
    """--max-retries takes ASCII digits only ("٣" used to be read as 3); a sign or 5,000 digits are refused too."""
    run = run_cli(capsys, "--max-retries", retries, "job", "abc")

    assert run.code == USAGE
    assert "--max-retries" in run.err


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_wait_timeout_exits_five_with_the_command_that_resumes_the_wait(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A job still running at --wait-timeout exits 5; the one error line says how to resume, which then works."""
    run = run_cli(
        capsys,
        *FAST_POLL,
        *identify_argv(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}, "--wait-timeout", "0.5"),
    )
    job_id = run.err.split("job ", 1)[1].split()[0]
    error = [line for line in run.err_lines if line.startswith("error: ")]

    env.advance(3600)
    resumed = run_cli(capsys, *FAST_POLL, "job", job_id, "--wait", "--format", "rttm")

    assert run.code == TIMEOUT and run.out == ""
    assert len(error) == 1 and f"resume with: pyannoteai-identify job {job_id} --wait" in error[0]
    assert env.stats.requests["identify"] == 1
    assert resumed.code == OK and resumed.out.count("SPEAKER ") == 4


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_wait_timeout_resume_command_keeps_the_format_file_id_and_output_file(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`identify ... --format rttm -o out.rttm` timed out: the resume command it printed was a bare
    `job ID --wait`, which prints JSON to stdout; a script running it got neither RTTM nor out.rttm.
    The command resumes what was asked, as the exit-6 message's command already does."""
    target = str(tmp_path / "out.rttm")
    options = ("--format", "rttm", "-o", target, "--wait-timeout", "0.3")
    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice}, *options))
    (error,) = [line for line in run.err_lines if line.startswith("error: ")]
    job_id = error.split()[2]

    assert run.code == TIMEOUT
    assert f"pyannoteai-identify job {job_id} --wait --format rttm --file-id=meeting --output={target}" in error


def test_debug_shows_the_traceback_and_still_the_error_line(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --debug the traceback of the error is printed before the same one-line message."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "wrong-" + API_KEY)
    run = run_cli(capsys, "--debug", "--base-url", sandbox.base_url, "jobs")

    assert run.code == API_ERROR
    assert "Traceback (most recent call last)" in run.err
    assert "AuthenticationError" in run.err
    assert run.err_lines[-1].startswith("error: HTTP 401")
    assert "wrong-" not in run.err


def test_a_failed_job_exits_one_with_the_api_reason_on_one_line(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """identify of a job that fails exits 1; stderr has the submission line and one error line with the reason."""
    env.faults.fail_next_job("Audio file is corrupted", kind="identify")
    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice}, "--format", "json"))

    assert run.code == FAILED and run.out == ""
    errors = [line for line in run.err_lines if line.startswith("error: ")]
    assert len(errors) == 1 and "Audio file is corrupted" in errors[0]
    assert "Traceback" not in run.err


def test_the_api_key_given_as_an_option_is_never_printed(
    sandbox: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--api-key with the right key works, and neither success nor --debug failures print it."""
    ok = run_cli(capsys, *FAST_POLL, "--api-key", API_KEY, "--base-url", sandbox.base_url, "jobs", "--format", "json")
    sandbox.faults.next(1, "5xx", status=500, operation="getJobsByTeamV2")
    failed = run_cli(capsys, "--debug", "--api-key", API_KEY, "--base-url", sandbox.base_url, "jobs")

    assert ok.code == OK and ok.out.strip() == "[]"
    assert failed.code == API_ERROR and "Traceback" in failed.err
    assert API_KEY not in ok.out + ok.err + failed.out + failed.err


def test_ctrl_c_exits_130_with_a_line_saying_how_to_resume(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted command exits 130 and says a submitted job keeps running and how to resume it."""
    from pyannoteai_identify import cli

    def interrupted(_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_jobs", interrupted)
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    code = cli.main(["jobs"])
    err = capsys.readouterr().err
    assert code == cli.INTERRUPTED == 130
    assert "interrupted" in err and "job ID --wait" in err and API_KEY not in err


@pytest.mark.parametrize("command", ["identify", "voiceprint"])
def test_ctrl_c_just_after_the_submitted_line_names_the_job(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Ctrl-C (or CI's SIGTERM) that comes as soon as `job ID submitted` is on stderr: the job was
    remembered for the interrupt's message only after that line was printed, so a signal in between
    said "a job already submitted keeps running: resume with `... job ID --wait`", without the id (the
    SIGTERM process test, which signals on reading the line, saw it under load)."""
    from pyannoteai_identify import _cli_submitted, cli

    def print_then_interrupted(*args: Any, **kwargs: Any) -> None:
        print(*args, **kwargs)
        if re.fullmatch(r"(voiceprint )?job \S+ submitted", " ".join(map(str, args))):
            raise KeyboardInterrupt

    # The line is printed by _cli_submitted (announce_submitted), not by cli itself.
    monkeypatch.setattr(_cli_submitted, "print", print_then_interrupted, raising=False)
    argv = ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}"]
    run = run_cli(capsys, *FAST_POLL, *(argv if command == "identify" else ["voiceprint", str(audio.alice_wav)]))

    assert run.code == cli.INTERRUPTED
    submitted, stopped = run.err_lines
    job_id = submitted.split()[-2]
    assert stopped.startswith(f"interrupted; {submitted.removesuffix(' submitted')} keeps running: resume with: ")
    assert f"pyannoteai-identify job {job_id} --wait" in stopped


def test_ctrl_c_just_after_the_enrollment_line_names_the_voiceprint_job(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race for an audio --voiceprint: `voiceprint job ID submitted (enrolling Alice)` was
    printed before the job was kept for the interrupt's message, so a signal sent on reading it said
    nothing of that billed voiceprint job."""
    from pyannoteai_identify import _cli_voiceprints, cli

    def print_then_interrupted(*args: Any, **kwargs: Any) -> None:
        print(*args, **kwargs)
        if re.fullmatch(r"voiceprint job \S+ submitted \(enrolling Alice\)", " ".join(map(str, args))):
            raise KeyboardInterrupt

    # The enrollment's line is printed by _cli_voiceprints (announce_enrollment), not by cli itself.
    monkeypatch.setattr(_cli_voiceprints, "print", print_then_interrupted, raising=False)
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}")

    assert run.code == cli.INTERRUPTED
    submitted, stopped = run.err_lines
    job_id = submitted.split()[2]
    assert stopped.startswith("interrupted; no identify job was submitted yet") and job_id in stopped, run.err


class _BodyOnStdin:
    """``sys.stdin`` with *body* piped in, as `webhook verify` reads it (its binary ``buffer``)."""

    def __init__(self, body: bytes) -> None:
        self.buffer = io.BytesIO(body)


def test_a_key_or_secret_given_on_the_command_line_is_warned_about_without_being_shown(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--api-key and --secret are readable by every user (ps, /proc): a warning names the variable to
    use instead, and never echoes the value; from the environment, no warning."""
    from pyannoteai_identify import cli

    monkeypatch.delenv("PYANNOTEAI_API_KEY")
    assert cli.main(["--api-key", env.api_key, "--base-url", env.base_url, "jobs", "--format", "json"]) == OK
    err = capsys.readouterr().err
    assert "--api-key is visible to other users" in err and "PYANNOTEAI_API_KEY" in err
    assert env.api_key not in err

    monkeypatch.setenv("PYANNOTEAI_API_KEY", env.api_key)
    assert cli.main(["--base-url", env.base_url, "jobs", "--format", "json"]) == OK
    assert "warning" not in capsys.readouterr().err

    # A body to verify (pytest's own stdin refuses a read: an OS error, exit 7, not the delivery's 1).
    monkeypatch.setattr(sys, "stdin", _BodyOnStdin(b'{"jobId": "x", "status": "succeeded"}'))
    code = cli.main(["webhook", "verify", "--signature", "ab", "--timestamp", "1", "--secret", "whsec_argv"])
    err = capsys.readouterr().err
    assert code == FAILED and "--secret is visible to other users" in err and "whsec_argv" not in err


_WITHOUT_SERVER_EXTRAS = "import sys\nsys.modules['starlette'] = sys.modules['uvicorn'] = None\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["sandbox", "--port", "0"],
        [
            "-q",
            "batch",
            "--voiceprint",
            "Alice=eA==",
            "--out",
            "{out}",
            "--webhook",
            "https://hooks.example.test/h",
            "--listen",
            "127.0.0.1:0",
            "{audio}",
        ],
    ],
    ids=["sandbox", "batch-listen"],
)
def test_a_command_needing_a_missing_extra_exits_two_naming_the_extra(tmp_path: Path, argv: list[str]) -> None:
    """Without starlette and uvicorn, a command that serves HTTP says which extra to install, in one line."""
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF")
    args = [arg.format(out=tmp_path / "out", audio=audio) for arg in argv]
    code = _WITHOUT_SERVER_EXTRAS + f"from pyannoteai_identify.cli import main\nraise SystemExit(main({args!r}))\n"
    env = {
        **os.environ,
        "PYANNOTEAI_API_KEY": API_KEY,
        "PYANNOTEAI_BASE_URL": f"http://127.0.0.1:{closed_port()}",
        "PYANNOTEAI_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)

    assert result.returncode == USAGE, result.stderr
    assert "pip install 'pyannoteai-identify[cli]'" in _assert_one_error_line(result.stderr)
    assert result.stdout == ""


def test_the_sandbox_module_without_its_extra_exits_two_naming_the_extra() -> None:
    """``python -m pyannoteai_identify.sandbox`` without starlette prints the install command, not a traceback."""
    run_module = "import runpy\nrunpy.run_module('pyannoteai_identify.sandbox', run_name='__main__')\n"
    code = _WITHOUT_SERVER_EXTRAS + run_module
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert result.returncode == USAGE, result.stderr
    assert "pip install 'pyannoteai-identify[sandbox]'" in _assert_one_error_line(result.stderr)


@pytest.mark.parametrize(
    ("argv", "named", "parameter"),
    [
        (
            ["identify", "{meeting}", "--voiceprint", "Alice={alice}", "--threshold", "101"],
            "--threshold=101.0: ",
            "matching",
        ),
        (["identify", "{meeting}", "--voiceprint", "Alice={long}"], "--voiceprint Alice='{long}': ", "audio="),
    ],
    ids=["threshold", "voiceprint-too-long"],
)
def test_an_sdk_validation_error_names_the_option_the_user_typed(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    named: str,
    parameter: str,
) -> None:
    """The one error line names the command-line option (--threshold, --voiceprint LABEL) with the value
    and rule, not the SDK's parameter (matching.threshold, audio, max_items); exit 2 and nothing is sent."""
    (tmp_path / "long40.wav").write_bytes(voice_sample("Alice", 40.0))
    monkeypatch.chdir(tmp_path)  # a short relative path, quoted whole (a long one is cut in its middle)
    values = {"meeting": audio.meeting, "alice": audio.alice, "long": "long40.wav"}
    run = run_cli(capsys, *[arg.format(**values) for arg in argv])

    assert run.code == USAGE and run.out == ""
    line = _assert_one_error_line(run.err)
    assert line.startswith("error: " + named.format(**values)), line
    assert parameter not in line
    if "long" in named:
        assert "the recording lasts 40.0 s" in line
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("options", [["--format", "json"], ["--no-wait"]], ids=["json", "no-wait"])
def test_a_closed_standard_output_is_refused_before_anything_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    """With stdout closed (`... >&-`, where Python sets sys.stdout to None) the result or the billed job's id
    would be printed nowhere: exit 2 with one error line, and no upload, no job."""
    monkeypatch.setattr(sys, "stdout", None)
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", *options)

    assert run.code == USAGE
    assert _assert_one_error_line(run.err).startswith("error: standard output is closed")
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_wait_timeout_while_enrolling_a_voiceprint_says_nothing_was_identified_yet(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The deadline inside the enrollment of an audio voiceprint exits 5 saying which label did not finish and
    that no identify job exists; it does not offer to resume the voiceprint job as if it were the result."""
    run = run_cli(
        capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}",
        "--wait-timeout", "0.3",
    )  # fmt: skip

    assert run.code == TIMEOUT and run.out == ""
    (submitted,) = [line for line in run.err_lines if not line.startswith("error: ")]
    (job_id,) = re.findall(r"^voiceprint job (\S+) submitted \(enrolling Alice\)$", submitted)
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    assert "voiceprint enrollment of Alice did not finish" in line and "nothing was identified yet" in line
    assert "resume with" not in line
    # The way on that bills nothing more: keep the voiceprint of the job already paid for.
    save = f"pyannoteai-identify job {job_id} --wait --format json --output=Alice.voiceprint.json"
    assert f"save its voiceprint with: {save}, then pass --voiceprint Alice=Alice.voiceprint.json" in line
    assert env.stats.requests["voiceprint"] == 1 and env.stats.requests["identify"] == 0


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_wait_timeout_of_the_identify_job_after_an_enrollment_says_to_resume_it_not_to_keep_the_voiceprint(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice's clip was enrolled, then the identify job was still running at --wait-timeout: the way on is
    to resume that job, which already holds her voiceprint; the hint to save the voiceprint and identify
    again (a second identify job, billed again) belongs only to errors before the identify job exists."""
    from pyannoteai_identify import Client

    real_submit = Client.submit_voiceprint

    def enrolled_at_once(self: Client, *args: object, **kwargs: object) -> object:
        job = real_submit(self, *args, **kwargs)  # type: ignore[arg-type]
        env.advance(3600)  # the voiceprint job ends; the identify job, submitted after, runs for an hour
        return job

    monkeypatch.setattr(Client, "submit_voiceprint", enrolled_at_once)
    run = run_cli(
        capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}",
        "--wait-timeout", "0.3",
    )  # fmt: skip

    assert run.code == TIMEOUT and run.out == ""
    (job_id,) = [line.split()[1] for line in run.err_lines if re.fullmatch(r"job \S+ submitted", line)]
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    resume = f"resume with: pyannoteai-identify job {job_id} --wait --format table"  # identify's format
    assert line == f"error: job {job_id} is still running at the --wait-timeout deadline; {resume}"
    assert env.stats.requests["voiceprint"] == 1 and env.stats.requests["identify"] == 1


def test_ctrl_c_while_enrolling_names_every_billed_voiceprint_job(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Ctrl-C during the second enrollment said "no identify job was submitted yet", silent on the
    voiceprint jobs it had billed: the message has a command for each (the one done and the one
    running) and the --voiceprint values that use the saved files, quoted for the shell."""
    from pyannoteai_identify import Client

    waits = 0
    real_wait = Client.wait

    def interrupted_at_the_second(self: Client, *args: object, **kwargs: object) -> object:
        nonlocal waits
        waits += 1
        if waits == 2:
            raise KeyboardInterrupt
        return real_wait(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Client, "wait", interrupted_at_the_second)
    mary_ann = tmp_path / "mary.wav"
    mary_ann.write_bytes(voice_sample("Bob", 3.0))
    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice_wav, "Mary Ann": mary_ann}))

    assert run.code == INTERRUPTED
    alice, mary = (re.findall(r"^voiceprint job (\S+) submitted", line)[0] for line in run.err_lines[:2])
    (line,) = [line for line in run.err_lines if line.startswith("interrupted; ")]
    assert line.startswith("interrupted; no identify job was submitted yet. ")
    for job_id, saved in ((alice, "Alice.voiceprint.json"), (mary, "Mary_Ann.voiceprint.json")):
        assert f"pyannoteai-identify job {job_id} --wait --format json --output={saved}" in line
    assert "then pass --voiceprint Alice=Alice.voiceprint.json --voiceprint 'Mary Ann=Mary_Ann.voiceprint.json'" in line
    assert env.stats.requests["identify"] == 0


def test_ctrl_c_after_the_job_was_submitted_names_that_job_in_the_resume_command(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while waiting exits 130 with the submitted job's id in the resume command, not a literal ID."""
    from pyannoteai_identify import Client

    def interrupted(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(Client, "wait", interrupted)
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}")
    job_id = run.err_lines[0].removeprefix("job ").removesuffix(" submitted")

    assert run.code == INTERRUPTED
    resume = f"pyannoteai-identify job {job_id} --wait --format table"  # the result as identify gives it
    assert run.err_lines[-1] == f"interrupted; job {job_id} keeps running: resume with: {resume}"
    assert env.stats.requests["identify"] == 1


@pytest.mark.parametrize(
    ("command", "help_text"),
    [
        (["voiceprint"], "a local file, an http(s) URL or a media:// URL"),
        (["job"], "the job's id"),
        (["jobs"], "only the jobs with this status"),
    ],
)
def test_every_positional_and_the_status_filter_have_a_help_text(
    capsys: pytest.CaptureFixture[str], command: list[str], help_text: str
) -> None:
    """`voiceprint AUDIO`, `job JOB_ID` and `jobs --status` say what they take in --help."""
    run = run_cli(capsys, *command, "--help")

    assert run.code == OK
    assert help_text in " ".join(run.out.split())


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["demo"], "Run the whole identify flow against the embedded sandbox."),
        (["identify"], "Identify known speakers in AUDIO."),
        (["voiceprint"], f"Create a voiceprint from at most {MAX_VOICEPRINT_AUDIO_SECONDS:g} s of one speaker."),
        (["job"], "Show a job (with --wait, wait for its result)."),
        (["jobs"], "List the team's jobs, newest first."),
        (["webhook"], "Webhook tools."),
        (["webhook", "verify"], "Verify a webhook delivery as a receiver would: its raw body on standard input"),
    ],
)
def test_each_commands_own_help_says_what_it_does_before_its_options(
    capsys: pytest.CaptureFixture[str], command: list[str], says: str
) -> None:
    """`identify --help` (and each command's but batch's) began with the usage and went straight to
    the options: what the command does was said only in `pyannoteai-identify --help`'s list, and
    `webhook verify --help` never said that the body is read from standard input."""
    run = run_cli(capsys, *command, "--help")

    assert run.code == OK
    usage, description = run.out.split("\n\n")[:2]
    assert usage.startswith(f"usage: pyannoteai-identify {' '.join(command)} ")
    assert " ".join(description.split()).startswith(says)


def test_webhook_verify_help_names_each_exit_code_it_gives(capsys: pytest.CaptureFixture[str]) -> None:
    """`webhook verify --help` said exit 0 (valid) and 1 (not), but not the 2 it gives without a
    secret or a body; each code is run here too, so the help cannot name one it does not give."""
    description = " ".join(run_cli(capsys, "webhook", "verify", "--help").out.split())
    assert "(exit 0)" in description and "(exit 1)" in description and "exit 2 when it has no secret" in description

    no_secret = run_cli(capsys, "webhook", "verify", "--signature", "0", "--timestamp", "1", "--secret", "")
    assert no_secret.code == USAGE and "no webhook secret" in no_secret.err, no_secret.err


def test_a_wav_over_24_hours_exits_two_before_a_voiceprint_is_enrolled(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The meeting's duration is checked before the enrollment clip is uploaded and billed."""
    day = tmp_path / "day.wav"
    with wave.open(str(day), "wb") as writer:  # 1 frame a second keeps a day-long file small
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(1)
        writer.writeframes(b"\x80" * 90_000)
    run = run_cli(capsys, "identify", str(day), "--voiceprint", f"Alice={audio.alice_wav}")

    assert run.code == USAGE
    assert "lasts 90000.0 s" in _assert_one_error_line(run.err)
    assert sum(env.stats.requests.values()) == 0


class _FullDisk(io.StringIO):
    """A standard output on a full disk (`> /dev/full`): every write fails with ENOSPC."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("command", ["identify", "identify --no-wait", "voiceprint"])
def test_a_result_that_cannot_be_written_after_a_billed_job_names_the_job_and_exits_six(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """The job succeeded and was billed; its result could not be written. Exit 1 ("the job failed")
    with a bare errno told a script to submit again, and pay twice: the exit code is 6 and the error
    names the job and the command that fetches its result again."""
    argv = {
        "identify": ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--format", "rttm"],
        "identify --no-wait": ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--no-wait"],
        "voiceprint": ["voiceprint", str(audio.alice_wav)],
    }[command]
    # What happened to the job, what was lost, and the command that gets the result again, in the
    # format and under the name the user asked for.
    happened = (
        "was submitted, but writing its id" if command.endswith("--no-wait") else "succeeded, but writing its result"
    )
    options = {"identify": " --format rttm --file-id=meeting"}.get(command, " --format json")
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    run = run_cli(capsys, *FAST_POLL, *argv)

    assert run.code == NOT_WRITTEN == 6
    assert "Traceback" not in run.err
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    job_id = line.split()[2]
    assert line == (
        f"error: job {job_id} {happened} failed ([Errno {errno.ENOSPC}] No space left on device); "
        f"fetch its result with: pyannoteai-identify job {job_id} --wait{options}"
    )
    assert env.stats.submissions == 1


class _UnreadableFile(io.BytesIO):
    """A file whose reads of a whole upload chunk fail as a disk's would (its header reads work)."""

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= CHUNK_SIZE:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return super().read(size)


def _unreadable_while_uploaded(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """*path* opens, and its header reads, but the first chunk of its upload fails (root reads a
    file whatever its permission bits, and a FIFO or a folder is refused before any upload)."""
    from pyannoteai_identify import _upload

    real_open = open

    def opened(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == str(path):
            return _UnreadableFile(path.read_bytes())
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(_upload, "open", opened, raising=False)


@pytest.mark.parametrize("command", ["identify", "voiceprint"])
def test_a_file_that_cannot_be_read_while_uploaded_exits_seven_naming_it_and_what_was_billed(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """An I/O error while the meeting was read for its upload, after Alice's clip was enrolled
    (billed), exited 1 ("the job failed") with a bare "[Errno 5] Input/output error": no file named,
    and a script would look for a job that never existed. It exits 7, and its line names the file,
    the OS error, the media URL not stored and that no job was created, then how to keep Alice's
    voiceprint, as the other errors after an enrollment do."""
    uploaded = audio.meeting if command == "identify" else audio.bob_wav
    _unreadable_while_uploaded(monkeypatch, uploaded)
    argv = {
        "identify": ["identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}"],
        "voiceprint": ["voiceprint", str(audio.bob_wav)],
    }[command]
    run = run_cli(capsys, *FAST_POLL, *argv)

    assert run.code == UNREADABLE == 7
    assert "Traceback" not in run.err
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    said = f"error: [Errno {errno.EIO}] {os.strerror(errno.EIO)}; {uploaded} could not be read for its upload: media://"
    assert line.startswith(said), line
    assert " was not stored; upload again; no job was created" in line, line
    if command == "identify":
        (job_id,) = re.findall(r"^voiceprint job (\S+) submitted \(enrolling Alice\)$", run.err_lines[0])
        keep = f"save its voiceprint with: pyannoteai-identify job {job_id} --wait --format json"
        assert line.endswith("(running identify again enrolls, and bills, again)") and keep in line, line
    assert env.stats.requests.get(command, 0) == 0
    # The upload cut off reaches the sandbox's thread after the command has ended: counted after the
    # next test's reset of the shared sandbox, it would be a request of that test.
    _until_counted(env, "upload", 2 if command == "identify" else 1)


def _until_counted(sandbox: Sandbox, operation: str, count: int) -> None:
    """Return once *sandbox* has counted *count* requests to *operation* (a bounded wait)."""
    for _ in range(2000):
        if sandbox.stats.requests.get(operation, 0) >= count:
            return
        time.sleep(0.005)
    raise AssertionError(f"the sandbox counted {sandbox.stats.requests.get(operation, 0)} of {count} {operation}s")


def test_a_voiceprint_text_file_that_fails_to_read_exits_seven_naming_it(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """An I/O error reading a --voiceprint text file exited 7 with "[Errno 5] Input/output error"
    alone: an OSError of a read (EIO) carries no file name, so nothing said which file. The line
    names the option and the file. (``/proc/self/mem`` is a regular file whose read at its start
    fails with EIO, from the kernel itself.)"""
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", "Alice=/proc/self/mem")

    assert run.code == UNREADABLE == 7
    assert _assert_one_error_line(run.err) == (
        f"error: [Errno {errno.EIO}] {os.strerror(errno.EIO)}; --voiceprint Alice=/proc/self/mem: "
        "the file could not be read"
    )
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("size", [300, 3_000, 30_000])
def test_a_long_voiceprint_on_the_command_line_is_taken_as_it_is(size: int) -> None:
    """A real voiceprint is thousands of characters: looked up as a file name, it raised "File name
    too long" (exit 1, the whole voiceprint in the message); it is the voiceprint."""
    from pyannoteai_identify.cli import read_voiceprint_sources

    voiceprint = base64.b64encode(bytes(size)).decode()
    assert read_voiceprint_sources([("Alice", voiceprint)]) == [("Alice", voiceprint)]


def test_an_identify_refused_after_an_enrollment_says_how_to_keep_the_voiceprint(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 402 on the identify job, after Alice's clip was enrolled (billed): the error line keeps the
    way to her voiceprint, and its commands, run as given, identify without enrolling her again."""
    monkeypatch.chdir(tmp_path)
    env.faults.next(1, "402", operation="identify")
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}")

    assert run.code == API_ERROR
    (job_id,) = re.findall(r"^voiceprint job (\S+) submitted", run.err_lines[0])
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    save = f"pyannoteai-identify job {job_id} --wait --format json --output=Alice.voiceprint.json"
    assert f"{save}, then pass --voiceprint Alice=Alice.voiceprint.json" in line

    saved = run_cli(capsys, *FAST_POLL, *shlex.split(save)[1:])
    again = run_cli(
        capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", "Alice=Alice.voiceprint.json",
        "--format", "json",
    )  # fmt: skip
    assert saved.code == again.code == OK, saved.err + again.err
    assert json.loads(again.out)["identification"][0]["match"] == "Alice"
    assert env.stats.requests["voiceprint"] == 1  # enrolled once, in all


def test_a_failed_enrollment_names_its_voiceprint_option_and_offers_no_voiceprint_to_keep(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """Alice's voiceprint job failed: the error line said to save the voiceprint of that job (a
    command that can only fail). It names the --voiceprint that failed, and the whole line is the
    API's reason and that (no voiceprint to keep)."""
    env.faults.fail_next_job("No speech found in the audio", kind="voiceprint")
    run = run_cli(
        capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice_wav}",
    )  # fmt: skip
    assert run.code == FAILED
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    (job_id,) = re.findall(r"^voiceprint job (\S+) submitted \(enrolling Alice\)$", run.err_lines[0])
    assert line == (
        f"error: job {job_id} failed: No speech found in the audio; that was the enrollment of "
        f"--voiceprint Alice={audio.alice_wav}: give another recording of Alice"
    )


def test_an_identify_refused_after_its_upload_names_the_media_url_to_submit_again(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 429 on the identify job after the meeting was uploaded: the error line says that no job
    was created and where the audio now is; submitting that media:// URL uploads nothing again."""
    env.faults.next(1, "429", operation="identify", retry_after=59)
    alice = f"Alice={voiceprint_for('Alice')}"
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", alice)

    assert run.code == API_ERROR
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    assert "Retry after 59 s; no job was created" in line
    (media_url,) = re.findall(r"the audio was uploaded to (media://\S+): pass that URL as audio", line)
    again = run_cli(capsys, *FAST_POLL, "identify", media_url, "--voiceprint", alice, "--format", "json")
    assert again.code == OK, again.err
    assert json.loads(again.out)["identification"][0]["match"] == "Alice"
    assert env.stats.requests["getMediaUploadUrl"] == 1 and env.stats.requests["identify"] == 2


def test_an_error_line_ends_each_part_but_the_last_without_its_own_period() -> None:
    """A message and its notes are sentences or not: one closing period of each but the last gives
    way to the "; " (a note ending in one left "again.; the audio"); an ellipsis or "e.g." stays."""
    from pyannoteai_identify.cli import error_message

    error = OSError("disk full.")
    error.add_note("the job may exist. Look for it before submitting again.")
    error.add_note("wait...")
    error.add_note("the audio was uploaded.")
    assert error_message(error) == (
        "disk full; the job may exist. Look for it before submitting again; wait...; the audio was uploaded."
    )


def test_an_error_line_joins_a_message_and_its_notes_without_a_stray_period(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The identify job's answer is lost after the upload: the message (a sentence) and the note
    naming the media:// URL read as one line ("again; the audio ..."), not "again.; the audio"."""
    env.faults.next(1, "drop", operation="identify", after=True)
    run = run_cli(
        capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Alice={voiceprint_for('Alice')}"
    )

    assert run.code == CONNECTION
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    assert ".;" not in line
    assert re.search(r"before submitting again; the audio was uploaded to media://\S+: pass that URL", line), line
    assert "Look for it with `pyannoteai-identify jobs` before submitting again" in line  # not client.jobs()


@pytest.mark.parametrize(
    ("fmt", "happened", "fetch"),
    [
        # json without --wait prints the job as it is: fetching it again must not wait for its end.
        ("json", "is succeeded, but writing its result", "job {job_id} --format json"),
        ("rttm", "succeeded, but writing its result", "job {job_id} --wait --format rttm"),
    ],
    ids=["json", "rttm"],
)
def test_job_without_wait_that_cannot_write_exits_six_as_with_wait(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    happened: str,
    fetch: str,
) -> None:
    """`job ID > /dev/full` exited 1 ("the job failed") where `job ID --wait` exits 6; the line names
    the job, its status and the command that prints the same thing again."""
    from pyannoteai_identify import Client

    with Client() as client:
        job_id = client.identify(audio.meeting, {"Alice": audio.alice}).id
    env.advance(1)
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    run = run_cli(capsys, "job", job_id, "--format", fmt)

    assert run.code == NOT_WRITTEN
    (line,) = run.err_lines
    assert line == (
        f"error: job {job_id} {happened} failed ([Errno {errno.ENOSPC}] No space left on device); "
        f"fetch its result with: pyannoteai-identify {fetch.format(job_id=job_id)}"
    )


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_job_of_a_running_job_that_cannot_write_names_its_status_and_exits_six(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`job ID --format json > /dev/full` of a job still running says it "is running" (not that it
    succeeded) and names the command that shows the job again, without --wait."""
    from pyannoteai_identify import Client

    with Client() as client:
        job_id = client.identify(audio.meeting, {"Alice": audio.alice}).id
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    run = run_cli(capsys, "job", job_id, "--format", "json")

    assert run.code == NOT_WRITTEN
    (line,) = run.err_lines
    assert line == (
        f"error: job {job_id} is running, but writing its result failed ([Errno {errno.ENOSPC}] No space left "
        f"on device); fetch its result with: pyannoteai-identify job {job_id} --format json"
    )


def test_voiceprint_to_an_output_file_on_a_full_disk_names_the_command_that_writes_it_there(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`voiceprint -o F` whose F cannot be written (a full disk: /dev/full) exits 6 with the command that
    fetches the billed voiceprint into the same F, not to standard output, and does not claim it was written."""
    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.alice_wav), "-o", "/dev/full")

    assert run.code == NOT_WRITTEN
    submitted, line = run.err_lines
    job_id = submitted.removeprefix("voiceprint job ").removesuffix(" submitted")
    assert line == (
        f"error: job {job_id} succeeded, but writing its result failed ([Errno {errno.ENOSPC}] No space left "
        f"on device); fetch its result with: pyannoteai-identify job {job_id} --wait --format json --output=/dev/full"
    )
    assert env.stats.submissions == 1


def test_a_voiceprint_file_may_be_the_json_that_job_wait_prints(tmp_path: Path) -> None:
    """`job ID --wait --format json -o F` of a voiceprint job writes {"voiceprint": ...}: F is read
    as that voiceprint (no rich needed to save one, as --format table needs); JSON without it is refused."""
    from pyannoteai_identify.cli import CLIError, read_voiceprint_sources

    voiceprint = voiceprint_for("Alice")
    saved = tmp_path / "alice.json"
    saved.write_text(json.dumps({"voiceprint": voiceprint}, indent=2) + "\n")
    assert read_voiceprint_sources([("Alice", str(saved))]) == [("Alice", voiceprint)]
    saved.write_text(json.dumps({"jobId": "x", "status": "succeeded"}))
    with pytest.raises(CLIError, match="no voiceprint"):
        read_voiceprint_sources([("Alice", str(saved))])


@pytest.mark.parametrize("size", [300, 3_000])
def test_a_voiceprint_with_slashes_on_the_command_line_is_taken_as_it_is(size: int) -> None:
    """Standard base64 has '/': a real voiceprint of thousands of characters has dozens. It is a path
    only when its folder exists; otherwise it is the voiceprint, not refused as a missing file."""
    from pyannoteai_identify.cli import read_voiceprint_sources

    voiceprint = base64.b64encode(random.Random(size).randbytes(size)).decode()
    assert "/" in voiceprint
    assert read_voiceprint_sources([("Alice", voiceprint)]) == [("Alice", voiceprint)]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"voiceprint": "QUJD"', 'JSON with no voiceprint (a string at "voiceprint")'),
        ('{"voiceprint": 123}', 'JSON with no voiceprint (a string at "voiceprint")'),
        ("", "holds no voiceprint (empty or blank)"),
        ("\n  \n", "holds no voiceprint (empty or blank)"),
    ],
    ids=["truncated-json", "voiceprint-not-a-string", "empty", "blank-lines"],
)
def test_a_voiceprint_file_with_no_voiceprint_in_it_exits_two_before_anything_is_sent(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, needle: str
) -> None:
    """JSON cut short (a copy interrupted), JSON whose voiceprint is not a string, or a file with no
    line at all: one error line naming the option and the file (an empty one was reported as the
    SDK's voiceprints[0].voiceprint), exit 2, not a traceback, and Bob's clip is not enrolled (billed)."""
    saved = tmp_path / "alice.voiceprint.json"
    saved.write_text(content, encoding="utf-8")
    run = run_cli(capsys, *identify_argv(audio.meeting, {"Bob": audio.bob_wav, "Alice": saved}))

    assert run.code == USAGE
    line = _assert_one_error_line(run.err)
    assert line == f"error: --voiceprint Alice={saved}: {needle}"
    assert sum(env.stats.requests.values()) == 0


def test_a_voiceprint_json_file_that_starts_with_blank_space_is_read_as_json(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """JSON is recognised by its first character after any blank space (an editor's leading blank
    line): the file's voiceprint is sent, not its text as a voiceprint or its lines refused."""
    saved = tmp_path / "alice.voiceprint.json"
    saved.write_text("  \n" + json.dumps({"voiceprint": audio.alice}, indent=2) + "\n", encoding="utf-8")
    run = run_cli(
        capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": saved, "Bob": audio.bob}, "--format", "json")
    )

    assert run.code == OK, run.err
    assert {turn[0] for turn in turns_of(json.loads(run.out))} == {"Alice", "Bob"}


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("A" * 79 + "-", "no such file, and not a voiceprint"),
        ("A" * 80 + "-", "no such file, and not a voiceprint"),
        ("A" * 4_999 + "-", "no such file, and not a voiceprint"),
        ("A" * 4_999 + ".", "no such file (and a voiceprint, base64, never contains '.')"),
    ],
    ids=["80", "81", "5000", "5000-with-a-dot"],
)
def test_a_long_bogus_voiceprint_is_quoted_cut_to_80_characters_in_the_error(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], source: str, needle: str
) -> None:
    """A bogus voiceprint can be thousands of characters (a wrong file pasted): the error line quotes
    at most 80 of them, its beginning and end around a '...' when it was cut, so that it stays one
    readable line."""
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={source}")

    shown = source if len(source) <= 80 else source[:38] + "..." + source[-39:]
    assert run.code == USAGE
    assert _assert_one_error_line(run.err).startswith(f"error: --voiceprint Alice={shown}: {needle}")
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_an_enrollment_timeout_whose_polls_all_failed_says_so(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A timeout whose polls all failed says how (polls_failing): EnrollmentTimeoutError dropped it,
    and its line said only that the voiceprint job "is created", as if it were queued."""
    env.faults.next(1000, "5xx", operation="getJobById")
    # Two polls at least before the deadline (one is "the one poll failed"): 2 s holds dozens 0.05 s apart.
    run = run_cli(
        capsys, "--max-retries", "0", *FAST_POLL, "identify", str(audio.meeting),
        "--voiceprint", f"Alice={audio.alice_wav}", "--wait-timeout", "2",
    )  # fmt: skip

    assert run.code == TIMEOUT
    (line,) = [line for line in run.err_lines if line.startswith("error: ")]
    assert "voiceprint enrollment of Alice did not finish" in line
    assert "polls in a row failed, the last with: HTTP 503" in line, line


def test_an_enrollment_timeout_keeps_the_last_poll_error_as_its_cause(
    env: Sandbox, audio: Audio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EnrollmentTimeoutError's cause was the WaitTimeoutError it wraps, whose own cause is the last
    poll error: it is now that error, as WaitTimeoutError's docstring promises."""
    import argparse

    from pyannoteai_identify import Client, ServerError, WaitTimeoutError
    from pyannoteai_identify.cli import EnrollmentTimeoutError, enroll_voiceprints

    last_poll = ServerError("down", status_code=503)

    def timed_out(self: Client, job: Any, **options: Any) -> Any:
        raise WaitTimeoutError("…", job_id=job.id, last_status=None, polls_failing="…") from last_poll

    monkeypatch.setattr(Client, "wait", timed_out)
    args = argparse.Namespace(wait_timeout=1.0, enrolled=[], pending=None)
    with Client() as client, pytest.raises(EnrollmentTimeoutError) as caught:
        enroll_voiceprints(args, client, [("Alice", audio.alice_wav)], False)
    assert caught.value.__cause__ is last_poll
    assert error_message(caught.value).startswith("the voiceprint enrollment of Alice did not finish")
    assert "has no known status (…)" in error_message(caught.value)


def test_a_refused_webhook_url_is_shown_without_its_token_or_password(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SDK's error hides a refused URL's query and user:password@ (ValidationError(shown=)), but
    options_named rebuilds the error under the option's name from .value, which is the whole URL:
    --webhook's token and password are echoed to stderr (and CI logs)."""
    url = "https://user:pw-SECRET@hooks.example.test:99999/x?token=tok-SECRET"
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--webhook", url)

    assert run.code == USAGE
    line = _assert_one_error_line(run.err)
    assert line.startswith("error: --webhook=") and "is not a TCP port" in line
    assert "SECRET" not in line, line


def test_a_server_error_on_submit_points_to_the_jobs_command_not_client_jobs(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hints say `pyannoteai-identify jobs`, not client.jobs(): the 5xx hint of a job-creating
    POST (MAY_HAVE_CREATED_A_JOB) was another phrase than the one mapped, and was printed as the
    SDK says it. Both now use LIST_JOBS, which the command line maps."""
    env.faults.next(1, "5xx", operation="identify", after=True)
    run = run_cli(capsys, "identify", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}")

    assert run.code == API_ERROR
    line = _assert_one_error_line(run.err)
    assert "may have been created" in line
    assert "client.jobs()" not in line, line


class _RefusedMidBody(http.server.BaseHTTPRequestHandler):
    """Answers every request 429 (``Retry-After: 17``) and hangs up after the first bytes of its
    body: the status and headers arrive, the body breaks off."""

    seen: list[str]

    def do_POST(self) -> None:
        self.seen.append(self.requestline)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(429)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "80")
        self.send_header("Retry-After", "17")
        self.end_headers()
        self.wfile.write(b'{"requestId": ')
        self.close_connection = True

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``seen``."""


def test_identify_answered_429_whose_body_broke_off_says_no_job_was_created(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 whose connection closed inside its body exited as a lost connection saying the job "may
    exist and be billed", though the status proves the API refused it. It is the 429's API error
    (its Retry-After, no job was created), as when its body arrives."""
    seen: list[str] = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_RefusedMidBody,), {"seen": seen}))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
        monkeypatch.setenv("PYANNOTEAI_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        argv = identify_argv("https://files.example.com/meeting.wav", {"Alice": voiceprint_for("Alice")})
        run = run_cli(capsys, *FAST_POLL, *argv)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    assert seen == ["POST /v1/identify HTTP/1.1"]
    assert run.code == API_ERROR, run.err
    line = _assert_one_error_line(run.err)
    assert "Retry after 17 s; no job was created" in line and "may exist" not in line
