"""The plugin end to end, in pytester runs: markers, fixture, marker-only use, verdicts."""

from __future__ import annotations

import pytest


def test_fast_call_passes_with_overkill_warning(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest
        from pytest_latency_sla import LatencyResult

        @pytest.mark.latency_sla(ms=50)
        def test_fast(latency_sla, scripted):
            result = latency_sla(scripted(itertools.repeat(7100)))
            assert isinstance(result, LatencyResult)
            assert result.n == 598 and result.passed
            (t,) = result.thresholds
            assert (t.verdict, t.confident, t.overkill) == ("pass", True, True)
            assert t.estimate == pytest.approx(7.1e-6) and t.margin == pytest.approx(0.05 / 7.1e-6)
        """
    )
    result = scripted_pytester.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*LatencyOverkillWarning: p99 = 7.10 us is 7,042x under the 50 ms budget "
            "(overkill threshold 1,000x): further optimization of this call is wasted effort"
        ]
    )


def test_missed_budget_fails_at_the_call_with_specs_message(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_slow(latency_sla, scripted):
            durations = itertools.cycle([61.2e6, 40.1e6, 80.2e6, 55e6, 70.3e6])
            latency_sla(scripted(durations))
            raise AssertionError("not reached")
        """
    )
    result = scripted_pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            ">       latency_sla(scripted(durations))",
            "E       Failed: latency SLA missed: p99 = 80.2 ms > budget 50 ms (n=10, 95% bounds "
            "[[]80.2 ms, -]; p50 61.2 ms, max 80.2 ms)",
            "E         confident: the 95% lower bound of the p99 is above the budget",
        ]
    )
    result.stdout.no_fnmatch_line("*not reached*")


@pytest.mark.slow
def test_real_slow_call_fails_long_before_max_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time, pytest

        @pytest.mark.latency_sla(ms=1)
        def test_sleep(latency_sla):
            latency_sla(time.sleep, 0.02)
        """
    )
    result = pytester.runpytest("--latency-json=out.json")
    result.assert_outcomes(failed=1)
    # a 20 ms sleep wakes late on a busy machine: the p99 is 20 ms or more, not a fixed figure
    result.stdout.fnmatch_lines(["*latency SLA missed: p99 = * > budget 1 ms (n=10, *"])
    import json

    (record,) = json.loads((pytester.path / "out.json").read_text())["results"]
    # decided at the first look, ten calls in (plus a warm-up of at most 20% of max_time),
    # not sampled until max_time (3 s)
    assert record["n"] == 10 and record["duration_s"] < 3
    assert record["thresholds"][0]["confident"] is True
    assert record["thresholds"][0]["estimate_s"] >= 0.02  # a sleep never ends early


def test_stacked_markers_are_checked_on_the_same_samples(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(us=200, percentile=50)
        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_both(latency_sla, scripted):
            r = latency_sla(scripted(itertools.repeat(100_000)))
            assert [(t.percentile, t.budget, t.verdict) for t in r.thresholds] == [
                (50.0, pytest.approx(200e-6), "pass"), (99.0, pytest.approx(0.05), "pass")]

        @pytest.mark.latency_sla(us=50, percentile=50)
        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_p50_misses(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(100_000)))
        """
    )
    result = scripted_pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*latency SLA missed: p50 = 100 us > budget 50 us (n=10,*",
            "test_*::test_both * p50 <= 200 us *pass",
            "test_*::test_both * p99 <= 50 ms *pass",
            "test_*::test_p50_misses * p50 <= 50 us *FAIL",
            "test_*::test_p50_misses * p99 <= 50 ms *~pass",
        ]
    )


def test_closest_marker_wins(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        pytestmark = pytest.mark.latency_sla(ms=100, percentile=90, overkill=None)

        @pytest.mark.latency_sla(ms=50, max_time=7, overkill=None)
        class TestModel:
            @pytest.mark.latency_sla(ms=20, overkill=None)
            def test_closest(self, latency_sla, scripted):
                r = latency_sla(scripted(itertools.repeat(1000)))
                assert [(t.percentile, t.budget) for t in r.thresholds] == [
                    (90.0, pytest.approx(0.1)), (99.0, pytest.approx(0.02))]

            def test_class(self, latency_sla, scripted):
                r = latency_sla(scripted(itertools.repeat(1000)))
                assert [t.budget for t in r.thresholds] == [pytest.approx(0.1), pytest.approx(0.05)]
        """
    )
    scripted_pytester.runpytest().assert_outcomes(passed=2)


def test_two_markers_at_the_same_level_error_only_that_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(ms=20)
        @pytest.mark.latency_sla(ms=50)
        def test_conflict():
            pass

        def test_other():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_conflict: two latency_sla markers on the same function test_conflict set a "
         "budget for p99 (50 ms and 20 ms)*"]
    )  # fmt: skip


def test_marker_only_runs_the_body_repeatedly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        CALLS = []

        @pytest.fixture
        def setup_once():
            CALLS.append("setup")
            return "value"

        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_body(setup_once):
            assert setup_once == "value"
            CALLS.append("body")

        def test_count():
            assert CALLS.count("setup") == 1
            assert CALLS.count("body") >= 598
        """
    )
    result = pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["test_marker_only_runs_the_body_repeatedly.py::test_body *pass"])


def test_marker_only_async_body_is_awaited_each_call(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        CALLS = []

        @pytest.mark.latency_sla(ms=50, overkill=None)
        async def test_body():
            CALLS.append(1)

        def test_count():
            assert len(CALLS) >= 598
        """
    )
    pytester.runpytest("-p", "no:asyncio").assert_outcomes(passed=2)


def test_measure_samples_3000_calls_without_a_budget(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_measure(latency_sla):
            r = latency_sla.measure(sum, [1, 2, 3])
            assert r.n == 3000 and r.thresholds == () and r.passed
            assert 0 < r.p50 <= r.p90 <= r.p99 <= r.p999 <= r.max
            assert r.samples_ns.dtype.name == "int64"
        """
    )
    result = pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*::test_measure * no budget * 3,000 * -  -"])


def test_exception_from_the_call_propagates_unchanged(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        class Boom(Exception):
            pass

        def explode():
            raise Boom("kaput")

        @pytest.mark.latency_sla(ms=50)
        def test_raises(latency_sla):
            with pytest.raises(Boom, match="kaput"):
                latency_sla(explode)

        @pytest.mark.latency_sla(ms=50)
        def test_unhandled(latency_sla):
            latency_sla(explode)
        """
    )
    result = pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E   *Boom: kaput", "no latency measurements in this session"])


def test_fixture_without_marker_points_to_marker_and_measure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_no_marker(latency_sla):
            latency_sla(print)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*test_no_marker: latency_sla(...) needs a budget: add a marker such as "
         "@pytest.mark.latency_sla(ms=50) to the test, or call latency_sla.measure(fn)*"]
    )  # fmt: skip


def test_marker_and_fixture_but_never_called_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(ms=50)
        def test_forgot(latency_sla):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_forgot: nothing was measured*"])


def test_each_fixture_call_is_its_own_measurement(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=1, overkill=None)
        def test_three(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(1000)))
            latency_sla(scripted(itertools.repeat(2000)))
            latency_sla(scripted(itertools.repeat(5e6)))
        """
    )
    result = scripted_pytester.runpytest("--latency-report")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "test_each_fixture_call_is_its_own_measurement.py::test_three  *pass",
            "test_each_fixture_call_is_its_own_measurement.py::test_three#2 *pass",
            "test_each_fixture_call_is_its_own_measurement.py::test_three#3 *FAIL",
        ]
    )


def test_bad_arguments_error_only_their_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(50)
        def test_positional():
            pass

        @pytest.mark.latency_sla(ms=0)
        def test_zero(latency_sla):
            pass

        @pytest.mark.latency_sla(ms=5, percentile=100)
        def test_percentile():
            pass

        @pytest.mark.latency_sla(ms=5, overkill=0.5)
        def test_overkill():
            pass

        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_good():
            pass
        """
    )
    result = pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=1, errors=4)
    result.stdout.fnmatch_lines_random(
        [
            "*test_positional: latency_sla takes keyword arguments only; got positional 50*",
            "*test_zero: latency_sla(ms=0): the budget must be a positive finite int or float",
            "*test_percentile: latency_sla(percentile=100): percentile must be a number with 0 < p < 100",
            "*test_overkill: latency_sla(overkill=0.5): overkill must be a finite number > 1, or None or 0 for off",
            "*::test_good *pass",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()
    assert "pytest_latency_sla" not in result.stdout.str()  # no traceback into plugin code


def test_inconclusive_verdict_warns_with_what_to_raise(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=1.5, max_time=2, overkill=None)
        def test_on_the_edge(latency_sla, scripted):
            # 0.5% of 1 ms calls take 2 ms: two seconds are too few samples to be sure
            r = latency_sla(scripted(itertools.cycle([2e6] + [1e6] * 199)))
            (t,) = r.thresholds
            assert (t.verdict, t.confident) == ("pass", False)
        """
    )
    result = scripted_pytester.runpytest("--latency-report")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*LatencyInconclusiveWarning: no confident verdict for p99 <= 1.5 ms after n=19* in "
            "2.0* s: estimate 1.00 ms <= budget, 95% bounds [[]1.00 ms, 1.00 ms]; decided by the "
            "point estimate; raise max_time *",
            "*::test_on_the_edge * p99 <= 1.5 ms * ~pass",
        ]
    )


def test_plugin_warnings_become_errors_under_w_error(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_fast(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(1000)))
        """
    )
    result = scripted_pytester.runpytest("-W", "error::pytest_latency_sla.LatencySLAWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*LatencyOverkillWarning: p99 = 1.00 us is 50,000x*"])


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.latency_sla(*, s=|ms=|us=|ratio=, percentile=99*"])
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_strict():
            pass
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_report_table_has_environment_line_and_columns(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_fast(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(7100)))
        """
    )
    result = scripted_pytester.runpytest("--latency-report")
    result.stdout.fnmatch_lines(
        [
            "*= latency SLA report =*",
            "Python 3.*; CPU *; clock *; timer overhead * ns; GC on*",
            "test * threshold * estimate [[]bounds] * p50 * max * n * margin * verdict",
            "test_report_table_has_environment_line_and_columns.py::test_fast  p99 <= 50 ms  "
            "7.10 us [[]7.10 us, 7.10 us]  7.10 us  7.10 us  598  7,042x  pass overkill",
        ]
    )


@pytest.mark.slow
def test_importing_the_plugin_loads_neither_numpy_nor_onnxruntime(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_modules():
            assert "numpy" not in sys.modules
            assert "onnxruntime" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:benchmark",
                                           "-p", "no:hypothesispytest", "-p", "no:xdist")  # fmt: skip
    result.assert_outcomes(passed=1)
