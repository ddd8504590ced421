from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error import ApiError
from ...models.diarization_job import DiarizationJob
from ...models.identify_job import IdentifyJob
from ...models.validation_error_response import ValidationErrorResponse
from ...models.voiceprint_job import VoiceprintJob
from ...types import Response


def _get_kwargs(
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/jobs/{job_id}".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> DiarizationJob | IdentifyJob | VoiceprintJob:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = IdentifyJob.from_dict(data)

                return response_200_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_1 = VoiceprintJob.from_dict(data)

                return response_200_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_200_type_2 = DiarizationJob.from_dict(data)

            return response_200_type_2

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ValidationErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = response.json()
        return response_401

    if response.status_code == 402:
        response_402 = ApiError.from_dict(response.json())

        return response_402

    if response.status_code == 404:
        response_404 = ApiError.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = ApiError.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse]:
    """Get a job (status, and output once succeeded)

     `output` holds the results once the job has succeeded, and is deleted 24 hours after the
    job completes. The docs say it is available only then, yet a failed job may carry
    `output.error` (the official SDK reads it), so `output` is optional in every status. An
    unknown or expired job answers 404: undocumented upstream, modelled so (see `NotFound`).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse | None:
    """Get a job (status, and output once succeeded)

     `output` holds the results once the job has succeeded, and is deleted 24 hours after the
    job completes. The docs say it is available only then, yet a failed job may carry
    `output.error` (the official SDK reads it), so `output` is optional in every status. An
    unknown or expired job answers 404: undocumented upstream, modelled so (see `NotFound`).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse]:
    """Get a job (status, and output once succeeded)

     `output` holds the results once the job has succeeded, and is deleted 24 hours after the
    job completes. The docs say it is available only then, yet a failed job may carry
    `output.error` (the official SDK reads it), so `output` is optional in every status. An
    unknown or expired job answers 404: undocumented upstream, modelled so (see `NotFound`).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse | None:
    """Get a job (status, and output once succeeded)

     `output` holds the results once the job has succeeded, and is deleted 24 hours after the
    job completes. The docs say it is available only then, yet a failed job may carry
    `output.error` (the official SDK reads it), so `output` is optional in every status. An
    unknown or expired job answers 404: undocumented upstream, modelled so (see `NotFound`).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApiError | DiarizationJob | IdentifyJob | VoiceprintJob | ValidationErrorResponse
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
        )
    ).parsed
