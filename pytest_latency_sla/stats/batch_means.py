"""Confidence bounds for a percentile of correlated latencies: binomial bounds on an effective
sample size, with the design effect measured by batch means.

Under load, one call's latency carries over to the next (a queue drains slowly), so calls over a
level come in clusters (a busy period) and the binomial bounds of the closed-loop gate, which
assume independent calls, are far too narrow: in an M/M/1 queue at 80% utilisation the share of
calls over the p99 varies 70 times more between blocks of 1,000 calls than a binomial share would.

The gate asks whether ``P(X > B) <= 1 - q``. The run is cut into ``BLOCKS`` contiguous blocks
(batch means, Law & Kelton, *Simulation Modeling and Analysis*, ch. 9) and the variance of the
block shares over a level, divided by the binomial variance of a block share, is the *design
effect* ``D`` of that level (Kish): ``n`` correlated calls carry the information of about
``n / D`` independent ones. The exact binomial cut-offs of ``stats`` then apply to the
effective sample: ``n_eff = n / D`` calls with ``E / D`` exceedances.

``D`` is measured at the budget and at the estimated percentile, over 20 and over 10 blocks
(longer blocks catch longer memory), and the largest is used
(with no call over the budget, the clustering at the percentile is what tells how much a clean
run proves). It is never taken below 1. Too few calls to measure it (fewer than
``MIN_TAIL_CALLS`` expected over the percentile) give no bounds and a not-confident verdict.

The simulation in ``tests/test_batch_means.py`` checks the error rates on M/M/1 and M/D/1
queues whose sojourn-time percentiles are known. Runs of 20,000 calls from an empty M/M/1 queue
at 50% / 80% / 90% utilisation, 400 runs each: a budget at the true p98 (missed) passed
confidently in 0.0% / 0.0% / 3.0% of runs, one at the true p99.5 failed confidently in
0.0% / 0.2% / 0.2%; a 1000x budget passed confidently in 100% / 72% / 21% (a queue near
saturation needs a longer run to prove anything: the rest are not confident, never wrong).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records import Verdict
from .bounds import fail_cutoff, nearest_rank, pass_cutoff

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["BLOCKS", "BlockBounds", "block_bounds", "decided_if_longer", "design_effect"]

BLOCKS = 20
# Calls expected over the percentile below which the design effect cannot be measured.
MIN_TAIL_CALLS = 20


@dataclass(frozen=True)
class BlockBounds:
    """The verdict on one threshold of a load run; durations in seconds."""

    verdict: Verdict
    confident: bool
    estimate: float
    lower: float | None
    upper: float | None
    design_effect: float  # nan when the run was too short to measure it
    effective_n: int
    over: int = 0  # calls over the budget
    q: float = math.nan  # the percentile judged, as a fraction


def design_effect(over: npt.NDArray[np.bool_], blocks: int = BLOCKS) -> float:
    """Variance of the block shares of ``over`` relative to a binomial share's (at least 1)."""
    n = len(over)
    size = n // blocks
    p = float(over.mean())
    if size < 1 or p <= 0.0 or p >= 1.0:
        return 1.0
    shares = over[: size * blocks].reshape(blocks, size).mean(axis=1)
    return max(1.0, float(shares.var(ddof=1)) / (p * (1.0 - p) / size))


def block_bounds(
    latency_ns: npt.NDArray[np.int64],
    q: float,
    budget_ns: float,
    confidence: float,
    ordered: npt.NDArray[np.int64] | None = None,
) -> BlockBounds:
    """The verdict on ``q``-quantile ``<= budget_ns`` over a load run's latencies, in call order
    (``ordered``: the same latencies sorted, when the caller has them)."""
    import numpy as np

    n = int(latency_ns.shape[0])
    if ordered is None:
        ordered = np.sort(latency_ns)
    estimate_ns = ordered[nearest_rank(n, q * 100) - 1]
    estimate = float(estimate_ns) / 1e9
    point: Verdict = "pass" if estimate_ns <= budget_ns else "fail"
    if n * (1.0 - q) < MIN_TAIL_CALLS:
        return BlockBounds(point, False, estimate, None, None, math.nan, 0, 0, q)
    over_budget = latency_ns > budget_ns
    effect = max(
        design_effect(over, blocks)
        for over in (latency_ns > estimate_ns, over_budget)
        for blocks in (BLOCKS, BLOCKS // 2)
    )
    n_eff = int(n / effect)
    alpha = 1.0 - confidence
    pass_at = pass_cutoff(n_eff, q, alpha)  # pass iff E / D <= pass_at
    fail_at = fail_cutoff(n_eff, q, alpha)  # fail iff E / D >= fail_at
    exceeding = int(np.count_nonzero(over_budget))
    exceedances = exceeding / effect
    verdict: Verdict
    if exceedances <= pass_at:
        verdict, confident = "pass", True
    elif exceedances >= fail_at:
        verdict, confident = "fail", True
    else:
        verdict, confident = point, False
    # The same tests as order statistics: a budget at ``upper`` would pass, one below ``lower``
    # would fail (E(x) = calls strictly above x).
    allowed = math.floor(pass_at * effect) if pass_at >= 0 else -1
    needed = math.ceil(fail_at * effect)
    upper = float(ordered[n - allowed - 1]) / 1e9 if 0 <= allowed < n else None
    lower = float(ordered[n - needed]) / 1e9 if 0 < needed <= n else None
    return BlockBounds(verdict, confident, estimate, lower, upper, effect, n_eff, exceeding, q)


def decided_if_longer(found: BlockBounds, confidence: float, factor: float) -> bool:
    """Whether a run ``factor`` times as long would give ``found``'s point verdict with
    confidence, if it kept the same design effect and the same share of calls over the budget:
    ``factor`` x the effective sample, with ``factor`` x the exceedances. A forecast to choose
    what to run next, never a verdict: a queue's design effect can grow with a longer run."""
    if found.confident:
        return True
    if not found.effective_n or not math.isfinite(found.design_effect + found.q):
        return False
    q = found.q
    n_eff = int(found.effective_n * factor)
    exceedances = found.over * factor / found.design_effect
    alpha = 1.0 - confidence
    if found.verdict == "pass":
        return exceedances <= pass_cutoff(n_eff, q, alpha)
    return exceedances >= fail_cutoff(n_eff, q, alpha)
