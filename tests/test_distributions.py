"""The simulation's distributions: exact quantiles that agree with their survival functions and
with what they draw, scaling by a factor, and bad parameters refused."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest

from pytest_latency_sla.stats.simulation import (
    DISTRIBUTIONS,
    Distribution,
    FastAndSlowPath,
    LogNormal,
    Pareto,
    durations_ns,
    simulate,
)

PS = [0.01, 0.2, 0.5, 0.9, 0.98, 0.99, 0.995, 0.999]
CASES = {
    **DISTRIBUTIONS,
    # a mixture of two different kinds, the slow one heavy-tailed
    "lognormal + pareto 1%": FastAndSlowPath(LogNormal(2_000, 0.2), Pareto(40_000, 2.0), 0.01),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def dist(request: pytest.FixtureRequest) -> Distribution:
    return CASES[request.param]


@pytest.mark.parametrize("p", PS)
def test_the_quantile_inverts_the_survival_function(dist: Distribution, p: float) -> None:
    assert dist.sf(dist.quantile(p)) == pytest.approx(1 - p, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("factor", [0.5, 1.0, 1.25, 1000.0])
def test_scaling_scales_every_quantile_and_keeps_the_kind(
    dist: Distribution, factor: float
) -> None:
    scaled = dist.scaled(factor)
    assert type(scaled) is type(dist)
    for p in PS:
        assert scaled.quantile(p) == pytest.approx(factor * dist.quantile(p), rel=1e-9)
        assert scaled.sf(factor * dist.quantile(p)) == pytest.approx(1 - p, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("factor", [1.0, 1.25])
def test_draws_fall_below_each_exact_quantile_at_its_rate(
    dist: Distribution, factor: float
) -> None:
    # a candidate that is 1.25 x its baseline in distribution draws as the scaled baseline does
    n = 200_000
    x = dist.scaled(factor).draw(np.random.default_rng(11), (4, n // 4))
    assert x.shape == (4, n // 4) and x.dtype == np.float32
    for p in PS:
        below = float(np.mean(x <= factor * dist.quantile(p)))
        # five standard errors of a binomial proportion: a seeded check that cannot flake
        assert abs(below - p) <= 5 * math.sqrt(p * (1 - p) / n), p


def test_durations_are_whole_nanoseconds_rounded_up(dist: Distribution) -> None:
    drawn = dist.draw(np.random.default_rng(3), (2, 500))
    ns = durations_ns(dist, np.random.default_rng(3), (2, 500))
    assert ns.dtype == np.int64 and ns.shape == (2, 500)
    assert np.array_equal(ns, np.ceil(drawn).astype(np.int64))
    assert (ns >= 1).all()


def test_the_same_seed_gives_the_same_gates_bit_for_bit() -> None:
    dist = DISTRIBUTIONS["slow path 2%"]
    gates = [(0.5, dist.quantile(0.5)), (0.99, dist.quantile(0.99))]
    a, b = (simulate(dist, gates, seed=21, runs=200) for _ in range(2))
    c = simulate(dist, gates, seed=22, runs=200)
    for name in ("verdicts", "at_n", "stopped_at", "exceedances"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.exceedances, c.exceedances)


def test_simulate_stops_at_max_samples() -> None:
    dist = DISTRIBUTIONS["lognormal"]
    # the budget sits on the true p99: most runs stay undecided until the cap
    looks = simulate(dist, [(0.99, dist.quantile(0.99))], seed=4, runs=100, max_samples=1196)
    assert looks.n <= 1196 and looks.exceedances.shape == (100, 1)
    assert looks.stopped_at.max() <= 1196 and (looks.stopped_at == 0).any()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: LogNormal(0, 0.5), "median_ns and sigma must be positive"),
        (lambda: LogNormal(5_000, 0), "median_ns and sigma must be positive"),
        (lambda: Pareto(-1, 1.5), "x_min_ns and shape must be positive"),
        (lambda: Pareto(5_000, 0), "x_min_ns and shape must be positive"),
        (
            lambda: FastAndSlowPath(LogNormal(1, 1), LogNormal(2, 1), 1.5),
            "slow_share=1.5: it must be in [0, 1]",
        ),
        (lambda: LogNormal(5_000, 0.5).quantile(1.0), "quantile p=1.0: it must be in (0, 1)"),
        (lambda: Pareto(5_000, 1.5).quantile(0.0), "quantile p=0.0: it must be in (0, 1)"),
        (lambda: LogNormal(5_000, 0.5).scaled(0), "scale factor 0: it must be a positive"),
        (lambda: Pareto(5_000, 1.5).scaled(math.inf), "scale factor inf: it must be a positive"),
        (
            lambda: DISTRIBUTIONS["slow path 2%"].scaled(math.nan),
            "scale factor nan: it must be a positive",
        ),
    ],
)
def test_bad_parameters_are_refused(make: Callable[[], object], words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        make()
