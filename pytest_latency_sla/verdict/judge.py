"""The one judge: every ``ThresholdResult`` is built here, whatever engine measured.

Engines differ only in where a threshold's bounds come from (``Bounds``):

* closed loop (``closed_loop_bounds``): order statistics of independent per-call samples, and
  the sequential looks' confident decision (``stats.bounds``, ``stats.looks``);
* under load (``load_bounds``): binomial bounds on the effective sample of batch means
  (``stats.batch_means``); a run above capacity is a confident fail; a capacity search's
  probes (``probe_bounds``) each at the probe's own confidence, where an overloaded probe fails
  confidently only when its latencies do (a transient trips the overload rule);
* a ratio to a baseline (``ratio_bounds``): each side's order statistics at half the level
  (``stats.two_sample``), the baseline sampled in the same run or stored (``stats.stored``).

* not judged (``not_judged``): ``--latency-mode=off`` times one call and gates nothing; its
  thresholds are listed with the call's duration and no verdict.

``judge`` turns bounds into the verdict, the margin and the overkill flag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..plan import Threshold
from ..records import Verdict
from ..stats.batch_means import BlockBounds, block_bounds
from ..stats.bounds import bound_ranks, nearest_rank
from ..stats.two_sample import SideBounds, below_ratio, side_bounds
from ..stats.two_sample import ratio_bounds as two_sample_bounds
from .result import ThresholdResult

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..engine.sampler import Decision

__all__ = [
    "Bounds",
    "batch_bounds",
    "closed_loop_bounds",
    "judge",
    "load_bounds",
    "not_judged",
    "probe_bounds",
    "ratio_bounds",
]


@dataclass(frozen=True)
class Bounds:
    """One threshold's evidence: the point estimate and the confidence bounds of its percentile
    (seconds; a bound is ``None`` where the sample cannot give it), and the verdict with whether
    the bounds made it confident (otherwise the point estimate decided); no verdict (``None``)
    where nothing is judged."""

    estimate: float
    lower: float | None
    upper: float | None
    verdict: Verdict | None
    confident: bool
    # a ratio's two percentiles (seconds) and the baseline's sample count
    candidate: float | None = None
    baseline: float | None = None
    baseline_n: int = 0


def judge(threshold: Threshold, bounds: Bounds) -> ThresholdResult:
    """The ``ThresholdResult`` of ``threshold`` (its budget already scaled) given ``bounds``.
    For a ratio threshold the budget, the estimate and the bounds are ratios."""
    budget = threshold.budget_s
    margin = budget / bounds.estimate if bounds.estimate > 0 else math.inf
    ratio = threshold.kind == "ratio"
    return ThresholdResult(
        percentile=threshold.percentile,
        budget=budget,
        estimate=bounds.estimate,
        lower=bounds.lower,
        upper=bounds.upper,
        verdict=bounds.verdict,
        confident=bounds.confident,
        margin=margin,
        overkill=bounds.verdict is not None
        and threshold.overkill is not None
        and margin >= threshold.overkill,
        budget_text=threshold.shown_budget,
        overkill_threshold=threshold.overkill,
        scale=threshold.scale,
        kind=threshold.kind,
        against=threshold.against if ratio else None,
        candidate=bounds.candidate,
        baseline=bounds.baseline,
        baseline_n=bounds.baseline_n,
    )


def closed_loop_bounds(
    sorted_ns: npt.NDArray[np.int64], threshold: Threshold, decision: Decision, confidence: float
) -> Bounds:
    """Bounds over all ``n`` independent samples (sorted, ns): the fixed-sample bounds at the
    session's confidence; the verdict is the sequential decision when there was one, otherwise
    the nearest-rank estimate against the budget, not confident."""
    n = int(sorted_ns.shape[0])
    q = threshold.percentile / 100.0
    estimate_ns = int(sorted_ns[nearest_rank(n, threshold.percentile) - 1])
    lower_rank, upper_rank = bound_ranks(n, q, 1.0 - confidence)
    lower = None if lower_rank is None else float(sorted_ns[lower_rank - 1]) / 1e9
    upper = None if upper_rank is None else float(sorted_ns[upper_rank - 1]) / 1e9
    if decision.verdict is not None:
        return Bounds(estimate_ns / 1e9, lower, upper, decision.verdict, True)
    point: Verdict = "pass" if estimate_ns <= threshold.budget_ns else "fail"
    return Bounds(estimate_ns / 1e9, lower, upper, point, False)


def load_bounds(
    latency_ns: npt.NDArray[np.int64], threshold: Threshold, confidence: float, *, overloaded: bool
) -> Bounds:
    """Bounds of a load run's latencies (in call order) from batch means. A run stopped above
    capacity is a confident fail: a queue that keeps growing breaks every budget in time."""
    found = block_bounds(latency_ns, threshold.percentile / 100.0, threshold.budget_ns, confidence)
    return batch_bounds(found, overloaded=overloaded)


def batch_bounds(found: BlockBounds, *, overloaded: bool) -> Bounds:
    """Bounds from batch means already computed; an overloaded run is a confident fail, as
    in ``load_bounds``."""
    if overloaded:
        return Bounds(found.estimate, found.lower, found.upper, "fail", True)
    return Bounds(found.estimate, found.lower, found.upper, found.verdict, found.confident)


def probe_bounds(found: BlockBounds, *, overloaded: bool) -> Bounds:
    """A capacity probe's bounds (batch means at the probe's own confidence). An overloaded
    probe fails confidently only where its bounds do (``engine.capacity.probe_from_run``
    counts the queued calls' waits); it never passes confidently (its run ended early)."""
    confident = found.confident and not (overloaded and found.verdict == "pass")
    return Bounds(found.estimate, found.lower, found.upper, found.verdict, confident)


def not_judged(estimate_s: float) -> Bounds:
    """No verdict: the duration of the one call that ``--latency-mode=off`` makes, no bounds."""
    return Bounds(estimate_s, None, None, None, False)


def ratio_bounds(
    candidate_sorted: npt.NDArray[np.int64],
    baseline: npt.NDArray[np.int64] | SideBounds,
    threshold: Threshold,
    decision: Decision,
    confidence: float,
) -> Bounds:
    """Bounds of candidate / baseline at the threshold's percentile: each side's fixed-sample
    bounds at half the level (``baseline`` sorted samples, or a stored baseline's bounds at that
    level); the verdict is the sequential decision when there was one, otherwise the ratio of
    the nearest-rank percentiles against the allowed ratio, not confident."""
    half = (1.0 - confidence) / 2.0
    x = side_bounds(candidate_sorted, threshold.percentile, half)
    y = (
        baseline
        if isinstance(baseline, SideBounds)
        else side_bounds(baseline, threshold.percentile, half)
    )
    found = two_sample_bounds(x, y)
    if decision.verdict is not None:
        verdict, confident = decision.verdict, True
    else:
        point_passes = below_ratio(x.estimate_ns, threshold.budget_s, y.estimate_ns)
        verdict, confident = ("pass" if point_passes else "fail"), False
    return Bounds(
        estimate=found.estimate,
        lower=found.lower,
        upper=found.upper,
        verdict=verdict,
        confident=confident,
        candidate=x.estimate_ns / 1e9,
        baseline=y.estimate_ns / 1e9,
        baseline_n=y.n,
    )
