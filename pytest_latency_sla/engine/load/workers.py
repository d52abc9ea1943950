"""The load engine's worker threads: N workers sharing one schedule, or N closed-loop callers.

ONNX Runtime releases the GIL while it computes, so N workers serve up to N calls at once; a
pure-Python call holds the GIL and N workers serve about as fast as one. The report shows the
achieved rate next to the target, so that is visible rather than hidden.
"""

from __future__ import annotations

import itertools
import threading
from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ...records import Stopped
from ..clock import CLOCK
from ..sampler import FailedCall, attach_call, attach_partial
from .schedule import (
    LoadRun,
    Overload,
    OverloadDetector,
    QueueBudget,
    finish_run,
    overload_from,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["closed_loop", "open_loop"]

# How long an interrupted run waits for each worker to finish its current call.
STOP_WAIT_S = 1.0

Caller = tuple[Callable[[], Any], Callable[[], None]]
Record = tuple["array[int]", "array[int]", "array[int]"]  # call index, start delay, latency


def open_loop(
    callers: Sequence[Caller],
    offsets: npt.NDArray[np.int64],
    max_time: float,
    rate: float,
    detector: OverloadDetector,
    queue_budget: QueueBudget | None = None,
) -> LoadRun:
    """N workers take the calls in intended order, each as soon as it is free and due (an
    M/G/N queue with one shared line); a call waits for a free worker, and that wait counts.
    With a ``queue_budget`` an overload ends the run only once the queue breaks it."""
    clock = CLOCK.now_ns
    schedule = offsets.tolist()
    total = len(schedule)
    claim = itertools.count()
    check_lock = threading.Lock()
    state: dict[str, Any] = {"overload": None, "stopped": "max_time", "error": None}
    state["growing"] = None  # the rule tripped at the last check
    stop = threading.Event()
    t0 = clock() + 2_000_000  # let every thread reach its first wait
    end = t0 + int(max_time * 1e9)
    detector.start(t0)
    per_worker = [(array("q"), array("q"), array("q")) for _ in callers]
    latest = [0]  # the newest call a worker claimed (a write may lose a race: see below)

    def overloaded(done: int, i: int) -> bool:
        # calls started: up to the newest claimed, give or take a call per worker racing to
        # record its claim; the judge counts the calls actually left queued at the end
        started = max(latest[0], i) + len(callers)
        return queue_budget is None or queue_budget.broken(offsets, started, done - t0)

    def work(call: Callable[[], Any], record: Record) -> None:
        indices, delays, latencies = record
        i = -1
        try:
            while not stop.is_set():
                i = next(claim)
                if i >= total:
                    return
                latest[0] = i
                intended = t0 + schedule[i]
                now = clock()
                if now < intended:
                    CLOCK.sleep_until(intended)
                    now = clock()
                elif now >= end and i:  # the first call is made, however late
                    state["stopped"] = "max_time"
                    stop.set()
                    return
                call()
                done = clock()
                indices.append(i)
                delays.append(now - intended)
                latencies.append(done - intended)
                if done >= detector.next_check and check_lock.acquire(blocking=False):
                    try:
                        _check_threads(
                            detector, done, i, schedule, t0, rate, state, stop, overloaded
                        )
                    finally:
                        check_lock.release()
        except BaseException as error:  # re-raised unchanged in the calling thread
            if isinstance(error, Exception):
                attach_call(error, FailedCall("scheduled", i + 1, 0))
            state["error"] = error
            stop.set()

    _run_threads(work, callers, per_worker, stop, t0)
    if state["error"] is not None:
        raise state["error"]
    run = _merge(per_worker, t0, clock(), state["overload"], state["stopped"])
    run.growing = state["growing"] if state["overload"] is None else None
    return run


def _check_threads(
    detector: OverloadDetector,
    done: int,
    i: int,
    schedule: list[int],
    t0: int,
    rate: float,
    state: dict[str, Any],
    stop: threading.Event,
    overloaded: Callable[[int, int], bool],
) -> None:
    # ``i`` is at most the newest claimed call; the next unclaimed one is a little later, so
    # this backlog is an upper estimate by at most ``concurrency`` calls' worth of schedule.
    started = i + 1
    next_intended = t0 + schedule[started] if started < len(schedule) else done
    backlog = done - next_intended
    if state["overload"] is not None:
        return
    state["growing"] = None
    if detector.observe(done, backlog, started):
        state["growing"] = overload_from(detector, rate, backlog, done - t0)
        if overloaded(done, i):
            state["overload"] = state["growing"]
            stop.set()


def closed_loop(
    callers: Sequence[Caller],
    max_time: float,
    max_samples: int,
) -> LoadRun:
    """N callers, each calling back to back: the latency of a call is its own duration."""
    clock = CLOCK.now_ns
    claim = itertools.count()
    stop = threading.Event()
    state: dict[str, Any] = {"overload": None, "stopped": "max_time", "error": None}
    t0 = clock() + 2_000_000
    end = t0 + int(max_time * 1e9)
    per_worker = [(array("q"), array("q"), array("q")) for _ in callers]

    def work(call: Callable[[], Any], record: Record) -> None:
        indices, _, latencies = record
        i = -1
        try:
            CLOCK.sleep_until(t0)
            while not stop.is_set():
                i = next(claim)
                if i >= max_samples:
                    state["stopped"] = "max_samples"
                    return
                start = clock()
                if start >= end and i:  # the first call is made, however late
                    return
                call()
                latencies.append(clock() - start)
                indices.append(i)
        except BaseException as error:
            if isinstance(error, Exception):
                attach_call(error, FailedCall("timed", i + 1, 0))
            state["error"] = error
            stop.set()

    _run_threads(work, callers, per_worker, stop, t0)
    if state["error"] is not None:
        raise state["error"]
    run = _merge(per_worker, t0, clock(), None, state["stopped"])
    run.start_delay_ns = None
    return run


def _run_threads(
    work: Callable[[Callable[[], Any], Record], None],
    callers: Sequence[Caller],
    per_worker: list[Record],
    stop: threading.Event,
    t0: int,
) -> None:
    """Run the workers to the end. Interrupted here (a timeout, Ctrl-C; only this thread gets
    it): stop them, keep what they served (``attach_partial``) and re-raise."""
    threads = [
        threading.Thread(target=work, args=(call, record), name=f"latency-sla-worker-{k}")
        for k, ((call, _), record) in enumerate(zip(callers, per_worker, strict=True))
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException as error:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(STOP_WAIT_S)  # a worker stuck in a call is left to finish it
        if not isinstance(error, Exception):
            clock = CLOCK.now_ns
            attach_partial(error, _merge(per_worker, t0, clock(), None, "interrupted"))
        raise


def _merge(
    per_worker: list[Record],
    t0: int,
    t_end: int,
    overload: Overload | None,
    stopped: Stopped,
) -> LoadRun:
    import numpy as np

    def joined(column: int) -> npt.NDArray[np.int64]:
        return np.concatenate([np.frombuffer(r[column], dtype=np.int64) for r in per_worker])

    order = np.argsort(joined(0), kind="stable")
    delays = joined(1)
    ordered_delays = array("q", delays[order].tolist() if len(delays) else [])
    ordered_latencies = array("q", joined(2)[order].tolist())
    return finish_run(ordered_latencies, ordered_delays, t0, t_end, overload, stopped)
