"""The statistical verdict on one threshold, and the words that report it.

Plain functions on plain data: sorted samples in, ``ThresholdResult`` and messages out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .result import LatencyResult, ThresholdResult
from .stats import bound_ranks, nearest_rank
from .units import format_duration, format_percentile, format_ratio

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .thresholds import Threshold

__all__ = [
    "Decision",
    "budget_ns",
    "failure_message",
    "inconclusive_message",
    "judge",
    "overkill_message",
]


@dataclass(frozen=True)
class Decision:
    """What the sequential looks concluded for a threshold: ``"pass"``, ``"fail"`` or ``None``."""

    verdict: str | None = None
    at_n: int = 0


def budget_ns(budget_s: float) -> float:
    """A budget in ns as samples (integer ns) are compared with it. Rounded to 1/1000 ns, so
    float noise from units and scale (262145e-9 * 133 * 1e9 = 34865284.99999999) cannot make a
    sample equal to the budget count as over it in one unit and not in another."""
    return round(budget_s * 1e9, 3)


def judge(
    sorted_ns: npt.NDArray[np.int64],
    threshold: Threshold,
    decision: Decision,
    *,
    confidence: float,
    scale: float = 1.0,
) -> ThresholdResult:
    """The ``ThresholdResult`` of one threshold over all samples (sorted, in ns).

    The verdict is the sequential decision when there was one; otherwise the nearest-rank
    estimate against the budget, not confident. The bounds shown are the fixed-sample bounds
    over all ``n`` samples at the session's confidence.
    """
    n = int(sorted_ns.shape[0])
    q = threshold.percentile / 100.0
    budget = threshold.budget_s * scale
    estimate_ns = int(sorted_ns[nearest_rank(n, threshold.percentile) - 1])
    estimate = estimate_ns / 1e9
    lower_rank, upper_rank = bound_ranks(n, q, 1.0 - confidence)
    lower = None if lower_rank is None else float(sorted_ns[lower_rank - 1]) / 1e9
    upper = None if upper_rank is None else float(sorted_ns[upper_rank - 1]) / 1e9
    if decision.verdict is not None:
        verdict, confident = decision.verdict, True
    else:
        verdict, confident = ("pass" if estimate_ns <= budget_ns(budget) else "fail"), False
    margin = budget / estimate if estimate > 0 else math.inf
    overkill = threshold.overkill is not None and margin >= threshold.overkill
    budget_text = threshold.budget_text
    if scale != 1.0:
        budget_text = f"{format_duration(budget)} ({threshold.budget_text} x {scale:g})"
    return ThresholdResult(
        percentile=threshold.percentile,
        budget=budget,
        estimate=estimate,
        lower=lower,
        upper=upper,
        verdict=verdict,
        confident=confident,
        margin=margin,
        overkill=overkill,
        budget_text=budget_text,
        overkill_threshold=threshold.overkill,
        scale=scale,
    )


def _bounds_text(result: LatencyResult, t: ThresholdResult) -> str:
    level = f"{result.confidence * 100:g}%"
    return f"{level} bounds [{format_duration(t.lower)}, {format_duration(t.upper)}]"


def failure_message(result: LatencyResult, t: ThresholdResult) -> str:
    """``latency SLA missed: p99 = 61.2 ms > budget 50 ms (n=412, 95% bounds [...]; p50 ..., max ...)``"""
    head = (
        f"latency SLA missed: {format_percentile(t.percentile)} = {format_duration(t.estimate)} "
        f"> budget {t.budget_text} (n={result.n}, {_bounds_text(result, t)}; "
        f"p50 {format_duration(result.p50)}, max {format_duration(result.max)})"
    )
    if t.confident:
        why = (
            f"confident: the {result.confidence * 100:g}% lower bound of the "
            f"{format_percentile(t.percentile)} is above the budget"
        )
    else:
        why = (
            f"not confident: sampling stopped ({result.stopped}) before the bounds could decide; "
            "the verdict is the point estimate"
        )
    return f"{head}\n  {why}\n  {_context(result)}"


def _context(result: LatencyResult) -> str:
    text = (
        f"{result.n} timed calls in {format_duration(result.duration_s)} after {result.warmup} warm-up "
        f"calls; {result.gc_collections} garbage collections while sampling"
    )
    return "; ".join([text, *_stability_notes(result)])


def _stability_notes(result: LatencyResult) -> list[str]:
    from .stability import notes

    return notes(
        unstable=result.unstable,
        half_medians_s=None
        if result.half_medians_ns is None
        else (result.half_medians_ns[0] / 1e9, result.half_medians_ns[1] / 1e9),
        near_resolution=result.near_timer_resolution,
        p50_s=result.p50 if result.n else None,
        timer_overhead_s=result.timer_overhead_ns / 1e9,
    )


def overkill_message(t: ThresholdResult) -> str:
    """``p99 = 7.1 us is 7,042x under the 50 ms budget (overkill threshold 1,000x): ...``"""
    assert t.overkill_threshold is not None
    return (
        f"{format_percentile(t.percentile)} = {format_duration(t.estimate)} is "
        f"{format_ratio(t.margin)} under the {t.budget_text} budget (overkill threshold "
        f"{format_ratio(t.overkill_threshold)}): further optimization of this call is wasted effort"
    )


def inconclusive_message(
    result: LatencyResult, t: ThresholdResult, *, max_time: float, needed_n: int
) -> str:
    """Why no confident verdict came, and what ``max_time`` would give one."""
    relation = "<=" if t.verdict == "pass" else ">"
    per_call = result.duration_s / result.n if result.n else 0.0
    needed_s = needed_n * per_call
    advice = (
        f"raise max_time to about {_round_up_seconds(needed_s * 1.2)} s "
        f"(a confident verdict needs n >= {needed_n} at {format_duration(per_call)} a call)"
        if needed_n > result.n
        else f"raise max_time above {max_time:g} s (the percentile sits close to the budget)"
    )
    text = (
        f"no confident verdict for {format_percentile(t.percentile)} <= {t.budget_text} after "
        f"n={result.n} in {format_duration(result.duration_s)}: estimate {format_duration(t.estimate)} "
        f"{relation} budget, {_bounds_text(result, t)}; decided by the point estimate; {advice}"
    )
    return "; ".join([text, *_stability_notes(result)])


def _round_up_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{math.ceil(seconds * 10) / 10:g}"
    return f"{math.ceil(seconds):d}"
