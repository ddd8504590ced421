"""Every task anyone runs on pyannoteai-identify: `nox -l` lists them, plain `nox` runs the checks CI runs."""

from __future__ import annotations

import os
from pathlib import Path

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

#: The newer Pythons the classifiers name whose suite CI runs too, each as its own session (`tests-3.12`).
NEWER_PYTHONS = ("3.12", "3.13")

nox.options.sessions = ["generate_check", "lint", "typecheck", "tests", *(f"tests-{v}" for v in NEWER_PYTHONS)]
nox.options.sessions.append("lowest")
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True
nox.options.default_venv_backend = "uv|virtualenv"
# `lowest` runs on Python 3.11 only (the oldest supported, where orjson 3.9.0 has wheels), `tests-3.12`
# and `tests-3.13` on theirs: on a machine without one, its session is skipped with a message, on CI
# too, and the others run.
nox.options.error_on_missing_interpreters = False


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/pyannoteai_api and the wrapper's _spec.py from openapi.yaml (`-- --check` to verify)."""
    session.install(*_group("generate"))
    session.run("python", "tools/generate.py", *session.posargs)


@nox.session(name="generate_check")
def generate_check(session: nox.Session) -> None:
    """Validate openapi.yaml and fail if generated code differs from a fresh generation."""
    session.install(*_group("generate"))
    session.run("python", "tools/generate.py", "--check")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the hand-written code (generated/ is excluded)."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the wrapper, and on tests/typing (what typed user code may write)."""
    session.install(*_group("typecheck"))
    session.install("-e", ".")
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite: unit, contract, sandbox, CLI and benchmark smoke tests."""
    session.install(*_group("test"))
    session.install("-e", ".[all]")
    profile = "ci" if os.environ.get("CI") == "true" else "dev"
    session.run("pytest", f"--hypothesis-profile={profile}", *session.posargs)


def _interpreter(version: str) -> str:
    """The interpreter of Python *version* for a session: the newest one pyenv installed, by its path
    (pyenv's ``pythonX.Y`` shim fails for a version it does not select, and nox then finds none), or
    else the version itself, which nox looks for on PATH."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = [path for path in root.glob(f"versions/{version}.*/bin/python{version}") if path.is_file()]
    if not installed:
        return version
    return str(max(installed, key=lambda path: [int(part) for part in path.parts[-3].split(".") if part.isdigit()]))


for _version in NEWER_PYTHONS:
    nox.session(python=_interpreter(_version), name=f"tests-{_version}")(tests.func)


# What `lowest` pins to the declared lower bounds: the runtime requirements and these extras (`all` is their union).
LOWEST_EXTRAS = ("sandbox", "receiver", "cli", "testing")
# Test tools that cannot install at those bounds, left out of `lowest` with the tests that need them:
# anyio 4.11's trio backend needs trio>=0.31, which needs attrs>=23.2 (the tests marked needs_trio), and
# openapi-spec-validator 0.9.0 needs jsonschema>=4.26 (it validates openapi.yaml itself, not the package).
LOWEST_DROPPED_TOOLS = ("trio", "openapi-spec-validator")
LOWEST_SHOWN = ("anyio", "httpx", "attrs", "orjson", "starlette", "respx", "jsonschema", "uvicorn", "rich", "pytest")


@nox.session(python="3.11")
def lowest(session: nox.Session) -> None:
    """The suite with every runtime requirement at its declared lower bound, so a bound the code outgrew fails."""
    if session.venv_backend != "uv":
        session.install("uv")
    pins = Path(session.virtualenv.location) / "lowest-pins.txt"  # not create_tmp(): its TMPDIR lengthens tmp_path
    pins.unlink(missing_ok=True)  # uv would keep the versions of an old output file that still satisfy pyproject.toml
    # `pip install --resolution lowest-direct PACKAGE` would not lower the package's own requirements;
    # compiling pyproject.toml does, as they are the direct ones here. The pins then constrain every install.
    extras = [arg for extra in LOWEST_EXTRAS for arg in ("--extra", extra)]
    session.run_install(
        "uv", "pip", "compile", "pyproject.toml", *extras, "--resolution", "lowest-direct",
        "--python", str(Path(session.bin) / "python"), "--no-header", "--quiet", "-o", str(pins),
    )  # fmt: skip
    tools = [req for req in _group("test") if Requirement(req).name not in LOWEST_DROPPED_TOOLS]
    session.install("-c", str(pins), "-e", f".[{','.join(LOWEST_EXTRAS)}]", *tools)
    shown = ", ".join(repr(name) for name in LOWEST_SHOWN)
    session.run("python", "-c", f"from importlib.metadata import version\nfor n in ({shown}): print(n, version(n))")
    session.run(
        "pytest", "-m", "not needs_trio", "--hypothesis-profile=lowest",
        "--ignore=tests/contract/test_spec.py", "--ignore=tests/contract/test_generation_guard.py",
        *session.posargs,
    )  # fmt: skip


@nox.session
def conformance(session: nox.Session) -> None:
    """The contract suite; with `-- --base-url URL` (and PYANNOTEAI_API_KEY) also bill-free live checks."""
    session.install(*_group("test"))
    session.install("-e", ".[all]")
    session.run("pytest", "tests/contract", "--hypothesis-profile=ci", *session.posargs)


@nox.session(name="spec-diff")
def spec_diff(session: nox.Session) -> None:
    """Compare openapi.yaml with another version of the API's spec: `nox -s spec-diff -- OTHER_SPEC`."""
    if not session.posargs:
        session.error("usage: nox -s spec-diff -- OTHER_SPEC [--json]")
    session.install("pyyaml>=6")
    session.install("-e", ".")
    session.run("python", "-m", "pyannoteai_identify._spec_diff", "openapi.yaml", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks, print the table and write benchmarks/RESULTS.md."""
    session.install(*_group("test"))
    session.install("-e", ".[all]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Run the end-to-end demo against the embedded sandbox."""
    session.install("-e", ".[cli]")
    session.run("pyannoteai-identify", "demo", *session.posargs)
