"""The load engine on a scripted clock: schedules, coordinated omission, overload. Worker threads
and coroutines run on the real clock, in the slow lane."""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.load.run import run_load
from pytest_latency_sla.engine.load.schedule import (
    LoadPlan,
    OverloadDetector,
    QueueBudget,
    intended_offsets,
    precise_sleep,
)
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.plan import Threshold


@pytest.fixture
def clock(scripted_clock: ScriptedClock) -> ScriptedClock:
    return scripted_clock


def scripted_call(clock: ScriptedClock, durations_ns: Iterator[int]) -> Target:
    return Target(clock.calls(durations_ns))


def test_constant_schedule_is_evenly_spaced() -> None:
    offsets = intended_offsets(28_000, "constant", 1.0)
    assert len(offsets) == 28_000
    assert np.all(np.diff(offsets) >= 35_714) and np.all(np.diff(offsets) <= 35_715)


def test_poisson_schedule_is_seeded_with_the_right_mean_gap() -> None:
    a = intended_offsets(10_000, "poisson", 2.0, seed=1)
    assert np.array_equal(a, intended_offsets(10_000, "poisson", 2.0, seed=1))
    assert not np.array_equal(a, intended_offsets(10_000, "poisson", 2.0, seed=2))
    gaps = np.diff(a)
    assert gaps.mean() == pytest.approx(100_000, rel=0.03)
    assert gaps.std() == pytest.approx(100_000, rel=0.05)  # exponential: sd = mean


def test_a_call_on_schedule_has_its_service_time_as_latency(clock: ScriptedClock) -> None:
    target = scripted_call(clock, itertools.repeat(300_000))
    run = run_load(target, LoadPlan(rate=1000), max_time=1.0, warmup=0)
    assert len(run.latency_ns) == 1000 and run.stopped == "max_time"
    assert set(run.latency_ns.tolist()) == {300_000}
    assert run.start_delay_ns is not None and set(run.start_delay_ns.tolist()) == {0}
    assert run.achieved_rate == pytest.approx(1000, rel=0.01)
    assert run.overload is None


def test_a_stall_delays_the_calls_behind_it_and_they_count(clock: ScriptedClock) -> None:
    # Call 10 takes 30 ms at 1,000/s: the next calls wait in line. Back-to-back timing would
    # record one slow call; from the intended start, the 29 calls queued behind it are late too.
    durations = itertools.chain([100_000] * 10, [30_000_000], itertools.repeat(100_000))
    run = run_load(scripted_call(clock, durations), LoadPlan(rate=1000), max_time=1.0, warmup=0)
    assert run.latency_ns[10] == 30_000_000
    assert run.latency_ns[11] == 29_000_000 + 100_000  # started 29 ms late
    late = run.latency_ns > 1_000_000
    # call k > 10 starts at 40 + 0.1 (k - 11) ms, intended at k ms: latency 39 - 0.9 k ms,
    # over 1 ms up to k = 42: the stall and the 32 calls queued behind it
    assert int(late.sum()) == 33
    assert run.overload is None and run.stopped == "max_time"


def test_a_call_slower_than_the_gap_is_above_capacity_long_before_max_time(
    clock: ScriptedClock,
) -> None:
    # 100 us calls at 20,000/s: one worker serves 10,000/s.
    target = scripted_call(clock, itertools.repeat(100_000))
    run = run_load(target, LoadPlan(rate=20_000), max_time=3.0, warmup=0)
    assert run.stopped == "rate above capacity" and run.overload is not None
    assert run.overload.served_rate == pytest.approx(10_000, rel=0.01)
    assert run.overload.target_rate == 20_000
    assert run.overload.after_s < 0.7  # four 150 ms windows, not 3 s
    assert run.duration_s < 0.7


def test_a_call_just_inside_capacity_runs_to_max_time(clock: ScriptedClock) -> None:
    rng = np.random.default_rng(0)
    # mean 90 us at 10,000/s (90% busy), exponential: the queue fluctuates but does not grow
    durations = iter(rng.exponential(90_000, size=200_000).astype(np.int64).tolist())
    plan = LoadPlan(rate=10_000, arrivals="poisson", seed=3)
    run = run_load(scripted_call(clock, durations), plan, max_time=3.0, warmup=0)
    assert run.overload is None and run.stopped == "max_time"
    assert run.achieved_rate == pytest.approx(10_000, rel=0.05)


def test_overload_detector_needs_growth_in_every_window() -> None:
    detector = OverloadDetector(100, growth=0.05, windows=3)
    detector.start(0)
    # one jump (a stall) that drains again: never three growing windows in a row
    assert [detector.observe(t, b, t) for t, b in ((100, 50), (200, 40), (300, 30))] == [
        False,
        False,
        False,
    ]
    later = ((400, 40, 350), (500, 50, 400), (600, 60, 450))
    assert [detector.observe(t, b, n) for t, b, n in later] == [
        False,
        False,
        True,
    ]
    assert detector.served_rate() == pytest.approx(0.5e9)


def test_a_queue_budget_breaks_when_calls_past_it_outnumber_the_tail_of_the_run() -> None:
    # 1,000 calls 1 ms apart, p99 <= 10 ms: broken with more than 10 calls (1% of the run's
    # 1,000) past 10 ms. At 100 ms the calls due before 90 ms waited longer than it.
    offsets = np.arange(1_000, dtype=np.int64) * 1_000_000
    budget = QueueBudget.of([Threshold(99.0, 0.010, "10 ms")])
    assert not budget.broken(offsets, 80, 100_000_000)  # calls 80-89 queued past it: 10
    assert budget.broken(offsets, 79, 100_000_000)  # 11
    # served calls over the budget count too, once the queue's oldest call is past it
    served = np.full(80, 20_000_000, dtype=np.int64)
    assert budget.broken(offsets, 85, 100_000_000, served[:6])  # 5 queued + 6 served
    assert not budget.broken(offsets, 85, 100_000_000, served[:5])
    assert not budget.broken(offsets, 95, 100_000_000, served)  # none queued past it
    # any threshold may break it; a ratio threshold has no budget of its own
    loose = Threshold(90.0, 0.001, "1 ms")  # broken with more than 100 past 1 ms
    assert QueueBudget.of([Threshold(99.0, 0.5, "500 ms"), loose]).broken(offsets, 0, 102_000_000)
    assert QueueBudget.of([Threshold.relative(99.0, 1.2)]).budgets == ()


@pytest.mark.slow
def test_workers_run_on_through_an_overload_until_the_queue_breaks_the_budget() -> None:
    # two workers of 2 ms calls serve at most 1,000/s: at 1,500/s the queue's wait grows by
    # a third of a second each second. The load gate stops on the overload rule; a probe with
    # a budget of 10 s runs to max_time, its queued calls recorded; one with 50 ms stops early.
    def call() -> None:
        time.sleep(0.002)

    plan = LoadPlan(rate=1_500, concurrency=2)
    gate = run_load(Target(call), plan, max_time=2.0, warmup=0)
    assert gate.overload is not None and gate.duration_s < 1.5
    long = QueueBudget.of([Threshold(99.0, 10.0, "10 s")])
    ran = run_load(Target(call), plan, max_time=2.0, warmup=0, queue_budget=long)
    assert ran.overload is None and ran.stopped == "max_time" and ran.duration_s >= 1.9
    assert ran.queued_ns is not None and len(ran.queued_ns) > 100
    tight = QueueBudget.of([Threshold(99.0, 0.050, "50 ms")])
    stopped = run_load(Target(call), plan, max_time=2.0, warmup=0, queue_budget=tight)
    assert stopped.overload is not None and stopped.overload.backlog_s > 0.050
    assert stopped.duration_s < 1.5
    assert stopped.queued_ns is not None and len(stopped.queued_ns) > 0


@pytest.mark.slow
def test_closed_loop_workers_each_call_back_to_back() -> None:
    calls: list[int] = []
    run = run_load(Target(calls.append, (1,)), LoadPlan(rate=None, concurrency=3), max_time=0.1)
    assert run.start_delay_ns is None and run.stopped == "max_time"
    assert len(run.latency_ns) == len(calls) - run.warmup > 0


@pytest.mark.slow
def test_threaded_workers_keep_intended_order_and_propagate_errors() -> None:
    run = run_load(Target(lambda: None), LoadPlan(rate=500, concurrency=2), max_time=0.4)
    # every scheduled call is served, unless a saturated machine starved both threads for long:
    # they fell behind for good (overload), or were held past the run's end, when the calls
    # still due are dropped (the run then lasted max_time or more)
    assert len(run.latency_ns) == 200 or run.overload is not None or run.duration_s >= 0.4
    assert run.start_delay_ns is not None and np.all(run.latency_ns >= run.start_delay_ns)

    class Boom(Exception):
        pass

    count = itertools.count()

    def explode() -> None:
        if next(count) > 2:
            raise Boom("kaput")

    # the run ends at the error; max_time only has to leave room for three calls on a busy machine
    with pytest.raises(Boom, match="kaput"):
        run_load(Target(explode), LoadPlan(rate=2000, concurrency=2), max_time=5, warmup=0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer slack is a Linux prctl")
def test_timer_slack_is_1ns_during_a_run_and_restored_after() -> None:
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    before = prctl(30, 0, 0, 0, 0)  # PR_GET_TIMERSLACK
    with precise_sleep():
        assert prctl(30, 0, 0, 0, 0) == 1
    assert prctl(30, 0, 0, 0, 0) == before


@pytest.mark.slow
def test_a_coroutine_function_is_awaited_once_per_scheduled_call() -> None:
    awaited: list[int] = []

    async def fetch(x: int) -> None:
        awaited.append(x)

    run = run_load(Target(fetch, (7,)), LoadPlan(rate=100), max_time=0.3, warmup=2)
    # all 30 calls, unless a saturated machine held the loop past the run's end (see above)
    assert len(run.latency_ns) == 30 or run.overload is not None or run.duration_s >= 0.3
    assert len(awaited) == len(run.latency_ns) + 2 and set(awaited) == {7}
