"""Interleaved sampling of two calls: a candidate against a baseline, in pairs of calls.

Both are warmed up as the sampler warms up one call (``sampler.warm_up``). Then calls come in
pairs, the order within each pair drawn from a seeded ``random.Random``, so that drift, caches
and frequency steps hit both sides alike (never all of one, then all of the other: STATS.md,
"Two samples"). Each call is timed on its own with the one clock: ``t0``, first call, ``t1``,
second call, ``t2``, so each interval holds one call and one clock read, as in the sampler.

The looks come at the planned pair counts: ``stats.looks.Looks`` for the candidate's absolute
thresholds and ``stats.two_sample.RatioLooks`` for the ratios. Sampling stops when one
threshold has a confident fail or every threshold a confident pass, at ``max_time`` (warm-up
not counted) or at the sample cap. The result is plain picklable data, so an isolated child can
send it to the parent (``engine.isolation``).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records import GcMode, Stopped
from ..stats.looks import Looks
from ..stats.two_sample import RatioGate, RatioLooks
from .clock import CLOCK
from .pairs import BASELINE, CANDIDATE, note_side, run_args, run_bare, run_general, side_of
from .sampler import (
    MAX_SAMPLES,
    MEASURE_SAMPLES,
    Decision,
    FailedCall,
    Gate,
    GcCounter,
    _AsyncRunner,
    _SyncRunner,
    attach_call,
    attach_partial,
    check_clock,
    decided,
    decisions,
    heap_frozen,
    next_look,
    time_one_call,
)
from .sampler import _runner as runner_for
from .target import Pair, reject_lazy_result

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Comparison", "compare", "compare_once"]

# pytest leaves this module's frames out of a test's traceback: an exception raised by a
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


@dataclass
class Comparison:
    """The raw samples of a comparison (ns, in call order, one of each side per pair) and what
    the looks decided: ``decisions`` per absolute gate (on the candidate), ``ratio_decisions``
    per ratio gate."""

    candidate_ns: npt.NDArray[np.int64]
    baseline_ns: npt.NDArray[np.int64]
    candidate_warmup: int
    baseline_warmup: int
    duration_s: float
    stopped: Stopped
    decisions: list[Decision]
    ratio_decisions: list[Decision]
    gc_collections: int


def compare(
    pair: Pair,
    gates: Sequence[Gate],
    ratio_gates: Sequence[RatioGate],
    *,
    confidence: float,
    max_time: float,
    warmup: int | None,
    gc_mode: GcMode = "keep",
    seed: int = 0,
    max_pairs: int = MAX_SAMPLES,
) -> Comparison:
    """Warm up both calls, then time pairs in seeded random order until the looks decide,
    ``max_time`` (s) has passed, or ``max_pairs`` pairs are taken (``MEASURE_SAMPLES`` without
    any gate). An exception of either call propagates unchanged."""
    candidate, baseline = runner_for(pair.candidate), runner_for(pair.baseline)
    if isinstance(candidate, _AsyncRunner) and isinstance(baseline, _AsyncRunner):
        # one event loop for both: a client made in one side's warm-up serves its timed calls
        baseline.loop.close()
        if baseline.worker is not None:
            baseline.worker.shutdown(wait=False)
        baseline.loop, baseline.worker = candidate.loop, candidate.worker
        baseline.close = lambda: None  # type: ignore[method-assign]
    pairs = _Pairs(pair, candidate, baseline, random.Random(seed))
    try:
        with heap_frozen():
            return _compare(
                pairs, gates, ratio_gates, confidence, max_time, warmup, gc_mode, max_pairs
            )
    except BaseException as error:
        if not isinstance(error, Exception):  # an interrupt: keep what was sampled, for the report
            attach_partial(error, pairs.interrupted(len(gates), len(ratio_gates)))
        else:  # a measured call's own error: say which side and which call raised it
            attach_call(error, pairs.failed_call(error))
        raise
    finally:
        candidate.close()
        baseline.close()


def compare_once(pair: Pair, gates: int = 0, ratio_gates: int = 0) -> Comparison:
    """One timed call of each side, no warm-up, no decision (``stopped="mode off"``)."""
    import numpy as np

    candidate, baseline = time_one_call(pair.candidate), time_one_call(pair.baseline)
    return Comparison(
        candidate_ns=np.array([candidate], dtype=np.int64),
        baseline_ns=np.array([baseline], dtype=np.int64),
        candidate_warmup=0,
        baseline_warmup=0,
        duration_s=(candidate + baseline) / 1e9,
        stopped="mode off",
        decisions=[Decision() for _ in range(gates)],
        ratio_decisions=[Decision() for _ in range(ratio_gates)],
        gc_collections=0,
    )


def _compare(
    pairs: _Pairs,
    gates: Sequence[Gate],
    ratio_gates: Sequence[RatioGate],
    confidence: float,
    max_time: float,
    warmup: int | None,
    gc_mode: GcMode,
    max_pairs: int,
) -> Comparison:
    import numpy as np

    pairs.warming = CANDIDATE
    candidate_warmup = pairs.candidate.warm_up(warmup, max_time)
    pairs.warming = BASELINE
    pairs.warmups = (candidate_warmup, pairs.baseline.warm_up(warmup, max_time))
    pairs.warming = ""
    alpha = 1.0 - confidence
    looks = Looks([(g.q, g.budget_ns) for g in gates], alpha)
    ratio_looks = RatioLooks(ratio_gates, alpha)
    gated = bool(gates) or bool(ratio_gates)
    limit = max_pairs if gated else min(max_pairs, MEASURE_SAMPLES)
    stopped: Stopped = "max_samples" if gated else "sample count"
    counted = 0
    clock = CLOCK.now_ns
    with GcCounter(gc_mode) as gc_counter:
        pairs.gc_counter = gc_counter
        start = pairs.started_ns = clock()
        deadline = start + int(max_time * 1e9)
        while True:
            look_at = next_look(looks, ratio_looks)
            timed_out = pairs.run(min(look_at or limit, limit) - len(pairs.x), deadline)
            n = len(pairs.x)
            if n > counted:
                x = np.frombuffer(pairs.x, dtype=np.int64)
                looks.advance(x[counted:])
                if ratio_gates:
                    ratio_looks.look(x, np.frombuffer(pairs.y, dtype=np.int64))
                del x  # a live view would stop the array from growing
                counted = n
            if decided(looks, ratio_looks):
                stopped = "decided"
                break
            if timed_out:
                stopped = "max_time"
                break
            if n >= limit:
                break
        end = clock()
    check_clock(start, end, 2 * len(pairs.x))
    return Comparison(
        candidate_ns=np.frombuffer(pairs.x, dtype=np.int64).copy(),
        baseline_ns=np.frombuffer(pairs.y, dtype=np.int64).copy(),
        candidate_warmup=pairs.warmups[0],
        baseline_warmup=pairs.warmups[1],
        duration_s=(end - start) / 1e9,
        stopped=stopped,
        decisions=decisions(looks),
        ratio_decisions=decisions(ratio_looks),
        gc_collections=gc_counter.collections,
    )


class _Pairs:
    """Times pairs of calls into ``x`` (candidate) and ``y`` (baseline)."""

    def __init__(
        self, pair: Pair, candidate: _SyncRunner, baseline: _SyncRunner, rng: random.Random
    ) -> None:
        self.pair = pair
        self.candidate, self.baseline = candidate, baseline
        self.rng = rng
        self.x, self.y = array("q"), array("q")
        # how far sampling got, for ``interrupted`` and ``failed_call``
        self.warmups = (0, 0)
        self.warming = ""  # the side being warmed up, if any
        self.started_ns: int | None = None
        self.gc_counter: GcCounter | None = None

    def interrupted(self, gates: int, ratio_gates: int) -> Comparison:
        """What was sampled before an interrupt: every complete pair so far, no decision."""
        import numpy as np

        # copies first: after an interrupt an async batch may still be appending in its thread
        x = np.frombuffer(self.x.tobytes(), dtype=np.int64)
        y = np.frombuffer(self.y.tobytes(), dtype=np.int64)
        n = min(len(x), len(y))
        started = self.started_ns
        return Comparison(
            candidate_ns=x[:n].copy(),
            baseline_ns=y[:n].copy(),
            candidate_warmup=self.warmups[0],
            baseline_warmup=self.warmups[1],
            duration_s=0.0 if started is None else (CLOCK.now_ns() - started) / 1e9,
            stopped="interrupted",
            decisions=[Decision() for _ in range(gates)],
            ratio_decisions=[Decision() for _ in range(ratio_gates)],
            gc_collections=0 if self.gc_counter is None else self.gc_counter.collections,
        )

    def failed_call(self, error: BaseException) -> FailedCall:
        """Which side's call raised ``error``: a warm-up call, or the timed call of the pair
        under way (``engine.pairs`` notes the side on the error)."""
        if self.warming:
            runner = self.candidate if self.warming == CANDIDATE else self.baseline
            return FailedCall("warm-up", runner.warm_calls, 0, self.warming)
        side = side_of(error)
        warmup = self.warmups[1] if side == BASELINE else self.warmups[0]
        return FailedCall("timed", len(self.x) + 1, warmup, side)

    def run(self, count: int, deadline: int) -> bool:
        """Time ``count`` pairs; return True when the deadline passed."""
        if count <= 0:
            return CLOCK.now_ns() > deadline
        if not self.x:
            # The first timed pair is checked too: with warmup=0 no warm-up call has been.
            count -= 1
            if self._checked_pair(deadline):
                return True
            if not count:
                return CLOCK.now_ns() > deadline
        order = [self.rng.random() < 0.5 for _ in range(count)]
        a, b = self.pair.candidate, self.pair.baseline
        if a.is_async or b.is_async:
            return bool(self._event_loop()._complete(self._run_async(order, deadline)))
        if a.kwargs or b.kwargs or a.args != b.args:
            return run_general(a, b, order, self.x, self.y, deadline)
        if a.args:
            return run_args(a.fn, b.fn, a.args, order, self.x, self.y, deadline)
        return run_bare(a.fn, b.fn, order, self.x, self.y, deadline)

    def _checked_pair(self, deadline: int) -> bool:
        clock = CLOCK.now_ns
        a, b = self.pair.candidate, self.pair.baseline
        first, second = (a, b) if self.rng.random() < 0.5 else (b, a)
        if first.is_async or second.is_async:
            # the async loop checks nothing: an async def function is awaited on every call
            return bool(self._event_loop()._complete(self._run_async([first is a], deadline)))
        t0 = clock()
        try:
            out1 = first.fn(*first.args, **first.kwargs)
        except BaseException as error:
            note_side(error, first.side)
            raise
        t1 = clock()
        try:
            out2 = second.fn(*second.args, **second.kwargs)
        except BaseException as error:
            note_side(error, second.side)
            raise
        t2 = clock()
        reject_lazy_result(out1, first.fn, first.side)
        reject_lazy_result(out2, second.fn, second.side)
        if first is a:
            self.x.append(t1 - t0)
            self.y.append(t2 - t1)
        else:
            self.y.append(t1 - t0)
            self.x.append(t2 - t1)
        return t2 > deadline

    def _event_loop(self) -> _AsyncRunner:
        runner = self.candidate if isinstance(self.candidate, _AsyncRunner) else self.baseline
        assert isinstance(runner, _AsyncRunner)
        return runner

    async def _run_async(self, order: list[bool], deadline: int) -> bool:
        a, b = self.pair.candidate, self.pair.baseline
        clock = CLOCK.now_ns
        x_append, y_append = self.x.append, self.y.append
        for candidate_first in order:
            first, second = (a, b) if candidate_first else (b, a)
            t0 = clock()
            try:
                out = first.fn(*first.args, **first.kwargs)
                if first.is_async:
                    await out
            except BaseException as error:
                note_side(error, first.side)
                raise
            t1 = clock()
            try:
                out = second.fn(*second.args, **second.kwargs)
                if second.is_async:
                    await out
            except BaseException as error:
                note_side(error, second.side)
                raise
            t2 = clock()
            if candidate_first:
                x_append(t1 - t0)
                y_append(t2 - t1)
            else:
                y_append(t1 - t0)
                x_append(t2 - t1)
            if t2 > deadline:
                return True
        return clock() > deadline
