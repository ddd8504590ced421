from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="VoiceprintRequest")


@_attrs_define
class VoiceprintRequest:
    """Optional fields may be `null`, meaning absent (the official SDK sends `null` for every option it leaves unset); a
    required field may not.

        Attributes:
            url (str): Public, presigned or media:// URL of at most 30 s of audio.
            webhook (str | Unset): URL that receives the result when the job ends.
            webhook_status_only (bool | Unset): Deliver only {jobId, status}. Default: False.
    """

    url: str
    webhook: str | Unset = UNSET
    webhook_status_only: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        webhook = self.webhook

        webhook_status_only = self.webhook_status_only

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
            }
        )
        if webhook is not UNSET:
            field_dict["webhook"] = webhook
        if webhook_status_only is not UNSET:
            field_dict["webhookStatusOnly"] = webhook_status_only

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        webhook = d.pop("webhook", UNSET)

        webhook_status_only = d.pop("webhookStatusOnly", UNSET)

        voiceprint_request = cls(
            url=url,
            webhook=webhook,
            webhook_status_only=webhook_status_only,
        )

        voiceprint_request.additional_properties = d
        return voiceprint_request

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
