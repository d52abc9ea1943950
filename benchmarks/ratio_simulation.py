"""The relative gate's error rates by simulation: the simulation the tests assert on
(``pytest_latency_sla.stats.simulation.simulate_ratio``, through ``RatioLooks``), 2,000 seeded
gates per row, the gate ``candidate p <= 0.8 x baseline p`` at 95% confidence, a candidate
distributed as ``c`` x its baseline. Each row compares the rate of wrong confident verdicts with
what ``tests/test_ratio_simulation.py`` asserts, and gives the median pairs to a verdict (the
cap, for a gate still undecided there). p50 rows stop at 6,144 pairs, as in the tests; p99 rows
at 47,104 (5,888 with ``--quick``, as in the tests, which check p99 at c = r only).

With ``--repeats N`` each row pools N batches of 2,000 gates (seeds s, s + 1000, ...); one
batch (the default) is, for p50, the table the tests assert on, bit for bit.

    python benchmarks/ratio_simulation.py [--repeats N] [--quick]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from _common import Repeats, Row, main

from pytest_latency_sla.stats.looks import FAIL, PASS, UNDECIDED
from pytest_latency_sla.stats.simulation import (
    ALPHA,
    DISTRIBUTIONS,
    ratio_pair_cap,
    simulate_ratio,
)
from pytest_latency_sla.stats.two_sample import RatioGate

REPEATS = Repeats(full=1, quick=1)
RATIO = 0.8
NAMES = ["lognormal", "slow path 2%", "pareto 1.5"]


@dataclass(frozen=True)
class Case:
    c: float  # the candidate is c x RATIO x its baseline, in distribution
    seed: int  # the seed tests/test_ratio_simulation.py uses for the same case
    wrong: int  # the verdict that would be wrong: FAIL where the claim holds, PASS where not
    limit: float  # the most that tests/test_ratio_simulation.py allows of it


CASES = [Case(0.9, 23, FAIL, 0.01), Case(1.0, 21, FAIL, ALPHA), Case(1.1, 22, PASS, 0.01)]


def row(name: str, q: float, cap: int, case: Case, repeats: int) -> Row:
    gate = RatioGate(q, RATIO)
    batches = [
        simulate_ratio(
            DISTRIBUTIONS[name], case.c * RATIO, gate, seed=case.seed + 1000 * k, max_pairs=cap
        )
        for k in range(repeats)
    ]
    verdicts = np.concatenate([b.verdicts for b in batches])
    at_n = np.concatenate([b.at_n for b in batches])
    fail, passed = float(np.mean(verdicts == FAIL)), float(np.mean(verdicts == PASS))
    wrong = fail if case.wrong == FAIL else passed
    pairs = float(np.median(np.where(verdicts != UNDECIDED, at_n, cap)))
    side = "fails" if case.wrong == FAIL else "passes"
    return Row(
        f"ratio simulation: {name}, p{q * 100:g}, c = {'' if case.c == 1 else f'{case.c:g}'}r",
        f"at most {case.limit:.0%} wrong {side} ({len(verdicts):,} gates)",
        f"fail {fail:.2%}, pass {passed:.2%}, median pairs to a verdict {pairs:,.0f} (cap {cap:,})",
        wrong / case.limit,
        f"wrong {side} <= {case.limit:.0%}",
        wrong <= case.limit,
    )


def run(repeats: int, quick: bool) -> list[Row]:
    """Nine p50 rows and nine p99 rows; ``quick`` stops the p99 gates at 5,888 pairs."""
    p99_cap = ratio_pair_cap(0.99, 3 if quick else 6)
    return [
        row(name, q, cap, case, repeats)
        for q, cap in ((0.5, ratio_pair_cap(0.5, 9)), (0.99, p99_cap))
        for name in NAMES
        for case in CASES
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
