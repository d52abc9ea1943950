"""Isolation agreement: the p50 and p99 of the funnel model measured in a forked child
(``isolate``), against the same measurement in process.

Each repeat takes one in-process and one isolated measurement of the same session with the
same spec (3,000 timed calls, no budget), alternating which goes first so a drift of the
machine hits both alike. The ratio is isolated / in-process of the medians over repeats.

    python benchmarks/isolation_agreement.py [--repeats N] [--quick]
"""

from __future__ import annotations

from _common import MODEL, Repeats, Row, main, median

from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.onnx import example_inputs, load_session
from pytest_latency_sla.verdict.measure import run_isolated, run_measurement

REPEATS = Repeats(full=10, quick=3)
LIMITS = {"50": 0.10, "99": 0.20}  # the tail swings more from run to run


def run(repeats: int, quick: bool) -> list[Row]:
    session = load_session(MODEL)
    target = Target(session.run, (None, example_inputs(session)))
    spec = MeasureSpec(thresholds=(), max_time=3.0)
    ways = {"in-process": run_measurement, "isolated": run_isolated}
    seen: dict[str, dict[str, list[float]]] = {way: {"50": [], "99": []} for way in ways}
    for repeat in range(repeats):
        order = list(ways) if repeat % 2 == 0 else list(reversed(ways))
        for way in order:
            result = ways[way](target, spec)
            seen[way]["50"].append(result.p50 * 1e6)
            seen[way]["99"].append(result.p99 * 1e6)
    rows = []
    for label, limit in LIMITS.items():
        inside, isolated = median(seen["in-process"][label]), median(seen["isolated"][label])
        ratio = isolated / inside
        rows.append(
            Row(
                f"isolation: funnel p{label}, forked child",
                f"in-process {inside:.2f} us",
                f"{isolated:.2f} us",
                ratio,
                f"within {limit:.0%}",
                abs(ratio - 1) <= limit,
            )
        )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
