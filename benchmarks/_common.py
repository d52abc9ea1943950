"""What every benchmark script shares: its shape, the command line, the table, and helpers
(medians, pytest runs in a scratch directory).

Every script in ``benchmarks/`` has the same shape, which ``run_all.py`` relies on:

    REPEATS = Repeats(full=5, quick=3)

    def run(repeats: int, quick: bool) -> list[Row]:
        ...  # measure; each row compares against a baseline measured in the same run

    if __name__ == "__main__":
        main(run, REPEATS, __doc__)

``quick`` may also shorten what one repeat does (a shorter ``max_time``, fewer rates): it is for
checking that the scripts work, never for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "funnel.onnx"
# Inner pytest runs: fixed order, no cache, and no plugin that would import numpy on its own.
QUIET_PLUGINS = ["-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
INI = "[pytest]\naddopts = -q\n"
LAST_CPU = [0.0]


@dataclass(frozen=True)
class Repeats:
    """How many times a script repeats its measurement in a full run and with ``--quick``."""

    full: int
    quick: int

    def count(self, quick: bool) -> int:
        return self.quick if quick else self.full


@dataclass
class Row:
    """One line of the table: what was measured, the baseline it is compared against (measured
    in the same run, or the known truth), the figure, their ratio, the target and whether it was
    met (``None``: no verdict)."""

    what: str
    baseline: str
    measured: str
    ratio: float | None
    target: str
    met: bool | None

    def cells(self) -> list[str]:
        ratio = "-" if self.ratio is None else f"{self.ratio:.3g}"
        met = {True: "yes", False: "NO", None: "-"}[self.met]
        return [self.what, self.baseline, self.measured, ratio, self.target, met]


def median(values: list[float]) -> float:
    return statistics.median(values)


def scratch(files: dict[str, str]) -> Path:
    """A fresh directory holding ``files`` and a pytest.ini of its own."""
    path = Path(tempfile.mkdtemp(prefix="latency-bench-"))
    (path / "pytest.ini").write_text(INI)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def run_pytest(
    path: Path, *args: str, check: bool = False, env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time (s) of a whole ``python -m pytest`` run in ``path`` (in ``env``, this process's
    environment by default); its CPU time (user + system, less disturbed by other processes on
    a shared machine) is in ``LAST_CPU[0]``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ if env is None else env)
    # Bytecode is cached as an installed package's would be: compiling every module of the
    # plugin (or of its peer) from source on each run would time the compiler, not the tools.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTEST_ADDOPTS", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *QUIET_PLUGINS, *args],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check and proc.returncode not in (0,):
        raise RuntimeError(f"pytest failed in {path}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, proc


def latency_json(path: Path, name: str = "out.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / name).read_text())
    return data


def print_rows(rows: list[Row]) -> None:
    header = ["what", "baseline (same run)", "measured", "ratio", "target", "met"]
    table = [header, *(r.cells() for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("| " + " | ".join(c.ljust(widths[j]) for j, c in enumerate(row)) + " |")
        if i == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line every script and ``run_all.py`` share: ``--repeats N`` and ``--quick``."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeats",
        metavar="N",
        type=_positive_int,
        help="how many times to repeat each measurement (default: the script's own; "
        "fewer with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repeats and shorter runs: checks that the scripts work, not for figures",
    )
    return parser


def machine_line(elapsed_s: float) -> str:
    """Python, CPU, load: what the figures were measured on, and how long it took."""
    from pytest_latency_sla.engine.environment import cpu_count, cpu_name

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"Python {platform.python_version()}, {cpu_name()}, {cpu_count()} CPUs, "
        f"load average {load:.2f}; {elapsed_s:.0f} s"
    )


def main(run: Callable[[int, bool], list[Row]], repeats: Repeats, doc: str | None) -> None:
    """A script's command line: parse ``--repeats``/``--quick``, run, print the table."""
    args = parser(doc).parse_args()
    started = time.perf_counter()
    rows = run(args.repeats or repeats.count(args.quick), args.quick)
    print(machine_line(time.perf_counter() - started))
    print_rows(rows)
