"""The guard around generation: a broken spec or a hand edit of generated code fails with advice."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import generate  # noqa: E402  (tools/ is not a package)


def test_a_spec_that_breaks_openapi_fails_with_what_to_do(tmp_path: Path) -> None:
    """A $ref to a schema that does not exist is refused, naming the problem and `nox -s generate`."""
    spec = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "openapi.yaml"
    broken.write_text(spec.replace("#/components/schemas/JobCreated", "#/components/schemas/NoSuchThing"))
    with pytest.raises(SystemExit) as info:
        generate.validate_spec(broken)
    message = str(info.value)
    assert "not a valid OpenAPI document" in message
    assert "NoSuchThing" in message
    assert "nox -s generate" in message


def test_a_yaml_syntax_error_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    """A mis-indented line names where it is, not only "while parsing a block mapping"."""
    lines = (ROOT / "openapi.yaml").read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("    IdentifyRequest:"))
    lines[target + 1] = "   " + lines[target + 1]  # three more spaces: the mapping breaks
    broken = tmp_path / "openapi.yaml"
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(SystemExit) as info:
        generate.validate_spec(broken)
    assert "(line " in str(info.value) and ", column " in str(info.value)


def test_a_schema_error_is_reported_with_where_it_is(tmp_path: Path) -> None:
    """A misspelt type names the JSON path of the bad value, so a maintainer can find it."""
    spec = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "openapi.yaml"
    broken.write_text(spec.replace("jobId: {type: string", "jobId: {type: strng", 1))
    assert broken.read_text() != spec
    with pytest.raises(SystemExit) as info:
        generate.validate_spec(broken)
    assert "strng" in str(info.value) and "(at $." in str(info.value)


def test_generation_refuses_a_generator_that_is_not_the_pinned_version() -> None:
    """Another openapi-python-client writes other code: refused up front, naming the pin, instead of a
    check that fails for no change of the spec."""
    pins = generate.pinned_versions()
    assert pins["openapi-python-client"] == "0.29.1" and "ruff" in pins
    generate.check_pins(lambda name: pins[name])  # the pinned versions pass
    with pytest.raises(SystemExit) as info:
        generate.check_pins(lambda name: "0.30.0" if name == "openapi-python-client" else pins[name])
    assert "openapi-python-client 0.30.0 (pinned: 0.29.1)" in str(info.value)
    assert "nox -s generate" in str(info.value)


def test_the_committed_spec_validates() -> None:
    """openapi.yaml itself passes the validator."""
    assert generate.validate_spec()["openapi"] == "3.1.0"


def test_a_hand_edit_inside_generated_code_is_reported_by_file(tmp_path: Path) -> None:
    """Comparing trees names the edited, missing and extra files, byte for byte."""
    committed = tmp_path / "committed"
    fresh = tmp_path / "fresh"
    shutil.copytree(generate.GENERATED, committed, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(generate.GENERATED, fresh, ignore=shutil.ignore_patterns("__pycache__"))
    assert generate.differing_files(committed, fresh) == []
    edited = committed / "models" / "job_created.py"
    edited.write_text(edited.read_text() + "# a hand edit\n")
    (committed / "extra.py").write_text("")
    (committed / "types.py").unlink()
    assert generate.differing_files(committed, fresh) == [
        "extra.py (only in the committed copy)",
        "models/job_created.py (differs)",
        "types.py (missing from the committed copy)",
    ]


def test_the_spec_module_is_rendered_from_the_spec() -> None:
    """_spec.py is exactly what generate.py renders from openapi.yaml (the same check CI runs)."""
    rendered = generate.render_spec_module(generate.validate_spec())
    assert generate.SPEC_MODULE.read_text(encoding="utf-8") == rendered, f"_spec.py is stale: {generate.FIX_HINT}"


def test_a_generator_missing_from_the_interpreters_environment_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator is run from the environment of the interpreter running generate.py (where the
    pins were checked), not whatever PATH finds first; missing there, the error says to run it through
    nox instead of a FileNotFoundError traceback."""
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SystemExit, match=r"openapi-python-client is not installed .*nox -s generate"):
        generate.generate_into(tmp_path)
