"""The install hint of the ``testing`` extra.

respx and jsonschema (the extra) are imported only when a fixture or a check first needs them; a
missing one fails with a ``ModuleNotFoundError`` that says what to install.
"""

from __future__ import annotations

import importlib.util

__all__ = ["_need"]


def _need(module: str) -> None:
    """Fail with an install hint when a package of the ``testing`` extra is missing."""
    if importlib.util.find_spec(module) is None:
        raise ModuleNotFoundError(f"{module} is not installed: pip install 'pyannoteai-identify[testing]'", name=module)
