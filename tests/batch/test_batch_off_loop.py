"""An async batch leaves the work on its input files to worker threads: finding them in their folder,
checking them (size, WAV duration), hashing and uploading them. On the event loop's thread each
``os.stat``, ``open`` and read holds up every other task of the batch (and of the application
running it) while the disk answers. Runs on asyncio and on trio.
"""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest
from batchkit import VOICEPRINTS, make_audio

from pyannoteai_identify import AsyncClient
from pyannoteai_identify.batch import BatchReport, aidentify_batch
from pyannoteai_identify.sandbox import Sandbox
from tests.offloop import FileWork


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
