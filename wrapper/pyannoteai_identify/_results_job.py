"""The ``Job`` class: a job as the API reports it (id, status, kind, timestamps and output), immutable
and typed by the result its kind gives.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from ._results_frozen import _Frozen
from ._results_kinds import JobKind, JobStatus, is_terminal
from ._results_outputs import Result

#: The result type of a job. Covariant, as a Job is immutable: a ``Job[IdentifyResult]`` is a ``Job[Result]``.
R = TypeVar("R", bound=Result, covariant=True)


class Job(_Frozen, Generic[R]):
    """A job as the API reports it: id, status, and the parsed output once it has succeeded.

    *kind* is what the client knows or could infer (``identify``, ``voiceprint``,
    ``diarization``), or None for a job fetched by id before it has an output. The type parameter
    is the result ``wait()`` returns for it: ``identify()`` gives a ``Job[IdentifyResult]``.
    Immutable; two jobs are equal when everything the API reported is equal, output included.
    ``created_at`` and ``updated_at``, read from an answer, are aware datetimes: UTC when the API
    gives no offset (every time it documents is UTC), so they compare with ``datetime.now(UTC)``.
    """

    if TYPE_CHECKING:  # read-only fields (see _Frozen)

        @property
        def id(self) -> str: ...
        @property
        def status(self) -> JobStatus | str: ...
        @property
        def kind(self) -> JobKind | None: ...
        @property
        def output(self) -> R | Result | None: ...
        @property
        def created_at(self) -> datetime | None: ...
        @property
        def updated_at(self) -> datetime | None: ...
        @property
        def warning(self) -> str | None: ...
    else:
        __slots__ = ("created_at", "id", "kind", "output", "status", "updated_at", "warning")

    def __init__(
        self,
        id: str,
        status: JobStatus | str,
        kind: JobKind | None = None,
        *,
        output: R | Result | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        warning: str | None = None,
    ) -> None:
        self._set(
            id=id,
            status=status,
            kind=kind,
            output=output,
            created_at=created_at,
            updated_at=updated_at,
            warning=warning,
        )

    @property
    def is_terminal(self) -> bool:
        """True once the job is in a terminal status (the contract's ``x-terminal``: succeeded, failed, canceled)."""
        return is_terminal(self.status)

    @property
    def result(self) -> R | None:
        """The parsed output of a succeeded job, typed by its kind (a ``Job[IdentifyResult]``'s is an
        ``IdentifyResult``); None before it succeeds, and when it failed or was canceled, whose
        ``output`` holds the error (see :attr:`error`) and any other key the API sent in its ``extra``."""
        if self.status != JobStatus.SUCCEEDED:
            return None
        return cast(R, self.output)

    @property
    def error(self) -> str | None:
        """The API's error text (``output.error``) of a failed or canceled job, else None.

        The API puts it in ``output`` even for a job that has no result, so ``output`` of such a
        job holds only ``error`` and ``warning`` (and any other key the API sent, in its ``extra``);
        this reads it without looking there.
        """
        return None if self.output is None else self.output.error

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, status={str(self.status)!r}, kind={self.kind!r})"

    def _key(self) -> tuple[Any, ...]:
        return (self.id, str(self.status), self.kind, self.output, self.created_at, self.updated_at, self.warning)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Job):
            return NotImplemented
        return self._key() == other._key()

    __hash__: ClassVar[None] = None  # type: ignore[assignment]
