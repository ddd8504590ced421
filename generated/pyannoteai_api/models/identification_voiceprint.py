from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.identification_voiceprint_confidence import (
        IdentificationVoiceprintConfidence,
    )


T = TypeVar("T", bound="IdentificationVoiceprint")


@_attrs_define
class IdentificationVoiceprint:
    """
    Attributes:
        speaker (str): The diarization speaker.
        match (None | str): The best voiceprint label; null accepted for safety.
        confidence (IdentificationVoiceprintConfidence): Score (0-100) per voiceprint label.
    """

    speaker: str
    match: None | str
    confidence: IdentificationVoiceprintConfidence
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        speaker = self.speaker

        match: None | str
        match = self.match

        confidence = self.confidence.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "speaker": speaker,
                "match": match,
                "confidence": confidence,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identification_voiceprint_confidence import (
            IdentificationVoiceprintConfidence,  # noqa: PLC0415
        )

        d = dict(src_dict)
        speaker = d.pop("speaker")

        def _parse_match(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        match = _parse_match(d.pop("match"))

        confidence = IdentificationVoiceprintConfidence.from_dict(d.pop("confidence"))

        identification_voiceprint = cls(
            speaker=speaker,
            match=match,
            confidence=confidence,
        )

        identification_voiceprint.additional_properties = d
        return identification_voiceprint

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
