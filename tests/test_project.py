"""Project-level promises: the README's commands, CI, and the public surface of the package."""

from __future__ import annotations

import ast
import builtins
import collections.abc
import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pyannoteai_identify
from pyannoteai_identify import results

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
    """__all__ is sorted and lists every public name the package defines (httpx's habit), those it
    imports on first use (``dir()`` lists them) too."""
    public = sorted(
        # "@py_*" names come from pytest's assertion rewriting of the plugin's package.
        (name for name in dir(pyannoteai_identify) if name[0] not in "_@" or name == "__version__"),
        key=str.casefold,
    )
    exported = list(pyannoteai_identify.__all__)
    assert exported == sorted(exported)
    submodules = {"cli", "results", "receiver", "testing", "sandbox", "batch"}
    assert set(public) - submodules == set(exported)


#: The submodules the docs name, whose ``__all__`` a type of a public signature may come from.
PUBLIC_MODULES = ("errors", "webhooks", "results", "receiver", "batch", "testing")
#: Types the top level exports under another name than the one the signatures use.
RENAMED = {"ProgressCallback": "UploadProgressCallback"}


def _imported_names(module: ModuleType) -> dict[str, tuple[object, str]]:
    """Each ``from X import name`` of *module*'s source (``TYPE_CHECKING`` ones too): the object, and X."""
    found: dict[str, tuple[object, str]] = {}
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.ImportFrom):
            continue
        name = "." * node.level + (node.module or "")
        try:
            source = importlib.import_module(importlib.util.resolve_name(name, module.__package__))
        except ImportError:  # an extra that is not installed: nothing of ours
            continue
        for alias in node.names:
            if hasattr(source, alias.name):
                found[alias.asname or alias.name] = (getattr(source, alias.name), source.__name__)
    return found


def _classes_in(alias: object) -> list[type]:
    """The classes of the package that a type alias (``Callable[[Job[IdentifyResult]], object]``) names."""
    if inspect.isclass(alias):
        return [alias] if alias.__module__.startswith("pyannoteai_identify") else []
    if isinstance(alias, list):  # a Callable's parameters
        return [found for item in alias for found in _classes_in(item)]
    origin = typing.get_origin(alias)
    return [found for part in (origin, *typing.get_args(alias)) if part is not None for found in _classes_in(part)]


def _signature_annotations(obj: object) -> list[tuple[str, ModuleType]]:
    """The annotations (as written) of *obj*'s public signatures and fields, with the module they are written in."""
    found: list[tuple[str, ModuleType]] = []

    def of_function(function: Any, module: ModuleType) -> None:
        # A function's annotations are read in the module it was written in (its globals, as
        # typing.get_type_hints reads them), which a class reporting a public module may not be.
        for signature in (function, *typing.get_overloads(function)):  # what a type checker reads
            written_in = sys.modules[inspect.unwrap(signature).__globals__["__name__"]]
            found.extend((text, written_in) for text in inspect.unwrap(signature).__annotations__.values())

    if inspect.isclass(obj):
        for klass in obj.__mro__:
            module = sys.modules[klass.__module__]
            if not module.__name__.startswith("pyannoteai_identify"):
                continue
            found.extend((text, module) for text in vars(klass).get("__annotations__", {}).values())
            for name, member in vars(klass).items():
                if name.startswith("_") and name != "__init__":
                    continue
                member = member.fget if isinstance(member, property) else member
                member = member.__func__ if isinstance(member, classmethod | staticmethod) else member
                if inspect.isfunction(member):
                    of_function(member, module)
    elif inspect.isfunction(obj):
        of_function(obj, sys.modules[obj.__module__])
    return [(text, module) for text, module in found if isinstance(text, str)]


def _dotted(node: ast.expr, module: ModuleType, imported: dict[str, tuple[object, str]]) -> object:
    """What a name or a dotted chain of attributes (``pyannoteai_identify.batch``) reads in *module*."""
    if isinstance(node, ast.Attribute):
        return getattr(_dotted(node.value, module, imported), node.attr, None)
    assert isinstance(node, ast.Name)
    return imported[node.id][0] if node.id in imported else vars(module)[node.id]


def test_every_type_in_a_public_signature_is_importable() -> None:
    """A user's own helper that passes an argument through names its type: each type the package defines
    that a signature of a top-level name uses (``Client.jobs(status: JobStatus | StatusFilter | None)``)
    is importable from the top level or from the ``__all__`` of a public submodule, under the name the
    signature uses (or its documented rename); a callback alias is shorthand for a ``Callable`` of such types.
    ``JobKind`` was only in ``results`` and ``StatusFilter`` nowhere public."""
    reachable = {(name, id(value)) for name, value in vars(pyannoteai_identify).items()}
    for submodule in PUBLIC_MODULES:
        public = importlib.import_module(f"pyannoteai_identify.{submodule}")
        reachable |= {(name, id(getattr(public, name))) for name in public.__all__}
    missing: dict[str, set[str]] = {}
    for export in pyannoteai_identify.__all__:
        for text, module in _signature_annotations(getattr(pyannoteai_identify, export)):
            imported = _imported_names(module)
            for node in ast.walk(ast.parse(text, mode="eval")):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name | ast.Attribute):
                    # ``pyannoteai_identify.batch.BatchOptions``: a name read from a module bound for get_type_hints
                    base = _dotted(node.value, module, imported)
                    if not inspect.ismodule(base) or not base.__name__.startswith("pyannoteai_identify"):
                        continue
                    name, target, origin = node.attr, getattr(base, node.attr), base.__name__
                elif isinstance(node, ast.Name) and node.id not in vars(builtins):
                    name = node.id
                    if node.id in imported:
                        target, origin = imported[node.id]
                    else:
                        target, origin = vars(module)[node.id], module.__name__
                else:
                    continue
                if inspect.ismodule(target) or isinstance(target, typing.TypeVar):
                    continue
                if inspect.isclass(target):
                    ours = target.__module__.startswith("pyannoteai_identify")
                    found = any(value == id(target) for _, value in reachable)
                elif typing.get_origin(target) is collections.abc.Callable:
                    # A callback alias (``OnStatus``) is shorthand: a user writes the ``Callable`` out,
                    # so each class it names must be importable, not the alias.
                    ours = True
                    found = all(any(value == id(part) for _, value in reachable) for part in _classes_in(target))
                else:  # an alias (a Literal): typing caches equal ones, so the name counts too
                    ours = origin.startswith("pyannoteai_identify")
                    found = (RENAMED.get(name, name), id(target)) in reachable
                if ours and not found:
                    missing.setdefault(f"{module.__name__}.{name}", set()).add(export)
    assert missing == {}


def test_the_job_kind_is_exported_from_the_top_level() -> None:
    """``Client.get_job``/``wait`` take ``kind: JobKind | None``; ``JobKind`` was only in ``results``."""
    assert "JobKind" in pyannoteai_identify.__all__
    assert vars(pyannoteai_identify)["JobKind"] is results.JobKind


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


def _hinted(module: ModuleType) -> list[tuple[str, Any]]:
    """The public classes and functions of *module*'s ``__all__``, with their public methods (and
    ``__init__``) and properties: what ``typing.get_type_hints`` is asked about by pydantic, cattrs,
    typeguard or sphinx-autodoc-typehints. Type aliases (``Status``) are no classes: left out."""
    found: list[tuple[str, Any]] = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            found.append((name, obj))
            for attribute in dir(obj):
                if attribute.startswith("_") and attribute != "__init__":
                    continue
                member = inspect.getattr_static(obj, attribute)
                member = member.fget if isinstance(member, property) else member
                member = member.__func__ if isinstance(member, classmethod | staticmethod) else member
                if inspect.isfunction(member):
                    found.append((f"{name}.{attribute}", member))
        elif inspect.isfunction(inspect.unwrap(obj)):  # a pytest fixture's definition wraps its function
            found.append((name, inspect.unwrap(obj)))
    return found


def _unresolvable_hints(module: ModuleType) -> list[str]:
    failures = []
    for name, obj in _hinted(module):
        try:
            typing.get_type_hints(obj)
        except Exception as error:  # each failure is listed
            failures.append(f"{name}: {type(error).__name__}: {error}")
    return failures


def test_the_type_hints_of_the_testing_plugin_resolve_at_runtime() -> None:
    """``typing.get_type_hints`` of every public class and function of ``testing`` (and of their public
    methods) resolves: ``MockAPI`` (its router is a ``respx.MockRouter``, imported only under
    TYPE_CHECKING) and the sandbox fixtures (``Iterator[Sandbox]``) raised NameError, which breaks
    pydantic, cattrs, typeguard and sphinx-autodoc-typehints."""
    from pyannoteai_identify import testing

    assert _unresolvable_hints(testing) == []


def test_the_type_hints_of_the_public_modules_resolve_at_runtime() -> None:
    """As for ``testing``: ``get_type_hints`` of ``Client.wait``/``identify_batch`` (``WebhookBroker``,
    ``BatchOptions``, ``BatchReport``), ``WebhookVerificationError`` (``Reason``), ``WebhookReceiver.handle_request``
    and ``asgi_app`` (starlette's ``Request``, ``Starlette``), ``BatchOptions`` and the batch functions
    (``WebhookBroker``) and ``Confidence`` (``array.array[float]``, ``memoryview[float]``) raised."""
    failures = {
        name: _unresolvable_hints(importlib.import_module(name))
        for name in ("pyannoteai_identify", *(f"pyannoteai_identify.{module}" for module in PUBLIC_MODULES))
    }
    assert {name: found for name, found in failures.items() if found} == {}


#: The module globals bound to a lazy stand-in (``_lazy_module``) for ``typing.get_type_hints``.
LAZY_STAND_INS = (
    ("pyannoteai_identify._receiver_core", "starlette"),
    ("pyannoteai_identify._receiver_read", "starlette"),
    ("pyannoteai_identify._receiver_asgi", "starlette"),
    ("pyannoteai_identify._mock_api", "respx"),
    ("pyannoteai_identify.sandbox.pytest_fixture", "_server"),
    ("pyannoteai_identify._sync_client", "pyannoteai_identify"),
    ("pyannoteai_identify._async_client", "pyannoteai_identify"),
)


def test_a_lazy_stand_in_answers_a_missing_attribute_as_a_module_does() -> None:
    """``hasattr(stand_in, name)`` and ``getattr(stand_in, name, default)`` of a name the module does not
    have raised ModuleNotFoundError ("No module named 'starlette.nope'": the stand-in tried a submodule)
    instead of giving False and the default, so ``unittest.mock.patch`` of the global (which asks for
    ``_is_coroutine``), doctest's and other introspection that probes attributes failed."""
    for module_name, name in LAZY_STAND_INS:
        module = importlib.import_module(module_name)
        stand_in = getattr(module, name)
        assert not hasattr(stand_in, "no_such_attribute"), module_name
        assert getattr(stand_in, "no_such_attribute", None) is None, module_name
        with mock.patch.object(module, name) as patched:
            assert getattr(module, name) is patched
        assert getattr(module, name) is stand_in


def test_resolving_a_hint_without_its_extra_names_the_extra_to_install() -> None:
    """Without the extra, ``get_type_hints`` of a function whose annotation names one of its types failed
    with a plain "import of starlette halted" / "No module named 'respx'": it names the extra to install
    now, and is still a ModuleNotFoundError for the missing module."""
    code = """
import sys, typing
sys.modules["starlette"] = sys.modules["respx"] = sys.modules["uvicorn"] = None
from pyannoteai_identify.receiver import WebhookReceiver, asgi_app
from pyannoteai_identify.testing import MockAPI, running_sandbox
for function in (WebhookReceiver.handle_request, asgi_app, MockAPI.__init__, running_sandbox.__wrapped__):
    try:
        typing.get_type_hints(function)
    except ModuleNotFoundError as error:
        print(error.name.split(".")[0], "|", error)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    lines = done.stdout.splitlines()
    assert [line.split(" | ")[0] for line in lines] == ["starlette", "starlette", "respx", "starlette"], done.stdout
    for line, extra in zip(lines, ("receiver", "receiver", "testing", "sandbox"), strict=True):
        assert f"pip install 'pyannoteai-identify[{extra}]'" in line, line


#: Every public module: the package and each submodule the docs name, whose ``__all__`` is its surface.
SURFACE_MODULES = ("", *PUBLIC_MODULES, "sandbox", "cli")


def _is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


#: Top-level classes that keep their private module: ``typing.get_type_hints`` resolves a class's
#: field annotations in the module it reports, and theirs name ``httpx``, ``datetime`` and
#: ``Callable``, which the package's namespace does not hold (it holds ``__all__`` and nothing more).
KEEP_PRIVATE_MODULE = {"Client", "AsyncClient", "JobSummary", "PollSchedule", "RetryPolicy"}


def test_every_public_name_reports_a_public_module() -> None:
    """A class's repr, ``help()``, a pickle, Sphinx and a traceback name a class or function by its
    ``__module__``: each class and function in a public module's ``__all__`` reports a public module
    (``pyannoteai_identify.testing.MockAPI``, not ``pyannoteai_identify._mock_api.MockAPI``), and
    ``typing.get_type_hints`` still resolves each class's annotations in the module it reports."""
    private: dict[str, str] = {}
    for submodule in SURFACE_MODULES:
        module = importlib.import_module(f"pyannoteai_identify.{submodule}".rstrip("."))
        for name in module.__all__:
            value = getattr(module, name)
            if not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            if _is_private(value.__module__) and not (submodule == "" and name in KEEP_PRIVATE_MODULE):
                private[f"{module.__name__}.{name}"] = value.__module__
            elif inspect.isclass(value):
                for klass in value.__mro__:
                    if klass.__module__.startswith("pyannoteai_identify") and not _is_private(klass.__module__):
                        typing.get_type_hints(klass)
    assert private == {}
