"""Numbers the SDK takes from its callers (seconds, a score threshold): any real number, read as a float.

A timeout or a threshold computed with numpy is a ``numpy.int64`` or a ``numpy.float32``, neither
an ``int`` nor a ``float``; a configuration may hold a ``Fraction`` or a ``Decimal``. Each is a
number of seconds as much as ``2.5`` is, and ``time.sleep`` and httpx take them: the SDK reads any
of them through :func:`real`, so that every place that takes seconds accepts and refuses the same
values, and passes a plain ``float`` on. Counts (``max_retries``, ``num_speakers``) are not read
here: a whole number of something is an ``int``.
"""

from __future__ import annotations

import decimal
import math
import numbers
import operator
from typing import Any, cast

__all__ = ["real"]


def real(value: object) -> float | None:
    """*value* as a plain ``float`` when it is a real number, else None.

    An ``numbers.Integral`` (``int``, ``numpy.int64``) is read exactly through
    ``operator.index``, another ``numbers.Real`` (``float``, ``Fraction``, ``numpy.float32``) or a
    ``decimal.Decimal`` (a real number the ``numbers`` tower leaves out) through ``float()``. A bool
    is not a number here (``True`` for a timeout is a mistake), nor is text (``"30"``) or a complex.

    The result may be NaN or infinite: the caller's range check refuses it (NaN compares false to
    everything), as it refuses a negative one. A value too large for a float (``10**400``,
    ``Fraction(10**400)``) is infinite, with its sign; a signalling NaN (``Decimal("sNaN")``,
    which ``float()`` refuses) is NaN.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        try:
            whole = operator.index(value)
        except TypeError:  # registered as Integral, but no __index__: not a number to trust
            return None
        try:
            return float(whole)
        except OverflowError:
            return math.inf if whole > 0 else -math.inf
    if isinstance(value, numbers.Real | decimal.Decimal):
        try:
            return float(value)
        except OverflowError:  # a Fraction past the largest float: a Real compares with 0
            return math.inf if cast(Any, value) > 0 else -math.inf
        except (ValueError, TypeError):  # Decimal("sNaN"); a Real whose __float__ is broken
            return math.nan
    return None
