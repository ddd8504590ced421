"""Client.identify_batch and AsyncClient.identify_batch run the batch engine with the client's settings."""

from __future__ import annotations

import asyncio
import inspect
import signal
import threading
import time
from pathlib import Path
from typing import ForwardRef

import anyio
import pytest
from batchkit import HELD_RUN_TIMEOUT, VOICEPRINTS, make_audio

from pyannoteai_identify import AsyncClient, Client, ValidationError
from pyannoteai_identify.batch import BatchOptions, aidentify_batch, identify_batch
from pyannoteai_identify.batch._inputs import Found
from pyannoteai_identify.sandbox import Sandbox


def test_the_sync_method_identifies_every_input_and_a_rerun_submits_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    """Two files are identified once each; running the same batch again creates no job."""
    inputs = make_audio(tmp_path / "in", 2)
    options = {"manifest": tmp_path / "m.sqlite", "out": tmp_path / "out", "poll_interval": 0.05}
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        report = client.identify_batch(inputs, VOICEPRINTS, **options)
        assert report.ok
        assert len(report.inputs) == 2
        again = client.identify_batch(inputs, VOICEPRINTS, **options)
    assert again.ok
    assert sandbox.stats.submissions == 2


def test_a_ctrl_c_before_the_batchs_own_loop_has_begun_cancels_the_run_as_it_begins() -> None:
    """Ctrl-C may reach the caller's thread after the batch's worker thread was started and before its
    loop ran the batch: the run is then cancelled at its first checkpoint, not run to its end; a
    cancellation after the run ended changes nothing (its loop is closed)."""
    from pyannoteai_identify.batch._api import _CancellableRun

    reached: list[str] = []

    async def main() -> object:
        reached.append("began")
        await anyio.sleep(0)  # the first checkpoint: a cancelled run stops here
        reached.append("finished")
        return "report"

    run = _CancellableRun(main)  # type: ignore[arg-type]
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        anyio.run(run)
    assert reached == ["began"]

    reached.clear()
    finished = _CancellableRun(main)  # type: ignore[arg-type]
    assert anyio.run(finished) == "report"
    finished.cancel()
    assert reached == ["began", "finished"]


@pytest.mark.sandbox(speed=100.0, queue_seconds=3600.0)  # jobs held in the queue for 36 s
def test_ctrl_c_stops_a_sync_batch_run_from_inside_an_event_loop_at_once_and_a_rerun_resumes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """``identify_batch`` called where an event loop runs (a notebook's cell) runs its own loop in a
    worker thread. Ctrl-C there (the kernel's KeyboardInterrupt, in the caller's thread) reached the
    caller, whose thread pool then waited for the whole run to end in that thread, polling on to its
    deadline (hours, by default) before the interruption was raised. Ctrl-C now cancels the run, as on
    the caller's own loop: nothing is sent after it, the manifest is closed, and a rerun resumes."""
    inputs = make_audio(tmp_path / "in", 2)
    options = {"manifest": tmp_path / "m.sqlite", "out": tmp_path / "out", "poll_interval": 0.05}
    main_thread = threading.get_ident()
    sent_at_interrupt: list[int] = []

    def interrupt_once_submitted() -> None:  # Ctrl-C, once both jobs exist (within 10 s)
        deadline = time.monotonic() + 10
        while sandbox.stats.submissions < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        sent_at_interrupt.append(sum(sandbox.stats.requests.values()))
        signal.pthread_kill(main_thread, signal.SIGINT)

    async def notebook_cell(client: Client) -> object:
        threading.Thread(target=interrupt_once_submitted, daemon=True).start()
        return client.identify_batch(inputs, VOICEPRINTS, **options, timeout=HELD_RUN_TIMEOUT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    loop = asyncio.new_event_loop()
    try:
        with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
            with pytest.raises(KeyboardInterrupt):
                loop.run_until_complete(notebook_cell(client))
            sent_after_return = sum(sandbox.stats.requests.values())
            assert [thread.name for thread in threading.enumerate() if thread.name.startswith("pyannoteai-batch")] == []
            assert sent_after_return - sent_at_interrupt[0] <= 1  # at most the request in flight at Ctrl-C
            sandbox.advance(36 + 1)  # the queued jobs (36 s at speed 100) run and end
            report = client.identify_batch(inputs, VOICEPRINTS, **options)
    finally:
        loop.close()
        signal.signal(signal.SIGINT, previous)
    assert report.ok
    assert sandbox.stats.submissions == 2


@pytest.mark.anyio
async def test_the_async_method_is_a_coroutine_with_the_same_outcome(sandbox: Sandbox, tmp_path: Path) -> None:
    """The async twin awaits the same engine and writes a result per input."""
    inputs = make_audio(tmp_path / "in", 2)
    async with AsyncClient(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        report = await client.identify_batch(
            inputs, VOICEPRINTS, manifest=tmp_path / "m.sqlite", out=tmp_path / "o", poll_interval=0.05
        )
    assert report.ok
    assert sandbox.stats.submissions == 2
    assert len(list((tmp_path / "o").glob("*.json"))) == 2


@pytest.mark.parametrize("function", [identify_batch, aidentify_batch])
def test_batch_options_type_exactly_the_optional_keywords_of_the_batch_functions(function: object) -> None:
    """``Client.identify_batch(**options: Unpack[BatchOptions])`` lets a type checker refuse a
    misspelt option only while the TypedDict names each keyword with the function's own type."""
    parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    keywords = {p.name: p.annotation for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is not p.empty}
    declared = {
        name: hint.__forward_arg__ if isinstance(hint, ForwardRef) else hint
        for name, hint in BatchOptions.__annotations__.items()
    }
    assert declared == keywords
    assert BatchOptions.__required_keys__ == frozenset()


@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_help_of_identify_batch_names_the_public_batch_module(client_class: type[Client | AsyncClient]) -> None:
    """``help(Client.identify_batch)`` showed ``Unpack[_batch.BatchOptions]`` and ``'_batch.BatchReport'``,
    a module alias private to the client's module: it names ``pyannoteai_identify.batch``, where the
    user imports them from, and ``typing.get_type_hints`` still resolves both to the classes."""
    import pydoc
    import typing

    from pyannoteai_identify.batch import BatchReport

    method = client_class.identify_batch
    shown = pydoc.render_doc(method, renderer=pydoc.plaintext)
    assert "_batch." not in shown
    assert "Unpack[pyannoteai_identify.batch.BatchOptions]" in shown
    assert "pyannoteai_identify.batch.BatchReport" in shown
    hints = typing.get_type_hints(method)
    assert hints["options"] == typing.Unpack[BatchOptions]
    assert hints["return"] is BatchReport


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_found_record_with_an_output_name_outside_the_out_folder_is_refused_before_anything_is_sent(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A hand-built ``Found`` whose stem climbs out of the out folder ran: its results were written
    next to the out folder, not in it. It is a ValidationError naming the field, before any request."""
    (audio,) = make_audio(tmp_path / "in", 1)
    found = Found(str(audio.resolve()), "file", "../escaped")
    options = {"manifest": tmp_path / "m.sqlite", "out": tmp_path / "out", "poll_interval": 0.05}
    with pytest.raises(ValidationError, match=r"inputs\[0\]\.stem='\.\./escaped'"):
        if mode == "sync":
            with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
                client.identify_batch([found], VOICEPRINTS, **options)
        else:

            async def main() -> None:
                async with AsyncClient(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
                    await client.identify_batch([found], VOICEPRINTS, **options)

            anyio.run(main)
    assert sum(sandbox.stats.requests.values()) == 0
    assert not (tmp_path / "escaped.json").exists() and not (tmp_path / "m.sqlite").exists()
