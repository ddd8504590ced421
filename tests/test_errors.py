"""Exceptions stay printable whatever the bad value was."""

from __future__ import annotations

from pyannoteai_identify import ValidationError


def test_a_validation_error_about_an_int_too_long_to_print_shows_its_size() -> None:
    """repr() of an int over Python's 4300-digit limit raises; the message shows its bit length instead."""
    error = ValidationError("num_speakers", 10**5000, "must be the integer 1 or 2")
    assert str(error) == "num_speakers=<int of 16610 bits>: must be the integer 1 or 2"


def test_a_long_value_is_shortened_in_the_message() -> None:
    """Values are cut to 80 characters so a 20,000-character voiceprint does not flood a log line."""
    error = ValidationError("voiceprints[0].voiceprint", "x" * 500, "too long")
    assert str(error) == f"voiceprints[0].voiceprint={('x' * 500)!r:.77}...: too long"
    assert error.value == "x" * 500
