"""README.md's table of client methods lists each method's parameters as the code has them.

The table is written by hand: a request field the contract gains becomes a keyword of
``Client.identify`` (test_request_fields_reach_every_front.py makes sure of that), and this test
makes sure the README's row for it says so too, instead of going on listing the old keywords.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from pyannoteai_identify import AsyncClient, Client

README = Path(__file__).resolve().parents[2] / "README.md"
#: Each ``name(parameters)`` quoted in a row of the methods table (a row whose first cell quotes a call).
CALLS = [
    (match.group(1), match.group(2))
    for row in README.read_text(encoding="utf-8").splitlines()
    if row.startswith("| `") and "(" in row.split("|")[1]
    for match in re.finditer(r"`([a-z_]+)\(([^)`]*)\)`", row.split("|")[1])
]


def test_the_table_is_found() -> None:
    assert {"identify", "wait", "jobs"} <= {name for name, _ in CALLS}


@pytest.mark.parametrize(("name", "parameters"), CALLS, ids=[name for name, _ in CALLS])
@pytest.mark.parametrize("client", [Client, AsyncClient], ids=["sync", "async"])
def test_each_method_row_lists_the_methods_parameters(client: type, name: str, parameters: str) -> None:
    """The names in order, the ``*`` before the first keyword-only one, and each default the row shows."""
    parts = [part.strip() for part in parameters.split(",") if part.strip()]
    listed = [part.split("=")[0] for part in parts]
    actual: list[str] = []
    defaults: dict[str, str] = {}
    for parameter in inspect.signature(getattr(client, name)).parameters.values():
        if parameter.name == "self":
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in actual:
            actual.append("*")
        actual.append(parameter.name)
        if parameter.default is not inspect.Parameter.empty:
            defaults[parameter.name] = repr(parameter.default)
    assert listed == actual, f"README.md lists {name}({', '.join(listed)}); {client.__name__}.{name} takes {actual}"
    for part in parts:
        key, shown, default = part.partition("=")
        if shown:
            assert default == defaults.get(key), (
                f"README.md lists {name}(..., {part}, ...); {client.__name__}.{name} has {key}={defaults.get(key)}"
            )
