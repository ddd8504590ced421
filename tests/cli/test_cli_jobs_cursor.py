"""``jobs --cursor UUID``, and the command that resumes a listing that ended early (its --limit, an
error after the retries, Ctrl-C): every job once, none skipped."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from clikit import Audio, Run, run_cli

from pyannoteai_identify import Client, JobPage
from pyannoteai_identify.cli import API_ERROR, INTERRUPTED, OK, USAGE
from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.testing import MockAPI

_RESUME = "resume with: pyannoteai-identify jobs "


def _submit(audio: Audio) -> str:
    with Client() as client:
        return client.identify(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}).id


def _ids(run: Run) -> list[str]:
    return [row["id"] for row in json.loads(run.out)]


def _resume_argv(run: Run) -> list[str]:
    """The command that stderr says resumes the listing, as argv for main() (one such line)."""
    (line,) = [line for line in run.err_lines if _RESUME in line]
    command = line[line.index(_RESUME) + len("resume with: ") :].strip().strip("`")
    words = shlex.split(command)
    assert words[:2] == ["pyannoteai-identify", "jobs"], line
    return words[1:]


@pytest.fixture
def mock(pyannoteai_mock: MockAPI, monkeypatch: pytest.MonkeyPatch) -> MockAPI:
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", pyannoteai_mock.base_url)
    return pyannoteai_mock


def _newest_first(mock: MockAPI, count: int) -> list[str]:
    return [mock.add_job("diarization", "succeeded") for _ in range(count)][::-1]


def test_jobs_with_a_cursor_lists_the_jobs_after_that_page(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobs --cursor C` starts after the page whose next_cursor C is (as job_pages(cursor=C))."""
    ids = [_submit(audio) for _ in range(3)][::-1]
    env.advance(1)
    with Client() as client:
        first = client.job_page(page_size=1)

    run = run_cli(capsys, "jobs", "--format", "json", "--cursor", str(first.next_cursor))

    assert run.code == OK, run.err
    assert [item.id for item in first.items] == ids[:1] and _ids(run) == ids[1:]
    assert not [line for line in run.err_lines if "resume" in line]  # the listing ended: nothing to resume


@pytest.mark.parametrize(
    "cursor", ["nope", "1234", "a1b2c3d4-e5f6-7890-abcd-ef123456789", " a1b2c3d4-e5f6-7890-abcd-ef1234567890"]
)
def test_jobs_with_a_cursor_that_is_not_a_uuid_is_a_usage_error_naming_the_option_before_any_request(
    env: Sandbox, capsys: pytest.CaptureFixture[str], cursor: str
) -> None:
    """`jobs --cursor X` refuses what the SDK refuses (exit 2), naming --cursor, with nothing sent."""
    run = run_cli(capsys, "jobs", "--cursor", cursor)

    assert run.code == USAGE and run.out == ""
    (line,) = run.err_lines
    assert line.startswith("error: --cursor=") and "UUID" in line
    assert sum(env.stats.requests.values()) == 0


def test_jobs_that_stop_at_their_limit_say_the_command_that_lists_the_next_ones(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobs --limit 2` on 5 jobs prints the 2 newest and, on stderr, the command that goes on from
    there; following it lists every job exactly once, and the last one says nothing more."""
    ids = [_submit(audio) for _ in range(5)][::-1]
    env.advance(1)

    first = run_cli(capsys, "jobs", "--format", "json", "--limit", "2")
    second = run_cli(capsys, *_resume_argv(first))
    third = run_cli(capsys, *_resume_argv(second))

    assert first.code == second.code == third.code == OK
    assert [_ids(first), _ids(second), _ids(third)] == [ids[:2], ids[2:4], ids[4:]]
    assert not [line for line in third.err_lines if "resume" in line]


def test_the_resume_command_of_a_status_listing_keeps_its_status_and_lists_only_those_jobs(
    mock: MockAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cursor belongs to the listing it came from: the command said to resume a `--status failed`
    listing carries `--status failed`, and following it lists the next failed jobs, each once."""
    failed = []
    for _ in range(3):
        mock.add_job("diarization", "succeeded")
        failed.append(mock.add_job("diarization", "failed"))
    failed.reverse()

    first = run_cli(capsys, "jobs", "--status", "failed", "--format", "json", "--limit", "2")
    argv = _resume_argv(first)
    second = run_cli(capsys, *argv)

    assert first.code == second.code == OK
    assert argv[argv.index("--status") + 1] == "failed"
    assert [_ids(first), _ids(second)] == [failed[:2], failed[2:]]


def test_the_cursor_help_says_a_cursor_goes_with_the_status_of_its_listing(capsys: pytest.CaptureFixture[str]) -> None:
    """The API's cursor is an opaque UUID that carries no status: a cursor reused with another
    `--status` cannot be refused, so `jobs --help` says the rule (README too)."""
    run = run_cli(capsys, "jobs", "--help")

    assert run.code == OK
    assert "with the --status of the listing that gave it" in " ".join(run.out.split())


def test_a_limit_that_cuts_a_page_resumes_from_that_page_so_no_job_is_skipped(
    mock: MockAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --limit beyond the largest page (100) ends inside a page: the command given resumes from
    that page's own cursor (the page before it's next_cursor), so the jobs after the limit are listed."""
    ids = _newest_first(mock, 150)

    first = run_cli(capsys, "jobs", "--format", "json", "--limit", "120")
    second = run_cli(capsys, *_resume_argv(first))

    assert first.code == second.code == OK
    assert _ids(first) == ids[:120]
    listed = _ids(second)
    assert listed == ids[100:]  # from the cut page's start: some shown again, none skipped


def test_a_listing_that_fails_after_the_retries_writes_the_pages_read_and_says_how_to_resume(
    mock: MockAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second page fails (a 503, no retry left): the first page's jobs are written, the error
    says the command that resumes after them, and that command lists the rest, every job once."""
    ids = _newest_first(mock, 150)
    raw = httpx.get(
        f"{mock.base_url}/v2/jobs", params={"limit": 100}, headers={"Authorization": f"Bearer {mock.api_key}"}
    ).json()
    mock.respond_with("getJobsByTeamV2", 200, raw)
    mock.respond_with("getJobsByTeamV2", 503)

    failed = run_cli(capsys, "--max-retries", "0", "jobs", "--format", "json", "--limit", "150")
    resumed = run_cli(capsys, *_resume_argv(failed))

    assert failed.code == API_ERROR, failed.err
    assert _ids(failed) == ids[:100]
    assert failed.err_lines[-1].startswith("error: ") and "503" in failed.err_lines[-1]
    assert f"--cursor {raw['nextCursor']}" in failed.err
    assert resumed.code == OK and _ids(resumed) == ids[100:]


def test_a_listing_interrupted_by_ctrl_c_writes_the_pages_read_and_says_how_to_resume(
    mock: MockAPI, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the second page is read: exit 130, the first page written, and the message
    gives the command that resumes after it."""
    ids = _newest_first(mock, 150)
    job_pages = Client.job_pages

    def interrupted(self: Client, *args: Any, **kwargs: Any) -> Iterator[JobPage]:
        pages = job_pages(self, *args, **kwargs)
        yield next(pages)
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(Client, "job_pages", interrupted)
        stopped = run_cli(capsys, "jobs", "--format", "json", "--limit", "150")
    resumed = run_cli(capsys, *_resume_argv(stopped))

    assert stopped.code == INTERRUPTED
    assert _ids(stopped) == ids[:100]
    assert stopped.err_lines[-1].startswith("interrupted")
    assert resumed.code == OK and _ids(resumed) == ids[100:]


def test_a_listing_interrupted_before_its_first_page_says_nothing_was_listed_not_that_a_job_keeps_running(
    mock: MockAPI, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C before the first page: `jobs` submits nothing, yet the message was the generic one of
    the commands that submit ("a job already submitted keeps running: resume with `pyannoteai-identify
    job ID --wait`"). It says no job was listed, and the command to run again (its --cursor kept)."""
    _newest_first(mock, 3)
    cursor = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

    def interrupted(self: Client, *args: Any, **kwargs: Any) -> Iterator[JobPage]:
        raise KeyboardInterrupt
        yield  # a generator, as job_pages is

    with monkeypatch.context() as patched:
        patched.setattr(Client, "job_pages", interrupted)
        stopped = run_cli(capsys, "jobs", "--format", "json", "--limit", "7", "--cursor", cursor)

    assert stopped.code == INTERRUPTED and stopped.out == ""
    (line,) = stopped.err_lines
    assert line.startswith("interrupted; ") and "job ID --wait" not in line and "submitted" not in line, line
    assert "no job was listed" in line, line
    assert _resume_argv(stopped) == ["jobs", "--cursor", cursor, "--limit", "7", "--format", "json"]
