"""A capacity search end to end: spec + target -> the search's probes (``engine.capacity``) ->
every probe's thresholds through the one judge -> ``CapacityResult``, and what the result has
to say (``capacity_findings``).

No pytest objects here; the pytest edge and the ``latency-sla`` command call ``run_capacity``
and act on ``capacity_findings``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.capacity import CapacityPlan, CapacitySearch, Probe, decidable_max_time
from ..engine.collect import MeasureSpec, collect
from ..engine.environment import onnxruntime_version
from ..messages.capacity import capacity_failed, capacity_inconclusive, capacity_missed
from ..warning_types import LatencyInconclusiveWarning
from .judge import judge, probe_bounds
from .measure import Findings
from .result import CapacityResult, ProbeResult

if TYPE_CHECKING:
    from ..engine.target import Target

__all__ = ["capacity_findings", "judge_search", "run_capacity"]

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


def run_capacity(
    target: Target, spec: MeasureSpec, name: str = "", *, isolate: bool = False
) -> CapacityResult:
    """Search the capacity of ``target`` (``spec.capacity`` set), in this process or, with
    ``isolate``, in a forked child (``engine.isolation``: its errors propagate)."""
    if isolate:
        from ..engine.isolation import run_isolated

        found = run_isolated(target, spec)
    else:
        found = collect(target, spec)
    if not isinstance(found, CapacitySearch):
        raise TypeError(f"a capacity search needs spec.capacity; got {type(found).__name__}")
    return judge_search(found, spec, name, isolated=isolate)


def judge_search(
    search: CapacitySearch, spec: MeasureSpec, name: str = "", *, isolated: bool = False
) -> CapacityResult:
    """The ``CapacityResult`` of a finished search: each probe's thresholds judged from its
    batch-means bounds at the probe's own confidence."""
    plan = spec.capacity or CapacityPlan()
    needed = None
    if search.stopped == "max_time too short":
        percentiles = [t.percentile for t in spec.thresholds]
        needed = decidable_max_time(percentiles, search.service_rate)
    return CapacityResult(
        holds_at=search.holds_at,
        misses_at=search.misses_at,
        probes=tuple(_probe_result(p, spec) for p in search.probes),
        min_rate=plan.min_rate,
        service=_probe_result(search.service, spec),
        budgets=tuple(t.label for t in spec.thresholds),
        name=name,
        stopped=search.stopped,
        duration_s=search.duration_s,
        warmup=search.warmup,
        confidence=spec.confidence,
        concurrency=plan.concurrency,
        arrivals=plan.arrivals,
        capacity_time=plan.capacity_time,
        gc_collections=sum(p.gc_collections for p in search.probes),
        isolated=isolated,
        onnxruntime=onnxruntime_version(),
        max_time_needed=needed,
    )


def _probe_result(probe: Probe, spec: MeasureSpec) -> ProbeResult:
    overloaded = probe.overload is not None
    thresholds = tuple(
        judge(t, probe_bounds(b, overloaded=overloaded))
        for t, b in zip(spec.thresholds, probe.bounds, strict=True)
    )
    return ProbeResult(
        rate=probe.rate,
        served_rate=probe.served_rate,
        n=probe.n,
        duration=probe.duration_s,
        confidence=probe.confidence,
        thresholds=thresholds,
        outcome=probe.outcome,
        overloaded=overloaded,
        start_delay_p99=probe.start_delay_p99_s,
        quantiles=dict(probe.quantiles_s),
        service_time=probe.service_time_s,
    )


def capacity_findings(result: CapacityResult, spec: MeasureSpec) -> Findings:
    """The words for a capacity search, the same for a test and for the ``latency-sla``
    command: a warning when probes near the capacity were not confident, and the failure
    message when the gate (``min_rate``) is not held with confidence, or -- without a gate --
    when no rate holds (with confidence, or by every probe's point estimate)."""
    if result.stopped == "mode off":
        return Findings((), None)
    record = result.to_dict()
    capacity = record["capacity"]
    warnings: list[tuple[type[Warning], str]] = []
    unsure = capacity_inconclusive(capacity, max_time=spec.max_time)
    if unsure is not None:
        warnings.append((LatencyInconclusiveWarning, unsure))
    if not capacity_failed(capacity):
        return Findings(tuple(warnings), None)
    return Findings(tuple(warnings), capacity_missed(record, max_time=spec.max_time))
