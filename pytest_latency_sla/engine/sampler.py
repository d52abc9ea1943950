"""Warm-up, then one timed call after another until the looks decide or time runs out.

Each call is timed on its own with the one clock (``clock.CLOCK``), never a batch divided by its
size. Samples go into an ``array('q')``, cheap to append to; numpy views it at each look.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..records import GcMode, Stopped, Verdict
from ..stats.looks import FAIL, PASS, UNDECIDED, Looks
from ..stats.two_sample import RatioGate, RatioLooks
from .clock import CLOCK, ClockStalled
from .target import Target, reject_lazy_result

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Decision",
    "Gate",
    "GcCounter",
    "Sampling",
    "FailedCall",
    "attach_call",
    "attach_partial",
    "call_of",
    "decided",
    "decisions",
    "heap_frozen",
    "next_look",
    "partial_of",
    "sample",
    "sample_once",
    "time_one_call",
    "warm_up",
]

# 16 MiB of int64 samples: a 100 ns call decides long before this; a budget that sits right on
# the percentile of a very fast call stops here, not confident, instead of filling memory.
MAX_SAMPLES = 1 << 21
# Samples taken by ``measure`` (no budget): enough for a p99.9 to mean something.
MEASURE_SAMPLES = 3000
# Automatic warm-up: at most this many calls, and at most this share of ``max_time`` or this
# many seconds, whichever is less. A fast call needs many calls to fill caches and branch
# predictors; a slow one pays its one-time costs (allocation, lazy initialisation) in its first
# few calls, so after ``AUTO_WARMUP_MIN_CALLS`` calls that took ``AUTO_WARMUP_ENOUGH_SECONDS``
# warm-up ends: a clear miss of a 5 ms call is then decided 20 calls after the start.
# While calls are still getting markedly faster (a call under ``AUTO_WARMUP_FASTER`` times the
# median of the calls before it, up to three) the warm-up goes on past those two stops, up to
# the share of ``max_time``: a model whose first runs take 400, 150 and 50 ms is still in its
# cold start, and sampling it there would fail a budget its steady state meets.
AUTO_WARMUP_CALLS = 200
AUTO_WARMUP_SHARE = 0.2
AUTO_WARMUP_SECONDS = 0.25
AUTO_WARMUP_MIN_CALLS = 10
AUTO_WARMUP_ENOUGH_SECONDS = 0.01
AUTO_WARMUP_FASTER = 0.5

# Timed calls after which a clock that has not moved at all is taken as stopped: even a no-op
# call on a 100 ns-resolution clock moves it within ten calls.
_STALL_CALLS = 10
_VERDICT_NAMES: dict[int, Verdict | None] = {PASS: "pass", FAIL: "fail", UNDECIDED: None}

# pytest leaves this module's frames out of a test's traceback: an exception raised by the
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


@dataclass(frozen=True)
class Decision:
    """What the sequential looks concluded for a threshold: a confident verdict, or ``None``,
    and the sample count it came at."""

    verdict: Verdict | None = None
    at_n: int = 0


@dataclass(frozen=True)
class Gate:
    """One threshold as the sampler sees it: percentile fraction and budget in ns."""

    q: float
    budget_ns: float


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Every object alive now is left out of garbage collection until the block ends
    (``gc.freeze``, CPython's permanent generation), so a collection during warm-up or sampling
    walks only what the measured calls allocate, never the program's old objects and garbage.

    This replaces a full ``gc.collect()`` before each measurement, whose cost grows with the
    heap (50 ms at 60k objects, 0.28 s at a million on a 2-core VM): freezing and unfreezing
    splice the generations' lists and cost the same at any heap size. The collector stays on, as
    in production, and collections while sampling are still counted (``GcCounter``). A program
    that freezes objects itself (a pre-fork server) keeps its own scheme: nothing is frozen then.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class GcCounter:
    """A block during which garbage collections are counted (``collections``), with the
    collector off under ``gc_mode="disable"``; afterwards it is on again if it was before."""

    def __init__(self, gc_mode: GcMode) -> None:
        self.gc_mode = gc_mode
        self.collections = 0
        self._was_enabled = False

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.collections += 1

    def __enter__(self) -> GcCounter:
        self._was_enabled = gc.isenabled()
        if self.gc_mode == "disable":
            gc.disable()
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._on_gc)
        if self._was_enabled:
            gc.enable()


@dataclass
class Sampling:
    samples_ns: npt.NDArray[np.int64]
    warmup: int
    duration_s: float
    stopped: Stopped
    decisions: list[Decision]
    gc_collections: int
    # the ratio gates' decisions (ratios to a stored baseline), in the order of the gates
    ratio_decisions: list[Decision] = field(default_factory=list)


def decided(looks: Looks, ratio_looks: RatioLooks) -> bool:
    """Whether a single run is done: one gate of either kind has a confident fail, or every
    gate a confident pass (or, for a ratio to a stored baseline, can never be decided)."""
    import numpy as np

    settled = np.concatenate([looks.verdicts[0] == PASS, ratio_looks.settled[0]])
    failed = (looks.verdicts[0] == FAIL).any() or (ratio_looks.verdicts[0] == FAIL).any()
    return bool(settled.size) and bool(failed or settled.all())


def decisions(looks: Looks | RatioLooks) -> list[Decision]:
    """A single run's decision per gate."""
    return [
        Decision(_VERDICT_NAMES[int(v)], int(at))
        for v, at in zip(looks.verdicts[0], looks.at_n[0], strict=True)
    ]


def next_look(looks: Looks, ratio_looks: RatioLooks) -> int | None:
    """The next sample count at which either kind of gate has a look planned."""
    found = [n for n in (looks.next_look(), ratio_looks.next_look()) if n is not None]
    return min(found, default=None)


def check_clock(start: int, end: int, calls: int) -> None:
    """Raise ``ClockStalled`` when ``calls`` timed calls (at least ``_STALL_CALLS``) took no
    time at all between ``start`` and ``end``."""
    if end == start and calls >= _STALL_CALLS:
        raise ClockStalled(f"{calls} timed calls all took 0 ns")


# The attribute that carries the samples taken before an interrupt on the interrupting exception.
_PARTIAL_ATTR = "latency_sla_partial"
# The attribute that says which call of the measured code raised an exception.
_CALL_ATTR = "latency_sla_call"


@dataclass(frozen=True)
class FailedCall:
    """Which call raised: the ``number``-th warm-up call, or the ``number``-th timed (or, under
    load, scheduled) call after ``warmup`` warm-up calls; of ``side`` in a comparison."""

    phase: Literal["warm-up", "timed", "scheduled"]
    number: int
    warmup: int
    side: str = ""  # which side of a comparison raised ("candidate", "baseline"); "" otherwise
    # a capacity search: where the call was ("probe 3 at 12,000/s", "the closed-loop start"),
    # and the timed calls the search made before it (its closed-loop run and earlier probes)
    probe: str = ""
    before: int = 0

    @property
    def overall(self) -> int:
        """Its number among every call made, warm-up included (1 for the very first)."""
        return self.number if self.phase == "warm-up" else self.warmup + self.before + self.number


def attach_call(error: BaseException, call: FailedCall, *, again: bool = False) -> None:
    """Note on ``error`` (re-raised unchanged) which call of the measured code raised it; the
    innermost note stands unless ``again``."""
    try:
        if again or getattr(error, _CALL_ATTR, None) is None:
            setattr(error, _CALL_ATTR, call)
    except (AttributeError, TypeError):  # an exception type without a __dict__
        pass


def call_of(error: BaseException) -> FailedCall | None:
    """What ``attach_call`` noted on ``error``, or ``None``."""
    found = getattr(error, _CALL_ATTR, None)
    return found if isinstance(found, FailedCall) else None


def attach_partial(error: BaseException, collected: Any) -> None:
    """Keep ``collected`` (a ``Sampling`` or a load run, ``stopped="interrupted"``) on ``error``,
    an interrupt (a ``BaseException`` that is not an ``Exception``: KeyboardInterrupt, a timeout
    plugin's failure) that ended sampling; the exception itself is re-raised unchanged."""
    try:
        setattr(error, _PARTIAL_ATTR, collected)
    except (AttributeError, TypeError):  # an exception type without a __dict__: nothing kept
        pass


def partial_of(error: BaseException) -> Any:
    """What ``attach_partial`` kept on ``error``, or ``None``."""
    return getattr(error, _PARTIAL_ATTR, None)


def sample(
    target: Target,
    gates: Sequence[Gate],
    *,
    ratio_gates: Sequence[RatioGate] = (),
    confidence: float,
    max_time: float,
    warmup: int | None,
    gc_mode: GcMode = "keep",
    max_samples: int = MAX_SAMPLES,
) -> Sampling:
    """Warm up, then time calls until every gate has a confident verdict, one has a confident
    fail, ``max_time`` has passed or ``max_samples`` are taken (``MEASURE_SAMPLES`` without gates).
    ``ratio_gates`` are ratios to a stored baseline (fixed bounds): they gate these samples too.
    """
    runner = _runner(target)
    try:
        with heap_frozen():
            return _sample(
                runner, gates, ratio_gates, confidence, max_time, warmup, gc_mode, max_samples
            )
    except BaseException as error:
        if not isinstance(error, Exception):  # an interrupt: keep what was sampled, for the report
            attach_partial(error, runner.interrupted(len(gates), len(ratio_gates)))
        else:  # the measured code's own error: say which call raised it
            attach_call(error, runner.failed_call())
        raise
    finally:
        runner.close()


def _sample(
    runner: _SyncRunner,
    gates: Sequence[Gate],
    ratio_gates: Sequence[RatioGate],
    confidence: float,
    max_time: float,
    warmup: int | None,
    gc_mode: GcMode,
    max_samples: int,
) -> Sampling:
    import numpy as np

    warmed = runner.warmed = runner.warm_up(warmup, max_time)
    runner.timing = True
    looks = Looks([(g.q, g.budget_ns) for g in gates], 1.0 - confidence)
    ratio_looks = RatioLooks(ratio_gates, 1.0 - confidence)
    counted = 0
    gated = bool(gates) or bool(ratio_gates)
    limit = max_samples if gated else min(max_samples, MEASURE_SAMPLES)
    buf = runner.buf
    stopped: Stopped = "max_samples" if gated else "sample count"
    clock = CLOCK.now_ns
    with GcCounter(gc_mode) as gc_counter:
        runner.gc_counter = gc_counter
        start = runner.started_ns = clock()
        deadline = start + int(max_time * 1e9)
        while True:
            look_at = next_look(looks, ratio_looks)
            timed_out = runner.run(min(look_at or limit, limit) - len(buf), deadline)
            n = len(buf)
            if n > counted:
                looks.advance(np.frombuffer(buf, dtype=np.int64)[counted:])
                if ratio_gates:
                    ratio_looks.look(np.frombuffer(buf, dtype=np.int64))
                counted = n  # the views are gone: a live view would stop the array from growing
            if decided(looks, ratio_looks):
                stopped = "decided"
                break
            if timed_out:
                stopped = "max_time"
                break
            if n >= limit:
                break
        end = clock()
    check_clock(start, end, len(buf))
    samples = np.frombuffer(buf, dtype=np.int64).copy()
    return Sampling(
        samples_ns=samples,
        warmup=warmed,
        duration_s=(end - start) / 1e9,
        stopped=stopped,
        decisions=decisions(looks),
        gc_collections=gc_counter.collections,
        ratio_decisions=decisions(ratio_looks),
    )


def sample_once(target: Target, gates: int = 0) -> Sampling:
    """One timed call of ``target``, no warm-up, no decision (``stopped="mode off"``)."""
    import numpy as np

    elapsed = time_one_call(target)
    return Sampling(
        samples_ns=np.array([elapsed], dtype=np.int64),
        warmup=0,
        duration_s=elapsed / 1e9,
        stopped="mode off",
        decisions=[Decision() for _ in range(gates)],
        gc_collections=0,
    )


def time_one_call(target: Target) -> int:
    """One call of ``target`` (awaited when async), no warm-up: its duration in ns."""
    runner = _runner(target)
    clock = CLOCK.now_ns
    try:
        t0 = clock()
        runner.call_once()
        return clock() - t0
    finally:
        runner.close()


def _runner(target: Target) -> _SyncRunner:
    return _AsyncRunner(target) if target.is_async else _SyncRunner(target)


def warm_up(call: Callable[[], Any], warmup: int | None, max_time: float) -> int:
    """Un-timed calls before sampling: ``warmup`` of them, or the automatic amount (see
    ``AUTO_WARMUP_*``). Returns how many were made."""
    if warmup is not None:
        for _ in range(warmup):
            call()
        return warmup
    clock = CLOCK.now_ns
    start = last = steady_since = clock()
    hard = start + int(max_time * AUTO_WARMUP_SHARE * 1e9)
    usual = start + int(min(max_time * AUTO_WARMUP_SHARE, AUTO_WARMUP_SECONDS) * 1e9)
    enough = int(AUTO_WARMUP_ENOUGH_SECONDS * 1e9)
    recent: list[int] = []  # the durations of the last three calls
    done = steady = 0  # calls made, and calls since they last got markedly faster
    while done < AUTO_WARMUP_CALLS:
        call()
        done += 1
        now = clock()
        took, last = now - last, now
        faster = bool(recent) and took < AUTO_WARMUP_FASTER * sorted(recent)[len(recent) // 2]
        first = not recent
        recent = [*recent[-2:], took]
        if now >= hard:
            break
        if faster:
            steady_since, steady = now, 0
            continue
        steady += 1
        if first:  # no trend yet: one call tells nothing about a cold start
            continue
        if now >= usual or (steady >= AUTO_WARMUP_MIN_CALLS and now - steady_since >= enough):
            break
    return done


class _SyncRunner:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.buf = array("q")
        # how far sampling got, for ``interrupted`` and ``failed_call``
        self.warm_calls = 0
        self.timing = False
        self.warmed = 0
        self.started_ns: int | None = None
        self.gc_counter: GcCounter | None = None

    def interrupted(self, gates: int, ratio_gates: int = 0) -> Sampling:
        """What was sampled before an interrupt: every timed call so far, no decision."""
        import numpy as np

        # a copy first: after an interrupt an async batch may still be appending in its thread
        samples = np.frombuffer(self.buf.tobytes(), dtype=np.int64).copy()
        started = self.started_ns
        return Sampling(
            samples_ns=samples,
            warmup=self.warmed,
            duration_s=0.0 if started is None else (CLOCK.now_ns() - started) / 1e9,
            stopped="interrupted",
            decisions=[Decision() for _ in range(gates)],
            gc_collections=0 if self.gc_counter is None else self.gc_counter.collections,
            ratio_decisions=[Decision() for _ in range(ratio_gates)],
        )

    def failed_call(self) -> FailedCall:
        """The call under way when an exception came: a timed one once warm-up is over."""
        if self.timing:
            return FailedCall("timed", len(self.buf) + 1, self.warmed)
        return FailedCall("warm-up", self.warm_calls, 0)

    def warm_up(self, warmup: int | None, max_time: float) -> int:
        return warm_up(self.call_once, warmup, max_time)

    def call_once(self) -> None:
        self.warm_calls += 1
        target = self.target
        reject_lazy_result(target.fn(*target.args, **target.kwargs), target.fn, target.side)

    def run(self, count: int, deadline: int) -> bool:
        """Time ``count`` calls; return True when the deadline passed."""
        fn, args, kwargs = self.target.fn, self.target.args, self.target.kwargs
        append = self.buf.append
        clock = CLOCK.now_ns
        if count > 0 and not self.buf:
            # The first timed call is checked too: with warmup=0 no warm-up call has been.
            count -= 1
            t0 = clock()
            out = fn(*args, **kwargs)
            t1 = clock()
            reject_lazy_result(out, fn, self.target.side)
            append(t1 - t0)
            if t1 > deadline:
                return True
        # one loop per call shape: an empty ``**kwargs`` still costs a dict on every call
        if kwargs:
            for _ in range(count):
                t0 = clock()
                fn(*args, **kwargs)
                t1 = clock()
                append(t1 - t0)
                if t1 > deadline:
                    return True
        elif args:
            for _ in range(count):
                t0 = clock()
                fn(*args)
                t1 = clock()
                append(t1 - t0)
                if t1 > deadline:
                    return True
        else:
            for _ in range(count):
                t0 = clock()
                fn()
                t1 = clock()
                append(t1 - t0)
                if t1 > deadline:
                    return True
        return clock() > deadline

    def close(self) -> None:
        pass


class _AsyncRunner(_SyncRunner):
    """Awaits the coroutine function once per timed call, in an event loop of its own."""

    def __init__(self, target: Target) -> None:
        import asyncio  # only here: asyncio (and ssl with it) costs tens of ms to import

        super().__init__(target)
        self.loop = asyncio.new_event_loop()
        # Called from a coroutine (an async test under pytest-asyncio), this thread already runs
        # a loop and cannot run a second one: the measurement's loop then runs in a worker thread.
        self.worker: ThreadPoolExecutor | None = None
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop running here: the common case
            pass
        else:
            from concurrent.futures import ThreadPoolExecutor

            self.worker = ThreadPoolExecutor(1, thread_name_prefix="latency-sla")

    def _complete(self, awaitable: Any) -> Any:
        if self.worker is None:
            return self.loop.run_until_complete(awaitable)
        future = self.worker.submit(self.loop.run_until_complete, awaitable)
        try:
            return future.result()
        except BaseException:
            # Interrupted here (a timeout, Ctrl-C): end the batch at its next await rather
            # than let it run on beside the next test.
            self.loop.call_soon_threadsafe(_cancel_tasks, self.loop)
            raise

    def call_once(self) -> None:
        self.warm_calls += 1
        self._complete(self.target.fn(*self.target.args, **self.target.kwargs))

    def run(self, count: int, deadline: int) -> bool:
        return bool(self._complete(self._run(count, deadline)))

    async def _run(self, count: int, deadline: int) -> bool:
        fn, args, kwargs = self.target.fn, self.target.args, self.target.kwargs
        append = self.buf.append
        clock = CLOCK.now_ns
        for _ in range(count):
            t0 = clock()
            await fn(*args, **kwargs)
            t1 = clock()
            append(t1 - t0)
            if t1 > deadline:
                return True
        return clock() > deadline

    def close(self) -> None:
        if self.worker is None:
            self.loop.close()
        else:
            # After an interrupt the loop may still be finishing a batch in the worker: close
            # it there, once that batch is done, instead of failing on a running loop here.
            self.worker.submit(self.loop.close)
            self.worker.shutdown(wait=False)


def _cancel_tasks(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio

    for task in asyncio.all_tasks(loop):
        task.cancel()
