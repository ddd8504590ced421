"""Real numbers that are neither ``int`` nor ``float``: what numpy, ``fractions`` and ``decimal`` hand a caller.

numpy is not a dependency of the tests: :class:`Int64` stands for ``numpy.int64``, an integer that
``numbers.Integral`` knows by registration only (numpy registers its scalar types the same way).
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction

import pytest


class Int64:
    """A stand-in for ``numpy.int64``: an ``numbers.Integral`` by registration, not an ``int``."""

    def __init__(self, value: int) -> None:
        self._value = value

    def __index__(self) -> int:
        return self._value

    def __int__(self) -> int:
        return self._value

    def __float__(self) -> float:
        return float(self._value)

    def __repr__(self) -> str:
        return f"Int64({self._value})"


numbers.Integral.register(Int64)

#: (a real number that is no int or float, the float it stands for)
SECONDS = [
    pytest.param(Int64(5), 5.0, id="numpy.int64-like"),
    pytest.param(Fraction(5, 2), 2.5, id="Fraction"),
    pytest.param(Decimal("2.5"), 2.5, id="Decimal"),
]

#: Values no number of seconds can be, whatever their type: still refused.
NOT_SECONDS = [
    pytest.param(True, id="True"),
    pytest.param("5", id="str"),
    pytest.param(Int64(-1), id="negative-Int64"),
    pytest.param(Fraction(-1, 2), id="negative-Fraction"),
    pytest.param(Decimal("NaN"), id="Decimal-NaN"),
    pytest.param(Decimal("sNaN"), id="Decimal-sNaN"),
    pytest.param(complex(1, 0), id="complex"),
]

#: Infinite, or too large for a float: each place takes them as it takes ``float("inf")`` (a
#: webhook tolerance may be infinite; a timeout may not).
INFINITE = [
    pytest.param(Decimal("Infinity"), id="Decimal-Infinity"),
    pytest.param(Fraction(10**400), id="Fraction-too-large-for-a-float"),
    pytest.param(Int64(10**400), id="Int64-too-large-for-a-float"),
]
