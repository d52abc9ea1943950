"""Properties that must hold for every input, not only the examples in the other tests.

Marker parsing never fails with anything but a clean ``BadMarkerArgument``; the verdict is
monotone in the samples, blind to the unit of time, brackets its estimate with its bounds, and
never passes confidently on fewer samples than any pass needs.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_latency_sla.engine import sampler
from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.sampler import Decision
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.markers import (
    ARGUMENTS,
    BadMarkerArgument,
    MarkerCall,
    plan_from_markers,
)
from pytest_latency_sla.plan import Defaults, Plan, Threshold
from pytest_latency_sla.stats.bounds import (
    bound_ranks,
    fail_cutoff,
    min_samples_to_pass,
    nearest_rank,
    pass_cutoff,
)
from pytest_latency_sla.stats.looks import FAIL, PASS, Looks, LookSchedule
from pytest_latency_sla.verdict.judge import closed_loop_bounds, judge

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Anything a user could put in a marker call.
values = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.fractions(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["constant", "poisson", "ms", "50"]),
    st.lists(st.integers(), max_size=2),
    st.builds(np.float64, st.floats()),
    st.builds(np.int64, st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    st.complex_numbers(),
)
# keyword names as Python syntax allows them
names = st.one_of(
    st.sampled_from(ARGUMENTS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,9}", fullmatch=True)
)
marker_calls = st.builds(
    MarkerCall,
    level=st.sampled_from(["function test_x", "class TestX", "module test_x.py"]),
    args=st.lists(values, max_size=2).map(tuple),
    kwargs=st.dictionaries(names, values, max_size=5),
)


def _valid(plan: Plan) -> None:
    assert plan.thresholds
    for t in plan.thresholds:
        assert isinstance(t, Threshold)
        assert 0 < t.percentile < 100
        assert isinstance(t.budget_s, float) and 0 < t.budget_s < math.inf
        assert t.overkill is None or 1 < t.overkill < math.inf
        assert t.budget_text and t.label
    assert isinstance(plan.max_time, float) and 0 < plan.max_time < math.inf
    assert plan.warmup is None or (type(plan.warmup) is int and plan.warmup >= 0)
    assert type(plan.isolate) is bool
    assert plan.rate is None or 0 < plan.rate < math.inf
    assert plan.arrivals in ("constant", "poisson")
    assert type(plan.concurrency) is int and plan.concurrency >= 1
    percentiles = [t.percentile for t in plan.thresholds]
    assert percentiles == sorted(set(percentiles))


@FAST
@given(st.lists(marker_calls, min_size=1, max_size=3))
def test_marker_parsing_is_valid_or_a_clean_bad_argument(marks: list[MarkerCall]) -> None:
    try:
        plan = plan_from_markers(marks, Defaults(), "test_x.py::test_x")
    except BadMarkerArgument as error:
        message = str(error)
        assert message.startswith("test_x.py::test_x: ") and "latency_sla" in message
        assert "\n" not in message and len(message) < 400
    else:
        _valid(plan)


budgets = st.one_of(
    st.integers(min_value=1, max_value=10**6),
    st.floats(min_value=1e-6, max_value=1e6),
    st.fractions(min_value=Fraction(1, 1000), max_value=1000).filter(lambda f: f > 0),
)


@FAST
@given(
    unit=st.sampled_from(["s", "ms", "us"]),
    budget=budgets,
    percentile=st.one_of(st.floats(min_value=1.0, max_value=99.99), st.integers(1, 99)),
)
def test_every_good_budget_parses(unit: str, budget: Any, percentile: Any) -> None:
    plan = plan_from_markers(
        [MarkerCall("function t", (), {unit: budget, "percentile": percentile})], Defaults(), "t"
    )
    _valid(plan)
    (t,) = plan.thresholds
    assert t.budget_s == float(budget) * {"s": 1.0, "ms": 1e-3, "us": 1e-6}[unit]


@FAST
@given(
    st.one_of(
        st.floats(min_value=1e-6, max_value=1.0, exclude_max=True),
        st.fractions(min_value=Fraction(1, 10**6), max_value=Fraction(999, 1000)),
    )
)
def test_every_fraction_percentile_is_refused_with_the_percent_it_means(fraction: Any) -> None:
    try:
        plan_from_markers(
            [MarkerCall("function t", (), {"ms": 5, "percentile": fraction})], Defaults(), "t"
        )
    except BadMarkerArgument as error:
        assert "percentile is in percent (0 < p < 100); did you mean percentile=" in str(error)
    else:
        raise AssertionError(f"percentile={fraction!r} was accepted")


# --- the verdict ------------------------------------------------------------------------------

quantiles = st.sampled_from([0.5, 0.9, 0.95, 0.99, 0.999])
alphas = st.sampled_from([0.01, 0.05, 0.1, 0.2])
samples = st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=400)
percentiles = st.sampled_from([50.0, 90.0, 95.0, 99.0, 99.9])


def _judge(ns: list[int], percentile: float, budget_ns: int, scale: float = 1.0) -> Any:
    threshold = Threshold(percentile, budget_ns / 1e9, f"{budget_ns} ns", overkill=None)
    threshold = threshold.scaled(scale)
    ordered = np.sort(np.array(ns, dtype=np.int64))
    return judge(threshold, closed_loop_bounds(ordered, threshold, Decision(), 0.95))


@FAST
@given(samples, percentiles, st.integers(min_value=1, max_value=10**7), st.data())
def test_a_sample_above_the_budget_never_turns_fail_into_pass(
    ns: list[int], percentile: float, budget_ns: int, data: st.DataObject
) -> None:
    before = _judge(ns, percentile, budget_ns)
    above = data.draw(st.integers(min_value=budget_ns + 1, max_value=10**8))
    after = _judge([*ns, above], percentile, budget_ns)
    if before.verdict == "fail":
        assert after.verdict == "fail"


@FAST
@given(samples, percentiles, st.integers(min_value=1, max_value=10**7), st.data())
def test_a_sample_below_the_budget_never_turns_pass_into_fail(
    ns: list[int], percentile: float, budget_ns: int, data: st.DataObject
) -> None:
    before = _judge(ns, percentile, budget_ns)
    below = data.draw(st.integers(min_value=0, max_value=budget_ns))
    after = _judge([*ns, below], percentile, budget_ns)
    if before.verdict == "pass":
        assert after.verdict == "pass"


@FAST
@given(
    q=quantiles,
    alpha=alphas,
    n=st.integers(min_value=1, max_value=20_000),
    data=st.data(),
)
def test_decisions_are_monotone_in_exceedances(
    q: float, alpha: float, n: int, data: st.DataObject
) -> None:
    # The looks see only (exceedances, n): one more sample above the budget means one more
    # exceedance at the same look, which may turn pass into undecided or fail, never back.
    # Two runs side by side through the sampler's own Looks: e and e + 1 exceedances.
    schedule = LookSchedule(q, alpha)
    n = schedule.next_look_after(n - 1)  # a planned look
    e = data.draw(st.integers(min_value=0, max_value=n - 1))
    runs = np.zeros((2, n), dtype=np.int64)
    runs[0, :e] = 2
    runs[1, : e + 1] = 2
    looks = Looks([(q, 1.0)], alpha, runs=2)
    looks.advance(runs)
    now, more = int(looks.verdicts[0, 0]), int(looks.verdicts[1, 0])
    if now == FAIL:
        assert more == FAIL
    if more == PASS:
        assert now == PASS
    assert pass_cutoff(n, q, alpha) < fail_cutoff(n, q, alpha)


@FAST
@given(samples, percentiles, st.integers(1, 10**7), st.integers(min_value=2, max_value=1000))
def test_scaling_samples_and_budget_together_changes_nothing(
    ns: list[int], percentile: float, budget_ns: int, factor: int
) -> None:
    base = _judge(ns, percentile, budget_ns)
    scaled = _judge([x * factor for x in ns], percentile, budget_ns * factor)
    by_option = _judge([x * factor for x in ns], percentile, budget_ns, scale=factor)
    for other in (scaled, by_option):
        assert (other.verdict, other.confident) == (base.verdict, base.confident)
        assert other.estimate == base.estimate * factor or math.isclose(
            other.estimate, base.estimate * factor, rel_tol=1e-12
        )
        assert math.isclose(other.margin, base.margin, rel_tol=1e-9)


@FAST
@given(samples, percentiles)
def test_bounds_bracket_the_estimate(ns: list[int], percentile: float) -> None:
    result = _judge(ns, percentile, budget_ns=10**6)
    if result.lower is not None:
        assert result.lower <= result.estimate
    if result.upper is not None:
        assert result.estimate <= result.upper
    lower, upper = bound_ranks(len(ns), percentile / 100, 0.05)
    rank = nearest_rank(len(ns), percentile)
    assert (lower or 1) <= rank <= (upper or len(ns))


@FAST
@given(quantiles, alphas, st.data())
def test_never_a_confident_pass_before_n_min(q: float, alpha: float, data: st.DataObject) -> None:
    n_min = min_samples_to_pass(q, alpha)
    schedule = LookSchedule(q, alpha)
    assert schedule.first_pass_look >= n_min
    n = data.draw(st.integers(min_value=1, max_value=max(1, n_min - 1)))
    if n < n_min:
        assert pass_cutoff(n, q, alpha) == -1  # not even zero exceedances may pass
        looks = Looks([(q, 1.0)], alpha)
        looks.advance(np.zeros(n, dtype=np.int64))  # n calls, none over the budget
        assert int(looks.verdicts[0, 0]) != PASS
    assert pass_cutoff(n_min, q, alpha) >= 0


def _sample_scripted(durations: list[int], budget_ns: float, q: float) -> sampler.Sampling:
    clock = ScriptedClock()
    call = clock.calls(itertools.cycle(durations))
    # gc.collect() before sampling walks every object of this test process: skipped here.
    with clock.installed(), mock.patch("gc.collect"):
        return sampler.sample(
            Target(call),
            [sampler.Gate(q, budget_ns)],
            confidence=0.95,
            max_time=1e6,
            warmup=0,
            max_samples=2000,
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=50),
    st.integers(min_value=1, max_value=10**6),
    quantiles,
    st.integers(min_value=2, max_value=1000),
)
def test_the_sampler_decides_the_same_in_any_unit(
    durations: list[int], budget_ns: int, q: float, factor: int
) -> None:
    base = _sample_scripted(durations, budget_ns, q)
    scaled = _sample_scripted([d * factor for d in durations], budget_ns * factor, q)
    assert len(scaled.samples_ns) == len(base.samples_ns)
    assert scaled.decisions == base.decisions and scaled.stopped == base.stopped
    assert np.array_equal(scaled.samples_ns, base.samples_ns * factor)
    if base.decisions[0].verdict == "pass":  # never a confident pass before n_min
        assert base.decisions[0].at_n >= min_samples_to_pass(q, 0.05)
