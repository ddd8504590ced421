"""Typed results: jobs, identify, voiceprint and diarization outputs, parsed from the API's JSON.

These are our own immutable classes, never the generated models: the generated parser raises on
an unknown status and picks the first ``anyOf`` shape that fits, and its attrs objects are too slow
and too large for a 24-hour output (about 30,000 segments and 4.32 million confidence scores).
Segments are stored by column (times in ``array('d')``, labels shared between turns) and handed
out as named tuples on access; frame scores are immutable bytes (one byte per whole score, or
eight per double) read through a read-only ``memoryview``. Columns are cut from the parsed JSON
with C-level ``map`` calls, so parsing costs a fraction of ``json.loads`` and the result stays much
smaller than its JSON.

Immutable means: attributes cannot be set or deleted, score maps are read-only copies (changing
the parsed JSON afterwards changes nothing), frame scores cannot be written, and results compare
by value (two parses of the same JSON are equal) and are unhashable, like the dicts they mirror.
Pickle (with every protocol) and copy keep working. ``extra`` is a read-only deep copy of the
unknown keys: their values are plain JSON values (dicts, lists), which this result alone holds.

Unknown keys from a newer API never cause an error: unknown output keys are kept in ``extra``,
unknown keys inside segments are ignored, and an unknown job status is kept as a plain string.

The code lives in private modules, one job each, and this module is their public face (every
class here reports it as its module, so pickles name it):

- ``_results_kinds``: job statuses, job kinds, and the kind an output's keys show;
- ``_results_frozen``: the immutable base and the read-only dict;
- ``_results_rows``: the turn rows and the column-backed sequences that hold them;
- ``_results_confidence``: frame-level confidence and its packed scores;
- ``_results_export``: talk time and RTTM;
- ``_results_outputs``: the output classes; ``_results_job``: the ``Job`` class;
- ``_results_parse``: parsing outputs and jobs (the fast path), with ``_results_fields`` (the
  field checks that name a broken field) and ``_results_shown`` (short reprs for error messages).
"""

from __future__ import annotations

# The names the annotations of the classes re-exported below use (of their fields and methods):
# each class reports this module as its own, where typing.get_type_hints (what pydantic and cattrs
# call) and tests/test_project.py look those names up.
from array import array  # noqa: F401
from collections.abc import Iterable, Mapping, Sequence  # noqa: F401
from datetime import datetime  # noqa: F401
from typing import Any, ClassVar, NoReturn, Self  # noqa: F401

from ._results_confidence import Confidence
from ._results_confidence import _restore_confidence as _restore_confidence
from ._results_export import logger as logger
from ._results_frozen import _read_only as _read_only
from ._results_frozen import _ReadOnlyDict as _ReadOnlyDict
from ._results_job import Job
from ._results_job import R as R
from ._results_kinds import _DIARIZATION_KEYS as _DIARIZATION_KEYS
from ._results_kinds import _IDENTIFY_KEYS as _IDENTIFY_KEYS
from ._results_kinds import _KIND_MARKERS as _KIND_MARKERS
from ._results_kinds import _VOICEPRINT_KEYS as _VOICEPRINT_KEYS
from ._results_kinds import JobKind, JobStatus, infer_kind
from ._results_kinds import coerce_status as coerce_status
from ._results_kinds import is_terminal as is_terminal
from ._results_outputs import DiarizationResult, IdentifyResult, Result, VoiceprintResult
from ._results_outputs import _NotSucceededOutput as _NotSucceededOutput
from ._results_outputs import failed_output as failed_output
from ._results_parse import JOB_ID_MIN_LENGTH as JOB_ID_MIN_LENGTH
from ._results_parse import empty_job_id as empty_job_id
from ._results_parse import parse_job, parse_output
from ._results_rows import Identification, Segment, VoiceprintMatch
from ._results_rows import _Identifications as _Identifications
from ._results_rows import _Segments as _Segments

__all__ = [
    "Confidence",
    "DiarizationResult",
    "Identification",
    "IdentifyResult",
    "Job",
    "JobKind",
    "JobStatus",
    "Result",
    "Segment",
    "VoiceprintMatch",
    "VoiceprintResult",
    "infer_kind",
    "parse_job",
    "parse_output",
]


# A pickle names a class (and the function that rebuilds an object) by its module and name. These are
# defined in the ``_results_*.py`` modules, yet report this public module, as they did before it was
# split, so that a pickle written by any version loads in any other (a test keeps pickles written
# before the split). The private ones are imported above for that; the other private names imported
# there are what other modules and tests read from here.
for _pickled in (
    JobStatus,
    _ReadOnlyDict,
    Confidence,
    _restore_confidence,
    Segment,
    Identification,
    VoiceprintMatch,
    _Segments,
    _Identifications,
    DiarizationResult,
    _NotSucceededOutput,
    IdentifyResult,
    VoiceprintResult,
    Job,
):
    _pickled.__module__ = __name__
del _pickled
# help() and a traceback name a function by its module too.
for _function in (infer_kind, parse_job, parse_output):
    _function.__module__ = __name__
del _function
