from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Voiceprint")


@_attrs_define
class Voiceprint:
    """
    Attributes:
        label (str): Name of the enrolled speaker. Upstream's pattern is `^(?!speaker_).*` while its prose
            says labels can't start with `SPEAKER_`; this contract refuses the prefix in any case.
            An empty label is refused too.
        voiceprint (str): A voiceprint returned by a voiceprint job.
    """

    label: str
    voiceprint: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label = self.label

        voiceprint = self.voiceprint

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "voiceprint": voiceprint,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        label = d.pop("label")

        voiceprint = d.pop("voiceprint")

        voiceprint = cls(
            label=label,
            voiceprint=voiceprint,
        )

        voiceprint.additional_properties = d
        return voiceprint

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
