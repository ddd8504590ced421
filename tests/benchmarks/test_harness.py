"""The benchmark harness's own rules: what a smoke run accepts as a sane figure."""

from __future__ import annotations

import math
import types

import pytest

from benchmarks import __main__ as bench_main
from benchmarks._harness import Metric, check_sane, ratio_metric


def test_a_zero_figure_is_refused_unless_the_metric_says_zero_is_a_measurement() -> None:
    """0 s or 0 MiB/s means a broken benchmark; 0 MiB of memory growth is a real (good) result."""
    with pytest.raises(AssertionError, match="not a finite positive number"):
        check_sane([Metric("upload: seconds", 0.0, 1.0, 0.0, 1.0)])
    check_sane([Metric("upload: peak RSS growth in MiB", 0.0, 0.0, 0.0, 64.0, unit="MiB", zero_ok=True)])


@pytest.mark.parametrize("figure", [-1.0, math.inf, math.nan])
def test_negative_or_non_finite_figures_are_refused_even_where_zero_is_allowed(figure: float) -> None:
    """zero_ok widens the check to 0 only: a negative growth or a NaN still fails the smoke run."""
    with pytest.raises(AssertionError):
        check_sane([Metric("growth", figure, 1.0, figure, 64.0, zero_ok=True)])


def test_metric_names_must_be_unique_and_the_list_not_empty() -> None:
    """Two rows with one name, or no rows at all, fail the smoke run."""
    row = ratio_metric("get_job", 1.0, 1.0, 1.15)
    with pytest.raises(AssertionError, match="unique"):
        check_sane([row, row])
    with pytest.raises(AssertionError, match="at least one"):
        check_sane([])


def test_a_module_named_exactly_runs_alone_and_a_partial_name_runs_every_module_containing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``python -m benchmarks bench_client`` runs the sync client benchmarks only, not bench_client_async
    too (whose name contains it); ``client`` still runs both."""
    ran: list[str] = []

    def fake_import(name: str) -> types.SimpleNamespace:
        return types.SimpleNamespace(run=lambda quick: ran.append(name.rsplit(".", 1)[-1]) or [])

    monkeypatch.setattr(bench_main.importlib, "import_module", fake_import)
    for only, expected in (
        (["bench_client"], ["bench_client"]),
        (["bench_client_async"], ["bench_client_async"]),
        (["client"], ["bench_client", "bench_client_async"]),
        (["bench_client", "batch"], ["bench_batch", "bench_client"]),
    ):
        ran.clear()
        bench_main.run_all(True, only)
        assert ran == expected, only
