"""``escaped``: text that may hold a file name that is not UTF-8 (on Linux a name is bytes, which
reaches Python as surrogate escapes), made printable and storable: each such byte shown escaped
(``caf\\xe9.wav``), as ``ls -b`` shows it, so that a terminal, a log, a CSV or SQLite can take it."""

from __future__ import annotations

__all__ = ["escaped"]


def escaped(text: str) -> str:
    """*text* with each byte that is not UTF-8 (a surrogate escape) shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
