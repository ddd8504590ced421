"""Run every ``benchmarks/bench_*.py``, print the table and write benchmarks/RESULTS.md.

Each module exposes ``run(quick: bool) -> list[Metric]``. ``--quick`` runs the small smoke sizes
(what the test suite runs) and does not overwrite RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from ._harness import Metric, format_table

HERE = Path(__file__).parent


def modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def selected(names: list[str], only: list[str] | None) -> list[str]:
    """The modules of *names* to run: all without *only*; else each one a term of *only* names
    exactly, or contains when that term is no module's whole name (``bench_client`` runs that
    module alone, not ``bench_client_async`` too; ``client`` runs both)."""
    if not only:
        return names
    return [name for name in names if any(o == name or (o in name and o not in names) for o in only)]


def run_all(quick: bool, only: list[str] | None = None) -> list[Metric]:
    metrics: list[Metric] = []
    for name in selected(modules(), only):
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        metrics.extend(module.run(quick=quick))
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke sizes; do not write RESULTS.md")
    parser.add_argument(
        "only",
        nargs="*",
        help="run only these modules (a whole name, e.g. bench_client, runs that one; a part, e.g. client, "
        "every module containing it)",
    )
    args = parser.parse_args(argv)
    metrics = run_all(args.quick, args.only)
    table = format_table(metrics)
    print(table)
    if not args.quick and not args.only:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (HERE / "RESULTS.md").write_text(
            "# Benchmark results\n\n"
            f"Last full run: {stamp}, Python {platform.python_version()}, {platform.machine()}, "
            "written by `nox -s bench`. Each ratio compares against a baseline measured in the same run.\n\n"
            + table
            + "\n"
        )
    return 0 if all(m.passed for m in metrics) else 1


if __name__ == "__main__":
    raise SystemExit(main())
