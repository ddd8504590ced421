"""Find a batch's inputs and fingerprint them: files, folders, URLs and list files; streamed SHA-256.

What the user names is expanded once, before anything is sent:

- an ``http(s)://`` or ``media://`` URL is passed to the API as is;
- a folder is searched recursively for files with an audio extension (sorted, so every run sees
  the same order); hidden files and folders are skipped;
- a ``.txt``/``.lst``/``.list`` file lists more inputs, one per line (``#`` starts a comment;
  relative paths are read from the list's folder);
- any other file is an audio file.

A name that does not exist raises ``ValidationError`` at once: a typo must not silently shrink a
batch. A file found but unusable (empty, larger than the API accepts) becomes an input that
failed locally, so one bad file does not stop the other thousand.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from .._escaped import escaped
from .._redact import hide_secrets
from .._upload import check_identify_duration
from .._validation import AUDIO_EXTENSIONS, MAX_AUDIO_BYTES, check_audio
from .._validation_files import special_kind
from .._validation_urls import _url_error
from ..errors import ValidationError

__all__ = [
    "AUDIO_EXTENSIONS",
    "LIST_EXTENSIONS",
    "Found",
    "NoAudioError",
    "discover",
    "name_refusal",
    "output_name",
    "refusal",
    "sha256_file",
]

LIST_EXTENSIONS = frozenset({".txt", ".lst", ".list"})
HASH_CHUNK = 1024 * 1024
_MAX_LIST_DEPTH = 4
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Found:
    """One input as named: its canonical source (absolute path or URL), kind, and a name for its results."""

    source: str
    kind: str  # "file" or "url"
    stem: str  # the preferred output name, before collisions are resolved

    def __fspath__(self) -> str:
        """An input found already may be named again (the command finds its inputs before it enrolls
        a voiceprint, then runs the batch on them): :func:`discover` keeps it as it was found."""
        return self.source


#: The longest output name part, in UTF-8 bytes: NAME.json, a -N suffix and the rest of a file
#: name must stay under the usual 255-byte limit of one path component.
MAX_PART_BYTES = 200


def _safe_parts(parts: Iterable[str]) -> str:
    cleaned = [_fit(_UNSAFE.sub("_", part).strip("._")) for part in parts]
    return "/".join(part for part in cleaned if part) or "audio"


def _fit(part: str) -> str:
    """*part*, or for a longer one its first bytes and a hash of the whole, so distinct names stay distinct."""
    encoded = part.encode("utf-8")
    if len(encoded) <= MAX_PART_BYTES:
        return part
    head = encoded[: MAX_PART_BYTES - 9].decode("utf-8", errors="ignore")
    return f"{head}-{hashlib.sha256(encoded).hexdigest()[:8]}"


def _strip_suffix(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return stem if dot and stem and len(suffix) <= 5 else name


def shown_source(source: str) -> str:
    """*source* as the summary and result files show it: an http(s) URL without its query, which
    may carry a presigned URL's signature, or its ``user:password@`` (the manifest, private to the
    run, keeps it whole); a file name that is not UTF-8 with its bytes escaped."""
    if not _is_url(source):
        # A file name that is not UTF-8 (held as surrogate escapes) is shown with its bytes
        # escaped (``caf\\xe9.wav``), so the CSV, the JSON and the terminal can encode it.
        return escaped(source)
    if source.startswith("media://"):
        return source
    return hide_secrets(source)


def _url_stem(url: str) -> str:
    tail = url.removeprefix("media://") if url.startswith("media://") else urlsplit(url).path
    segment = PurePosixPath(tail).name
    return _safe_parts([_strip_suffix(segment)]) if segment else "audio"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_URL_COMMENT = re.compile(r"\s+#")


def _is_url(value: str) -> bool:
    """Anything that starts like ``scheme://`` is a URL (and must then be http, https or media)."""
    return _SCHEME.match(value) is not None


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in AUDIO_EXTENSIONS:
                found.append(Path(root, name))
    return found


class NoAudioError(ValidationError):
    """Inputs that name no audio at all (a resumed batch, whose manifest holds its inputs, may go on)."""


def discover(inputs: Sequence[str | os.PathLike[str]]) -> list[Found]:
    """Expand what the user named into distinct inputs, in order; raise for a name that does not exist."""
    if isinstance(inputs, str | bytes | os.PathLike) or not isinstance(inputs, Sequence):
        raise ValidationError("inputs", inputs, "must be a list of files, folders, URLs or list files")
    if not inputs:
        raise ValidationError("inputs", inputs, "must name at least one file, folder, URL or list file")
    found: dict[str, Found] = {}
    for index, value in enumerate(inputs):
        _expand(value, f"inputs[{index}]", Path.cwd(), found, depth=0)
    if not found:
        # As for an empty list: a folder without audio (a share not mounted, the wrong folder) or an
        # empty list file must not end as a batch of 0 inputs that "all succeeded".
        extensions = " ".join(sorted(AUDIO_EXTENSIONS))
        raise NoAudioError(
            "inputs",
            [os.fspath(value) for value in inputs],
            f"name no audio at all (folders are searched for {extensions})",
        )
    return list(found.values())


def _expand(value: object, field: str, base: Path, found: dict[str, Found], depth: int) -> None:
    if isinstance(value, Found):
        # Found before (a file gone since then fails on its own when it is hashed, the others go on).
        found.setdefault(value.source, _checked_found(value, field))
        return
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "must be a non-empty path or URL")
    text = value.strip()
    if _is_url(text):
        check_audio(text, field=field)  # a well-formed http(s) or media:// URL
        found.setdefault(text, Found(text, "url", _url_stem(text)))
        return
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_dir():
        root = path.resolve()
        for file in _walk(root):
            relative = file.relative_to(root)
            stem = _safe_parts([*relative.parent.parts, _strip_suffix(relative.name)])
            # Keyed by the resolved path, as a file named directly is: one input per file, symlinks too.
            source = str(file.resolve())
            found.setdefault(source, Found(source, "file", stem))
        return
    if not path.is_file():
        kind = _special_kind(path)
        rule = "no such file or folder" if kind is None else f"is not a regular file ({kind})"
        raise ValidationError(field, text, rule)
    resolved = path.resolve()
    if resolved.suffix.lower() in LIST_EXTENSIONS:
        if depth >= _MAX_LIST_DEPTH:
            raise ValidationError(field, text, f"list files nest more than {_MAX_LIST_DEPTH} deep")
        _expand_list(resolved, found, depth)
        return
    found.setdefault(str(resolved), Found(str(resolved), "file", _safe_parts([_strip_suffix(resolved.name)])))


def _special_kind(path: Path) -> str | None:
    """What *path* is when it is there but is neither a regular file nor a folder (a FIFO, a socket,
    a device), which is no missing file; None when nothing is there."""
    try:
        return special_kind(path.stat().st_mode)
    except (OSError, ValueError):
        return None


def _checked_found(item: Found, field: str) -> Found:
    """*item* if it is as :func:`discover` makes a ``Found``, else a ``ValidationError`` naming the
    field that is not. A caller may build one by hand: its source keys the input in the manifest
    (one file, one input), and its stem names the result files inside the out folder."""
    if item.kind not in ("file", "url"):
        raise ValidationError(f"{field}.kind", item.kind, 'must be "file" or "url"')
    source = item.source
    where = f"{field}.source"
    if not isinstance(source, str):
        raise ValidationError(where, source, "must be a string")
    if item.kind == "url":
        if source != source.strip() or not _is_url(source):
            raise _url_error(
                where, source, 'must be an http(s) or media:// URL for kind "url", without surrounding space'
            )
        check_audio(source, field=where)  # a well-formed http(s) or media:// URL
    elif _is_url(source):
        raise _url_error(where, source, 'must be a file\'s path for kind "file", not a URL')
    elif "\0" in source or not os.path.isabs(source) or os.path.realpath(source) != source:
        # A relative path names another file in another folder; another spelling of the path, an
        # input of its own (the file named directly is keyed by its resolved path).
        raise ValidationError(where, source, 'must be the absolute, resolved path of the file for kind "file"')
    stem = item.stem
    if not isinstance(stem, str) or _safe_parts(stem.split("/")) != stem:
        raise ValidationError(
            f"{field}.stem",
            stem,
            "must be an output name inside the out folder, as discover makes it: parts of letters, digits, "
            f"'.', '_' and '-' joined by '/', each at most {MAX_PART_BYTES} bytes and neither starting nor "
            "ending with '.' or '_'",
        )
    return item


def _expand_list(path: Path, found: dict[str, Found], depth: int) -> None:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # a byte order mark is not part of a name
    except UnicodeDecodeError:
        raise ValidationError(str(path), "<binary>", "a list file must be UTF-8 text, one input per line") from None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        # A comment starts at '#'; in a URL only after whitespace, as '#' may begin its fragment.
        entry = _URL_COMMENT.split(text, maxsplit=1)[0] if _is_url(text) else text.split("#", 1)[0].strip()
        if entry:
            _expand(entry, f"{path.name}:{number}", path.parent, found, depth + 1)


def output_name(stem: str, taken: set[str]) -> str:
    """*stem*, or *stem*-2, -3, … : a name not in *taken* (which is updated).

    The suffixes of one stem are handed out in order, so the taken ones are (almost always) the
    run -2 … -k: the first free one is found by doubling then halving, in O(log k) lookups, not k
    (thousands of inputs named ``<id>/audio.wav`` would otherwise cost n²/2 lookups).
    """

    def free(counter: int) -> bool:
        return (stem if counter == 1 else f"{stem}-{counter}").casefold() not in taken

    if free(1):
        counter = 1
    else:
        low, high = 1, 2  # low is taken; look for a free high, then the first free one above low
        while not free(high):
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if free(middle) else (middle, high)
        counter = high
    name = stem if counter == 1 else f"{stem}-{counter}"
    taken.add(name.casefold())
    return name


def sha256_file(path: str, chunk_size: int = HASH_CHUNK) -> str:
    """The SHA-256 of a file, read in chunks of *chunk_size* bytes (1 MiB: never whole)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def name_refusal(path: str) -> str | None:
    """Why the client cannot send a file of this name (one that is not UTF-8), or None."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8: rename it (for example with convmv) and run again"
    return None


def refusal(path: str) -> str | None:
    """Why the API would refuse this file before reading it (empty, too large, a WAV over 24 h), or
    why it cannot be sent (a name that is not UTF-8, which the client refuses), or None."""
    reason = name_refusal(path)
    if reason is not None:
        return reason
    try:
        check_identify_duration(check_audio(path, max_bytes=MAX_AUDIO_BYTES))
    except ValidationError as error:
        return f"{error.rule}"
    return None
