"""The command-line options README.md and docs/*.md name exist on the command they are named for.

The documentation restates the command line by hand: the summary under README's "Command line"
(each command with its options and the values ``--format`` takes), the commands it prints for you
to run (``job ID --wait``, ``resume with: pyannoteai-identify jobs --cursor UUID``) and batch.md's
options. Nothing parses prose: each inline code span and each line of a non-python fenced block is
cut into commands at a pipe (``curl … | pyannoteai-identify identify -``); in a command that names
a subcommand (``pyannoteai-identify jobs …``, ``job ID …``), every ``--option`` (and ``-o``-like
short option) after it must be one of that command's, or a global one; in a span that is only
options (``--retry-failed``), each must be an option of some command. ``--format table|json``
names choices the option has. The defaults batch.md states in words are the command's. Every
subcommand the parser has must be named by a code span of the summary, the first sentence of
README's "Command line" section, which lists each ``--format``'s choices in full, the default first.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

import pytest

from pyannoteai_identify.batch._cli import DEFAULT_MANIFEST, DEFAULT_POLL_INTERVAL
from pyannoteai_identify.batch._settings import DEFAULT_TIMEOUT
from pyannoteai_identify.cli import build_parser
from pyannoteai_identify.sandbox._cli import parser as sandbox_parser
from tests.docs.examplekit import DOCUMENTS, ROOT

PROGRAM = "pyannoteai-identify"
#: Options of other tools that the documentation quotes alone, in a span of their own.
FOREIGN = {
    "--preload": "gunicorn",
    "--fail-on-warning": "openapi-python-client",
    "--timeout-graceful-shutdown": "uvicorn",
    "--allow-billing": "the conformance suite's pytest option",
}
_FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<code>.*?)^```", re.S | re.M)
_SPAN = re.compile(r"`([^`]+)`")
_PIPE = re.compile(r"\|\s+(?=[^\s-])")  # a pipe into a command, not `--a | --b` or `table|json`
_CHOICES = re.compile(r"^[\w.-]+(?:\|[\w.-]+)+$")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def commands() -> dict[str, dict[str, argparse.Action]]:
    """Each command's name (``webhook verify`` for the webhook's action) and its options, the global
    ones included; ``sandbox`` hands its arguments to the sandbox's own parser."""
    top = build_parser()
    found = {}
    for name, sub in _subparsers(top).items():
        if name == "sandbox":
            sub = sandbox_parser()
        actions = _subparsers(sub)
        for full, parser in {f"{name} {a}": p for a, p in actions.items()}.items() if actions else [(name, sub)]:
            found[full] = {**_options(top), **_options(parser)}
    return found


COMMANDS = commands()
FIRST_WORDS = {name.split()[0] for name in COMMANDS}


@dataclass(frozen=True)
class Command:
    where: str  # document:line
    command: str | None  # None: a span of options alone
    words: list[str]


def _words(text: str) -> list[str]:
    return [word.strip("[](){},;:.") for word in text.split()]


def _commands_in(text: str, where: str) -> list[Command]:
    found = []
    for part in _PIPE.split(text):
        words = _words(part)
        named = next((i for i, word in enumerate(words) if word.endswith(PROGRAM)), None)
        if named is None and words and words[0] in FIRST_WORDS:
            named = 0
        if named is None:
            if words and words[0].startswith("--"):
                found.append(Command(where, None, words))
            continue  # another program's command (nox, curl, iconv), or words
        words = words[named:]
        if words[0].endswith(PROGRAM):
            words = words[1:]
        start = next((i for i, word in enumerate(words) if word in FIRST_WORDS), None)
        name = None if start is None else words[start]
        if start is not None and " ".join(words[start : start + 2]) in COMMANDS:
            name = " ".join(words[start : start + 2])
        found.append(Command(where, name, words))
    return found


def documented_commands(document: str) -> list[Command]:
    """Every command of *document*'s code spans and of its non-python fenced blocks."""
    text = (ROOT / document).read_text(encoding="utf-8")
    found: list[Command] = []
    for block in _FENCE.finditer(text):
        if block.group("lang") == "python":
            continue
        line = text.count("\n", 0, block.start("code")) + 1
        for number, command in enumerate(block.group("code").replace("\\\n", " ").splitlines()):
            found += _commands_in(command.removeprefix("$ "), f"{document}:{line + number}")
    prose = _FENCE.sub(lambda block: "\n" * block.group(0).count("\n"), text)
    for span in _SPAN.finditer(prose):
        found += _commands_in(span.group(1), f"{document}:{prose.count(chr(10), 0, span.start()) + 1}")
    return found


def _named_options(words: list[str]) -> list[tuple[str, str | None]]:
    """Each option in *words*, with the word after it when that lists choices (``table|json``)."""
    found: list[tuple[str, str | None]] = []
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) and _CHOICES.match(words[i + 1]) else None
        if no := re.match(r"--\[no-\]([a-z][a-z0-9-]*)", word):
            found += [(f"--{no.group(1)}", None), (f"--no-{no.group(1)}", None)]
        elif long := re.match(r"--[a-z][a-z0-9-]*", word):
            found.append((long.group(0), after))
        elif re.fullmatch(r"-[a-zA-Z]", word):
            found.append((word, after))
    return found


def problems(document: str) -> list[str]:
    every = {option: action for options in COMMANDS.values() for option, action in options.items()}
    found = []
    for command in documented_commands(document):
        options = every if command.command is None else COMMANDS.get(command.command)
        if options is None:
            if _named_options(command.words):
                found.append(f"{command.where}: no command {command.command!r}")
            continue
        for option, choices in _named_options(command.words):
            if command.command is None and option in FOREIGN:
                continue
            if option not in options:
                on = "any command" if command.command is None else command.command
                found.append(f"{command.where}: {option} is no option of {on}")
            elif command.command is not None and choices is not None and options[option].choices is not None:
                actual = [str(choice) for choice in options[option].choices or ()]
                if not set(choices.split("|")) <= set(actual):
                    found.append(f"{command.where}: {command.command} {option} {choices}; it takes {'|'.join(actual)}")
    return found


def test_the_commands_are_found() -> None:
    named = {command.command for document in DOCUMENTS for command in documented_commands(document)}
    assert {"identify", "job", "jobs", "batch", "sandbox", "webhook verify", None} <= named


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_option_the_document_names_is_one_of_its_command(document: str) -> None:
    assert problems(document) == []


def _summary() -> str:
    """The first sentence of README's "Command line" section: each command with its options."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Command line\n", 1)[1]
    sentence = ""
    for piece in re.split(r"(`[^`]+`)", section):
        if not piece.startswith("`") and (end := re.search(r"\.\s", piece)):
            return sentence + piece[: end.start() + 1]
        sentence += piece
    return sentence


def test_the_readme_summary_names_every_command() -> None:
    named = set()
    for span in _SPAN.finditer(_summary()):
        words = span.group(1).split()
        named |= {words[0], " ".join(words[:2])}
    assert sorted(set(COMMANDS) - named) == [], "README's command-line summary does not name these commands"


def test_the_readme_summary_lists_every_choice_default_first() -> None:
    found = []
    for span in _SPAN.finditer(_summary()):
        for command in _commands_in(span.group(1), "README.md"):
            for option, choices in _named_options(command.words):
                action = COMMANDS.get(command.command or "", {}).get(option)
                if choices is None or action is None or action.choices is None:
                    continue
                actual = [str(choice) for choice in action.choices]
                listed = choices.split("|")
                if sorted(listed) != sorted(actual):
                    found.append(f"{command.command} {option} {choices}: it takes {'|'.join(actual)}")
                elif str(action.default) in actual and listed[0] != str(action.default):
                    found.append(f"{command.command} {option} {choices}: its default, {action.default}, goes first")
    assert found == []


_WORDS = {"eight": "8"}
# (document, the words around a default the document states, with it as group 1; the default the code uses)
STATED_DEFAULTS = [
    ("docs/batch.md", r"`--manifest`, default `OUT/([\w.-]+)`", DEFAULT_MANIFEST),
    ("docs/batch.md", r"`--deadline S` stops\s+a run after S seconds \(default (\d+) hours\)", DEFAULT_TIMEOUT / 3600),
    ("docs/batch.md", r"at most every (\d+) s \(`--poll-interval`", DEFAULT_POLL_INTERVAL),
    ("docs/batch.md", r"(\w+) uploads overlap \(`--concurrency`\)", COMMANDS["batch"]["--concurrency"].default),
]


@pytest.mark.parametrize(("document", "words", "default"), STATED_DEFAULTS, ids=[w for _, w, _ in STATED_DEFAULTS])
def test_each_stated_default_is_the_one_the_command_uses(document: str, words: str, default: str | float) -> None:
    match = re.search(words, (ROOT / document).read_text(encoding="utf-8"))
    assert match is not None, f"{document} no longer says {words!r}: update this test with its new words"
    stated = match.group(1)
    value = _WORDS.get(stated, stated)
    read = value if isinstance(default, str) else float(value)
    assert read == default, f"{document} says {match.group(0)!r}; the command's default is {default}"
