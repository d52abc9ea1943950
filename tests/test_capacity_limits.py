"""A capacity search at its limits, on a scripted clock: a time budget too short for one probe,
a call too slow for a probe of ``max_time`` to decide any rate, and ``--latency-mode=off``, which
searches nothing. None of them may claim that the call misses its budget, and none passes a
search that found no rate that holds."""

from __future__ import annotations

import json

import pytest

from tests.test_capacity import CONFTEST


@pytest.fixture
def capacity_pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    return pytester


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        # shorter than the default max_time (3 s) or the marker's own: no room for one probe
        (
            "ms=20, capacity_time=1e-9",
            "latency_sla(capacity_time=1e-09): shorter than max_time (3 s)",
        ),
        (
            "ms=20, max_time=2, capacity_time=1.5",
            "latency_sla(capacity_time=1.5): shorter than max_time (2 s)",
        ),
    ],
)
def test_capacity_time_shorter_than_max_time_errors_that_test(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.latency_sla({marker})
        def test_bad(latency_sla):
            latency_sla.capacity(lambda: None)

        def test_other():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            f"*test_bad: {message}: a capacity search runs probes of max_time each; give it "
            "at least *"
        ]
    )
    result.stdout.no_fnmatch_line("*misses it*")


def test_a_call_too_slow_for_a_probe_of_max_time_says_so(
    capacity_pytester: pytest.Pytester,
) -> None:
    # a call of 50 ms serves 20/s; a probe of 0.5 s at p99 needs 2,000 calls to be confident
    # at any rate (20 over the p99): the search probes no absurd rate far above 20/s, says
    # how long a probe must be, and fails the test (no rate was found that holds)
    capacity_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=60, max_time=0.5, capacity_time=6)
        def test_slow(latency_sla, scripted):
            latency_sla.capacity(scripted(itertools.repeat(50_000_000)))
        """
    )
    result = capacity_pytester.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       Failed: capacity missed: p99 <= 60 ms holds at no rate probed",
            "E         capacity: p99 <= 60 ms: not searched: a probe of max_time cannot decide "
            "any rate up to the service rate (20/s)",
            "E         a probe decides a rate only with enough calls over the percentile, and at "
            "20/s a probe of max_time 0.5 s has too few: raise max_time to at least 130 s",
            "E         probes: none",
            "*::test_slow  *capacity p99 <= 60 ms  holds -, misses -*~FAIL",
        ]
    )
    result.stdout.no_fnmatch_line("*~pass*")
    (record,) = json.loads((capacity_pytester.path / "out.json").read_text())["results"]
    capacity = record["capacity"]
    assert capacity["stopped"] == "max_time too short" and capacity["probes"] == []
    assert capacity["max_time_needed_s"] == pytest.approx(125.0)  # 1.25 x 20 / (1% x 20/s)
    assert capacity["passed"] is False and record["outcome"] == "failed"


def test_off_mode_passes_without_a_holding_rate_and_says_nothing_was_searched() -> None:
    # --latency-mode=off measures nothing and fails nothing: passed is True with no claim
    from pytest_latency_sla import CapacityResult
    from pytest_latency_sla.messages.capacity import capacity_line, capacity_verdict_label

    off = CapacityResult(None, None, min_rate=20_000, budgets=("p99 <= 1 ms",), stopped="mode off")
    assert off.passed and off.holds_at is None and off.misses_at is None
    record = off.to_dict()["capacity"]
    assert record["passed"] is True and record["stopped"] == "mode off"
    assert capacity_line(record, 0.95) == "capacity: p99 <= 1 ms: not searched (--latency-mode=off)"
    # searched, the same empty result fails: passed means a rate held, outside off mode
    for stopped in ("time budget", "not confident", "max_time too short", "no rate holds"):
        searched = CapacityResult(None, None, budgets=("p99 <= 1 ms",), stopped=stopped)
        assert not searched.passed
        assert capacity_verdict_label(searched.to_dict()["capacity"]) in ("FAIL", "~FAIL")


def test_a_time_budget_spent_before_any_probe_never_says_the_call_misses() -> None:
    from pytest_latency_sla import CapacityResult
    from pytest_latency_sla.messages.capacity import capacity_line, capacity_missed

    result = CapacityResult(
        None, None, budgets=("p99 <= 20 ms",), stopped="time budget", capacity_time=0.2,
        duration_s=0.25,
    )  # fmt: skip
    record = result.to_dict()
    line = capacity_line(record["capacity"], 0.95)
    assert line == (
        "capacity: p99 <= 20 ms: not searched: capacity_time 0.2 s was spent before the first probe"
    )
    missed = capacity_missed(record, max_time=3.0)
    assert "misses" not in missed.replace("capacity missed", "")
    assert "give capacity_time at least 3.3 s for one probe of max_time 3 s" in missed
    assert "stopped: capacity_time 0.2 s spent before the first probe" in missed
