"""The sandbox's signal model: speakers are pure tones, so results can be computed, not canned.

The sandbox cannot recognise voices, so it uses a model simple enough to be exact:

* **A speaker is a note.** :func:`tone_for` maps a label to one of 48 notes of the equal-tempered
  scale, from A3 (220 Hz) up four octaves, chosen by a SHA-256 hash of the label, so the same name
  always has the same voice. Two labels can share a note (1 chance in 48 per pair: "Eve" and
  "Grace" do); pass ``tones=`` to choose the frequencies yourself.
* **Speech is a tone, silence is silence.** :func:`synthesize_speech` writes a 16-bit mono WAV in
  which each turn is a sine at its speaker's frequency, with exact digital silence between turns.
  Turns may not overlap: the model has one speaker at a time, so exclusive diarization always
  equals diarization.
* **Analysis hears notes.** :func:`analyse` reads any PCM WAV (8/16/24/32-bit integer or 32-bit
  float, any rate, the first channel), cuts it into 20 ms frames, calls a frame voiced when at
  least half of its samples are louder than 1/32 of full scale, and measures the frequency of each
  voiced frame from its zero crossings (the span between the first and last crossing over the
  number of half periods, which is exact to about 0.3 % for a pure tone). Frames whose two halves
  agree on the pitch are clustered by pitch (gaps wider than a quarter semitone separate
  clusters; a cluster needs 60 ms of audio); each cluster is a speaker, named ``SPEAKER_00``,
  ``SPEAKER_01``, … in order of first appearance, and runs of frames form the segments, so times
  are exact to one frame (20 ms). Real recordings analyse without error but give arbitrary
  speakers: the model is for tones.
* **A voiceprint is the pitch.** :func:`encode_voiceprint` writes base64 of
  ``{"v": 1, "hz": <frequency>}``; identification compares pitches with :func:`similarity`, a
  score of ``100 * exp(-(d / 0.4)²)`` for a distance of *d* semitones (about 94 for a tenth of a
  semitone, 0.2 for a whole one).
* **Confidence is how well a frame fits.** The frame score is the similarity between the frame's
  pitch and the pitch of the speaker it was given; silent frames score 100.

Everything here is pure standard library and fast: sample-level work is done by ``bytes``
methods in C (a 60 s clip analyses in a few tens of milliseconds).

This module gathers the model's parts, each in a module of its own, under the names the sandbox
imports them by: ``_signal_pitch`` (notes, semitones, similarity), ``_signal_voiceprints``,
``_signal_synth`` (synthesis), ``_signal_wav`` (reading WAV) and ``_signal_analysis`` (analysis).
"""

from __future__ import annotations

from ._signal_analysis import FRAME_SECONDS as FRAME_SECONDS
from ._signal_analysis import Analysis as Analysis
from ._signal_analysis import Speaker as Speaker
from ._signal_analysis import ToneSegment as ToneSegment
from ._signal_analysis import analyse as analyse
from ._signal_pitch import BASE_HZ as BASE_HZ
from ._signal_pitch import NOTES as NOTES
from ._signal_pitch import semitones as semitones
from ._signal_pitch import similarity as similarity
from ._signal_pitch import tone_for as tone_for
from ._signal_synth import MAX_HZ as MAX_HZ
from ._signal_synth import MAX_SYNTH_SECONDS as MAX_SYNTH_SECONDS
from ._signal_synth import MIN_HZ as MIN_HZ
from ._signal_synth import synthesize_speech as synthesize_speech
from ._signal_voiceprints import decode_voiceprint as decode_voiceprint
from ._signal_voiceprints import encode_voiceprint as encode_voiceprint
from ._signal_wav import AudioError as AudioError

__all__ = [
    "FRAME_SECONDS",
    "Analysis",
    "AudioError",
    "Speaker",
    "ToneSegment",
    "analyse",
    "decode_voiceprint",
    "encode_voiceprint",
    "semitones",
    "similarity",
    "synthesize_speech",
    "tone_for",
]

# A pickle names a class by its module: an analysis's speakers and segments reported this one before
# the split and keep reporting it, so that an analysis pickled now loads in a version without
# ``_signal_analysis`` (``Analysis`` itself reports the public ``sandbox``, which that version has too).
for _pickled in (Speaker, ToneSegment):
    _pickled.__module__ = __name__
del _pickled
