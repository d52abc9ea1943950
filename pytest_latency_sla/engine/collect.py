"""One raw measurement: a plan's sampling settings and a target in, samples out, no verdict.

``collect`` runs the closed-loop sampler, the interleaved sampler of a comparison (a ``Pair``
of targets), the load engine, or a capacity search of load runs. What it returns is plain
picklable data, so an isolated child can send it to the parent, which judges it as an
in-process measurement is judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..plan import Threshold
from ..records import GcMode
from ..stats.stored import OrderWindow
from ..stats.two_sample import RatioGate
from .sampler import MAX_SAMPLES, Gate, Sampling, sample, sample_once
from .target import Pair, Target

if TYPE_CHECKING:
    from .capacity import CapacityPlan, CapacitySearch
    from .compare import Comparison
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
    # a stored baseline's order statistics by percentile, for the ratio thresholds against it
    stored: Mapping[float, OrderWindow] = field(default_factory=dict)
    seed: int = 0  # of the random order within each pair of a comparison
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
        """The absolute thresholds, as the sequential looks of the samplers see them."""
        return [
            Gate(t.percentile / 100.0, t.budget_ns) for t in self.thresholds if t.kind == "absolute"
        ]

    @property
    def ratio_thresholds(self) -> list[Threshold]:
        return [t for t in self.thresholds if t.kind == "ratio"]

    @property
    def ratio_gates(self) -> list[RatioGate]:
        """The ratio thresholds as ``stats.two_sample.RatioLooks`` sees them; a stored
        baseline's bounds at half the level, fixed."""
        half = (1.0 - self.confidence) / 2.0
        gates = []
        for t in self.ratio_thresholds:
            stored, stored_n = None, 0
            if t.against == "stored":
                side = self.stored[t.percentile].side_bounds(half)
                stored, stored_n = (side.lower_ns, side.upper_ns), side.n
            gates.append(RatioGate(t.percentile / 100.0, t.budget_s, stored, stored_n))
        return gates


def collect(
    target: Target | Pair, spec: MeasureSpec
) -> Sampling | LoadRun | Comparison | CapacitySearch:
    """Warm up and sample ``target`` in this process: the closed-loop sampler with a sequential
    gate per threshold, the interleaved sampler for a ``Pair``, the load engine for a load plan,
    or a capacity search; one call (of each side of a ``Pair``) for ``once``."""
    if isinstance(target, Pair):
        from .compare import compare, compare_once

        if spec.once:
            return compare_once(target, len(spec.gates), len(spec.ratio_gates))
        return compare(
            target,
            spec.gates,
            spec.ratio_gates,
            confidence=spec.confidence,
            max_time=spec.max_time,
            warmup=spec.warmup,
            gc_mode=spec.gc_mode,
            seed=spec.seed,
            max_pairs=spec.max_samples,
        )
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
        ratio_gates=spec.ratio_gates,
        confidence=spec.confidence,
        max_time=spec.max_time,
        warmup=spec.warmup,
        gc_mode=spec.gc_mode,
        max_samples=spec.max_samples,
    )
