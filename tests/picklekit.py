"""What a pickle names: the tests that keep pickles loadable across the module splits read it."""

from __future__ import annotations

import pickletools


def globals_named(data: bytes) -> set[tuple[str, str]]:
    """The (module, name) of each class and function a pickle names (GLOBAL, or STACK_GLOBAL after two strings)."""
    named: set[tuple[str, str]] = set()
    strings: list[str] = []
    for opcode, argument, _ in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            module, name = str(argument).split(" ")
            named.add((module, name))
        elif opcode.name == "STACK_GLOBAL":
            named.add((strings[-2], strings[-1]))
        if isinstance(argument, str):
            strings.append(argument)
    return named


def modules_named(data: bytes) -> set[str]:
    """The modules of the classes and functions a pickle names."""
    return {module for module, _ in globals_named(data)}
