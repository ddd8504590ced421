from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.confidence import Confidence
    from ..models.diarization_segment import DiarizationSegment


T = TypeVar("T", bound="DiarizationJobOutput")


@_attrs_define
class DiarizationJobOutput:
    """Upstream requires `diarization`; this contract requires nothing, so that this last shape
    also accepts the error-only output of a failed job. An output with a key only the identify
    or the voiceprint output has is of that type and must fit its shape: without this `not`,
    a broken identify output would still pass as a diarization output with extra keys.

        Attributes:
            diarization (list[DiarizationSegment] | Unset):
            exclusive_diarization (list[DiarizationSegment] | Unset):
            confidence (Confidence | Unset):
            warning (str | Unset):
            error (str | Unset):
    """

    diarization: list[DiarizationSegment] | Unset = UNSET
    exclusive_diarization: list[DiarizationSegment] | Unset = UNSET
    confidence: Confidence | Unset = UNSET
    warning: str | Unset = UNSET
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
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

        confidence: dict[str, Any] | Unset = UNSET
        if not isinstance(self.confidence, Unset):
            confidence = self.confidence.to_dict()

        warning = self.warning

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if diarization is not UNSET:
            field_dict["diarization"] = diarization
        if exclusive_diarization is not UNSET:
            field_dict["exclusiveDiarization"] = exclusive_diarization
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

        d = dict(src_dict)
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

        _confidence = d.pop("confidence", UNSET)
        confidence: Confidence | Unset
        if isinstance(_confidence, Unset):
            confidence = UNSET
        else:
            confidence = Confidence.from_dict(_confidence)

        warning = d.pop("warning", UNSET)

        error = d.pop("error", UNSET)

        diarization_job_output = cls(
            diarization=diarization,
            exclusive_diarization=exclusive_diarization,
            confidence=confidence,
            warning=warning,
            error=error,
        )

        diarization_job_output.additional_properties = d
        return diarization_job_output

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
