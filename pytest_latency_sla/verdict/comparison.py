"""A comparison end to end: a ``Pair`` of targets and a spec in, interleaved samples out
(``engine.compare``), each side's ``LatencyResult`` and every threshold judged
(``judge``), a ``ComparisonResult`` out.

``findings`` (``verdict.measure``) words a ``ComparisonResult`` as it words a ``LatencyResult``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from ..engine.collect import MeasureSpec, collect
from ..engine.compare import Comparison
from ..engine.environment import onnxruntime_version
from .judge import judge, not_judged
from .measure import judge_thresholds
from .result import ComparisonResult, LatencyResult, ThresholdResult

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..engine.target import Pair

__all__ = ["compare_once", "interrupted_comparison", "judge_comparison", "run_comparison"]

# pytest leaves this module's frames out of a test's traceback: an exception raised by a
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


def run_comparison(
    pair: Pair, spec: MeasureSpec, name: str = "", *, isolate: bool = False
) -> ComparisonResult:
    """Measure ``pair`` (in a forked child with ``isolate``: ``engine.isolation``, whose errors
    propagate) and judge every threshold of ``spec``."""
    if isolate:
        from ..engine.isolation import run_isolated

        collected = run_isolated(pair, spec)
    else:
        collected = collect(pair, spec)
    assert isinstance(collected, Comparison)
    return judge_comparison(collected, spec, name, isolated=isolate)


def compare_once(
    pair: Pair, spec: MeasureSpec, name: str = "", *, isolate: bool = False
) -> ComparisonResult:
    """``--latency-mode=off``: one call of each side (in a forked child with ``isolate``), each
    duration as an ``n = 1`` sample, and the thresholds of ``spec`` listed with no verdict (a
    ratio's estimate is the ratio of the two calls)."""
    once = replace(spec, once=True, load=None)
    if isolate:
        from ..engine.isolation import run_isolated

        collected = run_isolated(pair, once)
    else:
        collected = collect(pair, once)
    assert isinstance(collected, Comparison)
    x = float(collected.candidate_ns[0]) / 1e9
    y = float(collected.baseline_ns[0]) / 1e9
    ratio = x / y if y > 0 else math.inf
    thresholds = tuple(
        judge(t, not_judged(x))
        if t.kind == "absolute"
        else judge(t, replace(not_judged(ratio), candidate=x, baseline=y, baseline_n=1))
        for t in spec.thresholds
    )

    def side(samples: npt.NDArray[np.int64], own: tuple[ThresholdResult, ...]) -> LatencyResult:
        return LatencyResult(
            samples_ns=samples,
            thresholds=own,
            name=name,
            duration_s=float(samples[0]) / 1e9,
            stopped="mode off",
            confidence=spec.confidence,
            isolated=isolate,
        )

    own = tuple(t for t in thresholds if t.kind == "absolute")
    return ComparisonResult(
        side(collected.candidate_ns, own), side(collected.baseline_ns, ()), thresholds, name
    )


def interrupted_comparison(
    partial: Comparison, spec: MeasureSpec, name: str, *, isolated: bool = False
) -> ComparisonResult:
    """What a comparison stopped by an interrupt leaves: the pairs taken so far,
    ``stopped="interrupted"``, no threshold judged."""
    return judge_comparison(partial, replace(spec, thresholds=()), name, isolated=isolated)


def judge_comparison(
    collected: Comparison, spec: MeasureSpec, name: str, *, isolated: bool = False
) -> ComparisonResult:
    """The ``ComparisonResult`` of a raw comparison, every threshold through ``judge``: the
    absolute ones and ratios to a stored baseline on the candidate, the ratios to the baseline
    of the same run on both sides."""
    import numpy as np

    candidate_sorted = np.sort(collected.candidate_ns)
    baseline_sorted = np.sort(collected.baseline_ns)
    thresholds: tuple[ThresholdResult, ...] = ()
    if len(candidate_sorted):
        thresholds = judge_thresholds(
            spec,
            candidate_sorted,
            collected.decisions,
            collected.ratio_decisions,
            baseline_sorted,
        )
    own = tuple(t for t in thresholds if t.kind == "absolute" or t.against == "stored")
    where = (spec, name, isolated)
    candidate = _side(
        collected, collected.candidate_ns, candidate_sorted, collected.candidate_warmup, own, where
    )
    baseline = _side(
        collected, collected.baseline_ns, baseline_sorted, collected.baseline_warmup, (), where
    )
    return ComparisonResult(candidate, baseline, thresholds, name)


def _side(
    collected: Comparison,
    samples: npt.NDArray[np.int64],
    ordered: npt.NDArray[np.int64],
    warmup: int,
    thresholds: tuple[ThresholdResult, ...],
    where: tuple[MeasureSpec, str, bool],
) -> LatencyResult:
    spec, name, isolated = where
    from ..engine.clock import timer_overhead_ns
    from ..stats.bounds import nearest_rank
    from ..stats.drift import drift, near_timer_resolution

    n = len(ordered)
    halves = drift(samples)
    overhead = timer_overhead_ns()
    p50_ns = float(ordered[nearest_rank(n, 50) - 1]) if n else 0.0
    result = LatencyResult(
        samples_ns=samples,
        thresholds=thresholds,
        name=name,
        warmup=warmup,
        duration_s=collected.duration_s,
        stopped=collected.stopped,
        gc_collections=collected.gc_collections,
        confidence=spec.confidence,
        half_medians_ns=None if halves is None else (halves.first_ns, halves.second_ns),
        unstable=halves is not None and halves.unstable,
        near_timer_resolution=bool(n) and near_timer_resolution(p50_ns, overhead),
        timer_overhead_ns=overhead,
        isolated=isolated,
        onnxruntime=onnxruntime_version(),
    )
    object.__setattr__(result, "_sorted_ns", ordered)
    return result
