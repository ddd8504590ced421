"""The checks every other check builds on: text, a real bool, a whole number in ASCII digits."""

from __future__ import annotations

from .errors import ValidationError


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, value, f"must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, value, "must be valid Unicode text (it contains a lone surrogate)") from None
    return value


def ascii_int(text: str, *, max_digits: int = 4300) -> int | None:
    """The whole number *text* spells in ASCII digits (at most *max_digits* of them), else None.

    For numbers read from headers and command lines: ``str.isdigit`` also passes ``"²"``, which
    ``int`` refuses, and ``"٣"``, which it reads as 3; ``int`` refuses more than 4,300 digits.
    """
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def check_bool(field: str, value: object) -> bool:
    """A real ``bool``: 0, 1 and "true" are refused so that a typo cannot change a billed request."""
    if not isinstance(value, bool):
        raise ValidationError(field, value, "must be True or False")
    return value
