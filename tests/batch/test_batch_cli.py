"""``pyannoteai-identify batch``: exit codes, the printed summary, failures with reasons, voiceprint arguments."""

from __future__ import annotations

import argparse
import contextlib
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from batchkit import HELD_RUN_TIMEOUT, interrupt_every_submission_long_ago, make_audio, requests_of

from pyannoteai_identify import Client, __version__
from pyannoteai_identify._validation import NUM_SPEAKERS_VALUES, THRESHOLD_MAX
from pyannoteai_identify.batch import Manifest, _runner_submit, add_arguments, main
from pyannoteai_identify.batch._cli import run
from pyannoteai_identify.sandbox import Sandbox, voice_sample, voiceprint_for
from pyannoteai_identify.testing import MockAPI


@pytest.fixture
def env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox's key and URL in the environment, as a user would set them."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", sandbox.base_url)
    return sandbox


def _exit_code(argv: list[str]) -> int | str | None:
    """main(argv), or the code argparse exits with (it raises SystemExit for a malformed option)."""
    try:
        return main(argv)
    except SystemExit as stopped:
        return stopped.code


def voiceprint_args() -> list[str]:
    return ["--voiceprint", f"Alice={voiceprint_for('Alice')}", "--voiceprint", f"Bob={voiceprint_for('Bob')}"]


@pytest.mark.sandbox(speed=100.0, queue_seconds=3600.0)
def test_exit_code_is_five_when_inputs_are_still_running_at_the_deadline_and_none_failed(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Still running at --deadline is "not finished, run again" (5, as identify's --wait-timeout), not "failed" (1):
    a CI script resumes the one and reports the other."""
    make_audio(tmp_path / "audio", 2)
    out = str(tmp_path / "out")

    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", out, "-q", "--deadline", str(HELD_RUN_TIMEOUT)])

    errors = capsys.readouterr().err
    assert code == 5
    assert "2 of 2 inputs did not succeed" in errors and "run again to resume" in errors
    assert env.stats.submissions == 2


@pytest.mark.sandbox(speed=100.0, queue_seconds=3600.0)
def test_exit_code_is_one_when_an_input_failed_even_if_others_are_still_running_at_the_deadline(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure needs a person: it outranks "run again" (5) when both happen in one run."""
    make_audio(tmp_path / "audio", 2)
    (tmp_path / "audio" / "empty.wav").write_bytes(b"")  # refused locally: failed, with its reason
    out = str(tmp_path / "out")

    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", out, "-q", "--deadline", str(HELD_RUN_TIMEOUT)])

    errors = capsys.readouterr().err
    assert code == 1
    assert "empty.wav: failed" in errors and "run again to resume" in errors


def test_an_upload_that_met_only_temporary_errors_exits_five_and_the_next_run_sends_it(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storage that answered 503 to every attempt of an upload marked its input failed (exit 1), and a
    plain rerun skipped it: only --retry-failed sent it. Nothing was sent for it, so it stays pending,
    the command says the next run tries it again and exits 5 (run again to resume), and the next run
    sends it without --retry-failed."""
    monkeypatch.setattr(_runner_submit, "backoff", lambda attempt, error: 0.0)  # no pauses between attempts
    (source,) = make_audio(tmp_path / "audio", 1)
    env.faults.next(_runner_submit.MAX_ATTEMPTS, "5xx", operation="upload")
    argv = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q"]
    argv += ["--poll-interval", "0.05", "--max-retries", "0"]

    code = main(argv)

    errors = capsys.readouterr().err
    assert f"{source}: pending — upload failed {_runner_submit.MAX_ATTEMPTS} times" in errors, errors
    assert "the next run tries it again" in errors
    assert code == 5 and env.stats.submissions == 0
    assert main(argv) == 0 and env.stats.submissions == 1


def test_exit_code_is_zero_when_every_input_succeeds_and_the_summary_is_printed_and_saved(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 0; the table names each input with its status and talk time; summary.csv and the manifest are in OUT."""
    make_audio(tmp_path / "audio", 2)
    out = tmp_path / "out"
    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", str(out), "--poll-interval", "0.05"])

    printed = capsys.readouterr().out
    assert code == 0
    assert "rec000" in printed and "rec001" in printed and "succeeded" in printed and "Alice (s)" in printed
    assert (out / "summary.csv").is_file() and (out / "batch-manifest.sqlite").is_file()
    assert (out / "rec000.json").is_file() and (out / "rec001.rttm").is_file()


def test_exit_code_is_one_when_an_input_fails_and_the_failure_is_listed_with_its_reason(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed job gives exit 1 and a line naming the input, its status and the API's reason."""
    make_audio(tmp_path / "audio", 2)
    env.faults.fail_next_job("Could not load audio", kind="identify")
    code = main(
        [
            str(tmp_path / "audio"),
            *voiceprint_args(),
            "--out",
            str(tmp_path / "out"),
            "--concurrency",
            "1",
            "-q",
            "--poll-interval",
            "0.05",
        ]
    )

    errors = capsys.readouterr().err
    assert code == 1
    assert "1 of 2 inputs did not succeed" in errors
    assert "rec000.wav: failed" in errors and "Could not load audio" in errors


def test_a_failed_url_input_is_listed_without_its_query(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary CSV hid a presigned URL's signature, but the list of failures on stderr (what CI
    logs keep) printed it whole."""
    url = f"{env.base_url}/_media/nothing-here.wav?X-Amz-Signature=SECRETSIG123"
    code = main([url, *voiceprint_args(), "--out", str(tmp_path / "out"), "-q", "--poll-interval", "0.05"])

    errors = capsys.readouterr().err
    assert code == 1
    assert "/_media/nothing-here.wav?<query hidden>: failed" in errors
    assert "SECRETSIG123" not in errors


def test_a_failed_url_input_is_listed_without_its_password(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary and the failures hid a URL's query, but not a user:password@ before its host."""
    host = env.base_url.removeprefix("http://")
    url = f"http://reader:PASSWORD-SECRET@{host}/_media/nothing-here.wav"
    code = main([url, *voiceprint_args(), "--out", str(tmp_path / "out"), "-q", "--poll-interval", "0.05"])

    errors = capsys.readouterr().err
    assert code == 1
    assert f"http://<credentials hidden>@{host}/_media/nothing-here.wav: failed" in errors
    assert "PASSWORD-SECRET" not in errors
    assert "PASSWORD-SECRET" not in (tmp_path / "out" / "summary.csv").read_text()


def test_a_missing_input_exits_two_before_any_request(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in an input name is a usage error: exit 2, one line naming it, nothing sent."""
    code = main([str(tmp_path / "nope"), *voiceprint_args(), "--out", str(tmp_path / "out")])

    assert code == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert requests_of(env) == {}


def test_an_out_folder_name_too_long_for_the_file_system_exits_two_before_any_request(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out with a name longer than the file system takes exited 1 ("an input failed") with Python's
    bare "[Errno 36] File name too long: '…'": the check of --out raised that OSError. It is a usage
    error naming --out, and nothing is sent."""
    make_audio(tmp_path / "audio", 1)
    out = str(tmp_path / ("o" * 300))

    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", out])

    assert code == 2
    assert capsys.readouterr().err == f"error: --out {out}: cannot be used (File name too long)\n"
    assert requests_of(env) == {}


@pytest.mark.parametrize("listed", ["folder", "list file"])
def test_inputs_that_name_no_audio_at_all_exit_two_before_any_request(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], listed: str
) -> None:
    """A folder with no audio in it (a share that was not mounted, the wrong folder) or an empty
    list file is the same mistake as an empty input list, which is refused: exit 2 and nothing sent,
    not exit 0 ("every input succeeded") with a summary of 0 inputs that a pipeline takes as done."""
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "todo.txt").write_text("# nothing yet\n")
    named = tmp_path / ("recordings" if listed == "folder" else "todo.txt")

    code = main([str(named), *voiceprint_args(), "--out", str(tmp_path / "out")])

    assert code == 2
    assert "no audio" in capsys.readouterr().err
    assert requests_of(env) == {}


@pytest.mark.parametrize("inputs", ["no audio", "missing"])
def test_inputs_that_cannot_run_exit_two_before_an_audio_voiceprint_is_enrolled(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], inputs: str
) -> None:
    """docs/batch.md: a name that does not exist, or inputs that name no audio at all, stop the command
    "before anything is sent". With an audio clip as --voiceprint, the clip was enrolled (uploaded,
    a billed voiceprint job) first and only then were the inputs expanded and refused (exit 2)."""
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "alice.wav").write_bytes(voice_sample("Alice", 3.0))
    named = tmp_path / ("recordings" if inputs == "no audio" else "not-there")

    code = main([str(named), "--voiceprint", f"Alice={tmp_path / 'alice.wav'}", "--out", str(tmp_path / "out")])

    assert code == 2, capsys.readouterr().err
    assert requests_of(env) == {}


def test_batch_main_does_not_echo_the_value_after_a_mistyped_option(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pyannoteai-identify batch --api-kye KEY`` hides KEY in its usage error (cli.shown_argument);
    ``pyannoteai_identify.batch.main``, the same command as a function, printed
    "unrecognized arguments: --api-kye KEY", the key in clear on stderr."""
    make_audio(tmp_path / "audio", 1)
    secret = "sk_" + "Q" * 40
    code = _exit_code(
        [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "--api-kye", secret]
    )

    err = capsys.readouterr().err
    assert code == 2
    assert "--api-kye" in err and secret not in err
    assert requests_of(env) == {}


def test_voiceprints_come_from_strings_text_files_and_audio_enrolled_only_once(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """LABEL=file.txt reads the voiceprint; LABEL=clip.wav runs one voiceprint job, reused by the next run."""
    make_audio(tmp_path / "audio", 1)
    (tmp_path / "alice.txt").write_text(voiceprint_for("Alice") + "\n")
    (tmp_path / "bob.wav").write_bytes(voice_sample("Bob", 3.0))
    args = [
        str(tmp_path / "audio"),
        "--voiceprint",
        f"Alice={tmp_path / 'alice.txt'}",
        "--voiceprint",
        f"Bob={tmp_path / 'bob.wav'}",
        "--out",
        str(tmp_path / "out"),
        "--poll-interval",
        "0.05",
    ]
    assert main(args) == 0
    assert main(args) == 0

    assert requests_of(env)["voiceprint"] == 1
    assert "Bob" in capsys.readouterr().out


def _bob_batch(tmp_path: Path) -> list[str]:
    """A batch of one input whose --voiceprint is an audio clip of Bob (enrolled: a billed job)."""
    make_audio(tmp_path / "audio", 1)
    (tmp_path / "bob.wav").write_bytes(voice_sample("Bob", 3.0))
    return [str(tmp_path / "audio"), "--voiceprint", f"Bob={tmp_path / 'bob.wav'}", "--out", str(tmp_path / "out")]


def test_an_enrollment_interrupted_while_waiting_is_resumed_not_billed_again(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while Bob's voiceprint job ran said "run the same command again to resume", but the
    next run enrolled (and billed) Bob again: the job is announced and recorded in the manifest
    when submitted, and the next run waits for it."""
    args = _bob_batch(tmp_path)
    real_wait = Client.wait

    def interrupted(self: Client, *args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Client, "wait", interrupted)
    assert main([*args, "-q"]) == 130
    first = capsys.readouterr().err
    monkeypatch.setattr(Client, "wait", real_wait)
    assert main([*args, "-q", "--poll-interval", "0.05"]) == 0
    second = capsys.readouterr().err

    submitted = re.search(r"^voiceprint job (\S+) submitted \(enrolling Bob\)$", first, re.MULTILINE)
    assert submitted is not None
    assert "run the same command again to resume" in first
    assert second == f"waiting for voiceprint job {submitted[1]} (enrolling Bob, submitted by an earlier run)\n"
    assert requests_of(env)["voiceprint"] == 1


def test_an_enrollment_the_manifest_could_not_record_is_still_named_on_stderr(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The voiceprint job's line is printed once the manifest records the job (so a signal sent on
    reading it finds the job recorded); but when recording it fails (a full disk, a locked database),
    the line was never printed: the billed job was named nowhere, and "run the same command again"
    enrolled, and billed, Bob again. It must be named whether or not the manifest took it."""
    args = _bob_batch(tmp_path)
    real_set_meta = Manifest.set_meta

    def full_disk(self: Manifest, key: str, value: str) -> None:
        if key.startswith("voiceprint-job:"):
            raise sqlite3.OperationalError("database or disk is full")
        real_set_meta(self, key, value)

    monkeypatch.setattr(Manifest, "set_meta", full_disk)
    code = main([*args, "-q"])
    err = capsys.readouterr().err

    assert requests_of(env)["voiceprint"] == 1 and code != 0
    assert re.search(r"^voiceprint job \S+ submitted \(enrolling Bob\)$", err, re.MULTILINE), err
    assert "the manifest could not be written" in err


def test_a_failed_enrollment_names_its_voiceprint_option(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The batch printed only the exception, without its notes: the failed enrollment's line names
    the --voiceprint to change, as the identify command's does."""
    env.faults.fail_next_job("No speech found in the audio", kind="voiceprint")
    code = main([*_bob_batch(tmp_path), "-q"])

    err = capsys.readouterr().err
    assert code == 1
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert line.endswith(
        f"failed: No speech found in the audio; that was the enrollment of --voiceprint Bob={tmp_path / 'bob.wav'}: "
        "give another recording of Bob"
    )
    assert requests_of(env).get("identify", 0) == 0


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--threshold", "200"], "--threshold=200.0: "),
        (["--concurrency", "0"], "--concurrency=0: "),
        (["--webhook", "ftp://hooks.example.test/x"], "--webhook='ftp://hooks.example.test/x': "),
        (["--webhook", "https://hooks.example.test/x", "--listen", "nope"], "--listen='nope': "),
        (["--voiceprint", "SPEAKER_1=dm9pY2U"], "--voiceprint label='SPEAKER_1': must not start with \"SPEAKER_\""),
        (["--model", ""], "--model='': must be a model name"),
    ],
    ids=["threshold", "concurrency", "webhook", "listen", "voiceprint-label", "model"],
)
def test_a_bad_option_is_named_as_it_was_typed(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], said: str
) -> None:
    """The batch's errors named the SDK's parameters (matching.threshold=, concurrency=, listen=,
    voiceprints[0].label=), which a command-line user never typed; identify named its options."""
    make_audio(tmp_path / "audio", 1)
    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), *options])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {said}"), err
    assert requests_of(env) == {}


def test_a_request_timeout_over_a_day_is_refused_by_the_batch_option(capsys: pytest.CaptureFixture[str]) -> None:
    """The standalone batch command's --timeout has the same limit as the top-level one."""
    code = _exit_code(["in.wav", *voiceprint_args(), "--out", "out", "--timeout", "999999"])

    assert code == 2
    assert "--timeout: '999999': must be at most 86400 seconds (one day)" in capsys.readouterr().err


def test_a_rerun_after_a_failed_enrollment_enrolls_again(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The voiceprint job recorded by the run before failed: the rerun waits for it, learns it gave
    no voiceprint, says so and submits a new one (the run was asked for again, with the same clip)."""
    args = _bob_batch(tmp_path)
    env.faults.fail_next_job("No speech found in the audio", kind="voiceprint")
    assert main([*args, "-q"]) == 1
    capsys.readouterr()
    assert main([*args, "-q", "--poll-interval", "0.05"]) == 0

    err = capsys.readouterr().err
    assert re.search(
        r"^voiceprint job \S+ gave no voiceprint \(job \S+ failed: No speech found in the audio\); "
        r"enrolling Bob again$",
        err,
        re.MULTILINE,
    ), err
    assert requests_of(env)["voiceprint"] == 2


def test_listen_without_the_webhook_secret_exits_two_before_an_enrollment(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--listen without PYANNOTEAI_WEBHOOK_SECRET enrolled (billed) the voiceprint clip first, then
    failed starting the receiver, saying "pass secret=..." (an option batch does not have)."""
    monkeypatch.delenv("PYANNOTEAI_WEBHOOK_SECRET", raising=False)
    code = main([*_bob_batch(tmp_path), "--webhook", "http://127.0.0.1:9/hook", "--listen", "127.0.0.1:0"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(
        "error: --listen needs the webhook secret to verify deliveries: set PYANNOTEAI_WEBHOOK_SECRET"
    )
    assert requests_of(env) == {}


def test_listen_on_an_address_in_use_exits_before_an_enrollment(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver starts listening before any voiceprint is enrolled: a port in use costs nothing."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", "whsec_test")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main([*_bob_batch(tmp_path), "--webhook", "http://127.0.0.1:9/hook", "--listen", f"127.0.0.1:{port}"])

    err = capsys.readouterr().err
    assert code == 2
    assert f"--listen 127.0.0.1:{port}: the webhook receiver could not listen there" in err
    assert requests_of(env) == {}


def test_listen_on_an_address_in_use_prints_only_the_commands_error(
    env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's own line ("[Errno 98] error while attempting to bind on address …") came on stderr
    before the command's error, which says the same for --listen: only the command's line is printed.
    The command runs as a process of its own, where no test harness holds the log records."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", "whsec_test")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        argv = [*_bob_batch(tmp_path), "--webhook", "http://127.0.0.1:9/hook", "--listen", f"127.0.0.1:{port}"]
        done = subprocess.run(
            [sys.executable, "-m", "pyannoteai_identify", "batch", *argv], capture_output=True, timeout=60, check=False
        )

    lines = done.stderr.decode().splitlines()
    assert done.returncode == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: --listen 127.0.0.1:{port}: the webhook receiver could not listen there")
    assert requests_of(env) == {}


@pytest.mark.parametrize(
    "options",
    [
        ["--threshold", f"{THRESHOLD_MAX + 100:g}"],
        ["--webhook", "ftp://hooks.example.test/x"],
        ["--concurrency", "0"],
        ["--num-speakers", str(max(NUM_SPEAKERS_VALUES) + 1)],
        ["--webhook", "https://hooks.example.test/x", "--listen", "nonsense"],
        ["--listen", "127.0.0.1:0"],
        ["--deadline", "-1"],
        ["--voiceprint", "Alice=other-voiceprint.txt"],
        ["--voiceprint", "SPEAKER_00=dm9pY2U"],
        ["--model", ""],
    ],
    ids=[
        "threshold",
        "webhook",
        "concurrency",
        "num-speakers",
        "listen",
        "listen-without-webhook",
        "deadline",
        "duplicate-label",
        "reserved-label",
        "model",
    ],
)
def test_bad_arguments_exit_two_before_an_audio_voiceprint_is_enrolled(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    """Enrolling a clip uploads it and bills a voiceprint job: every other argument is checked first,
    including a second --voiceprint for the same label (it used to replace the first silently)."""
    make_audio(tmp_path / "audio", 1)
    (tmp_path / "alice.wav").write_bytes(voice_sample("Alice", 3.0))
    (tmp_path / "other-voiceprint.txt").write_text(voiceprint_for("Bob") + "\n")
    code = _exit_code(
        [str(tmp_path / "audio"), "--voiceprint", f"Alice={tmp_path / 'alice.wav'}", "--out", str(tmp_path / "out")]
        + [option.replace("other-voiceprint.txt", str(tmp_path / "other-voiceprint.txt")) for option in options]
    )

    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and (err.startswith("error: ") or "usage:" in err)
    assert requests_of(env) == {}


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda folder: folder.joinpath("bad.sqlite").write_bytes(b"not a database" * 100), "not a batch manifest"),
        (lambda folder: folder.joinpath("bad.sqlite").mkdir(), "not a batch manifest"),
    ],
    ids=["not-sqlite", "a-folder"],
)
def test_a_manifest_that_cannot_be_opened_exits_two_with_one_line(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, needle: str
) -> None:
    """A file that is not SQLite, or a folder, given as --manifest: one line naming it, exit 2, nothing sent."""
    make_audio(tmp_path / "audio", 1)
    make(tmp_path)
    manifest = tmp_path / "bad.sqlite"
    out = str(tmp_path / "out")
    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", out, "--manifest", str(manifest)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and needle in err and str(manifest) in err and "Traceback" not in err
    assert set(requests_of(env)) <= {"testKey"}


@pytest.mark.parametrize("problem", ["out-is-a-file", "voiceprint-not-utf8", "voiceprint-folder"])
def test_setup_problems_exit_two_with_one_line_naming_the_option(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    """An --out that is a file, a voiceprint file that is neither audio nor UTF-8 text, or a folder as a
    voiceprint: exit 2 (bad arguments, nothing sent), not 1 (some inputs failed) or a traceback."""
    make_audio(tmp_path / "audio", 1)
    (tmp_path / "taken").write_text("a file")
    (tmp_path / "vp.bin").write_bytes(bytes(range(256)))
    out, voiceprints = str(tmp_path / "out"), voiceprint_args()
    if problem == "out-is-a-file":
        out, needle = str(tmp_path / "taken"), "--out"
    elif problem == "voiceprint-not-utf8":
        voiceprints, needle = ["--voiceprint", f"Alice={tmp_path / 'vp.bin'}"], "--voiceprint Alice="
    else:
        voiceprints, needle = ["--voiceprint", f"Alice={tmp_path}"], "is a folder"
    code = main([str(tmp_path / "audio"), *voiceprints, "--out", out])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and needle in err and "Traceback" not in err
    assert requests_of(env) == {}


@pytest.mark.parametrize("where", ["manifest-under-a-file", "out-under-a-file", "out-under-a-file-manifest-elsewhere"])
def test_a_folder_that_cannot_be_created_exits_two_naming_the_option_the_path_and_the_os_error(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """A --manifest or an --out under a regular file is a setup problem met before anything is sent: a
    usage error (exit 2) in one line naming the option, the path and the OS error, wherever the manifest
    is. It was 7 when the folder of the manifest was made first (a --manifest there, or an --out holding
    the default manifest), and 2 without naming the option when --out was checked first."""
    make_audio(tmp_path / "audio", 1)
    (tmp_path / "taken").write_text("a file")
    out, options, option = str(tmp_path / "out"), ["--manifest", str(tmp_path / "taken" / "batch.sqlite")], "--manifest"
    if where == "out-under-a-file":
        out, options, option = str(tmp_path / "taken" / "out"), [], "--out"
    elif where == "out-under-a-file-manifest-elsewhere":
        out, options, option = str(tmp_path / "taken" / "out"), ["--manifest", str(tmp_path / "m.sqlite")], "--out"
    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", out, *options, "-q"])

    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"error: {option}=") and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert str(tmp_path / "taken") in err and ("Not a directory" in err or "File exists" in err), err
    assert requests_of(env) == {} and not (tmp_path / "m.sqlite").exists()


def test_an_os_error_that_ends_the_run_after_jobs_were_sent_exits_seven_naming_the_path_and_the_os_error(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An OS error met mid-run (here summary.csv, written at the end, is a folder) is the local machine's,
    not an input's: exit 7 (never 1, which says an input failed), in one line naming the path and the OS
    error; the results written before it are kept for the next run."""
    make_audio(tmp_path / "audio", 1)
    (tmp_path / "out" / "summary.csv").mkdir(parents=True)
    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q"])

    err = capsys.readouterr().err
    assert code == 7, err
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert str(tmp_path / "out" / "summary.csv") in err and "Is a directory" in err, err
    assert _guide_exit_codes().get("7", "").startswith("a local file or folder"), "docs/batch.md: no row for exit 7"
    assert env.stats.submissions == 1


def test_the_voiceprint_option_is_required() -> None:
    """Without --voiceprint argparse stops with its usage message (exit 2)."""
    with pytest.raises(SystemExit) as stopped:
        main(["a.wav", "--out", "out"])
    assert stopped.value.code == 2


def test_a_parent_parser_can_own_the_connection_options(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """add_arguments(standalone=False) leaves --base-url, --api-key, … to the top-level parser; run() uses them."""
    parent = argparse.ArgumentParser(prog="pyannoteai-identify")
    for option in ("--base-url", "--api-key"):
        parent.add_argument(option)
    parent.add_argument("--timeout", type=float)
    parent.add_argument("--max-retries", type=int, default=3)
    parent.add_argument("--poll-interval", type=float)
    parent.add_argument("-q", "--quiet", action="store_true")
    parent.add_argument("--debug", action="store_true")
    add_arguments(parent.add_subparsers(dest="command").add_parser("batch"), standalone=False)
    make_audio(tmp_path / "audio", 1)

    connection = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key, "--poll-interval", "0.05"]
    batch = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out")]
    args = parent.parse_args([*connection, "batch", *batch])

    assert run(args) == 0
    assert sandbox.stats.submissions == 1


def test_without_rich_the_summary_is_printed_as_csv(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the cli extra the batch still runs and prints the summary as CSV (no progress display)."""
    monkeypatch.setitem(sys.modules, "rich", None)
    make_audio(tmp_path / "audio", 1)
    code = main(
        [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "--poll-interval", "0.05"]
    )

    printed = capsys.readouterr().out
    assert code == 0
    assert printed.startswith("input,name,status,job_id,speakers,talk_time_Alice,talk_time_Bob,reason\n")
    assert ",rec000,succeeded," in printed


def test_a_refused_account_mid_run_exits_three_and_says_why(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 402 on a submission stops submitting: exit 3 (the API refused the account), the reason on stderr."""
    make_audio(tmp_path / "audio", 2)
    env.faults.next(1, "402", operation="identify")
    args = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "--concurrency", "1", "-q"]
    code = main(args)

    assert code == 3
    assert "stopped submitting: submitting was refused" in capsys.readouterr().err
    assert env.stats.submissions == 0


def test_a_manifest_that_cannot_be_written_mid_run_exits_two_and_logs_the_job_it_could_not_record(
    env: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A full disk under the manifest used to end the run with a sqlite3 traceback (exit 1), and the
    id of the job just created was lost: one error line, exit 2, and the job id in the log."""
    from pyannoteai_identify.batch._manifest import Manifest

    def disk_full(self: Manifest, input_id: int, job_id: str, job_status: str) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Manifest, "record_job", disk_full)
    make_audio(tmp_path / "audio", 1)
    with caplog.at_level("ERROR", logger="pyannoteai_identify.batch"):
        code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "the manifest could not be written (database or disk is full)" in err and "Traceback" not in err
    with Client(env.api_key, base_url=env.base_url) as client:
        (job,) = [job.id for job in client.jobs()]
    assert any(job in record.getMessage() for record in caplog.records)


def test_a_ctrl_c_among_teardown_errors_is_what_the_run_raises() -> None:
    """Ctrl-C makes other tasks fail while they are torn down (a closed stream): the interruption,
    not the first of those, must reach the caller (exit 130), as it sometimes did not."""
    import anyio

    from pyannoteai_identify.batch._api import _first_error

    group = BaseExceptionGroup("run", [anyio.BrokenResourceError(), BaseExceptionGroup("inner", [KeyboardInterrupt()])])
    assert isinstance(_first_error(group), KeyboardInterrupt)
    assert isinstance(_first_error(BaseExceptionGroup("run", [ValueError("x"), KeyError("y")])), ValueError)


@pytest.mark.parametrize("path", ["/", "/hooks/pyannote", "/hooks/caf%C3%A9?token=t"])
def test_listen_receives_on_the_path_of_the_webhook_url(
    env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """--listen served only "/": a --webhook URL with another path (behind a reverse proxy) got 404
    for every delivery, and the run fell back to polling without a word. The receiver serves the
    webhook URL's path (decoded, as the server routes it; a query is not part of it): every result
    comes from its delivery, no job is fetched."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", env.webhook_secret)
    make_audio(tmp_path / "audio", 2)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook = f"http://127.0.0.1:{port}{path}"
    argv = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "--poll-interval", "30"]
    code = main([*argv, "--webhook", webhook, "--listen", f"127.0.0.1:{port}"])

    assert code == 0
    assert "getJobById" not in requests_of(env)
    assert {d.outcome for d in env.stats.deliveries} == {"delivered"} and len(env.stats.deliveries) == 2


def test_an_enrollment_that_times_out_does_not_name_an_option_batch_lacks(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """batch waits for an enrollment up to the SDK's default (24 h). Its error line went through the
    identify command's error_message, which says "at the --wait-timeout deadline" and "resume with:
    pyannoteai-identify job ID --wait": batch has no --wait-timeout, and it resumes the recorded
    voiceprint job when run again, which is what its line says now."""
    monkeypatch.setattr("pyannoteai_identify._client_checks.DEFAULT_WAIT_TIMEOUT", 1e-6)
    env.faults.next(50, "5xx", operation="getJobById")
    code = _exit_code([*_bob_batch(tmp_path), "-q"])

    err = capsys.readouterr().err
    assert code != 0
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert "--wait-timeout" not in line, line


#: Every code the batch command returns.
BATCH_CODES = {"0", "1", "2", "3", "4", "5", "7", "130", "141", "143"}


def _guide_exit_codes() -> dict[str, str]:
    """docs/batch.md's table of exit codes: ``| CODE | MEANING |`` rows, code → meaning (spaces joined)."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "batch.md").read_text(encoding="utf-8")
    return {code: " ".join(text.split()) for code, text in re.findall(r"^\| (\d+) \| (.+?) \|$", guide, re.M)}


def _help(argv: list[str], capsys: pytest.CaptureFixture[str], entry: Any) -> str:
    """What ``--help`` prints (spaces joined), from *entry* (``main`` of batch, or of the command line)."""
    capsys.readouterr()
    with contextlib.suppress(SystemExit):
        entry(argv)
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv", [["--help"], ["batch", "--help"]], ids=["batch.main", "pyannoteai-identify"])
def test_the_batch_help_says_what_the_guides_exit_code_table_says(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`pyannoteai-identify batch --help` had no exit codes at all, and `batch.main`'s help named 0-4
    and 130-143 but not 5 (inputs left unfinished: run again), which docs/batch.md lists. Both now
    show every row of the guide's table, in its words."""
    from pyannoteai_identify import cli

    table = _guide_exit_codes()
    assert set(table) == BATCH_CODES, f"docs/batch.md's exit code table lists {sorted(table)}"
    shown = _help(argv, capsys, main if argv == ["--help"] else cli.main)
    for code, meaning in table.items():
        assert f"{code} {meaning}" in shown, f"batch --help does not say exit {code}: {meaning}"


def test_a_key_check_answered_with_a_server_error_exits_three_as_the_help_says(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run whose key check met a 503 on every try exits 3, which `batch --help` and docs/batch.md
    said meant only "the API refused the key or the account" (a script would ask for another key);
    the top-level table says 3 covers a server error too. The batch's row says so as well."""
    make_audio(tmp_path / "audio", 1)
    env.faults.next(100, "5xx", operation="testKey", status=503)
    argv = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q", "--max-retries", "0"]

    code = main(argv)

    errors = capsys.readouterr().err
    assert code == 3 and "503" in errors, errors
    assert env.stats.submissions == 0
    meaning = _guide_exit_codes().get("3", "docs/batch.md has no row for exit 3")
    assert "server error" in meaning, f"docs/batch.md: exit 3 {meaning}"
    assert f"3 {meaning}" in _help(["--help"], capsys, main)


def test_the_top_level_help_says_what_exit_five_means_for_batch(capsys: pytest.CaptureFixture[str]) -> None:
    """`pyannoteai-identify --help` said exit 5 meant, for batch, inputs still running at --deadline
    only; it also covers an interrupted submission the job list could not settle yet and an upload
    that met only temporary errors, as the guide's table says."""
    from pyannoteai_identify import cli

    unfinished = _guide_exit_codes().get("5", "docs/batch.md has no row for exit 5")
    assert f"for batch, {unfinished}" in _help(["--help"], capsys, cli.main)


def test_model_is_part_of_the_batch_settings_and_another_one_on_resume_exits_two(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``batch --model NAME`` is identify_batch's ``model``: the manifest is bound to it, so running the
    same command again resumes (nothing submitted twice), and another --model, or none, is refused as
    another --threshold is (exit 2, the manifest's settings named, nothing sent)."""
    make_audio(tmp_path / "audio", 2)
    argv = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q"]
    argv += ["--poll-interval", "0.05"]
    assert main([*argv, "--model", "precision-1"]) == 0
    assert main([*argv, "--model", "precision-1"]) == 0
    assert env.stats.submissions == 2
    capsys.readouterr()

    for other in (["--model", "precision-2"], [], ["--threshold", "10", "--model", "precision-1"]):
        env.stats.reset()
        assert main([*argv, *other]) == 2
        err = capsys.readouterr().err
        assert "was started with other voiceprints or options" in err and "model='precision-1'" in err, err
        assert requests_of(env) == {}


def test_the_batch_cli_sends_the_clis_product_token_in_its_user_agent(
    pyannoteai_mock: MockAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pyannoteai-identify batch` names itself in the User-Agent as the other commands do
    (``pyannoteai-identify-cli/<version>`` after the SDK's own), on every request it makes."""
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", pyannoteai_mock.base_url)
    make_audio(tmp_path / "audio", 1)

    code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q"])

    assert code == 0, capsys.readouterr().err
    agents = {request.headers["User-Agent"] for request in pyannoteai_mock.requests if request.operation_id != "upload"}
    assert agents and all(agent.endswith(f" pyannoteai-identify-cli/{__version__}") for agent in agents), agents


def test_a_file_named_directly_that_vanishes_while_a_voiceprint_is_enrolled_fails_on_its_own(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command finds its inputs twice: before enrolling (so a typo bills nothing) and again in
    identify_batch, after the enrollment, which may take minutes. A file named directly that is gone
    by then stopped the whole run with exit 2, "bad arguments (nothing sent)", after the enrollment
    was billed, where the same file named through its folder is simply left out and one gone at its
    upload fails on its own: the others must go on, and the vanished one be reported failed (exit 1)."""
    from pyannoteai_identify.batch import _cli

    first, second = make_audio(tmp_path / "audio", 2)
    (tmp_path / "alice.wav").write_bytes(voice_sample("Alice", 3.0))
    enroll = _cli._voiceprints

    def enrolled_then_gone(*args: Any) -> dict[str, str]:
        voiceprints = enroll(*args)
        second.unlink()  # deleted (or moved away) while the voiceprint job ran
        return voiceprints

    monkeypatch.setattr(_cli, "_voiceprints", enrolled_then_gone)

    code = main(
        [
            str(first),
            str(second),
            "--voiceprint",
            f"Alice={tmp_path / 'alice.wav'}",
            "--out",
            str(tmp_path / "out"),
            "-q",
        ]
    )

    errors = capsys.readouterr().err
    assert env.stats.submissions == 2  # the voiceprint job and the one input left
    assert code == 1, errors
    assert "rec001.wav: failed" in errors


def test_an_interrupted_submission_the_job_list_cannot_settle_exits_five_run_again(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupted submission is settled against the job list; while the list cannot be read the
    input stays `submitting`, noted "run again", and nothing is resent: nothing failed and nothing
    needs a person, the rerun settles it (docs/batch.md: an outage of the job list only delays). The
    command exited 1 ("failed"), as for a failed job, where the docs' table gives 5 to inputs only
    unfinished: run the same command again to resume."""
    make_audio(tmp_path / "audio", 1)
    out = tmp_path / "out"
    argv = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(out), "-q", "--max-retries", "0"]
    assert main(argv) == 0
    interrupt_every_submission_long_ago(out / "batch-manifest.sqlite")
    env.faults.next(1000, "5xx", operation="getJobsByTeamV2")
    capsys.readouterr()

    code = main(argv)

    errors = capsys.readouterr().err
    assert "submitting — the job list could not be read" in errors and "run again" in errors
    assert env.stats.submissions == 1
    assert code == 5, errors


def test_the_reason_the_summary_prints_for_a_submission_in_doubt_says_what_the_batch_does(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A submission answered 503 leaves its input submitting with the client's error, which tells a
    Python caller to look for the job with client.jobs(); the command printed that reason as it was,
    then in the ``jobs`` command's words, beside the batch's own "sent again only once the job list
    shows that no job was created": two ways to act. The reason says only what the batch does."""
    make_audio(tmp_path / "audio", 2)
    env.faults.next(1, "5xx", operation="identify")
    env.faults.next(1, "402", operation="identify")  # stops the run before the job list settles the first

    argv = [str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q", "--concurrency", "1"]

    code = main(argv)

    shown = capsys.readouterr()
    assert code == 3, shown.err
    assert "rec000.wav: submitting — the API failed: HTTP 503" in shown.err, shown.err
    assert "client.jobs()" not in shown.out + shown.err
    assert "look for it" not in shown.err.lower(), shown.err
    assert "it stays submitting until the batch reads the job list" in shown.err, shown.err


def test_a_key_refused_mid_run_is_printed_with_the_command_lines_words_not_api_key(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 401 on a submission halts the run; the printed reasons ("stopped submitting: ...", the
    input's line) say the key's sources as a command-line user gives them (``PYANNOTEAI_API_KEY or
    --api-key``), as the log line does, never the Python caller's ``argument api_key``."""
    import httpx

    from pyannoteai_identify.batch import _cli

    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", sandbox.base_url)
    inner = httpx.HTTPTransport()

    def refuse_submissions(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/v1/identify":
            return httpx.Response(401, json={"message": "Invalid API key", "requestId": "r-401"})
        return inner.handle_request(request)

    with contextlib.ExitStack() as stack:
        stack.callback(inner.close)

        def client(**options: Any) -> Client:
            http = stack.enter_context(httpx.Client(transport=httpx.MockTransport(refuse_submissions), timeout=5.0))
            return Client(**options, http_client=http)

        monkeypatch.setattr(_cli, "Client", client)
        make_audio(tmp_path / "audio", 1)
        code = main([str(tmp_path / "audio"), *voiceprint_args(), "--out", str(tmp_path / "out"), "-q"])

    errors = capsys.readouterr().err
    assert code == 3, errors
    assert "stopped submitting" in errors and "met at the submission of" in errors, errors
    assert "argument api_key" not in errors and "api_key=" not in errors, errors
    assert errors.count("PYANNOTEAI_API_KEY or --api-key") >= 2, errors
