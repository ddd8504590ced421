"""README's exit codes, checked against the command line, so that the prose cannot drift from the code.

The table under README's "Command line" is ``cli.EXIT_CODES``, row for row, in its words: the one
source that ``pyannoteai-identify --help`` prints too. Every exit code the section states, in a row
of that table or in its prose ("… is a usage error (exit 2)"), is a :class:`Claim` below: a quote of
the README and a run of the command in that situation, against a local sandbox (or nothing at all),
which must end with the code the README states. A README sentence that states an exit code no claim
quotes fails :func:`test_every_exit_code_the_readme_states_is_a_checked_claim`; a row with no claim,
a claim whose quote is no longer in the README, or a run that gives another code fails too.
"""

from __future__ import annotations

import errno
import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pyannoteai_identify import Client, _demo, _upload, _validation, cli
from pyannoteai_identify.cli import EXIT_CODES, main
from pyannoteai_identify.sandbox import Sandbox, demo_audio, voiceprint_for
from pyannoteai_identify.sandbox.pytest_fixture import running_sandbox
from tests.client.clientkit import refusing_proxy
from tests.docs.examplekit import ROOT
from tests.filekit import refuse_every_open

API_KEY = "exit-codes-test-key-5c81d7"
WEBHOOK_SECRET = "whsec_exit-codes-test-93ab"
#: A mention of an exit code in prose: "(exit 2)", "exits 3", "exit code 5".
_MENTION = re.compile(r"\bexit(?:s| code)? (\d+)\b")
_ROW = re.compile(r"^\| (\d+) \| (.+?) \|$", re.M)


def _spaced(text: str) -> str:
    return " ".join(text.split())


def _command_line_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Command line\n")
    return readme[start : readme.index("\n## ", start + 1)]


def readme_table() -> dict[int, str]:
    """The rows of the section's exit code table: code → meaning."""
    return {int(code): _spaced(text) for code, text in _ROW.findall(_command_line_section())}


def readme_prose() -> str:
    """The section without its table, spaces joined."""
    return _spaced(_ROW.sub("", _command_line_section()))


# --- the situations ------------------------------------------------------------------------------


@dataclass
class Env:
    """What a claim's run has: a sandbox whose jobs run until :meth:`Sandbox.advance` ends them, its
    key and URL in the environment, a folder, and what the command printed."""

    sandbox: Sandbox
    folder: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    out: str = ""
    err: str = ""

    def run(self, *argv: str) -> int:
        """``main(argv)`` in-process; what it printed is kept in ``out`` and ``err``."""
        self.capsys.readouterr()
        code = main(list(argv))
        self.out, self.err = self.capsys.readouterr()
        assert API_KEY not in self.out + self.err and WEBHOOK_SECRET not in self.out + self.err
        return code

    @property
    def requests(self) -> int:
        return sum(self.sandbox.stats.requests.values())

    @property
    def meeting(self) -> Path:
        path = self.folder / "meeting.wav"
        if not path.exists():
            path.write_bytes(demo_audio())
        return path

    def submit(self) -> str:
        """An identify job, submitted as an application would; it runs until :meth:`finish`."""
        with Client() as client:
            return client.identify(self.meeting, {"Alice": voiceprint_for("Alice")}).id

    def finish(self) -> None:
        self.sandbox.advance(3600)

    def identify_argv(self, audio: str, *options: str) -> list[str]:
        return ["identify", audio, "--voiceprint", f"Alice={voiceprint_for('Alice')}", *options]


class _Stdin:
    """``sys.stdin`` as the command reads it: a binary ``buffer`` and ``isatty()``."""

    def __init__(self, buffer: Any, *, tty: bool = False) -> None:
        self.buffer = buffer
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def fileno(self) -> int:
        return int(self.buffer.fileno())


class _NotToBeRead(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("standard input was read")


class _Stdout(io.StringIO):
    """A standard output whose every write fails with *error*: a full disk, a reader gone."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self._error = error

    def write(self, text: str) -> int:
        raise self._error


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _success(env: Env) -> int:
    job_id = env.submit()
    env.finish()
    code = env.run("job", job_id, "--wait", "--format", "rttm")
    assert env.out.count("SPEAKER ") > 0, env.out
    return code


def _failed(env: Env) -> int:
    env.sandbox.faults.fail_next_job("boom")
    job_id = env.submit()
    env.finish()
    code = env.run("job", job_id, "--wait")
    assert f"job {job_id} failed: boom" in env.err, env.err
    return code


def _canceled(env: Env) -> int:
    env.sandbox.faults.cancel_next_job()
    job_id = env.submit()
    env.finish()
    code = env.run("job", job_id)
    assert "was canceled" in env.err, env.err
    return code


def _gone(env: Env) -> int:
    code = env.run("job", str(uuid.uuid4()))
    assert "is gone" in env.err, env.err
    return code


def _webhook_refused(env: Env) -> int:
    env.monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    env.monkeypatch.setattr(sys, "stdin", _Stdin(io.BytesIO(b'{"jobId": "x", "status": "succeeded"}')))
    code = env.run("webhook", "verify", "--signature", "0" * 64, "--timestamp", str(int(time.time())))
    assert env.out == "" and env.err.startswith("invalid: "), (env.out, env.err)
    return code


def _demo_mismatch(env: Env) -> int:
    """The demo, its result compared with what it synthesised by a comparison that finds no turn right."""
    env.monkeypatch.setattr(_demo, "check_against_truth", lambda result, truth: (0, 0.0))
    code = env.run("demo")
    assert "does not match the synthesised truth" in env.out, env.out
    return code


def _sandbox_stopped_by_sigterm(env: Env) -> int:
    """`pyannoteai-identify sandbox` in a process of its own, sent SIGTERM once it serves."""
    command = [sys.executable, "-m", "pyannoteai_identify.cli", "sandbox", "--port", "0", "--quiet"]
    lines: queue.Queue[bytes] = queue.Queue()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        output = process.stdout
        assert output is not None

        def read() -> None:
            for line in output:
                lines.put(line)
            lines.put(b"")

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            while b"Press Ctrl-C to stop." not in (line := lines.get(timeout=30)):
                assert line, "the sandbox ended before it served"
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        reader.join(timeout=10)
    return code


def _bad_input(env: Env) -> int:
    code = env.run(*env.identify_argv(str(env.folder / "missing.wav")))
    assert env.requests == 0 and "no such file" in env.err, env.err
    return code


def _unreadable_audio(env: Env) -> int:
    """An audio file this user may not read is refused at its check, as a missing one is."""
    locked = env.folder / "locked.wav"
    locked.write_bytes(env.meeting.read_bytes())
    refuse_every_open(env.monkeypatch, locked)
    code = env.run(*env.identify_argv(str(locked)))
    assert env.requests == 0 and "cannot be read: Permission denied" in env.err, env.err
    return code


def _closed_stdout(env: Env) -> int:
    env.monkeypatch.setattr(sys, "stdout", None)
    code = env.run(*env.identify_argv(str(env.meeting), "--no-wait"))
    assert env.requests == 0 and "standard output is closed" in env.err, env.err
    return code


def _refused(env: Env) -> list[int]:
    """A key refused (401); then, retries outlasted, a payment refusal, a rate limit, a server error."""
    with env.monkeypatch.context() as patch:
        patch.setenv("PYANNOTEAI_API_KEY", "not-the-sandbox-key")
        codes = [env.run("jobs")]
    assert [line[:7] for line in env.err.splitlines()] == ["error: "], env.err  # one line
    for kind, status in [("402", "402"), ("429", "429"), ("5xx", "503")]:
        env.sandbox.faults.next(1, kind, retry_after=0)
        codes.append(env.run("--max-retries", "0", "jobs"))
        assert f"HTTP {status}" in env.err, env.err
    return codes


def _unreachable(env: Env) -> list[int]:
    """Nothing listening at --base-url; a proxy that refuses the tunnel to the API (407)."""
    codes = [env.run("--base-url", f"http://127.0.0.1:{_closed_port()}", "--max-retries", "0", "jobs")]
    with refusing_proxy(407) as (proxy, seen), env.monkeypatch.context() as patch:
        for name in (
            "PYANNOTEAI_BASE_URL",
            "HTTP_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("HTTPS_PROXY", proxy)  # the default base URL, https://api.pyannote.ai, through it
        codes.append(env.run("jobs"))
    assert seen and "407" in env.err, env.err
    return codes


def _wait_timeout(env: Env) -> list[int]:
    """A job still running at the deadline, and one of no known status: every poll failed (an API
    that cannot be reached while waiting is this, not 4)."""
    job_id = env.submit()
    codes = [env.run("--poll-interval", "0.05", "job", job_id, "--wait", "--wait-timeout", "0.2")]
    assert f"job {job_id} is still running" in env.err, env.err
    unreachable = ["--base-url", f"http://127.0.0.1:{_closed_port()}", "--max-retries", "0"]
    codes.append(env.run(*unreachable, "--poll-interval", "0.05", "job", job_id, "--wait", "--wait-timeout", "0.2"))
    assert f"job {job_id} has no known status (" in env.err, env.err
    return codes


def _no_result_yet(env: Env) -> int:
    job_id = env.submit()
    code = env.run("job", job_id, "--format", "rttm")
    assert env.out == "" and f"wait with: pyannoteai-identify job {job_id} --wait --format rttm" in env.err
    return code


def _not_written(env: Env) -> int:
    """`job ID` (no --wait) to a full disk: the message names the job and the command that fetches
    it, which is `job ID --format json` here, not `job ID --wait` as the README said."""
    job_id = env.submit()
    env.monkeypatch.setattr(sys, "stdout", _Stdout(OSError(28, "No space left on device")))
    code = env.run("job", job_id, "--format", "json")
    assert f"job {job_id} is running, but writing" in env.err, env.err
    assert f"fetch its result with: pyannoteai-identify job {job_id} --format json" in env.err, env.err
    return code


class _UnreadableFile(io.BytesIO):
    """A file whose reads of a whole upload chunk fail as a disk's would (its header reads work)."""

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= _upload.CHUNK_SIZE:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return super().read(size)


def _unreadable(env: Env) -> int:
    """The meeting opens, but the first chunk of its upload fails to read (an I/O error)."""
    meeting, real_open = env.meeting, open

    def opened(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == str(meeting):
            return _UnreadableFile(meeting.read_bytes())
        return real_open(file, *args, **kwargs)

    env.monkeypatch.setattr(_upload, "open", opened, raising=False)
    code = env.run(*env.identify_argv(str(meeting)))
    assert f"{meeting} could not be read for its upload" in env.err and "no job was created" in env.err, env.err
    assert env.sandbox.stats.submissions == 0
    return code


def _batch_os_error_mid_run(env: Env) -> int:
    """`batch` whose run meets an OS error once it has begun: an input fails (empty, refused locally:
    nothing billed), then summary.csv cannot be written (a folder has its name). Exit 7, the local
    machine's, not 1 (an input failed), which it outranks. (A folder that cannot be created for --out
    or --manifest is met before the run: a usage error, exit 2.)"""
    (env.folder / "empty.wav").write_bytes(b"")
    summary = env.folder / "out" / "summary.csv"
    summary.mkdir(parents=True)
    argv = ["batch", str(env.folder / "empty.wav"), "--voiceprint", f"Alice={voiceprint_for('Alice')}", "-q"]
    code = env.run(*argv, "--out", str(env.folder / "out"))
    assert str(summary) in env.err and "Is a directory" in env.err and "Traceback" not in env.err, env.err
    assert env.sandbox.stats.submissions == 0
    return code


def _stopped_in_wait(env: Env, stop: Callable[[], None]) -> int:
    """`job ID --wait` stopped by *stop* while it waits: the message names the job."""
    job_id = env.submit()

    def wait(self: Client, job: Any, **kwargs: Any) -> Any:
        stop()
        raise AssertionError("the wait went on after the stop")

    env.monkeypatch.setattr(Client, "wait", wait)
    code = env.run("job", job_id, "--wait")
    assert f"job {job_id} keeps running: resume with: pyannoteai-identify job {job_id} --wait" in env.err, env.err
    return code


def _ctrl_c(env: Env) -> int:
    def interrupt() -> None:
        raise KeyboardInterrupt

    code = _stopped_in_wait(env, interrupt)
    assert env.err.startswith("interrupted; "), env.err
    return code


def _sigterm(env: Env) -> int:
    def terminate() -> None:
        # Only to a handler the command set: SIGTERM's default would end the test run.
        assert callable(signal.getsignal(signal.SIGTERM)), "the command set no SIGTERM handler"
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # the handler raises in here

    code = _stopped_in_wait(env, terminate)
    assert env.err.startswith("terminated; "), env.err
    return code


def _reader_gone(env: Env) -> int:
    job_id = env.submit()
    env.finish()
    env.monkeypatch.setattr(sys, "stdout", _Stdout(BrokenPipeError(32, "Broken pipe")))
    code = env.run("job", job_id, "--wait", "--format", "rttm")
    assert env.err == "", env.err  # quietly
    return code


def _option_before_sandbox(env: Env) -> int:
    env.monkeypatch.setattr(cli, "cmd_sandbox", lambda args: pytest.fail("a sandbox was started"))
    return env.run("-v", "sandbox")


def _refused_stdin(env: Env) -> list[int]:
    """A terminal, an empty input, one over the limit, `-` given twice: each refused, nothing sent."""
    codes = []
    empty = env.folder / "empty.wav"
    empty.write_bytes(b"")
    with empty.open("rb") as nothing, env.meeting.open("rb") as meeting:
        for stdin, argv in [
            (_Stdin(io.BufferedReader(_NotToBeRead()), tty=True), env.identify_argv("-")),
            (_Stdin(nothing), env.identify_argv("-")),
            (_Stdin(meeting), env.identify_argv("-")),
            (_Stdin(io.BufferedReader(_NotToBeRead())), ["identify", "-", "--voiceprint", "Alice=-"]),
        ]:
            with env.monkeypatch.context() as patch:
                patch.setattr(sys, "stdin", stdin)
                patch.setattr(_validation, "MAX_AUDIO_BYTES", 1000)
                codes.append(env.run(*argv))
            assert "standard input" in env.err and env.requests == 0, env.err
    return codes


def _not_ascii_digits(env: Env) -> list[int]:
    codes = []
    for option, value, argv in [
        ("--threshold", "٣٠", env.identify_argv(str(env.meeting), "--threshold", "٣٠")),
        ("--limit", "３", ["jobs", "--limit", "３"]),
    ]:
        codes.append(env.run(*argv))
        (line,) = [line for line in env.err.splitlines() if "error:" in line]
        assert option in line and value in line and "ASCII digits" in line, line
    assert env.requests == 0
    return codes


def _cursor_not_a_uuid(env: Env) -> int:
    code = env.run("jobs", "--cursor", "page-2")
    assert env.requests == 0 and "--cursor" in env.err, env.err
    return code


def _cursor_not_issued(env: Env) -> int:
    code = env.run("jobs", "--cursor", str(uuid.uuid4()))
    assert "HTTP 400" in env.err, env.err
    return code


def _no_wait(env: Env) -> int:
    """`identify --no-wait` prints the job id as its result, and says nothing on stderr."""
    code = env.run(*env.identify_argv(str(env.meeting), "--no-wait"))
    assert re.fullmatch(r"[0-9a-f-]{36}\n", env.out) and env.err == "", (env.out, env.err)
    return code


def _parser_error(env: Env) -> int:
    """A value the parser refuses: its usage, then its one error line."""
    code = env.run("jobs", "--limit", "many")
    lines = env.err.splitlines()
    assert lines[0].startswith("usage: pyannoteai-identify jobs"), env.err
    assert [line for line in lines if "error:" in line] == lines[-1:], env.err
    return code


@dataclass(frozen=True)
class Claim:
    """*quote* of README's "Command line" section (spaces joined) says *code*; *run* is that situation.

    A claim of a table row quotes words of the row of *code* (or of the row *quoted_row*, for an
    exception a row states: `sandbox` stops with 0 on SIGTERM); one of the prose quotes the sentence
    (or the part of it) that states the code. *run* returns the exit code, or the codes of its runs.
    """

    id: str
    quote: str
    code: int
    run: Callable[[Env], int | list[int]]
    row: bool = True
    quoted_row: int | None = None


CLAIMS = [
    Claim("success", "success", cli.OK, _success),
    Claim("job failed", "the job failed", cli.FAILED, _failed),
    Claim("job canceled", "was canceled", cli.FAILED, _canceled),
    Claim("unknown id", "is gone (expired, or an unknown id)", cli.FAILED, _gone),
    Claim("webhook refused", "a webhook failed verification", cli.FAILED, _webhook_refused),
    Claim("demo mismatch", "the demo's result did not match the audio it synthesised", cli.FAILED, _demo_mismatch),
    Claim("bad input", "bad arguments or input, refused before anything was uploaded", cli.USAGE, _bad_input),
    Claim("closed stdout", "a closed standard output too", cli.USAGE, _closed_stdout),
    Claim(
        "api refused",
        "the API refused the request (authentication, payment, rate limit, server error)",
        cli.API_ERROR,
        _refused,
    ),
    Claim("unreachable", "the API could not be reached", cli.CONNECTION, _unreachable),
    Claim("wait timeout", "still running (or of no known status", cli.TIMEOUT, _wait_timeout),
    Claim("no result yet", "no result yet for `job ID --format table` or `rttm`", cli.TIMEOUT, _no_result_yet),
    Claim(
        "not written",
        "could not be written (a full disk); the message names the job and the command that fetches it",
        cli.NOT_WRITTEN,
        _not_written,
    ),
    Claim(
        "unreadable audio",
        "an audio file that is missing, not a regular file or that may not be read",
        cli.USAGE,
        _unreadable_audio,
    ),
    Claim(
        "unreadable",
        "a local file or standard input could not be read (an I/O error, a permission refused to a `--voiceprint` "
        "text file or to audio after its check): the message says the OS error and names the file (or standard "
        "input) and, for a file read for its upload, says that no job was created for it",
        cli.UNREADABLE,
        _unreadable,
    ),
    Claim(
        "batch os error mid-run",
        "for batch, a local file or folder could not be read, written or created once the run had begun (an I/O "
        "error, a permission refused, a folder where a file is written): the message names the path and says the "
        "OS error",
        cli.UNREADABLE,
        _batch_os_error_mid_run,
    ),
    Claim("ctrl-c", "interrupted (Ctrl-C); the message names the job submitted", cli.INTERRUPTED, _ctrl_c),
    Claim("reader gone", "the reader of standard output went away", cli.BROKEN_PIPE, _reader_gone),
    Claim("sigterm", "terminated by SIGTERM", cli.TERMINATED, _sigterm),
    Claim(
        "sandbox sigterm",
        "(`sandbox`, a server, stops with 0)",
        cli.OK,
        _sandbox_stopped_by_sigterm,
        quoted_row=cli.TERMINATED,
    ),
    Claim(
        "option before sandbox",
        "takes only its own options, after its name: one before it (`-v sandbox`, `--api-key KEY sandbox`) is a "
        "usage error (exit 2)",
        cli.USAGE,
        _option_before_sandbox,
        row=False,
    ),
    Claim(
        "refused stdin",
        "standard input at a terminal, an empty one, one over the limit and `-` given twice are usage errors "
        "(exit 2) before anything is sent",
        cli.USAGE,
        _refused_stdin,
        row=False,
    ),
    Claim(
        "not ascii digits",
        "`--threshold ٣٠` or `--limit ３`, which Python's `float` and `int` would read, is a usage error (exit 2) "
        "naming the option, the value and the rule",
        cli.USAGE,
        _not_ascii_digits,
        row=False,
    ),
    Claim(
        "cursor not a uuid",
        "A `--cursor` that is not a UUID is a usage error (exit 2) before any request",
        cli.USAGE,
        _cursor_not_a_uuid,
        row=False,
    ),
    Claim(
        "cursor not issued",
        "one the API refuses is its 400 (exit 3), as the sandbox refuses one it did not issue",
        cli.API_ERROR,
        _cursor_not_issued,
        row=False,
    ),
    Claim(
        "no-wait",
        "(`identify --no-wait` prints its id as its result instead, on stdout or to `-o FILE`)",
        cli.OK,
        _no_wait,
        row=False,
    ),
    Claim(
        "parser error",
        "an option the parser refuses, mistyped or with a bad value, shows the command's usage above its one "
        "error line",
        cli.USAGE,
        _parser_error,
        row=False,
    ),
]


# --- the tests -----------------------------------------------------------------------------------


def test_the_readme_table_is_the_exit_codes_of_the_command_in_its_words() -> None:
    """README listed the exit codes in a sentence written by hand, beside `cli.EXIT_CODES` (the
    --help's); they had drifted (6 said "the `job ID --wait` that fetches it", which `job ID`
    without --wait does not say). The table is that dict, row for row."""
    table = readme_table()
    assert table, "README's Command line section has no exit code table (| CODE | MEANING | rows)"
    assert table == {code: _spaced(text) for code, text in EXIT_CODES.items()}


def test_the_help_lists_each_row_of_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100000")  # argparse would wrap at a hyphen (--wait-timeout)
    assert main(["--help"]) == cli.OK
    shown = _spaced(capsys.readouterr().out)
    for code, text in readme_table().items():
        assert f"{code} {text}" in shown, f"--help does not say exit {code}: {text}"


@pytest.mark.parametrize("claim", CLAIMS, ids=[claim.id for claim in CLAIMS])
def test_each_claim_quotes_the_readme(claim: Claim) -> None:
    """A claim quotes the row of its code, or prose that states no other code than its."""
    if claim.row:
        number = claim.code if claim.quoted_row is None else claim.quoted_row
        row = readme_table().get(number, "")
        assert claim.quote in row, f"README's row {number} does not say {claim.quote!r}"
        return
    assert claim.quote in readme_prose(), f"README's Command line section no longer says {claim.quote!r}"
    stated = {int(code) for code in _MENTION.findall(claim.quote)}
    assert stated <= {claim.code}, f"{claim.quote!r} states exit {sorted(stated)}, the claim {claim.code}"


def test_every_exit_code_the_readme_states_is_a_checked_claim() -> None:
    """Each row has a claim, and each mention of an exit code in the prose is inside the quote of a
    claim of that code: an exit code written by hand in a new sentence fails here until a run checks it."""
    rows = {claim.code for claim in CLAIMS if claim.row and claim.quoted_row is None}
    assert set(readme_table()) <= rows, f"rows with no claim run: {sorted(set(readme_table()) - rows)}"
    prose = readme_prose()
    covered = [
        (found.start(), found.start() + len(claim.quote), claim.code)
        for claim in CLAIMS
        if not claim.row
        for found in re.finditer(re.escape(claim.quote), prose)
    ]
    unchecked = [
        prose[max(0, mention.start() - 80) : mention.end()]
        for mention in _MENTION.finditer(prose)
        if not any(start <= mention.start() < end and code == int(mention[1]) for start, end, code in covered)
    ]
    assert not unchecked, f"README states exit codes no claim checks: {unchecked}"


@pytest.fixture(scope="module")
def _sandbox() -> Iterator[Sandbox]:
    """Jobs that run until the test advances the clock: a wait times out, a job stays running."""
    options = {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET, "rate_limit": 100_000}
    with running_sandbox(**options, speed=1.0, queue_seconds=0.0, job_seconds=3600.0) as sandbox:
        yield sandbox


@pytest.fixture
def env(_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Env:
    _sandbox.reset()
    monkeypatch.setenv("PYANNOTEAI_API_KEY", API_KEY)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", _sandbox.base_url)
    for name in ("FORCE_COLOR", "FORCE_TERMINAL", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    return Env(_sandbox, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("claim", CLAIMS, ids=[claim.id for claim in CLAIMS])
def test_each_claim_is_what_the_command_does(claim: Claim, env: Env) -> None:
    """The command, run in the claim's situation, exits with the code the README states for it."""
    result = claim.run(env)
    codes = result if isinstance(result, list) else [result]
    assert codes and set(codes) == {claim.code}, f"README: exit {claim.code} ({claim.quote}); the command: {codes}"
