"""One measurement end to end: spec + target -> raw samples (``engine``) -> verdicts (``judge``)
-> ``LatencyResult``, and what the result has to say (``findings``).

No pytest objects here; the pytest edge and the ``latency-sla`` command call ``run_measurement``
(or ``judge_collected`` on what an isolated child sent) and act on ``findings``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..engine.collect import MeasureSpec, collect
from ..engine.environment import onnxruntime_version
from ..engine.sampler import Decision, Sampling
from ..messages.load import load_inconclusive_message, overload_message, under_load_line
from ..messages.ratio import ratio_failure_message, ratio_inconclusive_message, stored_too_small
from ..messages.verdict import ColdStart, failure_message, inconclusive_message, overkill_message
from ..plan import budget_ns
from ..records import LoadDict, RatioThresholdDict, ResultDict, ThresholdDict
from ..stats.bounds import nearest_rank
from ..stats.looks import needed_samples
from ..warning_types import LatencyInconclusiveWarning, LatencyOverkillWarning
from .judge import closed_loop_bounds, judge, load_bounds, not_judged, ratio_bounds
from .result import ComparisonResult, LatencyResult, ThresholdResult

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..engine.load.schedule import LoadRun
    from ..engine.target import Target
    from ..stats.two_sample import SideBounds

__all__ = [
    "Findings",
    "call_once",
    "findings",
    "interrupted_result",
    "judge_collected",
    "judge_thresholds",
    "run_isolated",
    "run_measurement",
]

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


def run_measurement(target: Target, spec: MeasureSpec, name: str = "") -> LatencyResult:
    """Measure ``target`` in this process and judge every threshold of ``spec`` (a spec without
    a capacity search: ``verdict.capacity`` judges those)."""
    return judge_collected(_single(collect(target, spec)), spec, name)


def run_isolated(target: Target, spec: MeasureSpec, name: str = "") -> LatencyResult:
    """As ``run_measurement``, with warm-up and sampling in a forked child (``engine.isolation``:
    its errors propagate)."""
    from ..engine.isolation import run_isolated as sample_in_child

    return judge_collected(_single(sample_in_child(target, spec)), spec, name, isolated=True)


def _single(collected: object) -> Sampling | LoadRun:
    """What ``collect`` returned for one measurement: a comparison is judged by
    ``verdict.comparison``, a capacity search by ``verdict.capacity``. The load engine's records
    are imported only for a load run: a closed-loop measurement loads none of it."""
    if isinstance(collected, Sampling):
        return collected
    from ..engine.load.schedule import LoadRun

    if isinstance(collected, LoadRun):
        return collected
    raise TypeError(f"one measurement expected, got a {type(collected).__name__}")


def judge_thresholds(
    spec: MeasureSpec,
    ordered: npt.NDArray[np.int64],
    decisions: list[Decision],
    ratio_decisions: list[Decision],
    baseline_sorted: npt.NDArray[np.int64] | None = None,
) -> tuple[ThresholdResult, ...]:
    """Every closed-loop threshold of ``spec`` on ``ordered`` (the candidate's sorted samples),
    in the order of ``spec.thresholds``: absolute ones with ``decisions`` (in gate order),
    ratios with ``ratio_decisions``, against ``baseline_sorted`` or a stored baseline."""
    absolute, ratios = iter(decisions), iter(ratio_decisions)
    half = (1.0 - spec.confidence) / 2.0
    found = []
    for t in spec.thresholds:
        if t.kind == "absolute":
            bounds = closed_loop_bounds(ordered, t, next(absolute, Decision()), spec.confidence)
        else:
            if t.against == "stored":
                baseline = spec.stored[t.percentile].side_bounds(half)
                bounds = ratio_bounds(
                    ordered, baseline, t, next(ratios, Decision()), spec.confidence
                )
            elif baseline_sorted is not None and len(baseline_sorted):
                bounds = ratio_bounds(
                    ordered, baseline_sorted, t, next(ratios, Decision()), spec.confidence
                )
            else:
                continue
        found.append(judge(t, bounds))
    return tuple(found)


def call_once(
    target: Target, spec: MeasureSpec, name: str = "", *, isolate: bool = False
) -> LatencyResult:
    """``--latency-mode=off``: one call of ``target`` (in a forked child with ``isolate``, whose
    errors propagate as in ``run_isolated``), its duration as ``n = 1`` sample, and the
    thresholds of ``spec`` listed with no verdict."""
    once = replace(spec, once=True, load=None, capacity=None)
    if isolate:
        from ..engine.isolation import run_isolated as sample_in_child

        collected = sample_in_child(target, once)
    else:
        collected = collect(target, once)
    assert isinstance(collected, Sampling)
    samples = collected.samples_ns
    estimate = float(samples[0]) / 1e9
    return LatencyResult(
        samples_ns=samples,
        thresholds=tuple(judge(t, not_judged(estimate)) for t in spec.thresholds),
        name=name,
        duration_s=collected.duration_s,
        stopped="mode off",
        confidence=spec.confidence,
        isolated=isolate,
    )


def interrupted_result(
    partial: Sampling | LoadRun | None, spec: MeasureSpec, name: str, *, isolated: bool = False
) -> LatencyResult:
    """What a measurement stopped by an interrupt leaves: the samples taken so far (none when
    ``partial`` is ``None``), ``stopped="interrupted"``, no threshold judged."""
    import numpy as np

    unjudged = replace(spec, thresholds=())
    if partial is None:
        return LatencyResult(
            samples_ns=np.zeros(0, dtype=np.int64),
            name=name,
            stopped="interrupted",
            confidence=spec.confidence,
            isolated=isolated,
        )
    result = judge_collected(partial, unjudged, name, isolated=isolated)
    return replace(result, stopped="interrupted")


def judge_collected(
    collected: Sampling | LoadRun, spec: MeasureSpec, name: str, *, isolated: bool = False
) -> LatencyResult:
    """The ``LatencyResult`` of a raw measurement, every threshold through ``judge``."""
    import numpy as np

    from ..engine.clock import timer_overhead_ns
    from ..stats.drift import drift, near_timer_resolution

    samples = collected.samples_ns if isinstance(collected, Sampling) else collected.latency_ns
    ordered = np.sort(samples)
    n = len(ordered)
    thresholds: tuple[ThresholdResult, ...] = ()
    if isinstance(collected, Sampling):
        if n:
            thresholds = judge_thresholds(
                spec, ordered, collected.decisions, collected.ratio_decisions
            )
        load = None
    else:
        overloaded = collected.overload is not None
        if n:
            thresholds = tuple(
                judge(t, load_bounds(samples, t, spec.confidence, overloaded=overloaded))
                for t in spec.thresholds
            )
        load = _load_record(collected, spec)
    halves = drift(samples) if isinstance(collected, Sampling) else None
    overhead = timer_overhead_ns()
    p50_ns = float(ordered[nearest_rank(n, 50) - 1]) if n else 0.0
    result = LatencyResult(
        samples_ns=samples,
        thresholds=thresholds,
        name=name,
        warmup=collected.warmup,
        duration_s=collected.duration_s,
        stopped=collected.stopped,
        gc_collections=collected.gc_collections,
        confidence=spec.confidence,
        half_medians_ns=None if halves is None else (halves.first_ns, halves.second_ns),
        unstable=halves is not None and halves.unstable,
        near_timer_resolution=bool(n) and load is None and near_timer_resolution(p50_ns, overhead),
        timer_overhead_ns=overhead if load is None else 0,
        load=load,
        isolated=isolated,
        onnxruntime=onnxruntime_version(),
    )
    object.__setattr__(result, "_sorted_ns", ordered)
    return result


def _load_record(run: LoadRun, spec: MeasureSpec) -> LoadDict:
    import numpy as np

    assert spec.load is not None
    record: LoadDict = {
        "rate": spec.load.rate,
        "arrivals": spec.load.arrivals,
        "concurrency": spec.load.concurrency,
        "achieved_rate": float(run.achieved_rate),
        "start_delay_p99_s": None,
    }
    if run.start_delay_ns is not None and len(run.start_delay_ns):
        ordered = np.sort(run.start_delay_ns)
        record["start_delay_p99_s"] = float(ordered[nearest_rank(len(ordered), 99.0) - 1]) / 1e9
    if run.overload is not None:
        record["overload"] = {
            "served_rate": float(run.overload.served_rate),
            "backlog_s": float(run.overload.backlog_s),
            "after_s": float(run.overload.after_s),
        }
    return record


def _cold_start(result: LatencyResult, t: ThresholdResult) -> ColdStart | None:
    """A confident closed-loop miss whose calls over budget came first (``stats.drift``)."""
    from ..stats.drift import cold_start

    if result.load is not None or not t.confident or not result.n:
        return None
    budget = budget_ns(t.budget)
    first = cold_start(result.samples_ns, budget, t.percentile / 100.0)
    if first is None:
        return None
    over = result.samples_ns > budget
    return ColdStart(
        first=first,
        over_first=int(over[:first].sum()),
        over=int(over.sum()),
        warmup=_round_up_nicely(result.warmup + first),
    )


def _round_up_nicely(count: int) -> int:
    """The first of 1, 2, 5, 10, 20, 50, ... at or above ``count``: a warm-up to suggest."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= count:
                return step * magnitude
        magnitude *= 10


@dataclass(frozen=True)
class Findings:
    """What a finished measurement has to say: warnings (category, text); on a missed budget,
    a missed ratio or an overloaded rate, the failure message (its first line is the summary);
    on a confident regression against a stored baseline, its message apart (``regression``:
    warn mode words it as a ``LatencyRegressionWarning``)."""

    warnings: tuple[tuple[type[Warning], str], ...]
    miss: str | None
    regression: str | None = None


def findings(result: LatencyResult | ComparisonResult, spec: MeasureSpec) -> Findings:
    """The words for ``result``, the same for a test and for the ``latency-sla`` command."""
    record = result.summary()
    warnings: list[tuple[type[Warning], str]] = []
    failed = any(t.confident and t.verdict == "fail" for t in result.thresholds)
    for t, shown in zip(result.thresholds, record["thresholds"], strict=True):
        if t.overkill and shown["kind"] == "absolute":
            warnings.append((LatencyOverkillWarning, overkill_message(shown)))
        if t.confident or t.verdict is None or failed:
            # decided, or nothing judged; a threshold left open because another one failed
            # confidently is moot, not inconclusive: longer sampling would not change the test
            continue
        if record["stopped"] != "decided":
            text = _inconclusive(result, t, shown, record, spec)
            warnings.append((LatencyInconclusiveWarning, text))
        elif shown["kind"] == "ratio" and shown["against"] == "stored":
            # settled undecided: the stored sample is too small to ever decide it
            warnings.append((LatencyInconclusiveWarning, stored_too_small(record, shown)))
    overload = overload_message(record)
    missed = [
        shown
        for t, shown in zip(result.thresholds, record["thresholds"], strict=True)
        if not t.passed and t.against != "stored"
    ]
    regressed = [
        shown
        for t, shown in zip(result.thresholds, record["thresholds"], strict=True)
        if not t.passed and t.against == "stored" and shown["kind"] == "ratio"
    ]
    regression = ratio_failure_message(record, regressed[0]) if regressed else None
    if not missed and overload is None:
        return Findings(tuple(warnings), None, regression)
    first = missed[0] if missed else None
    if overload is not None:
        miss = overload
    elif first is not None and first["kind"] == "ratio":
        miss = ratio_failure_message(record, first)
    else:
        assert first is not None and first["kind"] == "absolute"
        threshold = next(t for t in result.thresholds if not t.passed and t.kind == "absolute")
        measured = result.candidate if isinstance(result, ComparisonResult) else result
        cold = _cold_start(measured, threshold)
        miss = failure_message(record, first, cold)
    load = result.load if isinstance(result, LatencyResult) else None
    if load is not None:
        miss += f"\n  {under_load_line(load)}"
    return Findings(tuple(warnings), miss, regression)


def _inconclusive(
    result: LatencyResult | ComparisonResult,
    t: ThresholdResult,
    shown: ThresholdDict | RatioThresholdDict,
    record: ResultDict,
    spec: MeasureSpec,
) -> str:
    """The ``LatencyInconclusiveWarning`` text of a threshold that got no confident verdict."""
    import numpy as np

    candidate = result.candidate if isinstance(result, ComparisonResult) else result
    q, alpha = t.percentile / 100.0, 1 - spec.confidence
    assert t.verdict is not None, "a threshold with no verdict is never inconclusive"
    if shown["kind"] == "ratio":
        baseline: npt.NDArray[np.int64] | SideBounds
        if t.against == "stored":
            baseline = spec.stored[t.percentile].side_bounds(alpha / 2)
        else:
            assert isinstance(result, ComparisonResult)
            baseline = np.sort(result.baseline.samples_ns)
        from ..stats.two_sample import needed_pairs

        needed = needed_pairs(
            np.sort(candidate.samples_ns), baseline, q, t.budget, alpha, t.verdict, candidate.n
        )
        return ratio_inconclusive_message(record, shown, max_time=spec.max_time, needed_n=needed)
    if candidate.load is not None:
        return load_inconclusive_message(record, shown, max_time=spec.max_time)
    over = candidate.samples_ns > budget_ns(t.budget)
    exceedance = float(over.mean()) if candidate.n else 0.0
    needed = needed_samples(exceedance, q, alpha, t.verdict, candidate.n)
    return inconclusive_message(record, shown, max_time=spec.max_time, needed_n=needed)
