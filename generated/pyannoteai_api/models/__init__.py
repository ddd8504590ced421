"""Contains all the data models used in inputs/outputs"""

from .api_error import ApiError
from .confidence import Confidence
from .diarization_job import DiarizationJob
from .diarization_job_output import DiarizationJobOutput
from .diarization_segment import DiarizationSegment
from .diarization_segment_confidence import DiarizationSegmentConfidence
from .identification_segment import IdentificationSegment
from .identification_segment_confidence import IdentificationSegmentConfidence
from .identification_voiceprint import IdentificationVoiceprint
from .identification_voiceprint_confidence import IdentificationVoiceprintConfidence
from .identify_job import IdentifyJob
from .identify_job_output import IdentifyJobOutput
from .identify_request import IdentifyRequest
from .identify_request_num_speakers import IdentifyRequestNumSpeakers
from .job_created import JobCreated
from .job_list import JobList
from .job_list_item import JobListItem
from .job_status import JobStatus
from .matching import Matching
from .media_upload_request import MediaUploadRequest
from .media_upload_response import MediaUploadResponse
from .test_response import TestResponse
from .validation_error import ValidationError
from .validation_error_response import ValidationErrorResponse
from .voiceprint import Voiceprint
from .voiceprint_job import VoiceprintJob
from .voiceprint_job_output import VoiceprintJobOutput
from .voiceprint_request import VoiceprintRequest
from .webhook_delivery import WebhookDelivery

__all__ = (
    "ApiError",
    "Confidence",
    "DiarizationJob",
    "DiarizationJobOutput",
    "DiarizationSegment",
    "DiarizationSegmentConfidence",
    "IdentificationSegment",
    "IdentificationSegmentConfidence",
    "IdentificationVoiceprint",
    "IdentificationVoiceprintConfidence",
    "IdentifyJob",
    "IdentifyJobOutput",
    "IdentifyRequest",
    "IdentifyRequestNumSpeakers",
    "JobCreated",
    "JobList",
    "JobListItem",
    "JobStatus",
    "Matching",
    "MediaUploadRequest",
    "MediaUploadResponse",
    "TestResponse",
    "ValidationError",
    "ValidationErrorResponse",
    "Voiceprint",
    "VoiceprintJob",
    "VoiceprintJobOutput",
    "VoiceprintRequest",
    "WebhookDelivery",
)
