"""Numbers at the edges: every setting that passes validation works -- a measurement with it
finishes and its report is written -- and every one that would not is refused in one line
(marker: that test errors at setup; option, ini, environment: a usage error at start)."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.load.schedule import load_plan
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.markers import BadMarkerArgument, MarkerCall, plan_from_markers
from pytest_latency_sla.plan import (
    MAX_CONCURRENCY,
    MAX_RATE,
    MAX_TIME_S,
    MAX_WARMUP,
    MIN_RATE,
    PERCENTILE_EDGE,
    Defaults,
    Plan,
)
from pytest_latency_sla.reports import html, markdown
from pytest_latency_sla.reports.document import build_report
from pytest_latency_sla.reports.table import render_text, rows
from pytest_latency_sla.verdict.measure import findings, run_measurement

# Floats from the whole range, with the edges of every rule drawn often.
floats = st.one_of(
    st.floats(min_value=5e-324, max_value=1.7976931348623157e308),
    st.sampled_from(
        [1e-300, 5e-324, 1e300, 1.7976931348623157e308, PERCENTILE_EDGE, 100 - PERCENTILE_EDGE,
         PERCENTILE_EDGE / 2, 100 - PERCENTILE_EDGE / 2, 99.99999999999999, 1e-14, MAX_TIME_S,
         MAX_TIME_S * (1 + 1e-15), MIN_RATE, MAX_RATE, MAX_RATE * 2, 0.5, 1.0000000001]
    ),
)  # fmt: skip
counts = st.sampled_from([0, 1, 2, MAX_CONCURRENCY, MAX_CONCURRENCY + 1, MAX_WARMUP + 1, 10**400])
edge_kwargs = st.fixed_dictionaries(
    {"ms": floats},
    optional={
        "percentile": floats,
        "overkill": floats,
        "max_time": floats,
        "rate": floats,
        "warmup": counts,
        "concurrency": counts,
    },
)


def _spec(plan: Plan, confidence: float = 0.95) -> MeasureSpec:
    """The spec the pytest edge builds from a plan, capped at a few hundred calls."""
    return MeasureSpec(
        thresholds=plan.thresholds,
        confidence=confidence,
        max_time=plan.max_time,
        warmup=plan.warmup,
        load=load_plan(plan),
        max_samples=300,
    )


def _measure_and_report(plan: Plan, call_ns: int, confidence: float = 0.95) -> None:
    clock = ScriptedClock()
    call = clock.calls(itertools.repeat(call_ns))
    spec = _spec(plan, confidence)
    with clock.installed():
        result = run_measurement(Target(call), spec, "t.py::test_edge")
    assert 1 <= result.n <= 300
    found = findings(result, spec)
    record = result.to_dict()
    record["outcome"] = "passed" if found.miss is None else "failed"
    report = build_report([record], {"mode": "enforce", "exitstatus": 0})
    json.dumps(report, allow_nan=False)
    render_text(rows(report["results"]))
    markdown.render(report)
    html.render(report)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edge_kwargs, st.sampled_from([1, 1_000, 10**9]))
def test_every_setting_a_marker_accepts_measures_and_reports(
    kwargs: dict[str, Any], call_ns: int
) -> None:
    if kwargs.get("warmup", 0) >= MAX_WARMUP or kwargs.get("concurrency", 1) >= MAX_CONCURRENCY:
        kwargs.pop("rate", None)  # a million warm-up calls or 1024 threads: not all at once
    try:
        plan = plan_from_markers([MarkerCall("function t", (), kwargs)], Defaults(), "t")
    except BadMarkerArgument as error:
        assert "\n" not in str(error) and len(str(error)) < 400
        return
    assert plan.max_time <= MAX_TIME_S and (plan.warmup or 0) <= MAX_WARMUP
    assert PERCENTILE_EDGE <= plan.thresholds[0].percentile <= 100 - PERCENTILE_EDGE
    assert plan.rate is None or MIN_RATE <= plan.rate <= MAX_RATE
    assert plan.concurrency <= MAX_CONCURRENCY
    _measure_and_report(plan, call_ns)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=0.5, max_value=1, exclude_min=True, exclude_max=True),
        st.sampled_from([0.9999999999999999, 0.5000000000000001]),
    )
)
def test_every_confidence_the_options_accept_measures(confidence: float) -> None:
    plan = plan_from_markers([MarkerCall("function t", (), {"us": 5})], Defaults(), "t")
    _measure_and_report(plan, 1_000, confidence)
    _measure_and_report(plan, 10_000, confidence)


def test_the_longest_max_time_fits_an_isolated_child_s_deadline() -> None:
    pytest.importorskip("os").fork  # noqa: B018  (isolation needs fork)
    from pytest_latency_sla.engine.isolation import run_isolated

    collected = run_isolated(Target(int), MeasureSpec((), max_time=MAX_TIME_S, max_samples=50))
    assert len(collected.samples_ns) == 50  # type: ignore[union-attr]


# --- the cases as a user meets them --------------------------------------------------------------


def _setup_error(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.latency_sla({marker})
        def test_edge():
            pass

        def test_other():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*::test_edge: latency_sla({message}"])
    text = result.stdout.str()
    assert "OverflowError" not in text and "INTERNALERROR" not in text and "math domain" not in text


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("ms=50, max_time=1e300", "max_time=1e+300): max_time must be a positive number of "
         "seconds, at most 86,400 (a day)"),
        ("ms=50, percentile=1e-300", "percentile=1e-300): percentile must be a number with "
         "0 < p < 100, at least 1e-06 from either end"),
        ("ms=50, percentile=99.99999999999999", "percentile=99.99999999999999): percentile must "
         "be*at least 1e-06 from either end"),
        ("ms=50, rate=1e300", "rate=1e+300): rate must be from 0.001 to 1e+09 calls per second*"),
        ("ms=50, rate=1e-300", "rate=1e-300): rate must be from 0.001 to 1e+09*"),
        ("ms=50, concurrency=10**9", "concurrency=1000000000): concurrency must be an int from 1 "
         "to 1,024 (one thread per worker)"),
        ("ms=50, warmup=10**12", "warmup=1000000000000): warmup must be an int from 0 to "
         "1,000,000*"),
    ],
    ids=["max_time", "percentile-low", "percentile-high", "rate-high", "rate-low", "concurrency",
         "warmup"],
)  # fmt: skip
def test_a_marker_beyond_an_edge_errors_that_test(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    _setup_error(pytester, marker, message)


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (("--latency-max-time=1e300",), "", "--latency-max-time: expected a finite number of "
         "seconds > 0, at most 86,400 (a day), got '1e300'"),
        ((), "latency_max_time = 1e300", "ini latency_max_time: expected a finite number of "
         "seconds > 0, at most 86,400 (a day), got '1e300'"),
        (("--latency-percentile=1e-300",), "", "--latency-percentile: expected a number with "
         "0 < p < 100, at least 1e-06 from either end, got '1e-300'"),
        (("--latency-scale=1e300",), "", "--latency-scale: expected a finite number > 0, at most "
         "1e+06, got '1e300'"),
    ],
    ids=["cli-max-time", "ini-max-time", "cli-percentile", "cli-scale"],
)  # fmt: skip
def test_an_option_beyond_an_edge_is_a_usage_error(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, message: str
) -> None:
    from tests.conftest import INNER_INI

    pytester.makeini(INNER_INI + ini + "\n")
    pytester.makepyfile("def test_never_runs():\n    raise AssertionError\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [f"ERROR: {message}"]


def test_the_environment_variable_is_held_to_the_same_edge(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LATENCY_SLA_SCALE", "1e300")
    pytester.makepyfile("def test_never_runs():\n    raise AssertionError\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: environment variable LATENCY_SLA_SCALE: expected a finite "
                                 "number > 0, at most 1e+06, got '1e300'"])  # fmt: skip


def test_the_largest_budget_still_reports_a_readable_margin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(s=1e300, overkill=None)
        def test_huge(latency_sla):
            latency_sla(int)
        """
    )
    result = pytester.runpytest("--latency-report", "--latency-json=r.json")
    result.assert_outcomes(passed=1)
    row = next(line for line in result.stdout.lines if "::test_huge" in line)
    assert len(row) < 200 and "e+" in row  # the margin in digits, not 300 of them
    (record,) = json.loads((pytester.path / "r.json").read_text())["results"]
    assert record["thresholds"][0]["budget_s"] == 1e300 and math.isfinite(
        record["thresholds"][0]["margin"]
    )
