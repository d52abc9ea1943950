"""Harness overhead: the p50 the plugin reports for a call that does nothing, against the cost
of two back-to-back ``perf_counter_ns()`` reads measured by the same process in the same run.

    python benchmarks/harness_overhead.py [--repeats N] [--quick]
"""

from __future__ import annotations

from _common import Repeats, Row, latency_json, main, median, run_pytest, scratch

REPEATS = Repeats(full=5, quick=3)

TEST = """
import pytest

def noop():
    pass

def test_noop(latency_sla):
    latency_sla.measure(noop)
"""


def run(repeats: int, quick: bool) -> list[Row]:
    path = scratch({"test_noop.py": TEST})
    p50s, overheads, ratios = [], [], []
    for _ in range(repeats):
        run_pytest(path, "--latency-json=out.json", check=True)
        report = latency_json(path)
        p50 = report["results"][0]["quantiles_s"]["50"] * 1e9
        overhead = report["environment"]["timer_overhead_ns"]
        p50s.append(p50)
        overheads.append(overhead)
        ratios.append(p50 / overhead)
    return [
        Row(
            "harness overhead: p50 of a no-op call",
            f"2 perf_counter_ns reads {median(overheads):.0f} ns",
            f"{median(p50s):.0f} ns",
            median(ratios),
            "<= 2x",
            median(ratios) <= 2,
        )
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
