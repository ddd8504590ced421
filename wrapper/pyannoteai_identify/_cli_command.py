"""The commands the command line prints for the user to run next (resume a wait or a listing, keep
an enrolled voiceprint): quoted for a POSIX shell, and talking to the server this command talked to."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from ._redact import hide_secrets

__all__ = ["PROGRAM", "command_line"]

PROGRAM = "pyannoteai-identify"


def command_line(words: Sequence[str], base_url: str | None = None) -> str:
    """``pyannoteai-identify WORDS…`` quoted for a POSIX shell, ending with ``--base-url URL`` when
    *base_url* was given as an option (without it, the command printed would ask the server of
    ``PYANNOTEAI_BASE_URL`` or the default one). The URL is shown as a log line shows it (a query or
    ``user:password@`` hidden; the client refuses both anyway). Never the API key: the command printed
    reads it where this one did, or from ``--api-key`` given again."""
    if base_url is not None:
        words = [*words, "--base-url", hide_secrets(base_url)]
    return shlex.join([PROGRAM, *words])
