"""Synthesis: a WAV in which each speaker's turn is a pure tone at its pitch, silence between turns."""

from __future__ import annotations

import io
import itertools
import math
import struct
import wave
from collections.abc import Iterable, Mapping
from functools import cache

from ._signal_pitch import tone_for

MIN_HZ = 200.0
MAX_HZ = 4000.0
MAX_SYNTH_SECONDS = 3600.0


_NYQUIST_SHARE = 0.45  # highest tone, as a share of the sample rate (every note of the grid fits 8 kHz)


@cache
def _second_of(hz: int, sample_rate: int, amplitude: float) -> bytes:
    """One second of a sine at a whole number of Hz: it repeats exactly, so turns are slices of it."""
    peak = amplitude * 32767.0
    step = 2.0 * math.pi * hz / sample_rate
    samples = [round(peak * math.sin(step * n)) for n in range(sample_rate)]
    return struct.pack(f"<{sample_rate}h", *samples)


def _check_turns(turns: Iterable[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    checked: list[tuple[str, float, float]] = []
    for position, turn in enumerate(turns):
        if not isinstance(turn, tuple | list) or len(turn) != 3:
            raise ValueError(f"turns[{position}] = {turn!r}: each turn must be (label, start, end)")
        label, start, end = turn
        if not isinstance(label, str) or not label:
            raise ValueError(f"turns[{position}] label {label!r}: must be a non-empty string")
        if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
            raise ValueError(f"turns[{position}] = {tuple(turn)!r}: need 0 <= start < end (seconds)")
        checked.append((label, float(start), float(end)))
    ordered = sorted(checked, key=lambda t: t[1])
    for before, after in itertools.pairwise(ordered):
        if after[1] < before[2]:
            raise ValueError(f"turns {before!r} and {after!r} overlap: the signal model has one speaker at a time")
    return checked


def synthesize_speech(
    turns: Iterable[tuple[str, float, float]],
    *,
    sample_rate: int = 16000,
    duration: float | None = None,
    tones: Mapping[str, float] | None = None,
    amplitude: float = 0.5,
) -> bytes:
    """A 16-bit mono WAV in which each ``(label, start, end)`` turn is that speaker's tone.

    Args:
        turns: the turns, in seconds; they may come in any order but must not overlap.
        sample_rate: samples per second, 8000 to 48000.
        duration: total length in seconds (silence after the last turn); default: the last end.
        tones: frequencies (Hz, rounded to whole Hz, 200 to 4000 and below 0.45 x the sample rate)
            for some labels, instead of :func:`tone_for`.
        amplitude: peak level, 0.1 to 1.0 of full scale.

    Raises:
        ValueError: a turn, the rate, the duration, a tone or the amplitude is out of range.
    """
    checked = _check_turns(turns)
    if not isinstance(sample_rate, int) or not 8000 <= sample_rate <= 48000:
        raise ValueError(f"sample_rate={sample_rate!r}: must be a whole number from 8000 to 48000")
    if not 0.1 <= amplitude <= 1.0:
        raise ValueError(f"amplitude={amplitude!r}: must be from 0.1 to 1.0")
    last_end = max((end for _, _, end in checked), default=0.0)
    total = last_end if duration is None else duration
    if not (math.isfinite(total) and last_end <= total <= MAX_SYNTH_SECONDS):
        raise ValueError(
            f"duration={duration!r}: must cover the last turn ({last_end:g} s) and be at most {MAX_SYNTH_SECONDS:g} s"
        )
    chosen = dict(tones or {})
    pcm = bytearray(2 * round(total * sample_rate))
    for label, start, end in checked:
        hz = round(chosen.get(label, tone_for(label)))
        if not MIN_HZ <= hz <= MAX_HZ or hz >= _NYQUIST_SHARE * sample_rate:
            raise ValueError(
                f"tone of {label!r} = {hz} Hz: must be {MIN_HZ:g} to {MAX_HZ:g} Hz and below "
                f"{_NYQUIST_SHARE:g} x sample_rate"
            )
        second = _second_of(hz, sample_rate, amplitude)
        first, stop = round(start * sample_rate), round(end * sample_rate)
        offset = 2 * (first % sample_rate)
        needed = 2 * (stop - first)
        repeats = (offset + needed) // len(second) + 1
        pcm[2 * first : 2 * stop] = (second * repeats)[offset : offset + needed]
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(bytes(pcm))
    return out.getvalue()
