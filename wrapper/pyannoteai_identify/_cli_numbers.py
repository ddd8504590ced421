"""Numbers on the command line: ASCII digits only, as the SDK reads numbers from headers.

``float("٣٠")`` is 30.0 and ``int("３")`` is 3: Python reads the digits of every script, which no
shell tool, config file or the API itself takes as a number. These argparse types refuse them with
a usage error (exit 2) that names the option (argparse adds it), the value and the rule; otherwise
they read what ``float`` and ``int`` read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

__all__ = ["ASCII_DIGITS", "number", "number_of_seconds", "whole_number"]

N = TypeVar("N", int, float)

#: The rule, as the usage errors state it.
ASCII_DIGITS = "ASCII digits (0-9)"


def _ascii(text: str, parse: Callable[[str], N], what: str) -> N:
    """*text* read by *parse* (``float`` or ``int``) when it is ASCII; a usage error naming *what* otherwise."""
    if text.isascii():
        try:
            return parse(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected {what} in {ASCII_DIGITS}")


def number(text: str) -> float:
    """An argparse type: a number (``float``) written in ASCII."""
    return _ascii(text, float, "a number")


def number_of_seconds(text: str) -> float:
    """An argparse type: a number of seconds (``float``) written in ASCII."""
    return _ascii(text, float, "a number of seconds")


def whole_number(text: str) -> int:
    """An argparse type: a whole number (``int``) written in ASCII."""
    return _ascii(text, int, "a whole number")
