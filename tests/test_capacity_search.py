"""The capacity search on scripted probes: where it probes next, when it stops, what it claims.
No load runs: each probe's verdict is scripted from the rate, on a scripted clock."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import pytest

from pytest_latency_sla.engine.bracket import BRACKET, REACH, next_probe, next_rate, round_rate
from pytest_latency_sla.engine.capacity import (
    MAX_PROBES,
    CapacityPlan,
    CapacitySearch,
    Probe,
    planned_probes,
    search,
)
from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.load.schedule import Overload
from pytest_latency_sla.engine.load.simulated import Slowdown, simulated_search
from pytest_latency_sla.messages.capacity import capacity_inconclusive
from pytest_latency_sla.plan import Threshold
from pytest_latency_sla.records import CapacityDict, ProbeOutcome, Verdict
from pytest_latency_sla.stats.batch_means import BlockBounds
from pytest_latency_sla.stats.simulation import LogNormal

MAX_TIME = 1.0


def probe(rate: float, outcome: ProbeOutcome, *, passes: bool | None = None) -> Probe:
    """A probe at ``rate`` with one threshold; ``passes``: a not-confident probe's estimate."""
    if outcome == "holds":
        bounds = BlockBounds("pass", True, 1.0, 0.5, 1.5, 1.0, 1000)
    elif outcome == "misses":
        bounds = BlockBounds("fail", True, 3.0, 2.5, 3.5, 1.0, 1000)
    else:  # the estimate on the side ``passes`` says, its bounds on both sides of the budget
        verdict: Verdict = "pass" if passes else "fail"
        bounds = BlockBounds(verdict, False, 1.8 if passes else 2.2, 1.5, None, 50.0, 20)
    return Probe(rate, rate, 1000, MAX_TIME, 0.99, (bounds,))


def overloaded(rate: float) -> Probe:
    bounds = BlockBounds("fail", True, 3.0, 2.5, None, math.nan, 0)
    return Probe(rate, rate * 0.9, 100, 0.2, 0.99, (bounds,), Overload(rate, rate * 0.9, 0.1, 0.2))


def curve(
    capacity: float, *, unsure: float = 1.0, clock: ScriptedClock | None = None
) -> Callable[[float, float, float, int], Probe]:
    """Probes of a service whose capacity is ``capacity``: confident within a factor ``unsure``
    of it and beyond, not confident (estimate on the true side) closer in; far above it the
    run is overloaded and ends early. Each probe moves ``clock`` by its length."""

    def run(rate: float, seconds: float, confidence: float, seed: int) -> Probe:
        if clock is not None:
            clock.advance((0.2 if rate > 1.2 * capacity else seconds) * 1e9)
        if rate > 1.2 * capacity:
            return overloaded(rate)
        if rate * unsure <= capacity:
            found = probe(rate, "holds")
        elif rate >= capacity * unsure:
            found = probe(rate, "misses")
        else:
            found = probe(rate, "not confident", passes=rate <= capacity)
        return replace(found, duration_s=seconds)

    return run


def run_search(
    capacity: float,
    start: float,
    *,
    unsure: float = 1.0,
    min_rate: float | None = None,
    capacity_time: float = 30.0,
    service: Probe | None = None,
) -> CapacitySearch:
    clock = ScriptedClock()
    with clock.installed():
        return search(
            curve(capacity, unsure=unsure, clock=clock),
            service or probe(start, "holds"),
            percentiles=[99.0],
            max_time=MAX_TIME,
            capacity_time=capacity_time,
            min_rate=min_rate,
            probe_confidence=0.99,
            planned=planned_probes(capacity_time, MAX_TIME),
            started_ns=clock.now,
        )


def test_rates_are_rounded_to_three_significant_digits() -> None:
    assert round_rate(32_374.1) == 32_400
    assert round_rate(98_942.0) == 98_900
    assert round_rate(1_234_567.0) == 1_230_000
    assert round_rate(7.891) == 7.89


def test_planned_probes_fit_the_time_budget_and_stay_within_limits() -> None:
    assert planned_probes(30, 3) == 11  # ten full probes and a last one of 1.5 s or more
    assert planned_probes(1, 3) == 1
    assert planned_probes(1000, 0.1) == 16


@pytest.mark.parametrize("start", [10_000.0, 25_000.0, 40_000.0, 90_000.0, 400_000.0])
def test_a_sharp_curve_is_bracketed_within_ten_percent(start: float) -> None:
    found = run_search(31_000, start)
    assert found.stopped == "bracket"
    assert found.holds_at is not None and found.misses_at is not None
    assert found.holds_at <= 31_000 < found.misses_at <= found.holds_at * BRACKET
    assert len(found.probes) <= 10
    assert found.probes[0].rate == round_rate(start)  # it starts at the service rate


def test_brackets_then_bisects_in_log_space() -> None:
    rates = [p.rate for p in run_search(31_000, 40_000).probes]
    # 40,000 misses; steps down 1.25x (32,000 misses), then 1.25^2 x (20,500 holds); then
    # geometric means of the two ends
    assert rates[:3] == [40_000, 32_000, 20_500]
    assert rates[3] == round_rate(math.sqrt(20_500 * 32_000))


def test_not_confident_probes_are_never_claimed_and_the_search_goes_past_them() -> None:
    found = run_search(31_000, 40_000, unsure=1.08)
    assert found.holds_at is not None and found.misses_at is not None
    assert found.holds_at <= 31_000 <= found.misses_at
    unsure = [p.rate for p in found.probes if p.outcome == "not confident"]
    assert unsure and found.holds_at not in unsure and found.misses_at not in unsure
    # the confident ends are pushed up against the zone where probes cannot decide
    assert found.holds_at >= 31_000 / 1.08 / BRACKET
    assert found.misses_at <= 31_000 * 1.08 * BRACKET
    # with no new rate left to try, not-confident rates ran again, each time twice as long;
    # this curve never decides them: the search ends when its probes or its time are spent,
    # or when too little time is left for a probe twice as long as the last at that rate
    again = [p for p in found.probes if p.duration_s > MAX_TIME]
    assert again and all(p.rate in unsure for p in again)
    for rate in {p.rate for p in again}:
        lengths = [p.duration_s for p in found.probes if p.rate == rate]
        assert all(b >= 1.5 * a for a, b in itertools.pairwise(lengths))
    assert found.stopped in ("probe limit", "time budget", "not confident")
    assert len(found.probes) == MAX_PROBES or found.duration_s > 30.0 - 2 * max(
        p.duration_s for p in again
    )


def test_a_not_confident_rate_probed_again_for_longer_can_hold() -> None:
    # probes within 8% of the capacity of 31,000/s are unsure when 1 s long, and decided when
    # 2 s or longer: the search, out of new rates, runs the lowest not-confident rate whose
    # estimate passed again for 2 s, and it holds there
    clock = ScriptedClock()
    short = curve(31_000, unsure=1.08, clock=clock)
    exact = curve(31_000, clock=clock)

    def run(rate: float, seconds: float, confidence: float, seed: int) -> Probe:
        return (exact if seconds >= 2 * MAX_TIME else short)(rate, seconds, confidence, seed)

    with clock.installed():
        found = search(
            run, probe(40_000, "holds"), percentiles=[99.0], max_time=MAX_TIME,
            capacity_time=30.0, min_rate=None, probe_confidence=0.99,
            planned=planned_probes(30.0, MAX_TIME), started_ns=clock.now,
        )  # fmt: skip
    first_unsure = [p.rate for p in found.probes if p.outcome == "not confident"]
    longer = [p for p in found.probes if p.duration_s == 2 * MAX_TIME]
    assert longer and longer[0].rate in first_unsure and longer[0].outcome == "holds"
    assert found.holds_at is not None and found.misses_at is not None
    assert found.holds_at <= 31_000 <= found.misses_at <= found.holds_at * BRACKET
    assert found.stopped == "bracket"


def crowded() -> list[Probe]:
    """30,000/s holds, 34,000/s misses, and every rate between is within 2% of a not-confident
    one: 30,500, 31,000, 31,500, 32,000/s (estimates passed), 32,500, 33,000, 33,500/s (failed)."""
    passing = [probe(r, "not confident", passes=True) for r in (31_000, 32_000, 31_500, 30_500)]
    failing = [probe(r, "not confident", passes=False) for r in (33_000, 32_500, 33_500)]
    return [probe(30_000, "holds"), probe(34_000, "misses"), *passing, *failing]


def test_next_probe_runs_a_not_confident_rate_again_only_when_no_new_rate_is_left() -> None:
    # 30,000/s holds, 34,000/s misses, 31,000/s and 33,000/s were not confident (estimate
    # passed, failed): every rate between is within 2% of one probed
    probes = crowded()
    assert next_rate(probes, 40_000, 1.0, None) == "not confident"
    # the lowest rate whose estimate passed (would leave 34,000 / 30,500) against the highest
    # whose estimate failed (33,500 / 30,000): the first leaves the narrower bracket
    step = next_probe(probes, 40_000, 1.0, None, max_time=MAX_TIME, left=10.0)
    assert step == (30_500, 2 * MAX_TIME)
    # too little time left for a probe that adds much: the search stops, not confident
    assert next_probe(probes, 40_000, 1.0, None, max_time=MAX_TIME, left=1.2) == "not confident"
    # a new rate left to try is tried first, at max_time
    assert next_probe(probes[:3], 40_000, 1.0, None, max_time=MAX_TIME, left=10.0) == (
        round_rate(math.sqrt(31_000 * 34_000)),
        MAX_TIME,
    )


def test_the_search_keeps_to_its_time_budget() -> None:
    found = run_search(31_000, 36_000, unsure=1.3, capacity_time=4.0)
    assert found.stopped in ("time budget", "probe limit")  # the last probe fits what was left
    assert found.duration_s <= 4.0
    assert all(p.duration_s <= MAX_TIME for p in found.probes)


def test_the_search_judges_no_more_probes_than_it_planned() -> None:
    # probes that are not overloaded last max_time each: the time budget ends the search
    # before it judges more than it planned, and every verdict was at alpha / (planned + 1)
    for capacity in (31_000.0, 1e12):
        found = run_search(capacity, 40_000, unsure=1.3, capacity_time=7.5)
        judged = [p for p in found.probes if p.overload is None]
        assert len(judged) <= planned_probes(7.5, MAX_TIME) == 8
    # overloaded probes are short and spend no alpha; a cap still ends a search of them
    found = run_search(1.0, 1e6, capacity_time=1000.0)
    assert len(found.probes) <= MAX_PROBES


def test_min_rate_is_probed_right_after_the_start_rate() -> None:
    found = run_search(50_000, 100_000, min_rate=30_000)
    assert [p.rate for p in found.probes][:2] == [100_000, 30_000]
    assert found.holds_at is not None and found.holds_at >= 45_000
    # unless the start already decided it: held above it, or missed below it
    assert 30_000 not in [p.rate for p in run_search(50_000, 40_000, min_rate=30_000).probes]
    missed = run_search(20_000, 25_000, min_rate=30_000)
    assert 30_000 not in [p.rate for p in missed.probes]


def test_a_min_rate_too_low_for_a_probe_to_decide_is_not_probed() -> None:
    # at 1,000/s a probe of max_time holds too few calls over the p99 to be confident: the gate
    # is decided by a higher rate that holds instead of a probe that can only be unsure
    started = [probe(100_000, "misses")]
    assert next_rate(started, 100_000, 2_000.0, 1_000.0) == 80_000  # a step down, not 1,000
    assert next_rate(started, 100_000, 500.0, 1_000.0) == 1_000  # decidable: probed first


def test_a_call_over_budget_by_itself_ends_the_search_before_any_probe() -> None:
    found = run_search(31_000, 40_000, service=probe(40_000, "misses"))
    assert found.probes == [] and found.stopped == "no rate holds"
    assert found.holds_at is None  # nothing below 1.2 x the capacity is ever confident


def test_nothing_holds_down_to_the_lowest_rate_worth_probing() -> None:
    found = run_search(0.001, 40_000, capacity_time=100.0)
    assert found.stopped == "no rate holds" and found.holds_at is None
    assert min(p.rate for p in found.probes) >= 40_000 / REACH


def test_nothing_misses_up_to_the_highest_rate_worth_probing() -> None:
    found = run_search(1e12, 40_000, capacity_time=100.0)
    assert found.stopped == "no rate misses" and found.misses_at is None
    assert max(p.rate for p in found.probes) <= 40_000 * REACH


def test_the_lowest_rate_is_where_a_probe_has_enough_calls_over_the_percentile() -> None:
    # p99 over 1 s: 20 calls over the p99 need 2,000 calls: rates under 2,000/s are not tried
    found = run_search(31_000, 4_000, capacity_time=100.0, unsure=1e9)
    assert min(p.rate for p in found.probes) >= 2_000
    assert found.holds_at is None  # nothing below 1.2 x the capacity is ever confident


def test_next_rate_steps_away_further_each_time_one_side_repeats() -> None:
    down = [probe(40_000, "misses")]
    assert next_rate(down, 40_000, 1.0, None) == 32_000
    down.append(probe(32_000, "misses"))
    assert next_rate(down, 40_000, 1.0, None) == 20_500  # 32,000 / 1.25^2
    up = [probe(40_000, "holds"), probe(50_000, "holds")]
    assert next_rate(up, 40_000, 1.0, None) == 78_100  # 50,000 x 1.25^2


def test_contradicting_ends_stop_the_search() -> None:
    # a noisy machine: 30,000/s missed, 33,000/s held; misses_at / holds_at < 1.10
    probes = [probe(30_000, "misses"), probe(33_000, "holds")]
    assert next_rate(probes, 40_000, 1.0, None) == "bracket"


def test_below_a_not_confident_pass_the_search_steps_down_gently() -> None:
    # 100,000/s held by its estimate, not confidently, and 125,000/s was above capacity: a
    # confident pass is likely a little lower, so the steps grow 1.25x, 1.25^2, 1.25^3
    probes = [probe(100_000, "not confident", passes=True)]
    assert next_rate(probes, 100_000, 1.0, None) == 125_000  # a quick miss first
    probes.append(overloaded(125_000))
    assert next_rate(probes, 100_000, 1.0, None) == 80_000
    probes.append(probe(80_000, "not confident", passes=True))
    assert next_rate(probes, 100_000, 1.0, None) == 51_200  # 80,000 / 1.25^2
    # after misses the search is far above the capacity: the steps square
    far = [overloaded(100_000), probe(80_000, "misses")]
    assert next_rate(far, 100_000, 1.0, None) == 51_200  # 80,000 / 1.25^2
    far.append(probe(51_200, "misses"))
    assert next_rate(far, 100_000, 1.0, None) == 21_000  # 51,200 / 1.25^4


def forecast(rate: float, *, passes: bool, effective_n: int) -> Probe:
    """A not-confident probe whose own effective sample forecasts (or not) a decision when
    twice as long: no call over the budget for a passing estimate, 2.5% of calls for a failing
    one, a design effect of 1,000."""
    over = 0 if passes else 25 * effective_n
    bounds = BlockBounds(
        "pass" if passes else "fail", False, 0.001 if passes else 0.08, None, None, 1000.0,
        effective_n, over, 0.99,
    )  # fmt: skip
    return Probe(rate, rate, effective_n * 1000, MAX_TIME, 1 - 0.0042, (bounds,))


def test_a_rate_a_longer_probe_would_decide_runs_again_before_new_rates() -> None:
    # 70,000/s holds and 150,000/s misses. Not confident: 110,000/s, whose 477 effective calls
    # forecast a hold in a probe twice as long (954 >= 545), and 90,000/s, whose 200 do not
    probes = [
        probe(70_000, "holds"),
        probe(150_000, "misses"),
        forecast(90_000, passes=True, effective_n=200),
        forecast(110_000, passes=True, effective_n=477),
    ]
    assert isinstance(next_rate(probes, 150_000, 1.0, None), float)  # new rates are left
    assert next_probe(probes, 150_000, 1.0, None, max_time=MAX_TIME, left=10.0) == (
        110_000,
        2 * MAX_TIME,
    )
    # of two that would be decided, the one that leaves the narrower bracket: a miss at
    # 120,000/s (120,000 / 70,000) against a hold at 110,000/s (150,000 / 110,000)
    with_miss = [*probes, forecast(120_000, passes=False, effective_n=300)]
    assert with_miss[-1].decided_if_longer(2.0) and not with_miss[-1].decided_if_longer(1.0)
    step = next_probe(with_miss, 150_000, 1.0, None, max_time=MAX_TIME, left=10.0)
    assert step == (110_000, 2 * MAX_TIME)
    # the gate's own rate is probed first, then the forecast
    gated = next_probe(probes, 150_000, 1.0, 100_000.0, max_time=MAX_TIME, left=10.0)
    assert gated == (100_000, MAX_TIME)
    # with too little time left for a longer probe, the search goes on with new rates
    short = next_probe(probes, 150_000, 1.0, None, max_time=MAX_TIME, left=1.2)
    assert isinstance(short, tuple) and short[1] == MAX_TIME and short[0] != 110_000


def test_the_warning_names_only_rates_no_probe_decided() -> None:
    # 69,600/s was not confident, then held when probed again for longer; 73,600/s stayed
    # unsure (twice) and 82,300/s once: the warning names those two, each once
    probes = [
        {"rate": 73_600.0, "outcome": "not confident"},
        {"rate": 69_600.0, "outcome": "not confident"},
        {"rate": 69_600.0, "outcome": "holds"},
        {"rate": 73_600.0, "outcome": "not confident"},
        {"rate": 82_300.0, "outcome": "not confident"},
        {"rate": 87_000.0, "outcome": "misses"},
    ]
    ends = {"holds_at": 69_600.0, "misses_at": 87_000.0, "stopped": "time budget"}
    capacity = cast(CapacityDict, {"probes": probes, **ends})
    text = capacity_inconclusive(capacity, max_time=3.0)
    assert text is not None
    assert text.startswith("capacity search: no confident verdict at 73,600/s, 82,300/s (")
    decided = cast(CapacityDict, {"probes": probes[1:3], **ends})
    assert capacity_inconclusive(decided, max_time=3.0) is None
    # a rate below one that held (or above one that missed) is not named: the claims cover it
    below = [{"rate": 60_000.0, "outcome": "not confident"}, *probes]
    text = capacity_inconclusive(cast(CapacityDict, {"probes": below, **ends}), max_time=3.0)
    assert text is not None and "60,000/s" not in text


def test_many_rates_on_one_side_step_at_most_reach_and_never_overflow() -> None:
    # fourteen rates above 1,000/s whose estimates failed, none confident: the next step down
    # from the lowest would be 1.25^(2^13) x without a cap (an OverflowError); it is REACH
    probes = [probe(1_000 * 1.01**k, "not confident", passes=False) for k in range(14)]
    assert next_rate(probes, 1_000, 1e-6, None) == round_rate(1_000 / REACH)


def test_a_lognormal_search_with_many_failing_estimates_ends_normally() -> None:
    # a seed that crashed the search with an OverflowError: short probes, a 30 s budget, a p99
    # budget at the true p99, so many probes' estimates fail without confidence
    latency = LogNormal(20_000, 0.5)
    threshold = Threshold(99.0, latency.quantile(0.99) / 1e9, "p99")
    for seed in (1, 4, 6):
        found = simulated_search(
            Slowdown(latency, 40_000), [threshold], CapacityPlan(capacity_time=30),
            confidence=0.95, max_time=0.5, seed=seed,
        )  # fmt: skip
        assert found.stopped in ("bracket", "time budget", "probe limit", "not confident")
        assert len(found.probes) <= found.planned_probes


def test_when_the_best_rate_to_probe_again_does_not_fit_the_next_one_does() -> None:
    # as above, but 30,500/s already ran for 8 s: twice that does not fit in the 10 s left.
    # The next best, 33,500/s (estimate failed, 1 s so far), runs again for 2 s
    probes = [replace(p, duration_s=8.0) if p.rate == 30_500 else p for p in crowded()]
    assert next_rate(probes, 40_000, 1.0, None) == "not confident"
    step = next_probe(probes, 40_000, 1.0, None, max_time=MAX_TIME, left=10.0)
    assert step == (33_500, 2 * MAX_TIME)


@pytest.mark.parametrize("assumed", [0.0, 1e-6])
def test_probes_are_sized_so_that_their_cost_outside_the_window_fits_too(assumed: float) -> None:
    # each probe also costs 1 us a call outside its timed window (its schedule before, its
    # verdict after): 30,000/s for 1 s costs 1.03 s. Probes of a search with 2.5 s left are
    # sized for it: the search ends within capacity_time, or, when the first probe's cost was
    # not known in advance (assumed 0), overruns by at most that first probe's cost
    clock = ScriptedClock()
    inner = curve(31_000, unsure=1.3, clock=clock)

    def run(rate: float, seconds: float, confidence: float, seed: int) -> Probe:
        found = inner(rate, seconds, confidence, seed)
        clock.advance(rate * found.duration_s * 1e-6 * 1e9)
        return found

    with clock.installed():
        found = search(
            run, probe(40_000, "holds"), percentiles=[99.0], max_time=MAX_TIME,
            capacity_time=4.0, min_rate=None, probe_confidence=0.99,
            planned=planned_probes(4.0, MAX_TIME), started_ns=clock.now, cost_per_call_s=assumed,
        )  # fmt: skip
    assert len(found.probes) >= 2
    first_cost = found.probes[0].rate * found.probes[0].duration_s * 1e-6
    assert found.duration_s <= 4.0 + (first_cost if assumed == 0.0 else 1e-9)
    later = found.probes[1:]
    assert all(p.duration_s + p.rate * p.duration_s * 1e-6 <= 4.0 for p in later)


def test_where_nothing_held_is_said_for_each_rate_once() -> None:
    from pytest_latency_sla.messages.capacity import _none_of

    def probes(*outcomes: tuple[float, str]) -> list[Any]:
        return [{"rate": rate, "outcome": outcome} for rate, outcome in outcomes]

    assert _none_of([]) == "no rate probed"
    assert _none_of(probes((9_000, "misses"))) == "no rate (1 rate probed)"
    assert _none_of(probes((9_000, "not confident"))) == "no rate with confidence (1 rate probed)"
    twice = probes((9_000, "not confident"), (9_000, "not confident"), (12_000, "misses"))
    assert _none_of(twice) == "none of the 2 rates probed with confidence"
    assert _none_of(probes((9_000, "misses"), (12_000, "misses"))) == "none of the 2 rates probed"


def test_a_min_rate_far_above_the_service_rate_is_not_probed_first() -> None:
    # one worker serves 19,500/s back to back: a gate at 1,000,000/s cannot hold there, and
    # probing it first would spend a probe far from the capacity; one within 1.25^2 x is
    probes = [probe(19_500, "not confident", passes=True)]
    assert next_rate(probes, 19_500, 1.0, 1_000_000.0) == 24_400  # the search's own step up
    assert next_rate(probes, 19_500, 1.0, 30_000.0) == 30_000


def test_the_search_goes_by_the_estimates_past_not_confident_rates() -> None:
    # 100,000/s missed (a gate's probe); 3,950/s and 2,530/s were not confident, estimates
    # failing and passing: the capacity is below 3,950/s by the estimates, so the search does
    # not bisect 3,950-100,000/s (19,900/s) but looks below 2,530/s for a rate that holds
    probes = [
        probe(100_000, "misses"),
        probe(3_950, "not confident", passes=False),
        probe(2_530, "not confident", passes=True),
    ]
    found = next_rate(probes, 4_000, 1.0, None)
    assert isinstance(found, float) and found < 2_530


def test_the_report_shows_the_latencies_of_the_probe_that_held() -> None:
    # 9,920/s probed twice: not confident first (max 3.56 ms), then held (max 2.51 ms)
    from pytest_latency_sla.verdict.result import CapacityResult, ProbeResult

    def at(outcome: ProbeOutcome, top: float) -> ProbeResult:
        return ProbeResult(9_920, 9_920, 1_000, 1.0, 0.99, (), outcome, quantiles={"max": top})

    result = CapacityResult(9_920, None, (at("not confident", 3.56e-3), at("holds", 2.51e-3)))
    assert result.to_dict()["quantiles_s"] == {"max": 2.51e-3}
