"""Run every benchmark and print one table (Markdown). Numbers are medians over repeats in
one run of this script; each ratio compares against a baseline measured in the same run.

    python benchmarks/run_all.py [--quick]      # needs pytest-benchmark (pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse
import platform
import time

import accuracy
import fast_fail
import harness_overhead
import import_cost
import tail_fidelity
import time_to_verdict
from _common import Row, print_rows

from pytest_latency_sla.engine.environment import cpu_name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    quick = parser.parse_args().quick
    rows: list[Row] = []
    started = time.perf_counter()
    for script in (
        harness_overhead,
        accuracy,
        tail_fidelity,
        time_to_verdict,
        fast_fail,
        import_cost,
    ):
        rows += script.run(script.REPEATS.count(quick), quick)
    print(
        f"Python {platform.python_version()}, {cpu_name()}, {time.perf_counter() - started:.0f} s"
    )
    print_rows(rows)


if __name__ == "__main__":
    main()
