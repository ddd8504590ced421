"""The batch engine is one class joined from mixins (``_runner_core``, ``_runner_inputs``,
``_runner_reconcile``, ``_runner_submit``, ``_runner_watch``, ``_runner_fetch``): a guard that the
split stays a split, each method written once, so none is silently replaced by the MRO."""

from __future__ import annotations

from pyannoteai_identify.batch._runner import Engine
from pyannoteai_identify.batch._runner_core import EngineCore


def test_no_two_parts_of_the_engine_define_the_same_name() -> None:
    """A method, property or class attribute defined by two of Engine's classes would leave one of
    them unused (whichever comes later in the MRO), with no error: each name has one home."""
    owners: dict[str, list[str]] = {}
    for cls in Engine.__mro__:
        if cls is object:
            continue
        for name in vars(cls):
            if name.startswith("__") and name.endswith("__"):  # a class's own (__doc__, __module__, …)
                continue
            owners.setdefault(name, []).append(cls.__qualname__)
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}


def test_every_part_of_the_engine_builds_on_its_core() -> None:
    """Each mixin is an EngineCore, whose __init__ alone sets the run's state."""
    parts = [cls for cls in Engine.__mro__ if cls not in (Engine, EngineCore, object)]
    assert parts and all(issubclass(cls, EngineCore) for cls in parts)
    assert all("__init__" not in vars(cls) for cls in parts)
