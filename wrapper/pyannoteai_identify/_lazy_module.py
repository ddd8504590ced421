"""A module imported on first attribute access, for the annotations that name an optional extra's types.

``typing.get_type_hints`` (and pydantic, cattrs, typeguard, sphinx-autodoc-typehints) evaluates an
annotation such as ``respx.MockRouter`` in its module's globals, so the name must be bound at runtime;
importing the extra at import time would make every import pay for it (and fail without it). A
:func:`lazy_module` stand-in is bound instead: reading one of its attributes imports the real module
(not before; a submodule such as ``starlette.requests`` too), a name that is neither raises
``AttributeError`` as a module's would (``hasattr``, ``unittest.mock.patch``), a name starting with ``_``
raises it without importing anything (pytest probes every global of a plugin module for ``_mock_name``),
and the stand-in is never put in ``sys.modules``.
"""

from __future__ import annotations

import importlib
import types
from typing import Any

__all__ = ["lazy_module"]


class _LazyModule(types.ModuleType):
    def __init__(self, name: str, extra: str | None) -> None:
        super().__init__(name)
        self.__extra = extra

    def __getattr__(self, name: str) -> Any:
        # Introspection (copy, pickle, inspect; pytest's and mock's probes such as _mock_name and
        # _is_coroutine) does not import the module: an annotation names only public types.
        if name.startswith("_"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}", name=name, obj=self)
        try:
            module = importlib.import_module(self.__name__)
        except ModuleNotFoundError as error:
            if self.__extra is None:
                raise
            hint = f"pip install 'pyannoteai-identify[{self.__extra}]'"
            message = f"{error}; an annotation naming {self.__name__} needs the {self.__extra} extra: {hint}"
            raise ModuleNotFoundError(message, name=error.name) from error
        try:
            return getattr(module, name)
        except AttributeError:  # a submodule not imported yet (starlette.requests)
            pass
        submodule = f"{self.__name__}.{name}"
        try:
            return importlib.import_module(submodule)
        except ModuleNotFoundError as error:
            if error.name != submodule:  # the submodule exists, and an import of its own failed
                raise
        # neither an attribute nor a submodule: hasattr() is False, getattr(..., default) gives the default
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}", name=name, obj=self)

    def __repr__(self) -> str:
        return f"<lazy module {self.__name__!r}>"


def lazy_module(name: str, *, extra: str | None = None) -> types.ModuleType:
    """A stand-in for module *name* (absolute) whose attributes are those of the module, imported when first read.

    Where the module comes with an *extra* (``receiver``, ``testing``), failing to import it raises a
    ``ModuleNotFoundError`` that says to install the extra.
    """
    return _LazyModule(name, extra)
