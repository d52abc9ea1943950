"""The sequential looks: exceedance counts in, confident verdicts and the moment to stop out.

Looks follow alpha spending over two geometric schedules (``LookSchedule``). One ``Looks``
follows a batch of independent sampling runs side by side. The sampler follows one run (a batch
of one) and feeds it the calls it timed since the last look; the simulation in
``stats.simulation`` follows thousands of runs over pre-drawn samples. Both go through
``Looks.advance``, so the error rates the simulation shows are those of the code that gates
real tests, looks included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records import Verdict
from .bounds import fail_cutoff, min_samples_to_pass, pass_cutoff

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FAIL",
    "FIRST_FAIL_LOOK",
    "PASS",
    "UNDECIDED",
    "LookSchedule",
    "Looks",
    "needed_samples",
]

UNDECIDED, PASS, FAIL = 0, 1, -1
# The first look for a fail: a handful of calls already tells a clear miss apart.
FIRST_FAIL_LOOK = 10


class Looks:
    """Thresholds ``(q, budget_ns)`` checked on ``runs`` runs at once, at level ``alpha``.

    Per run and threshold it keeps the exceedance count, the verdict (``PASS``, ``FAIL`` or
    ``UNDECIDED``) and the sample count it came at. A run stops at the first look where one
    threshold has a confident fail or every threshold has a confident pass.
    """

    def __init__(self, gates: Sequence[tuple[float, float]], alpha: float, runs: int = 1) -> None:
        import numpy as np

        self.schedules = [LookSchedule(q, alpha) for q, _ in gates]
        self.budgets_ns = [float(budget) for _, budget in gates]
        self.n = 0
        shape = (runs, len(gates))
        self.exceedances: npt.NDArray[np.int64] = np.zeros(shape, dtype=np.int64)
        self.verdicts: npt.NDArray[np.int8] = np.zeros(shape, dtype=np.int8)
        self.at_n: npt.NDArray[np.int64] = np.zeros(shape, dtype=np.int64)
        # the sample count at which each run stopped; 0 while it is still sampling
        self.stopped_at: npt.NDArray[np.int64] = np.zeros(runs, dtype=np.int64)

    @property
    def running(self) -> npt.NDArray[np.bool_]:
        running: npt.NDArray[np.bool_] = self.stopped_at == 0
        return running

    def next_look(self) -> int | None:
        """The next sample count where a look could decide something; ``None`` if none can."""
        open_ = (self.verdicts == UNDECIDED) & self.running[:, None]
        looks = [
            s.next_look_after(self.n) for j, s in enumerate(self.schedules) if open_[:, j].any()
        ]
        return min(looks, default=None)

    def advance(
        self,
        chunk: npt.NDArray[np.int64] | npt.NDArray[np.floating],
        rows: npt.NDArray[np.intp] | None = None,
    ) -> None:
        """Count the next ``m`` samples of every run, then apply the looks planned at the new
        sample count. ``chunk`` is ``runs x m`` (``m`` long for a single run), or only the rows
        ``rows`` (the runs still sampling: a stopped run's later samples change nothing)."""
        import numpy as np

        block = chunk.reshape(1, -1) if chunk.ndim == 1 else chunk
        self.n += int(block.shape[1])
        target = slice(None) if rows is None else rows
        for j, budget in enumerate(self.budgets_ns):
            self.exceedances[target, j] += np.count_nonzero(block > budget, axis=1)
        running = self.running
        for j, schedule in enumerate(self.schedules):
            for look in schedule.looks_at(self.n):
                counts = self.exceedances[:, j]
                if look.side == "fail":
                    hit = counts >= fail_cutoff(self.n, schedule.q, look.alpha)
                else:
                    hit = counts <= pass_cutoff(self.n, schedule.q, look.alpha)
                hit &= running & (self.verdicts[:, j] == UNDECIDED)
                self.verdicts[hit, j] = FAIL if look.side == "fail" else PASS
                self.at_n[hit, j] = self.n
        if self.budgets_ns:
            done = (self.verdicts == FAIL).any(axis=1) | (self.verdicts == PASS).all(axis=1)
            self.stopped_at[running & done] = self.n


@dataclass(frozen=True)
class Look:
    """One planned look at ``n`` samples: check the pass or the fail side at level ``alpha``."""

    n: int
    side: Verdict  # the side this look can confirm
    alpha: float


@dataclass(frozen=True)
class LookSchedule:
    """Alpha spending over two geometric schedules, one per kind of error.

    A wrong confident pass can only happen when the percentile is really above the budget, a
    wrong confident fail only when it is really at or below it, so each side may spend the
    whole ``alpha``. Look ``k`` (1-based) of a side uses ``alpha / 2**k``: the sum over every
    look stays below ``alpha`` however long sampling runs.

    Fail looks start at ``first_fail`` samples (``FIRST_FAIL_LOOK`` unless a caller needs more
    before a fail may be claimed: a stored baseline's sample size, see ``stats.two_sample``).
    Pass looks start at ``2 * n_min``: at ``n_min`` the upper bound is the sample maximum and a
    single scheduler stall would block a pass; at twice that, it is the second-largest sample or
    better.
    """

    q: float
    alpha: float
    first_fail: int = FIRST_FAIL_LOOK

    @property
    def first_pass_look(self) -> int:
        return 2 * min_samples_to_pass(self.q, self.alpha)

    def looks_at(self, n: int) -> tuple[Look, ...]:
        """The looks planned at exactly ``n`` samples (zero, one or both sides)."""
        found = []
        sides: tuple[tuple[Verdict, int], ...] = (
            ("fail", self.first_fail),
            ("pass", self.first_pass_look),
        )
        for side, first in sides:
            k = _doubling_index(n, first)
            if k is not None:
                found.append(Look(n, side, self.alpha / 2.0**k))
        return tuple(found)

    def next_look_after(self, n: int) -> int:
        """The smallest planned look strictly after ``n`` samples."""
        return min(_next_doubling(n, self.first_fail), _next_doubling(n, self.first_pass_look))


def _doubling_index(n: int, first: int) -> int | None:
    if n < first or n % first:
        return None
    ratio = n // first
    if ratio & (ratio - 1):
        return None
    return ratio.bit_length()


def _next_doubling(n: int, first: int) -> int:
    look = first
    while look <= n:
        look *= 2
    return look


def needed_samples(
    exceedance_rate: float, q: float, alpha: float, side: Verdict, start: int
) -> int:
    """The first planned look at or after ``start`` where the current exceedance rate would
    give a confident ``side`` verdict; ``0`` when none would within a thousandfold more samples."""
    schedule = LookSchedule(q, alpha)
    n = start
    while n <= max(start, 1) * 1000:
        n = schedule.next_look_after(n)
        for look in schedule.looks_at(n):
            expected = exceedance_rate * n
            if look.side == side == "pass" and expected <= pass_cutoff(n, q, look.alpha):
                return n
            if look.side == side == "fail" and expected >= fail_cutoff(n, q, look.alpha):
                return n
    return 0
