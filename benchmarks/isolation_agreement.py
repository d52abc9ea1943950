"""Do isolated measurements agree with in-process ones? p50 and p99 of the funnel model.

Each repeat takes one in-process and one isolated (forked child) measurement of the same
session with the same spec (3,000 timed calls, no budget), alternating which goes first so a
drift of the machine hits both alike. Prints every repeat, then the medians and their ratio
(isolated / in-process).

    python benchmarks/isolation_agreement.py [--repeats 10] [--model models/funnel.onnx]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.onnx import example_inputs, load_session
from pytest_latency_sla.verdict.measure import run_isolated, run_measurement

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "funnel.onnx")
    args = parser.parse_args()

    session = load_session(args.model)
    target = Target(session.run, (None, example_inputs(session)))
    spec = MeasureSpec(thresholds=(), max_time=3.0)
    ways = {"in-process": run_measurement, "isolated": run_isolated}
    p50: dict[str, list[float]] = {way: [] for way in ways}
    p99: dict[str, list[float]] = {way: [] for way in ways}

    print(f"model {args.model.name}; {args.repeats} repeats of 3,000 calls each way")
    print(f"{'repeat':>6}  {'way':<10}  {'n':>5}  {'p50 us':>8}  {'p99 us':>8}")
    for repeat in range(args.repeats):
        order = list(ways) if repeat % 2 == 0 else list(reversed(ways))
        for way in order:
            result = ways[way](target, spec)
            p50[way].append(result.p50 * 1e6)
            p99[way].append(result.p99 * 1e6)
            print(
                f"{repeat:>6}  {way:<10}  {result.n:>5}  {p50[way][-1]:>8.2f}  {p99[way][-1]:>8.2f}"
            )

    print()
    print(f"{'median of repeats':<18}  {'p50 us':>8}  {'p99 us':>8}")
    for way in ways:
        print(
            f"{way:<18}  {statistics.median(p50[way]):>8.2f}  {statistics.median(p99[way]):>8.2f}"
        )
    ratio50 = statistics.median(p50["isolated"]) / statistics.median(p50["in-process"])
    ratio99 = statistics.median(p99["isolated"]) / statistics.median(p99["in-process"])
    print(f"{'ratio isolated/in':<18}  {ratio50:>8.3f}  {ratio99:>8.3f}")


if __name__ == "__main__":
    main()
