"""What a finished measurement leaves for a stored baseline (``--latency-save``), and the
thresholds a later run gets from it (``--latency-baseline``, ``--latency-regression``).

The stored record holds, per percentile, the order statistics that the two-sample rule needs
for an exact comparison at any confidence up to ``stats.stored.FLOOR_ALPHA`` (a few thousand
numbers for 2**21 samples, not the samples), plus the quantiles for a reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..plan import Threshold
from ..records import StoredMeasurementDict
from ..stats.bounds import nearest_rank
from ..stats.stored import OrderWindow, order_window
from .result import ComparisonResult, LatencyResult

__all__ = ["STORED_PERCENTILES", "regression_thresholds", "stored_record"]

# Kept for every measurement, whatever it gates: the quantiles every report shows.
STORED_PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def stored_record(
    result: LatencyResult | ComparisonResult, percentiles: Iterable[float] = ()
) -> StoredMeasurementDict | None:
    """The stored form of ``result`` (a comparison's candidate), with order statistics around
    ``STORED_PERCENTILES`` and ``percentiles``; ``None`` for a measurement with no samples or
    under load (correlated latencies: the two-sample bounds do not hold for them)."""
    measured = result.candidate if isinstance(result, ComparisonResult) else result
    if not measured.n or measured.load is not None:
        return None
    ordered = measured._sorted()
    wanted = sorted({*STORED_PERCENTILES, *(float(p) for p in percentiles)})
    # a percentile of 0 ns (a call below the clock's resolution) is no denominator: left out,
    # so those percentiles are not compared later (``regression_thresholds``)
    wanted = [p for p in wanted if ordered[nearest_rank(len(ordered), p) - 1] > 0]
    return {
        "n": measured.n,
        "quantiles_s": measured.summary()["quantiles_s"],
        "order_statistics": [order_window(ordered, p).to_dict() for p in wanted],
    }


def regression_thresholds(
    gated: Iterable[float], stored: Mapping[float, OrderWindow], regression: float
) -> tuple[Threshold, ...]:
    """``now <= (1 + regression) x stored`` for each gated percentile the stored record has."""
    return tuple(
        Threshold.relative(p, 1.0 + regression, against="stored")
        for p in sorted(set(gated))
        if p in stored
    )
