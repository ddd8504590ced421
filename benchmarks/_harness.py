"""Shared pieces of the benchmarks: a metric row, a repeat-and-take-the-best timer, the table.

Every figure is a ratio against a baseline measured in the same process and run, because the
machines are shared and noisy; absolute times are printed for context only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One row of the results table.

    ``ratio`` is ``value / baseline`` (or the figure itself when the target is absolute, e.g. a
    count); ``limit`` and ``higher_is_better`` say which side of it passes. ``zero_ok`` marks a
    figure for which 0 is a real measurement (no memory growth), not a broken benchmark.
    """

    name: str
    value: float
    baseline: float
    ratio: float
    limit: float
    higher_is_better: bool = False
    unit: str = "s"
    note: str = ""
    zero_ok: bool = False

    @property
    def target(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.limit:g}"

    @property
    def passed(self) -> bool:
        return self.ratio >= self.limit if self.higher_is_better else self.ratio <= self.limit


def best_of(function: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """The fastest of *repeat* timings of *number* calls, in seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def ratio_metric(
    name: str,
    value: float,
    baseline: float,
    limit: float,
    *,
    higher_is_better: bool = False,
    unit: str = "s",
    note: str = "",
) -> Metric:
    """A metric whose ratio is value / baseline."""
    return Metric(name, value, baseline, value / baseline, limit, higher_is_better, unit, note)


def format_table(metrics: list[Metric]) -> str:
    """A Markdown table of the metrics."""
    lines = [
        "| metric | value | baseline | ratio | target | pass |",
        "|---|---|---|---|---|---|",
    ]
    for m in metrics:
        lines.append(
            f"| {m.name} | {m.value:.4g} {m.unit} | {m.baseline:.4g} {m.unit} | {m.ratio:.3f} | {m.target} | "
            f"{'yes' if m.passed else 'NO'} |"
        )
    return "\n".join(lines)


def check_sane(metrics: list[Metric]) -> None:
    """Assert what every smoke run must show: some metrics, unique names, finite positive figures
    (or zero, for a metric that says 0 is a real measurement)."""
    assert metrics, "a benchmark must report at least one metric"
    assert len({m.name for m in metrics}) == len(metrics), "metric names must be unique"
    for m in metrics:
        assert math.isfinite(m.limit) and m.limit > 0, f"{m.name}: limit {m.limit!r} is not a finite positive number"
        for figure in (m.value, m.baseline, m.ratio):
            sane = figure >= 0 if m.zero_ok else figure > 0
            assert math.isfinite(figure) and sane, f"{m.name}: {figure!r} is not a finite positive number"
