"""SIGKILL a batch run at random points, run it again, and count on the server that nothing was billed twice.

Each run is a separate process (the real command line) talking to the sandbox over 127.0.0.1. The
parent watches the sandbox's own request counters and kills the child with SIGKILL right after
the server has received the N-th upload, submission or result fetch (N drawn from a seeded RNG),
so kills land inside the windows that matter: between a submission reaching the API and its job
id being committed, between a result being fetched and being recorded.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from batchkit import make_audio, manifest_rows, requests_of

from pyannoteai_identify import Client
from pyannoteai_identify.sandbox import Sandbox, voiceprint_for

INPUTS = 24
KILLS = 4
SEED = int(os.environ.get("BATCH_KILL_SEED", "20260501"))
CHILD_TIMEOUT = 30.0
PROGRAM = "import sys\nfrom pyannoteai_identify.batch import main\nsys.exit(main(sys.argv[1:]))\n"
OPERATIONS = ("getMediaUploadUrl", "identify", "identify", "getJobById")


def start(sandbox: Sandbox, tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    args = [
        str(tmp_path / "audio"),
        "--voiceprint",
        f"Alice={voiceprint_for('Alice')}",
        "--voiceprint",
        f"Bob={voiceprint_for('Bob')}",
        "--out",
        str(tmp_path / "out"),
        "--concurrency",
        "4",
        "--poll-interval",
        "0.05",
        # A short request timeout keeps the wait for an interrupted submission to land (the read
        # timeout plus a margin) short, so each run fits in CHILD_TIMEOUT.
        "--timeout",
        "2",
        "-q",
        *extra,
    ]
    env = {**os.environ, "PYANNOTEAI_API_KEY": sandbox.api_key, "PYANNOTEAI_BASE_URL": sandbox.base_url}
    return subprocess.Popen(
        [sys.executable, "-c", PROGRAM, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def run_to_end(sandbox: Sandbox, tmp_path: Path, *extra: str) -> int:
    child = start(sandbox, tmp_path, *extra)
    try:
        return child.wait(CHILD_TIMEOUT)
    finally:
        child.kill()


def kill_after(sandbox: Sandbox, tmp_path: Path, operation: str, count: int) -> bool:
    """Start a run and SIGKILL it once the server has seen *count* requests to *operation*; True if killed."""
    child = start(sandbox, tmp_path)
    deadline = time.monotonic() + CHILD_TIMEOUT
    try:
        while child.poll() is None and time.monotonic() < deadline:
            if sandbox.stats.requests[operation] >= count:
                child.send_signal(signal.SIGKILL)
                child.wait(CHILD_TIMEOUT)
                return True
            time.sleep(0.001)
        assert child.poll() is not None, "the batch run did not end in time"
        return False
    finally:
        child.kill()


def jobs_per_input(manifest: Path) -> dict[int, int]:
    with closing(sqlite3.connect(manifest)) as db, db:
        return dict(db.execute("SELECT input_id, COUNT(*) FROM jobs GROUP BY input_id").fetchall())


def test_killing_runs_at_random_points_never_bills_an_input_twice(sandbox: Sandbox, tmp_path: Path) -> None:
    """After SIGKILLs mid-upload, mid-submission and mid-fetch, rerunning finishes the batch with one job per input."""
    make_audio(tmp_path / "audio", INPUTS)
    manifest = tmp_path / "out" / "batch-manifest.sqlite"
    rng = random.Random(SEED)
    kills = 0
    for _ in range(KILLS):
        operation = rng.choice(OPERATIONS)
        target = sandbox.stats.requests[operation] + rng.randint(1, INPUTS // 3)
        kills += kill_after(sandbox, tmp_path, operation, target)
    assert kills >= 2, "the runs ended before the kill points: the test proved nothing"

    run_to_end(sandbox, tmp_path)

    rows = manifest_rows(manifest)
    statuses = [row["status"] for row in rows]
    assert len(rows) == INPUTS and set(statuses) <= {"succeeded", "uncertain"}
    uncertain = statuses.count("uncertain")
    per_input = jobs_per_input(manifest)
    assert all(count == 1 for count in per_input.values()), "an input was submitted twice"
    assert sum(per_input.values()) == INPUTS - uncertain
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        on_server = {job.id for job in client.jobs()}
    recorded = {row["job_id"] for row in rows if row["job_id"]}
    orphans = on_server - recorded
    # A job the batch never learned the id of exists only where a kill hit a submission in flight, and
    # each such input is left 'uncertain' rather than sent again: nothing is billed twice.
    assert len(orphans) <= uncertain
    assert sandbox.stats.submissions == (INPUTS - uncertain) + len(orphans) <= INPUTS

    sandbox.stats.reset()
    assert run_to_end(sandbox, tmp_path) == (0 if uncertain == 0 else 1)
    assert requests_of(sandbox) == {"testKey": 1}, "a resumed finished batch sent more than the key check"

    # Each uncertain input has one candidate (the job created right after its mark): adopting them
    # finishes the batch with no new submission, and each adopted result is that input's audio.
    assert run_to_end(sandbox, tmp_path, "--adopt-uncertain", "--resubmit-uncertain") == 0
    assert sandbox.stats.submissions == uncertain - len(orphans)
    rows = manifest_rows(manifest)
    assert {row["status"] for row in rows} == {"succeeded"}
    for row in rows:
        index = int(Path(row["source"]).stem.removeprefix("rec"))
        alice = json.loads(row["talk_time"])["Alice"]
        assert alice == pytest.approx(0.8 + 0.01 * index, abs=0.05), f"{row['name']} holds another input's result"
        assert Path(row["result_json"]).is_file() and Path(row["result_rttm"]).is_file()
