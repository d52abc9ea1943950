"""Capacity at the SLA: the highest arrival rate at which every threshold holds, found by
probing rates with the load engine.

**The search** (where to probe next: ``engine.bracket``). A short closed-loop run first: the calls per second the workers complete back
to back (the *service rate*, the physical limit of one worker is 1 / mean service time). If
that run alone misses a budget with confidence, no rate can hold (a call's latency under load
is at least its service time) and the search ends there. Otherwise the first probe is at the
service rate; then it brackets, stepping away from the last probe by 1.25x, 1.25^2 x, 1.25^4 x,
... while the outcome stays on one side, and bisects in log space (the geometric mean of the
two ends) until ``misses_at / holds_at <= 1.10`` or the time budget (``capacity_time``) is
spent. Every probe is a load run of ``max_time`` seconds (less for the last one when the
budget runs short; an overloaded probe stops early), judged per threshold by batch means
(``stats.batch_means``). Rates are rounded to three significant digits.

**Two claims, alpha spent over the probes.** "Holds at R_h" is a confident pass of every
threshold at R_h; "misses at R_m" a confident fail of one at R_m. The search plans
``planned_probes`` = floor(capacity_time / max_time) + 1 probes (the probes of ``max_time`` that
fit, never more than ``MAX_JUDGED``) and stops when they have run. Each claim is chosen among
their verdicts and the closed-loop start's, so each verdict is judged at alpha / (planned + 1)
(Bonferroni): whichever probe a claim comes from, it is wrong with probability at most alpha.

**An overloaded probe.** The load engine's backlog rule (the backlog grew by more than 5% of
each check window, three windows in a row) is not a test at a level: a stall on a busy machine
trips it while the queue's wait is far under the budget. So a probe ends on it only once the
calls still queued have broken a budget (``load.schedule.QueueBudget``: more of them waited
longer than a threshold's budget than its percentile's share of all the probe's calls), and
runs on until then, up to ``max_time``: a stall drains and the probe is judged on its
latencies; a real overload breaks the budget within a fraction of ``max_time``. Every probe is
judged on the calls it served plus, for each call still queued at its end, its wait so far (a
lower bound of its latency). So a probe stopped on an overload has a backlog over the budget
and an estimate over it: it misses with confidence (batch means cannot measure the clustering
of a queue that only grew). One that reached ``max_time`` with the rule still tripping (its
queue growing) is overloaded too: judged the same way, it never holds.

**A probe that is not confident** is neither end. The search moves past it by its point
estimate (a rate whose estimate passes is taken as a lower end of where the capacity is, one
whose estimate fails as an upper end) without claiming anything from it, and when only such
rates are left to try it probes the gaps between them and the confident ends. A not-confident
rate is probed again, twice as long as before (``bracket.AGAIN``: more calls narrow the bounds of
correlated latencies, where a new rate nearby would be as unsure): first, before any new rate,
one whose own effective sample forecasts a decision at that length
(``stats.batch_means.decided_if_longer``); and when no gap is left, the lowest whose estimate
passed or the highest whose estimate failed. It stops (``"not confident"``) when too little of
``capacity_time`` is left for that; a longer ``max_time`` or ``capacity_time`` would decide
those rates. A probe run again is one more verdict among the planned ones: the split of alpha
does not change.

**A service rate too low to decide.** A probe of ``max_time`` at rate R has about
R x max_time x (1 - q) calls over the q percentile; below ``MIN_TAIL_CALLS`` of them it cannot
be confident (``lowest_rate``). Rates at or above the service rate queue without end, so when
even the service rate is below that lowest rate, no probe can decide a rate where the capacity
is: the search stops before probing (``"max_time too short"``), and the message says how long
a probe must be (``decidable_max_time``).

**A minimum rate** (``min_rate``, a gate) is probed itself right after the start rate, unless
that probe already decided it: the gate is then decided by a probe at exactly its rate, early,
rather than by wherever the bracket ends.

The search assumes that latency does not fall as the rate rises. ``search`` is the search on
plain probes, whatever produced them: the load engine (``search_capacity``) or a simulation
(``engine.load.simulated``), so simulated searches go through the code that searches for real.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..messages.common import per_second
from ..plan import CAPACITY_TIME, Threshold
from ..records import Arrivals, CapacityStop, GcMode
from ..stats.batch_means import MIN_TAIL_CALLS
from .bracket import BRACKET, FIRST_STEP, next_probe, round_rate
from .clock import CLOCK
from .load.schedule import LoadPlan, QueueBudget
from .probe import Probe, probe_from_run, service_probe
from .sampler import attach_call, attach_partial, call_of, partial_of
from .target import Target

__all__ = [
    "BRACKET",
    "MAX_PROBES",
    "CapacityPlan",
    "CapacitySearch",
    "Probe",
    "ProbeRunner",
    "decidable_max_time",
    "planned_probes",
    "probe_from_run",
    "round_rate",
    "search",
    "search_capacity",
    "service_probe",
]

# The closed-loop run that measures the service rate: this long at most, or max_time / 4.
SERVICE_RUN_S = 0.5
# Seconds a probe spends per call outside its timed window (its schedule and records made
# before, its verdict after: ~0.1-0.3 us a call measured on 2M-call probes), assumed for the
# first probe; each probe's own measured cost then takes over. The search sizes a probe so
# that its window and this cost fit in what is left of capacity_time.
PROBE_COST_PER_CALL_S = 300e-9
# At most this many probes run, whatever the time budget, so alpha is never spread thinner
# than over MAX_JUDGED + 1 verdicts (an overloaded probe is judged too, and counts).
MAX_JUDGED = 16
MAX_PROBES = MAX_JUDGED

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


@dataclass(frozen=True)
class CapacityPlan:
    """What a capacity search is asked: its time budget (seconds, the closed-loop start
    included), the rate it must hold (``None``: no gate), the arrivals and the workers."""

    capacity_time: float = CAPACITY_TIME
    min_rate: float | None = None
    arrivals: Arrivals = "constant"
    concurrency: int = 1


# (rate, seconds, confidence, seed) -> the judged probe
ProbeRunner = Callable[[float, float, float, int], Probe]


@dataclass
class CapacitySearch:
    """A finished search: the closed-loop start (``service``, its rate the service rate), the
    probes in the order they ran, why it stopped, and its wall time (seconds)."""

    service: Probe
    probes: list[Probe]
    stopped: CapacityStop
    duration_s: float
    warmup: int
    probe_confidence: float
    planned_probes: int
    lowest_rate: float = 0.0  # the lowest rate at which a probe can give a verdict

    @property
    def service_rate(self) -> float:
        return self.service.served_rate

    @property
    def holds_at(self) -> float | None:
        """The highest rate with a confident pass of every threshold."""
        return max((p.rate for p in self.probes if p.outcome == "holds"), default=None)

    @property
    def misses_at(self) -> float | None:
        """The lowest rate with a confident fail of a threshold, or an overload."""
        return min((p.rate for p in self.probes if p.outcome == "misses"), default=None)


def planned_probes(capacity_time: float, max_time: float) -> int:
    """How many probes a search may run, fixed before it starts: alpha is spread over them and
    the closed-loop start. A probe lasts ``max_time`` (less when overloaded), and one more may
    start while at least half of it is left."""
    fit = math.floor(capacity_time / max_time + 1e-9) + 1 if max_time > 0 else MAX_JUDGED
    return max(1, min(MAX_JUDGED, fit))


def lowest_rate(percentiles: Sequence[float], max_time: float) -> float:
    """Below this rate a probe of ``max_time`` has too few calls over the highest percentile for
    batch-means bounds (``stats.batch_means.MIN_TAIL_CALLS``): it cannot be confident."""
    tail = 1.0 - max(percentiles) / 100.0
    return MIN_TAIL_CALLS / (tail * max_time)


def decidable_max_time(percentiles: Sequence[float], service_rate: float) -> float:
    """The shortest probe (seconds) that can decide a rate one bracketing step (1.25x) below
    ``service_rate``: where ``lowest_rate`` is that rate. ``inf`` for a service rate of 0."""
    if service_rate <= 0:
        return math.inf
    tail = 1.0 - max(percentiles) / 100.0
    return MIN_TAIL_CALLS * FIRST_STEP / (tail * service_rate)


def search_capacity(
    target: Target,
    thresholds: Sequence[Threshold],
    plan: CapacityPlan,
    *,
    confidence: float,
    max_time: float,
    warmup: int | None = None,
    gc_mode: GcMode = "keep",
) -> CapacitySearch:
    """Warm up, measure the closed-loop service rate, then search (``search``) with load runs
    of ``target``. ``thresholds`` are scaled budgets; ``max_time`` is one probe's length
    (seconds). The measured call's exceptions propagate."""
    from .load.run import run_load

    started = CLOCK.now_ns()
    planned = planned_probes(plan.capacity_time, max_time)
    probe_confidence = 1.0 - (1.0 - confidence) / (planned + 1)
    try:
        closed = run_load(
            target,
            LoadPlan(rate=None, concurrency=plan.concurrency),
            max_time=min(SERVICE_RUN_S, max_time / 4),
            warmup=warmup,
            gc_mode=gc_mode,
        )
    except Exception as error:  # the measured call's own, in the search's warm-up or start
        failed = call_of(error)
        if failed is not None:
            attach_call(error, replace(failed, probe="the closed-loop start"), again=True)
        raise
    service = service_probe(closed, thresholds, probe_confidence)
    queue_budget = QueueBudget.of(thresholds)
    made = [len(closed.latency_ns)]  # timed calls of the search so far, after its warm-up

    def run_probe(rate: float, seconds: float, level: float, seed: int) -> Probe:
        load = LoadPlan(rate, plan.arrivals, plan.concurrency, seed)
        try:
            run = run_load(
                target, load, max_time=seconds, warmup=0, gc_mode=gc_mode, queue_budget=queue_budget
            )
        except Exception as error:  # the measured call's own: say which call of the search
            failed = call_of(error)
            if failed is not None and failed.phase != "warm-up":
                where = f"probe {seed + 1} at {per_second(rate)}"
                numbered = replace(failed, warmup=closed.warmup, probe=where, before=made[0])
                attach_call(error, numbered, again=True)
            raise
        made[0] += len(run.latency_ns)
        return probe_from_run(rate, run, thresholds, level)

    try:
        found = search(
            run_probe,
            service,
            percentiles=[t.percentile for t in thresholds],
            max_time=max_time,
            capacity_time=plan.capacity_time,
            min_rate=plan.min_rate,
            probe_confidence=probe_confidence,
            planned=planned,
            started_ns=started,
            cost_per_call_s=PROBE_COST_PER_CALL_S,
        )
    except BaseException as error:
        partial = partial_of(error)
        if isinstance(partial, CapacitySearch):
            partial.warmup = closed.warmup
        raise
    found.warmup = closed.warmup
    return found


def search(
    run_probe: ProbeRunner,
    service: Probe,
    *,
    percentiles: Sequence[float],
    max_time: float,
    capacity_time: float,
    min_rate: float | None,
    probe_confidence: float,
    planned: int,
    started_ns: int,
    cost_per_call_s: float = 0.0,
) -> CapacitySearch:
    """The search itself (see the module docstring), starting from the closed-loop ``service``
    probe, on ``CLOCK`` time from ``started_ns``. ``run_probe(rate, seconds, confidence,
    seed)`` runs and judges one probe; seeds are 0, 1, 2, ... in probe order. A probe at rate
    R given ``s`` seconds also costs about R x s x ``cost_per_call_s`` outside its window (the
    largest such cost measured so far replaces it): probes are sized so that both fit in
    what is left of ``capacity_time``."""
    probes: list[Probe] = []
    start = service.served_rate
    lowest = lowest_rate(percentiles, max_time)
    stopped: CapacityStop

    def probe_until_done() -> CapacityStop:
        """The loop: each probe appended to ``probes`` as it finishes; why it stopped."""
        cost = cost_per_call_s
        while len(probes) < min(planned, MAX_PROBES):
            left = capacity_time - (CLOCK.now_ns() - started_ns) / 1e9
            step = next_probe(probes, start, lowest, min_rate, max_time=max_time, left=left)
            if isinstance(step, str):
                return step
            rate = step[0]
            seconds = min(step[1], left / (1.0 + rate * cost))
            if seconds <= 0 or (probes and seconds < max_time / 2):
                return "time budget"
            begun = CLOCK.now_ns()
            probes.append(run_probe(rate, seconds, probe_confidence, len(probes)))
            outside = (CLOCK.now_ns() - begun) / 1e9 - probes[-1].duration_s
            calls = max(probes[-1].n, rate * probes[-1].duration_s, 1.0)
            cost = max(cost if len(probes) > 1 else 0.0, outside / calls)
        return "probe limit"

    def ended(probed: list[Probe], why: CapacityStop) -> CapacitySearch:
        return CapacitySearch(
            service=service,
            probes=probed,
            stopped=why,
            duration_s=(CLOCK.now_ns() - started_ns) / 1e9,
            warmup=0,
            probe_confidence=probe_confidence,
            planned_probes=planned,
            lowest_rate=lowest,
        )

    if service.outcome == "misses":
        stopped = "no rate holds"  # the calls alone, back to back, miss the budget
    elif lowest >= start:
        stopped = "max_time too short"  # every rate a probe could decide is above capacity
    else:
        try:
            stopped = probe_until_done()
        except BaseException as error:
            if not isinstance(error, Exception):  # an interrupt: keep the finished probes
                attach_partial(error, ended(list(probes), "interrupted"))
            raise
    return ended(probes, stopped)
