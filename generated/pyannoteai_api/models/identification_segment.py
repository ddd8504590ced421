from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.identification_segment_confidence import IdentificationSegmentConfidence


T = TypeVar("T", bound="IdentificationSegment")


@_attrs_define
class IdentificationSegment:
    """Upstream requires only `diarizationSpeaker` and `match`; a turn without its times is
    useless, and every documented example carries them, so this contract requires `start`
    and `end` too.

        Attributes:
            start (float):
            end (float):
            diarization_speaker (str):
            match (None | str): The matched voiceprint label, null when none matched.
            speaker (str | Unset): The matched label, or the diarization label when unmatched: the rule is undocumented
                upstream (both are "Speaker label" there), but every documented example follows it.
            confidence (IdentificationSegmentConfidence | Unset):
    """

    start: float
    end: float
    diarization_speaker: str
    match: None | str
    speaker: str | Unset = UNSET
    confidence: IdentificationSegmentConfidence | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start = self.start

        end = self.end

        diarization_speaker = self.diarization_speaker

        match: None | str
        match = self.match

        speaker = self.speaker

        confidence: dict[str, Any] | Unset = UNSET
        if not isinstance(self.confidence, Unset):
            confidence = self.confidence.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start": start,
                "end": end,
                "diarizationSpeaker": diarization_speaker,
                "match": match,
            }
        )
        if speaker is not UNSET:
            field_dict["speaker"] = speaker
        if confidence is not UNSET:
            field_dict["confidence"] = confidence

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identification_segment_confidence import (
            IdentificationSegmentConfidence,  # noqa: PLC0415
        )

        d = dict(src_dict)
        start = d.pop("start")

        end = d.pop("end")

        diarization_speaker = d.pop("diarizationSpeaker")

        def _parse_match(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        match = _parse_match(d.pop("match"))

        speaker = d.pop("speaker", UNSET)

        _confidence = d.pop("confidence", UNSET)
        confidence: IdentificationSegmentConfidence | Unset
        if isinstance(_confidence, Unset):
            confidence = UNSET
        else:
            confidence = IdentificationSegmentConfidence.from_dict(_confidence)

        identification_segment = cls(
            start=start,
            end=end,
            diarization_speaker=diarization_speaker,
            match=match,
            speaker=speaker,
            confidence=confidence,
        )

        identification_segment.additional_properties = d
        return identification_segment

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
