"""The command as a user runs it: separate processes, the ``sandbox`` server command, and the progress display."""

from __future__ import annotations

import errno
import io
import json
import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import API_KEY, COMMAND, FAST_POLL, TRUTH, Audio, identify_argv, run_cli, run_process, turns_of

from pyannoteai_identify.cli import BROKEN_PIPE, INTERRUPTED, NOT_WRITTEN, OK, USAGE
from pyannoteai_identify.sandbox import Sandbox, voiceprint_for
from pyannoteai_identify.sandbox._defaults import DEFAULT_WEBHOOK_SECRET

BANNER_TIMEOUT = 30.0


def test_identify_in_a_process_prints_json_on_stdout_and_only_the_submission_on_stderr(
    env: Sandbox, audio: Audio
) -> None:
    """`python -m pyannoteai_identify.cli identify … --format json`: exit 0, the truth on stdout, a clean stderr."""
    voiceprints = {"Alice": audio.alice_wav, "Bob": audio.bob_txt}
    run = run_process([*FAST_POLL, *identify_argv(audio.meeting, voiceprints, "--format", "json")], {})

    assert run.code == OK, run.err
    assert turns_of(json.loads(run.out)) == [(label, start, end) for label, start, end in TRUTH]
    # The two billed jobs, each named once: the enrollment of Alice's clip, then the identify job.
    assert len(run.err_lines) == 2 and run.err_lines[0].startswith("voiceprint job ")
    assert run.err_lines[0].endswith(" submitted (enrolling Alice)")
    assert run.err_lines[1].startswith("job ") and run.err_lines[1].endswith(" submitted")
    assert "\x1b[" not in run.err  # stderr is a pipe: no progress bar, no spinner


def test_python_dash_m_of_the_package_runs_the_command_and_exit_codes_pass_through(env: Sandbox) -> None:
    """`python -m pyannoteai_identify` is the same command: --version exits 0, a usage error exits 2."""
    version = run_process(["--version"], {}, module=True)
    usage = run_process(["identify"], {}, module=True)

    assert version.code == OK and version.out.startswith("pyannoteai-identify ")
    assert usage.code == USAGE and "usage:" in usage.err


def _lines(stream: io.BufferedReader, into: queue.Queue[str | None]) -> None:
    for raw in iter(stream.readline, b""):
        into.put(raw.decode())
    into.put(None)


@pytest.fixture
def sandbox_process() -> Iterator[tuple[subprocess.Popen[bytes], queue.Queue[str | None]]]:
    """`pyannoteai-identify sandbox` in its own process, with its stdout lines in a queue; killed if left running."""
    process = subprocess.Popen(
        [*COMMAND, "sandbox", "--port", "0", "--quiet", "--speed", "100", "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        reader.join(timeout=10)
        process.stdout.close()


def _read_until(lines: queue.Queue[str | None], marker: str) -> str:
    text = ""
    while marker not in text:
        line = lines.get(timeout=BANNER_TIMEOUT)
        assert line is not None, f"the process ended before printing {marker!r}: {text!r}"
        text += line
    return text


def test_sandbox_command_serves_the_api_until_sigterm_and_never_shows_a_chosen_key(
    sandbox_process: tuple[subprocess.Popen[bytes], queue.Queue[str | None]],
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The banner gives the URL (not the key); the CLI works against it; SIGTERM stops it with exit 0."""
    process, lines = sandbox_process
    banner = _read_until(lines, "Press Ctrl-C to stop.")
    base_url = banner.split("PYANNOTEAI_BASE_URL=", 1)[1].split()[0]

    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    voiceprint = run_cli(capsys, *FAST_POLL, "--base-url", base_url, "voiceprint", str(audio.alice_wav))
    listed = run_cli(capsys, "--base-url", base_url, "jobs", "--format", "json")
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=BANNER_TIMEOUT)
    rest = _read_until(lines, "sandbox stopped")

    assert base_url.startswith("http://127.0.0.1:")
    assert API_KEY not in banner and "PYANNOTEAI_API_KEY=<as given with --api-key>" in banner
    assert voiceprint.code == OK and len(voiceprint.out.split()) == 1
    assert [row["status"] for row in json.loads(listed.out)] == ["succeeded"]
    assert code == 0 and "sandbox stopped" in rest


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so the command draws its progress display into it."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_upload_progress_and_the_job_status_are_drawn_on_stderr(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With stderr a terminal the upload bar and the status spinner appear there; stdout has only the result."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm-256color")  # rich draws no live display on a "dumb" terminal
    run = run_cli(
        capsys,
        *FAST_POLL,
        *identify_argv(audio.meeting, {"Alice": audio.alice_wav, "Bob": audio.bob}, "--format", "json"),
    )
    drawn = terminal.getvalue()
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn)
    job_id = re.findall(r"(?<!voiceprint )job (\S+) submitted", plain)[0]

    assert run.code == OK
    assert turns_of(json.loads(run.out))[0][0] == "Alice"
    assert "\x1b[" in drawn  # cursor control: a live display, not plain lines
    assert re.search(r"uploading alice\.wav ━+ (\S+)/\1 kB", plain), "no complete upload bar for the clip"
    assert re.search(r"uploading meeting\.wav ━+ (\S+)/\1 kB", plain), "no complete upload bar for the meeting"
    assert f"job {job_id}: succeeded" in plain  # the status spinner
    assert API_KEY not in drawn


def test_quiet_or_a_pipe_means_no_progress_display_even_on_a_terminal(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """-q turns the display off on a terminal; the only stderr lines name the submitted jobs."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run = run_cli(
        capsys,
        "-q",
        *FAST_POLL,
        "identify",
        str(audio.meeting),
        "--voiceprint",
        f"Alice={audio.alice_wav}",
        "--format",
        "rttm",
    )
    drawn = terminal.getvalue()

    assert run.code == OK
    assert "uploading" not in drawn and "\x1b[" not in drawn
    assert [line.split()[0] for line in drawn.splitlines()] == ["voiceprint", "job"]


def test_sandbox_takes_its_own_options_right_after_the_command_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`sandbox --help` shows the sandbox's options and `sandbox --bogus` is its usage error (exit 2)."""
    helped = run_cli(capsys, "sandbox", "--help")
    bogus = run_cli(capsys, "sandbox", "--bogus")
    other = run_cli(capsys, "jobs", "--bogus")

    assert helped.code == OK and "--queue-seconds" in helped.out and "--port" in helped.out
    assert bogus.code == USAGE and "--bogus" in bogus.err
    assert other.code == USAGE and "unrecognized arguments: --bogus" in other.err


@pytest.mark.parametrize(
    "before",
    [["-v"], ["--api-key", API_KEY], [f"--api-key={API_KEY}"], ["--base-url", "sandbox"], ["--quiet", "--debug"]],
    ids=["-v", "--api-key KEY", "--api-key=KEY", "--base-url sandbox", "--quiet --debug"],
)
def test_an_option_given_before_sandbox_is_a_usage_error_not_ignored(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, before: list[str]
) -> None:
    """`pyannoteai-identify --api-key KEY sandbox` started a sandbox that accepted only `sandbox-key`,
    and `-v sandbox` one that logged as without it: an option before `sandbox` went to the command
    line's client options, which the sandbox never reads, silently. It is a usage error (exit 2)
    naming the option (never its value) and where the sandbox's own options go; no server starts."""
    from pyannoteai_identify import cli

    served: list[str] = []
    monkeypatch.setattr(cli, "cmd_sandbox", lambda args: served.append("started") or OK)

    run = run_cli(capsys, *before, "sandbox", "--port", "0")

    assert (run.code, served) == (USAGE, []), run
    option = before[0].partition("=")[0]
    assert option in run.err and "pyannoteai-identify sandbox --help" in run.err, run.err
    assert "sandbox-key" not in run.err


def test_batch_uses_the_global_connection_options_and_takes_its_own_before_its_inputs(
    sandbox: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`--base-url URL --poll-interval S batch --out DIR … INPUT`: the URL reaches the batch, --out may come first."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "meeting.wav").write_bytes(audio.meeting.read_bytes())
    run = run_cli(
        capsys,
        "-q",
        "--base-url",
        sandbox.base_url,
        *FAST_POLL,
        "batch",
        "--out",
        str(tmp_path / "out"),
        "--voiceprint",
        f"Alice={audio.alice}",
        "--voiceprint",
        f"Bob={audio.bob}",
        str(tmp_path / "in"),
    )
    helped = run_cli(capsys, "batch", "--help")

    assert run.code == OK, run.err
    written = json.loads((tmp_path / "out" / "meeting.json").read_text(encoding="utf-8"))
    assert turns_of(written["output"]) == [(label, start, end) for label, start, end in TRUTH]
    assert sandbox.stats.requests["identify"] == 1
    # The connection options are listed in batch's own help: they may come after `batch` too.
    assert helped.code == OK and "--out" in helped.out and "--base-url" in helped.out


def _run_into_a_closed_pipe(argv: list[str]) -> tuple[int, str]:
    """The command with its stdout a pipe whose reader is already gone (`… | true`); (exit code, stderr)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # before the command starts: its first write is sure to find no reader
    try:
        completed = subprocess.run(
            [*COMMAND, *argv], stdout=write_end, stderr=subprocess.PIPE, timeout=60, check=False, env=os.environ.copy()
        )
    finally:
        os.close(write_end)
    return completed.returncode, completed.stderr.decode()


@pytest.mark.parametrize("fmt", ["rttm", "table", "json"])
def test_a_reader_that_goes_away_ends_the_command_quietly_with_141(env: Sandbox, audio: Audio, fmt: str) -> None:
    """`job ID --format F | head`-like pipes: a broken pipe is no error to report (nothing on stderr) and the
    exit code is 141, 128 + SIGPIPE, as for other commands of a pipeline; plain text and rich tables alike."""
    from pyannoteai_identify import Client

    with Client() as client:
        job_id = client.identify(audio.meeting, {"Alice": voiceprint_for("Alice"), "Bob": voiceprint_for("Bob")}).id
    env.advance(1)

    code, err = _run_into_a_closed_pipe(["job", job_id, "--format", fmt])

    assert code == BROKEN_PIPE == 141
    assert err == ""


def _run_into_a_full_disk(env: Sandbox, audio: Audio, wait: list[str]) -> tuple[str, int, list[str]]:
    """`job ID [--wait] --format json > /dev/full` of a succeeded job: (job id, exit code, stderr lines)."""
    from pyannoteai_identify import Client

    with Client() as client:
        job_id = client.identify(audio.meeting, {"Alice": voiceprint_for("Alice")}).id
    env.advance(1)
    # Standard output buffered, as for a user (PYTHONUNBUFFERED, as some CI runners set it, makes each write fail).
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with open("/dev/full", "wb") as full:
        completed = subprocess.run(
            [*COMMAND, "job", job_id, *wait, "--format", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
            env=environment,
        )
    return job_id, completed.returncode, completed.stderr.decode().splitlines()


_WAIT_OR_NOT = pytest.mark.parametrize(
    ("wait", "happened"), [([], "is succeeded"), (["--wait"], "succeeded")], ids=["job", "job --wait"]
)


@_WAIT_OR_NOT
def test_a_result_printed_to_a_full_disk_is_reported_naming_the_job_and_the_command_that_fetches_it(
    env: Sandbox, audio: Audio, wait: list[str], happened: str
) -> None:
    """`job ID --format json > /dev/full`: a result of a few hundred bytes fits in the buffer of standard
    output, so no write fails; the flush does. It is flushed while the job is known, so the error
    names the job and how to fetch it again, not a bare errno as from a flush at the end of the command."""
    job_id, _, err = _run_into_a_full_disk(env, audio, wait)

    fetch = shlex.join(["pyannoteai-identify", "job", job_id, *wait, "--format", "json"])
    assert err[0] == (
        f"error: job {job_id} {happened}, but writing its result failed ([Errno {errno.ENOSPC}] No space left "
        f"on device); fetch its result with: {fetch}"
    )


@_WAIT_OR_NOT
def test_a_result_printed_to_a_full_disk_exits_six_with_one_error_line(
    env: Sandbox, audio: Audio, wait: list[str], happened: str
) -> None:
    """Exit 6 ("the job exists, its result was not written") and the one error line, whatever is left
    in the buffer of standard output when the command ends: the failed flush left the result there,
    Python's own flush at exit failed again ("Exception ignored ... OSError"), and the exit code
    was 120."""
    _, code, err = _run_into_a_full_disk(env, audio, wait)

    assert (code, len(err)) == (NOT_WRITTEN, 1), err


def test_a_batch_whose_summary_reader_goes_away_exits_quietly_with_141(
    env: Sandbox, audio: Audio, tmp_path: Path
) -> None:
    """`batch ... | head`: the summary's reader went away after the work was done (the manifest and
    the result files have it all): exit 141 and no error line, as for the other commands."""
    argv = ["batch", "--voiceprint", f"Alice={voiceprint_for('Alice')}", "--out", str(tmp_path / "out")]
    code, err = _run_into_a_closed_pipe([*FAST_POLL, "--quiet", *argv, str(audio.meeting)])

    assert code == BROKEN_PIPE
    assert "error" not in err
    assert list((tmp_path / "out").glob("*.json"))


def test_sandbox_on_a_port_in_use_names_the_address_in_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A port already taken exits 2 with `error: cannot listen on HOST:PORT: address already in use`."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        run = run_cli(capsys, "sandbox", "--quiet", "--port", str(port))

    assert run.code == USAGE
    assert run.err_lines == [f"error: cannot listen on 127.0.0.1:{port}: address already in use"]


def test_sandbox_stops_on_ctrl_c_with_exit_130_like_the_other_commands(
    sandbox_process: tuple[subprocess.Popen[bytes], queue.Queue[str | None]],
) -> None:
    """SIGINT (Ctrl-C) stops the sandbox cleanly and exits 130, as an interrupted identify does; SIGTERM exits 0."""
    process, lines = sandbox_process
    _read_until(lines, "Press Ctrl-C to stop.")
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=BANNER_TIMEOUT)

    assert code == INTERRUPTED == 130
    assert "sandbox stopped" in _read_until(lines, "sandbox stopped")


def test_sandbox_help_shows_the_default_webhook_secret(capsys: pytest.CaptureFixture[str]) -> None:
    """--webhook-secret's help gives its default (the sandbox's public one), as --api-key's does."""
    run = run_cli(capsys, "sandbox", "--help")

    assert run.code == OK
    assert f"(default: {DEFAULT_WEBHOOK_SECRET})" in " ".join(run.out.split())


@pytest.mark.sandbox(speed=0.01)  # the job runs for minutes: the command is still waiting when stopped
def test_sigterm_while_waiting_exits_143_naming_the_job_and_how_to_resume(env: Sandbox, audio: Audio) -> None:
    """CI cancellations and `timeout` send SIGTERM, not Ctrl-C: the process died of the signal with no
    word of the billed job it was waiting for. It ends as Ctrl-C does, saying which job keeps running
    and the command that resumes it, with 143 (128 + SIGTERM), the shell's code for it."""
    process = subprocess.Popen(
        [*COMMAND, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice}, "--format", "json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert process.stderr is not None
    try:
        submitted = process.stderr.readline().decode()  # "job ID submitted": it waits now
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    job_id = submitted.split()[1]

    assert submitted == f"job {job_id} submitted\n"
    assert process.returncode == 143
    assert out == b""
    resume = f"pyannoteai-identify job {job_id} --wait --format json"
    assert err.decode().splitlines() == [f"terminated; job {job_id} keeps running: resume with: {resume}"]
