"""Where a capacity search probes next (``engine.capacity``): bracketing from the start rate,
then bisection in log space between the rate that holds and the rate that misses, past the rates
whose probes were not confident, and a not-confident rate probed again for longer when that is
what would close the bracket. Plain arithmetic on the probes so far; no measuring here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Protocol

from ..records import CapacityStop, ProbeOutcome

__all__ = [
    "AGAIN",
    "BRACKET",
    "FIRST_STEP",
    "NEAR",
    "REACH",
    "Verdicted",
    "next_probe",
    "next_rate",
    "round_rate",
]

# The search ends when misses_at / holds_at is at most this.
BRACKET = 1.10
# The first step away from a probe while bracketing; squared at each further step on one side.
FIRST_STEP = 1.25
# No probe further than this factor from the start rate.
REACH = 1024.0
# A rate within this factor of one already probed is not probed again (at the same length).
NEAR = 1.02
# A not-confident rate probed again runs this many times as long as its longest probe so far.
AGAIN = 2.0
# 1.25^32 is past REACH: steps stop growing there (and 1.25^(2^k) cannot overflow)
_MAX_POWER = 32
_MAX_DOUBLINGS = 5


class Verdicted(Protocol):
    """A probe as the search reads it: its rate, its outcome, and whether every threshold's
    point estimate was within budget (the side a not-confident probe points to)."""

    @property
    def rate(self) -> float: ...

    @property
    def outcome(self) -> ProbeOutcome: ...

    @property
    def point_passes(self) -> bool: ...

    @property
    def duration_s(self) -> float: ...

    def decided_if_longer(self, factor: float) -> bool: ...


def round_rate(rate: float) -> float:
    """``rate`` to three significant digits: ``32,374.1`` -> ``32,400``."""
    if rate <= 0 or not math.isfinite(rate):
        return rate
    digits = 2 - math.floor(math.log10(rate))
    return float(round(rate, digits))


def next_rate(
    probes: Sequence[Verdicted], start: float, lowest: float, min_rate: float | None
) -> float | CapacityStop:
    """The rate to probe next, or why the search is over. ``start`` is the service rate,
    ``lowest`` the lowest rate at which a probe can be confident (``lowest_rate``)."""
    holds = [p.rate for p in probes if p.outcome == "holds"]
    misses = [p.rate for p in probes if p.outcome == "misses"]
    lo, hi = max(holds, default=None), min(misses, default=None)
    if lo is not None and hi is not None and hi <= lo * BRACKET:
        return "bracket"
    if not probes:
        return round_rate(start)
    probed = [p.rate for p in probes]
    # the gate decided by a probe at its own rate, early; not below the lowest rate a probe
    # can decide, where the gate is decided by any higher rate that holds, nor far above the
    # rate the workers serve back to back, which cannot hold: the search's own misses_at
    # below it decides the gate there, with probes spent near the capacity
    reachable = min_rate is not None and lowest <= min_rate <= start * FIRST_STEP**2
    if min_rate is not None and min_rate not in probed and reachable:
        if (lo is None or lo < min_rate) and (hi is None or min_rate < hi):
            return min_rate
    unsure = sorted(
        p.rate
        for p in probes
        if p.outcome == "not confident"
        and (lo is None or p.rate > lo)
        and (hi is None or p.rate < hi)
    )
    floor, ceiling = max(lowest, start / REACH), start * REACH
    for low, high, candidate in _gaps(lo, hi, unsure, probes):
        candidate = round_rate(min(max(candidate, floor), ceiling))
        inside = (low is None or candidate > low) and (high is None or candidate < high)
        if inside and not any(_near(candidate, rate) for rate in probed):
            return candidate
    unsure_at_all = any(p.outcome == "not confident" for p in probes)
    if not unsure_at_all and lo is None:
        return "no rate holds"  # every rate down to the lowest worth probing missed
    if not unsure_at_all and hi is None:
        return "no rate misses"  # every rate up to the highest worth probing held
    return "not confident"


def next_probe(
    probes: Sequence[Verdicted],
    start: float,
    lowest: float,
    min_rate: float | None,
    *,
    max_time: float,
    left: float,
) -> tuple[float, float] | CapacityStop:
    """The next probe, ``(rate, seconds)``, or why the search is over; ``left`` is the time
    budget still unspent (seconds). A new rate (``next_rate``) runs for ``max_time``. A rate
    whose probe was not confident runs again, for ``AGAIN`` x its longest probe so far (at most
    ``left``), as STATS.md allows:

    * first, when its own effective sample forecasts that the longer probe decides it
      (``Verdicted.decided_if_longer``): of those, the one whose verdict would leave the
      narrowest bracket (the gate's own rate, ``min_rate``, is probed before it);
    * otherwise only when no new rate is left to try (``_again``): the best of them whose
      longer probe fits in what is left.

    More calls at the same rate narrow its bounds, where a new rate in the same not-confident
    region would likely be unsure again."""
    step = next_rate(probes, start, lowest, min_rate)
    if step in ("bracket", "no rate holds", "no rate misses") or not probes:
        return step if isinstance(step, str) else (step, max_time)
    if step != min_rate:
        decisive = _decisive(probes, max_time=max_time, left=left)
        if decisive is not None:
            return decisive
    if step == "not confident":  # no new rate left: the best rate probed again that fits
        for rate, longest in _again(probes):
            seconds = _longer(longest, max_time, left)
            if seconds is not None:
                return rate, seconds
    return step if isinstance(step, str) else (step, max_time)


def _longer(longest: float, max_time: float, left: float) -> float | None:
    """How long a rate whose longest probe so far was ``longest`` seconds runs again: ``AGAIN``
    times that (at most ``left``), or None when what is left would add little to it."""
    seconds = min(AGAIN * max(longest, max_time), left)
    return seconds if seconds >= 1.5 * longest else None


def _decisive(
    probes: Sequence[Verdicted], *, max_time: float, left: float
) -> tuple[float, float] | None:
    """The not-confident rate between the confident ends that a longer probe is forecast to
    decide, and that probe's length; of several, the one whose verdict would leave the narrowest
    bracket (a hold at the highest rate, a miss at the lowest)."""
    lo, hi = _ends(probes)
    best: tuple[tuple[float, float], float, float] | None = None  # (order, rate, seconds)
    for rate in sorted({p.rate for p in probes}):
        at = [p for p in probes if p.rate == rate]
        last = at[-1]
        if last.outcome != "not confident" or any(p.outcome != "not confident" for p in at):
            continue
        if (lo is not None and rate <= lo) or (hi is not None and rate >= hi):
            continue
        longest = max(p.duration_s for p in at)
        seconds = _longer(longest, max_time, left)
        if seconds is None or not last.decided_if_longer(seconds / last.duration_s):
            continue
        if last.point_passes:
            order = (math.inf, -rate) if hi is None else (hi / rate, 0.0)
        else:
            order = (math.inf, rate) if lo is None else (rate / lo, 0.0)
        if best is None or order < best[0]:
            best = (order, rate, seconds)
    return None if best is None else (best[1], best[2])


def _ends(probes: Sequence[Verdicted]) -> tuple[float | None, float | None]:
    """The highest rate that held and the lowest that missed, with confidence."""
    holds = [p.rate for p in probes if p.outcome == "holds"]
    misses = [p.rate for p in probes if p.outcome == "misses"]
    return max(holds, default=None), min(misses, default=None)


def _again(probes: Sequence[Verdicted]) -> list[tuple[float, float]]:
    """The not-confident rates between the confident ends, best worth probing again first, each
    with its longest probe so far (seconds). Of the rates whose estimate passed, the lowest is
    the likeliest to hold (the next above the rate that holds); of those whose estimate failed,
    the highest. Of those two, first the one whose verdict would leave the narrower bracket; then
    the other rates, the likelier first."""
    lo, hi = _ends(probes)
    unsure = {
        p.rate: p.point_passes
        for p in probes
        if p.outcome == "not confident"
        and (lo is None or p.rate > lo)
        and (hi is None or p.rate < hi)
    }
    passing = sorted(rate for rate, passes in unsure.items() if passes)
    failing = sorted((rate for rate, passes in unsure.items() if not passes), reverse=True)
    order: list[float] = []
    if passing and failing:
        hold_leaves = math.inf if hi is None else hi / passing[0]
        miss_leaves = math.inf if lo is None else failing[0] / lo
        first, second = (passing, failing) if hold_leaves <= miss_leaves else (failing, passing)
        order = [first[0], second[0], *first[1:], *second[1:]]
    else:
        order = passing or failing
    return [(rate, max(p.duration_s for p in probes if p.rate == rate)) for rate in order]


def _gaps(
    lo: float | None, hi: float | None, unsure: list[float], probes: Sequence[Verdicted]
) -> list[tuple[float | None, float | None, float]]:
    """The intervals between the confident ends (``lo``, ``hi``) and the not-confident rates
    between them, each with the rate to probe in it, best first: an interval that reaches an
    end (or is open) before one between two not-confident rates, where a probe is likely to be
    not confident again; then the widest first. Open intervals step away from their end
    (``_step``)."""
    ends: list[float | None] = [lo, *unsure, hi]
    passes = {p.rate: p.point_passes for p in probes}
    held = {p.rate for p in probes if p.outcome == "holds"}
    found: list[tuple[int, int, float, float | None, float | None, float]] = []
    for index, (low, high) in enumerate(pairwise(ends)):
        between_unsure = 0 < index < len(ends) - 2
        if low is None and high is None:
            continue
        # a closed interval above a rate whose estimate failed comes last: the estimates put
        # the capacity below it, and a probe there could only narrow the miss side, which
        # overloaded probes decide fast anyway (one below a rate whose estimate passed still
        # comes in turn: a confident hold there raises holds_at, the side that is hard to win)
        outside = low is not None and high is not None and low not in held and not passes[low]
        # an open interval is worth most when its end points into it (the capacity is beyond
        # it), else as much as one step
        if low is None:
            assert high is not None
            candidate = high / _step(probes, high, down=True)
            width = FIRST_STEP if passes[high] else math.inf
        elif high is None:
            candidate = low * _step(probes, low, down=False)
            width = math.inf if passes[low] else FIRST_STEP
        else:
            candidate, width = math.sqrt(low * high), high / low
        found.append((int(outside), int(between_unsure), -width, low, high, candidate))
    found.sort(key=lambda item: (item[0], item[1], item[2]))
    return [(low, high, candidate) for _, _, _, low, high, candidate in found]


def _step(probes: Sequence[Verdicted], end: float, *, down: bool) -> float:
    """How far to step past the open end ``end``. From a rate that missed (or, stepping up,
    held), the search is far from the capacity while it keeps doing so: 1.25x, then 1.25^2,
    1.25^4, ... with each rate probed on that side. From a not-confident rate whose estimate
    points the other way the capacity is near: 1.25x, 1.25^2, 1.25^3, ... with each such rate.
    A rate probed again counts once; no step is longer than ``REACH``."""
    beyond = [p for p in probes if (p.rate >= end if down else p.rate <= end)]
    edge = next(p for p in probes if p.rate == end)
    if edge.point_passes == down:  # a not-confident probe on the near side of the capacity
        near = len(
            {p.rate for p in beyond if p.point_passes == down and p.outcome == "not confident"}
        )
        power = max(near, 1)
    else:
        far = len({p.rate for p in beyond if p.point_passes != down})
        power = 2 ** min(max(far, 1) - 1, _MAX_DOUBLINGS)
    return min(REACH, float(FIRST_STEP ** min(power, _MAX_POWER)))


def _near(a: float, b: float) -> bool:
    return max(a, b) <= min(a, b) * NEAR
