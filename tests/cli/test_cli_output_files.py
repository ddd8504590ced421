"""The files the command writes (``-o FILE``, batch's NAME.json, NAME.rttm and summary.csv): a write
that fails halfway leaves the previous file whole and no temporary file; modes are those of
``open(path, "w")``; a symlink is written through; numeric options take ASCII digits only."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clikit import FAST_POLL, Audio, identify_argv, run_cli

from pyannoteai_identify.cli import INTERRUPTED, NOT_WRITTEN, OK, USAGE
from pyannoteai_identify.results import IdentifyResult
from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.sandbox._cli import parser as sandbox_parser

PREVIOUS = "a previous good result\n"


@pytest.fixture
def umask() -> Iterator[int]:
    """A known umask (022) for the test, the caller's restored after it."""
    old = os.umask(0o022)
    try:
        yield 0o022
    finally:
        os.umask(old)


def _commands(audio: Audio, target: Path) -> dict[str, list[str]]:
    identify = identify_argv(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob})
    return {
        "identify json": [*identify, "--format", "json", "-o", str(target)],
        "identify rttm": [*identify, "--format", "rttm", "-o", str(target)],
        "identify table": [*identify, "--format", "table", "-o", str(target)],
        "identify --no-wait": [*identify, "--no-wait", "-o", str(target)],
        "voiceprint": ["voiceprint", str(audio.bob_wav), "-o", str(target)],
    }


COMMANDS = ["identify json", "identify rttm", "identify table", "identify --no-wait", "voiceprint"]


def _only(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_while_the_result_is_flushed_keeps_the_previous_file_and_exits_six(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    """`-o F` truncated F first, then wrote: a disk that fills up (or a crash) left F empty or cut,
    where a good result was. The result goes to a temporary file beside F, made durable (fsync) and
    renamed over F: a failure leaves F as it was, removes the temporary file, and exits 6."""
    target = tmp_path / "result.out"
    target.write_text(PREVIOUS, encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    run = run_cli(capsys, *FAST_POLL, *_commands(audio, target)[command])

    assert run.code == NOT_WRITTEN, run.err
    assert target.read_text(encoding="utf-8") == PREVIOUS
    assert _only(tmp_path) == ["result.out"]


@pytest.mark.parametrize("command", COMMANDS)
def test_ctrl_c_while_the_result_is_written_keeps_the_previous_file_and_leaves_no_temporary_file(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    """A Ctrl-C while the result is being made durable: F keeps its previous content, nothing else is
    left in its folder, the exit status is 130."""
    target = tmp_path / "result.out"
    target.write_text(PREVIOUS, encoding="utf-8")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    run = run_cli(capsys, *FAST_POLL, *_commands(audio, target)[command])

    assert run.code == INTERRUPTED, run.err
    assert target.read_text(encoding="utf-8") == PREVIOUS
    assert _only(tmp_path) == ["result.out"]


def test_a_result_that_cannot_be_encoded_keeps_the_previous_file_and_exits_six(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A result whose text has no UTF-8 bytes (a lone surrogate) failed after F was truncated: F was
    left empty, and the exit status was 1 ("the job failed"). F is kept; the job is named, exit 6."""
    target = tmp_path / "result.json"
    target.write_text(PREVIOUS, encoding="utf-8")
    encode = IdentifyResult.to_json

    def unencodable(self: IdentifyResult, **kwargs: Any) -> str:
        return encode(self, **kwargs) + "\udcff"

    monkeypatch.setattr(IdentifyResult, "to_json", unencodable)
    run = run_cli(capsys, *FAST_POLL, *_commands(audio, target)["identify json"])

    assert run.code == NOT_WRITTEN, run.err
    assert "fetch its result with: pyannoteai-identify job " in run.err
    assert target.read_text(encoding="utf-8") == PREVIOUS
    assert _only(tmp_path) == ["result.json"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_new_output_file_has_the_mode_open_would_give_and_an_existing_one_keeps_its_mode(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, umask: int, command: str
) -> None:
    """A temporary file of tempfile.mkstemp is 0600: renamed into place, a result would become
    unreadable to the group and others that `> F` lets read. A new F is 0666 & ~umask; an existing
    F keeps its mode."""
    new = tmp_path / "new.out"
    assert run_cli(capsys, *FAST_POLL, *_commands(audio, new)[command]).code == OK
    existing = tmp_path / "existing.out"
    existing.write_text(PREVIOUS, encoding="utf-8")
    existing.chmod(0o640)
    assert run_cli(capsys, *FAST_POLL, *_commands(audio, existing)[command]).code == OK

    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_text(encoding="utf-8") != PREVIOUS


@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_file_that_is_a_symlink_is_written_through_to_its_target(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """`-o link` writes the link's target, as `> link` and `curl -o link` do: the link stays a link,
    the target gets the result (a rename over the link's own name would replace the link)."""
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "result.out"
    target.write_text(PREVIOUS, encoding="utf-8")
    link = tmp_path / "link.out"
    link.symlink_to(target)

    run = run_cli(capsys, *FAST_POLL, *_commands(audio, link)[command])

    assert run.code == OK, run.err
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8") not in ("", PREVIOUS)
    assert _only(tmp_path / "real") == ["result.out"]
    assert _only(tmp_path) == ["link.out", "real"]


def test_an_output_that_is_a_device_is_written_in_place(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o /dev/null` (or /dev/stdout, a FIFO) is written as `>` writes it: no temporary file is made
    beside it, and it is not renamed over (as root, that would replace /dev/null with a file)."""
    before = os.stat("/dev/null")
    run = run_cli(capsys, *FAST_POLL, *_commands(audio, Path("/dev/null"))["identify rttm"])

    after = os.stat("/dev/null")
    assert run.code == OK, run.err
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_batch_results_and_summary_have_the_mode_open_would_give_and_keep_an_existing_mode(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, umask: int
) -> None:
    """batch wrote NAME.json, NAME.rttm and summary.csv through tempfile.mkstemp and a rename: each
    was 0600, whatever the umask (a team's shared results folder could not read them), and a summary
    the user had made group-readable became 0600 again."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("old\n", encoding="utf-8")
    (out / "summary.csv").chmod(0o640)
    argv = ["batch", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--out", str(out), "-q"]

    run = run_cli(capsys, *FAST_POLL, *argv)

    assert run.code == OK, run.err
    modes = {name: stat.S_IMODE((out / name).stat().st_mode) for name in ("meeting.json", "meeting.rttm")}
    assert modes == {"meeting.json": 0o666 & ~umask, "meeting.rttm": 0o666 & ~umask}
    assert stat.S_IMODE((out / "summary.csv").stat().st_mode) == 0o640
    assert (out / "summary.csv").read_text(encoding="utf-8") != "old\n"


def test_batch_writes_a_summary_that_is_a_symlink_through_to_its_target(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A summary.csv linked to a shared report elsewhere is updated there; the link is not replaced by a file."""
    out = tmp_path / "out"
    out.mkdir()
    shared = tmp_path / "shared.csv"
    shared.write_text("old\n", encoding="utf-8")
    (out / "summary.csv").symlink_to(shared)
    argv = ["batch", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--out", str(out), "-q"]

    run = run_cli(capsys, *FAST_POLL, *argv)

    assert run.code == OK, run.err
    assert (out / "summary.csv").is_symlink()
    assert shared.read_text(encoding="utf-8").startswith("input,")


# --- numeric options: ASCII digits only ---------------------------------------------------------

ARABIC_30 = "\u0663\u0660"  # ٣٠: float() reads it as 30.0
FULL_WIDTH_3 = "\uff13"  # ３: int() reads it as 3


def _numeric_cases(audio: Audio, tmp_path: Path) -> dict[str, tuple[list[str], str, str]]:
    """argv, the option and the value refused, per case."""
    identify = identify_argv(audio.meeting, {"Alice": audio.alice}, "--format", "json")
    batch = ["batch", str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--out", str(tmp_path / "out")]
    verify = ["webhook", "verify", "--signature", "s", "--timestamp", "1"]
    return {
        "--threshold": ([*identify, "--threshold", ARABIC_30], "--threshold", ARABIC_30),
        "--num-speakers": ([*identify, "--num-speakers", FULL_WIDTH_3], "--num-speakers", FULL_WIDTH_3),
        "--wait-timeout": ([*identify, "--wait-timeout", ARABIC_30], "--wait-timeout", ARABIC_30),
        "--timeout": (["--timeout", ARABIC_30, *identify], "--timeout", ARABIC_30),
        "--poll-interval": (["--poll-interval", ARABIC_30, *identify], "--poll-interval", ARABIC_30),
        "--max-retries": (["--max-retries", FULL_WIDTH_3, *identify], "--max-retries", FULL_WIDTH_3),
        "jobs --limit": (["jobs", "--limit", FULL_WIDTH_3], "--limit", FULL_WIDTH_3),
        "batch --concurrency": ([*batch, "--concurrency", FULL_WIDTH_3], "--concurrency", FULL_WIDTH_3),
        "batch --threshold": ([*batch, "--threshold", ARABIC_30], "--threshold", ARABIC_30),
        "batch --deadline": ([*batch, "--deadline", ARABIC_30], "--deadline", ARABIC_30),
        "webhook verify --tolerance": ([*verify, "--tolerance", ARABIC_30], "--tolerance", ARABIC_30),
    }


@pytest.mark.parametrize(
    "case",
    [
        "--threshold",
        "--num-speakers",
        "--wait-timeout",
        "--timeout",
        "--poll-interval",
        "--max-retries",
        "jobs --limit",
        "batch --concurrency",
        "batch --threshold",
        "batch --deadline",
        "webhook verify --tolerance",
    ],
)
def test_a_numeric_option_in_non_ascii_digits_is_a_usage_error_naming_the_option_value_and_rule(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    """float("٣٠") is 30.0 and int("３") is 3: a threshold or a count in digits no other tool (nor
    the SDK's own parsing of headers) reads went to the API as a number. Refused with exit 2, nothing
    sent; the message names the option, the value and the rule (ASCII digits)."""
    argv, option, value = _numeric_cases(audio, tmp_path)[case]
    run = run_cli(capsys, *argv)

    assert run.code == USAGE, run.err
    line = run.err_lines[-1]
    assert option in line and repr(value) in line and "ASCII" in line, line
    assert env.stats.submissions == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", FULL_WIDTH_3),
        ("--rate-limit", FULL_WIDTH_3),
        ("--queue-seconds", ARABIC_30),
        ("--job-seconds", ARABIC_30),
        ("--retention-seconds", ARABIC_30),
        ("--speed", ARABIC_30),
    ],
)
def test_a_numeric_sandbox_option_in_non_ascii_digits_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    """`pyannoteai-identify sandbox --port ３` listened on port 3: its numbers are ASCII digits too
    (checked on its parser, so that a value accepted does not start a server)."""
    with pytest.raises(SystemExit) as exited:
        sandbox_parser().parse_args([option, value])

    line = capsys.readouterr().err.splitlines()[-1]
    assert exited.value.code == USAGE
    assert option in line and repr(value) in line and "ASCII" in line, line


@pytest.mark.parametrize("command", ["identify json", "voiceprint"])
def test_an_output_file_that_is_a_dangling_symlink_creates_its_target_and_keeps_the_link(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """`-o link` whose target does not exist yet: `> link` creates the target. The check made before
    the job (can F be written?) created the target and then removed the link, not the file it made:
    the result went to a regular file in the link's place."""
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "result.out"
    link = tmp_path / "link.out"
    link.symlink_to(target)

    run = run_cli(capsys, *FAST_POLL, *_commands(audio, link)[command])

    assert run.code == OK, run.err
    assert link.is_symlink() and target.is_file() and target.read_text(encoding="utf-8").strip()


def test_an_output_that_is_a_pipe_named_by_dev_fd_is_written_in_place(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o /dev/stdout` with standard output piped (`| jq`), or `-o >(gzip > r.gz)` (bash gives
    `/dev/fd/63`), names a pipe through /proc's links, which point to `pipe:[INODE]`: resolving the
    path first (os.path.realpath) gave `/proc/PID/fd/pipe:[INODE]`, a name that does not exist, and
    the billed result was lost (exit 6, "No such file or directory"). Written in place, as before."""
    read_end, write_end = os.pipe()
    try:
        run = run_cli(capsys, *FAST_POLL, *_commands(audio, Path(f"/dev/fd/{write_end}"))["identify rttm"])
        os.close(write_end)
        write_end = -1
        os.set_blocking(read_end, False)
        received = os.read(read_end, 1 << 16)
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)

    assert run.code == OK, run.err
    assert received.startswith(b"SPEAKER "), received


@pytest.mark.parametrize("command", ["identify json", "voiceprint"])
def test_an_output_file_with_another_hard_link_is_written_in_place_as_the_shell_does(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """`-o F` where F has a second name (a hard link, as `cp -l` or a backup tool makes): `> F` and
    the previous `open(F, "w")` write the file both names share. A rename over F makes F a new file
    and leaves the other name on the old result, silently."""
    target = tmp_path / "result.out"
    target.write_text(PREVIOUS, encoding="utf-8")
    other = tmp_path / "other-name.out"
    os.link(target, other)

    run = run_cli(capsys, *FAST_POLL, *_commands(audio, target)[command])

    assert run.code == OK, run.err
    assert target.read_text(encoding="utf-8") not in ("", PREVIOUS)
    assert os.path.samefile(target, other)
    assert _only(tmp_path) == ["other-name.out", "result.out"]


@pytest.mark.needs_root
@pytest.mark.parametrize("command", ["identify json", "voiceprint"])
def test_an_output_file_of_another_owner_keeps_its_owner_and_group(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """`sudo pyannoteai-identify ... -o ~user/result.json` over the user's own file: `> F` and the
    previous `open(F, "w")` kept F the user's. A rename puts a file of root's in its place, which
    the user can no longer write (their next `-o` is refused). The owner and group are kept.
    (Making a file of another owner needs root, which the test suite runs as.)"""
    target = tmp_path / "result.out"
    target.write_text(PREVIOUS, encoding="utf-8")
    if os.geteuid() != 0:
        pytest.fail("making a file of another owner needs root: run as root, or deselect with -m 'not needs_root'")
    os.chown(target, 65534, 65534)

    run = run_cli(capsys, *FAST_POLL, *_commands(audio, target)[command])

    assert run.code == OK, run.err
    assert target.read_text(encoding="utf-8") not in ("", PREVIOUS)
    assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534)
    assert _only(tmp_path) == ["result.out"]
