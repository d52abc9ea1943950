"""``latency_sla.compare`` and the ``ratio=`` marker argument at the pytest edge: verdicts,
messages, warnings, report rows, JSON, JUnit properties, modes, isolation and bad arguments.
Durations are scripted (``scripted`` in ``tests/conftest.py``), so every verdict is exact."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

HEADER = """
import itertools
import pytest

def constant(scripted, ns):
    return scripted(itertools.repeat(ns))
"""


def test_a_ratio_met_passes_and_a_ratio_missed_fails_with_specs_line(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_faster(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 6_720), constant(scripted, 8_400))
    assert result.passed and result.ratio(50) == pytest.approx(0.8)
    assert [t.kind for t in result.thresholds] == ["ratio"]
    assert result.candidate.p50 == pytest.approx(6.72e-6)
    assert result.baseline.p50 == pytest.approx(8.4e-6)

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_slower(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 13_100), constant(scripted, 8_400))
"""
    )
    result = scripted_pytester.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       Failed: latency ratio missed: p50 candidate/baseline = 1.56x > 0.8x "
            "(n=10+10, 95% bounds [[]1.56x, 1.56x]; candidate p50 13.1 us, baseline p50 8.40 us)",
            "E         confident: the 97.5% lower bound of the candidate's p50 is above 0.8x "
            "the 97.5% upper bound of the baseline's",
            "E         10 pairs of calls in random order in * after 200+200 warm-up calls;*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*test_faster  *p50 <= 0.8x baseline  *0.800x ?0.800x, 0.800x? *pass",
            "*test_slower  *p50 <= 0.8x baseline  *1.56x ?1.56x, 1.56x? *FAIL",
        ]
    )
    report = json.loads((scripted_pytester.path / "out.json").read_text())
    slower = report["results"][1]
    (threshold,) = slower["thresholds"]
    assert threshold == {
        "kind": "ratio",
        "percentile": 50.0,
        "ratio": 0.8,
        "against": "baseline",
        "estimate": pytest.approx(13.1 / 8.4),
        "lower": pytest.approx(13.1 / 8.4),
        "upper": pytest.approx(13.1 / 8.4),
        "verdict": "fail",
        "confident": True,
        "margin": pytest.approx(0.8 / (13.1 / 8.4)),
        "candidate_s": pytest.approx(13.1e-6),
        "baseline_s": pytest.approx(8.4e-6),
        "baseline_n": 10,
    }
    assert slower["candidate"]["quantiles_s"]["50"] == pytest.approx(13.1e-6)
    assert slower["baseline"]["quantiles_s"]["99"] == pytest.approx(8.4e-6)
    assert slower["n"] == slower["candidate"]["n"] == slower["baseline"]["n"] == 10
    # both histograms over the same bins, for an overlay
    assert slower["baseline"]["histogram"]["edges_s"] == slower["histogram"]["edges_s"]


def test_budgets_apply_to_the_candidate_and_stack_with_ratios(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(us=10)
def test_both(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 6_000), constant(scripted, 20_000))
    assert [(t.kind, t.percentile) for t in result.thresholds] == [("absolute", 99), ("ratio", 50)]
    assert result.candidate.thresholds == result.thresholds[:1]
    assert result.passed

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(us=5)
def test_budget_missed(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 6_000), constant(scripted, 20_000))
"""
    )
    result = scripted_pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["E       Failed: latency SLA missed: p99 = 6.00 us > budget 5 us (n=10, *"]
    )


def test_compare_without_a_ratio_reports_the_ratios_with_no_gate(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
def test_no_marker(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 30_000), constant(scripted, 10_000))
    assert result.thresholds == () and result.passed
    assert result.ratio(50) == pytest.approx(3.0) and result.candidate.n == 3000

@pytest.mark.latency_sla(ms=1)
def test_budget_only(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 30_000), constant(scripted, 10_000))
    assert [t.kind for t in result.thresholds] == ["absolute"]
"""
    )
    result = scripted_pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_no_marker    no gate: candidate/baseline  p50 3.00x, p99 3.00x*3,000*",
            "*test_budget_only  no gate: candidate/baseline  p50 3.00x, p99 3.00x*598*",
            "*test_budget_only  p99 <= 1 ms  *30.0 us*pass*",
        ]
    )


def test_warn_mode_warns_and_passes(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_slower(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 13_100), constant(scripted, 8_400))
    assert not result.passed
"""
    )
    result = scripted_pytester.runpytest("--latency-mode=warn")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*LatencyMissWarning: latency ratio missed: p50 candidate/baseline = 1.56x > 0.8x*"]
    )


def test_off_mode_calls_each_side_once(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_off(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 13_100), constant(scripted, 8_400))
    assert (result.candidate.n, result.baseline.n) == (1, 1) and result.passed
    (t,) = result.thresholds  # listed, not judged
    assert t.kind == "ratio" and t.verdict is None and not t.confident
    assert t.estimate == result.ratio(50) == pytest.approx(13.1 / 8.4)

@pytest.mark.latency_sla(ratio=0.8, percentile=50, isolate=True)
def test_off_isolated(latency_sla, scripted):
    import os
    parent = os.getpid()
    pids = []
    def candidate():
        pids.append(os.getpid())
    result = latency_sla.compare(candidate, constant(scripted, 8_400))
    assert result.candidate.n == 1 and result.candidate.isolated and pids == []  # in the child
"""
    )
    scripted_pytester.runpytest("--latency-mode=off").assert_outcomes(passed=2)


def test_max_time_without_a_verdict_warns_with_the_max_time_that_would_decide(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
import numpy as np

@pytest.mark.latency_sla(ratio=1.0, percentile=50, max_time=0.005)
def test_close(latency_sla, scripted):
    rng = np.random.default_rng(1)
    x = rng.lognormal(np.log(9_800), 0.3, 100_000).tolist()
    y = rng.lognormal(np.log(10_000), 0.3, 100_000).tolist()
    result = latency_sla.compare(scripted(x), scripted(y))
    (t,) = result.thresholds
    assert not t.confident and t.verdict == "pass"
"""
    )
    result = scripted_pytester.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*LatencyInconclusiveWarning: no confident verdict for p50 <= 1x baseline after "
            "n=*+* in 5.0* ms: ratio 0.*x <= 1x, 95% bounds ?*x, *x?; decided by the point "
            "estimates; raise max_time to about * s (a confident verdict needs n >= * at * a pair)"
        ]
    )


def test_junit_properties_of_a_ratio_threshold(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(ms=1)
def test_props(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 5_000), constant(scripted, 10_000))
"""
    )
    scripted_pytester.runpytest("--junitxml=j.xml").assert_outcomes(passed=1)
    properties = [
        (p.get("name"), p.get("value"))
        for p in ET.parse(scripted_pytester.path / "j.xml").iter("property")
    ]
    assert properties == [
        ("latency_percentile", "99.0"),
        ("latency_budget_s", "0.001"),
        ("latency_estimate_s", "5e-06"),
        ("latency_upper_s", "5e-06"),
        ("latency_verdict", "pass"),
        ("latency_n", "598"),
        ("latency_percentile", "50.0"),
        ("latency_ratio", "0.8"),
        ("latency_ratio_against", "baseline"),
        ("latency_ratio_estimate", "0.5"),
        ("latency_ratio_upper", "0.5"),
        ("latency_verdict", "pass"),
        ("latency_n", "598"),
    ]


def test_isolated_comparison_runs_both_in_the_child(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
import os

PARENT = os.getpid()
PIDS = []

def recording(scripted, ns):
    call = constant(scripted, ns)
    def run():
        if not PIDS:
            PIDS.append(os.getpid())
            assert os.getpid() != PARENT, "measured in the parent"
        call()
    return run

@pytest.mark.latency_sla(ratio=0.8, percentile=50, isolate=True)
def test_isolated(latency_sla, scripted):
    result = latency_sla.compare(recording(scripted, 13_100), constant(scripted, 8_400))

@pytest.mark.latency_sla(ratio=0.8, percentile=50, isolate=True)
def test_crash(latency_sla):
    import ctypes
    latency_sla.compare(lambda: ctypes.string_at(0), lambda: None)
"""
    )
    result = scripted_pytester.runpytest("--latency-json=out.json", "-p", "no:faulthandler")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E       Failed: latency ratio missed: p50 candidate/baseline = 1.56x > 0.8x (n=10+10, *",
            "*measured call crashed: SIGSEGV (signal 11)*",
        ]
    )
    results = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    assert results[0]["isolated"] is True and results[0]["thresholds"][0]["verdict"] == "fail"
    assert results[1]["outcome"] == "crashed"


def test_async_candidate_and_baseline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import asyncio
import pytest

async def quick():
    pass

async def slow():
    await asyncio.sleep(0.002)

@pytest.mark.latency_sla(ratio=0.5, percentile=50, max_time=1)
def test_async(latency_sla):
    result = latency_sla.compare(quick, slow)
    assert result.passed and result.candidate.n >= 12
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_hooks_see_a_comparison_and_no_ratio_threshold(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makeconftest(
        scripted_pytester.path.joinpath("conftest.py").read_text()
        + """
SEEN = []

def pytest_latency_sla_threshold(item, threshold):
    SEEN.append(threshold.kind)

def pytest_latency_sla_result(item, result):
    from pytest_latency_sla import ComparisonResult
    assert isinstance(result, ComparisonResult) and result.name == item.nodeid
    SEEN.append("result")
"""
    )
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(ms=1)
def test_hooked(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 5_000), constant(scripted, 10_000))

def test_seen(request):
    from conftest import SEEN
    assert SEEN == ["absolute", "result"]
"""
    )
    scripted_pytester.runpytest().assert_outcomes(passed=2)


def test_scale_leaves_ratios_alone(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_scaled(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 9_000), constant(scripted, 10_000))
    assert result.thresholds[0].budget == 0.8 and not result.passed
"""
    )
    scripted_pytester.runpytest("--latency-scale=2", "--latency-mode=warn").assert_outcomes(
        passed=1, warnings=1
    )


@pytest.mark.parametrize(
    ("marker", "body", "message"),
    [
        (
            "ratio=0.8, ms=5",
            "latency_sla.compare(f, f)",
            "latency_sla(ratio=...) takes no unit: give ratio= or a budget (s=, ms=, us=) in one "
            "marker, and stack a second marker for the other; got ms=5, ratio=0.8",
        ),
        ("ratio=0", "latency_sla.compare(f, f)", "latency_sla(ratio=0): ratio must be a positive*"),
        ("ratio=-1", "latency_sla.compare(f, f)", "latency_sla(ratio=-1): ratio must be*"),
        ("ratio=float('nan')", "latency_sla.compare(f, f)", "latency_sla(ratio=nan): ratio must*"),
        (
            "ratio=1e308, percentile=50",
            "latency_sla.compare(f, f)",
            "latency_sla(ratio=1e+308): ratio must be a positive number, at most 1,000, "
            "candidate / baseline (e.g. ratio=0.8: the candidate at most 0.8x the baseline)",
        ),
        ("ratio=True", "latency_sla.compare(f, f)", "latency_sla(ratio=True): ratio must be*"),
        ("ratio='0.8x'", "latency_sla.compare(f, f)", "latency_sla(ratio='0.8x'): ratio must be*"),
        (
            "ratio=0.8, overkill=10",
            "latency_sla.compare(f, f)",
            "latency_sla(overkill=10): overkill applies to a budget (s=, ms=, us=), not to ratio=",
        ),
        (
            "ratio=0.8, rate=100",
            "latency_sla.compare(f, f)",
            "latency_sla(ratio=...) cannot be combined with rate= or concurrency=*",
        ),
        (
            "ratio=0.8",
            "latency_sla(f)",
            "latency_sla(ratio=...): ratio= needs latency_sla.compare(candidate, baseline, ...), "
            "which measures a candidate against a baseline; latency_sla(fn) times one call",
        ),
        (
            "ratio=0.8",
            "latency_sla.measure(f)",
            "latency_sla(ratio=...): ratio= needs latency_sla.compare(candidate, baseline, ...), "
            "which measures a candidate against a baseline",
        ),
        (
            "ms=5, rate=100",
            "latency_sla.compare(f, f)",
            "latency_sla.compare(...) cannot run under load (rate= or concurrency= on the test's "
            "latency_sla marker)*",
        ),
        (
            "ms=5, concurrency=2",
            "latency_sla.compare(f, f)",
            "latency_sla.compare(...) cannot run under load (rate= or concurrency= on the test's "
            "latency_sla marker)*",
        ),
        (
            "ratio=0.8",
            "latency_sla.compare(f, h)",
            "latency_sla.compare(...): baseline: *generator function*",
        ),
        (
            "ratio=0.8",
            "latency_sla.compare(f, 5)",
            "latency_sla.compare(candidate, baseline, ...) needs two callables to time; baseline "
            "is int 5",
        ),
        (
            "ratio=0.8",
            "latency_sla.compare(None, f)",
            "latency_sla.compare(candidate, baseline, ...) needs two callables to time; "
            "candidate is NoneType None",
        ),
        (
            "ratio=0.8",
            "latency_sla.compare(g(), f)",
            "latency_sla.compare(candidate, baseline, ...): candidate is a coroutine object; *",
        ),
    ],
    ids=[
        "unit",
        "zero",
        "negative",
        "nan",
        "huge",
        "bool",
        "string",
        "overkill",
        "rate",
        "call-not-compare",
        "measure-only",
        "compare-under-load",
        "compare-under-concurrency",
        "generator-function",
        "baseline-not-callable",
        "candidate-none",
        "coroutine-object",
    ],
)
def test_bad_arguments_are_one_line_errors(
    pytester: pytest.Pytester, marker: str, body: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
import pytest

def f():
    pass

async def g():
    pass

def h():
    yield 1

@pytest.mark.latency_sla({marker})
def test_bad(latency_sla):
    {body}

def test_other():
    pass
"""
    )
    result = pytester.runpytest("-W", "error::RuntimeWarning")
    outcomes = result.parseoutcomes()
    assert (
        outcomes.get("passed") == 1 and outcomes.get("failed", 0) + outcomes.get("errors", 0) == 1
    )
    result.stdout.fnmatch_lines([f"*{message}*"])
    assert "Traceback" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()


def test_a_ratio_on_a_marker_only_test_errors_at_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.latency_sla(ratio=0.8)
def test_body():
    pass
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*test_body: latency_sla(ratio=...): ratio= needs latency_sla.compare(candidate, *"]
    )


def test_closest_ratio_wins_per_percentile(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
pytestmark = [pytest.mark.latency_sla(ratio=0.5, percentile=50), pytest.mark.latency_sla(ms=1)]

@pytest.mark.latency_sla(ratio=0.9, percentile=50)
def test_closest(latency_sla, scripted):
    result = latency_sla.compare(constant(scripted, 8_000), constant(scripted, 10_000))
    assert [(t.kind, t.budget) for t in result.thresholds] == [("absolute", 0.001), ("ratio", 0.9)]
"""
    )
    scripted_pytester.runpytest().assert_outcomes(passed=1)


def test_two_ratios_for_one_percentile_on_one_level_are_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(ratio=0.9, percentile=50)
def test_twice(latency_sla):
    pass
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*two latency_sla markers on the same function test_twice set a ratio for p50 (0.9x "
            "and 0.8x)*"
        ]
    )


@pytest.mark.slow
def test_under_xdist_results_and_warnings_reach_the_controller(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_slower(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 13_100), constant(scripted, 8_400))

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_faster(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 4_000), constant(scripted, 8_400))
"""
    )
    result = scripted_pytester.runpytest_subprocess(
        "-n", "2", "--latency-report", "--latency-json=r.json", "--latency-mode=warn"
    )
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines_random(
        [
            "*LatencyMissWarning: latency ratio missed: p50 candidate/baseline = 1.56x > 0.8x*",
            "*test_slower  *p50 <= 0.8x baseline*FAIL",
            "*test_faster  *p50 <= 0.8x baseline*pass",
        ]
    )
    results = json.loads((scripted_pytester.path / "r.json").read_text())["results"]
    assert sorted(r["thresholds"][0]["verdict"] for r in results) == ["fail", "pass"]
    assert all(r["baseline"]["quantiles_s"]["50"] == pytest.approx(8.4e-6) for r in results)


@pytest.mark.slow
def test_real_spins_ten_against_twenty_microseconds(pytester: pytest.Pytester) -> None:
    # real timing, margins so wide that a busy machine cannot flip them: the 10 us spin is
    # half the 20 us one, and the gate asks only for 0.8x at the median
    pytester.makepyfile(
        """
import time
import pytest

def spin(us):
    end = time.perf_counter_ns() + us * 1000
    while time.perf_counter_ns() < end:
        pass

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_faster(latency_sla):
    result = latency_sla.compare(lambda: spin(10), lambda: spin(20))
    (t,) = result.thresholds
    assert t.passed and t.confident
    assert result.candidate.duration_s < 0.5

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_slower(latency_sla):
    latency_sla.compare(lambda: spin(20), lambda: spin(10))
"""
    )
    result = pytester.runpytest("--latency-json=r.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*latency ratio missed: p50 candidate/baseline = *x > 0.8x*"])
    results = json.loads((pytester.path / "r.json").read_text())["results"]
    slower = results[1]
    assert slower["thresholds"][0]["confident"] and slower["thresholds"][0]["verdict"] == "fail"
    assert all(r["duration_s"] < 0.5 for r in results)


def test_markdown_html_and_merged_reports_show_comparisons(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(us=50)
def test_gated(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 4_000), constant(scripted, 8_400))

def test_ungated(latency_sla, scripted):
    latency_sla.compare(constant(scripted, 4_000), constant(scripted, 8_400))
"""
    )
    scripted_pytester.runpytest(
        "--latency-md=r.md", "--latency-html=r.html", "--latency-json=r.json"
    ).assert_outcomes(passed=2)
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert "| p50 &lt;= 0.8x baseline | 0.476x [0.476x, 0.476x] |" in markdown
    assert "| no gate: candidate/baseline | p50 0.476x, p99 0.476x |" in markdown
    assert "2 budgets: 2 met, 0 missed" in markdown
    html = (scripted_pytester.path / "r.html").read_text()
    assert "p50 &lt;= 0.8x baseline" in html and html.count('class="chart"') == 2
    # two shards' reports merged: the comparison rows survive, each test once per file
    from pytest_latency_sla.reports.markdown import render
    from pytest_latency_sla.reports.merge import load_report, merge_reports

    report = load_report(scripted_pytester.path / "r.json")
    merged = merge_reports([("a.json", report), ("b.json", report)])
    assert render(merged).count("p50 &lt;= 0.8x baseline") == 2


def test_an_interrupted_comparison_keeps_its_pairs_so_far(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        HEADER
        + """
import numpy as np

@pytest.mark.latency_sla(ratio=1.0, percentile=50, max_time=1, warmup=5)
def test_interrupted(latency_sla, scripted):
    # the same distribution on both sides: no verdict comes before the interrupt
    rng = np.random.default_rng(3)
    calls = itertools.count(1)
    durations = scripted(rng.lognormal(np.log(10_000), 0.3, 1_000).tolist())
    def candidate():
        if next(calls) == 300:
            raise KeyboardInterrupt
        durations()
    latency_sla.compare(candidate, scripted(rng.lognormal(np.log(10_000), 0.3, 1_000).tolist()))
"""
    )
    result = scripted_pytester.runpytest("--latency-json=out.json", no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    (record,) = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    assert record["outcome"] == "interrupted" and record["stopped"] == "interrupted"
    assert record["thresholds"] == [] and record["n"] > 0
    # 299 candidate calls before the interrupt: 5 to warm up, 294 timed (the pair that the
    # interrupt broke is not kept)
    assert record["candidate"]["warmup"] == 5 and record["n"] in (293, 294)
    assert record["baseline"]["n"] == record["n"]
