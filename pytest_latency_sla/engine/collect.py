"""One raw measurement: a plan's sampling settings and a target in, samples out, no verdict.

``collect`` runs the closed-loop sampler, the load engine, or a capacity search of load runs.
What it returns is plain picklable data, so an isolated child can send it to the parent, which
judges it as an in-process measurement is judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..plan import Threshold
from ..records import GcMode
from .sampler import MAX_SAMPLES, Gate, Sampling, sample, sample_once
from .target import Target

if TYPE_CHECKING:
    from .capacity import CapacityPlan, CapacitySearch
    from .load.schedule import LoadPlan, LoadRun

__all__ = ["MeasureSpec", "collect"]

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


@dataclass(frozen=True)
class MeasureSpec:
    """How to measure: the thresholds (scaled; empty for ``measure``) and sampling settings."""

    thresholds: Sequence[Threshold]
    confidence: float = 0.95
    max_time: float = 3.0
    warmup: int | None = None
    gc_mode: GcMode = "keep"
    load: LoadPlan | None = None  # a rate or several workers: the load engine measures
    capacity: CapacityPlan | None = None  # a search over rates: load runs of max_time each
    once: bool = False  # one timed call, no warm-up (``--latency-mode=off``)
    max_samples: int = MAX_SAMPLES  # the memory cap on timed calls

    @property
    def time_limit(self) -> float:
        """Seconds the measurement may take, warm-up not counted: ``max_time``, or a capacity
        search's ``capacity_time``."""
        if self.capacity is not None and not self.once:
            return self.capacity.capacity_time
        return self.max_time

    @property
    def gates(self) -> list[Gate]:
        return [Gate(t.percentile / 100.0, t.budget_ns) for t in self.thresholds]


def collect(target: Target, spec: MeasureSpec) -> Sampling | LoadRun | CapacitySearch:
    """Warm up and sample ``target`` in this process: the closed-loop sampler with a sequential
    gate per threshold, the load engine for a load plan, or a capacity search; one call for
    ``once``."""
    if spec.once:
        return sample_once(target, len(spec.thresholds))
    if spec.capacity is not None:
        from .capacity import search_capacity

        return search_capacity(
            target,
            spec.thresholds,
            spec.capacity,
            confidence=spec.confidence,
            max_time=spec.max_time,
            warmup=spec.warmup,
            gc_mode=spec.gc_mode,
        )
    if spec.load is not None:
        from .load.run import run_load

        return run_load(
            target,
            spec.load,
            max_time=spec.max_time,
            warmup=spec.warmup,
            gc_mode=spec.gc_mode,
            max_samples=spec.max_samples,
        )
    return sample(
        target,
        spec.gates,
        confidence=spec.confidence,
        max_time=spec.max_time,
        warmup=spec.warmup,
        gc_mode=spec.gc_mode,
        max_samples=spec.max_samples,
    )
