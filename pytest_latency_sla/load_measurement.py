"""One load measurement end to end: a load run -> batch-means verdicts -> ``LatencyResult``,
and the words that report it (the table's load note, the capacity failure, the advice)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .batch_means import block_bounds
from .result import LatencyResult, ThresholdResult
from .stats import nearest_rank
from .units import format_duration, format_percentile
from .verdict import budget_ns

if TYPE_CHECKING:
    from .load import LoadRun
    from .measurement import MeasureSpec
    from .thresholds import Threshold

__all__ = [
    "capacity_message",
    "load_inconclusive_message",
    "load_note",
]


def result_from_run(run: LoadRun, spec: MeasureSpec, name: str) -> LatencyResult:
    """Judge every threshold of ``spec`` on the run; a run above capacity fails them all."""
    import numpy as np

    assert spec.load is not None
    samples = run.latency_ns
    thresholds: tuple[ThresholdResult, ...] = ()
    if len(samples):
        thresholds = tuple(_judge(run, t, spec) for t in spec.thresholds)
    load: dict[str, Any] = {
        "rate": spec.load.rate,
        "arrivals": spec.load.arrivals,
        "concurrency": spec.load.concurrency,
        "achieved_rate": float(run.achieved_rate),
        "start_delay_p99_s": None,
    }
    if run.start_delay_ns is not None and len(run.start_delay_ns):
        ordered = np.sort(run.start_delay_ns)
        load["start_delay_p99_s"] = float(ordered[nearest_rank(len(ordered), 99.0) - 1]) / 1e9
    if run.overload is not None:
        load["overload"] = {
            "served_rate": float(run.overload.served_rate),
            "backlog_s": float(run.overload.backlog_s),
            "after_s": float(run.overload.after_s),
        }
    result = LatencyResult(
        samples_ns=samples,
        thresholds=thresholds,
        name=name,
        warmup=run.warmup,
        duration_s=run.duration_s,
        stopped=run.stopped,
        gc_collections=run.gc_collections,
        confidence=spec.confidence,
    )
    result.extra["load"] = load
    return result


def _judge(run: LoadRun, threshold: Threshold, spec: MeasureSpec) -> ThresholdResult:
    budget = threshold.budget_s * spec.scale
    bounds = block_bounds(
        run.latency_ns, threshold.percentile / 100.0, budget_ns(budget), spec.confidence
    )
    verdict, confident = bounds.verdict, bounds.confident
    if run.overload is not None:
        # A queue that keeps growing has no percentile: every budget breaks if the run goes on.
        verdict, confident = "fail", True
    estimate = bounds.estimate
    margin = budget / estimate if estimate > 0 else math.inf
    budget_text = threshold.budget_text
    if spec.scale != 1.0:
        budget_text = f"{format_duration(budget)} ({threshold.budget_text} x {spec.scale:g})"
    return ThresholdResult(
        percentile=threshold.percentile,
        budget=budget,
        estimate=estimate,
        lower=bounds.lower,
        upper=bounds.upper,
        verdict=verdict,
        confident=confident,
        margin=margin,
        overkill=threshold.overkill is not None and margin >= threshold.overkill,
        budget_text=budget_text,
        overkill_threshold=threshold.overkill,
        scale=spec.scale,
    )


def _per_second(rate: float) -> str:
    return f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.3g}/s"


def load_note(load: dict[str, Any]) -> str:
    """``@ 28,000/s (served 27,950/s, start delay p99 3.00 us)`` for the report's threshold cell."""
    workers = load.get("concurrency", 1)
    threads = f", {workers} threads" if workers > 1 else ""
    served = f"served {_per_second(load['achieved_rate'])}"
    if load.get("rate") is None:
        return f"@ {workers} callers ({served})"
    delay = format_duration(load.get("start_delay_p99_s"))
    return f"@ {_per_second(load['rate'])}{threads} ({served}, start delay p99 {delay})"


def capacity_message(result: LatencyResult) -> str | None:
    """``rate above capacity: target 28,000/s, served 9,870/s`` and why, for a run that was
    stopped because the backlog kept growing; ``None`` otherwise."""
    load = result.extra.get("load") or {}
    overload = load.get("overload")
    if overload is None:
        return None
    head = (
        f"rate above capacity: target {_per_second(load['rate'])}, "
        f"served {_per_second(overload['served_rate'])}"
    )
    workers = load["concurrency"]
    return (
        f"{head}\n  the start delay kept growing: {format_duration(overload['backlog_s'])} behind "
        f"schedule after {format_duration(overload['after_s'])} (stopped early, not at max_time)\n"
        f"  {result.n:,} calls on {workers} worker{'s' if workers > 1 else ''}, p50 latency "
        f"{format_duration(result.p50)}; lower the rate or add workers (concurrency=)"
    )


def load_inconclusive_message(result: LatencyResult, t: ThresholdResult, max_time: float) -> str:
    """Why a load run gave no confident verdict: too short for its correlation."""
    relation = "<=" if t.verdict == "pass" else ">"
    return (
        f"no confident verdict for {format_percentile(t.percentile)} <= {t.budget_text} under "
        f"load ({load_note(result.extra['load'])}) after n={result.n} in "
        f"{format_duration(result.duration_s)}: estimate {format_duration(t.estimate)} "
        f"{relation} budget, {result.confidence * 100:g}% bounds [{format_duration(t.lower)}, "
        f"{format_duration(t.upper)}] (latencies under load are correlated: the bounds count "
        f"blocks of calls, not calls); decided by the point estimate; raise max_time above "
        f"{max_time:g} s"
    )
