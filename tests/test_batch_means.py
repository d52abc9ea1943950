"""The load verdict's statistics, proven on simulated queues whose percentiles are known.

An M/M/1 queue's sojourn time (wait + service) is exponential with rate ``mu - lambda``, so its
q-th percentile is ``ln(1 / (1 - q)) / (mu - lambda)``. Runs are simulated with Lindley's
recursion, many runs side by side as numpy columns: seeded, no real timing.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from pytest_latency_sla.stats.batch_means import (
    BlockBounds,
    block_bounds,
    decided_if_longer,
    design_effect,
)

RUNS = 400
CALLS = 20_000


def mm1_sojourn(
    runs: int, calls: int, utilisation: float, seed: int, deterministic: bool = False
) -> npt.NDArray[np.int64]:
    """Sojourn times (in units of 1e-6 mean service time, as int64 "ns") of ``runs`` queues
    that start empty: M/M/1, or M/D/1 with ``deterministic`` service."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / utilisation, size=(calls, runs))
    service = np.ones((calls, runs)) if deterministic else rng.exponential(1.0, (calls, runs))
    wait = np.zeros(runs)
    out = np.empty((calls, runs))
    for i in range(calls):
        out[i] = wait + service[i]
        if i + 1 < calls:
            wait = np.maximum(0.0, wait + service[i] - gaps[i + 1])
    return (out.T * 1e6).astype(np.int64)


def mm1_percentile(q: float, utilisation: float) -> float:
    return math.log(1.0 / (1.0 - q)) / (1.0 - utilisation) * 1e6


def verdicts(samples: npt.NDArray[np.int64], budget: float) -> tuple[float, float]:
    """Shares of runs with a confident pass and with a confident fail of p99 <= budget."""
    results = [block_bounds(run, 0.99, budget, 0.95) for run in samples]
    passes = sum(r.confident and r.verdict == "pass" for r in results)
    fails = sum(r.confident and r.verdict == "fail" for r in results)
    return passes / len(results), fails / len(results)


@pytest.fixture(scope="module")
def mm1_half() -> npt.NDArray[np.int64]:
    return mm1_sojourn(RUNS, CALLS, 0.5, seed=11)


def test_queue_simulation_matches_queueing_theory(mm1_half: npt.NDArray[np.int64]) -> None:
    pooled = mm1_half[:, 2000:].ravel()
    assert np.quantile(pooled, 0.99) == pytest.approx(mm1_percentile(0.99, 0.5), rel=0.03)
    # and its exceedances cluster: far more spread between blocks than independent calls
    assert design_effect(mm1_half[0] > mm1_percentile(0.99, 0.5)) > 3


def test_budget_well_inside_is_almost_never_a_confident_fail(
    mm1_half: npt.NDArray[np.int64],
) -> None:
    passes, fails = verdicts(mm1_half, mm1_percentile(0.995, 0.5))
    assert fails <= 0.01
    assert passes >= 0.5


def test_budget_clearly_missed_is_almost_never_a_confident_pass(
    mm1_half: npt.NDArray[np.int64],
) -> None:
    passes, fails = verdicts(mm1_half, mm1_percentile(0.98, 0.5))
    assert passes <= 0.01
    assert fails >= 0.9


def test_absurd_margin_passes_confidently(mm1_half: npt.NDArray[np.int64]) -> None:
    passes, _ = verdicts(mm1_half, 1000 * mm1_percentile(0.99, 0.5))
    assert passes >= 0.99


def test_binomial_bounds_would_be_wrong_here(mm1_half: npt.NDArray[np.int64]) -> None:
    """Why the design effect: the closed-loop binomial test, which assumes independent calls,
    passes a clearly missed budget (true p98) far more often than its 5%."""
    from pytest_latency_sla.stats.bounds import pass_cutoff

    budget = mm1_percentile(0.98, 0.8)
    runs = mm1_sojourn(300, CALLS, 0.8, seed=5)
    naive = np.mean([np.count_nonzero(r > budget) <= pass_cutoff(CALLS, 0.99, 0.05) for r in runs])
    passes, _ = verdicts(runs, budget)
    assert naive > 0.05
    assert passes <= 0.03


def test_md1_clearly_missed_and_well_inside() -> None:
    runs = mm1_sojourn(300, CALLS, 0.8, seed=7, deterministic=True)
    reference = mm1_sojourn(100, 40_000, 0.8, seed=8, deterministic=True)[:, 2000:].ravel()
    passes, _ = verdicts(runs, float(np.quantile(reference, 0.98)))
    _, fails = verdicts(runs, float(np.quantile(reference, 0.995)))
    assert passes <= 0.01 and fails <= 0.01


def test_short_runs_give_no_bounds_and_decide_by_the_estimate() -> None:
    few = np.arange(1, 1001, dtype=np.int64)  # 1,000 calls: 10 expected over the p99
    result = block_bounds(few, 0.99, 2000, 0.95)
    assert (result.verdict, result.confident, result.lower, result.upper) == (
        "pass",
        False,
        None,
        None,
    )
    assert result.estimate == pytest.approx(990e-9)


def test_bounds_match_the_verdict() -> None:
    rng = np.random.default_rng(1)
    samples = rng.exponential(1000.0, size=50_000).astype(np.int64)
    result = block_bounds(samples, 0.99, 1e9, 0.95)
    assert result.confident and result.verdict == "pass"
    assert result.lower is not None and result.upper is not None
    assert result.lower * 1e9 < np.quantile(samples, 0.99) < result.upper * 1e9
    below = block_bounds(samples, 0.99, result.lower * 1e9 - 1, 0.95)
    above = block_bounds(samples, 0.99, result.upper * 1e9, 0.95)
    assert (below.verdict, below.confident) == ("fail", True)
    assert (above.verdict, above.confident) == ("pass", True)


def test_a_longer_run_is_forecast_from_the_effective_sample() -> None:
    # no call over the budget: a p99 passes with confidence 1 - 0.0042 once 0.99^n_eff <= 0.0042,
    # from n_eff = 545. 477 is not enough; a run twice as long (954) would be, if its design
    # effect stayed the same
    level = 1 - 0.0042
    clean = BlockBounds("pass", False, 0.0002, None, None, 680.0, 477, 0, 0.99)
    assert not decided_if_longer(clean, level, 1.0)
    assert not decided_if_longer(clean, level, 1.1)  # 524
    assert decided_if_longer(clean, level, 1.2)  # 572
    assert decided_if_longer(clean, level, 2.0)
    # 2% of calls over a p99's budget, in clusters (design effect 1,000): 6 exceedances in an
    # effective 300 is not yet a confident fail; in 4x (24 in 1,200) it is
    over = BlockBounds("fail", False, 0.08, None, None, 1000.0, 300, 6000, 0.99)
    assert not decided_if_longer(over, level, 1.0)
    assert decided_if_longer(over, level, 4.0)
    # at the budget's share (1%) no length decides it: the forecast says so
    edge = BlockBounds("fail", False, 0.05, None, None, 1000.0, 300, 3000, 0.99)
    assert not any(decided_if_longer(edge, level, f) for f in (2.0, 8.0, 64.0))
    # a run too short to measure its design effect forecasts nothing
    short = BlockBounds("pass", False, 0.0002, None, None, math.nan, 0, 0, 0.99)
    assert not decided_if_longer(short, level, 100.0)
    # a confident verdict is decided at any length
    assert decided_if_longer(BlockBounds("pass", True, 0.0002, None, None, 1.0, 9000), level, 1)


def test_the_forecast_agrees_with_block_bounds_on_the_run_itself() -> None:
    # the forecast at factor 1 is the verdict block_bounds gave, on real M/M/1 runs
    rng = np.random.default_rng(5)
    decided = 0
    for latency in mm1_sojourn(40, 20_000, 0.8, seed=5):
        budget = float(np.quantile(latency, rng.uniform(0.97, 0.999)))
        found = block_bounds(latency, 0.99, budget, 0.99)
        assert found.effective_n > 0
        assert decided_if_longer(found, 0.99, 1.0) == found.confident
        decided += found.confident
    assert 0 < decided < 40  # both kinds were checked
