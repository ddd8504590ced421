from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus, check_job_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.voiceprint_job_output import VoiceprintJobOutput


T = TypeVar("T", bound="VoiceprintJob")


@_attrs_define
class VoiceprintJob:
    """
    Attributes:
        job_id (str):
        status (JobStatus): Lifecycle of a job. The statuses listed in `x-terminal` (`succeeded`, `failed` and
            `canceled`) are terminal: the job will not change again. Clients must treat a value outside
            this list (from a newer API) as "not finished", never as an error.
        created_at (datetime.datetime | Unset):
        updated_at (datetime.datetime | Unset):
        output (VoiceprintJobOutput | Unset): The API sends no job-type field: a reader tells the shapes apart by their
            keys, and an
            output with a key only the identify output has is an identify output (which must then
            fit that shape), never a voiceprint output with an extra key.
    """

    job_id: str
    status: JobStatus
    created_at: datetime.datetime | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    output: VoiceprintJobOutput | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        status: str = self.status

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        output: dict[str, Any] | Unset = UNSET
        if not isinstance(self.output, Unset):
            output = self.output.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jobId": job_id,
                "status": status,
            }
        )
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at
        if output is not UNSET:
            field_dict["output"] = output

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.voiceprint_job_output import VoiceprintJobOutput  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("jobId")

        status = check_job_status(d.pop("status"))

        _created_at = d.pop("createdAt", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        _updated_at = d.pop("updatedAt", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        _output = d.pop("output", UNSET)
        output: VoiceprintJobOutput | Unset
        if isinstance(_output, Unset):
            output = UNSET
        else:
            output = VoiceprintJobOutput.from_dict(_output)

        voiceprint_job = cls(
            job_id=job_id,
            status=status,
            created_at=created_at,
            updated_at=updated_at,
            output=output,
        )

        voiceprint_job.additional_properties = d
        return voiceprint_job

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
