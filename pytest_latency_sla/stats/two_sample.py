"""Two samples: bounds, confident verdicts and sequential looks for a ratio of percentiles.

Candidate X (n samples), baseline Y (m samples), percentile q, allowed ratio r: the claim is
``xi_X <= r * xi_Y`` (``xi``: the true q-th percentile). Each side gets the one-sample
distribution-free bounds of ``stats.bounds`` (Thompson, 1936) at level ``alpha / 2``:

* **confident pass** iff ``U_X <= r * L_Y``: if the claim is false, a pass needs ``U_X < xi_X``
  or ``L_Y > xi_Y``, each with probability at most ``alpha / 2``;
* **confident fail** iff ``L_X > r * U_Y``, by the same argument;
* the ratio's bounds are ``[L_X / U_Y, U_X / L_Y]``, its estimate the ratio of the two
  nearest-rank percentiles.

No assumption about the shapes of the two distributions or their relation is needed; the price
is Bonferroni's (about ``n_min`` at ``alpha / 2`` per side). See STATS.md, "Two samples".

Looks: ``RatioLooks`` checks the rules over the pair count on the schedule of
``looks.LookSchedule`` at ``alpha / 2``: at look ``k`` each side's bound is at ``alpha / 2**(k+1)``,
so each side spends at most ``alpha / 2`` over every look, and a wrong confident verdict has
probability at most ``alpha`` however long sampling runs. A *stored* baseline (a sample taken in
an earlier run, so it does not grow) has fixed bounds at ``alpha / 2``; the candidate's side
spends its ``alpha / 2`` over the looks as before. Since those bounds never tighten, a stored
gate whose candidate lies between them (``r * L_Y < L_X`` and ``U_X <= r * U_Y``) can never be
decided: it is *settled* without a verdict and holds sampling no longer (stopping early never
makes a wrong verdict: verdicts come from the looks alone). ``RatioLooks`` follows one run for the engine
and thousands side by side for the simulation, which therefore checks the code that gates.

A regression against a stored baseline of ``m`` samples is never claimed from fewer than ``m``
calls: a stored gate's fail looks start at ``m`` pairs (then ``2m``, ``4m``, ..., spending the
side's ``alpha / 2`` as above), and it is not settled as undecidable before ``m`` either. The
reason is time-correlated noise. The bounds assume independent calls, and on a real machine
calls are not independent in time: a burst of contention (a neighbour's process, a frequency
step, an interrupt storm) slows every call in a window of milliseconds, so the first 10 calls of
a microsecond function, taken in half a millisecond, can all be slow and "prove" a 4x
regression that a longer sample would not show. The stored sample was taken over ``m`` calls; at
least as many now make the comparison symmetric: a burst must last as large a share of this
run as it would have had to of the stored one to move the percentile. A pass may still come
earlier (at ``2 n_min``): a burst of slow calls can only delay a pass, never make one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records import Verdict
from .bounds import bound_ranks, nearest_rank
from .looks import FAIL, FIRST_FAIL_LOOK, PASS, UNDECIDED, LookSchedule

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "RatioBounds",
    "RatioGate",
    "RatioLooks",
    "SideBounds",
    "below_ratio",
    "needed_pairs",
    "ratio_bounds",
    "ratio_decision",
    "side_bounds",
]


@dataclass(frozen=True)
class SideBounds:
    """One side's nearest-rank estimate of a percentile and its bounds (ns; ``None`` where the
    sample is too small to give one), from ``n`` samples."""

    estimate_ns: float
    lower_ns: float | None
    upper_ns: float | None
    n: int


def side_bounds(sorted_ns: npt.NDArray[np.int64], percentile: float, alpha: float) -> SideBounds:
    """The estimate and the ``alpha``-level one-sided bounds of ``percentile`` (0 < p < 100)
    from ``sorted_ns`` (ascending, at least one sample)."""
    n = int(sorted_ns.shape[0])
    lower_rank, upper_rank = bound_ranks(n, percentile / 100.0, alpha)
    return SideBounds(
        estimate_ns=float(sorted_ns[nearest_rank(n, percentile) - 1]),
        lower_ns=None if lower_rank is None else float(sorted_ns[lower_rank - 1]),
        upper_ns=None if upper_rank is None else float(sorted_ns[upper_rank - 1]),
        n=n,
    )


def below_ratio(x_ns: float, ratio: float, y_ns: float) -> bool:
    """``x_ns <= ratio * y_ns``, the product rounded to 1/1000 ns as budgets are (``plan.budget_ns``):
    float noise in ``0.8 * 10`` must not decide a tie between integer samples."""
    return x_ns <= round(ratio * y_ns, 3)


@dataclass(frozen=True)
class RatioBounds:
    """The ratio candidate / baseline: its estimate and bounds (``None`` where a side has no
    bound or a denominator is 0), and the two sides it came from."""

    estimate: float
    lower: float | None
    upper: float | None
    candidate: SideBounds
    baseline: SideBounds


def ratio_bounds(candidate: SideBounds, baseline: SideBounds) -> RatioBounds:
    """``[L_X / U_Y, U_X / L_Y]`` and ``est_X / est_Y`` (inf when the baseline's is 0)."""

    def divide(top: float | None, bottom: float | None) -> float | None:
        if top is None or bottom is None or bottom <= 0:
            return None
        return top / bottom

    if baseline.estimate_ns > 0:
        estimate = candidate.estimate_ns / baseline.estimate_ns
    else:
        estimate = math.inf if candidate.estimate_ns > 0 else 1.0
    return RatioBounds(
        estimate=estimate,
        lower=divide(candidate.lower_ns, baseline.upper_ns),
        upper=divide(candidate.upper_ns, baseline.lower_ns),
        candidate=candidate,
        baseline=baseline,
    )


def ratio_decision(candidate: SideBounds, baseline: SideBounds, ratio: float) -> Verdict | None:
    """The confident verdict on ``xi_X <= ratio * xi_Y`` from bounds each at ``alpha / 2``, or
    ``None`` when the bounds overlap the claim."""
    if (
        candidate.upper_ns is not None
        and baseline.lower_ns is not None
        and below_ratio(candidate.upper_ns, ratio, baseline.lower_ns)
    ):
        return "pass"
    if (
        candidate.lower_ns is not None
        and baseline.upper_ns is not None
        and not below_ratio(candidate.lower_ns, ratio, baseline.upper_ns)
    ):
        return "fail"
    return None


@dataclass(frozen=True)
class RatioGate:
    """One ratio threshold as the looks see it: percentile fraction ``q`` and the allowed
    ``ratio``. ``stored`` holds the fixed ``(lower_ns, upper_ns)`` bounds at ``alpha / 2`` of a
    stored baseline's percentile; ``None`` for a baseline sampled in the same run. ``stored_n``
    is the stored sample's size: no fail (and no settling) from fewer pairs than that."""

    q: float
    ratio: float
    stored: tuple[float | None, float | None] | None = None
    stored_n: int = 0

    @property
    def first_fail(self) -> int:
        """The pair count of the first look that may claim a fail."""
        return max(FIRST_FAIL_LOOK, self.stored_n)


class RatioLooks:
    """Ratio gates checked on ``runs`` runs at once, at overall level ``alpha``, as ``Looks`` does
    for one sample: per run and gate the verdict (``PASS``, ``FAIL``, ``UNDECIDED``) and the
    pair count it came at; a run stops at the first look where one gate has a confident fail or
    every gate a confident pass."""

    def __init__(self, gates: Sequence[RatioGate], alpha: float, runs: int = 1) -> None:
        import numpy as np

        self.gates = list(gates)
        self.side_alpha = alpha / 2.0
        self.schedules = [LookSchedule(g.q, self.side_alpha, g.first_fail) for g in self.gates]
        self.n = 0
        shape = (runs, len(self.gates))
        self.verdicts: npt.NDArray[np.int8] = np.zeros(shape, dtype=np.int8)
        self.at_n: npt.NDArray[np.int64] = np.zeros(shape, dtype=np.int64)
        self.stopped_at: npt.NDArray[np.int64] = np.zeros(runs, dtype=np.int64)
        # stored gates that no number of pairs could decide (see the module's docstring)
        self.hopeless: npt.NDArray[np.bool_] = np.zeros(shape, dtype=bool)

    @property
    def running(self) -> npt.NDArray[np.bool_]:
        running: npt.NDArray[np.bool_] = self.stopped_at == 0
        return running

    @property
    def settled(self) -> npt.NDArray[np.bool_]:
        """Per run and gate: a confident pass, or a stored gate that can never be decided."""
        settled: npt.NDArray[np.bool_] = (self.verdicts == PASS) | self.hopeless
        return settled

    def next_look(self) -> int | None:
        """The next pair count where a look could decide something; ``None`` if none can."""
        open_ = (self.verdicts == UNDECIDED) & ~self.hopeless & self.running[:, None]
        looks = [
            s.next_look_after(self.n) for j, s in enumerate(self.schedules) if open_[:, j].any()
        ]
        return min(looks, default=None)

    def look(
        self,
        candidate: npt.NDArray[np.int64] | npt.NDArray[np.floating],
        baseline: npt.NDArray[np.int64] | npt.NDArray[np.floating] | None = None,
        rows: npt.NDArray[np.intp] | None = None,
    ) -> None:
        """Apply the looks planned at ``n`` pairs, ``n`` being the length of ``candidate``.

        ``candidate`` and ``baseline`` hold *every* sample so far, in any order: ``runs x n``
        (``n`` long for a single run), or only the rows ``rows`` (the runs still sampling).
        ``baseline`` may be ``None`` when every gate has a stored baseline.
        """
        import numpy as np

        x = candidate.reshape(1, -1) if candidate.ndim == 1 else candidate
        y = (
            None
            if baseline is None
            else (baseline.reshape(1, -1) if baseline.ndim == 1 else baseline)
        )
        n = int(x.shape[1])
        self.n = n
        target = np.arange(self.verdicts.shape[0]) if rows is None else np.asarray(rows)
        live = self.running[target]
        for j, (gate, schedule) in enumerate(zip(self.gates, self.schedules, strict=True)):
            open_ = live & (self.verdicts[target, j] == UNDECIDED) & ~self.hopeless[target, j]
            looks = schedule.looks_at(n)
            for look in looks:
                if not open_.any():
                    break
                hit = self._hits(gate, look.side, look.alpha, x, y, open_)
                if hit is None:
                    continue
                rows_hit = target[hit]
                self.verdicts[rows_hit, j] = PASS if look.side == "pass" else FAIL
                self.at_n[rows_hit, j] = n
                open_ &= ~hit
            if looks and gate.stored is not None and n >= gate.stored_n and open_.any():
                self.hopeless[target[self._hopeless(gate, x, open_)], j] = True
        if self.gates:
            done = (self.verdicts == FAIL).any(axis=1) | self.settled.all(axis=1)
            self.stopped_at[self.running & done] = n

    def _hits(
        self,
        gate: RatioGate,
        side: Verdict,
        alpha: float,
        x: npt.NDArray[np.int64] | npt.NDArray[np.floating],
        y: npt.NDArray[np.int64] | npt.NDArray[np.floating] | None,
        open_: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.bool_] | None:
        """Which of the given rows a look on ``side`` at level ``alpha`` per side decides."""
        import numpy as np

        n = int(x.shape[1])
        lower_rank, upper_rank = bound_ranks(n, gate.q, alpha)
        # pass: the candidate's upper bound against the baseline's lower; fail: the reverse
        x_rank, y_rank = (upper_rank, lower_rank) if side == "pass" else (lower_rank, upper_rank)
        if x_rank is None:
            return None
        picked = np.flatnonzero(open_)
        x_values = _order_statistic(x[picked], x_rank)
        if gate.stored is not None:
            fixed = gate.stored[0] if side == "pass" else gate.stored[1]
            if fixed is None:
                return None
            y_values = np.full(len(picked), float(fixed))
        else:
            if y is None or y_rank is None:
                return None
            y_values = _order_statistic(y[picked], y_rank)
        allowed = np.round(gate.ratio * y_values.astype(np.float64), 3)
        decided = x_values <= allowed if side == "pass" else x_values > allowed
        hit = np.zeros(len(open_), dtype=bool)
        hit[picked[decided]] = True
        return hit

    def _hopeless(
        self,
        gate: RatioGate,
        x: npt.NDArray[np.int64] | npt.NDArray[np.floating],
        open_: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.bool_]:
        """Which of the given rows of a stored gate lie between the stored bounds for good: the
        candidate's fixed-sample bounds at ``alpha / 2`` put a pass and a fail out of reach."""
        import numpy as np

        assert gate.stored is not None
        stored_lower, stored_upper = gate.stored
        n = int(x.shape[1])
        lower_rank, upper_rank = bound_ranks(n, gate.q, self.side_alpha)
        found = np.zeros(len(open_), dtype=bool)
        if lower_rank is None or upper_rank is None:
            return found
        picked = np.flatnonzero(open_)
        block = np.partition(x[picked], sorted({lower_rank - 1, upper_rank - 1}), axis=1)
        x_lower = block[:, lower_rank - 1].astype(np.float64)
        x_upper = block[:, upper_rank - 1].astype(np.float64)
        no_pass = (
            np.ones(len(picked), dtype=bool)
            if stored_lower is None
            else x_lower > np.round(gate.ratio * stored_lower, 3)
        )
        no_fail = (
            np.ones(len(picked), dtype=bool)
            if stored_upper is None
            else x_upper <= np.round(gate.ratio * stored_upper, 3)
        )
        found[picked[no_pass & no_fail]] = True
        return found


def _order_statistic(
    block: npt.NDArray[np.int64] | npt.NDArray[np.floating], rank: int
) -> npt.NDArray[np.float64]:
    """The ``rank``-th smallest (1-based) of each row, by a partial sort of a copy."""
    import numpy as np

    values: npt.NDArray[np.float64] = np.partition(block, rank - 1, axis=1)[:, rank - 1].astype(
        np.float64
    )
    return values


def needed_pairs(
    candidate_sorted: npt.NDArray[np.int64],
    baseline: npt.NDArray[np.int64] | SideBounds,
    q: float,
    ratio: float,
    alpha: float,
    side: Verdict,
    start: int,
) -> int:
    """The first planned look after ``start`` pairs where samples like these would give a
    confident ``side`` verdict; ``0`` when none would within a thousandfold more.

    An order statistic of rank ``k`` among ``n`` future samples is projected by the empirical
    quantile ``k / n`` of the samples at hand. ``baseline`` is the sorted baseline sample, or a
    stored baseline's fixed bounds (which do not tighten with more pairs, and allow a fail only
    from as many pairs as they were taken from).
    """
    if not len(candidate_sorted):
        return 0
    stored_n = baseline.n if isinstance(baseline, SideBounds) else 0
    schedule = LookSchedule(q, alpha / 2.0, max(FIRST_FAIL_LOOK, stored_n))
    n = start
    while n <= max(start, 1) * 1000:
        n = schedule.next_look_after(n)
        for look in schedule.looks_at(n):
            if look.side != side:
                continue
            lower_rank, upper_rank = bound_ranks(n, q, look.alpha)
            x_rank, y_rank = (
                (upper_rank, lower_rank) if side == "pass" else (lower_rank, upper_rank)
            )
            if x_rank is None:
                continue
            x = _projected(candidate_sorted, x_rank / n)
            if isinstance(baseline, SideBounds):
                y = baseline.lower_ns if side == "pass" else baseline.upper_ns
            else:
                y = None if y_rank is None else _projected(baseline, y_rank / n)
            if y is None:
                continue
            if (side == "pass") == below_ratio(x, ratio, y):
                return n
    return 0


def _projected(sorted_ns: npt.NDArray[np.int64], fraction: float) -> float:
    size = int(sorted_ns.shape[0])
    index = min(size - 1, max(0, math.ceil(fraction * size) - 1))
    return float(sorted_ns[index])
