"""The gate's error rates by simulation: the simulation the tests assert on
(``pytest_latency_sla.stats.simulation``), 2,000 seeded gates per row, a p99 budget at 95%
confidence, at most 9,568 samples a gate. Each row puts the budget at a known true percentile
of a distribution and compares the rate of wrong confident verdicts with alpha (5%), the rate
the bounds promise not to exceed; the target is what ``tests/test_simulation.py`` asserts.

With ``--repeats N`` each row pools N batches of 2,000 gates (seeds s, s + 1000, ...); one
batch (the default, also with ``--quick``) is the table the tests assert on, bit for bit.

    python benchmarks/gate_simulation.py [--repeats N] [--quick]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from _common import Repeats, Row, main

from pytest_latency_sla.stats.looks import FAIL, PASS, UNDECIDED
from pytest_latency_sla.stats.simulation import (
    ALPHA,
    DISTRIBUTIONS,
    GATES,
    N_MAX,
    N_MIN_P99,
    Distribution,
    simulate,
)

REPEATS = Repeats(full=1, quick=1)


@dataclass(frozen=True)
class Rates:
    """What a row's gates came to, as shares of all gates."""

    fail: float
    passed: float
    undecided: float
    fast_pass: float  # a confident pass by 2 x n_min samples
    median_stop: float  # samples at the stop (N_MAX for a gate still undecided there)


@dataclass(frozen=True)
class Case:
    label: str
    true_percentile: float  # the budget is this true percentile of the distribution ...
    factor: float  # ... times this
    seed: int  # the seed tests/test_simulation.py uses for the same case
    wrong: int  # the verdict that would be wrong here: FAIL or PASS
    target: str
    met: Callable[[Rates], bool]  # what tests/test_simulation.py asserts


CASES = [
    Case(
        "true p99.5 (inside)", 0.995, 1.0, 1, FAIL, "fail <= 1%, pass >= 95%",
        lambda r: r.fail <= 0.01 and r.passed >= 0.95,
    ),
    Case(
        "true p98 (missed)", 0.98, 1.0, 2, PASS, "pass <= 1%, fail >= 95%",
        lambda r: r.passed <= 0.01 and r.fail >= 0.95,
    ),
    Case(
        "true p99 (boundary)", 0.99, 1.0, 4, FAIL, "fail <= 5%, undecided >= 90%",
        lambda r: r.fail <= ALPHA and r.undecided >= 0.9,
    ),
    Case(
        "1000x true p99", 0.99, 1000.0, 3, FAIL, "pass by 2 x n_min >= 99%",
        lambda r: r.fast_pass >= 0.99,
    ),
]  # fmt: skip


def rates(dist: Distribution, case: Case, repeats: int) -> Rates:
    """The case on ``dist``, pooled over ``repeats`` batches of ``GATES`` seeded gates."""
    budget = dist.quantile(case.true_percentile) * case.factor
    batches = [simulate(dist, [(0.99, budget)], seed=case.seed + 1000 * k) for k in range(repeats)]
    v = np.concatenate([b.verdicts[:, 0] for b in batches])
    at_n = np.concatenate([b.at_n[:, 0] for b in batches])
    stopped_at = np.concatenate([b.stopped_at for b in batches])
    return Rates(
        fail=float(np.mean(v == FAIL)),
        passed=float(np.mean(v == PASS)),
        undecided=float(np.mean(v == UNDECIDED)),
        fast_pass=float(np.mean((v == PASS) & (at_n <= 2 * N_MIN_P99))),
        median_stop=float(np.median(np.where(stopped_at > 0, stopped_at, N_MAX))),
    )


def run(repeats: int, quick: bool) -> list[Row]:
    """One row per distribution and budget; ``quick`` changes nothing (this takes seconds)."""
    rows = []
    for name, dist in DISTRIBUTIONS.items():
        for case in CASES:
            r = rates(dist, case, repeats)
            wrong, side = (r.fail, "fails") if case.wrong == FAIL else (r.passed, "passes")
            rows.append(
                Row(
                    f"gate simulation: {name}, p99 budget at {case.label}",
                    f"alpha {ALPHA:.0%} wrong {side} ({repeats * GATES:,} gates)",
                    f"fail {r.fail:.2%}, pass {r.passed:.2%}, "
                    f"pass by 2 x n_min {r.fast_pass:.2%}, median n at stop {r.median_stop:,.0f}",
                    wrong / ALPHA,
                    case.target,
                    case.met(r),
                )
            )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
