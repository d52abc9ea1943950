"""The automatic warm-up and cold starts, on the scripted clock: the warm-up goes on while calls
are still getting markedly faster, and a miss whose calls over budget came first says so."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.sampler import warm_up
from pytest_latency_sla.stats.drift import cold_start

MS = 1_000_000


def warmed(clock: ScriptedClock, durations: list[int], max_time: float = 3.0) -> int:
    return warm_up(clock.calls(itertools.chain(durations, itertools.repeat(durations[-1]))), None,
                   max_time)  # fmt: skip


def test_a_cold_start_is_warmed_through(scripted_clock: ScriptedClock) -> None:
    # 400, 150, 50 ms then 1 ms: each of the first three at most half the one before
    assert warmed(scripted_clock, [400 * MS, 150 * MS, 50 * MS, 1 * MS]) == 3


def test_the_warm_up_stops_at_its_share_of_max_time_even_when_getting_faster(
    scripted_clock: ScriptedClock,
) -> None:
    # max_time 1 s: a fifth of it is 200 ms, which the first call already took
    assert warmed(scripted_clock, [400 * MS, 150 * MS, 50 * MS, 1 * MS], max_time=1.0) == 1


@pytest.mark.parametrize(
    ("durations", "calls"),
    [
        ([5 * MS], 10),  # a steady 5 ms call: ten calls, then sampling (a miss shows fast)
        ([5_000], 200),  # a steady 5 us call: the 200-call cap
        ([50 * MS, 5_000], 200),  # a first run of 50 ms, then 5 us
        ([300 * MS], 2),  # a steady 300 ms call: no trend after two, and past 0.25 s
        ([2_000 * MS], 1),  # one 2 s call is past a fifth of max_time
    ],
)
def test_warm_up_calls(scripted_clock: ScriptedClock, durations: list[int], calls: int) -> None:
    assert warmed(scripted_clock, durations) == calls


def test_a_noisy_steady_call_is_not_taken_for_a_cold_start(scripted_clock: ScriptedClock) -> None:
    # 2 ms calls with a 20 ms stall now and then: the median of three ignores one stall
    durations = [2 * MS, 2 * MS, 20 * MS, 2 * MS, 2 * MS, 2 * MS] * 10
    assert warmed(scripted_clock, durations) == 10


def test_cold_start_finds_the_leading_calls_over_budget() -> None:
    def ns(*ms: float) -> np.ndarray:  # type: ignore[type-arg]
        return (np.array(ms) * MS).astype(np.int64)

    assert cold_start(ns(150, 50, *[1] * 8), 20 * MS, 0.99) == 2
    assert cold_start(ns(150, 1, 50, *[1] * 17), 20 * MS, 0.99) == 3
    assert cold_start(ns(*[30] * 10), 20 * MS, 0.99) is None  # slow throughout
    assert cold_start(ns(*[1] * 8, 150, 50), 20 * MS, 0.99) is None  # slow at the end
    assert cold_start(ns(*[1] * 10), 20 * MS, 0.99) is None  # nothing over budget
    # half the exceedances first is not "mostly"; the rest must keep the budget
    assert cold_start(ns(150, *[1] * 8, 150), 20 * MS, 0.99) is None


COLD = """
import itertools, pytest

MS = 1_000_000

@pytest.mark.latency_sla(ms=20{extra})
def test_cold_model(latency_sla, scripted):
    durations = itertools.chain([400 * MS, 150 * MS, 50 * MS], itertools.repeat(1 * MS))
    latency_sla(scripted(durations))
"""


def test_the_cold_start_of_the_issue_passes_once_warmed(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(COLD.format(extra=", overkill=None"))
    result = scripted_pytester.runpytest("--latency-json=out.json")
    result.assert_outcomes(passed=1)
    (record,) = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    assert (record["warmup"], record["n"], record["quantiles_s"]["max"]) == (3, 598, 0.001)


def test_a_miss_in_the_first_timed_calls_suggests_a_warm_up(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(COLD.format(extra=", max_time=1"))
    result = scripted_pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       Failed: latency SLA missed: p99 = 150 ms > budget 20 ms (n=10, *",
            "E         confident: the 95% lower bound of the p99 is above the budget",
            "E         cold start? 2 of the 2 calls over budget came in the first 2 of 10 timed "
            "calls, after 1 warm-up call: the call may still have been warming up; if the budget "
            "is for its steady state, set warmup=5",
        ]
    )


def test_a_call_slow_throughout_gets_no_warm_up_advice(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=20)
        def test_slow(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(30_000_000)))
        """
    )
    result = scripted_pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*latency SLA missed: p99 = 30.0 ms > budget 20 ms (n=10,*"])
    result.stdout.no_fnmatch_line("*cold start?*")
