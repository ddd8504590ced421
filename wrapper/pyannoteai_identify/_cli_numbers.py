"""Numbers on the command line: ASCII digits only, as the SDK reads numbers from headers.

``float("٣٠")`` is 30.0 and ``int("３")`` is 3: Python reads the digits of every script, which no
shell tool, config file or the API itself takes as a number. These argparse types refuse them with
a usage error (exit 2) that names the option (argparse adds it), the value and the rule; otherwise
they read what ``float`` and ``int`` read.
"""

from __future__ import annotations

import argparse

__all__ = ["ASCII_DIGITS", "number", "whole_number"]

#: The rule, as the usage errors state it.
ASCII_DIGITS = "ASCII digits (0-9)"


def number(text: str) -> float:
    """An argparse type: a number (``float``) written in ASCII."""
    if text.isascii():
        try:
            return float(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected a number in {ASCII_DIGITS}")


def whole_number(text: str) -> int:
    """An argparse type: a whole number (``int``) written in ASCII."""
    if text.isascii():
        try:
            return int(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number in {ASCII_DIGITS}")
