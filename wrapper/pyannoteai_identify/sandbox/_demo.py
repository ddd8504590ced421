"""Ready-made audio for demos and tests: a short two-speaker conversation and enrollment clips."""

from __future__ import annotations

from ._signal import encode_voiceprint, synthesize_speech, tone_for

__all__ = ["DEMO_TURNS", "demo_audio", "voice_sample", "voiceprint_for"]

#: A 12-second conversation between Alice (1568 Hz) and Bob (233 Hz), with pauses.
DEMO_TURNS: tuple[tuple[str, float, float], ...] = (
    ("Alice", 0.5, 3.2),
    ("Bob", 3.6, 6.0),
    ("Alice", 6.0, 7.4),
    ("Bob", 8.0, 11.5),
)


def demo_audio(
    turns: tuple[tuple[str, float, float], ...] = DEMO_TURNS, *, sample_rate: int = 16000, duration: float | None = 12.0
) -> bytes:
    """A WAV of *turns* (default: :data:`DEMO_TURNS`, 12 s) under the sandbox's tone model."""
    last = max((end for _, _, end in turns), default=0.0)
    return synthesize_speech(turns, sample_rate=sample_rate, duration=max(duration or 0.0, last))


def voice_sample(label: str, seconds: float = 5.0, *, sample_rate: int = 16000) -> bytes:
    """A WAV of *label* talking alone for *seconds*: enrollment audio for a voiceprint job."""
    return synthesize_speech([(label, 0.0, seconds)], sample_rate=sample_rate)


def voiceprint_for(label: str) -> str:
    """The voiceprint a voiceprint job returns for :func:`voice_sample` of *label*, without a job."""
    return encode_voiceprint(tone_for(label))
