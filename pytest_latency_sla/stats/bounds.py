"""Distribution-free bounds for a percentile (Thompson, 1936): exact binomial cut-offs.

Everything here is exact binomial arithmetic on counts, with the standard library only.
With ``n`` independent samples and budget ``B``, let ``E`` be the number of samples strictly
above ``B``. If the ``q``-th percentile is at most ``B`` then ``P(X > B) <= 1 - q`` and ``E`` is
at worst ``Binomial(n, 1 - q)`` whatever the distribution (Thompson, 1936). So:

* a confident **pass** needs ``E <= pass_cutoff(n, q, alpha)``;
* a confident **fail** needs ``E >= fail_cutoff(n, q, alpha)``.

The same cut-offs give order-statistic bounds: ``X(n - c)`` is an upper bound of the percentile
and ``X(n - m + 1)`` a lower bound (1-based ranks).
"""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = [
    "bound_ranks",
    "fail_cutoff",
    "min_samples_to_pass",
    "nearest_rank",
    "pass_cutoff",
]

# The pmf is summed over a window around the mean that holds all but a negligible (< 1e-40)
# share of the probability mass: for p99 at n = 640 that is 118 counts, not 641, and the looks
# of a gate that decides in a few milliseconds are not slowed down by their own arithmetic.


def _log_pmf(n: int, p: float, k: int) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def _window(n: int, p: float) -> tuple[int, int]:
    mean = n * p
    spread = 20.0 * math.sqrt(mean * (1.0 - p)) + 60.0
    return max(0, int(mean - spread)), min(n, int(math.ceil(mean + spread)))


@lru_cache(maxsize=4096)
def pass_cutoff(n: int, q: float, alpha: float) -> int:
    """The largest ``c`` with ``P(Binomial(n, 1 - q) <= c) <= alpha``, or ``-1`` if none.

    ``q`` is the percentile as a fraction (0.99 for p99).
    """
    _check(n, q, alpha)
    p = 1.0 - q
    lo, hi = _window(n, p)
    cdf = 0.0
    for k in range(lo, hi + 1):
        cdf += math.exp(_log_pmf(n, p, k))
        if cdf > alpha:
            return k - 1
    return hi


@lru_cache(maxsize=4096)
def fail_cutoff(n: int, q: float, alpha: float) -> int:
    """The smallest ``m`` with ``P(Binomial(n, 1 - q) >= m) <= alpha``; ``n + 1`` if none."""
    _check(n, q, alpha)
    p = 1.0 - q
    lo, hi = _window(n, p)
    tail = 0.0
    for k in range(hi, lo - 1, -1):
        tail += math.exp(_log_pmf(n, p, k))
        if tail > alpha:
            return k + 1
    return lo


def bound_ranks(n: int, q: float, alpha: float) -> tuple[int | None, int | None]:
    """1-based ranks ``(lower, upper)`` of the order statistics bounding the ``q`` quantile.

    ``X(upper) <= B`` exactly when a pass is confident, ``X(lower) > B`` exactly when a fail
    is. A rank is ``None`` where ``n`` samples are too few to give that bound.
    """
    c = pass_cutoff(n, q, alpha)
    m = fail_cutoff(n, q, alpha)
    upper = n - c if c >= 0 else None
    lower = n - m + 1 if m <= n else None
    return lower, upper


def min_samples_to_pass(q: float, alpha: float) -> int:
    """``n_min``: below it even a sample with no exceedance cannot pass (``q**n > alpha``)."""
    return math.ceil(math.log(alpha) / math.log(q) - 1e-12)


def nearest_rank(n: int, percentile: float) -> int:
    """1-based nearest rank: the smallest rank with at least ``percentile`` % at or below it."""
    from fractions import Fraction  # exact: 99.9 * 1000 / 100 is 999.0000000000001 in floats

    exact = Fraction(repr(float(percentile))) * n / 100
    return max(1, min(n, math.ceil(exact)))


def _check(n: int, q: float, alpha: float) -> None:
    if n < 1 or not 0.0 < q < 1.0 or not 0.0 < alpha < 1.0:
        raise ValueError(f"need n >= 1, 0 < q < 1, 0 < alpha < 1; got n={n}, q={q}, alpha={alpha}")
