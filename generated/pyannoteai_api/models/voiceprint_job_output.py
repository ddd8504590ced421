from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="VoiceprintJobOutput")


@_attrs_define
class VoiceprintJobOutput:
    """The API sends no job-type field: a reader tells the shapes apart by their keys, and an
    output with a key only the identify output has is an identify output (which must then
    fit that shape), never a voiceprint output with an extra key.

        Attributes:
            voiceprint (str):
            warning (str | Unset):
            error (str | Unset):
    """

    voiceprint: str
    warning: str | Unset = UNSET
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        voiceprint = self.voiceprint

        warning = self.warning

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "voiceprint": voiceprint,
            }
        )
        if warning is not UNSET:
            field_dict["warning"] = warning
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        voiceprint = d.pop("voiceprint")

        warning = d.pop("warning", UNSET)

        error = d.pop("error", UNSET)

        voiceprint_job_output = cls(
            voiceprint=voiceprint,
            warning=warning,
            error=error,
        )

        voiceprint_job_output.additional_properties = d
        return voiceprint_job_output

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
