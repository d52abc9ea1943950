"""Load runs on simulated time: latency models whose capacity at a budget is known exactly, run
through the load engine's own overload detector and records (``LoadRun``), for seeded
simulations of the capacity search (``engine.capacity``) with no real timing.

Two models of how latency grows with the arrival rate:

* ``MM1`` -- an open-loop M/M/1 queue (Poisson arrivals, exponential service, one worker, first
  come first served), each call's latency its sojourn time. It starts in its stationary state,
  so a run's latencies are correlated exactly as a long-running queue's are, and its sojourn
  time is exponential with rate ``mu - lambda``: the ``q`` percentile is
  ``-ln(1 - q) / (mu - lambda)`` and the capacity at a budget ``B`` is
  ``mu + ln(1 - q) / B``.
* ``Slowdown`` -- independent latencies ``X / (1 - R / mu)`` at rate ``R``, ``X`` from any
  distribution of ``stats.simulation`` with exact quantiles: the capacity at ``B`` is
  ``mu * (1 - x_q / B)``. At or above ``mu`` calls queue up behind a worker that serves ``mu``
  per second and the backlog grows, as on a real overloaded machine.

Queues are computed whole with Lindley's recursion (``W[i+1] = max(0, W[i] + S[i] - gap[i])``,
as running minima of cumulative sums), then cut where the load engine would have stopped: at
the first overload check that trips ``OverloadDetector`` (in a capacity probe, with its
``QueueBudget`` broken too), or at the first call that would start late after the run's end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ...records import Stopped
from ...stats.simulation import Distribution, Exponential
from .schedule import (
    LoadRun,
    Overload,
    OverloadDetector,
    QueueBudget,
    intended_offsets,
    overload_from,
    queued_waits,
    window_ns,
)

if TYPE_CHECKING:
    import numpy.typing as npt

    from ...plan import Threshold
    from ..capacity import CapacityPlan, CapacitySearch, Probe

__all__ = ["MM1", "LatencyModel", "Slowdown", "closed_loop_run", "queue_run", "simulated_search"]


class LatencyModel(Protocol):
    """How latency grows with the arrival rate, with a known capacity."""

    @property
    def service_rate(self) -> float:
        """Calls per second one worker completes back to back."""
        ...

    def run(
        self,
        rate: float,
        seconds: float,
        rng: np.random.Generator,
        queue_budget: QueueBudget | None = None,
    ) -> LoadRun:
        """A load run of ``seconds`` at ``rate`` arrivals per second (a capacity probe's, with
        ``queue_budget``)."""
        ...

    def service_times_ns(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        """``n`` back-to-back calls' latencies (a closed-loop run)."""
        ...

    def capacity(self, q: float, budget_ns: float) -> float:
        """The highest rate whose true ``q`` percentile of latency is at most ``budget_ns``."""
        ...


@dataclass(frozen=True)
class MM1:
    """An M/M/1 queue with mean service time ``mean_service_ns``."""

    mean_service_ns: float

    @property
    def service_rate(self) -> float:
        return 1e9 / self.mean_service_ns

    def run(
        self,
        rate: float,
        seconds: float,
        rng: np.random.Generator,
        queue_budget: QueueBudget | None = None,
    ) -> LoadRun:
        offsets = intended_offsets(rate, "poisson", seconds, int(rng.integers(2**31)))
        service = _ns(Exponential(self.mean_service_ns), rng, len(offsets))
        load = rate / self.service_rate
        first_wait = 0.0
        if load < 1 and rng.random() < load:  # the stationary wait: busy with probability rho
            first_wait = rng.exponential(1e9 / (self.service_rate - rate))
        return queue_run(offsets, service, seconds, rate, int(first_wait), queue_budget)

    def service_times_ns(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        return _ns(Exponential(self.mean_service_ns), rng, n)

    def capacity(self, q: float, budget_ns: float) -> float:
        return self.service_rate + math.log1p(-q) / (budget_ns / 1e9)


@dataclass(frozen=True)
class Slowdown:
    """Independent latencies ``X / (1 - rate / service_rate)``; overloaded at or above the
    service rate (constant arrivals, each call then served in ``1 / service_rate``)."""

    latency: Distribution
    service_rate: float

    def run(
        self,
        rate: float,
        seconds: float,
        rng: np.random.Generator,
        queue_budget: QueueBudget | None = None,
    ) -> LoadRun:
        offsets = intended_offsets(rate, "constant", seconds)
        n = len(offsets)
        if rate >= self.service_rate:
            # latency grows without bound: a worker ever further behind (a tenth slower than
            # the rate it would need, so the backlog grows by more than the detector's 5%)
            slower = int(math.ceil(1.1e9 / max(rate, self.service_rate)))
            service = np.full(n, slower, dtype=np.int64)
            return queue_run(offsets, service, seconds, rate, 0, queue_budget)
        factor = 1.0 / (1.0 - rate / self.service_rate)
        latency = _ns(self.latency.scaled(factor), rng, n)
        return LoadRun(
            latency_ns=latency,
            start_delay_ns=np.zeros(n, dtype=np.int64),
            duration_s=seconds,
            achieved_rate=n / seconds,
            warmup=0,
            stopped="max_time",
            gc_collections=0,
        )

    def service_times_ns(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        return _ns(self.latency, rng, n)

    def capacity(self, q: float, budget_ns: float) -> float:
        return self.service_rate * (1.0 - self.latency.quantile(q) / budget_ns)


def _ns(dist: Distribution, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    drawn = dist.draw(rng, (n,)).astype(np.float64)
    return np.maximum(np.ceil(drawn), 1).astype(np.int64)


def closed_loop_run(model: LatencyModel, seconds: float, rng: np.random.Generator) -> LoadRun:
    """Back-to-back calls of ``model`` for ``seconds``: each call's latency is its duration, and
    they complete at the model's service rate."""
    n = max(1, int(model.service_rate * seconds))
    return LoadRun(
        latency_ns=model.service_times_ns(rng, n),
        start_delay_ns=None,
        duration_s=n / model.service_rate,
        achieved_rate=model.service_rate,
        warmup=0,
        stopped="max_time",
        gc_collections=0,
    )


def queue_run(
    offsets: npt.NDArray[np.int64],
    service_ns: npt.NDArray[np.int64],
    seconds: float,
    rate: float,
    first_wait_ns: int = 0,
    queue_budget: QueueBudget | None = None,
) -> LoadRun:
    """One worker serving calls due at ``offsets`` (ns) that take ``service_ns``, first come
    first served, the first call waiting ``first_wait_ns`` behind work already queued; cut
    where the load engine would stop (overload -- with ``queue_budget`` broken too, as in a
    capacity probe -- or a late start after ``seconds``)."""
    gaps = np.diff(offsets)
    # U[i] = sum over j < i of (S[j] - gap[j]); W[i] = U[i] - min(-W[0], min U[1..i])
    drift = np.zeros(len(offsets), dtype=np.int64)
    np.cumsum(service_ns[:-1] - gaps, out=drift[1:])
    floor = drift.copy()
    floor[0] = -first_wait_ns
    wait = drift - np.minimum.accumulate(floor)
    done = offsets + wait + service_ns
    end = int(seconds * 1e9)
    late_after_end = np.flatnonzero((wait > 0) & (offsets + wait >= end))
    count = int(late_after_end[0]) if len(late_after_end) else len(offsets)
    latency = wait + service_ns
    overload, checked, growing = _first_overload(
        offsets, done, latency, count, seconds, rate, queue_budget
    )
    if overload is not None:
        count = checked
    stopped: Stopped = "rate above capacity" if overload is not None else "max_time"
    duration = float(done[count - 1]) / 1e9 if count else seconds
    queued = None
    if overload is not None or queue_budget is not None:
        queued = queued_waits(offsets, count, int(done[count - 1]))
    return LoadRun(
        latency_ns=latency[:count].copy(),
        start_delay_ns=wait[:count].copy(),
        duration_s=duration,
        achieved_rate=count / duration if duration > 0 else 0.0,
        warmup=0,
        stopped=stopped,
        gc_collections=0,
        overload=overload,
        queued_ns=queued,
        growing=growing,
    )


def _first_overload(
    offsets: npt.NDArray[np.int64],
    done: npt.NDArray[np.int64],
    latency: npt.NDArray[np.int64],
    count: int,
    seconds: float,
    rate: float,
    queue_budget: QueueBudget | None,
) -> tuple[Overload | None, int, Overload | None]:
    """The overload checks the load engine makes after the first call done past each window:
    the overload and how many calls ran by then (``None`` and ``count`` when none), and
    whether the rule tripped at the last check (``LoadRun.growing``)."""
    detector = OverloadDetector(window_ns(seconds))
    detector.start(0)
    growing = None
    while True:
        i = int(np.searchsorted(done[:count], detector.next_check))
        if i >= count:
            return None, count, growing
        started = i + 1
        next_due = int(offsets[started]) if started < len(offsets) else int(done[i])
        backlog = int(done[i]) - next_due
        growing = None
        if detector.observe(int(done[i]), backlog, started):
            growing = overload_from(detector, rate, backlog, int(done[i]))
            if queue_budget is None or queue_budget.broken(
                offsets, started, int(done[i]), latency[:started]
            ):
                return growing, started, None


def simulated_search(
    model: LatencyModel,
    thresholds: Sequence[Threshold],
    plan: CapacityPlan,
    *,
    confidence: float,
    max_time: float,
    seed: int,
    start_error: float = 0.0,
) -> CapacitySearch:
    """A capacity search (``engine.capacity.search``, the code that searches for real) over
    simulated load runs of ``model``, on a ``ScriptedClock`` that each run moves by its
    duration. ``start_error`` is the sd of the log of the closed-loop rate's error (a busy
    machine measures a service rate off by some percent)."""
    from ..capacity import SERVICE_RUN_S, planned_probes, probe_from_run, search, service_probe
    from ..clock import ScriptedClock

    clock = ScriptedClock()
    planned = planned_probes(plan.capacity_time, max_time)
    level = 1.0 - (1.0 - confidence) / (planned + 1)
    queue_budget = QueueBudget.of(thresholds)
    rng = np.random.default_rng(seed)
    with clock.installed():
        started = clock.now
        closed = closed_loop_run(model, min(SERVICE_RUN_S, max_time / 4), rng)
        closed.achieved_rate *= math.exp(start_error * rng.standard_normal())
        clock.advance(closed.duration_s * 1e9)
        service = service_probe(closed, thresholds, level)

        def run_probe(rate: float, seconds: float, at: float, probe_seed: int) -> Probe:
            run = model.run(rate, seconds, rng, queue_budget)
            clock.advance(run.duration_s * 1e9)
            return probe_from_run(rate, run, thresholds, at)

        return search(
            run_probe,
            service,
            percentiles=[t.percentile for t in thresholds],
            max_time=max_time,
            capacity_time=plan.capacity_time,
            min_rate=plan.min_rate,
            probe_confidence=level,
            planned=planned,
            started_ns=started,
        )
