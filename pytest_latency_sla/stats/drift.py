"""Checks on what the bounds assume: samples that do not drift, calls the timer can resolve, and
a warm-up that was long enough.

The bounds in ``stats`` hold for independent, identically distributed calls. Two common ways a
measurement breaks that are visible in the samples themselves and are reported, not corrected:

* **drift** -- the machine changed under the measurement (a CPU frequency step, a noisy
  neighbour). The median of the first half of the samples (in call order) is compared with
  that of the second half, as pyperf does between runs.
* **timer resolution** -- a call not much longer than the clock read itself is mostly measuring
  the timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..messages.common import RESOLUTION_FACTOR
from .bounds import bound_ranks

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Drift", "cold_start", "drift", "near_timer_resolution"]

# Halves whose medians differ by more than this are called unstable. Halves of a quiet run
# differ by a few percent; a frequency step or a neighbour taking the core moves the median by
# 20-100%, and a fifth is also a change that matters against a budget.
DRIFT_RATIO = 1.2
# ... and only when the change is also beyond chance: the distribution-free bounds of the two
# medians (each one-sided at this level) do not overlap. Under no drift that happens with
# probability <= 4 x this (either bound wrong, in either direction): 1%.
DRIFT_ALPHA = 0.0025


@dataclass(frozen=True)
class Drift:
    """The medians (ns) of the first and second half of the samples, in call order."""

    first_ns: float
    second_ns: float
    unstable: bool

    @property
    def ratio(self) -> float:
        """Second-half median over first-half median."""
        return self.second_ns / self.first_ns if self.first_ns > 0 else float("inf")


def drift(samples_ns: npt.NDArray[np.int64]) -> Drift | None:
    """Compare the two halves of ``samples_ns`` (in call order); ``None`` below 2 samples."""
    half = int(samples_ns.shape[0]) // 2
    if half < 1:
        return None
    lower_rank, upper_rank = bound_ranks(half, 0.5, DRIFT_ALPHA)
    m1, low1, high1 = _median_and_bounds(samples_ns[:half], lower_rank, upper_rank)
    m2, low2, high2 = _median_and_bounds(samples_ns[-half:], lower_rank, upper_rank)
    big = max(m1, m2) > DRIFT_RATIO * min(m1, m2)
    significant = False
    if big and lower_rank is not None and upper_rank is not None:
        # the faster half's upper bound lies below the slower half's lower bound
        significant = high1 < low2 if m1 < m2 else high2 < low1
    return Drift(m1, m2, big and significant)


def _median_and_bounds(
    part: npt.NDArray[np.int64], lower_rank: int | None, upper_rank: int | None
) -> tuple[float, float, float]:
    """Median and the order statistics at the two ranks, from one partial sort of a copy (a
    full sort of each half would hold two more sample-sized arrays at the sample cap)."""
    import numpy as np

    size = int(part.shape[0])
    middle = ((size - 1) // 2, size // 2)
    ranks = [r - 1 for r in (lower_rank, upper_rank) if r is not None]
    ordered = np.partition(part, sorted({*middle, *ranks}))
    median = (float(ordered[middle[0]]) + float(ordered[middle[1]])) / 2
    low = float(ordered[lower_rank - 1]) if lower_rank is not None else float("nan")
    high = float(ordered[upper_rank - 1]) if upper_rank is not None else float("nan")
    return median, low, high


def near_timer_resolution(p50_ns: float, timer_overhead_ns: float) -> bool:
    """Whether a median call of ``p50_ns`` is within ``RESOLUTION_FACTOR`` clock reads."""
    return timer_overhead_ns > 0 and p50_ns < RESOLUTION_FACTOR * timer_overhead_ns


def cold_start(samples_ns: npt.NDArray[np.int64], budget_ns: float, q: float) -> int | None:
    """How many of the first timed calls (``samples_ns`` in call order) hold most of the calls
    over ``budget_ns`` while the calls after them keep the budget: the smallest ``N`` (at most
    half the calls) whose first ``N`` calls hold more than half of the exceedances and after
    which the share of calls over budget is at most ``1 - q``. ``None`` when the exceedances
    are not gathered at the start (a call that is slow throughout, or slow later on).

    A miss of this shape is usually a cold start the warm-up did not cover (lazy
    initialisation, the first runs of an ONNX Runtime session), not the steady state.
    """
    import numpy as np

    n = int(samples_ns.shape[0])
    over = samples_ns > budget_ns
    total = int(np.count_nonzero(over))
    if total == 0:
        return None
    seen = np.cumsum(over)
    for index in np.flatnonzero(over):
        first = int(index) + 1
        if first > n // 2:
            break
        head = int(seen[index])
        if 2 * head > total and (total - head) <= (1.0 - q) * (n - first):
            return first
    return None
