"""What a test asks for: its thresholds and how to sample. Plain frozen records.

``markers`` builds a ``Plan`` from a test's ``latency_sla`` markers (the ``latency-sla`` command
from its options); every layer below reads it. A budget is multiplied by ``--latency-scale``
once, when the plan is made (``Threshold.scaled``): everything downstream sees the scaled value.
A ratio threshold (``Threshold.relative``) is never scaled: it compares two calls measured on
the same machine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .records import Against, Arrivals, ThresholdKind
from .units import format_duration, format_number, format_percentile

__all__ = [
    "CAPACITY_TIME",
    "MAX_CONCURRENCY",
    "MAX_RATE",
    "MAX_RATIO",
    "MAX_SCALE",
    "MAX_TIME_S",
    "MAX_WARMUP",
    "MIN_RATE",
    "PERCENTILE_EDGE",
    "Defaults",
    "Plan",
    "Threshold",
    "budget_ns",
]

# How far a setting may go. Past these the numbers stop meaning anything and start to break
# the arithmetic: deadlines in integer ns from float seconds, a schedule of intended starts,
# one thread per worker, the binomial tail of 1 - q.
MAX_TIME_S = 86_400.0  # max_time: a day of sampling
PERCENTILE_EDGE = 1e-6  # a percentile at least this far from 0 and from 100
MIN_RATE, MAX_RATE = 1e-3, 1e9  # arrivals per second: one per 1000 s to one per ns
MAX_CONCURRENCY = 1024  # workers, each a thread
MAX_WARMUP = 1_000_000  # explicit warm-up calls
MAX_SCALE = 1e6  # --latency-scale
# ratio= and 1 + --latency-regression: a thousandfold slowdown allowed is no gate anyone means,
# and the products with a baseline's percentile in ns stay far inside float range
MAX_RATIO = 1000.0
# Seconds a capacity search may take in all (``capacity_time=``), its closed-loop start included.
CAPACITY_TIME = 30.0


def budget_ns(budget_s: float) -> float:
    """``budget_s`` in ns, rounded to 1/1000 ns (see ``Threshold.budget_ns``)."""
    return round(budget_s * 1e9, 3)


@dataclass(frozen=True)
class Threshold:
    """One budget: the ``percentile`` of the per-call latency must stay at or below ``budget_s``
    (seconds). ``budget_text`` is the budget as written (``"50 ms"``); ``scale`` the factor
    ``budget_s`` already includes.

    A ratio threshold (``kind == "ratio"``, made by ``Threshold.relative``) bounds the
    candidate's ``percentile`` by ``ratio`` x the baseline's (``against``: a baseline sampled
    in the same run, or a stored one); ``budget_s`` then holds the ratio, a plain number."""

    percentile: float
    budget_s: float
    budget_text: str
    overkill: float | None = 1000.0
    scale: float = 1.0
    kind: ThresholdKind = "absolute"
    against: Against = "baseline"

    @classmethod
    def relative(cls, percentile: float, ratio: float, against: Against = "baseline") -> Threshold:
        """``candidate p <= ratio x baseline p`` (``ratio`` a positive finite number)."""
        return cls(
            percentile=percentile,
            budget_s=float(ratio),
            budget_text=f"{format_number(ratio)}x",
            overkill=None,
            kind="ratio",
            against=against,
        )

    @property
    def ratio(self) -> float | None:
        """The allowed ratio of a ratio threshold; ``None`` for a budget."""
        return self.budget_s if self.kind == "ratio" else None

    @property
    def shown_budget(self) -> str:
        """``50 ms``, ``100 ms (50 ms x 2)`` for a scaled budget, ``0.8x baseline`` for a
        ratio."""
        if self.kind == "ratio":
            return f"{self.budget_text} {self.against}"
        if self.scale == 1.0:
            return self.budget_text
        return f"{format_duration(self.budget_s)} ({self.budget_text} x {self.scale:g})"

    @property
    def label(self) -> str:
        """``p99 <= 50 ms``."""
        return f"{format_percentile(self.percentile)} <= {self.shown_budget}"

    @property
    def budget_ns(self) -> float:
        """The budget in ns as samples (integer ns) are compared with it. Rounded to 1/1000 ns,
        so float noise from units and scale (262145e-9 * 133 * 1e9 = 34865284.99999999) cannot
        make a sample equal to the budget count as over it in one unit and not in another."""
        return budget_ns(self.budget_s)

    def scaled(self, scale: float) -> Threshold:
        """This threshold with its budget multiplied by ``scale`` (a ratio stays as it is)."""
        if self.kind == "ratio":
            return self
        return replace(self, budget_s=self.budget_s * scale, scale=self.scale * scale)


@dataclass(frozen=True)
class Defaults:
    """Session-wide values a marker falls back on (from CLI, environment, ini)."""

    percentile: float = 99.0
    overkill: float | None = 1000.0
    max_time: float = 3.0
    isolate: bool = False


@dataclass(frozen=True)
class Plan:
    """Everything the markers of one test ask for."""

    thresholds: tuple[Threshold, ...]
    max_time: float
    warmup: int | None = None
    isolate: bool = False
    rate: float | None = None
    arrivals: Arrivals = "constant"
    concurrency: int = 1
    # a capacity search (``latency_sla.capacity``): the rate it must hold, its time budget
    min_rate: float | None = None
    capacity_time: float = CAPACITY_TIME

    @property
    def under_load(self) -> bool:
        """A rate, or more than one worker: the load engine measures."""
        return self.rate is not None or self.concurrency > 1

    @property
    def budgets(self) -> tuple[Threshold, ...]:
        """The absolute thresholds (they apply to a comparison's candidate)."""
        return tuple(t for t in self.thresholds if t.kind == "absolute")

    @property
    def ratios(self) -> tuple[Threshold, ...]:
        """The ratio thresholds: they need ``latency_sla.compare``."""
        return tuple(t for t in self.thresholds if t.kind == "ratio")
