from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error import ApiError
from ...models.job_list import JobList
from ...models.job_status import JobStatus
from ...models.validation_error_response import ValidationErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 10,
    cursor: UUID | Unset = UNSET,
    status: JobStatus | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: str | Unset = UNSET
    if not isinstance(cursor, Unset):
        json_cursor = str(cursor)
    params["cursor"] = json_cursor

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status

    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v2/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ApiError | JobList | ValidationErrorResponse | None:
    if response.status_code == 200:
        response_200 = JobList.from_dict(response.json())

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
) -> Response[Any | ApiError | JobList | ValidationErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 10,
    cursor: UUID | Unset = UNSET,
    status: JobStatus | Unset = UNSET,
) -> Response[Any | ApiError | JobList | ValidationErrorResponse]:
    """List the team's jobs, newest first, by cursor

     Sorted by creation date, descending. Items carry no output.

    Args:
        limit (int | Unset):  Default: 10.
        cursor (UUID | Unset):
        status (JobStatus | Unset): Lifecycle of a job. The statuses listed in `x-terminal`
            (`succeeded`, `failed` and
            `canceled`) are terminal: the job will not change again. Clients must treat a value
            outside
            this list (from a newer API) as "not finished", never as an error.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApiError | JobList | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 10,
    cursor: UUID | Unset = UNSET,
    status: JobStatus | Unset = UNSET,
) -> Any | ApiError | JobList | ValidationErrorResponse | None:
    """List the team's jobs, newest first, by cursor

     Sorted by creation date, descending. Items carry no output.

    Args:
        limit (int | Unset):  Default: 10.
        cursor (UUID | Unset):
        status (JobStatus | Unset): Lifecycle of a job. The statuses listed in `x-terminal`
            (`succeeded`, `failed` and
            `canceled`) are terminal: the job will not change again. Clients must treat a value
            outside
            this list (from a newer API) as "not finished", never as an error.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApiError | JobList | ValidationErrorResponse
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 10,
    cursor: UUID | Unset = UNSET,
    status: JobStatus | Unset = UNSET,
) -> Response[Any | ApiError | JobList | ValidationErrorResponse]:
    """List the team's jobs, newest first, by cursor

     Sorted by creation date, descending. Items carry no output.

    Args:
        limit (int | Unset):  Default: 10.
        cursor (UUID | Unset):
        status (JobStatus | Unset): Lifecycle of a job. The statuses listed in `x-terminal`
            (`succeeded`, `failed` and
            `canceled`) are terminal: the job will not change again. Clients must treat a value
            outside
            this list (from a newer API) as "not finished", never as an error.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ApiError | JobList | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 10,
    cursor: UUID | Unset = UNSET,
    status: JobStatus | Unset = UNSET,
) -> Any | ApiError | JobList | ValidationErrorResponse | None:
    """List the team's jobs, newest first, by cursor

     Sorted by creation date, descending. Items carry no output.

    Args:
        limit (int | Unset):  Default: 10.
        cursor (UUID | Unset):
        status (JobStatus | Unset): Lifecycle of a job. The statuses listed in `x-terminal`
            (`succeeded`, `failed` and
            `canceled`) are terminal: the job will not change again. Clients must treat a value
            outside
            this list (from a newer API) as "not finished", never as an error.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ApiError | JobList | ValidationErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
        )
    ).parsed
