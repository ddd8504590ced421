"""Pickles of the job list's pages made before ``_core`` was split into ``_core_*.py`` modules still
load, equal to the same pages built today, and a page pickled today loads in a version from before
the split: it names only the modules that version has.

A pickle names each class by its module and qualified name. ``JobSummary`` reported
``pyannoteai_identify._core`` before the split, and keeps a private module (its annotations name
``datetime``, which the top level does not export): the split must not move it to a module an
earlier version lacks (``_core_pages``), or a page cached, shelved or queued by this version fails to
load in that one with ``ModuleNotFoundError``. The bytes below were written by the code of main
before the split (597f6e0, Python 3.11).
"""

from __future__ import annotations

import base64
import datetime
import pickle
import typing

import pytest
from picklekit import globals_named

from pyannoteai_identify import JobPage, JobStatus, JobSummary


def _page() -> JobPage:
    """The page pickled below, built again by today's code."""
    return JobPage(
        (
            JobSummary(
                "6a8f1c2e-0b4d-4e6f-9a1b-2c3d4e5f6a7b",
                JobStatus.SUCCEEDED,
                datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            ),
            JobSummary("7b9e2d3f-1c5e-4f70-8b2c-3d4e5f6a7b8c", "paused-in-future", None),
        ),
        "0f1e2d3c-4b5a-4968-8776-655443322110",
    )


#: ``pickle.dumps(_page(), protocol)`` as written before the split, base64-encoded (protocol 0's
#: text globals, 2's binary ones, 5's ``STACK_GLOBAL``).
_PICKLES_BEFORE_THE_SPLIT = {
    0: (
        "Y2NvcHlfcmVnCl9yZWNvbnN0cnVjdG9yCnAwCihjcHlhbm5vdGVhaV9pZGVudGlmeS5fY29yZQpKb2JQYWdlCnAxCmNfX2J1aWx0"
        "aW5fXwpvYmplY3QKcDIKTnRwMwpScDQKKGxwNQooZzAKKGNweWFubm90ZWFpX2lkZW50aWZ5Ll9jb3JlCkpvYlN1bW1hcnkKcDYK"
        "ZzIKTnRwNwpScDgKKGxwOQpWNmE4ZjFjMmUtMGI0ZC00ZTZmLTlhMWItMmMzZDRlNWY2YTdiCnAxMAphY3B5YW5ub3RlYWlfaWRl"
        "bnRpZnkucmVzdWx0cwpKb2JTdGF0dXMKcDExCihWc3VjY2VlZGVkCnAxMgp0cDEzClJwMTQKYWNkYXRldGltZQpkYXRldGltZQpw"
        "MTUKKGNfY29kZWNzCmVuY29kZQpwMTYKKFYH6gECAwQFXHUwMDAwXHUwMDAwXHUwMDAwCnAxNwpWbGF0aW4xCnAxOAp0cDE5ClJw"
        "MjAKY2RhdGV0aW1lCnRpbWV6b25lCnAyMQooY2RhdGV0aW1lCnRpbWVkZWx0YQpwMjIKKEkwCkkwCkkwCnRwMjMKUnAyNAp0cDI1"
        "ClJwMjYKdHAyNwpScDI4CmFiZzAKKGc2CmcyCk50cDI5ClJwMzAKKGxwMzEKVjdiOWUyZDNmLTFjNWUtNGY3MC04YjJjLTNkNGU1"
        "ZjZhN2I4YwpwMzIKYVZwYXVzZWQtaW4tZnV0dXJlCnAzMwphTmFidHAzNAphVjBmMWUyZDNjLTRiNWEtNDk2OC04Nzc2LTY1NTQ0"
        "MzMyMjExMApwMzUKYWIu"
    ),
    2: (
        "gAJjcHlhbm5vdGVhaV9pZGVudGlmeS5fY29yZQpKb2JQYWdlCnEAKYFxAV1xAihjcHlhbm5vdGVhaV9pZGVudGlmeS5fY29yZQpK"
        "b2JTdW1tYXJ5CnEDKYFxBF1xBShYJAAAADZhOGYxYzJlLTBiNGQtNGU2Zi05YTFiLTJjM2Q0ZTVmNmE3YnEGY3B5YW5ub3RlYWlf"
        "aWRlbnRpZnkucmVzdWx0cwpKb2JTdGF0dXMKcQdYCQAAAHN1Y2NlZWRlZHEIhXEJUnEKY2RhdGV0aW1lCmRhdGV0aW1lCnELY19j"
        "b2RlY3MKZW5jb2RlCnEMWAsAAAAHw6oBAgMEBQAAAHENWAYAAABsYXRpbjFxDoZxD1JxEGNkYXRldGltZQp0aW1lem9uZQpxEWNk"
        "YXRldGltZQp0aW1lZGVsdGEKcRJLAEsASwCHcRNScRSFcRVScRaGcRdScRhlYmgDKYFxGV1xGihYJAAAADdiOWUyZDNmLTFjNWUt"
        "NGY3MC04YjJjLTNkNGU1ZjZhN2I4Y3EbWBAAAABwYXVzZWQtaW4tZnV0dXJlcRxOZWKGcR1YJAAAADBmMWUyZDNjLTRiNWEtNDk2"
        "OC04Nzc2LTY1NTQ0MzMyMjExMHEeZWIu"
    ),
    5: (
        "gAWVcQEAAAAAAACMGXB5YW5ub3RlYWlfaWRlbnRpZnkuX2NvcmWUjAdKb2JQYWdllJOUKYGUXZQoaACMCkpvYlN1bW1hcnmUk5Qp"
        "gZRdlCiMJDZhOGYxYzJlLTBiNGQtNGU2Zi05YTFiLTJjM2Q0ZTVmNmE3YpSMG3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0c5SM"
        "CUpvYlN0YXR1c5STlIwJc3VjY2VlZGVklIWUUpSMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfqAQIDBAUAAACUaBCMCHRpbWV6"
        "b25llJOUaBCMCXRpbWVkZWx0YZSTlEsASwBLAIeUUpSFlFKUhpRSlGViaAYpgZRdlCiMJDdiOWUyZDNmLTFjNWUtNGY3MC04YjJj"
        "LTNkNGU1ZjZhN2I4Y5SMEHBhdXNlZC1pbi1mdXR1cmWUTmVihpSMJDBmMWUyZDNjLTRiNWEtNDk2OC04Nzc2LTY1NTQ0MzMyMjEx"
        "MJRlYi4="
    ),
}


#: The modules of this package a job-list page named in a pickle before the split; a version from
#: before it has each of them, with the class under the same name.
_MODULES_BEFORE_THE_SPLIT = {"pyannoteai_identify", "pyannoteai_identify._core", "pyannoteai_identify.results"}


@pytest.mark.parametrize("protocol", sorted(_PICKLES_BEFORE_THE_SPLIT))
def test_a_page_pickled_before_the_split_still_loads(protocol: int) -> None:
    loaded = pickle.loads(base64.b64decode("".join(_PICKLES_BEFORE_THE_SPLIT[protocol])))
    assert loaded == _page()
    assert [type(item) for item in loaded.items] == [JobSummary, JobSummary]
    assert loaded.items[0].status is JobStatus.SUCCEEDED


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_page_pickled_now_names_only_modules_from_before_the_split(protocol: int) -> None:
    """So that it loads in a version from before the split (``_core_pages`` is not there)."""
    page = _page()
    ours = {
        module for module, _ in globals_named(pickle.dumps(page, protocol)) if module.startswith("pyannoteai_identify")
    }
    assert ours <= _MODULES_BEFORE_THE_SPLIT
    assert pickle.loads(pickle.dumps(page, protocol)) == page


def test_job_summary_reports_the_module_it_reported_before_the_split() -> None:
    """Its ``repr`` of the class, ``help()`` and a pickle name ``_core``, where the names of its annotations
    resolve (``typing.get_type_hints``, what pydantic and cattrs call)."""
    assert JobSummary.__module__ == "pyannoteai_identify._core"
    assert typing.get_type_hints(JobSummary) == {
        "id": str,
        "status": JobStatus | str,
        "created_at": datetime.datetime | None,
    }
