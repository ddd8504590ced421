"""Identify speakers in thousands of files: resumable, never billed twice, within the rate limit.

    from pyannoteai_identify import Client
    from pyannoteai_identify.batch import identify_batch

    with Client() as client:
        report = identify_batch(client, ["recordings/"], {"Alice": alice_vp}, manifest="batch.sqlite", out="results")
    print(report.counts, report.ok)

Kill the run at any moment and start it again with the same manifest: inputs that have a job are
not submitted again, and finished results are not fetched again. ``docs/batch.md`` explains the
protocol, its one honest limit (a submission whose answer was lost), and the arithmetic of scale.
The command line is ``pyannoteai-identify batch`` (:func:`main`).
"""

# The names the annotations of the classes re-exported below use: each reports this module as its
# own, where typing.get_type_hints (what pydantic and cattrs call) looks those names up.
from collections.abc import Mapping  # noqa: F401

from ._api import BatchOptions, aidentify_batch, identify_batch
from ._cli import add_arguments, main
from ._inputs import AUDIO_EXTENSIONS
from ._limiter import RateLimiter
from ._manifest import InputStatus, Manifest, ManifestError
from ._report import BatchProgress, BatchReport, HaltCause, InputReport

__all__ = [
    "AUDIO_EXTENSIONS",
    "BatchOptions",
    "BatchProgress",
    "BatchReport",
    "HaltCause",
    "InputReport",
    "InputStatus",
    "Manifest",
    "ManifestError",
    "RateLimiter",
    "add_arguments",
    "aidentify_batch",
    "identify_batch",
    "main",
]

# A class's repr, help(), a pickle and Sphinx name it by its module, and a traceback a function:
# what is public here, though defined in the private modules, reports this one.
for _public in (
    BatchOptions,
    BatchProgress,
    BatchReport,
    HaltCause,
    InputReport,
    InputStatus,
    Manifest,
    ManifestError,
    RateLimiter,
    add_arguments,
    aidentify_batch,
    identify_batch,
    main,
):
    _public.__module__ = __name__
del _public
