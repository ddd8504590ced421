"""Exceptions stay printable whatever the bad value was, and survive pickling."""

from __future__ import annotations

import concurrent.futures
import copy
import multiprocessing
import os
import pickle
import tempfile

import pytest
from picklekit import modules_named

from pyannoteai_identify import ValidationError, errors


def test_a_validation_error_about_an_int_too_long_to_print_shows_its_size() -> None:
    """repr() of an int over Python's 4300-digit limit raises; the message shows its bit length instead."""
    error = ValidationError("num_speakers", 10**5000, "must be the integer 1 or 2")
    assert str(error) == "num_speakers=<int of 16610 bits>: must be the integer 1 or 2"


def test_a_long_value_is_shortened_in_the_message() -> None:
    """Values are cut to 80 characters so a 20,000-character voiceprint does not flood a log line."""
    error = ValidationError("voiceprints[0].voiceprint", "x" * 500, "too long")
    assert str(error) == f"voiceprints[0].voiceprint='{'x' * 37}...{'x' * 38}': too long"
    assert error.value == "x" * 500


def test_a_long_path_keeps_its_file_name_in_the_message() -> None:
    """A value is cut in its middle: the end of a deep path, its file name, is what the reader needs."""
    path = "/srv/" + "deeply-nested-folder/" * 8 + "meeting-2026-11-27.wav"
    error = ValidationError("audio", path, "no such file")
    assert str(error).startswith("audio='/srv/deeply-nested-folder/")
    assert str(error).endswith("/meeting-2026-11-27.wav': no such file")
    assert len(str(error)) == len("audio=") + 80 + len(": no such file")


def _one_of_each() -> list[errors.PyannoteAIError]:
    """An instance of every exception class, each with its own attributes set to something non-default."""
    api = {"status_code": 400, "request_id": "req-1", "field_errors": [errors.FieldError("url", "bad")], "body": b"{}"}
    made: list[errors.PyannoteAIError] = [
        errors.ValidationError("num_speakers", 3, "must be the integer 1 or 2"),
        errors.PyannoteAIError("base"),
        errors.ConfigurationError("no API key"),
        errors.APIConnectionError("reset", method="POST", url="https://x/v1/identify", request_sent=True),
        errors.APITimeoutError("slow", method="GET", url="https://x/v1/jobs/j", request_sent=False),
        errors.RateLimitError("slow down", retry_after=2.5, headers={"Retry-After": "3"}, **api),
        errors.WaitTimeoutError("deadline", job_id="j1", last_status="running"),
        errors.WebhookVerificationError("signature_mismatch", "the signature does not match"),
    ]
    for cls in (errors.APIError, errors.BadRequestError, errors.AuthenticationError, errors.PaymentRequiredError):
        made.append(cls("refused", hint="check PYANNOTEAI_API_KEY", **api))
    for cls in (errors.NotFoundError, errors.ServerError, errors.InvalidResponseError, errors.InvalidOutputError):
        made.append(cls("refused", **api))
    for cls in (errors.JobError, errors.JobFailedError, errors.JobCanceledError, errors.JobExpiredError):
        made.append(cls("ended", job_id="j2", status="failed", api_message="bad audio"))
    return made


def test_one_of_each_covers_every_exception_class() -> None:
    made = {type(error).__name__ for error in _one_of_each()}
    exported = {name for name in errors.__all__ if name != "FieldError"}
    assert made == exported


@pytest.mark.parametrize("error", _one_of_each(), ids=lambda error: type(error).__name__)
def test_every_exception_pickles_and_copies_with_its_attributes(error: errors.PyannoteAIError) -> None:
    """A worker of a ProcessPoolExecutor sends its exception back pickled; pickle's default rebuilt it
    with ``cls(*args)``, which keyword-only arguments refuse (TypeError, then BrokenProcessPool)."""
    for copied in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error), copy.copy(error)):
        assert type(copied) is type(error)
        assert str(copied) == str(error)
        assert copied.args == error.args
        assert vars(copied) == vars(error)


def _raise_in_worker() -> None:
    raise errors.JobFailedError("job j3 failed: bad audio", job_id="j3", status="failed", api_message="bad audio")


def test_an_exception_raised_in_a_worker_process_reaches_the_parent_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not fork: this process runs other tests' threads, and Python 3.12+ warns that a forked child of
    # a threaded process may deadlock. The forkserver's child imports this module, as a user's would.
    # The forkserver listens on a socket file under multiprocessing's temporary directory, made under
    # tempfile.gettempdir(): a long TMPDIR (a CI runner's) breaks the AF_UNIX path limit (108 bytes
    # on Linux) and the server never starts. That directory is made under /tmp, whatever TMPDIR
    # says, if the server is not running yet (multiprocessing removes it when this process exits).
    if os.path.isdir("/tmp"):
        monkeypatch.setattr(tempfile, "tempdir", "/tmp")
        monkeypatch.delitem(multiprocessing.current_process()._config, "tempdir", raising=False)  # type: ignore[attr-defined]
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_raise_in_worker)
        with pytest.raises(errors.JobFailedError) as caught:
            future.result(timeout=60)
    assert (caught.value.job_id, caught.value.api_message) == ("j3", "bad audio")


#: Attributes added after exceptions began to pickle with their ``__dict__`` (and, for each, one
#: error of its class): a pickle written before lacks them, and loads without calling ``__init__``.
ADDED_LATER = [
    (errors.APIConnectionError("reset", request_sent=True), "proxy_refused", False),
    (errors.APIConnectionError("reset", request_sent=True), "certificate_failed", False),
    (errors.APITimeoutError("slow", request_sent=False), "certificate_failed", False),
    (errors.ValidationError("audio", "/a.wav", "no such file"), "shown", None),
    (errors.WaitTimeoutError("deadline", job_id="j1", last_status="running"), "polls_failing", None),
]


@pytest.mark.parametrize(
    ("error", "name", "default"), ADDED_LATER, ids=[f"{type(e).__name__}.{n}" for e, n, _ in ADDED_LATER]
)
def test_an_error_pickled_before_an_attribute_existed_reads_it_as_its_default(
    error: errors.PyannoteAIError, name: str, default: object
) -> None:
    """An ``APIConnectionError`` pickled by a version before ``certificate_failed`` loaded without it,
    and ``wait()`` and the batch raised AttributeError reading it. The pickle such a version wrote is
    this one's without the attribute in its ``__dict__``; loaded, it reads as the default."""
    del error.__dict__[name]  # what that version's __init__ set
    loaded = pickle.loads(pickle.dumps(error))

    assert name not in vars(loaded)
    assert getattr(loaded, name) == default


def test_the_batch_reads_an_old_pickled_connection_error_as_one_that_may_heal() -> None:
    """``batch._retry.ends_the_run`` reads ``proxy_refused`` and ``certificate_failed``: an error
    pickled before they existed is neither, so it does not end the run."""
    from pyannoteai_identify.batch._retry import ends_the_run

    error = errors.APIConnectionError("reset", request_sent=True)
    for name in ("proxy_refused", "certificate_failed"):
        del error.__dict__[name]

    assert ends_the_run(pickle.loads(pickle.dumps(error))) is False


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_an_insecure_upload_url_error_pickled_now_names_the_module_it_had_before_the_core_split(
    protocol: int,
) -> None:
    """``upload()`` raises ``InsecureUploadURLError`` (an ``InvalidResponseError``) for a presigned URL in
    plain http. It was ``pyannoteai_identify._core``'s until ``_core`` was split, then reported
    ``_core_media``, a module an earlier version lacks: an error a process pool's worker sent back
    pickled failed to load there (``ModuleNotFoundError``), as a job-list page did before it kept
    ``_core``. It keeps ``_core``, which still exports it, so pickles of either load in both."""
    from pyannoteai_identify import _core

    error = _core.InsecureUploadURLError("the response's url is plain http", status_code=0)
    data = pickle.dumps(error, protocol)
    named = modules_named(data)

    ours = {module for module in named if module.startswith("pyannoteai_identify")}
    assert "pyannoteai_identify._core" in ours
    assert ours <= {"pyannoteai_identify._core", "pyannoteai_identify.errors"}  # errors: its __reduce__
    loaded = pickle.loads(data)
    assert type(loaded) is _core.InsecureUploadURLError and isinstance(loaded, errors.InvalidResponseError)
    assert str(loaded) == str(error)
