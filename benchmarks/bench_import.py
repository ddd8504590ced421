"""Import-time benchmark: ``import pyannoteai_identify`` against ``import httpx`` alone (target ≤ 2×).

Each import runs in a fresh interpreter (``python -c``), timed with ``time.perf_counter`` around
the import statement only, so interpreter start-up is left out of both sides. The two are run
alternately and the best of N is kept, which filters out the noise of a shared machine; a first
untimed run of each writes the bytecode caches.

Two rows, both with the target ≤ 2:

* **this environment**: both imports as they are. When ``click``, ``rich`` and ``pygments`` are
  installed (the ``cli`` extra and the test tools bring them), ``import httpx`` also imports its
  command-line tool with them, which makes httpx itself slow;
* **lean**: the same with those three hidden (``sys.modules[name] = None``, so importing them
  fails as if they were not installed), as in a service that installed ``pyannoteai-identify``
  alone. httpx is then fast, and the ratio shows what this package adds on its own.

``python -m benchmarks.bench_import --why`` lists the modules ``pyannoteai_identify`` imports on
top of ``httpx`` (lean), the slowest first, from ``python -X importtime``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ._harness import Metric, ratio_metric

TARGET = 2.0
FULL_REPEAT = 15
QUICK_REPEAT = 1
#: httpx imports its CLI only when these are importable.
HTTPX_CLI_DEPENDENCIES = ("click", "rich", "pygments")
_HIDE = "import sys\nfor _name in {names!r}:\n    sys.modules[_name] = None\n"
_TIMED = "import time\n_t = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - _t)\n"
#: A child interpreter that has not printed after this long is stuck.
CHILD_TIMEOUT = 120.0


def _env() -> dict[str, str]:
    """The children's environment: no import profiling, and bytecode caches written (an environment
    with ``PYTHONDONTWRITEBYTECODE`` set, as CI's may be, would have every timed run compile this
    package's source, while httpx, installed by pip, loads its compiled bytecode)."""
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def import_seconds(module: str, *, lean: bool) -> float:
    """Seconds ``import module`` takes in a fresh interpreter (start-up excluded)."""
    code = (_HIDE.format(names=HTTPX_CLI_DEPENDENCIES) if lean else "") + _TIMED.format(module=module)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=CHILD_TIMEOUT, env=_env()
    )
    return float(done.stdout.strip().splitlines()[-1])


def best_pair(repeat: int, *, lean: bool, warm_up: bool = True) -> tuple[float, float]:
    """The best import time of pyannoteai_identify and of httpx over *repeat* alternating runs."""
    if warm_up:
        import_seconds("httpx", lean=lean)
        import_seconds("pyannoteai_identify", lean=lean)
    ours, theirs = float("inf"), float("inf")
    for _ in range(repeat):
        theirs = min(theirs, import_seconds("httpx", lean=lean))
        ours = min(ours, import_seconds("pyannoteai_identify", lean=lean))
    return ours, theirs


def run(quick: bool) -> list[Metric]:
    """Both rows, best of 15 after a warm-up run (quick: one run each, no warm-up)."""
    repeat = QUICK_REPEAT if quick else FULL_REPEAT
    metrics = []
    for lean, label in ((False, "this environment"), (True, "lean: httpx without its CLI extras")):
        ours, theirs = best_pair(repeat, lean=lean, warm_up=not quick)
        metrics.append(ratio_metric(f"import pyannoteai_identify vs import httpx ({label})", ours, theirs, TARGET))
    return metrics


def why(limit: int = 25) -> list[tuple[int, str]]:
    """What ``import pyannoteai_identify`` adds to a lean ``import httpx``: (cumulative µs, module), slowest first."""
    code = _HIDE.format(names=HTTPX_CLI_DEPENDENCIES) + "import httpx\nimport pyannoteai_identify\n"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=CHILD_TIMEOUT,
        env=_env(),
    )
    rows: list[tuple[int, str]] = []
    after_httpx = False
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if after_httpx:
            rows.append((int(parts[1]), name))
        elif name.strip() == "httpx":
            after_httpx = True
    return sorted(rows, reverse=True)[:limit]


if __name__ == "__main__":
    if "--why" in sys.argv:
        for micros, name in why():
            print(f"{micros / 1000:8.1f} ms {name}")
    else:
        for metric in run(quick="--quick" in sys.argv):
            print(
                f"{metric.name}: {metric.value * 1000:.1f} ms vs {metric.baseline * 1000:.1f} ms = {metric.ratio:.2f}"
            )
