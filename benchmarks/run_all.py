"""Run every benchmark script and print one table (Markdown). Numbers are medians over repeats
in one run of this script; each ratio compares against a baseline measured in the same run
(or against a known truth: a true percentile, the alpha a simulated gate promises).

Every ``*.py`` here but this one and ``_common.py`` is a script with the shape ``_common``
describes; they run in ``ORDER``, then any other in name order, so none is left out.

    python benchmarks/run_all.py [--quick] [--repeats N] [SCRIPT ...]
    # needs pytest-benchmark, MLPerf LoadGen, onnxruntime and Playwright (with Debian's
    # chromium for html_load): pip install -e '.[bench]'
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

from _common import Row, machine_line, parser, print_rows

HERE = Path(__file__).resolve().parent
ORDER = [
    "harness_overhead",
    "interleaving_overhead",
    "accuracy",
    "tail_fidelity",
    "time_to_verdict",
    "fast_fail",
    "import_cost",
    "gate_simulation",
    "ratio_simulation",
    "isolation_agreement",
    "open_loop_accuracy",
    "capacity_vs_loadgen",
    "capacity_simulation",
    "memory_bound",
    "html_load",
]


def script_names() -> list[str]:
    """Every benchmark script in this directory: ``ORDER`` first, then the rest by name."""
    found = {p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_")} - {"run_all"}
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def main() -> None:
    names = script_names()
    args_parser = parser(__doc__)
    args_parser.add_argument(
        "scripts",
        nargs="*",
        metavar="SCRIPT",
        help=f"only these (default: all: {', '.join(names)})",
    )
    args = args_parser.parse_args()
    unknown = sorted(set(args.scripts) - set(names))
    if unknown:
        args_parser.error(f"no such script: {', '.join(unknown)} (there are {', '.join(names)})")
    rows: list[Row] = []
    started = time.perf_counter()
    for name in args.scripts or names:
        script: ModuleType = importlib.import_module(name)
        repeats = args.repeats or script.REPEATS.count(args.quick)
        began = time.perf_counter()
        rows += script.run(repeats, args.quick)
        # progress on stderr, so stdout holds only the table
        took = time.perf_counter() - began
        print(f"{name}: {repeats} x, {took:.0f} s", file=sys.stderr)
    print(machine_line(time.perf_counter() - started))
    print_rows(rows)


if __name__ == "__main__":
    main()
