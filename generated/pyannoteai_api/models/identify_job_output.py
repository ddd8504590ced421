from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.confidence import Confidence
    from ..models.diarization_segment import DiarizationSegment
    from ..models.identification_segment import IdentificationSegment
    from ..models.identification_voiceprint import IdentificationVoiceprint


T = TypeVar("T", bound="IdentifyJobOutput")


@_attrs_define
class IdentifyJobOutput:
    """Upstream requires no key here; this contract requires `identification` (present in every
    succeeded identify output) so that the job shapes can be told apart. `voiceprints` is in
    every documented output too, but as upstream does not promise it, a reader takes its
    absence as no voiceprint scores rather than refusing the result.

        Attributes:
            identification (list[IdentificationSegment]):
            diarization (list[DiarizationSegment] | Unset):
            exclusive_diarization (list[DiarizationSegment] | Unset):
            voiceprints (list[IdentificationVoiceprint] | Unset):
            confidence (Confidence | Unset):
            warning (str | Unset):
            error (str | Unset):
    """

    identification: list[IdentificationSegment]
    diarization: list[DiarizationSegment] | Unset = UNSET
    exclusive_diarization: list[DiarizationSegment] | Unset = UNSET
    voiceprints: list[IdentificationVoiceprint] | Unset = UNSET
    confidence: Confidence | Unset = UNSET
    warning: str | Unset = UNSET
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        identification = []
        for identification_item_data in self.identification:
            identification_item = identification_item_data.to_dict()
            identification.append(identification_item)

        diarization: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.diarization, Unset):
            diarization = []
            for diarization_item_data in self.diarization:
                diarization_item = diarization_item_data.to_dict()
                diarization.append(diarization_item)

        exclusive_diarization: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.exclusive_diarization, Unset):
            exclusive_diarization = []
            for exclusive_diarization_item_data in self.exclusive_diarization:
                exclusive_diarization_item = exclusive_diarization_item_data.to_dict()
                exclusive_diarization.append(exclusive_diarization_item)

        voiceprints: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.voiceprints, Unset):
            voiceprints = []
            for voiceprints_item_data in self.voiceprints:
                voiceprints_item = voiceprints_item_data.to_dict()
                voiceprints.append(voiceprints_item)

        confidence: dict[str, Any] | Unset = UNSET
        if not isinstance(self.confidence, Unset):
            confidence = self.confidence.to_dict()

        warning = self.warning

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "identification": identification,
            }
        )
        if diarization is not UNSET:
            field_dict["diarization"] = diarization
        if exclusive_diarization is not UNSET:
            field_dict["exclusiveDiarization"] = exclusive_diarization
        if voiceprints is not UNSET:
            field_dict["voiceprints"] = voiceprints
        if confidence is not UNSET:
            field_dict["confidence"] = confidence
        if warning is not UNSET:
            field_dict["warning"] = warning
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.confidence import Confidence  # noqa: PLC0415
        from ..models.diarization_segment import DiarizationSegment  # noqa: PLC0415
        from ..models.identification_segment import IdentificationSegment  # noqa: PLC0415
        from ..models.identification_voiceprint import IdentificationVoiceprint  # noqa: PLC0415

        d = dict(src_dict)
        identification = []
        _identification = d.pop("identification")
        for identification_item_data in _identification:
            identification_item = IdentificationSegment.from_dict(identification_item_data)

            identification.append(identification_item)

        _diarization = d.pop("diarization", UNSET)
        diarization: list[DiarizationSegment] | Unset = UNSET
        if _diarization is not UNSET:
            diarization = []
            for diarization_item_data in _diarization:
                diarization_item = DiarizationSegment.from_dict(diarization_item_data)

                diarization.append(diarization_item)

        _exclusive_diarization = d.pop("exclusiveDiarization", UNSET)
        exclusive_diarization: list[DiarizationSegment] | Unset = UNSET
        if _exclusive_diarization is not UNSET:
            exclusive_diarization = []
            for exclusive_diarization_item_data in _exclusive_diarization:
                exclusive_diarization_item = DiarizationSegment.from_dict(exclusive_diarization_item_data)

                exclusive_diarization.append(exclusive_diarization_item)

        _voiceprints = d.pop("voiceprints", UNSET)
        voiceprints: list[IdentificationVoiceprint] | Unset = UNSET
        if _voiceprints is not UNSET:
            voiceprints = []
            for voiceprints_item_data in _voiceprints:
                voiceprints_item = IdentificationVoiceprint.from_dict(voiceprints_item_data)

                voiceprints.append(voiceprints_item)

        _confidence = d.pop("confidence", UNSET)
        confidence: Confidence | Unset
        if isinstance(_confidence, Unset):
            confidence = UNSET
        else:
            confidence = Confidence.from_dict(_confidence)

        warning = d.pop("warning", UNSET)

        error = d.pop("error", UNSET)

        identify_job_output = cls(
            identification=identification,
            diarization=diarization,
            exclusive_diarization=exclusive_diarization,
            voiceprints=voiceprints,
            confidence=confidence,
            warning=warning,
            error=error,
        )

        identify_job_output.additional_properties = d
        return identify_job_output

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
