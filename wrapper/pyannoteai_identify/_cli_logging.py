"""The command line's log lines: the library's records on standard error while a command runs.

A library never configures logging (``__init__`` gives its logger a ``NullHandler``), so the
command does it, for the run of one command only: :func:`command_logging` adds a handler to each
logger that ``-v`` shows and takes it away again, with its level, when the command ends. The
root logger is never touched, and a program that calls ``main()`` keeps its own logging as it was:
its handlers get the records they got before, no more (the levels ``-v`` lowers are for the
command's own handler).

Each record is one line, ``warning: <message>`` (``info:``, ``debug:``, ``error:``), with no
timestamp: the level word keeps it apart from a result, which goes to standard output anyway. A
record of another library (httpx, httpcore) names its logger after the level word.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import _fork

__all__ = ["LIBRARY", "VERBOSE_HELP", "command_logging", "shown_levels"]

#: The library's logger; its children (``.batch``, ``.webhooks``, ``.sandbox``) follow it.
LIBRARY = "pyannoteai_identify"

VERBOSE_HELP = (
    "more log lines on stderr (warnings and errors always show): -v info lines (each job created), "
    "-vv also debug lines (each response) and httpx's line per request, -vvv also httpcore's connection "
    "trace; counted before and after the command; independent of -q (-q -v: log lines without a progress "
    "display). Keys and secrets are never shown"
)


def shown_levels(verbosity: int) -> dict[str, int]:
    """The loggers a command shows at *verbosity* (how many ``-v``), and the lowest level of each."""
    if verbosity <= 0:
        return {LIBRARY: logging.WARNING}
    if verbosity == 1:
        return {LIBRARY: logging.INFO}
    if verbosity == 2:
        return {LIBRARY: logging.DEBUG, "httpx": logging.INFO}  # httpx logs each request at INFO
    return {LIBRARY: logging.DEBUG, "httpx": logging.DEBUG, "httpcore": logging.DEBUG}


class _LineFormatter(logging.Formatter):
    """``level: message`` on one line; lines that a message (or a traceback) adds are indented, so
    that none of them can pass for a record of its own, or for a result."""

    def __init__(self, *, tracebacks: bool, words: Callable[[str], str]) -> None:
        super().__init__()
        self._tracebacks = tracebacks
        self._words = words

    def format(self, record: logging.LogRecord) -> str:
        text = self._words(record.getMessage())
        if record.name != LIBRARY and not record.name.startswith(f"{LIBRARY}."):
            text = f"{record.name}: {text}"
        if record.exc_info and record.exc_info[1] is not None:
            if self._tracebacks:  # --debug
                text = f"{text}\n{self.formatException(record.exc_info)}"
            else:
                error = record.exc_info[1]
                text = f"{text} ({type(error).__name__}: {error})" if str(error) else f"{text} ({type(error).__name__})"
        return f"{record.levelname.lower()}: " + "\n  ".join(text.splitlines() or [""])


class _StderrHandler(logging.Handler):
    """Writes each record to ``sys.stderr`` as it is when the record comes, as Python's last-resort
    handler does. While rich draws a progress bar or a spinner there, ``sys.stderr`` is rich's proxy,
    which prints the line above the display instead of through it; without rich, the stream itself."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = sys.stderr
            if stream is None:  # closed (`2>&-`): nowhere to say it
                return
            stream.write(line + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def command_logging(
    verbosity: int = 0, *, tracebacks: bool = False, words: Callable[[str], str] = str
) -> Iterator[None]:
    """Show the records of :func:`shown_levels` (*verbosity*) on standard error inside this block;
    *tracebacks* (``--debug``): a record's exception with its traceback, not just its message;
    *words*: a message as the command line says it (``--base-url`` for the SDK's ``base_url``).

    The handler and the loggers' levels are put back as they were on the way out, whatever ends the
    block: ``main()`` may run many times in one process.
    """
    formatter = _LineFormatter(tracebacks=tracebacks, words=words)
    added: list[tuple[str, _StderrHandler]] = []
    try:
        for name, level in shown_levels(verbosity).items():
            handler = _StderrHandler(level)
            handler.setFormatter(formatter)
            _hold(name, handler)
            added.append((name, handler))
        yield
    finally:
        for name, handler in reversed(added):
            _release(name, handler)
            handler.close()


@dataclass
class _Held:
    """A logger some running command holds: what it was before the first of them began (its level),
    the handler of each command running (main() may run in threads: their blocks may end in any
    order), the handler that passes records on to the program's own handlers of the logger, and the
    stand-in parent that passes them on to its parents' (None when the logger did not propagate)."""

    level: int
    forward: _Forward
    parent: _Parent | None
    handlers: list[_StderrHandler] = field(default_factory=list)


class _Forward(logging.Handler):
    """Stands for the program's own handlers of a held logger (*own*, taken off it while commands
    run), or, on a :class:`_Parent`, for those of the logger's parents (*parent*, where the records
    go on): passes each record on to them as logging would have before the command, from the level
    of the logger that made it as it was then. Lowering a level for ``-v`` must not hand a program's
    own handlers (on the logger or the root) the debug records they never asked for, and a child
    logger the program set lower keeps its records."""

    def __init__(self, logger: logging.Logger, own: list[logging.Handler], parent: logging.Logger | None) -> None:
        super().__init__()
        self._logger = logger
        self.own = own
        self._parent = parent

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < _level_before(record.name, self._logger):
            return
        handlers = list(self.own)
        logger = self._parent
        while logger is not None:
            handlers += logger.handlers
            logger = logger.parent if logger.propagate else None
        for handler in handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


class _Parent(logging.Logger):
    """The parent a held logger that propagates has while commands run, in place of its own: a record
    that propagates meets only its forward, which passes it on to the real parents from the levels of
    before the command, and goes no further itself.

    Why a stand-in, rather than ``propagate = False`` and a forward on the logger: ``callHandlers``
    reads a logger's handler list, then its ``propagate``, then its ``parent``, without a lock, so a
    switch of two of them let another thread's record meet one old and one new (it reached the root
    twice when a command started, never when it ended). Each switch here is one assignment that
    leaves every record one way to each handler, before it or after it: the held logger's handler
    list, and its parent; ``propagate`` is never touched. Not registered with the logging manager,
    it is found only through the held logger; its level is NOTSET, so effective levels are read
    through it from the real parent."""

    def __init__(self, held: logging.Logger, parent: logging.Logger) -> None:
        super().__init__(f"{held.name} (while a command runs)")
        self.parent = parent
        self.propagate = False
        self.handlers = [_Forward(held, [], parent)]


def _level_before(name: str, held: logging.Logger) -> int:
    """The effective level the logger *name* (*held* or one under it) had before any command ran."""
    found = logging.Logger.manager.loggerDict.get(name)
    logger: logging.Logger | None = found if isinstance(found, logging.Logger) else held
    while logger is not None:
        before = _held.get(logger.name)
        level = before.level if before is not None else logger.level
        if level:
            return level
        logger = logger.parent
    return logging.WARNING


_held: dict[str, _Held] = {}
_held_lock = threading.Lock()


def _new_held_lock() -> None:
    """In a forked child: a new lock (a command of another thread may have held it at the fork)."""
    global _held_lock
    _held_lock = threading.Lock()


_fork.in_child(_new_held_lock)


def _hold(name: str, handler: _StderrHandler) -> None:
    logger = logging.getLogger(name)
    with _held_lock:
        held = _held.get(name)
        if held is None:
            # The program's own handlers, and the parents', get records through the forwards, from the old levels.
            own = list(logger.handlers)
            parent = _Parent(logger, logger.parent) if logger.propagate and logger.parent is not None else None
            held = _held[name] = _Held(logger.level, _Forward(logger, own, None), parent)
            logger.handlers = [held.forward]  # one assignment: another thread's record meets one or the other
            if parent is not None:
                logger.parent = parent  # one assignment too: the parents' handlers get each record once either way
        held.handlers.append(handler)
        _set_level(logger, held)
        logger.addHandler(handler)


def _release(name: str, handler: _StderrHandler) -> None:
    logger = logging.getLogger(name)
    with _held_lock:
        logger.removeHandler(handler)
        held = _held[name]
        held.handlers.remove(handler)
        if held.handlers:
            _set_level(logger, held)  # what the commands still running need, no less
        else:
            # Other threads log meanwhile: the level goes back first, so that a record below it never
            # reaches the program's handlers, then the real parent and the program's handlers come
            # back, each in one assignment.
            logger.setLevel(held.level)
            del _held[name]
            if held.parent is not None and logger.parent is held.parent:
                logger.parent = held.parent.parent
            logger.handlers = [*(h for h in logger.handlers if h is not held.forward), *held.forward.own]


def _set_level(logger: logging.Logger, held: _Held) -> None:
    """The level *logger* had before any command, lowered to what the running commands show; never raised:
    a program's own handlers keep what they get."""
    logger.setLevel(held.level)
    lowest = min(handler.level for handler in held.handlers)
    if logger.getEffectiveLevel() > lowest:
        logger.setLevel(lowest)
