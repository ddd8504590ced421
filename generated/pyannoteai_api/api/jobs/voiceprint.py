from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error import ApiError
from ...models.job_created import JobCreated
from ...models.validation_error_response import ValidationErrorResponse
from ...models.voiceprint_request import VoiceprintRequest
from ...types import Response


def _get_kwargs(
    *,
    body: VoiceprintRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/voiceprint",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ApiError | JobCreated | ValidationErrorResponse | None:
    if response.status_code == 200:
        response_200 = JobCreated.from_dict(response.json())

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

    if response.status_code == 429:
        response_429 = ApiError.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ApiError | JobCreated | ValidationErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VoiceprintRequest,
) -> Response[Any | ApiError | JobCreated | ValidationErrorResponse]:
    """Submit a voiceprint job

     Extracts a voiceprint from at most 30 seconds of single-speaker audio (at most 100 MiB).
    Creates a billable job: never retry this request automatically.

    Args:
        body (VoiceprintRequest): Optional fields may be `null`, meaning absent (the official SDK
            sends `null` for every option it leaves unset); a required field may not.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApiError | JobCreated | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: VoiceprintRequest,
) -> Any | ApiError | JobCreated | ValidationErrorResponse | None:
    """Submit a voiceprint job

     Extracts a voiceprint from at most 30 seconds of single-speaker audio (at most 100 MiB).
    Creates a billable job: never retry this request automatically.

    Args:
        body (VoiceprintRequest): Optional fields may be `null`, meaning absent (the official SDK
            sends `null` for every option it leaves unset); a required field may not.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApiError | JobCreated | ValidationErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VoiceprintRequest,
) -> Response[Any | ApiError | JobCreated | ValidationErrorResponse]:
    """Submit a voiceprint job

     Extracts a voiceprint from at most 30 seconds of single-speaker audio (at most 100 MiB).
    Creates a billable job: never retry this request automatically.

    Args:
        body (VoiceprintRequest): Optional fields may be `null`, meaning absent (the official SDK
            sends `null` for every option it leaves unset); a required field may not.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApiError | JobCreated | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: VoiceprintRequest,
) -> Any | ApiError | JobCreated | ValidationErrorResponse | None:
    """Submit a voiceprint job

     Extracts a voiceprint from at most 30 seconds of single-speaker audio (at most 100 MiB).
    Creates a billable job: never retry this request automatically.

    Args:
        body (VoiceprintRequest): Optional fields may be `null`, meaning absent (the official SDK
            sends `null` for every option it leaves unset); a required field may not.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApiError | JobCreated | ValidationErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
