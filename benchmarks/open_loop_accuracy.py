"""Open-loop accuracy: how closely the open-loop scheduler keeps to its schedule, on the funnel
model with one worker.

For each target rate: the achieved rate against the schedule's, with the start delay (actual
start minus intended start) and latency percentiles, and the CPU time the process used as a
share of the wall time (near saturation a lone worker is busy nearly all the time, so a share
well under 100% there means other processes had the core); medians over repeats. Then the
highest rate one worker sustains (no ``rate above capacity``, the schedule kept within 1%), by a doubling-then-bisecting
search, against the rate of a bare loop calling the model back to back in the same run.

    python benchmarks/open_loop_accuracy.py [--repeats N] [--quick]
"""

from __future__ import annotations

import resource
import time

import numpy as np
from _common import MODEL, Repeats, Row, main, median

from pytest_latency_sla.engine.load.run import run_load
from pytest_latency_sla.engine.load.schedule import LoadPlan
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.onnx import example_inputs, load_session
from pytest_latency_sla.units import format_duration

REPEATS = Repeats(full=3, quick=1)
RATES = (10_000.0, 20_000.0, 28_000.0)
QUICK_RATES = (10_000.0, 28_000.0)
LIMIT = 0.01  # achieved rate within 1% of the schedule's


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rate_row(target: Target, rate: float, repeats: int, max_time: float) -> Row:
    achieved, on_cpu, stopped = [], [], set()
    delay: dict[int, list[float]] = {50: [], 99: []}
    latency: dict[int, list[float]] = {50: [], 99: []}
    for _ in range(repeats):
        cpu, wall = _cpu_seconds(), time.perf_counter()
        run = run_load(target, LoadPlan(rate=rate), max_time=max_time)
        on_cpu.append((_cpu_seconds() - cpu) / (time.perf_counter() - wall))
        achieved.append(run.achieved_rate)
        stopped.add(run.stopped)
        assert run.start_delay_ns is not None  # an open-loop run records start delays
        for q in (50, 99):
            delay[q].append(float(np.percentile(run.start_delay_ns, q)) / 1e9)
            latency[q].append(float(np.percentile(run.latency_ns, q)) / 1e9)
    ratio = median(achieved) / rate
    d50, d99, l50, l99 = (
        format_duration(median(xs)) for xs in (delay[50], delay[99], latency[50], latency[99])
    )
    return Row(
        f"open loop: funnel at {rate:,.0f}/s, one worker, {max_time:g} s",
        f"schedule {rate:,.0f}/s",
        f"achieved {median(achieved):,.0f}/s; start delay p50 {d50}, p99 {d99}; "
        f"latency p50 {l50}, p99 {l99}; on CPU {median(on_cpu):.0%}; "
        f"stopped: {', '.join(sorted(stopped))}",
        ratio,
        f"within {LIMIT:.0%}",
        abs(ratio - 1) <= LIMIT,
    )


def _back_to_back(target: Target, seconds: float) -> float:
    """Calls per second of a bare loop calling ``target`` back to back, timing nothing: the
    most one worker could serve."""
    fn, args, kwargs = target.fn, target.args, target.kwargs
    calls, started = 0, time.perf_counter()
    end = started + seconds
    while time.perf_counter() < end:
        for _ in range(100):
            fn(*args, **kwargs)
        calls += 100
    return calls / (time.perf_counter() - started)


def _sustained(target: Target, max_time: float) -> tuple[float, float]:
    """The highest rate found without overload, and the lowest one found overloaded."""

    def keeps_up(rate: float) -> bool:
        # no overload detected, and the schedule kept: a run too short for the detector to see
        # a slowly growing backlog still ends behind its schedule
        run = run_load(target, LoadPlan(rate=rate), max_time=max_time)
        return run.overload is None and run.achieved_rate >= (1 - LIMIT) * rate

    low, high = 1_000.0, 1_000.0
    while keeps_up(high):
        low, high = high, high * 2
    for _ in range(5):
        mid = (low + high) / 2
        low, high = (mid, high) if keeps_up(mid) else (low, mid)
    return low, high


def run(repeats: int, quick: bool) -> list[Row]:
    session = load_session(MODEL)
    target = Target(session.run, (None, example_inputs(session)))
    max_time, step_time = (1.0, 0.5) if quick else (3.0, 1.0)
    rows = [
        _rate_row(target, rate, repeats, max_time) for rate in (QUICK_RATES if quick else RATES)
    ]
    bare = median([_back_to_back(target, step_time) for _ in range(repeats)])
    sustained = median([_sustained(target, step_time)[0] for _ in range(repeats)])
    rows.append(
        Row(
            f"open loop: highest rate one worker sustains, {step_time:g} s a step",
            f"bare loop, back to back {bare:,.0f}/s",
            f"{sustained:,.0f}/s",
            sustained / bare,
            "-",
            None,
        )
    )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
