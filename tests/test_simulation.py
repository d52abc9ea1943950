"""The gate's error rates, shown by seeded simulation over thousands of gates (no real timing).

Samples are drawn from distributions whose percentiles are known exactly, and fed through
``Looks`` -- the code the sampler runs at every look -- in a (gates x samples) batch
(``stats.simulation``). Each gate ends at its first confident verdict or at ``N_MAX`` samples
(standing in for ``max_time``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.sampler import Gate, sample
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.stats.looks import FAIL, PASS, UNDECIDED, Looks
from pytest_latency_sla.stats.simulation import (
    ALPHA,
    DISTRIBUTIONS,
    GATES,
    N_MAX,
    N_MIN_P99,
    Distribution,
    durations_ns,
    simulate,
)


def rate(mask: Any) -> float:
    return float(np.mean(mask))


def p99_gate(
    dist: Distribution, true_percentile: float, factor: float = 1.0
) -> list[tuple[float, float]]:
    return [(0.99, dist.quantile(true_percentile) * factor)]


@pytest.fixture(params=list(DISTRIBUTIONS), ids=list(DISTRIBUTIONS))
def dist(request: pytest.FixtureRequest) -> Distribution:
    return DISTRIBUTIONS[request.param]


def test_budget_at_the_true_p99_5_rarely_fails(dist: Distribution) -> None:
    looks = simulate(dist, p99_gate(dist, 0.995), seed=1)
    assert rate(looks.verdicts[:, 0] == FAIL) <= 0.01
    assert rate(looks.verdicts[:, 0] == PASS) >= 0.95  # and it does come to a verdict


def test_budget_at_the_true_p98_rarely_passes(dist: Distribution) -> None:
    looks = simulate(dist, p99_gate(dist, 0.98), seed=2)
    assert rate(looks.verdicts[:, 0] == PASS) <= 0.01
    assert rate(looks.verdicts[:, 0] == FAIL) >= 0.95


def test_a_thousandfold_margin_passes_by_twice_n_min(dist: Distribution) -> None:
    looks = simulate(dist, p99_gate(dist, 0.99, factor=1000), seed=3)
    fast_pass = (looks.verdicts[:, 0] == PASS) & (looks.at_n[:, 0] <= 2 * N_MIN_P99)
    assert rate(fast_pass) >= 0.99
    assert np.array_equal(looks.stopped_at[fast_pass], looks.at_n[fast_pass, 0])


def test_budget_exactly_at_the_true_p99_fails_wrongly_at_most_alpha(dist: Distribution) -> None:
    looks = simulate(dist, p99_gate(dist, 0.99), seed=4)
    assert rate(looks.verdicts[:, 0] == FAIL) <= ALPHA
    # neither side can decide much: the percentile sits on the budget
    assert rate(looks.verdicts[:, 0] == UNDECIDED) >= 0.9


@pytest.mark.parametrize("slow_calls", [2, 3])
def test_slow_calls_among_the_first_ten_fail_right_there(slow_calls: int) -> None:
    # every placement of the slow calls among the first ten, the others well inside the budget
    placements = list(itertools.combinations(range(10), slow_calls))
    samples = np.full((len(placements), 10), 5_000.0)
    for row, cols in enumerate(placements):
        samples[row, list(cols)] = 2e6
    looks = Looks([(0.99, 1e6)], ALPHA, len(placements))
    looks.advance(samples)
    assert (looks.verdicts[:, 0] == FAIL).all() and (looks.stopped_at == 10).all()


def test_one_slow_call_among_the_first_ten_is_not_enough() -> None:
    samples = np.full((10, 10), 5_000.0)
    np.fill_diagonal(samples, 2e6)
    looks = Looks([(0.99, 1e6)], ALPHA, 10)
    looks.advance(samples)
    assert (looks.verdicts == UNDECIDED).all() and looks.running.all()


STACKED_DISTRIBUTIONS = ["lognormal", "slow path 2%"]


@pytest.mark.parametrize("name", STACKED_DISTRIBUTIONS)
def test_stacked_thresholds_on_the_boundary_are_as_sound_as_alone(name: str) -> None:
    dist = DISTRIBUTIONS[name]
    gates = [(0.5, dist.quantile(0.5)), (0.99, dist.quantile(0.99))]
    stacked = simulate(dist, gates, seed=5)
    for j, gate in enumerate(gates):
        alone = simulate(dist, [gate], seed=6 + j)
        wrong_stacked = rate(stacked.verdicts[:, j] == FAIL)
        wrong_alone = rate(alone.verdicts[:, 0] == FAIL)
        assert wrong_stacked <= ALPHA
        # stopping at another threshold's verdict only removes looks: never more wrong fails
        # (up to Monte Carlo noise: three standard errors at the alone rate)
        noise = 3 * math.sqrt(max(wrong_alone, 1e-3) * (1 - wrong_alone) / GATES)
        assert wrong_stacked <= wrong_alone + noise


@pytest.mark.parametrize("name", STACKED_DISTRIBUTIONS)
def test_stacked_thresholds_inside_the_sla_stop_at_the_last_verdict(name: str) -> None:
    dist = DISTRIBUTIONS[name]
    gates = [(0.5, dist.quantile(0.75)), (0.99, dist.quantile(0.995))]
    looks = simulate(dist, gates, seed=7)
    assert rate(looks.verdicts == FAIL) <= 0.01
    both = (looks.verdicts == PASS).all(axis=1)
    assert rate(both) >= 0.95
    # the p50 is decided at its own early looks; sampling goes on until the p99 is decided
    assert np.median(looks.at_n[both, 0]) <= 40
    assert np.array_equal(looks.stopped_at[both], looks.at_n[both].max(axis=1))
    assert (looks.at_n[both, 0] < looks.stopped_at[both]).mean() >= 0.99


@pytest.mark.parametrize("name", STACKED_DISTRIBUTIONS)
def test_stacked_threshold_missed_stops_sampling_at_its_fail(name: str) -> None:
    dist = DISTRIBUTIONS[name]
    # the p50 budget is clearly missed (it is the true p20); the p99 one has a thousandfold margin
    gates = [(0.5, dist.quantile(0.2)), (0.99, dist.quantile(0.99) * 1000)]
    looks = simulate(dist, gates, seed=8)
    assert rate(looks.verdicts[:, 0] == PASS) <= 0.01
    failed = looks.verdicts[:, 0] == FAIL
    assert rate(failed) >= 0.99
    assert np.array_equal(looks.stopped_at[failed], looks.at_n[failed, 0])
    # it stops well before the p99 could even pass: its verdict stays open
    assert rate(looks.verdicts[failed, 1] == UNDECIDED) >= 0.99


@pytest.mark.parametrize(
    ("p50_at", "p99_at"), [(0.75, 0.995), (0.55, 0.985)], ids=["inside", "on the edge"]
)
def test_the_sampler_reaches_the_same_verdicts_as_the_batch(
    scripted_clock: ScriptedClock, p50_at: float, p99_at: float
) -> None:
    # the same pre-drawn samples, timed one call at a time by the real sampler loop
    dist = DISTRIBUTIONS["slow path 2%"]
    runs = 8
    gates = [(0.5, dist.quantile(p50_at)), (0.99, dist.quantile(p99_at))]
    rng = np.random.default_rng(9)
    drawn = durations_ns(dist, rng, (runs, N_MAX))
    batch = Looks(gates, ALPHA, runs)
    while (nxt := batch.next_look()) is not None and nxt <= N_MAX:
        batch.advance(drawn[:, batch.n : nxt])
    outcomes = set()
    for run in range(runs):
        durations = iter(drawn[run].tolist())

        def call(durations: Iterator[int] = durations) -> None:
            scripted_clock.advance(next(durations))

        s = sample(
            Target(call),
            [Gate(q, b) for q, b in gates],
            confidence=1 - ALPHA,
            max_time=1e9,
            warmup=0,
            max_samples=N_MAX,
        )
        expected = [{PASS: "pass", FAIL: "fail"}.get(int(v)) for v in batch.verdicts[run]]
        assert [d.verdict for d in s.decisions] == expected
        assert [d.at_n for d in s.decisions] == batch.at_n[run].tolist()
        assert len(s.samples_ns) == (batch.stopped_at[run] or N_MAX)
        outcomes.add((s.stopped, *expected, len(s.samples_ns)))
    # the runs cover passes at different looks, fails, and sampling to the cap
    assert len(outcomes) >= 3
