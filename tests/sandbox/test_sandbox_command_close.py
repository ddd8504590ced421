"""``pyannoteai-identify sandbox``: a SIGTERM at any point of its stop ends it cleanly, never as an
internal exception escaping ``serve``."""

from __future__ import annotations

import io
import signal
import threading
from typing import Any

import pytest

from pyannoteai_identify.sandbox import _cli, serve


def _sigterm() -> None:
    """What the process does when a SIGTERM arrives: run the handler serve() installed, in this thread."""
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler), handler
    handler(signal.SIGTERM, None)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_sigterm_just_before_or_after_the_close_is_no_uncaught_internal_exception(
    monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """serve() marked itself as stopping (so that a SIGTERM forces the close) before it entered the
    ``try`` of ``_close`` that catches what the handler raises, and unmarked itself only after leaving
    it: a SIGTERM in either gap came out of serve() as the internal ``_Forced`` exception (a traceback,
    the process dead of it) instead of "sandbox stopped". The signal handler is run at those two points
    here, as the interpreter would run it between two instructions."""
    real_close = _cli._close
    closed: list[Any] = []

    def close_with_a_sigterm(*args: Any, **kwargs: Any) -> Any:
        if when == "before":
            _sigterm()
        status = real_close(*args, **kwargs)
        closed.append(status)
        if when == "after":
            _sigterm()
        return status

    monkeypatch.setattr(_cli, "_close", close_with_a_sigterm)
    assert threading.current_thread() is threading.main_thread()  # serve() installs its handler only there
    before = signal.getsignal(signal.SIGTERM)
    stop, out = threading.Event(), io.StringIO()
    stop.set()  # serve() stops at once, as after a first SIGTERM

    code = serve(["--quiet"], out=out, stop=stop)

    assert closed == [None]  # the sandbox was closed, and not cut short
    assert code == 0
    assert out.getvalue().splitlines()[-1] == "sandbox stopped"
    assert signal.getsignal(signal.SIGTERM) == before
