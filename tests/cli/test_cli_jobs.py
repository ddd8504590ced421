"""``voiceprint AUDIO``, ``job ID`` and ``jobs`` end to end against the sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from clikit import API_KEY, FAST_POLL, Audio, identify_argv, run_cli

from pyannoteai_identify import Client
from pyannoteai_identify.cli import FAILED, TIMEOUT, USAGE
from pyannoteai_identify.results import parse_job
from pyannoteai_identify.sandbox import Sandbox


def _submit(audio: Audio) -> str:
    """Submit an identify job directly with the client; return its id."""
    with Client() as client:
        return client.identify(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}).id


def test_voiceprint_prints_the_voiceprint_of_the_enrollment_clip(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`voiceprint AUDIO` prints exactly the voiceprint string, which identifies the speaker afterwards."""
    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.alice_wav))
    voiceprint = run.out.strip()

    identified = run_cli(
        capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": voiceprint, "Bob": audio.bob}, "--format", "json")
    )

    assert run.code == 0 and run.out == f"{voiceprint}\n" and voiceprint
    assert re.fullmatch(r"voiceprint job \S+ submitted", run.err_lines[0])
    assert env.stats.requests["voiceprint"] == 1
    assert [t["match"] for t in json.loads(identified.out)["identification"]] == ["Alice", "Bob", "Alice", "Bob"]


def test_voiceprint_with_output_writes_the_file_and_says_so_on_stderr(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """-o FILE receives the voiceprint; stdout stays empty and stderr names the file."""
    target = tmp_path / "bob.voiceprint"
    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.bob_wav), "-o", str(target))

    assert run.code == 0 and run.out == ""
    assert target.read_text(encoding="utf-8").strip() and len(target.read_text(encoding="utf-8").splitlines()) == 1
    assert str(target) in run.err


def test_voiceprint_says_its_job_id_on_stderr_so_a_billed_voiceprint_is_never_lost(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """As identify does, `voiceprint AUDIO -o FILE` names its job on stderr before writing: should the file
    fail, `job ID --wait` still gives the voiceprint."""
    target = tmp_path / "bob.voiceprint"
    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.bob_wav), "-o", str(target))
    job_id = run.err_lines[0].removeprefix("voiceprint job ").removesuffix(" submitted")

    again = run_cli(capsys, "job", job_id, "--wait", "--format", "json")

    assert run.code == 0 and run.err_lines[0] == f"voiceprint job {job_id} submitted"
    assert env.stats.requests["voiceprint"] == 1
    assert again.code == 0 and json.loads(again.out)["voiceprint"] == target.read_text(encoding="utf-8").strip()


def test_job_of_a_succeeded_job_prints_its_status_and_output_as_json(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`job ID` shows the id, status succeeded and the output; exit 0."""
    job_id = _submit(audio)
    env.advance(1)

    run = run_cli(capsys, "job", job_id)

    document = json.loads(run.out)
    assert run.code == 0
    assert document["jobId"] == job_id and document["status"] == "succeeded"
    assert [t["match"] for t in document["output"]["identification"]] == ["Alice", "Bob", "Alice", "Bob"]


def test_job_with_output_writes_the_job_to_the_file_and_nothing_to_stdout(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`job ID -o FILE` writes the same JSON document to the file instead of printing it."""
    job_id = _submit(audio)
    env.advance(1)

    printed = run_cli(capsys, "job", job_id)
    written = run_cli(capsys, "job", job_id, "-o", str(tmp_path / "job.json"))

    assert written.code == 0 and written.out == ""
    assert json.loads((tmp_path / "job.json").read_text(encoding="utf-8")) == json.loads(printed.out)


def test_job_of_a_succeeded_job_can_be_shown_as_a_table(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`job ID --format table` draws who spoke when."""
    job_id = _submit(audio)
    env.advance(1)

    run = run_cli(capsys, "job", job_id, "--format", "table")

    assert run.code == 0 and "Who spoke when" in run.out and "0:08.000" in run.out


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_job_of_a_running_job_as_json_shows_running_without_output_and_exits_zero(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A job still running is shown as JSON with its status and no output; that is not an error."""
    job_id = _submit(audio)

    run = run_cli(capsys, "job", job_id)

    assert run.code == 0
    assert json.loads(run.out) == {"jobId": job_id, "status": "running"}


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
@pytest.mark.parametrize("fmt", ["table", "rttm"])
def test_job_of_a_running_job_as_table_or_rttm_says_no_result_yet_writes_nothing_and_exits_five(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    """A table or RTTM of a job with no result yet is not a JSON envelope in the result file: stderr says
    the job is running and how to wait, no file is written, and the exit code is 5 (not finished)."""
    job_id = _submit(audio)
    target = tmp_path / f"result.{fmt}"

    printed = run_cli(capsys, "job", job_id, "--format", fmt)
    to_file = run_cli(capsys, "job", job_id, "--format", fmt, "-o", str(target))

    # The wait said gives the result as this command asked for it: in --format, to -o FILE.
    wait = f"pyannoteai-identify job {job_id} --wait --format {fmt}"
    expected = f"job {job_id} is running: no result yet; wait with: {wait}"
    assert printed.code == to_file.code == TIMEOUT
    assert printed.out == to_file.out == ""
    assert printed.err_lines == [expected]
    assert to_file.err_lines == [f"{expected} --output={target}"]
    assert not target.exists()


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_poll_interval_longer_than_the_default_longest_gap_is_obeyed(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--poll-interval 400 (beyond the 5-minute longest gap) was refused with an SDK error naming
    PollSchedule(maximum=300.0): it is the caller's wish to poll that rarely, so the wait polls
    at once, then not before its --wait-timeout deadline (a 400 s gap cut short by it)."""
    job_id = _submit(audio)
    polls = env.stats.requests["getJobById"]

    run = run_cli(capsys, "--poll-interval", "400", "job", job_id, "--wait", "--wait-timeout", "0.5")

    assert run.code == TIMEOUT, run.err
    assert f"job {job_id} is still running at the --wait-timeout deadline" in run.err
    assert env.stats.requests["getJobById"] - polls == 2  # at the start, and at the deadline


def test_job_of_a_failed_job_exits_one_and_job_wait_says_why(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed job: `job ID` shows status failed with exit 1; `job ID --wait` exits 1 with the API's reason."""
    env.faults.fail_next_job("Could not decode the audio", kind="identify")
    job_id = _submit(audio)
    env.advance(1)

    shown = run_cli(capsys, "job", job_id)
    waited = run_cli(capsys, "job", job_id, "--wait")

    assert shown.code == 1 and json.loads(shown.out)["status"] == "failed"
    assert waited.code == 1 and waited.out == ""
    assert len(waited.err_lines) == 1 and "Could not decode the audio" in waited.err


@pytest.mark.parametrize("fmt", ["table", "rttm", "json"])
def test_job_of_a_failed_job_in_any_format_exits_one_with_the_api_reason_on_stderr(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """No empty table or RTTM for a failed job: one `error: job X failed: REASON` line, exit 1; JSON shows
    the job's output as the API sent it (its error), without a `diarization` the API did not send."""
    env.faults.fail_next_job("Could not decode the audio", kind="identify")
    job_id = _submit(audio)
    env.advance(1)

    run = run_cli(capsys, "job", job_id, "--format", fmt)

    assert run.code == FAILED
    assert run.err_lines == [f"error: job {job_id} failed: Could not decode the audio"]
    if fmt == "json":
        document = json.loads(run.out)
        assert document == {"jobId": job_id, "status": "failed", "output": {"error": "Could not decode the audio"}}
    else:
        assert run.out == ""


@pytest.mark.parametrize("fmt", ["table", "rttm"])
def test_job_of_a_canceled_job_exits_one_saying_it_was_canceled_and_why(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """A canceled job (the sandbox cannot cancel one: the API's answer is given as parsed) exits 1 with its reason."""
    canceled = parse_job({"jobId": "job-canceled", "status": "canceled", "output": {"error": "Canceled by the user"}})
    monkeypatch.setattr(Client, "get_job", lambda self, job_id, **_: canceled)

    run = run_cli(capsys, "job", "job-canceled", "--format", fmt)

    assert run.code == FAILED and run.out == ""
    assert run.err_lines == ["error: job job-canceled was canceled: Canceled by the user"]


def test_jobs_lists_every_job_with_full_ids_as_a_table(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobs` draws one row per job with the whole id (never cut), its status and creation time."""
    ids = [_submit(audio) for _ in range(3)]
    env.advance(1)

    run = run_cli(capsys, "jobs")

    assert run.code == 0
    assert "3 jobs" in run.out
    for job_id in ids:
        assert job_id in run.out
    assert run.out.count("succeeded") == 3


def test_jobs_as_json_are_newest_first_and_filtered_by_status(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format json lists id, status and createdAt; --status keeps only jobs with that status."""
    env.faults.fail_next_job("broken", kind="identify")
    failed = _submit(audio)
    succeeded = [_submit(audio) for _ in range(2)]
    env.advance(1)

    everything = run_cli(capsys, "jobs", "--format", "json")
    only_failed = run_cli(capsys, "jobs", "--format", "json", "--status", "failed")
    limited = run_cli(capsys, "jobs", "--format", "json", "--limit", "1")

    rows = json.loads(everything.out)
    assert everything.code == only_failed.code == limited.code == 0
    assert [row["id"] for row in rows] == [*reversed(succeeded), failed]
    assert all(row["createdAt"] for row in rows)
    assert [(row["id"], row["status"]) for row in json.loads(only_failed.out)] == [(failed, "failed")]
    assert [row["id"] for row in json.loads(limited.out)] == [succeeded[-1]]


def test_jobs_with_a_negative_limit_names_the_option_not_the_python_parameter(
    env: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobs --limit -1` is refused (exit 2, nothing sent) in terms of --limit, which the user typed,
    and of what can be typed (not the SDK's "None for all"); `--limit 0`, an empty table, too."""
    for limit in ("-1", "0"):
        run = run_cli(capsys, "jobs", "--limit", limit)

        assert run.code == USAGE and run.out == ""
        assert run.err_lines == [f"error: --limit={limit}: must be a whole number ≥ 1"]
    assert sum(env.stats.requests.values()) == 0


@pytest.mark.parametrize("wait", [False, True], ids=["job", "job-wait"])
def test_an_unknown_job_id_exits_one_as_gone_with_or_without_wait(
    env: Sandbox, capsys: pytest.CaptureFixture[str], wait: bool
) -> None:
    """`job ID` said exit 3 (an API refusal) and `job ID --wait` exit 1 for the same unknown id: both
    now say the job is gone (unknown, or deleted after 24 hours) and exit 1."""
    unknown = "0f7c2a55-0000-4000-8000-000000000000"
    run = run_cli(capsys, "job", unknown, *(["--wait"] if wait else []))

    assert run.code == FAILED
    assert run.err_lines == [f"error: job {unknown} is gone (unknown id, or deleted 24 hours after completion)"]


@pytest.mark.parametrize("wait", [False, True], ids=["fetched", "waited"])
def test_job_as_rttm_names_the_file_id_given_else_the_job(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], wait: bool
) -> None:
    """Scorers match RTTM lines on their file id: `identify` writes the audio's name, `job ID` the
    job id, and `--file-id` gives the name a resumed job's RTTM must carry (`identify --no-wait`
    then `job ID --wait --file-id meeting` gives what `identify` would have)."""
    job_id = _submit(audio)
    env.advance(1)
    waiting = ["--wait"] if wait else []

    named = run_cli(capsys, *FAST_POLL, "job", job_id, *waiting, "--format", "rttm", "--file-id", "meeting")
    plain = run_cli(capsys, *FAST_POLL, "job", job_id, *waiting, "--format", "rttm")

    assert named.code == plain.code == 0, named.err + plain.err
    assert named.out and {line.split()[1] for line in named.out.splitlines()} == {"meeting"}
    assert {line.split()[1] for line in plain.out.splitlines()} == {job_id}


def test_voiceprint_with_output_dash_prints_the_voiceprint_as_identify_and_job_do(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o -` is standard output for identify and job; voiceprint wrote a file named "-" instead,
    said "voiceprint written to -", and left a `voiceprint x.wav -o - | ...` pipe empty."""
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, *FAST_POLL, "voiceprint", str(audio.alice_wav), "-o", "-")

    assert run.code == 0
    assert not (tmp_path / "-").exists()
    assert run.out.strip() and len(run.out.splitlines()) == 1


@pytest.mark.parametrize("args", [("--format", "table"), ("--wait",)])
def test_a_huge_api_reason_is_cut_on_the_error_line_and_kept_whole_in_json(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    """The one `error:` line of a failed job shows the API's reason cut (as the SDK's exceptions cut
    what the server sent, at 500 characters), not 100 kB on a terminal or in a CI log; --format json
    still has it whole."""
    reason = "Could not decode the audio: " + "x" * 100_000
    env.faults.fail_next_job(reason, kind="identify")
    job_id = _submit(audio)
    env.advance(1)

    run = run_cli(capsys, "job", job_id, *args)
    document = run_cli(capsys, "job", job_id, "--format", "json")

    assert run.code == FAILED
    assert len(run.err_lines) == 1 and run.err.startswith(f"error: job {job_id} failed: Could not decode the audio")
    assert len(run.err) < 1_000, len(run.err)
    assert json.loads(document.out)["output"]["error"] == reason


def test_connection_options_work_after_the_command_too(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pyannoteai-identify jobs --base-url URL` failed with "unrecognized arguments: --base-url":
    the connection options were taken before the command only, where git, gh and aws take them
    anywhere. After the command they work, and win over the same option before it."""
    job_id = _submit(audio)
    env.advance(1)
    monkeypatch.delenv("PYANNOTEAI_BASE_URL")
    monkeypatch.delenv("PYANNOTEAI_API_KEY")

    run = run_cli(
        capsys,
        "--base-url",
        "http://127.0.0.1:9",
        "jobs",
        "--format",
        "json",
        "--base-url",
        env.base_url,
        "--api-key",
        env.api_key,
        "--timeout",
        "10",
        "--max-retries",
        "1",
        "-q",
    )
    assert run.code == 0, run.err
    assert job_id in [job["id"] for job in json.loads(run.out)]

    run = run_cli(
        capsys,
        "job",
        job_id,
        "--wait",
        "--format",
        "json",
        "--poll-interval",
        "0.05",
        "--debug",
        "--base-url",
        env.base_url,
        "--api-key",
        env.api_key,
    )
    assert run.code == 0, run.err
    # Not given after the command, an option keeps its value from before it (or its default).
    run = run_cli(capsys, "--base-url", env.base_url, "--api-key", env.api_key, "jobs", "--format", "json")
    assert run.code == 0, run.err


def test_an_unrecognized_option_does_not_echo_the_secret_after_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jobs --api-kye KEY` (a typo) answered "unrecognized arguments: --api-kye KEY": the key in the
    CI log. A value that could be a secret is told by its length; options, paths and URLs are shown."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "unused")
    run = run_cli(capsys, "jobs", "--api-kye", API_KEY, "extra.wav", "https://example.com/a.wav")
    assert run.code == USAGE
    line = run.err.splitlines()[-1]
    assert "unrecognized arguments: --api-kye <a value of 23 characters, not shown> extra.wav" in line
    assert "https://example.com/a.wav" in line
    run = run_cli(capsys, "jobs", f"--api-kye={API_KEY}")
    assert run.code == USAGE
    assert "unrecognized arguments: --api-kye=<a value of 23 characters, not shown>" in run.err


def test_job_as_json_keeps_every_key_of_a_failed_jobs_output(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`job ID --format json` of a failed job wrote only `error` and `warning` of its output: a newer
    API's `errorCode` was dropped, though the document is the output as the API sent it."""
    sent = {"error": "Could not decode the audio", "errorCode": "AUDIO_DECODE", "warning": "short"}
    failed = parse_job({"jobId": "job-failed", "status": "failed", "output": sent})
    monkeypatch.setattr(Client, "get_job", lambda self, job_id, **_: failed)

    run = run_cli(capsys, "job", "job-failed", "--format", "json")

    assert run.code == FAILED
    assert json.loads(run.out) == {"jobId": "job-failed", "status": "failed", "output": sent}


def test_job_wait_ended_by_a_refusal_says_how_to_resume_as_a_command_not_a_python_call(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal that ends a wait (a 401 at the first poll) carries the SDK's note naming the job and
    ``wait('ID')`` to resume with: the command's one line said that Python call to a command-line
    user, where every other hint of the SDK is said as the command-line user acts on it."""
    job_id = _submit(audio)
    monkeypatch.setenv("PYANNOTEAI_API_KEY", "cli-test-wrong-key-0000")

    run = run_cli(capsys, *FAST_POLL, "job", job_id, "--wait")

    assert run.code == 3, run.err
    assert len(run.err_lines) == 1
    assert "wait(" not in run.err
    assert f"resume with: pyannoteai-identify job {job_id} --wait" in run.err
