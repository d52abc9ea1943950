"""Fixed cost: what a measurement costs besides its timed calls, at user heaps of 0, 100k and
1M objects; and a 300-test suite of cheap measured calls (a third ``measure``, a third
marker-only ``ms=50``, a third fixture ``ms=50, max_time=0.2``) with the plugin measuring
against ``--latency-mode=off``, with and without a 1M-object heap. Runs are interleaved;
medians over repeats.

The fixed cost of one measurement is read inside the test: the wall time of the
``latency_sla(...)`` call minus its sampling time (``duration_s``) and its warm-up calls.

    python benchmarks/fixed_cost.py [--repeats N] [--quick]
"""

from __future__ import annotations

import re

from _common import Repeats, Row, main, median, run_pytest, scratch

REPEATS = Repeats(full=5, quick=2)
HEAPS = (0, 100_000, 1_000_000)
TARGET_MS = 3.0
SUITE_TARGET = 2.5

HEAP_CONFTEST = """
import os
# the user's heap: small container objects the garbage collector tracks
HEAP = [[] for _ in range(int(os.environ.get("BENCH_HEAP", "0")))]
"""
FIXED_TESTS = """
import time, pytest

def cheap():
    return sum(range(10))

@pytest.mark.parametrize("i", range(21))
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_fixed(latency_sla, i):
    t0 = time.perf_counter()
    r = latency_sla(cheap)
    total = time.perf_counter() - t0
    if i:  # the first measurement also imports the measuring modules
        print(f"FIXED {total - r.duration_s - r.warmup * r.p50:.9f}")
"""
SUITE_TESTS = """
import pytest

def cheap():
    return sum(range(10))

@pytest.mark.parametrize("i", range(100))
def test_measure(latency_sla, i):
    latency_sla.measure(cheap)

@pytest.mark.parametrize("i", range(100))
@pytest.mark.latency_sla(ms=50)
def test_marker_only(i):
    cheap()

@pytest.mark.parametrize("i", range(100))
@pytest.mark.latency_sla(ms=50, max_time=0.2)
def test_fixture(latency_sla, i):
    latency_sla(cheap)
"""


def _env(heap: int) -> dict[str, str]:
    import os

    return dict(os.environ, BENCH_HEAP=str(heap))


def _fixed_ms(heap: int) -> float:
    path = scratch({"conftest.py": HEAP_CONFTEST, "test_fixed.py": FIXED_TESTS})
    _, proc = run_pytest(path, "-s", "-p", "no:xdist", check=True, env=_env(heap))
    found = [float(x) for x in re.findall(r"FIXED ([0-9.e-]+)", proc.stdout)]
    return median(found) * 1e3


def run(repeats: int, quick: bool) -> list[Row]:
    fixed: dict[int, list[float]] = {heap: [] for heap in HEAPS}
    for _ in range(repeats):
        for heap in HEAPS:
            fixed[heap].append(_fixed_ms(heap))
    base = median(fixed[0])
    rows = []
    for heap in HEAPS:
        ms = median(fixed[heap])
        rows.append(
            Row(
                f"fixed cost of a measurement, heap of {heap:,} objects",
                f"heap of 0: {base:.2f} ms",
                f"{ms:.2f} ms",
                ms / base,
                f"<= {TARGET_MS:g} ms",
                ms <= TARGET_MS,
            )
        )
    path = scratch({"conftest.py": HEAP_CONFTEST, "test_suite.py": SUITE_TESTS})
    ratios: dict[int, list[float]] = {0: [], 1_000_000: []}
    walls: dict[tuple[int, str], list[float]] = {}
    for _ in range(repeats):
        for heap in ratios:
            times = {}
            for mode in ("enforce", "off"):
                times[mode], _ = run_pytest(
                    path, "-p", "no:xdist", f"--latency-mode={mode}", "-W", "ignore",
                    check=True, env=_env(heap),
                )  # fmt: skip
                walls.setdefault((heap, mode), []).append(times[mode])
            ratios[heap].append(times["enforce"] / times["off"])
    for heap in ratios:
        ratio = median(ratios[heap])
        off, on = median(walls[(heap, "off")]), median(walls[(heap, "enforce")])
        rows.append(
            Row(
                f"300 cheap measured tests, heap of {heap:,} objects: measuring / off",
                f"--latency-mode=off {off:.2f} s",
                f"{on:.2f} s",
                ratio,
                f"<= {SUITE_TARGET:g}x",
                ratio <= SUITE_TARGET,
            )
        )
    no_heap, big_heap = median(ratios[0]), median(ratios[1_000_000])
    rows.append(
        Row(
            "300 cheap measured tests: the ratio with a 1M-object heap",
            f"without a heap {no_heap:.2f}x",
            f"{big_heap:.2f}x",
            big_heap / no_heap,
            "within 20%",
            abs(big_heap / no_heap - 1) <= 0.2,
        )
    )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
