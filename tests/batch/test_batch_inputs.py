"""Input discovery (files, folders, URLs, list files), output names and the streamed content hash."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyannoteai_identify import ValidationError
from pyannoteai_identify.batch._inputs import Found, discover, output_name, sha256_file


def touch(path: Path, data: bytes = b"RIFF") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folders_are_searched_recursively_for_audio_in_a_stable_order(tmp_path: Path) -> None:
    """Audio files in subfolders are found sorted; hidden and non-audio files are skipped; names mirror folders."""
    touch(tmp_path / "b" / "two.MP3")
    touch(tmp_path / "a" / "one.wav")
    touch(tmp_path / "a" / "notes.txt")
    touch(tmp_path / ".cache" / "hidden.wav")
    touch(tmp_path / "a" / ".partial.wav")

    found = discover([tmp_path])

    assert [item.stem for item in found] == ["a/one", "b/two"]
    assert all(item.kind == "file" and Path(item.source).is_absolute() for item in found)


def test_list_files_name_files_folders_and_urls_relative_to_themselves(tmp_path: Path) -> None:
    """A .txt list is read line by line: comments and blanks skipped, relative paths from the list's folder."""
    touch(tmp_path / "lists" / "calls" / "c1.wav")
    touch(tmp_path / "lists" / "solo.flac")
    (tmp_path / "lists" / "batch.txt").write_text(
        "# this week's calls\n\ncalls/\nsolo.flac  # the long one\nhttps://example.com/a/meeting.mp3?sig=x#t=1\n"
    )

    found = discover([str(tmp_path / "lists" / "batch.txt")])

    assert [(item.kind, item.stem) for item in found] == [("file", "c1"), ("file", "solo"), ("url", "meeting")]
    assert found[2].source == "https://example.com/a/meeting.mp3?sig=x#t=1"


def test_an_input_named_twice_is_one_input(tmp_path: Path) -> None:
    """The same file through a folder and by name, or the same URL twice, is submitted once."""
    wav = touch(tmp_path / "x.wav")
    found = discover([tmp_path, wav, "media://calls/x.wav", "media://calls/x.wav"])
    assert [item.source for item in found] == [str(wav.resolve()), "media://calls/x.wav"]


def test_a_symlinked_file_named_through_its_folder_and_directly_is_one_input(tmp_path: Path) -> None:
    """Folder files and named files are both keyed by their resolved path: one input, billed once."""
    target = touch(tmp_path / "store" / "rec.wav")
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "call.wav").symlink_to(target)
    found = discover([tmp_path / "audio", tmp_path / "audio" / "call.wav"])
    assert [(item.source, item.stem) for item in found] == [(str(target.resolve()), "call")]


def test_a_list_file_with_a_byte_order_mark_and_a_commented_url_is_read(tmp_path: Path) -> None:
    """Editors may start UTF-8 with a BOM; a URL line may end with a comment after whitespace
    (a '#' right after the URL is its fragment, kept)."""
    touch(tmp_path / "rec000.wav")
    (tmp_path / "list.txt").write_text(
        "\ufeffrec000.wav\nhttps://example.com/a.wav  # the long one\nhttps://example.com/b.wav#t=1\n",
        encoding="utf-8",
    )
    found = discover([tmp_path / "list.txt"])
    assert [item.source for item in found] == [
        str((tmp_path / "rec000.wav").resolve()),
        "https://example.com/a.wav",
        "https://example.com/b.wav#t=1",
    ]


def test_a_very_long_file_name_gets_an_output_name_that_fits_a_file_system(tmp_path: Path) -> None:
    """Names are cut to 200 bytes per part with a hash of the whole, so NAME.json always fits
    in 255 bytes and two long names that differ only at the end stay distinct."""
    first = touch(tmp_path / ("x" * 247 + "a.wav"))
    second = touch(tmp_path / ("x" * 247 + "b.wav"))
    stems = [item.stem for item in discover([first, second])]
    assert len(set(stems)) == 2
    assert all(len(f"{stem}-99.json".encode()) <= 255 for stem in stems)


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (["missing.wav"], "no such file or folder"),
        ([], "at least one"),
        ("one.wav", "must be a list"),
        (["ftp://host/a.wav"], "http"),
        (["C:/not/a/url.wav"], "no such file"),
        ([""], "non-empty"),
    ],
)
def test_bad_names_are_refused_naming_the_input(inputs: object, match: str, tmp_path: Path) -> None:
    """A missing path, an empty list, a bare string or a non-http URL raises ValidationError before any I/O."""
    with pytest.raises(ValidationError, match=match):
        discover(inputs)  # type: ignore[arg-type]


def test_a_fifo_named_as_an_input_is_said_to_be_one(tmp_path: Path) -> None:
    """A FIFO named as an input stopped the command as "no such file or folder", though it is there:
    it is said to be what it is, before any I/O (it is never opened: that would wait for a writer)."""
    fifo = tmp_path / "call.wav"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError) as caught:
        discover([fifo])
    assert caught.value.field == "inputs[0]" and caught.value.rule == "is not a regular file (a FIFO)"


@given(st.lists(st.sampled_from(["call", "Call", "call-2", "a/b", "x"]), max_size=30))
def test_output_names_never_collide_even_across_case(stems: list[str]) -> None:
    """Repeated stems get -2, -3…; names stay unique when compared case-insensitively (for macOS and Windows)."""
    taken: set[str] = set()
    names = [output_name(stem, taken) for stem in stems]
    assert len({name.casefold() for name in names}) == len(names)
    assert all(name == stem or name.startswith(stem + "-") for name, stem in zip(names, stems, strict=True))


@given(data=st.binary(max_size=200), chunk=st.integers(1, 64))
def test_the_streamed_hash_equals_the_hash_of_the_whole_file(
    data: bytes, chunk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Reading in small chunks (to cross many boundaries) gives the same SHA-256 as reading at once."""
    path = tmp_path_factory.mktemp("hash") / "f.bin"
    path.write_bytes(data)
    assert sha256_file(str(path), chunk) == hashlib.sha256(data).hexdigest()


class _CountingSet(set[str]):
    """A set that counts how often it was asked whether it holds a name."""

    lookups = 0

    def __contains__(self, item: object) -> bool:
        type(self).lookups += 1
        return super().__contains__(item)


def test_naming_many_inputs_with_the_same_stem_is_not_quadratic() -> None:
    """A list of thousands of files named `<call-id>/audio.wav` (named one by one, so each stem is
    `audio`) must not try `audio-2`, `audio-3`, … from the start for every input: that is n²/2
    lookups, 45 s of a 20,000-input run before anything is sent and hours for 200,000."""
    taken = _CountingSet()
    _CountingSet.lookups = 0
    names = [output_name("audio", taken) for _ in range(2000)]
    assert names[:3] == ["audio", "audio-2", "audio-3"] and len(set(names)) == 2000
    assert _CountingSet.lookups < 40 * 2000


def _found_cases(tmp_path: Path) -> list[tuple[Found, str, object, str]]:
    """Hand-built ``Found`` records that break what :func:`discover` guarantees: (record, field,
    value, a part of the rule)."""
    wav = str(touch(tmp_path / "a.wav").resolve())
    return [
        (Found(wav, "folder", "a"), "inputs[0].kind", "folder", 'must be "file" or "url"'),
        (Found("a.wav", "file", "a"), "inputs[0].source", "a.wav", "absolute, resolved path"),
        (Found(f"{tmp_path}/x/../a.wav", "file", "a"), "inputs[0].source", f"{tmp_path}/x/../a.wav", "resolved"),
        (Found("https://host/a.wav", "file", "a"), "inputs[0].source", "https://host/a.wav", 'kind "file"'),
        (Found(wav, "url", "a"), "inputs[0].source", wav, 'kind "url"'),
        (Found("ftp://host/a.wav", "url", "a"), "inputs[0].source", "ftp://host/a.wav", "http"),
        (Found(Path(wav), "file", "a"), "inputs[0].source", Path(wav), "must be a string"),  # type: ignore[arg-type]
        (Found(wav, "file", "../outside"), "inputs[0].stem", "../outside", "output name"),
        (Found(wav, "file", "/etc/a"), "inputs[0].stem", "/etc/a", "output name"),
        (Found(wav, "file", ""), "inputs[0].stem", "", "output name"),
        (Found(wav, "file", "a b"), "inputs[0].stem", "a b", "output name"),
        (Found(wav, "file", 3), "inputs[0].stem", 3, "output name"),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize("case", range(12))
def test_a_found_record_built_by_hand_is_checked_like_any_input(case: int, tmp_path: Path) -> None:
    """A ``Found`` (what discover gives, passed on by the command) was taken as given: a stem of
    "../outside" wrote results outside the out folder, a relative source meant another file in
    another folder, a kind other than file or url was sent as a file. Each field is checked as
    discover makes it, naming the field, its value and the rule."""
    found, field, value, rule = _found_cases(tmp_path)[case]
    with pytest.raises(ValidationError) as caught:
        discover([found])
    assert (caught.value.field, caught.value.value) == (field, value)
    assert rule in caught.value.rule


def test_the_records_discover_gives_are_taken_again_unchanged(tmp_path: Path) -> None:
    """The command finds its inputs, then runs the batch on them: each passes the checks as it is."""
    touch(tmp_path / "a" / "one.wav")
    touch(tmp_path / ("x" * 247 + ".wav"))
    found = discover([tmp_path, "https://host/call.wav?sig=1", "media://calls/two.wav"])
    assert discover(found) == found
