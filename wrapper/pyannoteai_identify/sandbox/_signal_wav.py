"""Reading WAV: the first channel's sign and loudness per sample, from PCM or float WAV bytes."""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SIGN = bytes(1 if b >= 128 else 0 for b in range(256))
# The top byte of a little-endian integer sample is its value // 256: loud means |x| >= 1024/32768.
_LOUD_INT = bytes(1 if (4 <= b < 128) or (128 <= b <= 251) else 0 for b in range(256))
# The top byte of a float32 is the sign and the 7 high exponent bits: >= 61 means |x| >= 2**-5.
_LOUD_FLOAT = bytes(1 if (b & 0x7F) >= 61 else 0 for b in range(256))
_UNSIGNED_TO_SIGNED = bytes(b ^ 0x80 for b in range(256))


class AudioError(ValueError):
    """The bytes are not audio this model can read (not a PCM or float WAV, or truncated)."""


@dataclass(frozen=True)
class _Pcm:
    sample_rate: int
    signs: bytes  # 1 per sample when negative
    loud: bytes  # 1 per sample when louder than 1/32 of full scale


def _read_wav(data: bytes | bytearray | memoryview) -> _Pcm:
    """The first channel's sign and loudness per sample, read from the top byte of each sample."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise AudioError("not a RIFF/WAVE file")
    position, fmt, payload = 12, None, None
    while position + 8 <= len(data):
        chunk, size = data[position : position + 4], int.from_bytes(data[position + 4 : position + 8], "little")
        start = position + 8
        if chunk == b"fmt " and size >= 16:
            if start + size > len(data):
                raise AudioError("truncated fmt chunk")
            fmt = struct.unpack_from("<HHIIHH", data, start)
            if fmt[0] == 0xFFFE and size >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real format leads the GUID
                fmt = (struct.unpack_from("<H", data, start + 24)[0], *fmt[1:])
        elif chunk == b"data":
            # Streamed WAVs may state a wrong size. One copy, as bytes, whatever buffer data is.
            payload = bytes(memoryview(data)[start : min(start + size, len(data))])
            break
        position = start + size + (size & 1)
    if fmt is None or payload is None:
        raise AudioError("no fmt or data chunk")
    audio_format, channels, sample_rate, _, _, bits = fmt
    if not (audio_format == 1 and bits in (8, 16, 24, 32)) and not (audio_format == 3 and bits == 32):
        raise AudioError(f"unsupported encoding (format {audio_format}, {bits} bits)")
    if channels < 1 or not 1000 <= sample_rate <= 384000:
        raise AudioError(f"unsupported layout ({channels} channels at {sample_rate} Hz)")
    width = bits // 8
    step = width * channels
    count = len(payload) // step
    top = payload[width - 1 : count * step : step]
    if bits == 8:
        top = top.translate(_UNSIGNED_TO_SIGNED)
    loud_table = _LOUD_FLOAT if audio_format == 3 else _LOUD_INT
    return _Pcm(sample_rate, top.translate(_SIGN), top.translate(loud_table))
