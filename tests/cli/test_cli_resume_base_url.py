"""The commands the CLI prints to go on (resume a wait, a listing, keep a voiceprint) keep the
``--base-url`` given on the command line, so that they talk to the same server; never the API key.

Each test points ``PYANNOTEAI_BASE_URL`` at a port nothing listens on: a printed command without the
``--base-url`` it was run with would talk to that other server."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import httpx
import pytest
from clikit import API_KEY, FAST_POLL, Audio, Run, closed_port, identify_argv, parse_rttm, run_cli

from pyannoteai_identify import Client
from pyannoteai_identify.cli import INTERRUPTED, OK, TIMEOUT
from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.testing import MockAPI


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment's base URL: another server than the one given with --base-url."""
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", url)
    return url


def _command_after(line: str, marker: str = "resume with: ") -> list[str]:
    """The words of the command that *line* gives after *marker*, without the program's name."""
    words = shlex.split(line.split(marker, 1)[1].strip().strip("`"))
    assert words[0] == "pyannoteai-identify", line
    return words[1:]


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_wait_timeout_resume_command_keeps_the_base_url_given_as_an_option_and_works(
    sandbox: Sandbox, audio: Audio, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--base-url URL identify … --wait-timeout` said `resume with: pyannoteai-identify job ID --wait …`,
    which waits on the environment's (or the default) server: there the job is unknown."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    argv = identify_argv(audio.meeting, {"Alice": audio.alice}, "--wait-timeout", "0.3")
    run = run_cli(capsys, *FAST_POLL, "--base-url", sandbox.base_url, *argv)
    (error,) = [line for line in run.err_lines if line.startswith("error: ")]
    resume = _command_after(error)
    assert run.code == TIMEOUT
    assert resume[-2:] == ["--base-url", sandbox.base_url], error  # before following it: no wait elsewhere

    sandbox.advance(3600)
    resumed = run_cli(capsys, *FAST_POLL, *resume, "--wait-timeout", "30")

    assert resumed.code == OK, resumed.err


def test_ctrl_c_while_waiting_with_an_api_key_option_resumes_with_the_base_url_and_never_the_key(
    sandbox: Sandbox, audio: Audio, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during `job ID --wait` given --base-url and --api-key: the command said keeps the URL,
    and leaves the key out (it is in neither stream: run_cli checks)."""
    monkeypatch.delenv("PYANNOTEAI_API_KEY", raising=False)
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        job_id = client.identify(audio.meeting, {"Alice": audio.alice}).id

    def interrupted(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(Client, "wait", interrupted)
        run = run_cli(capsys, "job", job_id, "--wait", "--base-url", sandbox.base_url, "--api-key", API_KEY)

    assert run.code == INTERRUPTED
    line = run.err_lines[-1]
    resume = f"pyannoteai-identify job {job_id} --wait --format json --base-url {sandbox.base_url}"
    assert line == f"interrupted; job {job_id} keeps running: resume with: {resume}"
    assert "--api-key" not in line


def _mock_ids(run: Run) -> list[str]:
    return [row["id"] for row in json.loads(run.out)]


def test_a_jobs_listing_resume_command_keeps_the_base_url_and_lists_the_rest(
    pyannoteai_mock: MockAPI, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jobs --base-url URL --limit 2` said `resume with: pyannoteai-identify jobs --cursor C --limit 2 …`,
    which lists the environment's server from a cursor it never issued."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", pyannoteai_mock.api_key)
    ids = [pyannoteai_mock.add_job("diarization", "succeeded") for _ in range(3)][::-1]

    first = run_cli(capsys, "jobs", "--format", "json", "--limit", "2", "--base-url", pyannoteai_mock.base_url)
    (hint,) = [line for line in first.err_lines if "resume with: " in line]
    resume = _command_after(hint)
    assert first.code == OK
    assert resume[-2:] == ["--base-url", pyannoteai_mock.base_url], hint

    second = run_cli(capsys, *resume)

    assert second.code == OK, second.err
    assert _mock_ids(first) + _mock_ids(second) == ids


def test_an_enrollment_cut_short_says_to_keep_its_voiceprint_from_the_same_server(
    sandbox: Sandbox, audio: Audio, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while enrolling: the `job ID --wait --format json --output=…` that keeps the voiceprint
    (billed) asks the server the job was submitted to."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)

    def interrupted(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(Client, "wait", interrupted)
    run = run_cli(capsys, "--base-url", sandbox.base_url, *identify_argv(audio.meeting, {"Alice": audio.alice_wav}))

    assert run.code == INTERRUPTED, run
    line = run.err_lines[-1]
    saved = line.split("save its voiceprint with: ", 1)[1].split(", then pass ", 1)[0]
    assert shlex.split(saved)[-2:] == ["--base-url", sandbox.base_url], line


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
def test_a_job_with_no_result_yet_says_to_wait_on_the_same_server(
    sandbox: Sandbox, audio: Audio, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`job ID --format rttm --base-url URL` of a running job: the `job ID --wait` it says to wait with
    asks the same server."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    with Client(base_url=sandbox.base_url) as client:
        job_id = client.identify(audio.meeting, {"Alice": audio.alice}).id

    run = run_cli(capsys, "job", job_id, "--format", "rttm", "--base-url", sandbox.base_url)

    assert run.code == TIMEOUT
    (line,) = run.err_lines
    assert _command_after(line, "wait with: ")[-2:] == ["--base-url", sandbox.base_url], line


@pytest.mark.sandbox(queue_seconds=0.0, job_seconds=3600.0, speed=1.0)
@pytest.mark.parametrize("fmt", ["rttm", "table"])
def test_a_job_with_no_result_yet_says_to_wait_for_the_result_as_it_was_asked_for(
    sandbox: Sandbox,
    audio: Audio,
    elsewhere: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fmt: str,
) -> None:
    """`job ID --format rttm --file-id call -o FILE --base-url URL` of a running job said `wait with:
    pyannoteai-identify job ID --wait --base-url URL`: followed, it printed JSON on stdout instead of
    writing the RTTM (or table) to FILE. The command said keeps every option that shaped the output."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    with Client(base_url=sandbox.base_url) as client:
        job_id = client.identify(audio.meeting, {"Alice": audio.alice}).id
    target = tmp_path / f"result.{fmt}"
    asked = ["--format", fmt, "--file-id", "call", "-o", str(target), "--base-url", sandbox.base_url]

    run = run_cli(capsys, "job", job_id, *asked)
    assert run.code == TIMEOUT
    (line,) = run.err_lines
    wait = _command_after(line, "wait with: ")
    assert wait[:3] == ["job", job_id, "--wait"], line
    assert wait[-2:] == ["--base-url", sandbox.base_url], line

    sandbox.advance(3600)
    waited = run_cli(capsys, *FAST_POLL, *wait, "--wait-timeout", "30")

    assert waited.code == OK, waited.err
    assert waited.out == ""  # the result went to FILE, as asked, not to stdout
    if fmt == "rttm":
        assert {row[0] for row in parse_rttm(target.read_text())} == {"call"}
    else:
        assert "Alice" in target.read_text()


def _jobs_command(line: str) -> list[str]:
    """The words of the `pyannoteai-identify jobs …` that *line* says to look for a job with, without the
    program's name."""
    words = shlex.split(line.split("ook for it with `", 1)[1].split("`", 1)[0])
    assert words[:2] == ["pyannoteai-identify", "jobs"], line
    return words[1:]


def test_a_job_that_may_exist_after_a_server_error_is_looked_for_on_the_same_server(
    sandbox: Sandbox, audio: Audio, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--base-url URL identify …` whose job-creating POST got a 5xx said "look for it with
    `pyannoteai-identify jobs`", which lists the jobs of the environment's (or the default) server:
    not the one where the job may have been created, and billed."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    sandbox.faults.next(1, "5xx", operation="identify", after=True)
    run = run_cli(capsys, "--base-url", sandbox.base_url, *identify_argv(audio.meeting, {"Alice": audio.alice}))

    (error,) = [line for line in run.err_lines if line.startswith("error: ")]
    listing = _jobs_command(error)
    assert listing[-2:] == ["--base-url", sandbox.base_url], error

    listed = run_cli(capsys, *listing, "--format", "json")

    assert listed.code == OK, listed.err
    assert len(json.loads(listed.out)) == 1  # the job the 5xx hid, created anyway


def test_a_warning_that_a_job_may_exist_says_to_look_for_it_on_the_same_server(
    sandbox: Sandbox, audio: Audio, elsewhere: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the identify job was being sent: the warning logged that it may exist named
    `pyannoteai-identify jobs` without the --base-url the command was given."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    send = httpx.HTTPTransport.handle_request

    def interrupted_on_identify(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/v1/identify":
            raise KeyboardInterrupt
        return send(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", interrupted_on_identify)
    run = run_cli(capsys, "--base-url", sandbox.base_url, *identify_argv(audio.meeting, {"Alice": audio.alice}))

    assert run.code == INTERRUPTED, run
    (warning,) = [line for line in run.err_lines if line.startswith("warning: ") and "Look for it with" in line]
    assert _jobs_command(warning)[-2:] == ["--base-url", sandbox.base_url], warning
