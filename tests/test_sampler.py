"""The sampler with a scripted clock: when it stops and what it records (no real timing)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest

from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.sampler import MAX_SAMPLES, MEASURE_SAMPLES, Gate, Sampling, sample
from pytest_latency_sla.engine.target import Target


def run(
    clock: ScriptedClock,
    durations: Iterable[float],
    gates: list[Gate],
    *,
    max_time: float = 3.0,
    warmup: int | None = 0,
    max_samples: int = MAX_SAMPLES,
) -> Sampling:
    """Sample a call whose durations (ns) are scripted on ``clock``, at 95% confidence."""
    return sample(
        Target(clock.calls(durations)),
        gates,
        confidence=0.95,
        max_time=max_time,
        warmup=warmup,
        max_samples=max_samples,
    )


def test_clear_pass_stops_at_the_first_pass_look(scripted_clock: ScriptedClock) -> None:
    s = run(scripted_clock, itertools.repeat(5_000), [Gate(0.99, 50e6)])
    assert (s.stopped, s.decisions[0].verdict, s.decisions[0].at_n) == ("decided", "pass", 598)
    assert len(s.samples_ns) == 598 and set(s.samples_ns.tolist()) == {5_000}


def test_one_stall_still_passes_at_the_first_look(scripted_clock: ScriptedClock) -> None:
    durations = itertools.chain([5_000] * 300, [90e6], itertools.repeat(5_000))
    s = run(scripted_clock, durations, [Gate(0.99, 50e6)])
    assert (s.decisions[0].verdict, len(s.samples_ns)) == ("pass", 598)


def test_clear_miss_fails_at_ten_calls(scripted_clock: ScriptedClock) -> None:
    s = run(scripted_clock, itertools.repeat(20_000_000), [Gate(0.99, 1e6)])
    assert (s.stopped, s.decisions[0].verdict, len(s.samples_ns)) == ("decided", "fail", 10)


def test_three_slow_calls_in_the_first_ten_fail_there(scripted_clock: ScriptedClock) -> None:
    durations = itertools.chain([2e6, 5_000, 2e6, 5_000, 2e6], itertools.repeat(5_000))
    s = run(scripted_clock, durations, [Gate(0.99, 1e6)])
    assert (s.decisions[0].verdict, len(s.samples_ns)) == ("fail", 10)


def test_undecided_runs_until_max_time(scripted_clock: ScriptedClock) -> None:
    # exactly 1% of calls over budget: the p99 sits on the budget, no bound can decide
    durations = itertools.cycle([2e6] + [1e6 - 1] * 99)
    s = run(scripted_clock, durations, [Gate(0.99, 1.5e6)], max_time=2.0)
    assert s.stopped == "max_time" and s.decisions[0].verdict is None
    assert 1900 <= len(s.samples_ns) <= 2002


def test_any_fail_stops_and_all_must_pass(scripted_clock: ScriptedClock) -> None:
    # p50 passes at its first look (10); p99 keeps sampling until its own pass look
    s = run(scripted_clock, itertools.repeat(5_000), [Gate(0.5, 1e6), Gate(0.99, 1e6)])
    assert [d.verdict for d in s.decisions] == ["pass", "pass"]
    assert [d.at_n for d in s.decisions] == [10, 598] and len(s.samples_ns) == 598
    # a p50 budget that every call misses stops sampling at the first fail look
    s = run(scripted_clock, itertools.repeat(5_000), [Gate(0.5, 1_000), Gate(0.99, 1e6)])
    assert [d.verdict for d in s.decisions] == ["fail", None] and len(s.samples_ns) == 10


def test_measure_takes_3000_samples(scripted_clock: ScriptedClock) -> None:
    s = run(scripted_clock, itertools.repeat(1_000), [])
    assert (s.stopped, len(s.samples_ns)) == ("sample count", MEASURE_SAMPLES)


def test_sample_cap(scripted_clock: ScriptedClock) -> None:
    durations = itertools.cycle([2e6] + [1e6 - 1] * 99)
    s = run(scripted_clock, durations, [Gate(0.99, 1.5e6)], max_time=1e9, max_samples=5000)
    assert (s.stopped, len(s.samples_ns)) == ("max_samples", 5000)


def test_warmup_calls_are_not_timed(scripted_clock: ScriptedClock) -> None:
    durations = itertools.chain([50e6] * 7, itertools.repeat(5_000))
    s = run(scripted_clock, durations, [Gate(0.99, 1e6)], warmup=7)
    assert s.warmup == 7 and s.samples_ns.max() == 5_000


def test_automatic_warmup_is_bounded(scripted_clock: ScriptedClock) -> None:
    s = run(scripted_clock, itertools.repeat(5_000), [Gate(0.99, 1e6)], warmup=None)
    assert s.warmup == 200
    s = run(scripted_clock, itertools.repeat(100e6), [Gate(0.99, 1e9)], warmup=None, max_time=1.0)
    assert 1 <= s.warmup <= 3  # 20% of max_time = 0.2 s of 0.1 s calls
    # a 5 ms call: ten warm-up calls are enough, so a clear miss is decided 20 calls in
    s = run(scripted_clock, itertools.repeat(5e6), [Gate(0.99, 1e6)], warmup=None)
    assert (s.warmup, len(s.samples_ns), s.decisions[0].verdict) == (10, 10, "fail")
    # a 50 us call: 200 calls take 10 ms, the full warm-up
    s = run(scripted_clock, itertools.repeat(50e3), [Gate(0.99, 1e9)], warmup=None)
    assert s.warmup == 200


def test_exceptions_propagate(scripted_clock: ScriptedClock) -> None:
    calls = itertools.count()

    def flaky() -> None:
        scripted_clock.advance(1_000)
        if next(calls) == 499:
            raise KeyError("on the 500th call")

    with pytest.raises(KeyError, match="500th"):
        sample(Target(flaky), [Gate(0.99, 1e6)], confidence=0.95, max_time=3, warmup=0)


def test_coroutine_functions_are_awaited_once_per_call(scripted_clock: ScriptedClock) -> None:
    awaited = []

    async def fetch(x: int) -> int:
        scripted_clock.advance(2_000)
        awaited.append(x)
        return x

    s = sample(Target(fetch, (3,)), [Gate(0.99, 1e6)], confidence=0.95, max_time=3, warmup=5)
    assert len(awaited) == 5 + len(s.samples_ns) and set(s.samples_ns.tolist()) == {2_000}


def test_gc_collections_are_counted(scripted_clock: ScriptedClock) -> None:
    import gc

    def churn() -> None:
        scripted_clock.advance(1_000)
        gc.collect(0)

    s = run(scripted_clock, itertools.repeat(1), [])
    assert s.gc_collections == 0
    s = sample(Target(churn), [], confidence=0.95, max_time=3, warmup=0)
    assert s.gc_collections >= MEASURE_SAMPLES


def test_old_objects_are_frozen_out_of_collection_while_sampling_never_collected(
    scripted_clock: ScriptedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    # a full collection before each measurement would cost time in proportion to the heap:
    # the sampler must never make one
    def no_full_collection(*args: object) -> int:
        raise AssertionError("gc.collect() called by the sampler")

    monkeypatch.setattr(gc, "collect", no_full_collection)
    heap = [[i] for i in range(10_000)]  # the program's objects, alive before the measurement
    calls = 0
    frozen_while_calling: list[int] = []

    def call() -> None:
        nonlocal calls
        scripted_clock.advance(1_000)
        if calls % 500 == 0 or calls == 3 + MEASURE_SAMPLES - 1:  # the count walks the heap
            frozen_while_calling.append(gc.get_freeze_count())
        calls += 1

    assert gc.get_freeze_count() == 0
    sample(Target(call), [], confidence=0.95, max_time=3, warmup=3)
    # warm-up and timed calls, to the last, ran with the older objects in the permanent
    # generation, and they are back in the collected generations afterwards
    assert calls == 3 + MEASURE_SAMPLES and len(frozen_while_calling) == 8
    assert min(frozen_while_calling) >= len(heap)
    assert gc.get_freeze_count() == 0


def test_a_program_that_freezes_its_own_heap_keeps_its_scheme(
    scripted_clock: ScriptedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    gc.freeze()
    try:
        # the count itself moves as frozen objects die, so watch the calls instead
        calls: list[str] = []
        monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
        monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
        sample(Target(scripted_clock.calls(itertools.repeat(1_000))), [], confidence=0.95,
               max_time=3, warmup=0)  # fmt: skip
        assert calls == []  # neither unfrozen nor frozen further
        assert gc.get_freeze_count() > 0
    finally:
        monkeypatch.undo()
        gc.unfreeze()
