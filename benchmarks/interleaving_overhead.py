"""Interleaving overhead: what ``latency_sla.compare`` adds to each timed call, against two
single measurements of the same calls.

Both sample no-op calls, 3,000 of each side, so every nanosecond measured is the harness. Two
figures: the p50s the plugin reports in a pytest run (what the harness adds inside each timed
interval: the clock read), and the CPU time the sampling loops spend per timed call, in this
process, single and interleaved runs alternating (what the loop costs around the calls: the
random order, the two buffers, the looks; CPU time, so that other processes taking the CPU do
not count).

    python benchmarks/interleaving_overhead.py [--repeats N] [--quick]
"""

from __future__ import annotations

import time

from _common import Repeats, Row, latency_json, main, median, run_pytest, scratch

from pytest_latency_sla.engine.compare import compare
from pytest_latency_sla.engine.sampler import MEASURE_SAMPLES, sample
from pytest_latency_sla.engine.target import Pair, Target

REPEATS = Repeats(full=7, quick=3)

TEST = """
def candidate():
    pass

def baseline():
    pass

def test_two_single_measurements(latency_sla):
    latency_sla.measure(candidate)
    latency_sla.measure(baseline)

def test_interleaved(latency_sla):
    latency_sla.compare(candidate, baseline)
"""


def _noop() -> None:
    pass


def _noop_too() -> None:
    pass


def _cpu_ns_per_call(repeats: int) -> tuple[list[float], list[float]]:
    """CPU ns per timed call: of two single runs of 3,000 calls, and of a comparison of 3,000
    pairs, alternating, ``repeats`` times each."""
    single, pair = Target(_noop), Pair(Target(_noop), Target(_noop_too))
    singles, pairs = [], []
    for _ in range(repeats):
        t0 = time.process_time_ns()
        for _ in range(2):
            sample(single, [], confidence=0.95, max_time=10.0, warmup=0)
        t1 = time.process_time_ns()
        compare(pair, [], [], confidence=0.95, max_time=10.0, warmup=0)
        t2 = time.process_time_ns()
        singles.append((t1 - t0) / (2 * MEASURE_SAMPLES))
        pairs.append((t2 - t1) / (2 * MEASURE_SAMPLES))
    return singles, pairs


def _p50s(path_repeats: int) -> tuple[list[float], list[float]]:
    """The p50s (ns, both sides summed) that pytest runs report for two single measurements and
    for the comparison of the same no-op calls."""
    path = scratch({"test_interleaving.py": TEST})
    singles, pairs = [], []
    for _ in range(path_repeats):
        run_pytest(path, "--latency-json=out.json", check=True)
        results = {r["nodeid"].split("::")[-1]: r for r in latency_json(path)["results"]}
        one = results["test_two_single_measurements"]
        two = results["test_two_single_measurements#2"]
        both = results["test_interleaved"]
        singles.append((one["quantiles_s"]["50"] + two["quantiles_s"]["50"]) * 1e9)
        pairs.append(
            (both["candidate"]["quantiles_s"]["50"] + both["baseline"]["quantiles_s"]["50"]) * 1e9
        )
    return singles, pairs


def run(repeats: int, quick: bool) -> list[Row]:
    rows = []
    for what, (singles, pairs) in (
        ("p50 of a no-op candidate + baseline", _p50s(repeats)),
        ("CPU time per timed no-op call", _cpu_ns_per_call(10 * repeats)),
    ):
        ratio = median([p / s for s, p in zip(singles, pairs, strict=True)])
        rows.append(
            Row(
                f"interleaving overhead: {what}",
                f"two single measurements {median(singles):.0f} ns",
                f"compare {median(pairs):.0f} ns",
                ratio,
                "<= 1.2x",
                ratio <= 1.2,
            )
        )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
