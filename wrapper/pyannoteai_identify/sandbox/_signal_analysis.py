"""Analysis: a WAV → the speakers the tone model hears, their turns and a confidence score per frame."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._signal_pitch import BASE_HZ, _similarity_st, semitones
from ._signal_wav import _Pcm, _read_wav

FRAME_SECONDS = 0.02

_CLUSTER_GAP = 0.25  # semitones between sorted frame pitches that start a new speaker
_CLEAN_SPREAD = 0.3  # semitones the two halves of a frame may disagree by and still be clean
_LABEL_RADIUS = 0.5  # semitones a frame may be from a speaker's pitch and still be given to it
_MIN_CLUSTER_FRAMES = 3

_UP = b"\x00\x01"
_DOWN = b"\x01\x00"


def _pitch(signs: bytes, start: int, stop: int, sample_rate: int) -> float | None:
    """Pitch in semitones from the zero crossings in ``signs[start:stop]``, or None if too few."""
    crossings = signs.count(_UP, start, stop) + signs.count(_DOWN, start, stop)
    if crossings < 2:
        return None
    firsts = [i for i in (signs.find(_UP, start, stop), signs.find(_DOWN, start, stop)) if i >= 0]
    last = max(signs.rfind(_UP, start, stop), signs.rfind(_DOWN, start, stop))
    first = min(firsts)
    if last <= first:
        return None
    hz = (crossings - 1) * sample_rate / (2.0 * (last - first))
    return semitones(hz)


@dataclass(frozen=True)
class _Frame:
    voiced: bool
    pitch: float | None  # semitones
    clean: bool


def _frames(pcm: _Pcm, frame: int) -> list[_Frame]:
    frames: list[_Frame] = []
    total = len(pcm.signs)
    for start in range(0, total, frame):
        stop = min(start + frame, total)
        if 2 * pcm.loud.count(1, start, stop) < frame:
            frames.append(_Frame(False, None, False))
            continue
        middle = (start + stop) // 2
        whole = _pitch(pcm.signs, start, stop, pcm.sample_rate)
        left = _pitch(pcm.signs, start, middle, pcm.sample_rate)
        right = _pitch(pcm.signs, middle, stop, pcm.sample_rate)
        clean = whole is not None and left is not None and right is not None and abs(left - right) <= _CLEAN_SPREAD
        frames.append(_Frame(True, whole, clean))
    return frames


def _clusters(pitches: list[float]) -> list[list[float]]:
    """Sorted pitches split wherever neighbours are more than a quarter semitone apart."""
    groups: list[list[float]] = []
    for value in sorted(pitches):
        if groups and value - groups[-1][-1] <= _CLUSTER_GAP:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [group for group in groups if len(group) >= _MIN_CLUSTER_FRAMES]


def _nearest(value: float, centers: Sequence[float]) -> int | None:
    best = min(range(len(centers)), key=lambda i: abs(centers[i] - value), default=None)
    if best is None or abs(centers[best] - value) > _LABEL_RADIUS:
        return None
    return best


def _label_frames(frames: list[_Frame], centers: Sequence[float]) -> list[int | None]:
    """Each voiced frame's cluster; unclear frames take a neighbour's within the same voiced run.

    A frame that holds the end of one turn and the start of the next has a pitch between the two
    (or near a third speaker's), so only clean frames are matched to a pitch.
    """
    labels = [_nearest(f.pitch, centers) if f.clean and f.pitch is not None else None for f in frames]
    for i in range(1, len(frames)):  # unclear frames continue the turn before them …
        if labels[i] is None and frames[i].voiced and labels[i - 1] is not None:
            labels[i] = labels[i - 1]
    for i in range(len(frames) - 2, -1, -1):  # … or, at the start of a turn, the one after
        if labels[i] is None and frames[i].voiced and labels[i + 1] is not None:
            labels[i] = labels[i + 1]
    return labels


@dataclass(frozen=True)
class Speaker:
    """A diarized speaker: its label, pitch and how long it speaks."""

    label: str
    hz: float
    seconds: float


@dataclass(frozen=True)
class ToneSegment:
    """A turn: who (diarization label), when (seconds), and its measured pitch."""

    speaker: str
    start: float
    end: float
    hz: float


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyse` heard: speakers, turns, and a confidence score per frame."""

    duration: float
    speakers: list[Speaker]
    segments: list[ToneSegment]
    scores: list[float] = field(repr=False)
    resolution: float = FRAME_SECONDS
    warning: str | None = None


def _merge(centers: list[float], weights: list[int], limit: int) -> list[int]:
    """Map each cluster to a kept cluster, merging the two closest pitches until *limit* remain."""
    target = list(range(len(centers)))
    alive = list(range(len(centers)))
    while len(alive) > limit:
        pairs = [(abs(centers[a] - centers[b]), a, b) for i, a in enumerate(alive) for b in alive[i + 1 :]]
        _, a, b = min(pairs)
        keep, drop = (a, b) if weights[a] >= weights[b] else (b, a)
        weights[keep] += weights[drop]
        alive.remove(drop)
        target = [keep if t == drop else t for t in target]
    return target


def analyse(wav: bytes | bytearray | memoryview, *, num_speakers: int | None = None) -> Analysis:
    """Diarize a WAV under the tone model: speakers, their turns, and frame confidence scores.

    Args:
        wav: the file's bytes.
        num_speakers: the exact number of speakers wanted: the closest pitches are merged when
            more are heard; a warning says when fewer are heard.

    Raises:
        AudioError: the bytes are not a readable PCM or float WAV.
    """
    pcm = _read_wav(wav)
    frame = max(1, round(pcm.sample_rate * FRAME_SECONDS))
    resolution = frame / pcm.sample_rate
    frames = _frames(pcm, frame)
    groups = _clusters([f.pitch for f in frames if f.clean and f.pitch is not None])
    centers = [statistics.median(group) for group in groups]
    labels = _label_frames(frames, centers)
    warning = None
    if num_speakers is not None and len(centers) > num_speakers:
        weights = [sum(1 for label in labels if label == i) for i in range(len(centers))]
        target = _merge(centers, weights, num_speakers)
        labels = [None if label is None else target[label] for label in labels]
    elif num_speakers is not None and len(centers) < num_speakers:
        warning = f"Found {len(centers)} speaker(s), fewer than the {num_speakers} requested"
    # Name speakers in order of first appearance.
    names: dict[int, str] = {}
    for label in labels:
        if label is not None and label not in names:
            names[label] = f"SPEAKER_{len(names):02d}"
    segments: list[ToneSegment] = []
    scores: list[float] = []
    duration = len(pcm.signs) / pcm.sample_rate
    run_start = 0
    for i, label in enumerate(labels):
        f = frames[i]
        if not f.voiced:
            scores.append(100.0)
        elif label is None or f.pitch is None:
            scores.append(0.0)
        else:
            scores.append(_similarity_st(f.pitch, centers[label]))
        if i + 1 < len(labels) and labels[i + 1] == label:
            continue
        if label is not None:
            pitches = [frames[j].pitch for j in range(run_start, i + 1) if frames[j].clean]
            pitch = statistics.median(p for p in pitches if p is not None) if pitches else centers[label]
            segments.append(
                ToneSegment(
                    names[label],
                    round(run_start * resolution, 3),
                    round(min((i + 1) * resolution, duration), 3),
                    round(BASE_HZ * 2 ** (pitch / 12), 2),
                )
            )
        run_start = i + 1
    speakers = [
        Speaker(
            name,
            round(BASE_HZ * 2 ** (centers[index] / 12), 2),
            round(sum(s.end - s.start for s in segments if s.speaker == name), 3),
        )
        for index, name in names.items()
    ]
    return Analysis(round(duration, 3), speakers, segments, scores, resolution, warning)
