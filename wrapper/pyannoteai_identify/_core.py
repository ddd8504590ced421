"""Sans-I/O core: validated arguments → request kwargs, and HTTP responses → results or exceptions.

Responses are parsed here, not by the generated client: its parser raises on a status value it
does not know and returns None for undeclared statuses (401, 404, 5xx), which must become precise
exceptions. Each job is in a module of its own, gathered here under the names the package imports
them by: ``_core_requests`` (the request builders), ``_core_errors`` (error responses →
exceptions), ``_core_json`` (a 2xx response's JSON), ``_core_jobs`` (job responses → jobs),
``_core_media`` (the presigned upload URL), ``_core_pages`` (job-list pages) and ``_core_key``
(``GET /v1/test``).
"""

from __future__ import annotations

# The names JobSummary's annotations use, which typing.get_type_hints looks up in the module it
# reports (this one, below).
from datetime import datetime  # noqa: F401

from ._core_errors import JOB_MAY_EXIST as JOB_MAY_EXIST
from ._core_errors import LIST_JOBS as LIST_JOBS
from ._core_errors import LOOK_FOR_THE_JOB as LOOK_FOR_THE_JOB
from ._core_errors import MAY_HAVE_CREATED_A_JOB as MAY_HAVE_CREATED_A_JOB
from ._core_errors import WALL_TIME as WALL_TIME
from ._core_errors import _hints as _hints
from ._core_errors import error_body as error_body
from ._core_errors import error_for as error_for
from ._core_errors import headers_only as headers_only
from ._core_errors import request_id_of as request_id_of
from ._core_errors import storage_host_id as storage_host_id
from ._core_errors import storage_request_id as storage_request_id
from ._core_errors import wall_time_of as wall_time_of
from ._core_jobs import REFUSED_WITHOUT_A_JOB as REFUSED_WITHOUT_A_JOB
from ._core_jobs import parse_created_job as parse_created_job
from ._core_jobs import parse_job_response as parse_job_response
from ._core_json import json_of as json_of
from ._core_json import ok as ok
from ._core_key import KeyStatus as KeyStatus
from ._core_key import parse_key_status as parse_key_status
from ._core_media import InsecureUploadURLError as InsecureUploadURLError
from ._core_media import parse_presigned_url as parse_presigned_url
from ._core_pages import JobPage as JobPage
from ._core_pages import JobSummary as JobSummary
from ._core_pages import parse_job_page as parse_job_page
from ._core_requests import RequestKwargs as RequestKwargs
from ._core_requests import get_job_request as get_job_request
from ._core_requests import identify_request as identify_request
from ._core_requests import list_jobs_request as list_jobs_request
from ._core_requests import media_upload_request as media_upload_request
from ._core_requests import test_key_request as test_key_request
from ._core_requests import voiceprint_request as voiceprint_request
from .results import JobStatus as JobStatus

# A pickle names a class by its module: JobSummary and InsecureUploadURLError reported this one before
# the split and keep reporting it, so that a job list, or the error a process pool's worker sends back,
# pickled now loads in a version without ``_core_pages`` or ``_core_media``.
for _pickled in (JobSummary, InsecureUploadURLError):
    _pickled.__module__ = __name__
del _pickled
