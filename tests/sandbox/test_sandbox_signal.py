"""The signal model: synthesised turns come back out of the analysis, and bad input is refused."""

from __future__ import annotations

import io
import math
import pickle
import random
import struct
import typing
import wave

import pytest
from hypothesis import given
from hypothesis import strategies as st
from picklekit import modules_named

from pyannoteai_identify.sandbox import (
    AudioError,
    analyse,
    demo_audio,
    similarity,
    synthesize_speech,
    tone_for,
    voice_sample,
    voiceprint_for,
)
from pyannoteai_identify.sandbox._signal import decode_voiceprint, encode_voiceprint

FRAME = 0.02
NAMES = ["Alice", "Bob", "John", "Sam", "Rick", "Dave", "Heidi", "Ivan"]


def _merged(turns: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Turns as diarization reports them: back-to-back turns of one speaker are one segment."""
    out: list[tuple[str, float, float]] = []
    for label, start, end in sorted(turns, key=lambda t: t[1]):
        if out and out[-1][0] == label and math.isclose(out[-1][2], start):
            out[-1] = (label, out[-1][1], end)
        else:
            out.append((label, start, end))
    return out


def _assert_heard(turns: list[tuple[str, float, float]], wav: bytes) -> None:
    analysis = analyse(wav)
    expected = _merged(turns)
    assert len(analysis.segments) == len(expected)
    names: dict[str, str] = {}
    for (label, start, end), segment in zip(expected, analysis.segments, strict=True):
        assert names.setdefault(segment.speaker, label) == label
        assert abs(segment.start - start) <= FRAME + 1e-9
        assert abs(segment.end - end) <= FRAME + 1e-9
        assert similarity(segment.hz, tone_for(label)) > 90


def _pcm_wav(samples: list[float], sample_rate: int, width: int, channels: int = 1, fmt: int = 1) -> bytes:
    """A WAV of *samples* (-1..1) written by hand, for encodings the wave module cannot write."""
    frames = bytearray()
    for value in samples:
        if fmt == 3:
            sample = struct.pack("<f", value)
        elif width == 1:
            sample = bytes([round(value * 127) + 128])
        else:
            sample = round(value * (2 ** (8 * width - 1) - 1)).to_bytes(width, "little", signed=True)
        frames += sample * channels
    block = width * channels
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, sample_rate, sample_rate * block, block, 8 * width)
    body = b"WAVE" + b"fmt " + len(fmt_chunk).to_bytes(4, "little") + fmt_chunk
    body += b"data" + len(frames).to_bytes(4, "little") + bytes(frames)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def test_two_speakers_come_back_with_their_times_and_distinct_labels() -> None:
    """A synthesised conversation is diarized into its turns, within a frame, one label per voice."""
    turns = [("Alice", 0.5, 3.2), ("Bob", 3.5, 7.03), ("Alice", 7.03, 9.0), ("Bob", 9.5, 12.0)]
    analysis = analyse(synthesize_speech(turns, duration=13.0))
    assert [s.speaker for s in analysis.segments] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]
    _assert_heard(turns, synthesize_speech(turns, duration=13.0))
    assert analysis.duration == 13.0


def test_random_conversations_are_heard_exactly_at_every_sample_rate() -> None:
    """Random turn-taking (pauses or none, 1-4 speakers, 8-44.1 kHz) is recovered segment for segment."""
    rng = random.Random(7)
    for _ in range(12):
        names = rng.sample(NAMES, rng.randint(1, 4))
        turns, t = [], rng.uniform(0, 1)
        while t < 20:
            length = rng.uniform(0.15, 2.5)
            turns.append((rng.choice(names), t, min(t + length, 20.0)))
            t = min(t + length, 20.0) + rng.choice([0.0, 0.0, 0.05, 0.4])
        rate = rng.choice([8000, 16000, 22050, 44100])
        _assert_heard(turns, synthesize_speech(turns, duration=21.0, sample_rate=rate))


@given(
    st.lists(
        st.tuples(st.sampled_from(NAMES), st.floats(0.12, 2.0), st.sampled_from([0.0, 0.03, 0.25])),
        min_size=1,
        max_size=8,
    )
)
def test_any_turn_sequence_is_recovered(steps: list[tuple[str, float, float]]) -> None:
    """Whatever the order, lengths and pauses of the turns, the analysis reports them back."""
    turns, t = [], 0.3
    for label, length, pause in steps:
        turns.append((label, t, t + length))
        t += length + pause
    _assert_heard(turns, synthesize_speech(turns, duration=t + 0.5))


def test_different_audio_gives_different_segments() -> None:
    """Results follow the audio: two different conversations give two different diarizations."""
    first = analyse(synthesize_speech([("Alice", 0, 2), ("Bob", 2.5, 5)]))
    second = analyse(synthesize_speech([("John", 1, 1.5), ("Sam", 1.5, 4), ("John", 4.2, 6)]))
    assert [(s.start, s.end) for s in first.segments] == [(0.0, 2.0), (2.5, 5.0)]
    assert [(s.start, s.end) for s in second.segments] == [(1.0, 1.5), (1.5, 4.0), (4.2, 6.0)]
    assert {round(s.hz) for s in first.speakers} != {round(s.hz) for s in second.speakers}


def test_silence_has_no_speakers_and_full_confidence() -> None:
    """Digital silence has no segments, and every frame scores 100 (certainly nobody)."""
    analysis = analyse(synthesize_speech([], duration=2.0))
    assert analysis.segments == [] and analysis.speakers == []
    assert analysis.scores == [100.0] * 100


def test_confidence_has_one_score_per_frame_high_inside_turns() -> None:
    """Frame scores come every 20 ms over the whole file, near 100 inside a clean turn."""
    analysis = analyse(synthesize_speech([("Bob", 1.0, 3.0)], duration=4.0))
    assert analysis.resolution == pytest.approx(0.02)
    assert len(analysis.scores) == 200
    assert all(score > 90 for score in analysis.scores[55:145])


def test_num_speakers_merges_the_closest_voices() -> None:
    """With numSpeakers below what is heard, the two closest pitches become one speaker."""
    turns = [("Eve", 0, 1), ("Sam", 1.2, 2), ("Ivan", 2.5, 3.5)]  # 349 Hz and 370 Hz are a semitone apart
    analysis = analyse(synthesize_speech(turns), num_speakers=2)
    assert len(analysis.speakers) == 2
    assert [s.speaker for s in analysis.segments] == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_01"]


def test_num_speakers_above_what_is_heard_adds_a_warning() -> None:
    """Asking for two speakers in a monologue keeps one speaker and says so."""
    analysis = analyse(voice_sample("Bob", 2.0), num_speakers=2)
    assert len(analysis.speakers) == 1
    assert analysis.warning is not None and "fewer" in analysis.warning


@pytest.mark.parametrize(("width", "fmt", "channels"), [(1, 1, 1), (2, 1, 2), (3, 1, 1), (4, 1, 1), (4, 3, 1)], ids=str)
def test_every_pcm_encoding_is_read(width: int, fmt: int, channels: int) -> None:
    """8/16/24/32-bit integer and 32-bit float WAVs, mono or stereo, give the same answer."""
    rate, hz = 16000, tone_for("John")
    samples = [0.0] * 3200 + [0.5 * math.sin(2 * math.pi * hz * n / rate) for n in range(16000)] + [0.0] * 3200
    analysis = analyse(_pcm_wav(samples, rate, width, channels, fmt))
    assert [(s.start, s.end) for s in analysis.segments] == [(0.2, 1.2)]
    assert similarity(analysis.speakers[0].hz, hz) > 95


@pytest.mark.parametrize(
    "data",
    [b"", b"ID3\x04\x00mp3 data", b"RIFF\x00\x00\x00\x00WAVEjunk", b"RIFF....WAVEfmt \x10\x00\x00\x00"],
    ids=["empty", "mp3", "no-chunks", "truncated-fmt"],
)
def test_bytes_that_are_not_a_wav_raise_audio_error(data: bytes) -> None:
    """Anything but a readable RIFF/WAVE file is an AudioError (the job fails with 'Could not load audio')."""
    with pytest.raises(AudioError):
        analyse(data)


def test_compressed_wav_formats_are_refused() -> None:
    """A WAV whose data is not PCM or float (here μ-law, format 7) is an AudioError, not garbage."""
    wav = bytearray(voice_sample("Bob", 0.5))
    wav[20:22] = (7).to_bytes(2, "little")
    with pytest.raises(AudioError, match="unsupported encoding"):
        analyse(bytes(wav))


def test_synthesis_writes_a_16_bit_mono_wav_of_the_asked_length() -> None:
    """The output is a standard WAV the wave module reads: 16-bit, mono, at the asked rate and length."""
    with wave.open(io.BytesIO(synthesize_speech([("Bob", 0, 1)], sample_rate=22050, duration=2.5))) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 22050)
        assert reader.getnframes() == round(2.5 * 22050)


@pytest.mark.parametrize(
    ("turns", "options", "message"),
    [
        ([("Bob", 0, 1), ("Sam", 0.5, 2)], {}, "overlap"),
        ([("Bob", 2, 1)], {}, "start < end"),
        ([("", 0, 1)], {}, "label"),
        ([("Bob", 0, 1)], {"sample_rate": 4000}, "sample_rate"),
        ([("Bob", 0, 3)], {"duration": 2}, "duration"),
        ([("Bob", 0, 1)], {"tones": {"Bob": 5000}}, "tone of 'Bob'"),
        ([("Bob", 0, 1)], {"amplitude": 2.0}, "amplitude"),
    ],
    ids=["overlap", "reversed", "empty-label", "rate", "duration", "tone", "amplitude"],
)
def test_bad_synthesis_arguments_are_refused_with_the_rule(
    turns: list[tuple[str, float, float]], options: dict[str, object], message: str
) -> None:
    """Each bad argument raises a ValueError that names it and its rule."""
    with pytest.raises(ValueError, match=message):
        synthesize_speech(turns, **options)  # type: ignore[arg-type]


def test_tones_are_deterministic_notes_and_can_be_chosen() -> None:
    """A label always has the same note of the scale; ``tones=`` overrides it."""
    assert tone_for("Alice") == tone_for("Alice") == 1568
    assert all(round(12 * math.log2(tone_for(name) / 220), 1).is_integer() for name in NAMES)
    analysis = analyse(synthesize_speech([("Alice", 0, 1)], tones={"Alice": 500}))
    assert similarity(analysis.speakers[0].hz, 500) > 95


def test_voiceprints_encode_the_pitch_and_reject_foreign_strings() -> None:
    """A voiceprint round-trips its pitch; strings not made by the sandbox are refused."""
    assert decode_voiceprint(encode_voiceprint(440.0)) == 440.0
    assert decode_voiceprint(voiceprint_for("Bob")) == tone_for("Bob")
    assert len(voiceprint_for("Bob")) <= 20000
    for foreign in ("U29tZUJhc2U2NERhdGE", "not base64!", "eyJ2IjoyLCJoeiI6NDQwfQ==", "eyJ2IjoxfQ=="):
        with pytest.raises(ValueError, match="not a sandbox voiceprint"):
            decode_voiceprint(foreign)


def test_similarity_falls_with_pitch_distance() -> None:
    """Equal pitches score 100, a tenth of a semitone above 90, a semitone next to nothing."""
    assert similarity(440, 440) == 100.0
    assert similarity(440, 440 * 2 ** (0.1 / 12)) > 90
    assert similarity(440, 440 * 2 ** (1 / 12)) < 1


def test_demo_audio_is_the_documented_conversation() -> None:
    """demo_audio() holds Alice and Bob taking turns as DEMO_TURNS says."""
    from pyannoteai_identify.sandbox import DEMO_TURNS

    _assert_heard(list(DEMO_TURNS), demo_audio())


@given(st.binary(max_size=300), st.sampled_from([b"", b"RIFF\x00\x00\x00\x00WAVE", b"RIFF\xff\xff\xff\xffWAVEfmt "]))
def test_arbitrary_bytes_analyse_or_raise_audio_error(tail: bytes, head: bytes) -> None:
    """No input crashes the analysis: it is heard, or it is an AudioError."""
    try:
        analysis = analyse(head + tail)
    except AudioError:
        return
    assert all(0 <= s.start < s.end <= analysis.duration + 1e-9 for s in analysis.segments)
    assert all(0 <= score <= 100 for score in analysis.scores)


@given(
    st.sampled_from([1, 3, 7, 0xFFFE]),
    st.integers(0, 3),
    st.integers(0, 500_000),
    st.sampled_from([0, 8, 12, 16, 24, 32, 64]),
    st.binary(max_size=4000),
)
def test_any_wav_header_analyses_or_raises_audio_error(
    fmt: int, channels: int, rate: int, bits: int, data: bytes
) -> None:
    """Odd fmt fields (zero channels, absurd rates, unusual widths) never crash the analysis."""
    chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate, max(1, channels * bits // 8), bits)
    body = b"WAVEfmt " + len(chunk).to_bytes(4, "little") + chunk + b"data" + len(data).to_bytes(4, "little") + data
    try:
        analysis = analyse(b"RIFF" + len(body).to_bytes(4, "little") + body)
    except AudioError:
        return
    samples = len(data) // (bits // 8 * channels)
    assert len(analysis.scores) == math.ceil(samples / max(1, round(rate * 0.02)))


#: The modules of this package an analysis named in a pickle before ``_signal`` was split into
#: ``_signal_*.py`` modules (``Analysis``, ``Speaker`` and ``ToneSegment`` were ``_signal``'s), and
#: the public ``sandbox``, which reports ``Analysis`` now and had it too: a version from before the
#: split has each of them.
_MODULES_BEFORE_THE_SPLIT = {"pyannoteai_identify.sandbox", "pyannoteai_identify.sandbox._signal"}


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_an_analysis_pickled_now_names_only_modules_from_before_the_split(protocol: int) -> None:
    """So that it loads in a version from before the split (``_signal_analysis`` is not there), and
    ``typing.get_type_hints`` resolves its speakers' and segments' annotations where they report."""
    analysis = analyse(synthesize_speech([("Alice", 0.0, 0.5), ("Bob", 0.5, 1.0)]))
    data = pickle.dumps(analysis, protocol)
    named = modules_named(data)
    assert {module for module in named if module.startswith("pyannoteai_identify")} <= _MODULES_BEFORE_THE_SPLIT
    assert pickle.loads(data) == analysis
    for klass in (type(analysis.speakers[0]), type(analysis.segments[0])):
        assert typing.get_type_hints(klass)
