"""Latency under load: calls on a schedule of intended starts (open loop), or N closed-loop callers.

Back-to-back calls measure service time and hide queueing (coordinated omission): a slow call
delays every later call, and those delays are never timed. Here each call ``i`` has an intended
start ``t0 + offset[i]`` fixed in advance; its latency is *completion - intended start*, so time
spent waiting behind a slow call counts, as it would for a real client (wrk2's approach).

One worker runs in this thread (``_open_loop_one``): it sleeps until 50 us before each intended
start and spins the rest, which keeps start delays in microseconds. Several workers run in
threads (``workers``). Every read of time goes through ``clock.CLOCK``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ...records import GcMode, Stopped
from ..clock import CLOCK
from ..sampler import (
    MAX_SAMPLES,
    FailedCall,
    GcCounter,
    attach_call,
    attach_partial,
    call_of,
    heap_frozen,
    partial_of,
    warm_up,
)
from ..target import Target, reject_lazy_result
from . import workers
from .schedule import (
    LoadPlan,
    LoadRun,
    Overload,
    OverloadDetector,
    QueueBudget,
    finish_run,
    intended_offsets,
    overload_from,
    precise_sleep,
    queued_waits,
    window_ns,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["run_load"]


def run_load(
    target: Target,
    plan: LoadPlan,
    *,
    max_time: float,
    warmup: int | None = None,
    gc_mode: GcMode = "keep",
    max_samples: int = MAX_SAMPLES,
    queue_budget: QueueBudget | None = None,
) -> LoadRun:
    """Warm up, then load ``target`` for ``max_time`` seconds (less when overloaded). With a
    ``queue_budget`` (a capacity probe) an overload ends the run only once the queued calls
    break it (``schedule.QueueBudget``), and the run records the calls still queued at its end
    (``LoadRun.queued_ns``) however it ended."""
    callers = [_caller(target) for _ in range(plan.concurrency)]
    warmed = 0
    warm_calls = [0]
    try:
        with heap_frozen():
            warmed = _warm_up(target, callers[0][0], warmup, max_time, warm_calls)
            run, collections = _run(callers, plan, max_time, max_samples, gc_mode, queue_budget)
    except BaseException as error:
        partial = partial_of(error)
        if isinstance(partial, LoadRun):
            partial.warmup = warmed
        if isinstance(error, Exception):  # the measured code's own error: say which call
            scheduled = call_of(error)
            if scheduled is None:
                attach_call(error, FailedCall("warm-up", warm_calls[0], 0))
            else:
                attach_call(error, replace(scheduled, warmup=warmed), again=True)
        raise
    finally:
        for _, close in callers:
            close()
    run.warmup = warmed
    run.gc_collections = collections
    return run


def _run(
    callers: list[tuple[Callable[[], Any], Callable[[], None]]],
    plan: LoadPlan,
    max_time: float,
    max_samples: int,
    gc_mode: GcMode,
    queue_budget: QueueBudget | None,
) -> tuple[LoadRun, int]:
    """The load itself, after the warm-up: the run and the collections counted during it."""
    with GcCounter(gc_mode) as gc_counter, precise_sleep():
        if plan.rate is None:
            run = workers.closed_loop(callers, max_time, max_samples)
        else:
            offsets = intended_offsets(plan.rate, plan.arrivals, max_time, plan.seed, max_samples)
            truncated = plan.rate * max_time > max_samples
            detector = OverloadDetector(window_ns(max_time))
            if plan.concurrency == 1:
                run = _open_loop_one(
                    callers[0][0], offsets, max_time, plan.rate, detector, queue_budget
                )
            else:
                run = workers.open_loop(
                    callers, offsets, max_time, plan.rate, detector, queue_budget
                )
            if truncated and run.stopped == "max_time":
                run.stopped = "max_samples"
            if run.overload is not None or queue_budget is not None:
                stopped_after = int(run.duration_s * 1e9)
                run.queued_ns = queued_waits(offsets, len(run.latency_ns), stopped_after)
    return run, gc_counter.collections


def _warm_up(
    target: Target,
    call: Callable[[], Any],
    warmup: int | None,
    max_time: float,
    calls: list[int],
) -> int:
    """The sampler's warm-up, which also turns away a plain function that returns an awaitable
    (it would be timed creating coroutines, never running them); ``calls[0]`` counts the calls
    begun."""

    def warm() -> None:
        calls[0] += 1
        result = call()
        if not target.is_async:
            reject_lazy_result(result, target.fn)

    return warm_up(warm, warmup, max_time)


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
    queue_budget: QueueBudget | None = None,
) -> LoadRun:
    """One worker, in this thread: the tight loop that keeps start delays in microseconds.
    Nothing in it takes longer than a few hundred nanoseconds between two calls: the schedule is
    read from an ``array`` (8 bytes a call, each start made a Python int as it comes, never a
    whole list at once) and the records are allocated and touched before the first call and
    filled in place (an ``array`` grown by appends copies itself now and then, a stall of a
    millisecond at a few hundred thousand calls that queues every call behind it)."""
    clock = CLOCK.now_ns
    wait_until = CLOCK.wait_until
    total = len(offsets)
    schedule = array("q", offsets.tobytes())
    latencies = array("q", [0]) * total
    delays = array("q", [0]) * total
    t0 = clock() + 1000
    end = t0 + int(max_time * 1e9)
    detector.start(t0)
    next_check = detector.next_check
    overload: Overload | None = None
    growing: Overload | None = None  # the rule tripped at the last check
    stopped: Stopped = "max_time"
    started = 0
    try:
        for offset in schedule:
            intended = t0 + offset
            now = clock()
            if now < intended:
                wait_until(intended)
                now = clock()
            elif now >= end and started:  # the first call is made, however late
                stopped = "max_time"
                break
            call()
            done = clock()
            delays[started] = now - intended
            latencies[started] = done - intended
            started += 1
            if done >= next_check:
                next_intended = t0 + schedule[started] if started < total else done
                backlog = done - next_intended
                growing = None
                if detector.observe(done, backlog, started):
                    growing = overload_from(detector, rate, backlog, done - t0)
                    if queue_budget is None or _broken(
                        queue_budget, offsets, latencies[:started], done - t0
                    ):
                        overload = growing
                        break
                next_check = detector.next_check
    except BaseException as error:
        if not isinstance(error, Exception):  # an interrupt: keep what was served so far
            partial = finish_run(
                latencies[:started], delays[:started], t0, clock(), None, "interrupted"
            )
            attach_partial(error, partial)
        else:
            attach_call(error, FailedCall("scheduled", started + 1, 0))
        raise
    run = finish_run(latencies[:started], delays[:started], t0, clock(), overload, stopped)
    run.growing = growing if overload is None else None
    return run


def _broken(
    queue_budget: QueueBudget, offsets: npt.NDArray[np.int64], latencies: array[int], elapsed: int
) -> bool:
    """``queue_budget.broken`` with the served calls' latencies (``latencies``: a copy of
    those recorded so far)."""
    import numpy as np

    served = np.frombuffer(latencies, dtype=np.int64)
    return queue_budget.broken(offsets, len(served), elapsed, served)
