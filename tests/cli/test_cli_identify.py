"""``pyannoteai-identify identify`` end to end against the sandbox: voiceprint sources, formats, options."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from clikit import FAST_POLL, TRUTH, WEBHOOK_SECRET, Audio, identify_argv, parse_rttm, run_cli, truth_rows, turns_of

from pyannoteai_identify._background_server import BackgroundServer
from pyannoteai_identify.cli import NOT_WRITTEN, OK
from pyannoteai_identify.receiver import WebhookBroker, asgi_app
from pyannoteai_identify.sandbox import Sandbox, tone_for, voiceprint_for
from pyannoteai_identify.sandbox._signal import encode_voiceprint
from pyannoteai_identify.testing import MockAPI

TRUE_TURNS = [(label, start, end) for label, start, end in TRUTH]


def _identify(
    capsys: pytest.CaptureFixture[str], audio: Audio, *options: str, source: str | None = None
) -> tuple[int, str, str]:
    """identify of *source* (default: the meeting file) with both voiceprints as strings."""
    run = run_cli(
        capsys, *FAST_POLL, *identify_argv(source or audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}, *options)
    )
    return run.code, run.out, run.err


@pytest.mark.parametrize(
    ("alice_source", "bob_source"),
    [("string", "string"), ("text file", "text file"), ("audio file", "audio file"), ("audio file", "text file")],
)
def test_voiceprints_given_as_string_text_file_or_audio_to_enroll_identify_the_synthesised_speakers(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, alice_source: str, bob_source: str
) -> None:
    """Each LABEL=SOURCE form works: the JSON turns equal the truth; an audio file costs one voiceprint job."""
    (tmp_path / "alice.txt").write_text(audio.alice + "\n", encoding="utf-8")
    sources = {
        "string": {"Alice": audio.alice, "Bob": audio.bob},
        "text file": {"Alice": str(tmp_path / "alice.txt"), "Bob": str(audio.bob_txt)},
        "audio file": {"Alice": str(audio.alice_wav), "Bob": str(audio.bob_wav)},
    }
    voiceprints = {"Alice": sources[alice_source]["Alice"], "Bob": sources[bob_source]["Bob"]}
    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, voiceprints, "--format", "json"))

    assert run.code == 0, run.err
    assert turns_of(json.loads(run.out)) == TRUE_TURNS
    enrolled = [alice_source, bob_source].count("audio file")
    assert env.stats.requests["voiceprint"] == enrolled
    assert env.stats.requests["identify"] == 1


def test_table_to_stdout_lists_who_spoke_when_and_each_speakers_talk_time(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default table has every turn with its label and times, then the talk time per speaker."""
    code, out, _ = _identify(capsys, audio)

    assert code == 0
    assert "Who spoke when" in out and "Talk time" in out
    assert out.count("Alice") == 3 and out.count("Bob") == 3  # two turns each, plus the talk-time row
    for start in ("0:00.500", "0:03.600", "0:06.000", "0:08.000"):
        assert start in out
    alice_talk = sum(end - start for label, start, end in TRUTH if label == "Alice")
    bob_talk = sum(end - start for label, start, end in TRUTH if label == "Bob")
    assert f"{alice_talk:.1f}" in out and f"{bob_talk:.1f}" in out


def test_json_to_stdout_is_one_document_whose_turns_equal_the_truth(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format json prints a JSON document with identification, voiceprints and diarization."""
    code, out, _ = _identify(capsys, audio, "--format", "json")

    assert code == 0
    document = json.loads(out)
    assert turns_of(document) == TRUE_TURNS
    assert {v["match"] for v in document["voiceprints"]} == {"Alice", "Bob"}
    assert len(document["diarization"]) == len(TRUTH)


def test_rttm_to_stdout_has_one_parsable_line_per_true_turn(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format rttm prints SPEAKER lines named after the audio file, one per turn of the truth."""
    code, out, _ = _identify(capsys, audio, "--format", "rttm")

    assert code == 0
    assert parse_rttm(out) == truth_rows("meeting")


@pytest.mark.parametrize("fmt", ["table", "json", "rttm"])
def test_output_file_receives_the_result_in_the_chosen_format_and_stdout_stays_empty(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    """-o FILE writes table, JSON or RTTM to the file, in that format, and nothing to stdout."""
    target = tmp_path / f"result.{fmt}"
    code, out, _ = _identify(capsys, audio, "--format", fmt, "-o", str(target))

    assert code == 0
    assert out == ""
    written = target.read_text(encoding="utf-8")
    if fmt == "json":
        assert turns_of(json.loads(written)) == TRUE_TURNS
    elif fmt == "rttm":
        assert parse_rttm(written) == truth_rows("meeting")
    else:
        assert "Who spoke when" in written and "Talk time" in written
        assert "0:08.000" in written and written.count("Bob") == 3
        assert "\x1b[" not in written  # no terminal codes in a file


def test_num_speakers_is_sent_and_changes_the_result(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--num-speakers 1 makes the sandbox diarize one speaker, so every turn gets the same label."""
    code, out, _ = _identify(capsys, audio, "--num-speakers", "1", "--format", "json")

    assert code == 0
    document = json.loads(out)
    assert len({turn["diarizationSpeaker"] for turn in document["identification"]}) == 1
    assert len({turn["match"] for turn in document["identification"]}) == 1


def test_a_high_threshold_leaves_turns_whose_best_score_is_below_it_unmatched(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """Voiceprints a fifth of a semitone off score about 78: matched by default, unmatched at --threshold 90."""
    off = {label: encode_voiceprint(tone_for(label) * 2 ** (0.2 / 12)) for label in ("Alice", "Bob")}
    base = [*FAST_POLL, *identify_argv(audio.meeting, off)]

    default = run_cli(capsys, *base, "--format", "json")
    strict = run_cli(capsys, *base, "--format", "json", "--threshold", "90")
    table = run_cli(capsys, *base, "--threshold", "90")

    assert default.code == strict.code == table.code == 0
    assert turns_of(json.loads(default.out)) == TRUE_TURNS
    assert [match for match, _, _ in turns_of(json.loads(strict.out))] == [None] * len(TRUTH)
    assert table.out.count("(no match)") == len(TRUTH)


def test_confidence_adds_frame_level_scores_to_the_result(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--confidence asks for confidence, and the JSON carries its scores; without it there are none."""
    with_confidence = json.loads(_identify(capsys, audio, "--confidence", "--format", "json")[1])
    without = json.loads(_identify(capsys, audio, "--format", "json")[1])

    assert "confidence" not in without
    scores = with_confidence["confidence"]["score"]
    assert scores and all(0 <= score <= 100 for score in scores)


def test_turn_level_confidence_adds_a_confidence_map_to_each_turn(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--turn-level-confidence (as in batch) gives every turn a confidence map; without it, none."""
    with_maps = json.loads(_identify(capsys, audio, "--turn-level-confidence", "--format", "json")[1])
    without = json.loads(_identify(capsys, audio, "--format", "json")[1])

    assert all(turn["confidence"] for turn in with_maps["identification"])
    assert all("confidence" not in turn for turn in without["identification"])


def test_webhook_option_makes_the_api_deliver_a_signed_result_to_the_receiver(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """--webhook URL is sent; the local receiver verifies the delivery, which carries the same job's result."""
    broker = WebhookBroker()
    with BackgroundServer(asgi_app(WEBHOOK_SECRET, broker=broker), name="cli-test-receiver") as receiver:
        code, out, err = _identify(capsys, audio, "--webhook", f"{receiver.base_url}/", "--format", "json")
        job_id = err.split("job ", 1)[1].split()[0]
        event = broker.wait(job_id, timeout=10)

    assert code == 0
    assert event is not None and event.status == "succeeded"
    assert event.result is not None and event.result.to_dict() == json.loads(out)


def test_no_wait_prints_only_the_job_id_and_job_wait_then_returns_the_result(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--no-wait prints the id alone on stdout; `job ID --wait` later gives the result, to stdout or a file."""
    code, out, _ = _identify(capsys, audio, "--no-wait")
    job_id = out.strip()

    waited = run_cli(capsys, *FAST_POLL, "job", job_id, "--wait", "--format", "json")
    to_file = run_cli(capsys, *FAST_POLL, "job", job_id, "--wait", "--format", "rttm", "-o", str(tmp_path / "r.rttm"))

    assert code == 0 and out == f"{job_id}\n"
    assert env.stats.requests["identify"] == 1
    assert waited.code == 0 and turns_of(json.loads(waited.out)) == TRUE_TURNS
    assert to_file.code == 0 and to_file.out == ""
    assert parse_rttm((tmp_path / "r.rttm").read_text(encoding="utf-8")) == truth_rows(job_id)


def test_no_wait_with_an_output_file_writes_the_job_id_there(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`-o FILE` is where the command's output goes ("write the result to this file"; exit 6 says
    "its result (with --no-wait, its id) could not be written"): with --no-wait the output is the
    id of the billed job, which must not be dropped because a script looks for it in FILE."""
    target = tmp_path / "job.txt"

    code, out, _ = _identify(capsys, audio, "--no-wait", "-o", str(target))

    assert code == OK
    assert env.stats.requests["identify"] == 1
    assert target.exists(), "the job id went to standard output only; -o was ignored"
    job_id = target.read_text(encoding="utf-8").strip()
    assert job_id and out == ""
    assert run_cli(capsys, *FAST_POLL, "job", job_id, "--wait", "--format", "json").code == OK


def test_a_url_given_as_audio_is_passed_on_without_an_upload(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A media:// URL is sent as the job's url: no upload happens and the result is the same."""
    from pyannoteai_identify import Client

    with Client() as client:
        media_url = client.upload(audio.meeting)
    uploads = env.stats.requests["upload"]

    run = run_cli(capsys, *FAST_POLL, *identify_argv(media_url, {"Alice": audio.alice, "Bob": audio.bob}))

    assert run.code == 0, run.err
    assert env.stats.requests["upload"] == uploads
    assert "0:08.000" in run.out


def test_rttm_of_a_presigned_url_is_named_after_its_path_and_never_shows_the_signature(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The RTTM file id of a URL is its last path segment without the query (as batch names results):
    a presigned URL's credential and signature never reach the output."""
    from pyannoteai_identify import Client

    with Client() as client:
        client.upload(audio.meeting, key="meeting.wav")
    query = "X-Amz-Credential=AKIA/2026/eu-west-1/s3/aws4_request&X-Amz-Signature=secret-signature-9d2f"
    presigned = f"{env.base_url}/_media/meeting.wav?{query}"

    code, out, _ = _identify(capsys, audio, "--format", "rttm", source=presigned)

    assert code == 0
    assert parse_rttm(out) == truth_rows("meeting")
    assert "Signature" not in out and "secret-signature" not in out and "AKIA" not in out


@pytest.mark.parametrize(
    ("flags", "exclusive"),
    [
        ([], None),
        (["--exclusive-matching"], True),
        (["--no-exclusive-matching"], False),
        (["--non-exclusive-matching"], False),
    ],
)
def test_identify_and_batch_take_the_same_job_options(tmp_path: Path, flags: list[str], exclusive: bool | None) -> None:
    """docs/batch.md says batch's job options are identify's: one function defines them for both
    (batch had --non-exclusive-matching, identify refused it)."""
    from pyannoteai_identify.batch._cli import _check_args
    from pyannoteai_identify.cli import build_parser

    common = ["--num-speakers", "2", "--threshold", "40", "--confidence", "--exclusive", "--turn-level-confidence"]
    common += ["--model", "precision-1"]
    identify = build_parser().parse_args(["identify", "a.wav", "--voiceprint", "A=QUJD", *common, *flags])
    batch = build_parser().parse_args(
        ["batch", "a.wav", "--voiceprint", "A=QUJD", "--out", str(tmp_path), *common, *flags]
    )
    for args in (identify, batch):
        assert args.exclusive_matching == exclusive
        assert (args.num_speakers, args.threshold, args.confidence, args.exclusive) == (2, 40.0, True, True)
        assert args.turn_level_confidence is True
        assert args.model == "precision-1"
    matching = _check_args(batch, [("A", voiceprint_for("A"))])  # and batch sends what it parsed
    assert matching is not None and (matching.exclusive, matching.threshold) == (exclusive, 40.0)


@pytest.mark.parametrize("suffix", [" [guest]", "[/b]"])
def test_a_label_with_square_brackets_is_printed_as_typed_in_the_table(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    """A label is data, not rich markup: "Alice [guest]" lost its "[guest]" in the table (a TTY would
    colour "[red]"), and "Bob[/b]" raised MarkupError after the job was billed (traceback, exit 1)."""
    label = f"Alice{suffix}"
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"{label}={audio.alice}")

    assert "Traceback" not in run.err
    assert run.code == 0
    assert run.out.count(label) == 3  # two turns and the talk-time row


def test_a_long_label_is_printed_whole_in_a_table_written_to_a_pipe(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table sent to a pipe or a file is not cut to 80 columns: a label of 70 characters (the API
    allows 100) came out as "Alice_…_of_the…", losing the very data the table is for."""
    label = "Alice_" + "x" * 64
    run = run_cli(capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"{label}={audio.alice}")

    assert run.code == 0
    assert run.out.count(label) == 3  # two turns and the talk-time row
    assert "…" not in run.out


@pytest.mark.parametrize("fmt", ["rttm", "table"])
def test_a_unicode_label_on_a_non_utf8_stdout_gives_no_traceback(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Standard output in ASCII (LC_ALL=C with PYTHONUTF8=0, or a Latin-1 or cp1252 locale) and a label
    it cannot encode: the job was billed, then UnicodeEncodeError came out as a traceback and exit 1,
    which the documented codes say is "the job failed". The result is written (in UTF-8, as RTTM
    files are), or reported in one line as not written (exit 6) with the command that fetches it."""
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    run = run_cli(
        capsys, *FAST_POLL, "identify", str(audio.meeting), "--voiceprint", f"Zoë={audio.alice}", "--format", fmt
    )

    assert "Traceback" not in run.err
    assert run.code in (OK, NOT_WRITTEN)
    if run.code == OK:
        sys.stdout.flush()
        assert "Zoë" in raw.getvalue().decode("utf-8")


@pytest.mark.parametrize("model", [["--model", "precision-1"], ["--model=a-model-of-next-year"], []])
def test_model_is_sent_with_the_identify_job_as_typed_and_left_out_without_it(
    pyannoteai_mock: MockAPI,
    audio: Audio,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    model: list[str],
) -> None:
    """``--model NAME`` is identify's ``model``: sent as typed (the API judges the name, as the SDK
    leaves it to the API); without it the request has no ``model`` and the API picks its default."""
    monkeypatch.setenv("PYANNOTEAI_API_KEY", pyannoteai_mock.api_key)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", pyannoteai_mock.base_url)
    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice}, "--format", "json", *model))

    assert run.code == OK, run.err
    (call,) = pyannoteai_mock.calls("identify")
    if model:
        assert call.json["model"] == model[-1].removeprefix("--model=")
    else:
        assert "model" not in call.json
