from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus, check_job_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.diarization_job_output import DiarizationJobOutput
    from ..models.identify_job_output import IdentifyJobOutput
    from ..models.voiceprint_job_output import VoiceprintJobOutput


T = TypeVar("T", bound="WebhookDelivery")


@_attrs_define
class WebhookDelivery:
    """
    Attributes:
        job_id (str):
        status (JobStatus): Lifecycle of a job. The statuses listed in `x-terminal` (`succeeded`, `failed` and
            `canceled`) are terminal: the job will not change again. Clients must treat a value outside
            this list (from a newer API) as "not finished", never as an error.
        output (DiarizationJobOutput | IdentifyJobOutput | Unset | VoiceprintJobOutput):
    """

    job_id: str
    status: JobStatus
    output: DiarizationJobOutput | IdentifyJobOutput | Unset | VoiceprintJobOutput = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.identify_job_output import IdentifyJobOutput  # noqa: PLC0415
        from ..models.voiceprint_job_output import VoiceprintJobOutput  # noqa: PLC0415

        job_id = self.job_id

        status: str = self.status

        output: dict[str, Any] | Unset
        if isinstance(self.output, Unset):
            output = UNSET
        elif isinstance(self.output, IdentifyJobOutput):
            output = self.output.to_dict()
        elif isinstance(self.output, VoiceprintJobOutput):
            output = self.output.to_dict()
        else:
            output = self.output.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jobId": job_id,
                "status": status,
            }
        )
        if output is not UNSET:
            field_dict["output"] = output

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.diarization_job_output import DiarizationJobOutput  # noqa: PLC0415
        from ..models.identify_job_output import IdentifyJobOutput  # noqa: PLC0415
        from ..models.voiceprint_job_output import VoiceprintJobOutput  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("jobId")

        status = check_job_status(d.pop("status"))

        def _parse_output(data: object) -> DiarizationJobOutput | IdentifyJobOutput | Unset | VoiceprintJobOutput:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                output_type_0 = IdentifyJobOutput.from_dict(data)

                return output_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                output_type_1 = VoiceprintJobOutput.from_dict(data)

                return output_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            output_type_2 = DiarizationJobOutput.from_dict(data)

            return output_type_2

        output = _parse_output(d.pop("output", UNSET))

        webhook_delivery = cls(
            job_id=job_id,
            status=status,
            output=output,
        )

        webhook_delivery.additional_properties = d
        return webhook_delivery

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
