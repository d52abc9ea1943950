"""The interleaved sampler of a comparison on the scripted clock: pairs in seeded random order,
each call timed on its own, looks at the planned pair counts, and drift that hits both sides
alike instead of deciding the verdict."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.compare import Comparison, compare
from pytest_latency_sla.engine.sampler import Gate
from pytest_latency_sla.engine.target import Pair, Target, TargetError
from pytest_latency_sla.stats.looks import Looks
from pytest_latency_sla.stats.two_sample import RatioGate, RatioLooks, ratio_decision, side_bounds

ALPHA = 0.05


def _pair(a: Callable[[], object], b: Callable[[], object]) -> Pair:
    return Pair(Target(a), Target(b))


def _run(
    pair: Pair, ratio_gates: list[RatioGate], gates: list[Gate] | None = None, **kw: object
) -> Comparison:
    options: dict[str, object] = {"confidence": 1 - ALPHA, "max_time": 10.0, "warmup": 0}
    options.update(kw)
    return compare(pair, gates or [], ratio_gates, **options)  # type: ignore[arg-type]


def test_each_call_is_timed_on_its_own_in_random_order(scripted_clock: ScriptedClock) -> None:
    order: list[str] = []

    def side(name: str, ns: int) -> Callable[[], None]:
        def call() -> None:
            order.append(name)
            scripted_clock.advance(ns)

        return call

    found = _run(_pair(side("a", 7_000), side("b", 11_000)), [], max_pairs=400, seed=3)
    assert found.stopped == "sample count" or len(found.candidate_ns) == 400
    assert set(found.candidate_ns.tolist()) == {7_000} and set(found.baseline_ns.tolist()) == {
        11_000
    }
    pairs = ["".join(order[i : i + 2]) for i in range(0, len(order), 2)]
    assert set(pairs) == {"ab", "ba"}
    assert 0.4 < pairs.count("ab") / len(pairs) < 0.6
    # the order comes from the seed: the same seed, the same order
    again: list[str] = []
    order, kept = again, order
    _run(_pair(side("a", 7_000), side("b", 11_000)), [], max_pairs=400, seed=3)
    assert again == kept


def test_a_clear_ratio_decides_at_the_first_looks(scripted_clock: ScriptedClock) -> None:
    fast, slow = (
        scripted_clock.calls(itertools.repeat(5_000)),
        scripted_clock.calls(itertools.repeat(10_000)),
    )
    passed = _run(_pair(fast, slow), [RatioGate(0.5, 0.8)])
    assert passed.stopped == "decided" and passed.ratio_decisions[0].verdict == "pass"
    assert len(passed.candidate_ns) == 12  # the first p50 pass look at alpha/2
    failed = _run(_pair(slow, fast), [RatioGate(0.5, 0.8)])
    assert failed.ratio_decisions[0].verdict == "fail" and len(failed.candidate_ns) == 10


def test_budgets_and_ratios_stop_together(scripted_clock: ScriptedClock) -> None:
    fast, slow = (
        scripted_clock.calls(itertools.repeat(5_000)),
        scripted_clock.calls(itertools.repeat(10_000)),
    )
    # the ratio passes at 12 pairs, the p99 budget only at 598: sampling goes on to 598
    found = _run(_pair(fast, slow), [RatioGate(0.5, 0.8)], [Gate(0.99, 1e6)])
    assert [d.verdict for d in found.decisions] == ["pass"]
    assert found.ratio_decisions[0].at_n == 12 and len(found.candidate_ns) == 598
    # a missed budget stops at its fail look, whatever the ratio
    found = _run(_pair(fast, slow), [RatioGate(0.5, 0.8)], [Gate(0.99, 1_000)])
    assert found.decisions[0].verdict == "fail" and len(found.candidate_ns) == 10


def test_the_looks_are_those_of_the_batch_code(scripted_clock: ScriptedClock) -> None:
    rng = np.random.default_rng(4)
    x = np.ceil(rng.lognormal(np.log(9_000), 0.4, 20_000)).astype(np.int64)
    y = np.ceil(rng.lognormal(np.log(10_000), 0.4, 20_000)).astype(np.int64)
    found = _run(
        _pair(scripted_clock.calls(x.tolist()), scripted_clock.calls(y.tolist())),
        [RatioGate(0.5, 1.0)],
    )
    batch = RatioLooks([RatioGate(0.5, 1.0)], ALPHA)
    while (nxt := batch.next_look()) is not None and nxt <= 20_000:
        batch.look(x[:nxt], y[:nxt])
    assert found.ratio_decisions[0].at_n == int(batch.at_n[0, 0]) > 0
    assert len(found.candidate_ns) == int(batch.stopped_at[0])
    assert found.candidate_ns.tolist() == x[: len(found.candidate_ns)].tolist()


def test_max_time_ends_an_undecided_comparison(scripted_clock: ScriptedClock) -> None:
    # the same distribution on both sides, the allowed ratio exactly 1: the bounds overlap
    draws = np.random.default_rng(1).lognormal(np.log(10_000), 0.3, 2_000).tolist()
    same = scripted_clock.calls(draws)
    found = _run(_pair(same, same), [RatioGate(0.5, 1.0)], max_time=0.01)
    assert found.stopped == "max_time" and found.ratio_decisions[0].verdict is None
    assert 450 <= len(found.candidate_ns) <= 520  # about 20 us a pair for 10 ms
    assert found.duration_s == pytest.approx(0.01, rel=0.01)


def test_both_sides_are_warmed_up(scripted_clock: ScriptedClock) -> None:
    calls = {"a": 0, "b": 0}

    def counter(name: str) -> Callable[[], None]:
        def call() -> None:
            calls[name] += 1
            scripted_clock.advance(1_000)

        return call

    found = _run(_pair(counter("a"), counter("b")), [], warmup=25, max_pairs=10)
    assert (found.candidate_warmup, found.baseline_warmup) == (25, 25)
    assert calls == {"a": 35, "b": 35}


def test_a_call_that_returns_a_coroutine_is_refused_without_warmup() -> None:
    async def work() -> None:
        pass

    def sync_returning_coroutine() -> object:
        return work()

    with pytest.raises(TargetError, match="is not an async def function but returned coroutine"):
        _run(_pair(lambda: None, sync_returning_coroutine), [], max_pairs=5)


def test_an_exception_of_either_side_propagates() -> None:
    def broken() -> None:
        raise KeyError("baseline broke")

    with pytest.raises(KeyError, match="baseline broke"):
        _run(_pair(lambda: None, broken), [], max_pairs=5)


def test_async_sides_are_awaited_on_one_loop(scripted_clock: ScriptedClock) -> None:
    loops: set[int] = set()

    async def a() -> None:
        loops.add(id(asyncio.get_running_loop()))
        scripted_clock.advance(5_000)

    async def b() -> None:
        loops.add(id(asyncio.get_running_loop()))
        scripted_clock.advance(10_000)

    found = _run(Pair(Target(a), Target(b)), [RatioGate(0.5, 0.8)], warmup=3)
    assert found.ratio_decisions[0].verdict == "pass"
    assert set(found.candidate_ns.tolist()) == {5_000} and len(loops) == 1
    mixed = _run(Pair(Target(a), Target(lambda: scripted_clock.advance(4_000))), [], max_pairs=20)
    assert set(mixed.baseline_ns.tolist()) == {4_000}


# --- drift: the machine slows down by 30% halfway through ---------------------------------------

CANDIDATE_NS, BASELINE_NS, SIGMA = 11_500, 10_000, 0.5  # the candidate is truly 15% slower
MAX_TIME = 0.05  # seconds of sampling; the machine slows at half of it


class SlowingMachine:
    """Every call started after ``at_ns`` (scripted time) takes 30% longer: a frequency step
    or a noisy neighbour, which hits whatever runs then."""

    def __init__(self, clock: ScriptedClock, seed: int) -> None:
        self.clock = clock
        self.rng = np.random.default_rng(seed)
        self.at_ns = 0

    def call(self, median_ns: float) -> Callable[[], None]:
        draws: Iterator[float] = iter(self.rng.lognormal(np.log(median_ns), SIGMA, 20_000))

        def run() -> None:
            factor = 1.3 if self.clock.now >= self.at_ns else 1.0
            self.clock.advance(next(draws) * factor)

        return run


def _sequential(machine: SlowingMachine, gate: RatioGate) -> str | None:
    """All candidate calls, then all baseline calls, each for half of ``MAX_TIME``; judged
    by the same rule at the same level: what interleaving is there to prevent."""
    candidate, baseline = machine.call(CANDIDATE_NS), machine.call(BASELINE_NS)
    machine.at_ns = machine.clock.now + int(MAX_TIME / 2 * 1e9)
    samples: dict[str, list[int]] = {"x": [], "y": []}
    for key, call in (("x", candidate), ("y", baseline)):
        end = machine.clock.now + int(MAX_TIME / 2 * 1e9)
        while machine.clock.now < end:
            t0 = machine.clock.now
            call()
            samples[key].append(machine.clock.now - t0)
    n = min(len(samples["x"]), len(samples["y"]))
    x, y = (np.sort(np.array(samples[k][:n], dtype=np.int64)) for k in ("x", "y"))
    half = ALPHA / 2
    return ratio_decision(side_bounds(x, 50, half), side_bounds(y, 50, half), gate.ratio)


def test_drift_halfway_gives_no_confident_wrong_verdict_when_interleaved(
    scripted_clock: ScriptedClock,
) -> None:
    # the claim "candidate p50 <= 1.0 x baseline p50" is false (it is 1.15x): a pass is wrong
    gate = RatioGate(0.5, 1.0)
    verdicts, across = [], 0
    for seed in range(20):
        machine = SlowingMachine(scripted_clock, seed)
        machine.at_ns = scripted_clock.now + int(MAX_TIME / 2 * 1e9)
        pair = _pair(machine.call(CANDIDATE_NS), machine.call(BASELINE_NS))
        found = _run(pair, [gate], max_time=MAX_TIME)
        verdicts.append(found.ratio_decisions[0].verdict)
        across += found.duration_s > MAX_TIME / 2  # it sampled after the slowdown
        # all of one side, then all of the other, on the same machine: a confident wrong pass
        assert _sequential(SlowingMachine(scripted_clock, seed), gate) == "pass"
    assert "pass" not in verdicts
    assert verdicts.count("fail") >= 5  # the right verdict, where the bounds could decide it
    assert across >= 10  # and the runs did sample on both sides of the slowdown


def test_looks_of_budgets_on_the_candidate_are_the_sampler_s(scripted_clock: ScriptedClock) -> None:
    rng = np.random.default_rng(2)
    x = np.ceil(rng.lognormal(np.log(9_000), 0.4, 5000)).astype(np.int64)
    y = np.full(5000, 10_000, dtype=np.int64)
    gate = Gate(0.99, float(np.quantile(x, 0.995)))
    found = _run(
        _pair(scripted_clock.calls(x.tolist()), scripted_clock.calls(y.tolist())), [], [gate]
    )
    looks = Looks([(gate.q, gate.budget_ns)], ALPHA)
    while (nxt := looks.next_look()) is not None and nxt <= 5000:
        looks.advance(x[looks.n : nxt])
    assert found.decisions[0].at_n == int(looks.at_n[0, 0])


def test_a_clock_that_stands_still_is_an_error(scripted_clock: ScriptedClock) -> None:
    from pytest_latency_sla.engine.clock import ClockStalled

    with pytest.raises(ClockStalled, match="timed calls all took 0 ns"):
        _run(_pair(lambda: None, lambda: None), [RatioGate(0.5, 0.8)], max_pairs=50)
