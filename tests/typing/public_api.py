"""What a type-checked user of the public API may write, and the types they get back.

Not a test module (pytest does not collect it, nothing here runs): ``nox -s typecheck`` checks this
file with ``mypy --strict`` beside the wrapper, so a change that rejects correct user code, or
loosens a public return type, fails CI. Each function is one way users write their code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import assert_type

from pyannoteai_identify import (
    AsyncClient,
    AudioSource,
    Client,
    DiarizationResult,
    IdentifyResult,
    Job,
    JobKind,
    JobPage,
    JobStatus,
    JobSummary,
    RateLimit,
    UploadProgressCallback,
    VoiceprintResult,
    WebhookVerificationError,
    webhooks,
)
from pyannoteai_identify.receiver import DeliveryOutcome, DeliveryReason, SupportsRead, WebhookBroker, WebhookReceiver
from pyannoteai_identify.results import Result
from pyannoteai_identify.testing import MockAPI
from pyannoteai_identify.webhooks import Reason, WebhookEvent


def track(job: Job[Result]) -> None:
    """A helper of the user's that takes any job: a Job is immutable, so the type is covariant."""


def jobs_of_both_kinds(client: Client, audio: str) -> Sequence[Job[Result]]:
    identify = client.identify(audio, {"Alice": "vp"})
    assert_type(identify, Job[IdentifyResult])
    voiceprint = client.submit_voiceprint(audio)
    assert_type(voiceprint, Job[VoiceprintResult])
    track(identify)
    return [identify, voiceprint]


def callbacks_typed_for_their_job(client: Client, job: Job[IdentifyResult], broker: WebhookBroker) -> None:
    def on_identify_status(seen: Job[IdentifyResult]) -> None:
        print(seen.status)

    def on_any_status(seen: Job[Result]) -> None:
        print(seen.status)

    assert_type(client.wait(job, on_status=on_identify_status), IdentifyResult)
    assert_type(client.wait(job, on_status=on_any_status, broker=broker), IdentifyResult)


def progress_callbacks_may_return_a_value(client: Client, path: str) -> str:
    def on_progress(sent: int, total: int | None) -> bool | None:  # as tqdm's update() returns
        return sent == total

    return client.upload(path, on_progress=on_progress)


def helpers_of_the_user_name_the_public_types(
    client: Client, audio: AudioSource, on_progress: UploadProgressCallback | None = None
) -> Job[IdentifyResult]:
    """A user's wrapper passes audio and a progress callback through, typed with the SDK's names."""
    client.upload(audio, on_progress=on_progress)
    return client.identify(audio, {"Alice": "vp"}, on_upload_progress=on_progress)


def batch_options_of_the_client_method_are_checked(client: Client) -> None:
    """``Client.identify_batch`` types its options as the module function does (each ignore is needed)."""
    client.identify_batch(["a.wav"], {"Alice": "vp"}, manifest="m.sqlite", out="out", concurrency=4)
    client.identify_batch(["a.wav"], {"Alice": "vp"}, manifest="m.sqlite", out="out", concurency=4)  # type: ignore[call-arg]
    client.identify_batch(["a.wav"], {"Alice": "vp"}, manifest="m.sqlite", out="out", timeout="1h")  # type: ignore[arg-type]


def waits_by_id_are_typed_by_kind(client: Client, job_id: str) -> None:
    assert_type(client.wait(job_id, kind="identify"), IdentifyResult)
    assert_type(client.wait(job_id, kind="voiceprint"), VoiceprintResult)
    assert_type(client.wait(job_id, kind="diarization"), DiarizationResult)
    assert_type(client.wait(job_id), Result)


def listed_jobs_are_waited_for_and_fetched(client: Client) -> None:
    """A ``JobSummary`` of the job list is taken where a job id is, typed by ``kind=`` as an id is."""
    for summary in client.jobs(status="running"):
        assert_type(client.wait(summary), Result)
        assert_type(client.wait(summary, kind="identify", timeout=60), IdentifyResult)
        assert_type(client.get_job(summary, kind="voiceprint"), Job[VoiceprintResult])
        assert_type(client.get_job(summary), Job[Result])


async def async_listed_jobs_are_waited_for_and_fetched(client: AsyncClient) -> None:
    async for summary in client.jobs(status="running"):
        assert_type(await client.wait(summary, kind="diarization"), DiarizationResult)
        assert_type(await client.get_job(summary), Job[Result])


def job_handles_are_refreshed_as_their_kind(client: Client, job: Job[IdentifyResult], any_job: Job[Result]) -> None:
    """``get_job(job)`` refreshes a ``Job`` handle, typed by its kind as ``wait(job)`` is."""
    assert_type(client.get_job(job), Job[IdentifyResult])
    assert_type(client.get_job(client.submit_voiceprint("a.wav")), Job[VoiceprintResult])
    assert_type(client.get_job(any_job), Job[Result])


async def async_job_handles_are_refreshed_as_their_kind(client: AsyncClient, job: Job[IdentifyResult]) -> None:
    assert_type(await client.get_job(job), Job[IdentifyResult])
    assert_type(await client.get_job(job, kind="identify"), Job[IdentifyResult])


def results_read_back_as_their_own_type(identify: IdentifyResult, voiceprint: VoiceprintResult) -> None:
    assert_type(IdentifyResult.from_dict(identify.to_dict()), IdentifyResult)
    assert_type(VoiceprintResult.from_dict(voiceprint.to_dict()), VoiceprintResult)
    assert_type(DiarizationResult.from_dict({"diarization": []}), DiarizationResult)


def per_call_options_keep_the_clients_type(client: Client, async_client: AsyncClient) -> None:
    """``with_options`` gives a client of the same class (a subclass's own methods stay callable)."""
    assert_type(client.with_options(timeout=120, max_retries=0), Client)
    assert_type(async_client.with_options(timeout=120).with_options(max_retries=0), AsyncClient)


def rate_limit_and_app_info(client: Client, async_client: AsyncClient) -> None:
    """``rate_limit`` is a plain property on both clients (not awaited); ``app_info`` takes a str."""
    assert_type(client.rate_limit, RateLimit | None)
    assert_type(async_client.with_options(max_retries=0).rate_limit, RateLimit | None)
    seen = client.rate_limit
    if seen is not None and seen.remaining is not None:
        assert_type(seen.remaining, int)
    Client(app_info="acme-dubbing/2.1")
    AsyncClient(app_info=None)


async def async_client_alike(client: AsyncClient, audio: str) -> None:
    job = await client.identify(audio, {"Alice": "vp"})
    assert_type(job, Job[IdentifyResult])
    track(job)
    assert_type(await client.wait(job), IdentifyResult)


def verification_errors_name_their_reason(error: WebhookVerificationError) -> str:
    """``reason`` is the literal of the documented reasons, so a ``match`` on it can be checked."""
    assert_type(error.reason, Reason)
    return error.reason


def results_and_jobs_are_read_only(result: IdentifyResult, job: Job[IdentifyResult]) -> None:
    """Assigning a field raises at run time; a type checker says so first (each ignore is needed)."""
    result.warning = "edited"  # type: ignore[misc]
    if result.confidence is not None:
        result.confidence.resolution = 0.5  # type: ignore[misc]
    job.status = "succeeded"  # type: ignore[misc]


def results_are_not_dataclasses(result: IdentifyResult) -> dict[str, object]:
    """``dataclasses.asdict`` would raise at run time, so a type checker refuses it; ``to_dict`` is the way."""
    dataclasses.asdict(result)  # type: ignore[call-overload]
    return result.to_dict()


def a_fetched_job_s_result_is_typed_by_its_kind(client: Client, job_id: str) -> None:
    job = client.get_job(job_id, kind="identify")
    assert_type(job.result, IdentifyResult | None)
    if job.result is not None:
        print(job.result.speakers)
    assert_type(client.get_job(job_id).result, Result | None)


def a_mock_s_outcome_is_any_status_the_docs_allow(mock: MockAPI) -> None:
    """docs/testing.md: ``outcome`` is a job status of the contract, a final one ends the job and
    ``running`` keeps it running; the mock takes each at run time, so a type checker must too."""
    mock.outcome = "running"
    mock.outcome = "failed"


def the_mock_s_router_takes_a_pass_through_route(mock: MockAPI) -> None:
    """docs/testing.md: ``pyannoteai_mock.router.route(host="localhost").pass_through()`` lets traffic through."""
    mock.router.route(host="localhost").pass_through()


class FlaskHeaders:
    """What Flask's ``request.headers`` is (werkzeug's ``Headers``, as typed there): no ``Mapping``,
    but ``get`` and ``items``. docs/webhooks.md passes it to the receiver and to ``webhooks.parse``."""

    def get(self, key: str) -> str | None:
        return None

    def items(self, lower: bool = False) -> Iterable[tuple[str, str]]:
        return []


def flask_s_headers_are_taken_as_they_are(
    receiver: WebhookReceiver, stream: SupportsRead, body: bytes, headers: FlaskHeaders
) -> WebhookEvent | None:
    webhooks.verify(body, headers, "secret")
    assert_type(webhooks.parse(body, headers, "secret"), WebhookEvent)
    return receiver.handle_stream(stream, headers).event


def a_retry_reason_is_typed_when_the_contract_lists_it(event: WebhookEvent) -> None:
    """``known_retry_reason`` is a ``RetryReason`` or None; ``retry_reason`` the header as sent."""
    assert_type(event.retry_reason, str | None)
    assert_type(event.known_retry_reason, webhooks.RetryReason | None)
    counts = dict.fromkeys(webhooks.RetryReason, 0)
    if event.known_retry_reason is not None:
        counts[event.known_retry_reason] += 1


def a_jobs_status_filter_is_one_of_the_documented_statuses(client: Client, async_client: AsyncClient) -> None:
    """``jobs(status=...)`` refuses any other string at run time (ValidationError), so a type checker
    refuses it first; the status names and ``JobStatus`` members are taken (each ignore is needed)."""
    client.jobs("running")
    client.jobs(JobStatus.SUCCEEDED)
    client.jobs("runing")  # type: ignore[arg-type]
    async_client.jobs("canceled")
    async_client.jobs("cancelled")  # type: ignore[arg-type]


async def a_listing_resumes_from_a_page_s_cursor(client: Client, async_client: AsyncClient) -> None:
    """``job_page()``/``job_pages()`` give ``JobPage``s whose ``next_cursor`` ``jobs(cursor=...)`` takes."""
    page = client.job_page("running", page_size=10)
    assert_type(page, JobPage)
    assert_type(page.items, tuple[JobSummary, ...])
    for later in client.job_pages(cursor=page.next_cursor):
        assert_type(later.next_cursor, str | None)
    assert_type(await async_client.job_page(cursor=page.next_cursor), JobPage)
    async for other in async_client.job_pages(cursor=page.next_cursor):
        assert_type(other, JobPage)
    client.jobs(cursor=page.next_cursor)
    client.jobs(cursor=3)  # type: ignore[arg-type]


def a_mock_job_s_outcome_is_a_status_as_the_mock_s_is(mock: MockAPI) -> None:
    """``add_job(status, outcome=...)`` raise ValueError for a string that is no job status of the contract,
    as ``MockAPI.outcome`` is typed (each ignore is needed)."""
    mock.add_job("identify", "running", outcome="failed")
    mock.add_job("identify", "running", outcome="suceeded")  # type: ignore[arg-type]
    mock.add_job("identify", "suceeded")  # type: ignore[arg-type]
    mock.add_job("identify", JobStatus.CANCELED)


def a_mock_job_s_outcome_may_be_a_job_status_member(mock: MockAPI) -> None:
    """``add_job(outcome=...)`` takes a ``JobStatus`` member at run time (a ``str`` enum), as
    ``jobs(status=...)`` does; it took one to a type checker too while it was typed ``str``."""
    mock.add_job("identify", "running", outcome=JobStatus.FAILED)


def status_callbacks_of_a_known_kind_take_that_kind_s_job(client: Client, job_id: str) -> None:
    """``create_voiceprint`` only waits for a voiceprint job, and ``wait(job_id, kind=...)`` parses the
    job as *kind*: a callback typed for that kind's job is what each calls, as ``wait(job)`` takes one."""

    def on_voiceprint_status(seen: Job[VoiceprintResult]) -> None:
        print(seen.status)

    def on_identify_status(seen: Job[IdentifyResult]) -> None:
        print(seen.status)

    client.create_voiceprint("john.wav", on_status=on_voiceprint_status)
    assert_type(client.wait(job_id, kind="identify", on_status=on_identify_status), IdentifyResult)
    assert_type(client.wait(job_id, kind="voiceprint", on_status=on_voiceprint_status), VoiceprintResult)


async def async_status_callbacks_of_a_known_kind_alike(client: AsyncClient, job_id: str) -> None:
    def on_voiceprint_status(seen: Job[VoiceprintResult]) -> None:
        print(seen.status)

    await client.create_voiceprint("john.wav", on_status=on_voiceprint_status)
    assert_type(await client.wait(job_id, kind="voiceprint", on_status=on_voiceprint_status), VoiceprintResult)


def a_mock_s_operation_ids_are_the_contract_s(mock: MockAPI) -> None:
    """``calls`` and ``respond_with`` take an operation id of openapi.yaml (or ``upload``) and raise
    ValueError for any other at run time, so a type checker refuses a typo first (each ignore is needed)."""
    mock.calls("getJobById")
    mock.calls("upload")
    mock.respond_with("identify", 429)
    mock.calls("get_jobs")  # type: ignore[arg-type]
    mock.respond_with("getJob", 500)  # type: ignore[arg-type]


def a_mock_s_clients_take_the_client_s_keywords(mock: MockAPI) -> None:
    """``MockAPI.client``/``async_client`` pass their keywords to ``Client``/``AsyncClient``: a misspelt
    keyword or a wrong type is a type error, as it is to the client itself (each ignore is needed)."""
    mock.client(timeout=5.0, max_retries=0)
    mock.async_client(max_retries=0)
    mock.client(max_retry=0)  # type: ignore[call-arg]
    mock.client(timeout="1h")  # type: ignore[arg-type]
    mock.async_client(max_retry=0)  # type: ignore[call-arg]


def a_delivery_outcome_s_reason_is_a_literal(outcome: DeliveryOutcome) -> str:
    """``DeliveryOutcome.reason`` is one of the reasons the receiver produces, so a ``match`` on it can be checked."""
    assert_type(outcome.reason, DeliveryReason)
    return outcome.reason


def a_job_kind_is_importable_from_the_top_level(client: Client, job_id: str, kind: JobKind) -> None:
    """``get_job``/``wait`` take ``kind: JobKind | None``: a user's helper names the type from the top level."""
    client.get_job(job_id, kind=kind)
