"""Regenerate everything derived from openapi.yaml, or check that the committed copy is fresh.

Run through nox, which installs the pinned generator and ruff: `nox -s generate` writes
`generated/pyannoteai_api/` and `wrapper/pyannoteai_identify/_spec.py`; `nox -s generate -- --check`
regenerates into a temporary folder and fails when anything committed differs.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.metadata
import os
import pprint
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yml"
PACKAGE = "pyannoteai_api"
GENERATED = ROOT / "generated" / PACKAGE
SPEC_MODULE = ROOT / "wrapper" / "pyannoteai_identify" / "_spec.py"
FIX_HINT = "run `nox -s generate` and commit the result (never edit generated code by hand)"

SPEC_MODULE_HEADER = '''"""The contract (openapi.yaml) as a Python literal, for runtime use without a YAML parser.

Written by `nox -s generate` from openapi.yaml; do not edit. The wrapper reads its validation
limits from here, the sandbox validates requests against it, so nothing restates the contract.
"""

from typing import Any

SPEC: dict[str, Any] = '''


def _where(error: BaseException) -> str:
    """Where in the spec *error* is: a YAML line and column, or the validator's JSON path."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return f" (line {mark.line + 1}, column {mark.column + 1})"
    path = getattr(error, "json_path", None)
    if isinstance(path, str) and path not in ("", "$"):
        return f" (at {path})"
    return ""


def validate_spec(path: Path = SPEC) -> dict[str, object]:
    """Validate the spec with a real OpenAPI validator and return it parsed; exit with advice if invalid."""
    # Imported here: the rest of this module (render_spec_module, which tests use) needs no validator,
    # and `nox -s lowest` cannot install it beside the lowest jsonschema.
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    try:
        document, _ = read_from_filename(str(path))
        validate(document)
    except Exception as error:  # the validator and the YAML reader raise many types; all mean "bad spec"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SystemExit(
            f"{path.name} is not a valid OpenAPI document: {first_line}{_where(error)}\n"
            f"Fix {path.name}, then run `nox -s generate` and commit the result."
        ) from None
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, object] = yaml.safe_load(handle)
    return loaded


def render_spec_module(spec: dict[str, object]) -> str:
    return SPEC_MODULE_HEADER + pprint.pformat(spec, width=120, sort_dicts=False) + "\n"


def pinned_versions(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """The exact versions the ``generate`` dependency group pins (``name==version``)."""
    group = tomllib.loads(pyproject.read_text(encoding="utf-8"))["dependency-groups"]["generate"]
    return dict(requirement.split("==", 1) for requirement in group if "==" in requirement)


def check_pins(installed: Callable[[str], str] = importlib.metadata.version) -> None:
    """Exit with advice when the generator or ruff installed here is not the pinned version: another
    version writes other code, and the check would then fail for no change of the spec."""
    wrong = []
    for name, wanted in pinned_versions().items():
        try:
            found = installed(name)
        except importlib.metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            wrong.append(f"{name} {found} (pinned: {wanted})")
    if wrong:
        raise SystemExit(
            "generation needs the pinned tools: " + "; ".join(wrong) + ". Run it through `nox -s generate`, "
            "which installs them."
        )


def _tools_environment() -> dict[str, str]:
    """The environment to run the generator in: the interpreter's own scripts first on PATH, so
    that the generator and its ruff post-hooks are the ones whose pins ``check_pins`` checked."""
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}


def generate_into(workdir: Path) -> Path:
    """Run the pinned generator into *workdir* and return the package folder it wrote."""
    output = workdir / PACKAGE
    env = _tools_environment()
    generator = shutil.which("openapi-python-client", path=env["PATH"])
    if generator is None:
        raise SystemExit(
            f"openapi-python-client is not installed beside {sys.executable}: run generation through "
            "`nox -s generate`, which installs the pinned tools."
        )
    command = [
        generator,
        "generate",
        "--path",
        str(SPEC),
        "--config",
        str(CONFIG),
        "--meta",
        "none",
        "--output-path",
        str(output),
        "--overwrite",
        "--fail-on-warning",
    ]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"openapi-python-client failed on {SPEC.name}: fix the spec, then run `nox -s generate`")
    (output / "py.typed").write_text("")
    return output


def differing_files(left: Path, right: Path) -> list[str]:
    """Every path that is missing on one side or differs in content, compared byte for byte."""
    problems: list[str] = []

    def walk(comparison: filecmp.dircmp[str], prefix: str) -> None:
        problems.extend(f"{prefix}{name} (only in the committed copy)" for name in comparison.left_only)
        problems.extend(f"{prefix}{name} (missing from the committed copy)" for name in comparison.right_only)
        _, mismatch, errors = filecmp.cmpfiles(
            comparison.left, comparison.right, comparison.common_files, shallow=False
        )
        problems.extend(f"{prefix}{name} (differs)" for name in mismatch + errors)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    if not left.is_dir():
        return [f"{left} (missing)"]
    walk(filecmp.dircmp(left, right, ignore=["__pycache__"]), "")
    return sorted(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed output is stale")
    args = parser.parse_args(argv)

    check_pins()
    spec = validate_spec()
    spec_module = render_spec_module(spec)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate_into(Path(tmp))
        if args.check:
            problems = [f"generated/{PACKAGE}/{p}" for p in differing_files(GENERATED, fresh)]
            if not SPEC_MODULE.exists() or SPEC_MODULE.read_text(encoding="utf-8") != spec_module:
                problems.append(str(SPEC_MODULE.relative_to(ROOT)) + " (differs)")
            if problems:
                print("The committed generated code does not match openapi.yaml:", file=sys.stderr)
                for problem in problems:
                    print(f"  {problem}", file=sys.stderr)
                print(f"To fix: {FIX_HINT}.", file=sys.stderr)
                return 1
            print("generated/ and _spec.py match a fresh generation from openapi.yaml")
            return 0
        shutil.rmtree(GENERATED, ignore_errors=True)
        GENERATED.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, GENERATED)
    SPEC_MODULE.write_text(spec_module, encoding="utf-8")
    print(f"wrote {GENERATED.relative_to(ROOT)} and {SPEC_MODULE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
