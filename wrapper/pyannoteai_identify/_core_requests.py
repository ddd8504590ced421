"""Request builders: validated arguments → the keyword arguments of an ``httpx`` request.

Request bodies are built with the generated models and routes come from the generated operation
modules, so paths, field names and serialisation follow openapi.yaml. Each builder imports what it
uses when first called: the generated package and attrs take about as long to import as httpx, and
``import pyannoteai_identify`` (a webhook receiver, the CLI's help) should not pay for them. Later
calls find the modules in ``sys.modules``.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from ._validation import Matching, Voiceprint

RequestKwargs = dict[str, Any]


def identify_request(
    *,
    url: str,
    voiceprints: list[Voiceprint],
    num_speakers: int | None,
    matching: Matching | None,
    confidence: bool,
    exclusive: bool,
    turn_level_confidence: bool,
    webhook: str | None,
    webhook_status_only: bool,
    model: str | None = None,
) -> RequestKwargs:
    from pyannoteai_api.api.jobs import identify as _identify
    from pyannoteai_api.models.identify_request import IdentifyRequest
    from pyannoteai_api.models.matching import Matching as _GenMatching
    from pyannoteai_api.models.voiceprint import Voiceprint as _GenVoiceprint
    from pyannoteai_api.types import UNSET

    body = IdentifyRequest(
        url=url,
        voiceprints=[_GenVoiceprint(label=v.label, voiceprint=v.voiceprint) for v in voiceprints],
        webhook=UNSET if webhook is None else webhook,
        webhook_status_only=webhook_status_only,
        model=UNSET if model is None else model,
        num_speakers=UNSET if num_speakers is None else cast(Any, num_speakers),
        exclusive=exclusive,
        turn_level_confidence=turn_level_confidence,
        confidence=confidence,
        matching=UNSET
        if matching is None
        else _GenMatching(
            exclusive=UNSET if matching.exclusive is None else matching.exclusive,
            threshold=UNSET if matching.threshold is None else matching.threshold,
        ),
    )
    return _identify._get_kwargs(body=body)


def voiceprint_request(*, url: str, webhook: str | None, webhook_status_only: bool) -> RequestKwargs:
    from pyannoteai_api.api.jobs import voiceprint as _voiceprint
    from pyannoteai_api.models.voiceprint_request import VoiceprintRequest
    from pyannoteai_api.types import UNSET

    body = VoiceprintRequest(
        url=url, webhook=UNSET if webhook is None else webhook, webhook_status_only=webhook_status_only
    )
    return _voiceprint._get_kwargs(body=body)


def media_upload_request(media_url: str) -> RequestKwargs:
    from pyannoteai_api.api.media import get_media_upload_url as _get_media_upload_url
    from pyannoteai_api.models.media_upload_request import MediaUploadRequest

    return _get_media_upload_url._get_kwargs(body=MediaUploadRequest(url=media_url))


def get_job_request(job_id: str) -> RequestKwargs:
    from pyannoteai_api.api.jobs import get_job_by_id as _get_job_by_id

    return _get_job_by_id._get_kwargs(job_id)


def list_jobs_request(*, limit: int, cursor: str | None, status: str | None) -> RequestKwargs:
    from pyannoteai_api.api.jobs import get_jobs_by_team_v2 as _get_jobs
    from pyannoteai_api.types import UNSET

    return _get_jobs._get_kwargs(
        limit=limit,
        cursor=UNSET if cursor is None else cast(UUID, cursor),
        status=UNSET if status is None else cast(Any, status),
    )


def test_key_request() -> RequestKwargs:
    from pyannoteai_api.api.test import test_key as _test_key

    return _test_key._get_kwargs()
