"""How closely the open-loop scheduler keeps to its schedule, on the funnel model.

    python benchmarks/open_loop_accuracy.py [RATE ...] [--max-time S]

For each rate: the achieved rate against the target, and the start delay (actual start minus
intended start) percentiles, measured against the schedule itself, and the CPU time the
process used as a share of the wall time (near saturation a lone worker is busy nearly all the
time, so a share well under 100% there means other processes had the core); then the highest
rate of a doubling-then-bisecting search that one worker sustains (no ``rate above capacity``).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

from pytest_latency_sla.engine.load.run import run_load
from pytest_latency_sla.engine.load.schedule import LoadPlan
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.onnx import example_inputs, load_session
from pytest_latency_sla.units import format_duration

MODEL = Path(__file__).resolve().parent.parent / "models" / "funnel.onnx"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rates", nargs="*", type=float, default=[10_000, 20_000, 28_000])
    parser.add_argument("--max-time", type=float, default=3.0)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    session = load_session(MODEL)
    target = Target(session.run, (None, example_inputs(session)))
    print(f"{'target':>9} {'achieved':>9} {'error':>7} {'delay p50':>10} {'p99':>9} "
          f"{'latency p50':>12} {'p99':>9} {'on CPU':>7}  stopped")  # fmt: skip
    for rate in args.rates:
        cpu, wall = _cpu_seconds(), time.perf_counter()
        run = run_load(target, LoadPlan(rate=rate), max_time=args.max_time)
        on_cpu = (_cpu_seconds() - cpu) / (time.perf_counter() - wall) * 100
        d = run.start_delay_ns
        assert d is not None
        lat = run.latency_ns
        p = [format_duration(float(np.percentile(x, q)) / 1e9) for x in (d, lat) for q in (50, 99)]
        error = (run.achieved_rate - rate) / rate * 100
        print(f"{rate:>9,.0f} {run.achieved_rate:>9,.0f} {error:>6.2f}% {p[0]:>10} {p[1]:>9} "
              f"{p[2]:>12} {p[3]:>9} {on_cpu:>6.0f}%  {run.stopped}")  # fmt: skip
    low, high = 1_000.0, 1_000.0
    while run_load(target, LoadPlan(rate=high), max_time=1.0).overload is None:
        low, high = high, high * 2
    for _ in range(5):
        mid = (low + high) / 2
        if run_load(target, LoadPlan(rate=mid), max_time=1.0).overload is None:
            low = mid
        else:
            high = mid
    print(f"one worker sustains about {low:,.0f}/s (above capacity at {high:,.0f}/s)")


if __name__ == "__main__":
    main()
