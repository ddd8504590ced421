"""Project-level promises: the README's commands, CI, and the public surface of the package."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pyannoteai_identify

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None, "the README must open with a sh block of commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    """The first two commands of the README run the demo and the whole test suite."""
    demo, tests = _readme_commands()
    assert demo.endswith("pyannoteai-identify demo")
    assert tests.endswith("nox")


def test_ci_runs_the_readmes_test_command() -> None:
    """.ci/run runs exactly the README's test command, so the README cannot drift from CI."""
    _, tests = _readme_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci_lines


def test_public_names_are_sorted_and_complete() -> None:
    """__all__ is sorted and lists every public name the package defines (httpx's habit)."""
    public = sorted(
        # "@py_*" names come from pytest's assertion rewriting of the plugin's package.
        (name for name in vars(pyannoteai_identify) if name[0] not in "_@" or name == "__version__"),
        key=str.casefold,
    )
    exported = list(pyannoteai_identify.__all__)
    assert exported == sorted(exported)
    submodules = {"cli", "results", "receiver", "testing", "sandbox", "batch"}
    assert set(public) - submodules == set(exported)


def test_the_distribution_ships_its_licence_and_every_file_it_names() -> None:
    """The licence text travels with every copy (MIT's one condition), and no sdist entry names a missing file."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    licence_files = project["project"]["license-files"]
    sdist = project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]

    assert "LICENSE" in licence_files and "/LICENSE" in sdist
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert [entry for entry in [*licence_files, *sdist] if not (ROOT / entry.lstrip("/")).exists()] == []


def test_every_extra_with_jsonschema_installs_the_date_time_checker() -> None:
    """jsonschema checks ``format: date-time`` (every ``createdAt`` of the contract) only when
    rfc3339-validator is importable; without it, a malformed date passes silently. The project's
    own environment had it by chance (through openapi-schema-validator), a consumer's did not:
    ``check_response`` called ``createdAt: "yesterday"`` conforming."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    with_jsonschema = {
        name for name, requirements in extras.items() if any(r.startswith("jsonschema") for r in requirements)
    }
    assert with_jsonschema, "no extra installs jsonschema any more: revisit this test"
    for name in with_jsonschema:
        assert any(r.startswith("rfc3339-validator") for r in extras[name]), f"extra {name!r}"
    contract = (ROOT / "openapi.yaml").read_text()
    assert set(re.findall(r"format: ([\w-]+)", contract)) <= {"date-time", "uuid"}, "a new format may need a checker"


def test_the_sdist_takes_each_included_folder_from_the_root_only() -> None:
    """hatch reads ``include`` as gitignore patterns: an entry with no slash but a trailing one
    (``docs/``) matches a folder of that name at any depth, so the sdist carried
    ``tests/docs/test_doc_examples.py`` although the tests stay in the repository."""
    sdist = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"][
        "sdist"
    ]["include"]

    def anywhere(entry: str) -> bool:  # gitignore: a slash only at the end leaves a pattern unanchored
        return not entry.startswith("/") and "/" not in entry.rstrip("/")

    nested = sorted(
        str(path.relative_to(ROOT))
        for entry in sdist
        if anywhere(entry)
        for path in ROOT.glob(f"*/**/{entry.rstrip('/')}")
        if not {".git", ".nox", ".venv", "node_modules"} & set(path.relative_to(ROOT).parts)
    )
    assert nested == []
