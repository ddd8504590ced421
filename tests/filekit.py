"""A local file this user may not read, for the tests of the checks that refuse it before any request.

The tests run as root, who reads a file whatever its mode bits: ``chmod 000`` alone proves nothing
there. :func:`refuse_every_open` refuses every open of the file (``os.open`` and ``open``) as the
system refuses a user without the right to read it, whichever of the two the code under test calls.
"""

from __future__ import annotations

import builtins
import errno
import os
from pathlib import Path
from typing import Any

import pytest


def refuse_every_open(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """Make *locked* unreadable: mode 000, and each ``os.open`` or ``open`` of it a PermissionError."""
    locked.chmod(0)
    real_os_open, real_open = os.open, builtins.open

    def refused(file: Any) -> bool:
        return isinstance(file, str | os.PathLike) and os.fspath(file) == str(locked)

    def denied(file: Any) -> PermissionError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))

    def os_open(file: Any, *args: Any, **kwargs: Any) -> int:
        if refused(file):
            raise denied(file)
        return real_os_open(file, *args, **kwargs)

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        if refused(file):
            raise denied(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
