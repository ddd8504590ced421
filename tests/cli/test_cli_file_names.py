"""Audio files whose names are not UTF-8: on Linux a name is bytes, and a folder copied from an old
Latin-1 system holds such names, which Python hands over as surrogate escapes. The client cannot
name an upload with them; the command says so as `batch` does, with the name as `ls -b` shows it,
how to send the file anyway, and nothing sent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from clikit import Audio, run_cli

from pyannoteai_identify.cli import OK, USAGE
from pyannoteai_identify.sandbox import Sandbox


def _latin1_copy(source: Path, folder: Path) -> str:
    """A copy of *source* in *folder* named ``caf\\xe9.wav`` (Latin-1 bytes): the path as Python has it."""
    named = os.fsencode(folder) + b"/caf\xe9.wav"
    shutil.copyfile(source, named)
    return os.fsdecode(named)


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("identify", ("AUDIO {shown}: ", "pyannoteai-identify identify - --voiceprint … < FILE")),
        ("voiceprint", ("AUDIO {shown}: ", "pyannoteai-identify voiceprint - < FILE")),
        ("enrolled", ("--voiceprint Bob={shown}: ", "--voiceprint Bob=- … < FILE")),
    ],
)
def test_an_audio_file_whose_name_is_not_utf8_is_refused_as_batch_refuses_it_with_how_to_send_it(
    env: Sandbox,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
    said: tuple[str, str],
) -> None:
    """It said "audio='\\udce9.wav': must be valid Unicode text (it contains a lone surrogate)": a name
    no `ls` shows, and no word of the file name or of what to do."""
    latin1 = _latin1_copy(audio.alice_wav if command != "identify" else audio.meeting, tmp_path)
    argv = {
        "identify": ["identify", latin1, "--voiceprint", f"Alice={audio.alice}"],
        "voiceprint": ["voiceprint", latin1],
        "enrolled": [
            "identify",
            str(audio.meeting),
            "--voiceprint",
            f"Alice={audio.alice}",
            "--voiceprint",
            f"Bob={latin1}",
        ],
    }[command]

    run = run_cli(capsys, *argv)

    given, piped = said
    shown = str(tmp_path) + "/caf\\xe9.wav"
    assert (run.code, run.out) == (USAGE, "")
    assert run.err_lines == [
        f"error: {given.format(shown=shown)}the file name is not valid UTF-8, which the upload's name must be: "
        f"rename it (for example with convmv), or give the file on standard input: {piped}"
    ]
    assert sum(env.stats.requests.values()) == 0


def test_a_voiceprint_text_file_or_an_output_file_whose_name_is_not_utf8_is_used(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Only an upload needs its name as text: a voiceprint read from a file, and -o, take any name."""
    named = os.fsencode(tmp_path) + b"/bob-\xe9"
    Path(os.fsdecode(named + b".vp")).write_text(audio.bob + "\n", encoding="utf-8")
    output = os.fsdecode(named + b".json")

    run = run_cli(
        capsys,
        *["identify", str(audio.meeting), "--voiceprint", f"Bob={os.fsdecode(named + b'.vp')}"],
        *["--format", "json", "-o", output],
    )

    assert run.code == OK, run.err
    assert '"identification"' in Path(output).read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["identify", "voiceprint"])
def test_a_url_that_is_not_utf8_is_refused_as_a_url_not_as_a_file_name_to_rename(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A URL is no file: identify said of one "the file name is not valid UTF-8 ... rename it, or give
    the file on standard input", where voiceprint (and the SDK) refuse the URL as text that is not
    Unicode. Both commands say the same, and nothing is sent."""
    url = os.fsdecode(b"https://example.com/caf\xe9.wav")
    argv = ["identify", url, "--voiceprint", f"Alice={audio.alice}"] if command == "identify" else ["voiceprint", url]

    run = run_cli(capsys, *argv)

    assert (run.code, run.out) == (USAGE, "")
    assert run.err_lines == [
        "error: audio='https://example.com/caf\\udce9.wav': must be valid Unicode text (it contains a lone surrogate)"
    ]
    assert sum(env.stats.requests.values()) == 0
