"""Exports of a result's turns: seconds of speech per label (overlapping turns of one label counted
once) and RTTM lines that NIST-style scorers accept.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Iterable

logger = logging.getLogger("pyannoteai_identify")


def _talk_time(labels: Iterable[str | None], starts: Iterable[float], ends: Iterable[float]) -> dict[str, float]:
    spans: dict[str, list[tuple[float, float]]] = {}
    for label, start, end in zip(labels, starts, ends, strict=True):
        if label is not None:
            spans.setdefault(label, []).append((start, end))
    totals = {label: _covered(turns) for label, turns in spans.items()}
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def _covered(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of *spans*: turns of one label that overlap (two diarized
    speakers matched to the same voiceprint) count once, as the person spoke once."""
    total, reach = 0.0, -math.inf
    for start, end in sorted(spans):
        begin = max(start, reach)
        if end > begin:
            total += end - begin
            reach = end
    return total


#: What cannot stand in an RTTM field: whitespace (the field separator), control characters and
#: the escape character itself.
_RTTM_UNSAFE = re.compile(r"[\s%\x00-\x1f\x7f-\x9f]")


def _rttm_field(text: str) -> str:
    """*text* as one RTTM field, with unsafe characters percent-encoded (as UTF-8).

    Every line keeps its ten fields, no label can start a line of its own, and distinct labels
    stay distinct ("John Doe" is ``John%20Doe``, "John_Doe" unchanged).
    """
    return _RTTM_UNSAFE.sub(lambda found: "".join(f"%{byte:02X}" for byte in found.group().encode()), text)


#: The field written for an empty label: a lone '%' no other label can give, as a literal '%' is
#: written %25. An empty field would leave the line with nine fields.
_RTTM_EMPTY_LABEL = "%"


def _rttm(rows: Iterable[tuple[str, float, float]], file_id: str) -> str:
    """RTTM lines for *rows*, leaving out every turn whose duration rounds to 0.000 s or less.

    A turn that starts before 0 s (the contract says ``minimum: 0``; the parser does not refuse it)
    is cut at 0 s: scorers refuse a negative onset too.

    Such turns (zero-length, end before start, shorter than half a millisecond: the contract does
    not forbid them) would make NIST-style scorers (dscore, md-eval) refuse the whole file with
    "Turn duration <= 0 seconds". A turn shorter than half a millisecond holds next to no speech; a
    turn that ends before it starts holds an unknown amount, so leaving one out is logged (WARNING).
    """
    if not file_id:
        raise ValueError("file_id must not be empty: it is the second field of every RTTM line")
    file_field = _rttm_field(file_id)
    buffer = io.StringIO()
    inverted = 0
    for label, start, end in rows:
        onset = max(start, 0.0) + 0.0  # a scorer refuses a negative onset; + 0.0 turns -0.0 into 0.0
        duration = f"{end - onset:.3f}"
        if float(duration) <= 0:
            inverted += end < start
            continue
        name = _rttm_field(label) if label else _RTTM_EMPTY_LABEL
        buffer.write(f"SPEAKER {file_field} 1 {onset:.3f} {duration} <NA> <NA> {name} <NA> <NA>\n")
    if inverted:
        logger.warning("RTTM of %s: left out %d turn(s) that end before they start", file_id, inverted)
    return buffer.getvalue()
