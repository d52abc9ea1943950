"""Fast fail: a 5 ms call against a 1 ms p99 budget. How many timed calls until the confident
fail, and the wall time of the test (warm-up included).

    python benchmarks/fast_fail.py [--repeats N] [--quick]
"""

from __future__ import annotations

from _common import Repeats, Row, latency_json, main, median, run_pytest, scratch

REPEATS = Repeats(full=3, quick=2)

TEST = """
import time
import pytest

def five_ms():
    end = time.perf_counter() + 0.005
    while time.perf_counter() < end:
        pass

@pytest.mark.latency_sla(ms=1)
def test_slow(latency_sla):
    latency_sla(five_ms)
"""


def run(repeats: int, quick: bool) -> list[Row]:
    path = scratch({"test_slow.py": TEST})
    ns, warmups, durations, confident = [], [], [], []
    for _ in range(repeats):
        run_pytest(path, "--latency-json=out.json")
        (record,) = latency_json(path)["results"]
        ns.append(record["n"])
        warmups.append(record["warmup"])
        durations.append(record["duration_s"])
        confident.append(record["thresholds"][0]["confident"] and record["outcome"] == "failed")
    n = median(ns)
    return [
        Row(
            "fast fail: 5 ms call, 1 ms budget",
            "-",
            f"confident fail after {n:.0f} timed calls ({median(durations) * 1e3:.0f} ms), "
            f"after {median(warmups):.0f} warm-up calls",
            None,
            "verdict within 20 calls",
            n <= 20 and all(confident),
        )
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
