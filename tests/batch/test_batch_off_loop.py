"""An async batch leaves the work on its input files to worker threads: finding them in their folder,
checking them (size, WAV duration), hashing and uploading them; and every call to its SQLite
manifest (opening it, reading, committing, closing). On the event loop's thread each ``os.stat``,
``open``, read or SQLite statement holds up every other task of the batch (and of the application
running it) while the disk answers. Runs on asyncio and on trio.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio
import pytest
from batchkit import VOICEPRINTS, make_audio, manifest_rows, run_batch

from pyannoteai_identify import AsyncClient
from pyannoteai_identify.batch import BatchReport, aidentify_batch
from pyannoteai_identify.sandbox import Sandbox
from tests.offloop import FileWork, SqliteWork


@pytest.mark.parametrize("backend", ["asyncio", pytest.param("trio", marks=pytest.mark.needs_trio)])
def test_an_async_batch_finds_checks_hashes_and_uploads_its_files_off_the_event_loop(
    backend: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    inputs = make_audio(folder, 2)
    work = FileWork(monkeypatch, folder, *inputs)
    loop_thread: list[int] = []

    async def main() -> BatchReport:
        loop_thread.append(threading.get_ident())
        async with AsyncClient(sandbox.api_key, base_url=sandbox.base_url, timeout=5.0) as client:
            return await aidentify_batch(
                client, [folder], VOICEPRINTS, manifest=tmp_path / "m.sqlite", out=tmp_path / "out", poll_interval=0.05
            )

    report = anyio.run(main, backend=backend)
    assert report.ok
    assert len(report.inputs) == 2
    assert {"stat", "open", "read"} <= work.kinds()
    assert work.on(loop_thread[0]) == []


def _loop_thread_run(backend: str, sandbox: Sandbox, inputs: list[Path], tmp_path: Path, **options: Any) -> int:
    """Run an async batch on *backend*; return the event loop's thread."""
    loop_thread: list[int] = []

    async def main() -> BatchReport:
        loop_thread.append(threading.get_ident())
        async with AsyncClient(sandbox.api_key, base_url=sandbox.base_url, timeout=1.0) as client:
            return await aidentify_batch(
                client,
                inputs,
                VOICEPRINTS,
                manifest=tmp_path / "m.sqlite",
                out=tmp_path / "out",
                poll_interval=0.05,
                **options,
            )

    report = anyio.run(main, backend=backend)
    assert report.ok, report.failures
    assert len(report.inputs) == len(inputs)
    return loop_thread[0]


@pytest.mark.parametrize("backend", ["asyncio", pytest.param("trio", marks=pytest.mark.needs_trio)])
def test_an_async_batch_opens_reads_writes_and_closes_its_manifest_off_the_event_loop(
    backend: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each manifest call (the commit before a submission waits for the disk) would hold up every
    other task of the application while SQLite opens, reads, writes or syncs the file."""
    inputs = make_audio(tmp_path / "in", 2)
    database = SqliteWork(monkeypatch)
    lock = FileWork(monkeypatch, f"{tmp_path / 'm.sqlite'}.lock")

    loop = _loop_thread_run(backend, sandbox, inputs, tmp_path)

    assert {"connect", "BEGIN", "COMMIT", "SELECT", "UPDATE", "close"} <= database.kinds()
    assert database.on(loop) == []
    assert "open" in lock.kinds()
    assert lock.on(loop) == []


@pytest.mark.parametrize("backend", ["asyncio", pytest.param("trio", marks=pytest.mark.needs_trio)])
def test_an_async_batch_resumes_reconciles_and_recovers_off_the_event_loop(
    backend: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resumed run does more manifest work before and after its round: the retry flags, adopting
    a candidate job, reconciling an interrupted submission, recovering a result file, the summary."""
    inputs = make_audio(tmp_path / "in", 4)
    run_batch("sync", sandbox, inputs, tmp_path, manifest=tmp_path / "m.sqlite")
    rows = manifest_rows(tmp_path / "m.sqlite")
    with closing(sqlite3.connect(tmp_path / "m.sqlite")) as db, db:
        # An input refused before (retried with retry_failed), one whose submission was interrupted
        # long ago with no job since (reconciled: pending again), one left uncertain with its job as
        # the candidate (adopted), and one whose result file is gone (fetched again).
        db.execute(
            "UPDATE inputs SET status = 'failed', job_id = NULL, reason = 'refused' WHERE id = ?", (rows[0]["id"],)
        )
        newest = db.execute("SELECT job_id FROM jobs ORDER BY rowid DESC LIMIT 1").fetchone()[0]
        db.execute(
            "UPDATE inputs SET status = 'submitting', job_id = NULL, anchor = ?, "
            "submit_started_at = '2000-01-01T00:00:00.000+00:00' WHERE id = ?",
            (newest, rows[1]["id"]),
        )
        db.execute(
            "UPDATE inputs SET status = 'uncertain', job_id = NULL, candidate = ? WHERE id = ?",
            (rows[2]["job_id"], rows[2]["id"]),
        )
        db.execute("DELETE FROM jobs WHERE job_id = ?", (rows[2]["job_id"],))
    Path(rows[3]["result_json"]).unlink()
    database = SqliteWork(monkeypatch)

    loop = _loop_thread_run(backend, sandbox, inputs, tmp_path, retry_failed=True, adopt_uncertain=True)

    assert {"connect", "BEGIN", "COMMIT", "SELECT", "UPDATE", "close"} <= database.kinds()
    assert database.on(loop) == []
    after = {row["id"]: row for row in manifest_rows(tmp_path / "m.sqlite")}
    assert {row["status"] for row in after.values()} == {"succeeded"}
    assert after[rows[2]["id"]]["job_id"] == rows[2]["job_id"]  # adopted, not submitted again
    # Retried, and reconciled then submitted again: a second attempt each.
    assert [after[rows[index]["id"]]["attempts"] for index in (0, 1)] == [2, 2]
