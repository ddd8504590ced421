from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.identify_request_num_speakers import (
    IdentifyRequestNumSpeakers,
    check_identify_request_num_speakers,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.matching import Matching
    from ..models.voiceprint import Voiceprint


T = TypeVar("T", bound="IdentifyRequest")


@_attrs_define
class IdentifyRequest:
    """Upstream's spec lists only `voiceprints` as required; an identification without audio is
    meaningless, so this contract requires `url` too (upstream's SDK always sends it).
    Optional top-level fields may be `null`, meaning absent (the official SDK sends `null` for
    every option it leaves unset); a required field may not.

        Attributes:
            url (str): Public, presigned or media:// URL of the audio.
            voiceprints (list[Voiceprint]):
            webhook (str | Unset): URL that receives the result when the job ends.
            webhook_status_only (bool | Unset): Deliver only {jobId, status}. Default: False.
            model (str | Unset): The diarization model; absent (or null) leaves the choice to the API, whose default is
                `precision-2`. Deliberately an open string, without upstream's enum: the sources disagree
                on it (upstream's spec: `precision-2` only; its rendered docs: `precision-1` and
                `precision-2`) and it has changed twice, so the API, not a client or a fake of it,
                judges a model name.
            num_speakers (IdentifyRequestNumSpeakers | Unset): Number of speakers, when known. Absent means detect
                automatically. Deliberately narrower
                than upstream (a number of at least 1, no documented maximum): this project's identify
                request takes 1 or 2; widening it is a change of this enum alone.
            exclusive (bool | Unset): Also return exclusive (non-overlapping) diarization. Default: False.
            turn_level_confidence (bool | Unset): Add a confidence map to each turn. Default: False.
            confidence (bool | Unset): Add frame-level diarization confidence scores. Default: False.
            matching (Matching | Unset): How voiceprints are matched against the diarized speakers.
    """

    url: str
    voiceprints: list[Voiceprint]
    webhook: str | Unset = UNSET
    webhook_status_only: bool | Unset = False
    model: str | Unset = UNSET
    num_speakers: IdentifyRequestNumSpeakers | Unset = UNSET
    exclusive: bool | Unset = False
    turn_level_confidence: bool | Unset = False
    confidence: bool | Unset = False
    matching: Matching | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        voiceprints = []
        for voiceprints_item_data in self.voiceprints:
            voiceprints_item = voiceprints_item_data.to_dict()
            voiceprints.append(voiceprints_item)

        webhook = self.webhook

        webhook_status_only = self.webhook_status_only

        model = self.model

        num_speakers: int | Unset = UNSET
        if not isinstance(self.num_speakers, Unset):
            num_speakers = self.num_speakers

        exclusive = self.exclusive

        turn_level_confidence = self.turn_level_confidence

        confidence = self.confidence

        matching: dict[str, Any] | Unset = UNSET
        if not isinstance(self.matching, Unset):
            matching = self.matching.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "voiceprints": voiceprints,
            }
        )
        if webhook is not UNSET:
            field_dict["webhook"] = webhook
        if webhook_status_only is not UNSET:
            field_dict["webhookStatusOnly"] = webhook_status_only
        if model is not UNSET:
            field_dict["model"] = model
        if num_speakers is not UNSET:
            field_dict["numSpeakers"] = num_speakers
        if exclusive is not UNSET:
            field_dict["exclusive"] = exclusive
        if turn_level_confidence is not UNSET:
            field_dict["turnLevelConfidence"] = turn_level_confidence
        if confidence is not UNSET:
            field_dict["confidence"] = confidence
        if matching is not UNSET:
            field_dict["matching"] = matching

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.matching import Matching  # noqa: PLC0415
        from ..models.voiceprint import Voiceprint  # noqa: PLC0415

        d = dict(src_dict)
        url = d.pop("url")

        voiceprints = []
        _voiceprints = d.pop("voiceprints")
        for voiceprints_item_data in _voiceprints:
            voiceprints_item = Voiceprint.from_dict(voiceprints_item_data)

            voiceprints.append(voiceprints_item)

        webhook = d.pop("webhook", UNSET)

        webhook_status_only = d.pop("webhookStatusOnly", UNSET)

        model = d.pop("model", UNSET)

        _num_speakers = d.pop("numSpeakers", UNSET)
        num_speakers: IdentifyRequestNumSpeakers | Unset
        if isinstance(_num_speakers, Unset):
            num_speakers = UNSET
        else:
            num_speakers = check_identify_request_num_speakers(_num_speakers)

        exclusive = d.pop("exclusive", UNSET)

        turn_level_confidence = d.pop("turnLevelConfidence", UNSET)

        confidence = d.pop("confidence", UNSET)

        _matching = d.pop("matching", UNSET)
        matching: Matching | Unset
        if isinstance(_matching, Unset):
            matching = UNSET
        else:
            matching = Matching.from_dict(_matching)

        identify_request = cls(
            url=url,
            voiceprints=voiceprints,
            webhook=webhook,
            webhook_status_only=webhook_status_only,
            model=model,
            num_speakers=num_speakers,
            exclusive=exclusive,
            turn_level_confidence=turn_level_confidence,
            confidence=confidence,
            matching=matching,
        )

        identify_request.additional_properties = d
        return identify_request

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
