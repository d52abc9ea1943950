"""Order statistics kept from one run for an exact comparison in a later one (stored baselines).

A later run judges ``now <= (1 + regression) x stored`` with the two-sample rule of
``two_sample``, which needs the stored sample's nearest-rank percentile and its bounds at
``alpha / 2``: order statistics at ranks known in advance from ``n``, ``q`` and ``alpha``
(``bounds.bound_ranks``). A bound at a smaller ``alpha`` lies further out, so keeping every order
statistic between the bounds at ``FLOOR_ALPHA`` keeps every bound at any ``alpha >= FLOOR_ALPHA``
(a confidence up to 1 - 2e-6) exactly, and the sorted samples need not be kept: for p50 of
2**21 samples that is about 6,900 order statistics instead of 2 million.

The window is written as the first value and the steps between consecutive order statistics
(zero for a tie), which stay small in JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from ..messages.files import stored_percentile_not_positive
from ..records import OrderWindowDict
from .bounds import bound_ranks, nearest_rank
from .two_sample import SideBounds

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["FLOOR_ALPHA", "OrderWindow", "order_window"]

# Per-side level down to which a stored window gives exact bounds.
FLOOR_ALPHA = 1e-6


@dataclass(frozen=True)
class OrderWindow:
    """The order statistics ``X(first_rank) .. X(first_rank + len(values_ns) - 1)`` (1-based
    ranks, ns) of a sorted sample of ``n``, around its ``percentile``."""

    percentile: float
    n: int
    first_rank: int
    values_ns: tuple[int, ...]

    def at(self, rank: int | None) -> float | None:
        """``X(rank)``, or ``None`` when ``rank`` is ``None`` or outside the window."""
        if rank is None:
            return None
        index = rank - self.first_rank
        if 0 <= index < len(self.values_ns):
            return float(self.values_ns[index])
        return None

    def side_bounds(self, alpha: float) -> SideBounds:
        """The stored percentile's estimate and bounds at ``alpha`` (a bound is ``None`` where
        the sample had none, or ``alpha`` is below ``FLOOR_ALPHA``)."""
        lower_rank, upper_rank = bound_ranks(self.n, self.percentile / 100.0, alpha)
        estimate = self.at(nearest_rank(self.n, self.percentile))
        assert estimate is not None, "a window always holds its nearest-rank percentile"
        return SideBounds(estimate, self.at(lower_rank), self.at(upper_rank), self.n)

    def to_dict(self) -> OrderWindowDict:
        first = self.values_ns[0]
        steps = [b - a for a, b in pairwise(self.values_ns)]
        return {
            "percentile": float(self.percentile),
            "first_rank": int(self.first_rank),
            "first_ns": int(first),
            "steps_ns": steps,
        }

    @classmethod
    def from_dict(cls, data: OrderWindowDict, n: int) -> OrderWindow:
        """Rebuild a window of a sample of ``n``; ``ValueError`` when the record is inconsistent
        (ranks outside ``1..n``, a negative step, a percentile out of range) or its percentile
        is not positive (no ratio to it means anything)."""
        percentile = float(data["percentile"])
        first_rank = int(data["first_rank"])
        values = [int(data["first_ns"])]
        for step in data["steps_ns"]:
            if int(step) < 0:
                raise ValueError("order statistics must not decrease")
            values.append(values[-1] + int(step))
        if not 0 < percentile < 100 or first_rank < 1 or first_rank + len(values) - 1 > n:
            raise ValueError(
                f"window of p{percentile:g} at ranks {first_rank}..{first_rank + len(values) - 1} "
                f"does not fit a sample of {n}"
            )
        middle = nearest_rank(n, percentile)
        if not first_rank <= middle < first_rank + len(values):
            raise ValueError(f"window of p{percentile:g} does not hold its percentile")
        if values[middle - first_rank] <= 0:
            raise ValueError(
                stored_percentile_not_positive(percentile, values[middle - first_rank])
            )
        return cls(percentile, n, first_rank, tuple(values))


def order_window(
    sorted_ns: npt.NDArray[np.int64], percentile: float, floor_alpha: float = FLOOR_ALPHA
) -> OrderWindow:
    """The order statistics of ``sorted_ns`` (ascending, non-empty) between the bounds of its
    ``percentile`` at ``floor_alpha``, nearest-rank percentile included."""
    n = int(sorted_ns.shape[0])
    lower_rank, upper_rank = bound_ranks(n, percentile / 100.0, floor_alpha)
    first = 1 if lower_rank is None else lower_rank
    last = n if upper_rank is None else upper_rank
    middle = nearest_rank(n, percentile)
    first, last = min(first, middle), max(last, middle)
    values = tuple(int(v) for v in sorted_ns[first - 1 : last].tolist())
    return OrderWindow(float(percentile), n, first, values)
