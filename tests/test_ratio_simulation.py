"""The relative gate's error rates, shown by seeded simulation (no real timing) through
``RatioLooks``, the code that judges real comparisons, looks included.

A candidate distributed as ``c`` x its baseline is compared with it under the gate
``candidate p <= 0.8 x baseline p``, 2,000 gates per case, on three distributions with exactly
known quantiles. The claim is true for ``c <= 0.8``: a confident fail is wrong there; it is
false for ``c > 0.8``: a confident pass is wrong there. ``benchmarks/ratio_simulation.py``
prints the same cases (same seeds) with the pairs each took to a verdict.
"""

from __future__ import annotations

import numpy as np
import pytest

from pytest_latency_sla.stats.looks import FAIL, PASS
from pytest_latency_sla.stats.simulation import (
    ALPHA,
    DISTRIBUTIONS,
    GATES,
    RatioRuns,
    ratio_pair_cap,
    simulate_ratio,
)
from pytest_latency_sla.stats.two_sample import RatioGate

RATIO = 0.8
NAMES = ["lognormal", "slow path 2%", "pareto 1.5"]
P50_CAP = ratio_pair_cap(0.5, 9)  # 6,144 pairs: 512 x the first p50 pass look
P99_CAP = ratio_pair_cap(0.99, 3)  # 5,888 pairs: 8 x the first p99 pass look (736)


def run(name: str, c: float, q: float, cap: int, seed: int) -> RatioRuns:
    return simulate_ratio(
        DISTRIBUTIONS[name], c * RATIO, RatioGate(q, RATIO), seed=seed, max_pairs=cap
    )


def rate(found: RatioRuns, verdict: int) -> float:
    return float(np.mean(found.verdicts == verdict))


@pytest.mark.parametrize("name", NAMES)
def test_at_the_allowed_ratio_a_wrong_fail_is_rarer_than_alpha(name: str) -> None:
    found = run(name, 1.0, 0.5, P50_CAP, seed=21)
    assert len(found.verdicts) == GATES
    assert rate(found, FAIL) <= ALPHA


@pytest.mark.parametrize("name", NAMES)
def test_ten_percent_slower_than_allowed_rarely_passes(name: str) -> None:
    found = run(name, 1.1, 0.5, P50_CAP, seed=22)
    assert rate(found, PASS) <= 0.01
    assert rate(found, FAIL) >= 0.9  # and the gate does find it


@pytest.mark.parametrize("name", NAMES)
def test_ten_percent_faster_than_allowed_rarely_fails(name: str) -> None:
    found = run(name, 0.9, 0.5, P50_CAP, seed=23)
    assert rate(found, FAIL) <= 0.01
    assert rate(found, PASS) >= 0.9


@pytest.mark.parametrize("name", NAMES)
def test_p99_at_the_allowed_ratio_a_wrong_fail_is_rarer_than_alpha(name: str) -> None:
    found = run(name, 1.0, 0.99, P99_CAP, seed=24)
    assert rate(found, FAIL) <= ALPHA


def test_a_clear_difference_is_decided_at_the_first_looks() -> None:
    # twice as slow: every gate fails confidently at the first fail look (10 pairs) or soon
    found = run("slow path 2%", 2.5, 0.5, P50_CAP, seed=25)
    assert rate(found, FAIL) == 1.0 and np.median(found.at_n) <= 20


def test_the_same_seed_gives_the_same_verdicts() -> None:
    a = run("lognormal", 1.05, 0.5, 768, seed=26)
    b = run("lognormal", 1.05, 0.5, 768, seed=26)
    assert np.array_equal(a.verdicts, b.verdicts) and np.array_equal(a.at_n, b.at_n)
