"""The bounds and the look schedule against hand-computed binomial cut-offs (STATS.md)."""

from __future__ import annotations

import math

import pytest

from pytest_latency_sla.stats.bounds import (
    bound_ranks,
    fail_cutoff,
    min_samples_to_pass,
    nearest_rank,
    pass_cutoff,
)
from pytest_latency_sla.stats.looks import FIRST_FAIL_LOOK, LookSchedule


@pytest.mark.parametrize(
    ("n", "passes_up_to", "fails_from", "upper_rank"),
    [(300, 0, 7, 300), (459, 0, 9, 459), (1000, 4, 16, 996), (3000, 20, 40, 2980),
     (10000, 83, 118, 10000 - 83)],
)  # fmt: skip
def test_p99_cutoffs_match_the_table(
    n: int, passes_up_to: int, fails_from: int, upper_rank: int
) -> None:
    assert pass_cutoff(n, 0.99, 0.05) == passes_up_to
    assert fail_cutoff(n, 0.99, 0.05) == fails_from
    assert bound_ranks(n, 0.99, 0.05)[1] == upper_rank


@pytest.mark.parametrize(
    ("q", "at_95", "at_99"), [(0.5, 5, 7), (0.9, 29, 44), (0.99, 299, 459), (0.999, 2995, 4603)]
)
def test_n_min_matches_the_table(q: float, at_95: int, at_99: int) -> None:
    assert min_samples_to_pass(q, 0.05) == at_95
    assert min_samples_to_pass(q, 0.01) == at_99
    # below n_min nothing can pass; at n_min a clean sample does
    assert pass_cutoff(at_95 - 1, q, 0.05) == -1
    assert pass_cutoff(at_95, q, 0.05) == 0


def _binom_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


@pytest.mark.parametrize("n", [5, 10, 37, 120, 598])
@pytest.mark.parametrize("q", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.001])
def test_cutoffs_are_the_extreme_binomial_quantiles(n: int, q: float, alpha: float) -> None:
    p = 1 - q
    c = pass_cutoff(n, q, alpha)
    assert c == -1 or _binom_cdf(c, n, p) <= alpha
    assert _binom_cdf(c + 1, n, p) > alpha
    m = fail_cutoff(n, q, alpha)
    assert m == n + 1 or 1 - _binom_cdf(m - 1, n, p) <= alpha + 1e-12
    assert 1 - _binom_cdf(m - 2, n, p) > alpha


def test_cutoffs_agree_with_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for n in (50, 700, 4000, 25000, 200000):
        for q in (0.5, 0.9, 0.99, 0.999):
            for alpha in (0.05, 0.003):
                p = 1 - q
                c = pass_cutoff(n, q, alpha)
                assert stats.binom.cdf(c, n, p) <= alpha * (1 + 1e-9)
                assert stats.binom.cdf(c + 1, n, p) > alpha * (1 - 1e-9)
                m = fail_cutoff(n, q, alpha)
                assert stats.binom.sf(m - 1, n, p) <= alpha * (1 + 1e-9)
                assert stats.binom.sf(m - 2, n, p) > alpha * (1 - 1e-9)


def test_bounds_agree_with_scipy_quantile_test() -> None:
    stats = pytest.importorskip("scipy.stats")
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    for n in (400, 1500):
        x = np.sort(rng.lognormal(size=n))
        lower, upper = bound_ranks(n, 0.99, 0.05)
        assert upper is not None and lower is not None
        # one-sided 95% bounds, as scipy computes them
        hi = stats.quantile_test(x, p=0.99, alternative="less")
        assert hi.confidence_interval(0.95).high == pytest.approx(x[upper - 1])
        lo = stats.quantile_test(x, p=0.99, alternative="greater")
        assert lo.confidence_interval(0.95).low == pytest.approx(x[lower - 1])


def test_schedule_spends_at_most_alpha_per_side() -> None:
    schedule = LookSchedule(0.99, 0.05)
    spent = {"pass": 0.0, "fail": 0.0}
    n = 0
    while n < 10**7:
        n = schedule.next_look_after(n)
        for look in schedule.looks_at(n):
            spent[look.side] += look.alpha
    assert spent["pass"] < 0.05 and spent["fail"] < 0.05


def test_schedule_first_looks() -> None:
    schedule = LookSchedule(0.99, 0.05)
    assert schedule.first_pass_look == 598
    assert schedule.next_look_after(0) == FIRST_FAIL_LOOK
    assert [look.side for look in schedule.looks_at(598)] == ["pass"]
    # the first pass look tolerates one scheduler stall: E <= 1 passes at n = 598
    assert pass_cutoff(598, 0.99, schedule.looks_at(598)[0].alpha) == 1
    # three slow calls of the first ten are a confident fail at the first look
    (look,) = schedule.looks_at(10)
    assert look.side == "fail" and 3 >= fail_cutoff(10, 0.99, look.alpha)
    assert schedule.looks_at(11) == ()


@pytest.mark.parametrize(
    ("n", "percentile", "rank"),
    [(100, 99, 99), (598, 99, 593), (1000, 99.9, 999), (10, 50, 5), (3, 50, 2), (1, 99, 1),
     (7, 100, 7), (1000, 0.01, 1)],
)  # fmt: skip
def test_nearest_rank(n: int, percentile: float, rank: int) -> None:
    assert nearest_rank(n, percentile) == rank


def test_large_n_is_fast_and_sane() -> None:
    c = pass_cutoff(2_000_000, 0.99, 1e-7)
    m = fail_cutoff(2_000_000, 0.99, 1e-7)
    assert 19_000 < c < 20_000 < m < 21_000


def test_bounds_agree_with_scipy_quantile_test_on_random_cases() -> None:
    stats = pytest.importorskip("scipy.stats")
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(11)
    draws = [
        lambda n: rng.lognormal(8.5, 0.5, n),
        lambda n: rng.pareto(1.5, n) + 1.0,
        lambda n: np.where(
            rng.random(n) < 0.02, rng.normal(250.0, 5.0, n), rng.normal(5.0, 0.1, n)
        ),
    ]
    checked = 0
    for case in range(60):
        n = int(rng.integers(20, 6000))
        q = float(rng.choice([0.5, 0.9, 0.95, 0.99, 0.995]))
        confidence = float(rng.choice([0.9, 0.95, 0.99]))
        x = np.sort(draws[case % 3](n))
        lower, upper = bound_ranks(n, q, 1 - confidence)
        hi = stats.quantile_test(x, p=q, alternative="less").confidence_interval(confidence).high
        lo = stats.quantile_test(x, p=q, alternative="greater").confidence_interval(confidence).low
        # where n is too small for a bound, scipy has none either (nan or an infinite end)
        if upper is None:
            assert not np.isfinite(hi)
        else:
            assert hi == x[upper - 1]
            checked += 1
        if lower is None:
            assert not np.isfinite(lo)
        else:
            assert lo == x[lower - 1]
            checked += 1
    assert checked >= 90
