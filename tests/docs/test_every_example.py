"""Every python block of README.md and docs/*.md is checked, so an example cannot drift from the API.

The convention, in the markdown: an HTML comment on the line right before a block's fence says how
it is checked.

- No comment: the block runs as printed, in a subprocess (at most 120 s), in an empty folder holding
  the files the examples name (``john.wav``, ``meeting.wav``, ``alice.txt``, ``bob.wav``,
  ``recordings/``: audio the sandbox understands), with ``PYANNOTEAI_API_KEY``,
  ``PYANNOTEAI_BASE_URL`` and ``PYANNOTEAI_WEBHOOK_SECRET`` naming a local sandbox; it must exit 0.
  A block whose first line names a test file (``# test_….py``) is run by pytest instead, in
  test_doc_examples.py.
- ``<!-- static: why -->``: a block that needs a web framework, a service or a request of yours
  (FastAPI, Flask, Django, Redis) is not run.
- ``<!-- fragment: continues the block above -->``: a deliberately partial block (names such as
  ``load_saved_cursor`` are yours) is not run; it is checked appended to the block above it, whose
  names (``client``) it uses.

Every block, run or not, must compile, and what it uses of ``pyannoteai_identify`` must exist: the
names it imports, the attributes it reads of the SDK's modules, classes and objects, and the
keyword arguments it passes to SDK callables (an ``ast`` walk against ``inspect.signature``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyannoteai_identify.sandbox import synthesize_speech, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox.pytest_fixture import running_sandbox
from tests.docs.examplekit import ROOT, Example, examples, sdk_misuses

EXAMPLES = examples()
RUN = [example for example in EXAMPLES if example.marker is None and not example.code.startswith("# test_")]


def _with_context(example: Example) -> str:
    """The block, after the block above it when it is a fragment."""
    if example.marker != "fragment":
        return example.code
    above = EXAMPLES[EXAMPLES.index(example) - 1]
    assert above.document == example.document, f"{example.id}: a fragment continues a block of its own page"
    return _with_context(above) + example.code


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.id for example in EXAMPLES])
def test_the_example_uses_only_what_the_sdk_has(example: Example) -> None:
    assert example.marker in (None, "static", "fragment"), f"{example.id}: unknown marker {example.marker!r}"
    code = _with_context(example)
    compile(code, example.id, "exec")
    assert sdk_misuses(code) == []


@pytest.fixture(scope="module")
def sandbox_environment() -> Iterator[dict[str, str]]:
    with running_sandbox() as sandbox:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PYANNOTEAI_")}
        environment.update(
            PYANNOTEAI_API_KEY=sandbox.api_key,
            PYANNOTEAI_BASE_URL=sandbox.base_url,
            PYANNOTEAI_WEBHOOK_SECRET=sandbox.webhook_secret,
            PYTHONPATH=os.pathsep.join([str(ROOT / "wrapper"), str(ROOT / "generated")]),
        )
        yield environment


def _example_files(folder: Path) -> None:
    (folder / "john.wav").write_bytes(voice_sample("John"))
    (folder / "meeting.wav").write_bytes(synthesize_speech([("John", 0.0, 4.0), ("Mary", 4.5, 8.0)]))
    (folder / "alice.txt").write_text(voiceprint_for("Alice") + "\n", encoding="utf-8")
    (folder / "bob.wav").write_bytes(voice_sample("Bob"))
    (folder / "recordings").mkdir()
    (folder / "recordings" / "call-01.wav").write_bytes(synthesize_speech([("Alice", 0.0, 3.0), ("Bob", 3.5, 6.0)]))
    (folder / "recordings" / "call-02.wav").write_bytes(synthesize_speech([("Bob", 0.0, 4.0)]))


@pytest.mark.parametrize("example", RUN, ids=[example.id for example in RUN])
def test_the_example_runs_against_the_sandbox(
    example: Example, sandbox_environment: dict[str, str], tmp_path: Path
) -> None:
    _example_files(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", example.code],
        cwd=tmp_path,
        env=sandbox_environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
