"""Helpers for the CLI tests: run the command in-process or as a process, and read what it printed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyannoteai_identify.cli import main
from pyannoteai_identify.sandbox import DEMO_TURNS, demo_audio, voice_sample, voiceprint_for

#: Distinctive credentials: no output may ever contain them.
API_KEY = "cli-test-key-7f3a9c0e5b"
WEBHOOK_SECRET = "whsec_cli-test-secret-41d2"

#: The synthesised meeting's truth as (label, start, end), and the RTTM speakers it implies.
TRUTH: tuple[tuple[str, float, float], ...] = DEMO_TURNS

#: Global options that make waits quick against the fast sandbox (jobs end within about 50 ms).
FAST_POLL = ("--poll-interval", "0.05")

#: Running the command as a user would: the module form works with the editable install of CI.
COMMAND = [sys.executable, "-m", "pyannoteai_identify.cli"]


@dataclass(frozen=True)
class Run:
    """What one run of the command returned and printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def _assert_no_credentials(run: Run) -> None:
    for secret in (API_KEY, WEBHOOK_SECRET):
        assert secret not in run.out and secret not in run.err, "a credential was printed"


def identify_argv(audio: str | Path, voiceprints: Mapping[str, str | Path], *options: str) -> list[str]:
    """``identify AUDIO --voiceprint LABEL=SOURCE …``, one option for each of *voiceprints* in their order,
    then *options*."""
    argv = ["identify", str(audio)]
    for label, source in voiceprints.items():
        argv += ["--voiceprint", f"{label}={source}"]
    return [*argv, *options]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``main(argv)`` in-process; the credentials must appear in neither stream."""
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    run = Run(code, captured.out, captured.err)
    _assert_no_credentials(run)
    return run


def run_process(
    argv: Sequence[str], env: Mapping[str, str], *, stdin: bytes = b"", timeout: float = 60.0, module: bool = False
) -> Run:
    """The command as a separate process (``python -m pyannoteai_identify`` when *module*)."""
    command = [sys.executable, "-m", "pyannoteai_identify"] if module else COMMAND
    completed = subprocess.run(
        [*command, *argv], input=stdin, capture_output=True, env={**os.environ, **env}, timeout=timeout, check=False
    )
    run = Run(completed.returncode, completed.stdout.decode(), completed.stderr.decode())
    _assert_no_credentials(run)
    return run


def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def parse_rttm(text: str) -> list[tuple[str, str, float, float]]:
    """RTTM ``SPEAKER`` lines as (file id, speaker, start, end); any other line fails the test."""
    rows = []
    for line in text.splitlines():
        fields = line.split()
        assert len(fields) == 10 and fields[0] == "SPEAKER", f"not an RTTM SPEAKER line: {line!r}"
        start, duration = float(fields[3]), float(fields[4])
        rows.append((fields[1], fields[7], round(start, 3), round(start + duration, 3)))
    return rows


def truth_rows(file_id: str) -> list[tuple[str, str, float, float]]:
    """The synthesised truth in the shape of :func:`parse_rttm`."""
    return [(file_id, label, start, end) for label, start, end in TRUTH]


def turns_of(output: Mapping[str, object]) -> list[tuple[str | None, float, float]]:
    """(match, start, end) of each turn of an identify result's JSON."""
    turns = output["identification"]
    assert isinstance(turns, list)
    return [(turn["match"], turn["start"], turn["end"]) for turn in turns]


@dataclass(frozen=True)
class Audio:
    """Synthesised files: the two-speaker meeting, enrollment clips, and voiceprints as text."""

    meeting: Path
    alice_wav: Path
    bob_wav: Path
    bob_txt: Path

    @property
    def alice(self) -> str:
        return voiceprint_for("Alice")

    @property
    def bob(self) -> str:
        return voiceprint_for("Bob")


def write_audio(folder: Path) -> Audio:
    """The demo meeting (Alice and Bob, see ``DEMO_TURNS``) and what enrolls each speaker, in *folder*."""
    files = Audio(folder / "meeting.wav", folder / "alice.wav", folder / "bob.wav", folder / "bob.txt")
    files.meeting.write_bytes(demo_audio())
    files.alice_wav.write_bytes(voice_sample("Alice", 5.0))
    files.bob_wav.write_bytes(voice_sample("Bob", 5.0))
    files.bob_txt.write_text(files.bob + "\n", encoding="utf-8")
    return files
