"""Interleaving overhead: what ``latency_sla.compare`` adds to each timed call, against two
single measurements of the same calls (``latency_sla.measure`` of each) in the same session.

Both sample no-op calls, 3,000 of each side, so every nanosecond measured is the harness. Two
figures per repeat: the p50s the plugin reports (what the harness adds inside each timed
interval: the clock read), and the wall time per timed call (what the loop costs around them:
the random order, the two buffers, the looks).

    python benchmarks/interleaving_overhead.py [--repeats N] [--quick]
"""

from __future__ import annotations

from _common import Repeats, Row, latency_json, main, median, run_pytest, scratch

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


def run(repeats: int, quick: bool) -> list[Row]:
    path = scratch({"test_interleaving.py": TEST})
    p50_ratios, wall_ratios, singles, pairs, singles_wall, pairs_wall = [], [], [], [], [], []
    for _ in range(repeats):
        run_pytest(path, "--latency-json=out.json", check=True)
        results = {r["nodeid"].split("::")[-1]: r for r in latency_json(path)["results"]}
        one, two = (
            results["test_two_single_measurements"],
            results["test_two_single_measurements#2"],
        )
        both = results["test_interleaved"]
        single_p50 = (one["quantiles_s"]["50"] + two["quantiles_s"]["50"]) * 1e9
        pair_p50 = (
            both["candidate"]["quantiles_s"]["50"] + both["baseline"]["quantiles_s"]["50"]
        ) * 1e9
        single_wall = (one["duration_s"] / one["n"] + two["duration_s"] / two["n"]) * 1e9
        pair_wall = both["duration_s"] / both["n"] * 1e9
        singles.append(single_p50)
        pairs.append(pair_p50)
        singles_wall.append(single_wall)
        pairs_wall.append(pair_wall)
        p50_ratios.append(pair_p50 / single_p50)
        wall_ratios.append(pair_wall / single_wall)
    return [
        Row(
            "interleaving overhead: p50 of a no-op candidate + baseline",
            f"two single measurements {median(singles):.0f} ns",
            f"compare {median(pairs):.0f} ns",
            median(p50_ratios),
            "<= 1.2x",
            median(p50_ratios) <= 1.2,
        ),
        Row(
            "interleaving overhead: wall time per pair of no-op calls",
            f"two single measurements {median(singles_wall):.0f} ns",
            f"compare {median(pairs_wall):.0f} ns",
            median(wall_ratios),
            "<= 1.2x",
            median(wall_ratios) <= 1.2,
        ),
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
