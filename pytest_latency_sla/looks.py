"""The sequential looks: exceedance counts in, confident verdicts and the moment to stop out.

One ``Looks`` follows a batch of independent sampling runs side by side. The sampler follows
one run (a batch of one) and feeds it the calls it timed since the last look; the simulation in
``tests/test_simulation.py`` follows thousands of runs over pre-drawn samples. Both go through
``Looks.advance``, so the error rates the simulation shows are those of the code that gates
real tests, looks included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .stats import LookSchedule, fail_cutoff, pass_cutoff

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["FAIL", "PASS", "UNDECIDED", "Looks"]

UNDECIDED, PASS, FAIL = 0, 1, -1


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
