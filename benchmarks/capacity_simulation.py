"""The capacity search on a machine that does not drift: seeded searches through the search's own
code (``engine.capacity.search``, its batch-means bounds and the load engine's overload rule) on
a simulated M/M/1 queue with the funnel's service rate (7.4 us calls, 135,000/s back to back), a
p99 budget of 50 ms, 3 s probes and a 30 s budget, as ``capacity_vs_loadgen.py`` runs the real
funnel. The queue's capacity at the budget is known exactly, so each search's ``holds_at`` and
``misses_at`` are compared with the truth rather than with a measured limit; the closed-loop
start is measured ~10% off (``start_error``), as on a busy machine. No real timing: the figures
are the same on any machine, and show what the search does where the machine's speed stands
still, against the same targets as the real benchmark.

    python benchmarks/capacity_simulation.py [--repeats N] [--quick]
"""

from __future__ import annotations

import numpy as np
from _common import Repeats, Row, main

from pytest_latency_sla.engine.bracket import BRACKET
from pytest_latency_sla.engine.capacity import CapacityPlan
from pytest_latency_sla.engine.load.simulated import MM1, simulated_search
from pytest_latency_sla.plan import Threshold

REPEATS = Repeats(full=250, quick=40)  # seeded searches
SERVICE_NS = 7_400  # the funnel's mean service time on the 2-core VM (134,689/s back to back)
BUDGET = Threshold(99.0, 0.050, "50 ms")
LEAST_SHARE = 0.70
CONFIDENCE = 0.95


def run(repeats: int, quick: bool) -> list[Row]:
    searches = repeats  # one seeded search per repeat
    model = MM1(SERVICE_NS)
    capacity = model.capacity(0.99, BUDGET.budget_ns)
    holds, brackets, contained, wrong = [], [], 0, 0
    for seed in range(searches):
        found = simulated_search(
            model, [BUDGET], CapacityPlan(capacity_time=30.0), confidence=CONFIDENCE,
            max_time=3.0, seed=seed, start_error=0.1,
        )  # fmt: skip
        held, missed = found.holds_at, found.misses_at
        wrong += (held is not None and held > capacity) or (
            missed is not None and missed < capacity
        )
        contained += held is not None and missed is not None and held <= capacity <= missed
        holds.append((held or 0.0) / capacity)
        if held and missed:
            brackets.append(missed / held)
    share = float(np.median(holds))
    bracket = float(np.median(brackets)) if brackets else float("inf")
    narrow = sum(b <= BRACKET for b in brackets)
    return [
        Row(
            f"simulated funnel (M/M/1, {SERVICE_NS / 1000:g} us calls): holds_at, median of "
            f"{searches} searches",
            f"true capacity {capacity:,.0f}/s",
            f"{share * capacity:,.0f}/s",
            share,
            f"{LEAST_SHARE:.0%} to 100% of it",
            LEAST_SHARE <= share <= 1.0,
        ),
        Row(
            "simulated funnel: misses_at / holds_at, median",
            f"{len(brackets)} searches with both ends",
            f"{narrow} of them within {BRACKET:.2f}",
            bracket,
            f"<= {BRACKET:.2f}",
            bracket <= BRACKET,
        ),
        Row(
            "simulated funnel: the bracket contains the true capacity",
            f"{searches} searches",
            f"{contained} contain it; {wrong} made a wrong claim",
            contained / searches,
            ">= 95%; wrong claims <= 5%",
            contained >= 0.95 * searches and wrong <= (1 - CONFIDENCE) * searches,
        ),
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
