from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.diarization_segment_confidence import DiarizationSegmentConfidence


T = TypeVar("T", bound="DiarizationSegment")


@_attrs_define
class DiarizationSegment:
    """
    Attributes:
        speaker (str): Diarization label, e.g. SPEAKER_00.
        start (float): Seconds from the start of the audio.
        end (float):
        confidence (DiarizationSegmentConfidence | Unset): Score (0-100) per speaker, only with `turnLevelConfidence`.
    """

    speaker: str
    start: float
    end: float
    confidence: DiarizationSegmentConfidence | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        speaker = self.speaker

        start = self.start

        end = self.end

        confidence: dict[str, Any] | Unset = UNSET
        if not isinstance(self.confidence, Unset):
            confidence = self.confidence.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "speaker": speaker,
                "start": start,
                "end": end,
            }
        )
        if confidence is not UNSET:
            field_dict["confidence"] = confidence

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.diarization_segment_confidence import DiarizationSegmentConfidence  # noqa: PLC0415

        d = dict(src_dict)
        speaker = d.pop("speaker")

        start = d.pop("start")

        end = d.pop("end")

        _confidence = d.pop("confidence", UNSET)
        confidence: DiarizationSegmentConfidence | Unset
        if isinstance(_confidence, Unset):
            confidence = UNSET
        else:
            confidence = DiarizationSegmentConfidence.from_dict(_confidence)

        diarization_segment = cls(
            speaker=speaker,
            start=start,
            end=end,
            confidence=confidence,
        )

        diarization_segment.additional_properties = d
        return diarization_segment

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
