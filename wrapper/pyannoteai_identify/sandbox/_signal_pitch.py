"""Pitches of the signal model: each label's note, the semitone scale, and how alike two pitches are."""

from __future__ import annotations

import hashlib
import math

BASE_HZ = 220.0
NOTES = 48


_SIGMA = 0.4  # semitones: the width of the similarity score


def tone_for(label: str) -> int:
    """The frequency (Hz) of *label*'s voice: one of 48 notes from 220 Hz, chosen by a hash."""
    index = int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:4], "big") % NOTES
    return round(BASE_HZ * 2 ** (index / 12))


def semitones(hz: float) -> float:
    """The pitch of *hz* in semitones above 220 Hz (the scale on which pitches are compared)."""
    return 12.0 * math.log2(hz / BASE_HZ)


def similarity(a_hz: float, b_hz: float) -> float:
    """A 0-100 score for how alike two pitches are: 100 when equal, about 0 a semitone apart."""
    return _similarity_st(semitones(a_hz), semitones(b_hz))


def _similarity_st(a: float, b: float) -> float:
    """:func:`similarity` of two pitches already in semitones."""
    return round(100.0 * math.exp(-(((a - b) / _SIGMA) ** 2)), 1)
