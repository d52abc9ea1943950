"""The load engine's records and schedule: intended starts, overload detection, the run's data.

**Overload.** When the call cannot keep up, the backlog (how late the next call starts) grows
without bound and sampling it to ``max_time`` only measures the queue. The run is checked once
per window of wall time (``max_time / 20``, clamped to 50-250 ms): the run is
*above capacity* when the backlog grew by more than ``GROWTH`` x the window in each of the last
``WINDOWS`` consecutive windows, i.e. the server started fewer than ``(1 - GROWTH)`` x the target
rate for that long. One stall (a garbage collection, a preempted thread) raises the backlog in
one window and is drained in the next, so it does not trip the check; a stable queue near
saturation fluctuates around a mean and does not grow three windows in a row by 5% each.

**A capacity probe's overload** (``QueueBudget``). The rule is cheap and fails a load gate fast,
but it is a rule of thumb, not a test at a level: a stall of a few windows on a busy machine trips
it while the queue's wait is far under the budget (calls of microseconds, a budget of 50 ms), and
the probe then has no latency to back a verdict. A probe given a ``QueueBudget`` ends on the rule
only once the calls still queued have already broken a budget: for some threshold, more calls
have waited longer than its budget than its percentile's share of *every* call the probe would
have had by ``max_time``. Their waits are lower bounds of their latencies, so the probe's point
estimate fails then, whatever its remaining calls would have taken. Until then it runs on: a
transient drains and the probe gets a verdict on its latencies; a real overload gets there fast
(the oldest call's wait grows by 1 - served / target rate seconds per second); a slow one runs to
``max_time``, the hard cap, as any probe does.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from ...plan import Plan, Threshold
from ...records import Arrivals, Stopped
from ..sampler import MAX_SAMPLES

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "LoadPlan",
    "LoadRun",
    "Overload",
    "OverloadDetector",
    "QueueBudget",
    "finish_run",
    "intended_offsets",
    "load_plan",
    "overload_from",
    "precise_sleep",
    "queued_waits",
    "window_ns",
]

# Overload: backlog growth per window, as a share of the window, in this many windows in a row.
GROWTH = 0.05
WINDOWS = 3
_PR_SET_TIMERSLACK, _PR_GET_TIMERSLACK = 29, 30


@contextmanager
def precise_sleep() -> Iterator[None]:
    """Linux: timer slack of 1 ns for this thread and the workers it starts (they inherit it),
    so ``time.sleep`` wakes close to its deadline; restored afterwards. Elsewhere: no change."""
    prctl: Callable[..., int] | None = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None
    if prctl is None:
        yield
        return
    previous = prctl(_PR_GET_TIMERSLACK, 0, 0, 0, 0)
    if previous > 0:
        prctl(_PR_SET_TIMERSLACK, 1, 0, 0, 0)
    try:
        yield
    finally:
        if previous > 0:
            prctl(_PR_SET_TIMERSLACK, previous, 0, 0, 0)


@dataclass(frozen=True)
class LoadPlan:
    """How to load the call: ``rate`` arrivals/s (``None``: closed loop), their spacing, workers."""

    rate: float | None
    arrivals: Arrivals = "constant"
    concurrency: int = 1
    seed: int = 0


@dataclass(frozen=True)
class Overload:
    """Why a run stopped early: the backlog grew in every one of the last windows."""

    target_rate: float
    served_rate: float
    backlog_s: float
    after_s: float


@dataclass
class LoadRun:
    """Per-call latency (completion - intended start) and start delay, in intended order."""

    latency_ns: npt.NDArray[np.int64]
    start_delay_ns: npt.NDArray[np.int64] | None  # None for closed-loop callers
    duration_s: float
    achieved_rate: float
    warmup: int
    stopped: Stopped  # "max_time", "max_samples" or "rate above capacity"
    gc_collections: int
    overload: Overload | None = None
    # After an overload, and at the end of any capacity probe: how long each call that was due
    # but not yet started had waited when the run stopped (ns, in intended order), a lower
    # bound of its latency.
    queued_ns: npt.NDArray[np.int64] | None = None
    # A capacity probe that ran to its end with the overload rule tripped at its last check
    # (its queue still growing, not yet over its QueueBudget): the rule's record of it.
    growing: Overload | None = None


@dataclass(frozen=True)
class QueueBudget:
    """When a capacity probe may end on the overload rule (see the module docstring): per
    threshold, its budget (ns) and its tail share ``1 - q``."""

    budgets: tuple[tuple[int, float], ...]

    @classmethod
    def of(cls, thresholds: Sequence[Threshold]) -> QueueBudget:
        """The budgets of absolute ``thresholds`` (scaled; ratio thresholds have none)."""
        return cls(
            tuple(
                (int(t.budget_ns), 1.0 - t.percentile / 100.0)
                for t in thresholds
                if t.kind != "ratio"
            )
        )

    def broken(
        self,
        offsets: npt.NDArray[np.int64],
        started: int,
        elapsed_ns: int,
        latency_ns: npt.NDArray[np.int64] | None = None,
    ) -> bool:
        """Whether, ``elapsed_ns`` after the run's start with the first ``started`` calls
        started (at most; a larger count is safe), the oldest call queued behind them has
        waited longer than a budget and the calls over that budget outnumber its threshold's
        tail share of all ``len(offsets)`` calls of the run: the queued calls that waited
        longer than it (due before ``elapsed_ns - budget``), and the served calls' latencies
        over it when given (``latency_ns``)."""
        import numpy as np

        total = len(offsets)
        for budget_ns, share in self.budgets:
            over = int(np.searchsorted(offsets, elapsed_ns - budget_ns, side="left")) - started
            if over > 0 and latency_ns is not None:
                over += int(np.count_nonzero(latency_ns > budget_ns))
            if over > share * total:
                return True
        return False


def intended_offsets(
    rate: float, arrivals: str, duration_s: float, seed: int = 0, limit: int = MAX_SAMPLES
) -> npt.NDArray[np.int64]:
    """Intended start offsets (ns from the run's start) of every call in ``duration_s``.

    ``constant``: evenly spaced, ``1/rate`` apart. ``poisson``: exponential gaps of mean
    ``1/rate`` from a seeded generator (the same run, call for call, for the same seed).
    """
    import numpy as np

    count = int(min(limit, max(1, int(rate * duration_s))))
    if arrivals == "poisson":
        gaps = np.random.default_rng(seed).exponential(1e9 / rate, size=count)
        gaps[0] = 0.0
        return np.cumsum(gaps).astype(np.int64)
    if arrivals != "constant":
        raise ValueError(f"arrivals must be 'constant' or 'poisson', got {arrivals!r}")
    return (np.arange(count, dtype=np.float64) * (1e9 / rate)).astype(np.int64)


class OverloadDetector:
    """Sustained backlog growth, checked once per window (see the module docstring)."""

    def __init__(self, window_ns: int, *, growth: float = GROWTH, windows: int = WINDOWS) -> None:
        self.window_ns = window_ns
        self.growth = growth
        self.windows = windows
        self.next_check = 0
        self._history: list[tuple[int, int, int]] = []  # (time, backlog, calls started)

    def start(self, t0: int) -> None:
        self.next_check = t0 + self.window_ns
        self._history = [(t0, 0, 0)]

    def observe(self, now: int, backlog_ns: int, started: int) -> bool:
        """Record the backlog at ``now``; True once it grew in each of the last windows."""
        self.next_check = now + self.window_ns
        self._history.append((now, max(0, backlog_ns), started))
        recent = self._history[-(self.windows + 1) :]
        if len(recent) <= self.windows:
            return False
        return all(
            (b1 - b0) > self.growth * (t1 - t0) for (t0, b0, _), (t1, b1, _) in pairwise(recent)
        )

    def served_rate(self) -> float:
        """Calls started per second over the windows that showed the growth."""
        recent = self._history[-(self.windows + 1) :]
        (t0, _, n0), (t1, _, n1) = recent[0], recent[-1]
        return (n1 - n0) * 1e9 / (t1 - t0) if t1 > t0 else 0.0


def load_plan(plan: Plan | None) -> LoadPlan | None:
    """The load a test's plan asks for: a rate, or more than one worker; ``None`` otherwise."""
    if plan is None or not plan.under_load:
        return None
    return LoadPlan(rate=plan.rate, arrivals=plan.arrivals, concurrency=plan.concurrency)


def window_ns(max_time: float) -> int:
    return int(min(0.25, max(0.05, max_time / 20)) * 1e9)


def overload_from(detector: OverloadDetector, rate: float, backlog: int, after: int) -> Overload:
    return Overload(
        target_rate=rate,
        served_rate=detector.served_rate(),
        backlog_s=backlog / 1e9,
        after_s=after / 1e9,
    )


def queued_waits(
    offsets: npt.NDArray[np.int64], served: int, stopped_after_ns: int
) -> npt.NDArray[np.int64]:
    """The waits so far of the calls due by ``stopped_after_ns`` (ns from the run's start) that
    were not served (every call after the first ``served``): each call's latency is at least
    that, however long it would still have queued."""
    import numpy as np

    due = int(np.searchsorted(offsets, stopped_after_ns, side="right"))
    pending = offsets[served:due] if due > served else offsets[:0]
    return (stopped_after_ns - pending).astype(np.int64)


def finish_run(
    latencies: array[int],
    delays: array[int],
    t0: int,
    t_end: int,
    overload: Overload | None,
    stopped: Stopped,
) -> LoadRun:
    import numpy as np

    duration = (t_end - t0) / 1e9
    n = len(latencies)
    return LoadRun(
        latency_ns=np.frombuffer(latencies, dtype=np.int64).copy(),
        start_delay_ns=np.frombuffer(delays, dtype=np.int64).copy(),
        duration_s=duration,
        achieved_rate=n / duration if duration > 0 else 0.0,
        warmup=0,
        stopped="rate above capacity" if overload is not None else stopped,
        gc_collections=0,
        overload=overload,
    )
