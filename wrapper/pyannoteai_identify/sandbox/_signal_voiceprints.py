"""Sandbox voiceprints: base64 of ``{"v": 1, "hz": …}``, the pitch of a speaker."""

from __future__ import annotations

import base64
import binascii
import json


def encode_voiceprint(hz: float) -> str:
    """The voiceprint of a speaker whose pitch is *hz*: base64 of ``{"v": 1, "hz": …}``."""
    payload = json.dumps({"v": 1, "hz": round(hz, 2)}, separators=(",", ":")).encode("ascii")
    return base64.b64encode(payload).decode("ascii")


def decode_voiceprint(voiceprint: str) -> float:
    """The pitch a voiceprint encodes; ValueError if it was not made by this sandbox."""
    text = voiceprint.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a sandbox voiceprint (expected base64 of JSON)") from exc
    if not isinstance(data, dict) or data.get("v") != 1:
        raise ValueError("not a sandbox voiceprint (unknown version)")
    hz = data.get("hz")
    if not isinstance(hz, int | float) or isinstance(hz, bool) or not 20.0 <= hz <= 20000.0:
        raise ValueError("not a sandbox voiceprint (no frequency between 20 and 20000 Hz)")
    return float(hz)
