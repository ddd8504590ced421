"""Reading an OpenAPI 3.x document for spec-diff from a JSON or YAML file."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from ._spec_diff_change import SpecDiffError


def load_document(path: str | Path) -> dict[str, Any]:
    """Read an OpenAPI 3.x document from a JSON or YAML file."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecDiffError(f"cannot read {source}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise SpecDiffError(f"{source} is not UTF-8 text ({error.reason} at byte {error.start})") from error
    document: Any
    if source.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecDiffError(f"{source} is not valid JSON: {error}") from error
    else:
        try:
            # Through importlib: PyYAML ships no type stubs, and the core install does not need it.
            yaml = importlib.import_module("yaml")
        except ImportError as error:  # pragma: no cover - pyyaml is in the test and spec-diff environments
            raise SpecDiffError(f"reading YAML ({source}) needs PyYAML: pip install pyyaml") from error
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            said = " ".join(str(error).replace('"<unicode string>"', str(source)).split())  # one line
            raise SpecDiffError(f"{source} is not valid YAML: {said}") from error
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise SpecDiffError(f"{source} is not an OpenAPI 3.x document (no 'openapi: 3.x' field)")
    return document
