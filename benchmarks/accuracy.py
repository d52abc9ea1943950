"""Accuracy: the p50 and p99 the plugin measures for the funnel model, against a bare
``perf_counter_ns`` loop around the same call, interleaved block by block in one process.

    python benchmarks/accuracy.py [--repeats N] [--quick]
"""

from __future__ import annotations

import time

import numpy as np
from _common import MODEL, Repeats, Row, main, median

from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.sampler import MEASURE_SAMPLES
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.onnx import example_inputs, load_session
from pytest_latency_sla.verdict.measure import run_measurement

REPEATS = Repeats(full=21, quick=9)
WARMUP = 200


def bare_loop(fn, args, count: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    clock = time.perf_counter_ns
    for _ in range(WARMUP):
        fn(*args)
    out = []
    for _ in range(count):
        t0 = clock()
        fn(*args)
        out.append(clock() - t0)
    return np.array(out)


def run(repeats: int, quick: bool) -> list[Row]:
    session = load_session(MODEL)
    args = (None, example_inputs(session))
    spec = MeasureSpec(thresholds=(), warmup=WARMUP)
    plugin = {"50": [], "99": []}  # type: dict[str, list[float]]
    bare = {"50": [], "99": []}  # type: dict[str, list[float]]
    for i in range(repeats):
        # alternate which goes first, so neither always runs on a freshly warmed cache
        order = ("plugin", "bare") if i % 2 == 0 else ("bare", "plugin")
        for who in order:
            if who == "plugin":
                r = run_measurement(Target(session.run, args), spec)
                plugin["50"].append(r.p50 * 1e9)
                plugin["99"].append(r.p99 * 1e9)
            else:
                x = bare_loop(session.run, args, MEASURE_SAMPLES)
                bare["50"].append(float(np.percentile(x, 50, method="inverted_cdf")))
                bare["99"].append(float(np.percentile(x, 99, method="inverted_cdf")))
    rows = []
    for label, limit in (("50", 0.03), ("99", 0.10)):
        # the ratio within each interleaved pair, then the median over pairs: the machine's
        # load changes between pairs more than within one
        ratio = median([p / b for p, b in zip(plugin[label], bare[label], strict=True)])
        p, b = median(plugin[label]), median(bare[label])
        rows.append(
            Row(
                f"accuracy: funnel p{label}",
                f"bare loop {b / 1e3:.2f} us",
                f"{p / 1e3:.2f} us",
                ratio,
                f"within {limit:.0%}",
                abs(ratio - 1) <= limit,
            )
        )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
