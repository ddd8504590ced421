"""The names of the local audio files the command line uploads: on Linux a name is bytes, and one
that is not UTF-8 (a folder copied from an old Latin-1 system) reaches Python as surrogate escapes,
which the SDK refuses as text that is not Unicode. The command says it as ``batch`` does, with the
name as ``ls -b`` shows it, and how to send the file anyway: on standard input, where no name goes."""

from __future__ import annotations

from ._cli_errors import CLIError
from ._escaped import escaped

__all__ = ["check_file_name"]


def check_file_name(given: str, path: str, piped: str) -> None:
    """Refuse the audio file *path* whose name is not UTF-8, before anything is sent; *given* is
    what comes before it where it was typed (``AUDIO ``, ``--voiceprint Alice=``), *piped* the
    command that gives it on standard input instead (``identify - … < FILE``)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise CLIError(
            f"{given}{escaped(path)}: the file name is not valid UTF-8, which the upload's name must be: "
            f"rename it (for example with convmv), or give the file on standard input: {piped}"
        ) from None
