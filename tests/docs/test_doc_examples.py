"""The documentation's examples: the one that needs nothing but the package runs as printed, and the
receiver examples the README repeats from docs/webhooks.md stay word for word the same."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python_blocks(document: str) -> list[str]:
    text = (ROOT / document).read_text(encoding="utf-8")
    return [match.group(1) for match in re.finditer(r"```python\n(.*?)```", text, re.S)]


def _block_starting(document: str, first_line: str) -> str:
    (block,) = [block for block in _python_blocks(document) if block.splitlines()[0] == first_line]
    return block


def test_the_readmes_sandbox_example_prints_what_its_last_comment_says(tmp_path: Path) -> None:
    """Pasted into a file and run in an empty folder, the README's sandbox example (synthesised audio,
    an enrollment, an identify job) prints the line its closing comment shows."""
    (block,) = [block for block in _python_blocks("README.md") if "with Sandbox() as sandbox" in block]
    shown = block.rstrip().splitlines()[-1].strip()
    assert shown.startswith("# "), "the example ends with a comment showing what it prints"
    run = subprocess.run(
        [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == shown.removeprefix("# ")


@pytest.mark.parametrize(
    "first_line",
    [
        "from fastapi import BackgroundTasks, FastAPI, Request, Response",
        "from concurrent.futures import ThreadPoolExecutor",
        "# views.py",
    ],
    ids=["fastapi", "flask", "django"],
)
def test_the_readmes_webhook_examples_are_the_ones_in_docs_webhooks(first_line: str) -> None:
    """The README repeats docs/webhooks.md's receivers for a first look: a fix made in one place only
    would leave the other teaching the old code."""
    assert _block_starting("README.md", first_line) == _block_starting("docs/webhooks.md", first_line)


@pytest.mark.parametrize("number", range(len(_python_blocks("docs/testing.md"))))
def test_the_testing_guide_s_examples_pass_under_pytest(tmp_path: Path, number: int) -> None:
    """Each example of docs/testing.md, saved as the file its first line names, passes under pytest
    with nothing but the plugin (which the installed package registers) and the SDK."""
    block = _python_blocks("docs/testing.md")[number]
    name = block.splitlines()[0].removeprefix("# ").strip()
    assert name.startswith("test_") and name.endswith(".py"), "the example's first line names its file"
    (tmp_path / name).write_text(block, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYANNOTEAI_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "wrapper"), str(ROOT / "generated")])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "pyannoteai_identify.testing", name],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _text_writes_without_encoding(block: str) -> list[str]:
    """The calls in *block* that write text in the locale's encoding: ``write_text`` or a text-mode
    ``open(..., "w"/"a"/"x")`` without ``encoding=``."""
    found = []
    for node in ast.walk(ast.parse(block)):
        if not isinstance(node, ast.Call) or any(keyword.arg == "encoding" for keyword in node.keywords):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        modes = [*node.args, *(keyword.value for keyword in node.keywords if keyword.arg == "mode")]
        text_mode = any(
            isinstance(mode, ast.Constant)
            and isinstance(mode.value, str)
            and bool(set(mode.value) & set("wax"))
            and "b" not in mode.value
            for mode in modes
        )
        if name == "write_text" or (name == "open" and text_mode):
            found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize(
    "document", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
)
def test_the_documentations_examples_write_text_files_as_utf_8(document: str) -> None:
    """The README wrote RTTM with ``Path(...).write_text(...)``, in the locale's encoding: a non-ASCII
    label (``José``) raised UnicodeEncodeError on Windows (cp1252 and the like)."""
    assert [call for block in _python_blocks(document) for call in _text_writes_without_encoding(block)] == []
