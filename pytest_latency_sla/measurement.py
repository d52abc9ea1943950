"""One measurement end to end: plan + target -> samples -> verdicts -> ``LatencyResult``.

No pytest objects here; the fixture and the marker-only path call ``run_measurement`` and
handle recording, warnings and failing the test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .result import LatencyResult, ThresholdResult
from .sampler import Gate, Sampling, Target, sample
from .stats import LookSchedule, fail_cutoff, nearest_rank, pass_cutoff
from .thresholds import Threshold
from .verdict import Decision, budget_ns, judge

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .load import LoadPlan, LoadRun

__all__ = ["Findings", "MeasureSpec", "findings", "needed_samples", "run_measurement"]

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


@dataclass(frozen=True)
class MeasureSpec:
    """How to measure: the thresholds (empty for ``measure``) and sampling settings."""

    thresholds: Sequence[Threshold]
    confidence: float = 0.95
    max_time: float = 3.0
    warmup: int | None = None
    scale: float = 1.0
    gc_mode: str = "keep"
    load: LoadPlan | None = None  # a rate or several workers: the load engine measures


def run_measurement(target: Target, spec: MeasureSpec, name: str = "") -> LatencyResult:
    return judge_collected(collect(target, spec), spec, name)


def collect(target: Target, spec: MeasureSpec) -> Sampling | LoadRun:
    """The raw measurement, no verdict yet: plain picklable data, so an isolated child can
    send it to the parent, which judges it as an in-process measurement is judged."""
    if spec.load is not None:
        from .load import run_load

        return run_load(
            target, spec.load, max_time=spec.max_time, warmup=spec.warmup, gc_mode=spec.gc_mode
        )
    return sample_spec(target, spec)


def judge_collected(collected: Sampling | LoadRun, spec: MeasureSpec, name: str) -> LatencyResult:
    if not isinstance(collected, Sampling):
        from .load_measurement import result_from_run

        return result_from_run(collected, spec, name)
    return result_from_samples(
        collected.samples_ns,
        spec,
        decisions=collected.decisions,
        name=name,
        warmup=collected.warmup,
        duration_s=collected.duration_s,
        stopped=collected.stopped,
        gc_collections=collected.gc_collections,
    )


def sample_spec(target: Target, spec: MeasureSpec) -> Sampling:
    """Warm up and sample ``target`` in this process, a sequential gate per threshold (not for
    a load plan: the load engine measures that)."""
    gates = [
        Gate(t.percentile / 100.0, budget_ns(t.budget_s * spec.scale)) for t in spec.thresholds
    ]
    return sample(
        target,
        gates,
        confidence=spec.confidence,
        max_time=spec.max_time,
        warmup=spec.warmup,
        gc_mode=spec.gc_mode,
    )


def result_from_samples(
    samples_ns: npt.NDArray[np.int64],
    spec: MeasureSpec,
    *,
    decisions: Sequence[Decision],
    name: str,
    warmup: int,
    duration_s: float,
    stopped: str,
    gc_collections: int,
) -> LatencyResult:
    """Judge every threshold over the samples and wrap it all in a ``LatencyResult``."""
    import numpy as np

    from .environment import timer_overhead_ns
    from .stability import drift, near_timer_resolution

    ordered = np.sort(samples_ns)
    thresholds: tuple[ThresholdResult, ...] = ()
    if len(ordered):
        thresholds = tuple(
            judge(ordered, t, d, confidence=spec.confidence, scale=spec.scale)
            for t, d in zip(spec.thresholds, decisions)
        )
    halves = drift(samples_ns)
    overhead = timer_overhead_ns()
    p50_ns = float(ordered[nearest_rank(len(ordered), 50) - 1]) if len(ordered) else 0.0
    result = LatencyResult(
        samples_ns=samples_ns,
        thresholds=thresholds,
        name=name,
        warmup=warmup,
        duration_s=duration_s,
        stopped=stopped,
        gc_collections=gc_collections,
        confidence=spec.confidence,
        half_medians_ns=None if halves is None else (halves.first_ns, halves.second_ns),
        unstable=halves is not None and halves.unstable,
        near_timer_resolution=bool(len(ordered)) and near_timer_resolution(p50_ns, overhead),
        timer_overhead_ns=overhead,
    )
    result.extra["_sorted"] = ordered
    return result


def needed_samples(exceedance_rate: float, q: float, alpha: float, side: str, start: int) -> int:
    """The first planned look at or after ``start`` where the current exceedance rate would
    give a confident ``side`` verdict; ``0`` when none would within a thousandfold more samples."""
    schedule = LookSchedule(q, alpha)
    n = start
    while n <= max(start, 1) * 1000:
        n = schedule.next_look_after(n)
        for look in schedule.looks_at(n):
            expected = exceedance_rate * n
            if look.side == side == "pass" and expected <= pass_cutoff(n, q, look.alpha):
                return n
            if look.side == side == "fail" and expected >= fail_cutoff(n, q, look.alpha):
                return n
    return 0


@dataclass(frozen=True)
class Findings:
    """What a finished measurement has to say: warnings (category, text) and, on a missed
    budget or an overloaded rate, the failure message (its first line is the summary)."""

    warnings: tuple[tuple[type[Warning], str], ...]
    miss: str | None


def findings(result: LatencyResult, spec: MeasureSpec) -> Findings:
    """The words for ``result``, the same for a test and for the ``latency-sla`` command."""
    from . import verdict
    from .warning_types import LatencyInconclusiveWarning, LatencyOverkillWarning

    warnings: list[tuple[type[Warning], str]] = []
    for t in result.thresholds:
        if t.overkill:
            warnings.append((LatencyOverkillWarning, verdict.overkill_message(t)))
        if t.confident:
            continue
        if spec.load is not None:
            from .load_measurement import load_inconclusive_message

            message = load_inconclusive_message(result, t, spec.max_time)
        else:
            over = result.samples_ns > budget_ns(t.budget)
            exceed = float(over.mean()) if result.n else 0.0
            q, alpha = t.percentile / 100.0, 1 - spec.confidence
            needed = needed_samples(exceed, q, alpha, t.verdict, result.n)
            message = verdict.inconclusive_message(
                result, t, max_time=spec.max_time, needed_n=needed
            )
        warnings.append((LatencyInconclusiveWarning, message))
    missed = [t for t in result.thresholds if not t.passed]
    capacity = None
    if spec.load is not None:
        from .load_measurement import capacity_message

        capacity = capacity_message(result)
    if not missed and capacity is None:
        return Findings(tuple(warnings), None)
    miss = capacity or verdict.failure_message(result, missed[0])
    if spec.load is not None and "load" in result.extra:
        from .load_measurement import load_note

        miss += f"\n  under load {load_note(result.extra['load'])}"
    return Findings(tuple(warnings), miss)
