"""One probe of a capacity search (``engine.capacity``): a load run at one arrival rate judged per
threshold, and the closed-loop run the search starts from.

A load probe is judged by batch means (``stats.batch_means``) on the calls it served plus, for
each call still queued at its end, its wait so far (a lower bound of its latency). An overloaded
probe (stopped on its queue, or still growing one at its end) never holds, and misses only when
its latencies, queued waits included, confidently fail. The closed-loop start's calls are back to
back, each timed on its own, so it is judged with the distribution-free bounds of independent
calls (``stats.bounds``). Each probe also records the mean duration of its calls, queueing left
out (``service_time_s``): 1 / it is the most one worker could serve while it ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..plan import Threshold
from ..records import ProbeOutcome, Stopped, Verdict
from ..stats.batch_means import BlockBounds, block_bounds, decided_if_longer
from ..stats.bounds import nearest_rank
from .load.schedule import LoadRun, Overload

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Probe", "probe_from_run", "service_probe"]


@dataclass(frozen=True)
class Probe:
    """One load run of the search, judged per threshold at ``confidence``. Durations in
    seconds, rates in calls per second; ``bounds`` in the order of the thresholds."""

    rate: float
    served_rate: float
    n: int
    duration_s: float
    confidence: float
    bounds: tuple[BlockBounds, ...]
    overload: Overload | None = None
    start_delay_p99_s: float | None = None
    quantiles_s: dict[str, float] = field(default_factory=dict)
    gc_collections: int = 0
    stopped: Stopped = "max_time"
    # the mean duration of its calls (completion - start, queueing left out): one worker serves
    # at most 1 / this per second while the probe ran; None without calls
    service_time_s: float | None = None

    @property
    def outcome(self) -> ProbeOutcome:
        """``misses`` on a confident fail of any threshold, ``holds`` on a confident pass of
        every one, otherwise ``not confident``. An overloaded probe (stopped on its queue, or
        still growing one at its end) never holds, and misses only when its latencies (the
        queued calls' waits included) confidently fail."""
        if any(b.confident and b.verdict == "fail" for b in self.bounds):
            return "misses"
        if self.overload is not None:
            return "not confident"
        if self.bounds and all(b.confident and b.verdict == "pass" for b in self.bounds):
            return "holds"
        return "not confident"

    @property
    def point_passes(self) -> bool:
        """Whether every threshold's point estimate is within its budget (and no overload)."""
        return self.overload is None and all(b.verdict == "pass" for b in self.bounds)

    def decided_if_longer(self, factor: float) -> bool:
        """A forecast (``stats.batch_means.decided_if_longer``): whether a probe at this rate
        ``factor`` times as long would hold (every threshold, when every estimate passed) or
        miss (a threshold whose estimate failed) with confidence. False for an overloaded
        probe, whose queue says more than its bounds."""
        if self.overload is not None or not self.bounds:
            return False
        if self.point_passes:
            return all(decided_if_longer(b, self.confidence, factor) for b in self.bounds)
        return any(
            b.verdict == "fail" and decided_if_longer(b, self.confidence, factor)
            for b in self.bounds
        )


def probe_from_run(
    rate: float, run: LoadRun, thresholds: Sequence[Threshold], confidence: float
) -> Probe:
    """A load run at ``rate`` judged per threshold at ``confidence`` (batch means). The calls
    still queued at the run's end count too, each with its wait so far (``run.queued_ns``, a
    lower bound of its latency): exceedances counted on lower bounds are at most the true
    ones, so a confident fail on them is a confident fail."""
    import numpy as np

    latency = run.latency_ns
    n = int(latency.shape[0])
    ordered = np.sort(latency)
    judged, judged_order = latency, ordered
    if run.queued_ns is not None and len(run.queued_ns):
        judged = np.concatenate([latency, run.queued_ns])
        judged_order = np.sort(judged)
    overload = run.overload or run.growing
    bounds = tuple(
        _backed(
            block_bounds(judged, t.percentile / 100.0, t.budget_ns, confidence, judged_order),
            t,
            overload,
        )
        for t in thresholds
    )
    delay = None
    if run.start_delay_ns is not None and len(run.start_delay_ns):
        delays = np.sort(run.start_delay_ns)
        delay = float(delays[nearest_rank(len(delays), 99.0) - 1]) / 1e9
    return Probe(
        rate=float(rate),
        served_rate=float(run.achieved_rate),
        n=n,
        duration_s=float(run.duration_s),
        confidence=confidence,
        bounds=bounds if n else (),
        overload=overload,
        start_delay_p99_s=delay,
        quantiles_s=_quantiles(ordered) if n else {},
        gc_collections=run.gc_collections,
        stopped=run.stopped,
        service_time_s=_mean_service(run),
    )


def _mean_service(run: LoadRun) -> float | None:
    """The mean duration of a run's calls (seconds): latency less start delay (the wait for the
    call's turn), or the latency itself where calls ran back to back."""
    n = len(run.latency_ns)
    if not n:
        return None
    total = int(run.latency_ns.sum())
    if run.start_delay_ns is not None and len(run.start_delay_ns) == n:
        total -= int(run.start_delay_ns.sum())
    return total / n / 1e9


def _backed(found: BlockBounds, threshold: Threshold, overload: Overload | None) -> BlockBounds:
    """An overloaded probe's verdict on ``threshold``: a confident fail also when the backlog
    at the rule's last trip was over the budget and the point estimate (queued calls counted
    at their wait so far) fails: the queue grew window after window, its oldest call had
    already waited longer than the budget, and more than the percentile's share of calls were
    over it (a probe stops on an overload only then: ``QueueBudget``). Batch means alone cannot
    say so of a queue that only grew: its exceedances are one cluster. Otherwise as judged."""
    if overload is None or found.confident or found.verdict != "fail":
        return found
    if overload.backlog_s * 1e9 <= threshold.budget_ns:
        return found
    return replace(found, confident=True)


def service_probe(run: LoadRun, thresholds: Sequence[Threshold], confidence: float) -> Probe:
    """The closed-loop run that starts a search, judged per threshold at ``confidence``. Its
    calls are back to back, each timed on its own, so the closed-loop gate's distribution-free
    bounds on independent calls apply (``stats.bounds``): a call over budget by itself is told
    apart within a few calls, where batch means would need thousands."""
    import numpy as np

    from ..stats.bounds import bound_ranks, fail_cutoff, pass_cutoff

    latency = run.latency_ns
    n = int(latency.shape[0])
    ordered = np.sort(latency)
    alpha = 1.0 - confidence
    bounds = []
    for t in thresholds:
        q = t.percentile / 100.0
        estimate_ns = int(ordered[nearest_rank(n, t.percentile) - 1])
        over = int(np.count_nonzero(latency > t.budget_ns))
        lower_rank, upper_rank = bound_ranks(n, q, alpha)
        verdict: Verdict
        if over >= fail_cutoff(n, q, alpha):
            verdict, confident = "fail", True
        elif over <= pass_cutoff(n, q, alpha):
            verdict, confident = "pass", True
        else:
            verdict, confident = ("pass" if estimate_ns <= t.budget_ns else "fail"), False
        bounds.append(
            BlockBounds(
                verdict,
                confident,
                estimate_ns / 1e9,
                None if lower_rank is None else float(ordered[lower_rank - 1]) / 1e9,
                None if upper_rank is None else float(ordered[upper_rank - 1]) / 1e9,
                1.0,
                n,
            )
        )
    return Probe(
        rate=float(run.achieved_rate),
        served_rate=float(run.achieved_rate),
        n=n,
        duration_s=float(run.duration_s),
        confidence=confidence,
        bounds=tuple(bounds) if n else (),
        quantiles_s=_quantiles(ordered) if n else {},
        gc_collections=run.gc_collections,
        stopped=run.stopped,
        service_time_s=_mean_service(run),
    )


def _quantiles(ordered: npt.NDArray[np.int64]) -> dict[str, float]:
    n = len(ordered)
    found = {
        label: float(ordered[nearest_rank(n, p) - 1]) / 1e9
        for label, p in (("50", 50.0), ("90", 90.0), ("99", 99.0), ("99.9", 99.9))
    }
    found["max"] = float(ordered[-1]) / 1e9
    return found
