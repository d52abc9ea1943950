"""Seeded simulation of the gate: distributions whose quantiles are known exactly, and thousands
of sampling runs driven through ``Looks`` side by side, with no real timing.

The statistical claims (the sequential gate's error rates, and any later gate built on the same
looks and bounds) are shown by simulation through the code that gates real tests. A distribution
draws samples in ns and gives its exact quantiles, so a budget can be put at a known true
percentile; ``scaled(c)`` is the distribution of ``c * X`` (a candidate that is ``c`` times its
baseline, a service that got ``c`` times slower), exact quantiles included.

Used by ``tests/test_simulation.py`` (which asserts on the rates) and
``benchmarks/gate_simulation.py`` (which prints them); the relative gate's comparisons
(``simulate_ratio``, through ``two_sample.RatioLooks``) by ``tests/test_ratio_simulation.py`` and
``benchmarks/ratio_simulation.py``. Imports the standard library, numpy and ``stats`` only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .bounds import min_samples_to_pass
from .looks import Looks, LookSchedule
from .two_sample import RatioGate, RatioLooks

__all__ = [
    "ALPHA",
    "DISTRIBUTIONS",
    "GATES",
    "N_MAX",
    "N_MIN_P99",
    "Distribution",
    "Exponential",
    "FastAndSlowPath",
    "LogNormal",
    "Pareto",
    "RatioRuns",
    "durations_ns",
    "ratio_pair_cap",
    "simulate",
    "simulate_ratio",
]

GATES = 2000  # independent sampling runs per simulated case
ALPHA = 0.05  # 95% confidence
N_MIN_P99 = min_samples_to_pass(0.99, ALPHA)  # 299: no p99 pass is possible with fewer samples
N_MAX = 9568  # 16 x the first p99 pass look (2 x N_MIN_P99): stands in for ``max_time``

_NORMAL = NormalDist()

Samples = npt.NDArray[np.float32]


class Distribution(Protocol):
    """A call's duration in ns, as a random variable with exactly known quantiles."""

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Samples:
        """Independent samples (ns, float32) of the given shape, from ``rng``."""
        ...

    def quantile(self, p: float) -> float:
        """The exact ``p`` quantile (ns), ``0 < p < 1``."""
        ...

    def sf(self, x: float) -> float:
        """The exact survival function ``P(X > x)`` at ``x`` ns."""
        ...

    def scaled(self, factor: float) -> Distribution:
        """The distribution of ``factor * X`` (``factor > 0``), of the same kind."""
        ...


def _check_p(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ValueError(f"quantile p={p!r}: it must be in (0, 1)")


def _check_factor(factor: float) -> None:
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"scale factor {factor!r}: it must be a positive finite number")


@dataclass(frozen=True)
class LogNormal:
    """``median_ns * exp(sigma * Z)``, ``Z`` standard normal; raises ``ValueError`` unless
    ``median_ns > 0`` and ``sigma > 0``."""

    median_ns: float
    sigma: float

    def __post_init__(self) -> None:
        if not (self.median_ns > 0 and self.sigma > 0):
            raise ValueError(f"{self}: median_ns and sigma must be positive")

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Samples:
        z = rng.standard_normal(shape, dtype=np.float32)
        x: Samples = np.float32(self.median_ns) * np.exp(np.float32(self.sigma) * z)
        return x

    def quantile(self, p: float) -> float:
        _check_p(p)
        return self.median_ns * math.exp(self.sigma * _NORMAL.inv_cdf(p))

    def sf(self, x: float) -> float:
        if x <= 0:
            return 1.0
        return 1.0 - _NORMAL.cdf(math.log(x / self.median_ns) / self.sigma)

    def scaled(self, factor: float) -> LogNormal:
        _check_factor(factor)
        return LogNormal(self.median_ns * factor, self.sigma)


@dataclass(frozen=True)
class Exponential:
    """Memoryless: ``P(X > x) = exp(-x / mean_ns)``; the service time of an M/M/1 queue, whose
    sojourn-time percentiles are known exactly. Raises ``ValueError`` unless ``mean_ns > 0``."""

    mean_ns: float

    def __post_init__(self) -> None:
        if not self.mean_ns > 0:
            raise ValueError(f"{self}: mean_ns must be positive")

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Samples:
        x: Samples = rng.standard_exponential(shape, dtype=np.float32) * np.float32(self.mean_ns)
        return x

    def quantile(self, p: float) -> float:
        _check_p(p)
        return -self.mean_ns * math.log1p(-p)

    def sf(self, x: float) -> float:
        return 1.0 if x <= 0 else math.exp(-x / self.mean_ns)

    def scaled(self, factor: float) -> Exponential:
        _check_factor(factor)
        return Exponential(self.mean_ns * factor)


@dataclass(frozen=True)
class FastAndSlowPath:
    """A fast path, and with probability ``slow_share`` a slow one (a cache miss, a retry): the
    mixture ``(1 - slow_share) * fast + slow_share * slow``. Its quantiles are found by bisection
    of the exact survival function, to float precision. Raises ``ValueError`` unless
    ``0 <= slow_share <= 1``."""

    fast: Distribution
    slow: Distribution
    slow_share: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.slow_share <= 1.0:
            raise ValueError(f"slow_share={self.slow_share!r}: it must be in [0, 1]")

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Samples:
        x = self.fast.draw(rng, shape)
        slow = rng.random(shape, dtype=np.float32) < self.slow_share
        x[slow] = self.slow.draw(rng, (1, int(slow.sum())))[0]
        return x

    def quantile(self, p: float) -> float:
        _check_p(p)
        lo = min(self.fast.quantile(1e-9), self.slow.quantile(1e-9))
        hi = max(self.fast.quantile(1 - 1e-12), self.slow.quantile(1 - 1e-12))
        for _ in range(200):  # bisection on a log scale, to float precision
            mid = math.sqrt(lo * hi)
            lo, hi = (mid, hi) if self.sf(mid) > 1 - p else (lo, mid)
        return hi

    def sf(self, x: float) -> float:
        return (1 - self.slow_share) * self.fast.sf(x) + self.slow_share * self.slow.sf(x)

    def scaled(self, factor: float) -> FastAndSlowPath:
        return FastAndSlowPath(self.fast.scaled(factor), self.slow.scaled(factor), self.slow_share)


@dataclass(frozen=True)
class Pareto:
    """Heavy tail: ``P(X > x) = (x_min_ns / x) ** shape`` for ``x >= x_min_ns``; shape 1.5 has
    no finite variance. Raises ``ValueError`` unless ``x_min_ns > 0`` and ``shape > 0``."""

    x_min_ns: float
    shape: float

    def __post_init__(self) -> None:
        if not (self.x_min_ns > 0 and self.shape > 0):
            raise ValueError(f"{self}: x_min_ns and shape must be positive")

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Samples:
        u = 1 - rng.random(shape, dtype=np.float32)
        x: Samples = np.float32(self.x_min_ns) * u ** np.float32(-1 / self.shape)
        return x

    def quantile(self, p: float) -> float:
        _check_p(p)
        return float(self.x_min_ns * (1 - p) ** (-1 / self.shape))

    def sf(self, x: float) -> float:
        return 1.0 if x <= self.x_min_ns else float((self.x_min_ns / x) ** self.shape)

    def scaled(self, factor: float) -> Pareto:
        _check_factor(factor)
        return Pareto(self.x_min_ns * factor, self.shape)


# The distributions the gate's error rates are shown on (README, tests, benchmarks).
DISTRIBUTIONS: dict[str, Distribution] = {
    "lognormal": LogNormal(5_000, 0.5),
    "slow path 0.5%": FastAndSlowPath(LogNormal(5_000, 0.1), LogNormal(250_000, 0.3), 0.005),
    "slow path 2%": FastAndSlowPath(LogNormal(5_000, 0.1), LogNormal(250_000, 0.3), 0.02),
    "pareto 1.5": Pareto(5_000, 1.5),
}


def simulate(
    dist: Distribution,
    gates: Sequence[tuple[float, float]],
    *,
    seed: int,
    runs: int = GATES,
    alpha: float = ALPHA,
    max_samples: int = N_MAX,
) -> Looks:
    """``runs`` independent gates on ``dist``, each sampled look by look as the sampler does.

    ``gates`` are ``(q, budget_ns)`` pairs (``q`` a fraction, e.g. 0.99). Samples for the runs
    still going are drawn from ``numpy.random.default_rng(seed)`` up to each next look and fed to
    ``Looks.advance``; a run ends at its first confident stop, or undecided when the next look
    would pass ``max_samples``. Returns the ``Looks``: ``verdicts`` and ``at_n`` are
    ``runs x len(gates)``, ``stopped_at`` has ``runs`` entries (0: stopped by ``max_samples``).
    The same seed gives the same arrays bit for bit.
    """
    rng = np.random.default_rng(seed)
    looks = Looks(gates, alpha, runs)
    while True:
        nxt = looks.next_look()
        if nxt is None or nxt > max_samples:
            return looks
        rows = np.flatnonzero(looks.running)
        looks.advance(dist.draw(rng, (len(rows), nxt - looks.n)), rows)


def durations_ns(
    dist: Distribution, rng: np.random.Generator, shape: tuple[int, ...]
) -> npt.NDArray[np.int64]:
    """Samples of ``dist`` as whole ns (rounded up, so no call takes 0 ns): the durations a
    ``ScriptedClock`` plays back to the real sampler or load engine."""
    return np.ceil(dist.draw(rng, shape)).astype(np.int64)


@dataclass(frozen=True)
class RatioRuns:
    """What ``simulate_ratio``'s comparisons came to: per run the gate's verdict (``PASS``,
    ``FAIL`` or ``UNDECIDED``) and the pair count it came at (0 for none)."""

    verdicts: npt.NDArray[np.int8]
    at_n: npt.NDArray[np.int64]


def ratio_pair_cap(q: float, doublings: int, alpha: float = ALPHA) -> int:
    """A pair cap standing in for ``max_time``: the first pass look of a ratio gate at ``q``
    (``2 n_min`` at ``alpha / 2`` per side), doubled ``doublings`` times."""
    return LookSchedule(q, alpha / 2).first_pass_look << doublings


def simulate_ratio(
    baseline: Distribution,
    factor: float,
    gate: RatioGate,
    *,
    seed: int,
    max_pairs: int,
    runs: int = GATES,
    alpha: float = ALPHA,
    chunk: int = 250,
) -> RatioRuns:
    """``runs`` independent comparisons of a candidate distributed as ``factor`` x ``baseline``
    against ``baseline``, sampled look by look as the interleaved sampler does and judged by
    ``RatioLooks``, the code that gates real comparisons; a run ends at its first confident
    verdict, or undecided when the next look would pass ``max_pairs``.

    The runs go ``chunk`` at a time, and each keeps its samples only while it runs (order
    statistics need them all), so memory stays at ``2 x chunk x max_pairs`` floats. Draws come
    from ``numpy.random.default_rng(seed)``, candidate then baseline at each look: the same seed
    gives the same verdicts.
    """
    rng = np.random.default_rng(seed)
    candidate = baseline.scaled(factor)
    verdicts = np.zeros(runs, dtype=np.int8)
    at_n = np.zeros(runs, dtype=np.int64)
    for start in range(0, runs, chunk):
        size = min(chunk, runs - start)
        looks = RatioLooks([gate], alpha, size)
        rows = np.arange(size)
        x = np.empty((size, 0), dtype=np.float32)
        y = np.empty((size, 0), dtype=np.float32)
        while len(rows):
            nxt = looks.next_look()
            if nxt is None or nxt > max_pairs:
                break
            more = nxt - x.shape[1]
            x = np.concatenate([x, candidate.draw(rng, (len(rows), more))], axis=1)
            y = np.concatenate([y, baseline.draw(rng, (len(rows), more))], axis=1)
            looks.look(x, y, rows)
            keep = looks.running[rows]
            rows, x, y = rows[keep], x[keep], y[keep]
        verdicts[start : start + size] = looks.verdicts[:, 0]
        at_n[start : start + size] = looks.at_n[:, 0]
    return RatioRuns(verdicts, at_n)
