"""The python blocks of the documentation, and a static check of what they use of the SDK.

:func:`examples` reads every fenced ``python`` block of README.md and docs/*.md with the HTML comment
(if any) on the line right before it. :func:`sdk_misuses` walks a block's syntax tree, following
what names are bound to (an SDK module, class or function, an instance of an SDK class: ``with
Client() as client``, ``job = client.identify(...)`` by its return annotation, a parameter
annotated with an SDK class), and lists every SDK name that does not exist and every keyword
argument that is no parameter of the SDK callable it is passed to.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
SDK = "pyannoteai_identify"
_BLOCK = re.compile(r"(?:<!--\s*(?P<marker>[\w-]+)\s*:(?P<why>.*?)-->\n)?```python\n(?P<code>.*?)```", re.S)


@dataclass(frozen=True)
class Example:
    document: str
    line: int
    marker: str | None  # "static", "fragment" or None (runs)
    code: str

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def examples() -> list[Example]:
    found = []
    for document in DOCUMENTS:
        text = (ROOT / document).read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            found.append(Example(document, line, match.group("marker"), match.group("code")))
    return found


class _Instance:
    """A value known to be an instance of an SDK class."""

    def __init__(self, cls: type) -> None:
        self.cls = cls


def _of_sdk(value: Any) -> bool:
    if isinstance(value, ModuleType):
        return value.__name__.split(".")[0] == SDK
    return str(getattr(value, "__module__", "")).split(".")[0] == SDK


def _from_hint(hint: Any, owner: type | None = None) -> Any:
    """What a value annotated *hint* is known to be: an SDK instance, the items of a collection of
    them (``tuple[InputReport, ...]``), or None."""
    if hint is typing.Self:
        hint = owner
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin is not None and isinstance(origin, type) and not _of_sdk(origin) and arguments:
        item = _from_hint(arguments[0], owner)
        return _Items(item.cls) if isinstance(item, _Instance) else None
    hint = origin or hint
    return _Instance(hint) if isinstance(hint, type) and _of_sdk(hint) else None


def _hints(thing: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(thing)
    except Exception:  # a hint that cannot be resolved tells nothing
        return {}


def _returned(function: Any, owner: type | None = None) -> Any:
    """What *function* (a method of *owner*) is annotated to return, as :func:`_from_hint` says."""
    return _from_hint(_hints(function).get("return"), owner)


@dataclass(frozen=True)
class _Items:
    """A collection of instances of an SDK class (what a ``for`` binds)."""

    cls: type


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: dict[str, Any] = {}
        self.problems: dict[str, None] = {}  # in order, each once

    def value(self, node: ast.AST | None) -> Any:
        if isinstance(node, ast.Await):
            return self.value(node.value)
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.value(node.value), node.attr, node)
        if isinstance(node, ast.Call):
            callee = self.value(node.func)
            if isinstance(callee, _BoundMethod):
                return _returned(getattr(callee.cls, callee.name), callee.cls)
            if isinstance(callee, type) and _of_sdk(callee):
                return _Instance(callee)
            return _returned(callee) if callable(callee) and _of_sdk(callee) else None
        return None

    def attribute(self, owner: Any, name: str, node: ast.AST) -> Any:
        if isinstance(owner, _Instance):
            cls = owner.cls
            hinted = any(name in getattr(base, "__annotations__", {}) for base in cls.__mro__)
            if not hasattr(cls, name) and not hinted:
                self.problems[f"line {node.lineno}: {cls.__name__} has no attribute {name!r}"] = None
                return None
            member = inspect.getattr_static(cls, name, None)
            if isinstance(member, property):
                return _returned(member.fget)
            if callable(member) and not isinstance(member, type):
                return _BoundMethod(cls, name)
            return _from_hint(_hints(cls).get(name), cls)
        if owner is not None and _of_sdk(owner):
            if isinstance(owner, ModuleType) and not hasattr(owner, name):
                try:
                    return importlib.import_module(f"{owner.__name__}.{name}")
                except ModuleNotFoundError:
                    pass
            if not hasattr(owner, name):
                self.problems[f"line {node.lineno}: {getattr(owner, '__name__', owner)} has no {name!r}"] = None
                return None
            return getattr(owner, name)
        return None

    def bind(self, target: ast.AST, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.names[target.id] = value

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == SDK:
                module = importlib.import_module(alias.name)
                self.names[alias.asname or alias.name.split(".")[0]] = (
                    module if alias.asname else importlib.import_module(SDK)
                )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if (node.module or "").split(".")[0] != SDK:
            return
        module = importlib.import_module(node.module or SDK)
        for alias in node.names:
            self.names[alias.asname or alias.name] = self.attribute(module, alias.name, node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        value = self.value(node.value)
        for target in node.targets:
            self.bind(target, value)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        items = self.value(node.iter)
        self.bind(node.target, _Instance(items.cls) if isinstance(items, _Items) else None)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            value = self.value(item.context_expr)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, value)
        for statement in node.body:
            self.visit(statement)

    visit_AsyncWith = visit_With

    def visit_arg(self, node: ast.arg) -> None:
        annotation = self.value(node.annotation) if node.annotation is not None else None
        self.names[node.arg] = _Instance(annotation) if isinstance(annotation, type) and _of_sdk(annotation) else None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.generic_visit(node)
        self.value(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        callee = self.value(node.func)
        if isinstance(callee, _BoundMethod):
            callee = getattr(callee.cls, callee.name)
        if not (callable(callee) and _of_sdk(callee)):
            return
        parameters = inspect.signature(callee).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            return
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in parameters:
                name = getattr(callee, "__qualname__", repr(callee))
                self.problems[f"line {node.lineno}: {name}() takes no keyword argument {keyword.arg!r}"] = None


@dataclass(frozen=True)
class _BoundMethod:
    cls: type
    name: str


def _unimported(tree: ast.AST) -> list[str]:
    """The names *tree* reads and never binds that the package exports (``webhooks.verify(...)``
    with no import of ``webhooks``): a NameError for whoever pastes it."""
    bound = {
        alias.asname or alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    bound |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    bound |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    bound |= {
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    package = importlib.import_module(SDK)
    return [
        f"line {node.lineno}: {node.id} is used but not imported"
        for node in ast.walk(tree)
        if isinstance(node, ast.Name)
        and isinstance(node.ctx, ast.Load)
        and node.id not in bound
        and not node.id.startswith("__")
        and hasattr(package, node.id)
    ]


def sdk_misuses(code: str) -> list[str]:
    """The SDK names *code* uses that do not exist or that it does not import, and the keyword
    arguments it passes to an SDK callable that are none of its parameters."""
    tree = ast.parse(code)
    checker = _Checker()
    checker.visit(tree)
    return [*checker.problems, *dict.fromkeys(_unimported(tree))]
