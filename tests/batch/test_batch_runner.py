"""The batch engine against the sandbox over 127.0.0.1: results, resume, retries and billing, counted server-side."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import logging
import os
import re
import sqlite3
import stat
import tempfile
import warnings
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from batchkit import HELD_RUN_TIMEOUT, MODES, VOICEPRINTS, make_audio, manifest_rows, requests_of, run_batch
from brokenbody import BrokenOff429

from pyannoteai_identify import Client, PaymentRequiredError, ValidationError
from pyannoteai_identify._core import JOB_MAY_EXIST, LIST_JOBS
from pyannoteai_identify.batch import (
    InputStatus,
    Manifest,
    ManifestError,
    _runner,
    _runner_reconcile,
    _runner_submit,
    identify_batch,
)
from pyannoteai_identify.batch._manifest import NewInput
from pyannoteai_identify.batch._submission import SETTLED_BY_THE_JOB_LIST
from pyannoteai_identify.sandbox import Sandbox, demo_audio, voiceprint_for
from pyannoteai_identify.sandbox._faults import FaultKind


@pytest.mark.parametrize("mode", MODES)
def test_every_input_gets_json_rttm_and_a_summary_row(mode: str, sandbox: Sandbox, tmp_path: Path) -> None:
    """Each input is uploaded, submitted once, fetched once, and written as JSON, RTTM and a CSV row."""
    make_audio(tmp_path / "audio" / "day1", 3)
    make_audio(tmp_path / "audio" / "day2", 2, start=3)
    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok and report.counts["succeeded"] == 5
    assert sandbox.stats.submissions == 5
    assert requests_of(sandbox)["getJobById"] == 5
    first = report.inputs[0]
    assert first.name == "day1/rec000" and first.speakers == ("Alice", "Bob")
    assert first.talk_time["Alice"] == pytest.approx(0.8, abs=0.05)
    document = json.loads(Path(first.result_json or "").read_text())
    assert document["jobId"] == first.job_id and document["input"] == first.source
    assert [turn["match"] for turn in document["output"]["identification"]] == ["Alice", "Bob"]
    rttm = Path(first.result_rttm or "").read_text().splitlines()
    assert [line.split()[7] for line in rttm] == ["Alice", "Bob"]
    with open(report.summary_csv or "", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["status"] for row in rows] == ["succeeded"] * 5
    assert rows[0]["talk_time_Alice"] == f"{first.talk_time['Alice']:.3f}"


def test_each_job_created_is_logged_at_info_with_its_input(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As Client.identify does, a batch logs the id of every job it was billed for, with the input
    it came from, so that operators find them in a service's logs."""
    make_audio(tmp_path / "audio", 2)
    with caplog.at_level("INFO", logger="pyannoteai_identify"):
        report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    pattern = re.compile(r"input \d+ \((.+)\): identify job (\S+) created")
    created = [pattern.fullmatch(r.getMessage()) for r in caplog.records if r.levelno == logging.INFO]
    logged = sorted(match.groups() for match in created if match)
    assert report.ok and len(logged) == 2
    assert logged == sorted((item.source, item.job_id) for item in report.inputs)


def test_each_job_created_record_carries_its_job_id_and_input_as_extra_fields(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As Client.identify's line does, the batch's "job created" record carries ``job_id`` (and
    the ``input_id`` of the manifest) as extra fields, for JSON log formatters."""
    make_audio(tmp_path / "audio", 2)
    with caplog.at_level("INFO", logger="pyannoteai_identify"):
        report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    created = [
        r
        for r in caplog.records
        if r.levelno == logging.INFO and "job" in r.getMessage() and "created" in r.getMessage()
    ]
    assert report.ok and len(created) == 2
    assert sorted(r.__dict__.get("job_id") for r in created) == sorted(item.job_id for item in report.inputs)
    assert all(isinstance(r.__dict__.get("input_id"), int) for r in created)


@pytest.mark.parametrize("mode", MODES)
def test_a_finished_batch_resumes_with_only_the_key_check(mode: str, sandbox: Sandbox, tmp_path: Path) -> None:
    """Running a finished batch again sends one request, GET /v1/test, and rewrites nothing."""
    make_audio(tmp_path / "audio", 3)
    run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)
    sandbox.stats.reset()

    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok
    assert requests_of(sandbox) == {"testKey": 1}
    assert report.requests == {"key": 1}


def test_status_comes_from_the_job_list_and_each_job_is_fetched_once(sandbox: Sandbox, tmp_path: Path) -> None:
    """No job is polled one by one: GET /v1/jobs/{id} is sent once per job, for its result."""
    make_audio(tmp_path / "audio", 6)
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    served = requests_of(sandbox)
    assert report.ok
    assert served["getJobById"] == 6
    assert served["getJobsByTeamV2"] == report.requests["status"] + report.requests["reconcile"]
    assert report.requests["fetch"] == 6


def test_a_failed_job_is_reported_and_retried_only_with_retry_failed(sandbox: Sandbox, tmp_path: Path) -> None:
    """A failed job keeps its reason; a plain rerun does not resubmit it, --retry-failed does, once."""
    make_audio(tmp_path / "audio", 3)
    sandbox.faults.fail_next_job("Could not load audio", kind="identify")
    first = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)

    failed = [item for item in first.inputs if item.status == InputStatus.FAILED]
    assert not first.ok and len(failed) == 1
    assert "Could not load audio" in (failed[0].reason or "")
    assert sandbox.stats.submissions == 3

    again = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert not again.ok and sandbox.stats.submissions == 3

    retried = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, retry_failed=True)
    assert retried.ok and sandbox.stats.submissions == 4


def test_a_429_on_submission_is_sent_again_and_billed_once(sandbox: Sandbox, tmp_path: Path) -> None:
    """A 429 proves no job was created, so the input is submitted again; the server bills each input once."""
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.next(1, "429", operation="identify", retry_after=0)
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok
    assert requests_of(sandbox)["identify"] == 3
    assert sandbox.stats.submissions == 2
    assert report.throttled == 1


@pytest.fixture
def quick_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the job list back 0.05 s after a submission instead of a read timeout plus 2 s: for the
    tests whose subject is what the list shows, not how long the batch waits for it."""
    monkeypatch.setattr(_runner_reconcile, "settle_seconds", lambda timeout: 0.05)


@pytest.mark.usefixtures("quick_settle")
@pytest.mark.parametrize("kind", ["drop", "5xx"], ids=["answer-lost", "5xx"])
def test_a_submission_in_doubt_before_any_job_was_created_is_checked_against_the_job_list_then_sent_once_more(
    kind: FaultKind, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A lost answer or a 503 proves nothing: the input stays 'submitting', the batch reads the job
    list, finds no job it did not record (the other input's is its own), and only then sends it
    again, once. Submissions go one at a time whatever the concurrency, so concurrency=1 changes no
    order the job list is read in; it only keeps the faulted input the first one."""
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.next(1, kind, operation="identify")
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)

    assert report.ok
    assert requests_of(sandbox)["identify"] == 3
    assert sandbox.stats.submissions == 2
    assert report.requests["reconcile"] >= 2  # the anchor, then the job list read back


def test_a_submission_the_api_answers_after_the_client_gave_up_is_not_billed_twice(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The API takes 2 s to create the job; the client stops waiting after 1 s. The job list is read
    only once the read timeout plus a margin has passed since the submission began, so the late job
    is found (the input is uncertain) instead of being proven absent and sent again, as it was when
    the wait was a fixed 2 s from the start."""
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.next(1, "delay", seconds=2.0, operation="identify")
    report = run_batch(
        "sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=1, request_timeout=1.0, max_retries=0
    )

    assert sandbox.stats.submissions == 2, "an input was billed twice"
    assert sorted(item.status for item in report.inputs) == sorted([InputStatus.UNCERTAIN, InputStatus.SUCCEEDED])


def test_the_settle_time_is_the_read_timeout_plus_a_margin() -> None:
    assert _runner.settle_seconds(httpx.Timeout(30.0, connect=10.0)) == 30.0 + _runner.RECONCILE_MARGIN
    assert _runner.settle_seconds(httpx.Timeout(None)) == _runner.MAX_RECONCILE_SETTLE + _runner.RECONCILE_MARGIN


@pytest.mark.usefixtures("quick_settle")
@pytest.mark.parametrize("kind", ["5xx", "malformed", "drop"])
def test_a_submission_whose_answer_fails_after_the_job_was_created_is_never_resent(
    kind: FaultKind, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The API creates (and bills) the job, then answers 503, a broken body, or nothing: the job list
    shows a job the batch did not record, so the input is uncertain, not sent again; adopting it
    uses that job. Each input is billed once."""
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.next(1, kind, operation="identify", after=True)
    first = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)

    assert [item.status for item in first.inputs] == [InputStatus.UNCERTAIN, InputStatus.SUCCEEDED]
    assert requests_of(sandbox)["identify"] == 2 and sandbox.stats.submissions == 2
    assert first.requests["reconcile"] >= 2

    adopted = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, adopt_uncertain=True)
    assert adopted.ok and len({item.job_id for item in adopted.inputs}) == 2
    assert requests_of(sandbox)["identify"] == 2 and sandbox.stats.submissions == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_answered_5xx_says_the_job_may_exist_and_only_what_the_batch_does(
    mode: str, sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A POST /v1/identify answered 503 recorded "The API failed; try again later); the job may exist":
    a safe read's hint, which the rest contradicts, and nothing was logged. Its reason and its WARNING
    carry the error Client.identify raises, that the job may have been created, and billed, but not
    its advice to look for it with client.jobs() before submitting again: they say what the batch
    does instead (it is sent again only if the job list shows that no job was created, uncertain
    otherwise). The next input's 402 stops the run before that check, so the input stays submitting."""
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.next(1, "5xx", operation="identify")
    sandbox.faults.next(1, "402", operation="identify")
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)

    assert [item.status for item in report.inputs] == [InputStatus.SUBMITTING, InputStatus.PENDING]
    assert requests_of(sandbox)["identify"] == 2 and sandbox.stats.submissions == 0
    reason = report.inputs[0].reason or ""
    assert "try again later" not in reason and f"{JOB_MAY_EXIST}; " in reason, reason
    assert LIST_JOBS not in reason and "look for it" not in reason.lower(), reason
    assert reason.startswith("the API failed: HTTP 503: ") and reason.endswith(f"; {SETTLED_BY_THE_JOB_LIST}")
    said = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    first_id = manifest_rows(tmp_path / "manifest.sqlite")[0]["id"]
    assert f"input {first_id}: {reason}" in said, said


def _killed_while_submitting(manifest_path: Path, audio: Path) -> None:
    """What a run killed just after committing the mark leaves behind: *audio* added to the manifest
    and 'submitting', anchored on the newest job the manifest recorded."""
    with Manifest(manifest_path) as manifest:
        anchor = manifest.newest_job()
        found = audio.stat()
        digest = hashlib.sha256(audio.read_bytes()).hexdigest()
        manifest.add_inputs([NewInput(str(audio), "file", audio.stem, found.st_size, found.st_mtime_ns, digest)])
        row = next(row for row in manifest.rows() if row.source == str(audio))
        assert manifest.mark_submitting(row.id, anchor)


@pytest.mark.usefixtures("quick_settle")
@pytest.mark.parametrize("foreign_job", [False, True], ids=["no-unknown-job", "unknown-job"])
def test_an_interrupted_submission_is_resent_only_when_the_job_list_proves_it_created_nothing(
    foreign_job: bool, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A killed run's 'submitting' input is resent if no unknown job is newer than its anchor, else uncertain."""
    audio = make_audio(tmp_path / "audio", 3)
    run_batch("sync", sandbox, audio[:2], tmp_path)
    _killed_while_submitting(tmp_path / "manifest.sqlite", audio[2])
    if foreign_job:
        with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as other:
            other.identify(io.BytesIO(demo_audio()), VOICEPRINTS)
    submitted_before = sandbox.stats.submissions

    report = run_batch("sync", sandbox, audio, tmp_path)

    item = next(i for i in report.inputs if i.source == str(audio[2]))
    if foreign_job:
        assert item.status == InputStatus.UNCERTAIN and "--resubmit-uncertain" in (item.reason or "")
        assert sandbox.stats.submissions == submitted_before
        resubmitted = run_batch("sync", sandbox, audio, tmp_path, resubmit_uncertain=True)
        assert resubmitted.ok and sandbox.stats.submissions == submitted_before + 1
    else:
        assert report.ok and sandbox.stats.submissions == submitted_before + 1


@pytest.mark.usefixtures("quick_settle")
def test_adopting_an_uncertain_input_uses_its_one_candidate_job_without_paying_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """--adopt-uncertain gives the input the single unknown job created after its mark; nothing is submitted."""
    audio = make_audio(tmp_path / "audio", 2)
    run_batch("sync", sandbox, audio[:1], tmp_path)
    _killed_while_submitting(tmp_path / "manifest.sqlite", audio[1])
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as other:  # the request that got through
        orphan = other.identify(str(audio[1]), VOICEPRINTS)
    uncertain = run_batch("sync", sandbox, audio, tmp_path)
    assert uncertain.inputs[1].status == InputStatus.UNCERTAIN and orphan.id in (uncertain.inputs[1].reason or "")
    submitted_before = sandbox.stats.submissions

    adopted = run_batch("sync", sandbox, audio, tmp_path, adopt_uncertain=True)

    assert adopted.ok and adopted.inputs[1].job_id == orphan.id
    assert sandbox.stats.submissions == submitted_before
    assert adopted.inputs[1].talk_time["Alice"] == pytest.approx(0.81, abs=0.05)


@pytest.mark.sandbox(speed=100.0, queue_seconds=3600.0)
def test_expired_results_are_reported_and_resubmitted_only_with_the_flag(sandbox: Sandbox, tmp_path: Path) -> None:
    """Jobs whose results were deleted before being fetched become 'expired'; only the flag resubmits them."""
    make_audio(tmp_path / "audio", 2)
    unfinished = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, timeout=HELD_RUN_TIMEOUT)
    assert [i.status for i in unfinished.inputs] == [InputStatus.SUBMITTED] * 2
    assert "still running" in (unfinished.inputs[0].reason or "")

    sandbox.advance(3 * 86400)  # the jobs ran, finished and were deleted a day later
    expired = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert [i.status for i in expired.inputs] == [InputStatus.EXPIRED] * 2
    assert "24 h" in (expired.inputs[0].reason or "")

    plain = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert plain.counts["expired"] == 2 and sandbox.stats.submissions == 2

    flagged = run_batch(
        "sync", sandbox, [tmp_path / "audio"], tmp_path, resubmit_expired=True, timeout=HELD_RUN_TIMEOUT
    )
    assert flagged.counts["submitted"] == 2 and sandbox.stats.submissions == 4


def test_results_written_before_a_crash_are_recovered_without_fetching(sandbox: Sandbox, tmp_path: Path) -> None:
    """A result on disk for the recorded job is adopted; a recorded result whose file is gone is fetched again."""
    make_audio(tmp_path / "audio", 3)
    run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    manifest_path = tmp_path / "manifest.sqlite"
    rows = manifest_rows(manifest_path)
    with closing(sqlite3.connect(manifest_path)) as db, db:  # killed between writing the files and recording them
        db.execute("UPDATE inputs SET status = 'submitted' WHERE id = ?", (rows[0]["id"],))
    Path(rows[1]["result_json"]).unlink()  # a recorded result whose file was deleted
    sandbox.stats.reset()

    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok
    assert requests_of(sandbox).get("getJobById") == 1
    assert Path(rows[1]["result_json"]).is_file()


def test_unusable_files_fail_locally_without_stopping_the_others(sandbox: Sandbox, tmp_path: Path) -> None:
    """An empty audio file fails with its reason and is never sent; every other input succeeds."""
    make_audio(tmp_path / "audio", 2)
    (tmp_path / "audio" / "empty.wav").write_bytes(b"")
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert not report.ok
    empty = next(i for i in report.inputs if i.name == "empty")
    assert empty.status == InputStatus.FAILED and "empty" in (empty.reason or "")
    assert report.counts["succeeded"] == 2 and sandbox.stats.submissions == 2


def test_a_402_stops_submitting_and_leaves_the_inputs_pending_for_the_next_run(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Payment required halts submissions (nothing is marked failed); the next run submits them all."""
    make_audio(tmp_path / "audio", 3)
    sandbox.faults.next(1, "402", operation="identify")
    halted = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)

    assert not halted.ok and "submitting was refused" in (halted.halted or "")
    assert halted.counts["pending"] == 3 and sandbox.stats.submissions == 0

    resumed = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert resumed.ok and sandbox.stats.submissions == 3


@pytest.mark.parametrize("mode", MODES)
def test_after_a_402_no_input_waiting_for_its_turn_to_submit_is_billed(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """With several workers, inputs already uploaded wait for their turn to submit; after a one-off
    402 had stopped submitting ("no more inputs are submitted in this run"), they were still sent
    and billed. Once submitting stops, none of them is sent: all stay pending for the next run."""
    make_audio(tmp_path / "audio", 4)
    sandbox.faults.next(1, "402", operation="identify")

    halted = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, concurrency=4)

    assert "submitting was refused" in (halted.halted or "")
    assert halted.counts["pending"] == 4 and sandbox.stats.submissions == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_result_read_that_keeps_failing_is_retried_by_the_client_policy_only_then_left_for_the_next_run(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """GET /v1/jobs/{id} answering 503 is sent 1 + max_retries times, not more; the input stays
    submitted with the reason, and the next run reads the result."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(50, "5xx", operation="getJobById", status=503)
    first = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, max_retries=2)

    assert requests_of(sandbox)["getJobById"] == 3
    assert first.counts["submitted"] == 1 and not first.ok
    assert "reading the job failed" in (first.inputs[0].reason or "")
    assert "503" in (first.inputs[0].reason or "")

    sandbox.faults.clear()
    sandbox.stats.reset()
    resumed = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)
    assert resumed.ok and resumed.counts["succeeded"] == 1
    assert requests_of(sandbox)["getJobById"] == 1 and sandbox.stats.submissions == 0


def test_a_429_on_a_result_read_is_waited_out_once_and_read_again(sandbox: Sandbox, tmp_path: Path) -> None:
    """One 429 with Retry-After on the result read costs one more GET, and the batch succeeds."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(1, "429", operation="getJobById", retry_after=0)
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok and report.throttled == 1
    assert requests_of(sandbox)["getJobById"] == 2 and report.requests["fetch"] == 2


@pytest.mark.parametrize(("age_hours", "uploads"), [(19.0, 0), (21.0, 1)])
def test_an_upload_is_reused_for_20_hours_then_made_again(
    sandbox: Sandbox, tmp_path: Path, age_hours: float, uploads: int
) -> None:
    """The API keeps uploads at least 24 h: a run reuses the recorded media:// URL of an input while
    it is under 20 h old, and uploads again once it is older (a job must never read a deleted file)."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(1, "402", operation="identify")
    halted = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert halted.counts["pending"] == 1 and requests_of(sandbox)["getMediaUploadUrl"] == 1
    aged = (datetime.now(UTC) - timedelta(hours=age_hours)).isoformat(timespec="milliseconds")
    with closing(sqlite3.connect(tmp_path / "manifest.sqlite")) as db, db:
        db.execute("UPDATE inputs SET uploaded_at = ?", (aged,))
    sandbox.stats.reset()

    resumed = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert resumed.ok
    assert requests_of(sandbox).get("getMediaUploadUrl", 0) == uploads


def test_an_outage_of_the_job_list_delays_the_batch_instead_of_ending_it(sandbox: Sandbox, tmp_path: Path) -> None:
    """Five 503s on GET /v2/jobs (past the client's retries) hit the anchor read and the status sweeps:
    the run waits them out and finishes, each input billed once."""
    make_audio(tmp_path / "audio", 3)
    sandbox.faults.next(5, "5xx", operation="getJobsByTeamV2")
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, max_retries=1)

    assert report.ok, [item.reason for item in report.inputs]
    assert sandbox.stats.submissions == 3 and requests_of(sandbox)["identify"] == 3
    assert sandbox.faults.pending == 0


def test_a_refusal_that_ends_the_run_is_raised_as_itself_not_as_an_exception_group(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """A 402 on the job list stops the run; callers (and the CLI's exit codes) catch it by its type."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(50, "402", operation="getJobsByTeamV2")
    with pytest.raises(PaymentRequiredError):
        run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)


def test_a_result_that_cannot_be_written_leaves_its_input_submitted_and_the_run_goes_on(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """A name the file system refuses (here: a folder is in the way) fails that write only; the next
    run fetches the result again and writes it, billing nothing more."""
    make_audio(tmp_path / "audio", 2)
    (tmp_path / "out" / "rec000.json").mkdir(parents=True)
    first = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert [item.status for item in first.inputs] == [InputStatus.SUBMITTED, InputStatus.SUCCEEDED]
    assert "could not be written" in (first.inputs[0].reason or "")
    (tmp_path / "out" / "rec000.json").rmdir()
    again = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert again.ok and sandbox.stats.submissions == 2


def test_a_file_name_too_long_for_a_temporary_name_is_written(sandbox: Sandbox, tmp_path: Path) -> None:
    """A 240-character name is legal; its result files are written (a temporary name built from it
    used to pass the 255-byte limit and crash every run)."""
    (long_file,) = make_audio(tmp_path / "audio", 1)
    long_file.rename(long_file.with_name("x" * 240 + ".wav"))
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert report.ok and Path(report.inputs[0].result_json or "").is_file()


def test_touching_the_file_of_a_failed_job_does_not_submit_it_again(sandbox: Sandbox, tmp_path: Path) -> None:
    """Only --retry-failed bills a failed job's input again, even when its mtime (or bytes) changed."""
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.fail_next_job("Could not load audio", kind="identify")
    first = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)
    failed = next(item for item in first.inputs if item.status == InputStatus.FAILED)
    os.utime(failed.source, (1_700_000_000, 1_700_000_000))

    again = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert sandbox.stats.submissions == 2
    assert [item.status for item in again.inputs].count(InputStatus.FAILED) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_file_that_vanished_after_it_was_hashed_is_sent_once_it_is_back_unchanged(
    mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file found and hashed, then gone before its upload (a share unmounted, a file moved away and
    back: hours may pass between the two in a long run), fails that run with nothing sent. Once it is
    back, its size and mtime unchanged, the next run judges it anew and sends it: it stayed failed
    ("no such file", though the file is there), and only --retry-failed, which bills the failed jobs
    of the batch again, could send it."""
    _, second = make_audio(tmp_path / "audio", 2)
    away = tmp_path / "away.wav"
    found_and_hashed = _runner.Engine.add_inputs

    async def then_moved_away(self: _runner.Engine, found: Any) -> None:
        await found_and_hashed(self, found)
        second.rename(away)

    monkeypatch.setattr(_runner.Engine, "add_inputs", then_moved_away)
    gone = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)
    assert [item.status for item in gone.inputs] == [InputStatus.SUCCEEDED, InputStatus.FAILED]
    assert sandbox.stats.submissions == 1
    monkeypatch.undo()
    away.rename(second)  # back as it was: same bytes, same size and mtime

    back = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert back.ok, [item.reason for item in back.inputs]
    assert sandbox.stats.submissions == 2


def test_inputs_with_the_same_bytes_share_one_upload(sandbox: Sandbox, tmp_path: Path) -> None:
    """Six copies of one recording, uploaded with concurrency 8: one upload, reused by the others."""
    (original,) = make_audio(tmp_path / "audio", 1)
    for index in range(5):
        (tmp_path / "audio" / f"copy{index}.wav").write_bytes(original.read_bytes())
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, concurrency=8)

    assert report.ok
    assert requests_of(sandbox)["getMediaUploadUrl"] == 1 and requests_of(sandbox)["upload"] == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_429_whose_body_broke_off_is_counted_by_the_runs_limiter(mode: str, sandbox: Sandbox, tmp_path: Path) -> None:
    """The run's limiter learned only from answers whose body was read: a 429 whose body broke off
    after its headers held the client (its throttle heard it) but not the limiter, and
    ``report.throttled`` left it out. The limiter hears every answer whose headers arrived."""
    make_audio(tmp_path / "audio", 1)
    fault = BrokenOff429()
    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, transport=fault.transport(mode))

    assert fault.sent == 1
    assert report.ok and report.throttled == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_answered_429_whose_body_broke_off_is_throttled_not_in_doubt(
    mode: str, sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A POST /v1/identify answered 429 whose body broke off after its headers was taken for a lost
    answer: the input was left "submitting" (the job may exist) for the reconciliation to settle.
    The 429 proves that no job was made: the input is throttled and sent again in the same run."""
    make_audio(tmp_path / "audio", 1)
    fault = BrokenOff429("POST", "/v1/identify")
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, transport=fault.transport(mode))

    assert fault.sent == 1
    assert report.ok and report.counts["succeeded"] == 1 and report.throttled == 1
    assert sandbox.stats.submissions == 1
    said = [record.getMessage() for record in caplog.records]
    assert not any("interrupted submission" in line or "may exist" in line for line in said), said


def test_retry_after_on_an_upload_is_followed_then_the_upload_is_repeated(sandbox: Sandbox, tmp_path: Path) -> None:
    """A 429 on POST /v1/media/input is waited out (Retry-After) and the upload is asked for again."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(1, "429", operation="getMediaUploadUrl", retry_after=1)
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok and report.throttled == 1
    assert requests_of(sandbox)["getMediaUploadUrl"] == 2


def test_a_storage_failure_during_the_upload_is_retried(sandbox: Sandbox, tmp_path: Path) -> None:
    """A 503 on the presigned PUT stores nothing and bills nothing: the upload is done again, then submitted."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(1, "5xx", operation="upload")
    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)

    assert report.ok
    assert requests_of(sandbox)["upload"] == 2 and sandbox.stats.submissions == 1


@pytest.mark.parametrize("fault", ["5xx", "drop"])
@pytest.mark.parametrize("mode", MODES)
def test_an_upload_that_met_only_temporary_errors_is_sent_by_the_next_run_and_a_failed_job_is_not(
    mode: str, fault: FaultKind, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An input whose upload failed MAX_ATTEMPTS times on temporary errors (storage 503s, dropped
    connections) was marked failed for good: a plain rerun skipped it, and only --retry-failed sent
    it, which also bills every failed job of the batch again. Nothing was sent for it (no job): it
    now stays pending with its reason, and the next run uploads and submits it on its own, while
    the input of a failed job stays failed."""
    monkeypatch.setattr(_runner_submit, "backoff", lambda attempt, error: 0.0)  # no pauses between attempts
    make_audio(tmp_path / "audio", 2)
    sandbox.faults.next(_runner_submit.MAX_ATTEMPTS, fault, operation="upload")
    sandbox.faults.fail_next_job("Could not load audio", kind="identify")
    first = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, concurrency=1, max_retries=0)

    assert [item.status for item in first.inputs] == [InputStatus.PENDING, InputStatus.FAILED]
    assert requests_of(sandbox)["upload"] == _runner_submit.MAX_ATTEMPTS + 1
    reason = first.inputs[0].reason or ""
    assert f"upload failed {_runner_submit.MAX_ATTEMPTS} times" in reason and "next run" in reason
    assert sandbox.stats.submissions == 1

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert [item.status for item in again.inputs] == [InputStatus.SUCCEEDED, InputStatus.FAILED]
    assert sandbox.stats.submissions == 2


def test_url_inputs_are_passed_to_the_api_without_uploading(sandbox: Sandbox, tmp_path: Path) -> None:
    """An http(s) URL input is submitted as is; a list file can name it."""
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        media = client.upload(str(make_audio(tmp_path / "src", 1)[0]), key="shared/meeting.wav")
    url = f"{sandbox.base_url}/_media/{media.removeprefix('media://')}"
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"# one recording on a server\n{url}\n")
    sandbox.stats.reset()

    report = run_batch("sync", sandbox, [listing], tmp_path)

    assert report.ok and report.inputs[0].source == url and report.inputs[0].name == "meeting"
    assert "getMediaUploadUrl" not in requests_of(sandbox)


def test_a_presigned_urls_signature_stays_in_the_private_manifest(sandbox: Sandbox, tmp_path: Path) -> None:
    """The summary CSV and the result JSON showed an input URL whole, signature included, and the
    manifest that must keep it (to resubmit) was created readable by everyone (0644)."""
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        media = client.upload(str(make_audio(tmp_path / "src", 1)[0]), key="shared/meeting.wav")
    url = f"{sandbox.base_url}/_media/{media.removeprefix('media://')}?X-Amz-Signature=SIGSECRET42"

    report = run_batch("sync", sandbox, [url], tmp_path)

    assert report.ok and report.inputs[0].source == url  # the caller's own value, whole
    out = tmp_path / "out"
    written = {path.name: path.read_text(errors="replace") for path in out.iterdir() if path.is_file()}
    assert written and not [name for name, text in written.items() if "SIGSECRET42" in text]
    assert json.loads(written["meeting.json"])["input"].endswith("/_media/shared/meeting.wav?<query hidden>")
    assert "SIGSECRET42" in (tmp_path / "manifest.sqlite").read_bytes().decode("latin-1")
    assert stat.S_IMODE((tmp_path / "manifest.sqlite").stat().st_mode) == 0o600


def test_the_reports_repr_hides_an_input_urls_signature(sandbox: Sandbox, tmp_path: Path) -> None:
    """``source`` keeps the caller's URL whole, but ``print(report)`` or a log line of it showed
    the signature too, while the CSV, the result files and the log lines hide it."""
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        media = client.upload(str(make_audio(tmp_path / "src", 1)[0]), key="shared/meeting.wav")
    url = f"{sandbox.base_url}/_media/{media.removeprefix('media://')}?X-Amz-Signature=SIGSECRET42"

    report = run_batch("sync", sandbox, [url], tmp_path)

    assert report.ok and report.inputs[0].source == url
    assert "SIGSECRET42" not in repr(report) and "SIGSECRET42" not in repr(report.inputs[0])


def test_bad_inputs_are_refused_before_any_request(sandbox: Sandbox, tmp_path: Path) -> None:
    """A name that does not exist raises ValidationError naming it, and nothing is sent."""
    make_audio(tmp_path / "audio", 1)
    with pytest.raises(ValidationError, match="no such file or folder"):
        run_batch("sync", sandbox, [tmp_path / "audio", tmp_path / "missing.wav"], tmp_path)
    assert requests_of(sandbox) == {}


def test_a_manifest_started_with_other_voiceprints_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    """Resuming with other voiceprints would mix two batches in one manifest: refused before any request."""
    make_audio(tmp_path / "audio", 1)
    run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    sandbox.stats.reset()
    other = {"Alice": voiceprint_for("Alice"), "Carol": voiceprint_for("Carol")}
    with pytest.raises(ManifestError, match="other voiceprints or options"):
        run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, voiceprints=other)
    assert requests_of(sandbox) == {}


def test_a_manifest_held_by_another_run_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    """Two runs on one manifest would submit the same inputs twice: the second is refused."""
    make_audio(tmp_path / "audio", 1)
    with Manifest(tmp_path / "manifest.sqlite"), pytest.raises(ManifestError, match="in use by pid"):
        run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path)
    assert sandbox.stats.submissions == 0


def test_progress_snapshots_end_at_the_totals(sandbox: Sandbox, tmp_path: Path) -> None:
    """on_progress sees the batch move through the stages and ends with every input done."""
    make_audio(tmp_path / "audio", 4)
    seen = []
    run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, on_progress=seen.append)

    assert seen[0].total == 4 and seen[0].done == 0
    last = seen[-1]
    assert (last.uploaded, last.submitted, last.running, last.done, last.failed) == (4, 4, 0, 4, 0)
    assert last.eta == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_deadline_during_a_submission_waits_for_its_answer_and_records_the_job(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The mark-send-record step is shielded: a run that must stop mid-submission still records the job id.

    The deadline counts from the start of the run, so the submission must begin before it (after the
    key check, the hashing, the anchor read and the upload: up to 0.35 s beside busy processes, 2 s
    for a process's first batch), and the sandbox holds it past the deadline whenever it began."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.next(1, "delay", seconds=HELD_RUN_TIMEOUT, operation="identify")
    report = run_batch(
        mode, sandbox, [tmp_path / "audio"], tmp_path, timeout=HELD_RUN_TIMEOUT, request_timeout=4 * HELD_RUN_TIMEOUT
    )

    (item,) = report.inputs
    assert item.status in (InputStatus.SUBMITTED, InputStatus.SUCCEEDED) and item.job_id is not None
    assert sandbox.stats.submissions == 1


def test_a_file_written_again_after_it_was_hashed_is_uploaded_under_the_hash_of_its_new_bytes(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploads are named by content. A file overwritten (same size) between the run's hashing and
    its upload was stored under the old bytes' name, so an input holding the old bytes reused the
    new audio and got the wrong result, silently. It is hashed again when its size or mtime moved."""
    first, second = make_audio(tmp_path / "audio", 2)
    new_bytes = second.read_bytes()
    assert len(new_bytes) == len(first.read_bytes())
    copy_of_old = tmp_path / "audio" / "rec009.wav"
    copy_of_old.write_bytes(first.read_bytes())
    original = _runner.Engine.reconcile

    async def overwrite_then_reconcile(self: _runner.Engine) -> None:  # after hashing, before any upload
        first.write_bytes(new_bytes)
        os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000_000))
        await original(self)

    monkeypatch.setattr(_runner.Engine, "reconcile", overwrite_then_reconcile)
    report = run_batch("sync", sandbox, [first, copy_of_old], tmp_path, concurrency=1)

    assert report.ok
    rows = {Path(row["source"]).name: row for row in manifest_rows(tmp_path / "manifest.sqlite")}
    assert rows["rec000.wav"]["sha256"] == hashlib.sha256(new_bytes).hexdigest()
    assert rows["rec000.wav"]["audio_url"] != rows["rec009.wav"]["audio_url"]


@pytest.mark.parametrize("mode", MODES)
def test_a_run_ended_by_an_error_leaves_none_of_its_streams_open(sandbox: Sandbox, tmp_path: Path, mode: str) -> None:
    """An error out of a run (here the progress callback's) still closes the engine's streams: the
    one feeding the fetchers was left open, a ResourceWarning when it was collected."""

    calls: list[object] = []

    def fail(progress: object) -> None:  # from the second call on: inside the workers' task group
        calls.append(progress)
        if len(calls) > 1:
            raise RuntimeError("the progress callback failed")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            run_batch(mode, sandbox, make_audio(tmp_path / "in", 2), tmp_path, on_progress=fail)
        except RuntimeError as error:
            assert str(error) == "the progress callback failed"
        else:
            raise AssertionError("the callback's error did not end the run")
        gc.collect()
    assert [str(w.message) for w in caught if "MemoryObject" in str(w.message)] == []


@pytest.mark.parametrize("mode", MODES)
def test_a_progress_callback_that_would_never_run_is_refused(sandbox: Sandbox, tmp_path: Path, mode: str) -> None:
    """An async on_progress was called, never awaited, and showed nothing: it is refused before the
    manifest or the output folder is made; a lambda around one is refused at its first call."""

    async def show(progress: object) -> None:
        """Never awaited by the run."""

    audio = make_audio(tmp_path / "in", 1)
    with pytest.raises(ValidationError, match="on_progress"):
        run_batch(mode, sandbox, audio, tmp_path, on_progress=show)
    assert not (tmp_path / "manifest.sqlite").exists() and not (tmp_path / "out").exists()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match=r"^on_progress returned a coroutine"):
            run_batch(mode, sandbox, audio, tmp_path, on_progress=lambda progress: show(progress))
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
    assert sandbox.stats.submissions == 0


class _PlainHttpStorage(httpx.HTTPTransport):
    """The sandbox, except that its presigned upload URLs are plain http to a host off this machine."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path != "/v1/media/input" or response.status_code != 201:
            return response
        response.read()
        response.close()
        return httpx.Response(201, json={"url": "http://storage.example.com/up?X-Signature=s1g"}, request=request)


def test_a_presigned_url_in_clear_halts_the_run_at_the_first_answer(sandbox: Sandbox, tmp_path: Path) -> None:
    """The client refuses to send audio over plain http off loopback. That answer does not change
    when asked again, and every input would get it: the run halts at the first one, inputs left
    pending, instead of asking six times per input with backoff and marking each failed."""
    make_audio(tmp_path / "audio", 3)
    with Client(sandbox.api_key, base_url=sandbox.base_url, transport=_PlainHttpStorage()) as client:
        report = identify_batch(
            client,
            [tmp_path / "audio"],
            VOICEPRINTS,
            manifest=tmp_path / "manifest.sqlite",
            out=tmp_path / "out",
            concurrency=1,
        )

    assert not report.ok and "plain http" in (report.halted or "")
    assert report.counts["pending"] == 3
    assert requests_of(sandbox)["getMediaUploadUrl"] == 1
    assert requests_of(sandbox).get("upload", 0) == 0 and sandbox.stats.submissions == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_file_whose_name_is_not_utf8_fails_on_its_own_and_the_others_go_on(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """On Linux a file name is bytes: a folder copied from an old Latin-1 system holds names that
    are not UTF-8 (Python hands them over with surrogate escapes, which SQLite text cannot store).
    As docs/batch.md says of a file that cannot be sent, it fails on its own and the others go on:
    the run does not end with a UnicodeEncodeError from the manifest, the file is reported with a
    reason naming its name, the summary stays UTF-8, and a rerun bills nothing."""
    first, _ = make_audio(tmp_path / "audio", 2)
    os.rename(bytes(first), os.fsencode(first.parent) + b"/caf\xe9.wav")

    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert report.counts["succeeded"] == 1 and sandbox.stats.submissions == 1
    (latin,) = report.failures
    assert latin.source.endswith("/caf\udce9.wav") and latin.status == InputStatus.FAILED
    assert "not valid UTF-8" in (latin.reason or "")
    with open(report.summary_csv or "", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["input"].rsplit("/", 1)[1] for row in rows] == ["caf\\xe9.wav", "rec001.wav"]

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)
    assert again.counts["succeeded"] == 1 and len(again.failures) == 1 and sandbox.stats.submissions == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_file_that_cannot_be_read_fails_on_its_own_and_the_others_go_on(
    mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's share holds a file this user may not read (mode 000, another owner). It exists, so
    it is no typo: as docs/batch.md says of a file that cannot be sent, it fails on its own with
    the reason and the other inputs are identified; the run does not end with a PermissionError
    before a single submission. (Root reads a mode-000 file, so ``open`` is refused for it too.)"""
    locked, _ = make_audio(tmp_path / "audio", 2)
    locked.chmod(0)
    real_open = open

    def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)

    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert report.counts["succeeded"] == 1 and sandbox.stats.submissions == 1
    (failure,) = report.failures
    assert failure.source == str(locked) and failure.status == InputStatus.FAILED
    assert "Permission denied" in (failure.reason or "")


@pytest.mark.parametrize("mode", MODES)
def test_a_fifo_in_a_folder_fails_on_its_own_saying_what_it_is_and_the_others_go_on(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A FIFO named like audio in a searched folder is found with the files; as docs/batch.md says of
    a file that cannot be sent, it fails on its own, said to be a FIFO (not "no such file"), and is
    never opened (hashing it would wait for a writer)."""
    make_audio(tmp_path / "audio", 1)
    fifo = tmp_path / "audio" / "live.wav"
    os.mkfifo(fifo)

    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert report.counts["succeeded"] == 1 and sandbox.stats.submissions == 1
    (failure,) = report.failures
    assert failure.source == str(fifo) and failure.status == InputStatus.FAILED
    assert failure.reason == "is not a regular file (a FIFO); give an audio file"


@pytest.mark.parametrize("mode", MODES)
def test_an_output_folder_that_cannot_be_written_is_refused_before_anything_is_billed(
    mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--out` on a read-only share (the manifest elsewhere): every result write would fail, so a run
    would pay for every input and keep none of the results (each left 'submitted', to be fetched
    within the 24 hours results are kept). As the identify command refuses an unwritable `-o` before
    billing, the batch refuses the folder before its first request. (Root writes anywhere, so the
    folder's refusal is simulated where files are created in it.)"""
    make_audio(tmp_path / "audio", 2)
    out = tmp_path / "readonly"
    out.mkdir()
    out.chmod(0o555)
    real_mkstemp = tempfile.mkstemp

    def refusing_mkstemp(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs.get("dir") or ".").resolve() == out.resolve():
            raise PermissionError(13, "Permission denied", str(out))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refusing_mkstemp)

    with pytest.raises(ValidationError, match="Permission denied") as refused:
        run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, out=out)

    assert refused.value.field == "out"
    assert sandbox.stats.submissions == 0 and requests_of(sandbox) == {}


@pytest.mark.parametrize("mode", MODES)
def test_retry_failed_keeps_a_file_whose_name_is_not_utf8_failed_on_its_own(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """--retry-failed reopens every failed input, the one whose name is not UTF-8 included: it must
    fail on its own again with the same reason (the others going on), not end the run with a
    UnicodeEncodeError or bill anything."""
    first, _ = make_audio(tmp_path / "audio", 2)
    os.rename(bytes(first), os.fsencode(first.parent) + b"/caf\xe9.wav")
    run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, retry_failed=True)

    assert again.counts["succeeded"] == 1 and sandbox.stats.submissions == 1
    (latin,) = again.failures
    assert latin.status == InputStatus.FAILED and "not valid UTF-8" in (latin.reason or "")


@pytest.mark.sandbox(speed=100.0, queue_seconds=3600.0)
@pytest.mark.parametrize("mode", MODES)
def test_a_batch_whose_audio_was_removed_after_submission_resumes_to_collect_its_jobs(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Inputs that name no audio at all are refused (a batch of 0 that "all succeeded"), but a run
    that resumes a manifest is no batch of 0: its jobs were submitted (billed) by an earlier run,
    and "run the same command again" is how their results are collected. Once the uploaded audio
    was cleaned from the folder, the same command was refused ("name no audio at all") and the
    billed results could no longer be fetched by it."""
    make_audio(tmp_path / "audio", 2)
    first = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, timeout=HELD_RUN_TIMEOUT)
    assert sandbox.stats.submissions == 2 and first.counts["submitted"] == 2  # queued for 36 s
    for path in (tmp_path / "audio").iterdir():
        path.unlink()
    sandbox.advance(40)  # the queue and the jobs are over; their results are kept

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert again.counts["succeeded"] == 2 and sandbox.stats.submissions == 2


class _SurrogateLabels:
    """Rewrites the first job read back (``GET /v1/jobs/{id}``) so that its label "Alice" holds a lone
    surrogate, as JSON may carry one (``"\\udcff"``): the SDK decodes it, and UTF-8 cannot encode it."""

    def __init__(self) -> None:
        self.rewritten: list[str] = []

    def rewrite(self, request: httpx.Request, response: httpx.Response, body: bytes) -> httpx.Response:
        path = request.url.path
        if request.method != "GET" or not path.startswith("/v1/jobs/") or self.rewritten:
            return response
        if b'"succeeded"' not in body:
            return response
        self.rewritten.append(path.rsplit("/", 1)[1])
        headers = [(k, v) for k, v in response.headers.items() if k not in ("content-length", "content-encoding")]
        return httpx.Response(
            response.status_code, headers=headers, content=body.replace(b'"Alice"', b'"Al\\udcffice"')
        )

    def transport(self, mode: str) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
        """The transport of a client of *mode* (``"sync"`` or ``"async"``) whose answers this rewrites."""
        return _SyncRewriting(self) if mode == "sync" else _AsyncRewriting(self)


class _SyncRewriting(httpx.BaseTransport):
    def __init__(self, labels: _SurrogateLabels) -> None:
        self._inner, self._labels = httpx.HTTPTransport(), labels

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        body = response.read()
        return self._labels.rewrite(request, response, body)

    def close(self) -> None:
        self._inner.close()


class _AsyncRewriting(httpx.AsyncBaseTransport):
    def __init__(self, labels: _SurrogateLabels) -> None:
        self._inner, self._labels = httpx.AsyncHTTPTransport(), labels

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        return self._labels.rewrite(request, response, body)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.mark.parametrize("mode", MODES)
def test_a_result_that_cannot_be_written_as_utf8_fails_its_input_and_the_others_go_on(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A job's output with a lone surrogate in a label (valid JSON, decoded as such) cannot be
    written as UTF-8: write_atomic raised UnicodeEncodeError, which ended the whole run. That input
    now fails on its own with a reason saying so (no half-written result file), the other inputs
    are identified, the summary is written, and a rerun does not submit the billed job again."""
    make_audio(tmp_path / "audio", 3)
    labels = _SurrogateLabels()

    report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, transport=labels.transport(mode))

    assert len(labels.rewritten) == 1
    assert report.counts["succeeded"] == 2 and sandbox.stats.submissions == 3
    (failed,) = report.failures
    assert failed.status == InputStatus.FAILED and failed.job_id == labels.rewritten[0]
    assert "cannot be written as UTF-8" in (failed.reason or "")
    name = Path(failed.source).stem
    assert not (tmp_path / "out" / f"{name}.json").exists() and not (tmp_path / "out" / f"{name}.rttm").exists()
    with open(report.summary_csv or "", newline="", encoding="utf-8") as handle:
        assert [row["status"] for row in csv.DictReader(handle)].count("failed") == 1

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, transport=labels.transport(mode))
    assert again.counts["succeeded"] == 2 and len(again.failures) == 1 and sandbox.stats.submissions == 3
