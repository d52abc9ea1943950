"""One measurement end to end: spec + target -> raw samples (``engine``) -> verdicts (``judge``)
-> ``LatencyResult``, and what the result has to say (``findings``).

No pytest objects here; the pytest edge and the ``latency-sla`` command call ``run_measurement``
(or ``judge_collected`` on what an isolated child sent) and act on ``findings``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .. import messages
from ..engine.capacity import CapacitySearch
from ..engine.collect import MeasureSpec, collect
from ..engine.environment import onnxruntime_version
from ..engine.sampler import Sampling
from ..plan import budget_ns
from ..records import LoadDict
from ..stats.bounds import nearest_rank
from ..stats.looks import needed_samples
from ..warning_types import LatencyInconclusiveWarning, LatencyOverkillWarning
from .judge import closed_loop_bounds, judge, load_bounds, not_judged
from .result import LatencyResult, ThresholdResult

if TYPE_CHECKING:
    from ..engine.load.schedule import LoadRun
    from ..engine.target import Target

__all__ = [
    "Findings",
    "call_once",
    "findings",
    "interrupted_result",
    "judge_collected",
    "run_isolated",
    "run_measurement",
]

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


def run_measurement(target: Target, spec: MeasureSpec, name: str = "") -> LatencyResult:
    """Measure ``target`` in this process and judge every threshold of ``spec`` (a spec without
    a capacity search: ``verdict.capacity`` judges those)."""
    collected = collect(target, spec)
    assert not isinstance(collected, CapacitySearch), "a capacity search: use run_capacity"
    return judge_collected(collected, spec, name)


def run_isolated(target: Target, spec: MeasureSpec, name: str = "") -> LatencyResult:
    """As ``run_measurement``, with warm-up and sampling in a forked child (``engine.isolation``:
    its errors propagate)."""
    from ..engine.isolation import run_isolated as sample_in_child

    collected = sample_in_child(target, spec)
    assert not isinstance(collected, CapacitySearch), "a capacity search: use run_capacity"
    return judge_collected(collected, spec, name, isolated=True)


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
    if isinstance(collected, Sampling):
        decisions = collected.decisions
        bounds = [
            closed_loop_bounds(ordered, t, d, spec.confidence)
            for t, d in zip(spec.thresholds, decisions)
            if n
        ]
        load = None
    else:
        overloaded = collected.overload is not None
        bounds = [
            load_bounds(samples, t, spec.confidence, overloaded=overloaded)
            for t in spec.thresholds
            if n
        ]
        load = _load_record(collected, spec)
    thresholds = tuple(judge(t, b) for t, b in zip(spec.thresholds, bounds)) if n else ()
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


def _cold_start(result: LatencyResult, t: ThresholdResult) -> messages.ColdStart | None:
    """A confident closed-loop miss whose calls over budget came first (``stats.drift``)."""
    from ..stats.drift import cold_start

    if result.load is not None or not t.confident or not result.n:
        return None
    budget = budget_ns(t.budget)
    first = cold_start(result.samples_ns, budget, t.percentile / 100.0)
    if first is None:
        return None
    over = result.samples_ns > budget
    return messages.ColdStart(
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
    """What a finished measurement has to say: warnings (category, text) and, on a missed
    budget or an overloaded rate, the failure message (its first line is the summary)."""

    warnings: tuple[tuple[type[Warning], str], ...]
    miss: str | None


def findings(result: LatencyResult, spec: MeasureSpec) -> Findings:
    """The words for ``result``, the same for a test and for the ``latency-sla`` command."""
    record = result.summary()
    warnings: list[tuple[type[Warning], str]] = []
    for t, shown in zip(result.thresholds, record["thresholds"]):
        if t.overkill:
            warnings.append((LatencyOverkillWarning, messages.overkill_message(shown)))
        if t.confident or t.verdict is None:  # decided, or nothing judged
            continue
        if result.load is not None:
            text = messages.load_inconclusive_message(record, shown, max_time=spec.max_time)
        else:
            over = result.samples_ns > budget_ns(t.budget)
            exceedance = float(over.mean()) if result.n else 0.0
            q, alpha = t.percentile / 100.0, 1 - spec.confidence
            needed = needed_samples(exceedance, q, alpha, t.verdict, result.n)
            text = messages.inconclusive_message(
                record, shown, max_time=spec.max_time, needed_n=needed
            )
        warnings.append((LatencyInconclusiveWarning, text))
    overload = messages.overload_message(record)
    missed = [shown for t, shown in zip(result.thresholds, record["thresholds"]) if not t.passed]
    if not missed and overload is None:
        return Findings(tuple(warnings), None)
    if overload is not None:
        miss = overload
    else:
        first = next(t for t in result.thresholds if not t.passed)
        miss = messages.failure_message(record, missed[0], _cold_start(result, first))
    if result.load is not None:
        miss += f"\n  {messages.under_load_line(result.load)}"
    return Findings(tuple(warnings), miss)
