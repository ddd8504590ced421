"""The manifest: transactional transitions, durability across SIGKILL, one run at a time, one set of settings."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from pyannoteai_identify.batch import InputStatus, Manifest, ManifestError
from pyannoteai_identify.batch._manifest import NewInput


def new(name: str, **kwargs: object) -> NewInput:
    return NewInput(f"/audio/{name}.wav", "file", name, 10, 1, "ab" * 32, **kwargs)  # type: ignore[arg-type]


def test_a_mark_committed_before_sending_survives_sigkill(tmp_path: Path) -> None:
    """The 'submitting' mark and its anchor are on disk the moment mark_submitting returns, even if the process dies."""
    path = tmp_path / "m.sqlite"
    script = (
        "import os, signal\n"
        "from pyannoteai_identify.batch._manifest import Manifest, NewInput\n"
        f"m = Manifest({str(path)!r})\n"
        "m.add_inputs([NewInput('/a.wav', 'file', 'a', 1, 1, 'ab' * 32)])\n"
        "assert m.mark_submitting(m.rows()[0].id, 'anchor-job')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    finished = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert finished.returncode == -signal.SIGKILL
    with Manifest(path) as manifest:
        (row,) = manifest.rows()
    assert row.status == InputStatus.SUBMITTING and row.anchor == "anchor-job" and row.attempts == 1


def test_only_a_pending_input_can_be_marked_and_a_job_is_recorded_with_its_history(tmp_path: Path) -> None:
    """mark_submitting refuses a non-pending input; record_job stores the id in the row and in the jobs table."""
    with Manifest(tmp_path / "m.sqlite") as manifest:
        manifest.add_inputs([new("a")])
        (row,) = manifest.rows()
        assert manifest.mark_submitting(row.id, None)
        assert not manifest.mark_submitting(row.id, None)
        manifest.record_job(row.id, "job-1", "created")
        stored = manifest.get(row.id)
        assert (stored.status, stored.job_id, stored.job_status) == (InputStatus.SUBMITTED, "job-1", "created")
        assert stored.submitted_at is not None and stored.submit_started_at is not None
        assert manifest.claimed_jobs() == {"job-1"}
        assert manifest.newest_job() == "job-1"


def test_a_result_is_recorded_once_and_retried_inputs_keep_their_old_job_claimed(tmp_path: Path) -> None:
    """record_success applies once; requeue clears the job id but the jobs table still claims the old job."""
    with Manifest(tmp_path / "m.sqlite") as manifest:
        manifest.add_inputs([new("a")])
        (row,) = manifest.rows()
        manifest.mark_submitting(row.id, None)
        manifest.record_job(row.id, "job-1", "created")
        assert manifest.record_job_end("job-1", InputStatus.FAILED, "failed", "boom")
        assert not manifest.record_success("job-1", "a.json", "a.rttm", ["Alice"], {"Alice": 1.0})
        assert manifest.requeue([InputStatus.FAILED]) == 1
        again = manifest.get(row.id)
        assert again.status == InputStatus.PENDING and again.job_id is None
        assert manifest.claimed_jobs() == {"job-1"}


def test_inputs_are_added_once_and_a_locally_refused_file_starts_failed(tmp_path: Path) -> None:
    """add_inputs ignores known sources; an input with a local reason is failed from the start."""
    with Manifest(tmp_path / "m.sqlite") as manifest:
        assert manifest.add_inputs([new("a"), new("b", reason="the file is empty")]) == 2
        assert manifest.add_inputs([new("a")]) == 0
        counts = manifest.counts()
        assert counts[InputStatus.PENDING] == 1 and counts[InputStatus.FAILED] == 1


def test_a_second_opener_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    """The process lock keeps two runs off one manifest; closing releases it."""
    path = tmp_path / "m.sqlite"
    first = Manifest(path)
    with pytest.raises(ManifestError, match=f"in use by pid {os.getpid()}"):
        Manifest(path)
    first.close()
    Manifest(path).close()


def test_the_mark_before_a_submission_is_flushed_to_disk_and_other_commits_are_not(tmp_path: Path) -> None:
    """WAL mode; mark_submitting commits under synchronous=FULL (power-loss safe), routine writes under NORMAL."""
    with Manifest(tmp_path / "m.sqlite") as manifest:
        assert manifest._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        manifest.add_inputs([new("a")])
        (row,) = manifest.rows()
        statements: list[str] = []
        manifest._db.set_trace_callback(statements.append)
        manifest.mark_submitting(row.id, None)
        marked = list(statements)
        statements.clear()
        manifest.record_upload(row.id, "media://x")
        manifest._db.set_trace_callback(None)
        assert marked[0] == "PRAGMA synchronous=FULL" and marked[1] == "BEGIN IMMEDIATE"
        assert marked[-2:] == ["COMMIT", "PRAGMA synchronous=NORMAL"]
        assert not any("synchronous" in statement for statement in statements)
        assert manifest._db.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_other_settings_and_other_schemas_are_refused(tmp_path: Path) -> None:
    """bind_settings accepts the first fingerprint only; a manifest of another schema version is refused."""
    path = tmp_path / "m.sqlite"
    with Manifest(path) as manifest:
        manifest.bind_settings("one", "labels Alice")
        manifest.bind_settings("one", "labels Alice")
        with pytest.raises(ManifestError, match="labels Alice"):
            manifest.bind_settings("two", "labels Bob")
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(ManifestError, match="schema 99"):
        Manifest(path)


def test_a_manifest_named_through_a_symlink_is_locked_as_the_same_manifest(tmp_path: Path) -> None:
    """The lock was named after the path as given: a second run reaching the manifest through a
    symlink got its own lock, and the two runs billed inputs twice."""
    real = tmp_path / "real" / "batch.sqlite"
    link = tmp_path / "link.sqlite"
    with Manifest(real):
        link.symlink_to(real)
        with pytest.raises(ManifestError, match="in use by"):
            Manifest(link)


def test_a_lock_file_that_cannot_be_created_is_a_manifest_error_naming_it(tmp_path: Path) -> None:
    """An unwritable folder (here the lock's name is taken by a folder, which stops root too) is a
    setup problem: ManifestError (exit 2), not a bare OSError (exit 1)."""
    path = tmp_path / "batch.sqlite"
    (tmp_path / "batch.sqlite.lock").mkdir()
    with pytest.raises(ManifestError, match="cannot create the manifest's lock file"):
        Manifest(path)


def test_a_manifest_folder_that_cannot_be_created_is_a_manifest_error_naming_it(tmp_path: Path) -> None:
    """A manifest under a regular file: the folder's ``mkdir`` raised a bare NotADirectoryError
    out of ``Manifest`` (and ``identify_batch``), where every other setup failure of the manifest
    is a ManifestError naming it (the command line checks the folder first, the SDK did not)."""
    (tmp_path / "taken").write_text("a regular file")
    path = tmp_path / "taken" / "batch.sqlite"
    with pytest.raises(ManifestError, match="cannot create the manifest's folder") as raised:
        Manifest(path)
    assert str(tmp_path / "taken") in str(raised.value)


def test_a_manifest_reached_through_a_dangling_symlink_is_created_private(tmp_path: Path) -> None:
    """O_EXCL refused the symlink, and SQLite then created its target with the umask (0644): the
    manifest keeps input URLs whole, presigned signatures included."""
    target = tmp_path / "store" / "batch.sqlite"
    target.parent.mkdir()
    link = tmp_path / "batch.sqlite"
    link.symlink_to(target)
    with Manifest(link):
        pass
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_manifest_file_the_system_refuses_to_create_is_a_manifest_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder (which does not stop root, so the refusal is simulated) raised a bare
    PermissionError past the ManifestError that callers catch, and kept the lock."""
    from pyannoteai_identify.batch import _manifest_db

    def refuse(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(_manifest_db, "_create_private", refuse)
    path = tmp_path / "batch.sqlite"
    with pytest.raises(ManifestError, match=r"cannot be opened .*Permission denied"):
        Manifest(path)
    monkeypatch.undo()
    with Manifest(path):  # the lock was released
        pass


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_manifest_path_is_refused(path: str) -> None:
    """SQLite opens a private temporary database for "": a rerun could not resume and billed again."""
    with pytest.raises(ManifestError, match="the manifest path is empty"):
        Manifest(path)


def test_close_in_another_thread_waits_for_a_write_in_progress(tmp_path: Path) -> None:
    """The manifest says every method is thread-safe, but ``close()`` took no lock: called while another
    thread was inside a write transaction, it closed the connection under it, the write failed and
    its inputs were lost. ``close()`` now waits for the write to commit, then closes."""
    path = tmp_path / "m.sqlite"
    manifest = Manifest(path)
    in_transaction, go_on = threading.Event(), threading.Event()
    outcome: list[object] = []

    def items() -> Iterator[NewInput]:
        yield new("a")
        in_transaction.set()  # add_inputs is now inside its transaction
        go_on.wait(10)
        yield new("b")

    def write() -> None:
        try:
            outcome.append(manifest.add_inputs(items()))
        except Exception as error:
            outcome.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    assert in_transaction.wait(10)
    closer = threading.Thread(target=manifest.close)
    closer.start()
    closer.join(1)  # bounded: a close() that does not wait for the write is done by now
    go_on.set()
    writer.join(10)
    closer.join(10)
    assert not writer.is_alive() and not closer.is_alive()
    assert outcome == [2], outcome
    with Manifest(path) as reopened:  # closed (its lock released), and the write committed
        assert [row.name for row in reopened.rows()] == ["a", "b"]


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda manifest: manifest.rows(), id="rows"),
        pytest.param(lambda manifest: manifest.get_meta("schema"), id="get_meta"),
        pytest.param(lambda manifest: manifest.set_meta("k", "v"), id="set_meta"),
        pytest.param(lambda manifest: manifest.add_inputs([new("a")]), id="add_inputs"),
    ],
)
def test_a_closed_manifest_refuses_use_with_a_manifest_error_naming_it(tmp_path: Path, use: Any) -> None:
    """A call after close() (or one that waited on a close() in another thread) raised a bare
    ``AttributeError: 'NoneType' object has no attribute 'execute'``: now a ``ManifestError`` that says
    the manifest is closed and names it."""
    path = tmp_path / "m.sqlite"
    manifest = Manifest(path)
    manifest.close()
    with pytest.raises(ManifestError, match=r"m\.sqlite is closed"):
        use(manifest)
