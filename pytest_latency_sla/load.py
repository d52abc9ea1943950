"""Latency under load: calls on a schedule of intended starts (open loop), or N closed-loop callers.

Back-to-back calls measure service time and hide queueing (coordinated omission): a slow call
delays every later call, and those delays are never timed. Here each call ``i`` has an intended
start ``t0 + offset[i]`` fixed in advance; its latency is *completion - intended start*, so time
spent waiting behind a slow call counts, as it would for a real client (wrk2's approach).

No pytest here. The clock and the wait are module attributes so tests can script them.

**Overload.** When the call cannot keep up, the backlog (how late the next call starts) grows
without bound and sampling it to ``max_time`` only measures the queue. The run is checked once
per window of wall time (``max_time / 20``, clamped to 50-250 ms): the run is
*above capacity* when the backlog grew by more than ``GROWTH`` x the window in each of the last
``WINDOWS`` consecutive windows, i.e. the server started fewer than ``(1 - GROWTH)`` x the target
rate for that long. One stall (a garbage collection, a preempted thread) raises the backlog in
one window and is drained in the next, so it does not trip the check; a stable queue near
saturation fluctuates around a mean and does not grow three windows in a row by 5% each.
"""

from __future__ import annotations

import gc
import sys
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .sampler import MAX_SAMPLES, GcCounter, Target, reject_awaitable, warm_up

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .thresholds import Plan

__all__ = [
    "LoadPlan",
    "LoadRun",
    "Overload",
    "OverloadDetector",
    "intended_offsets",
    "load_plan",
    "run_load",
]

# Overload: backlog growth per window, as a share of the window, in this many windows in a row.
GROWTH = 0.05
WINDOWS = 3
# Waits longer than this sleep first and spin only for the rest; shorter waits spin, which is what
# keeps start delays under a microsecond. With the timer slack at 1 ns (below), a sleeper wakes
# ~10 us late (p99 ~40 us on a busy 2-core machine) instead of 60-100 us; sleeping most of each gap
# also leaves the CPU to other processes, so the scheduler is not preempted for spinning.
SPIN_NS = 50_000
_PR_SET_TIMERSLACK, _PR_GET_TIMERSLACK = 29, 30

_clock = time.perf_counter_ns


def _wait_until(deadline_ns: int) -> None:
    """Return at ``deadline_ns`` (``_clock`` time): sleep most of a long wait, spin the rest."""
    remaining = deadline_ns - _clock()
    if remaining > SPIN_NS:
        time.sleep((remaining - SPIN_NS) / 1e9)
    while _clock() < deadline_ns:
        pass


@contextmanager
def _precise_sleep() -> Iterator[None]:
    """Linux: timer slack of 1 ns for this thread and the workers it starts (they inherit it),
    so ``time.sleep`` wakes close to its deadline; restored afterwards. Elsewhere: no change."""
    prctl: Callable[..., int] | None = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None
    if prctl is None:
        yield
        return
    previous = prctl(_PR_GET_TIMERSLACK, 0, 0, 0, 0)
    if previous > 0:
        prctl(_PR_SET_TIMERSLACK, 1, 0, 0, 0)
    try:
        yield
    finally:
        if previous > 0:
            prctl(_PR_SET_TIMERSLACK, previous, 0, 0, 0)


@dataclass(frozen=True)
class LoadPlan:
    """How to load the call: ``rate`` arrivals/s (``None``: closed loop), their spacing, workers."""

    rate: float | None
    arrivals: str = "constant"
    concurrency: int = 1
    seed: int = 0


@dataclass(frozen=True)
class Overload:
    """Why a run stopped early: the backlog grew in every one of the last windows."""

    target_rate: float
    served_rate: float
    backlog_s: float
    after_s: float


@dataclass
class LoadRun:
    """Per-call latency (completion - intended start) and start delay, in intended order."""

    latency_ns: npt.NDArray[np.int64]
    start_delay_ns: npt.NDArray[np.int64] | None  # None for closed-loop callers
    duration_s: float
    achieved_rate: float
    warmup: int
    stopped: str  # "max_time", "max_samples" or "rate above capacity"
    gc_collections: int
    overload: Overload | None = None


def intended_offsets(
    rate: float, arrivals: str, duration_s: float, seed: int = 0, limit: int = MAX_SAMPLES
) -> npt.NDArray[np.int64]:
    """Intended start offsets (ns from the run's start) of every call in ``duration_s``.

    ``constant``: evenly spaced, ``1/rate`` apart. ``poisson``: exponential gaps of mean
    ``1/rate`` from a seeded generator (the same run, call for call, for the same seed).
    """
    import numpy as np

    count = int(min(limit, max(1, int(rate * duration_s))))
    if arrivals == "poisson":
        gaps = np.random.default_rng(seed).exponential(1e9 / rate, size=count)
        gaps[0] = 0.0
        return np.cumsum(gaps).astype(np.int64)
    if arrivals != "constant":
        raise ValueError(f"arrivals must be 'constant' or 'poisson', got {arrivals!r}")
    return (np.arange(count, dtype=np.float64) * (1e9 / rate)).astype(np.int64)


class OverloadDetector:
    """Sustained backlog growth, checked once per window (see the module docstring)."""

    def __init__(self, window_ns: int, *, growth: float = GROWTH, windows: int = WINDOWS) -> None:
        self.window_ns = window_ns
        self.growth = growth
        self.windows = windows
        self.next_check = 0
        self._history: list[tuple[int, int, int]] = []  # (time, backlog, calls started)

    def start(self, t0: int) -> None:
        self.next_check = t0 + self.window_ns
        self._history = [(t0, 0, 0)]

    def observe(self, now: int, backlog_ns: int, started: int) -> bool:
        """Record the backlog at ``now``; True once it grew in each of the last windows."""
        self.next_check = now + self.window_ns
        self._history.append((now, max(0, backlog_ns), started))
        recent = self._history[-(self.windows + 1) :]
        if len(recent) <= self.windows:
            return False
        return all(
            (b1 - b0) > self.growth * (t1 - t0)
            for (t0, b0, _), (t1, b1, _) in zip(recent, recent[1:])
        )

    def served_rate(self) -> float:
        """Calls started per second over the windows that showed the growth."""
        recent = self._history[-(self.windows + 1) :]
        (t0, _, n0), (t1, _, n1) = recent[0], recent[-1]
        return (n1 - n0) * 1e9 / (t1 - t0) if t1 > t0 else 0.0


def load_plan(plan: Plan | None) -> LoadPlan | None:
    """The load a test's plan asks for: a rate, or more than one worker; ``None`` otherwise."""
    if plan is None or (plan.rate is None and plan.concurrency == 1):
        return None
    return LoadPlan(rate=plan.rate, arrivals=plan.arrivals, concurrency=plan.concurrency)


def window_ns(max_time: float) -> int:
    return int(min(0.25, max(0.05, max_time / 20)) * 1e9)


def run_load(
    target: Target,
    plan: LoadPlan,
    *,
    max_time: float,
    warmup: int | None = None,
    gc_mode: str = "keep",
    max_samples: int = MAX_SAMPLES,
) -> LoadRun:
    """Warm up, then load ``target`` for ``max_time`` seconds (less when overloaded)."""
    from . import load_threads

    callers = [_caller(target) for _ in range(plan.concurrency)]
    try:
        warmed = _warm_up(target, callers[0][0], warmup, max_time)
        gc.collect()
        with GcCounter(gc_mode) as gc_counter, _precise_sleep():
            if plan.rate is None:
                run = load_threads.closed_loop(callers, max_time, max_samples)
            else:
                offsets = intended_offsets(
                    plan.rate, plan.arrivals, max_time, plan.seed, max_samples
                )
                truncated = plan.rate * max_time > max_samples
                detector = OverloadDetector(window_ns(max_time))
                if plan.concurrency == 1:
                    run = _open_loop_one(callers[0][0], offsets, max_time, plan.rate, detector)
                else:
                    run = load_threads.open_loop(callers, offsets, max_time, plan.rate, detector)
                if truncated and run.stopped == "max_time":
                    run.stopped = "max_samples"
    finally:
        for _, close in callers:
            close()
    run.warmup = warmed
    run.gc_collections = gc_counter.collections
    return run


def _warm_up(target: Target, call: Callable[[], Any], warmup: int | None, max_time: float) -> int:
    """The sampler's warm-up, which also turns away a plain function that returns an awaitable
    (it would be timed creating coroutines, never running them)."""
    if target.is_async:
        return warm_up(call, warmup, max_time)
    return warm_up(lambda: reject_awaitable(call(), target.fn), warmup, max_time)


def _caller(target: Target) -> tuple[Callable[[], Any], Callable[[], None]]:
    """A no-argument call of the target, and how to clean up after it (one per worker)."""
    fn, args, kwargs = target.fn, target.args, target.kwargs
    if target.is_async:
        import asyncio  # only for coroutine targets: asyncio costs ~20 ms to import

        loop = asyncio.new_event_loop()
        return (lambda: loop.run_until_complete(fn(*args, **kwargs))), loop.close
    if not args and not kwargs:
        return fn, lambda: None
    return (lambda: fn(*args, **kwargs)), lambda: None


def _open_loop_one(
    call: Callable[[], Any],
    offsets: npt.NDArray[np.int64],
    max_time: float,
    rate: float,
    detector: OverloadDetector,
) -> LoadRun:
    """One worker, in this thread: the tight loop that keeps start delays in microseconds."""
    clock = _clock
    wait_until = _wait_until
    latencies = array("q")
    delays = array("q")
    add_latency, add_delay = latencies.append, delays.append
    t0 = clock() + 1000
    end = t0 + int(max_time * 1e9)
    detector.start(t0)
    next_check = detector.next_check
    overload = None
    stopped = "max_time"
    started = 0
    for chunk_start in range(0, len(offsets), 65536):
        for offset in offsets[chunk_start : chunk_start + 65536].tolist():
            intended = t0 + offset
            now = clock()
            if now < intended:
                wait_until(intended)
                now = clock()
            elif now >= end:
                stopped = "max_time"
                break
            call()
            done = clock()
            add_delay(now - intended)
            add_latency(done - intended)
            started += 1
            if done >= next_check:
                next_intended = t0 + int(offsets[started]) if started < len(offsets) else done
                if detector.observe(done, done - next_intended, started):
                    overload = overload_from(detector, rate, done - next_intended, done - t0)
                    break
                next_check = detector.next_check
        else:
            continue
        break
    return finish_run(latencies, delays, t0, clock(), overload, stopped)


def overload_from(detector: OverloadDetector, rate: float, backlog: int, after: int) -> Overload:
    return Overload(
        target_rate=rate,
        served_rate=detector.served_rate(),
        backlog_s=backlog / 1e9,
        after_s=after / 1e9,
    )


def finish_run(
    latencies: array[int],
    delays: array[int],
    t0: int,
    t_end: int,
    overload: Overload | None,
    stopped: str,
) -> LoadRun:
    import numpy as np

    duration = (t_end - t0) / 1e9
    n = len(latencies)
    return LoadRun(
        latency_ns=np.frombuffer(latencies, dtype=np.int64).copy(),
        start_delay_ns=np.frombuffer(delays, dtype=np.int64).copy(),
        duration_s=duration,
        achieved_rate=n / duration if duration > 0 else 0.0,
        warmup=0,
        stopped="rate above capacity" if overload is not None else stopped,
        gc_collections=0,
        overload=overload,
    )
