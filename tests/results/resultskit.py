"""Helpers shared by the results tests."""

from __future__ import annotations


def dscore_refusal(line: str) -> str | None:
    """What NIST-style scorers (dscore's RTTM reader) refuse a line for, or None when it is accepted."""
    fields = line.split()
    if len(fields) != 10:
        return f"{len(fields)} fields"
    if float(fields[3]) < 0:
        return "onset < 0"
    if float(fields[4]) <= 0:
        return "Turn duration <= 0 seconds"
    return None
