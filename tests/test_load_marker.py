"""The load marker end to end, in pytester runs: bad load arguments, rates and overload on a
scripted clock, marker-only bodies on a schedule, and load runs in an isolated child."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    ("argument", "shown"),
    [
        ("rate=0", "rate=0"),
        ("rate=-5", "rate=-5"),
        ("rate=float('nan')", "rate=nan"),
        ("rate=float('inf')", "rate=inf"),
        ("rate='fast'", "rate='fast'"),
        ("concurrency=0", "concurrency=0"),
        ("concurrency=-2", "concurrency=-2"),
        ("concurrency=2.0", "concurrency=2.0"),
        ("arrivals='burst'", "arrivals='burst'"),
    ],
)
def test_bad_load_arguments_error_only_that_test(
    pytester: pytest.Pytester, argument: str, shown: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.latency_sla(ms=50, {argument})
        def test_bad():
            pass

        def test_other():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*test_bad: latency_sla({shown}): *"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_load_marker_reports_rates_and_fails_fast_above_capacity(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50, rate=1000, max_time=5)
        def test_keeps_up(latency_sla, scripted):
            r = latency_sla(scripted(itertools.repeat(300_000)))
            assert r.n == 5000 and r.passed and r.thresholds[0].confident
            assert r.load == {"rate": 1000.0, "arrivals": "constant", "concurrency": 1,
                "achieved_rate": pytest.approx(1000, rel=0.01), "start_delay_p99_s": 0.0}

        @pytest.mark.latency_sla(ms=50, rate=20_000, max_time=30)
        def test_overloaded(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(100_000)))
        """
    )
    result = scripted_pytester.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       Failed: rate above capacity: target 20,000/s, served 10,000/s",
            "E         the start delay kept growing: * behind schedule after 750 ms *",
            "*::test_keeps_up *p99 <= 50 ms @ 1,000/s (served 1,000/s, start delay p99 0 ns) *pass",
            "*::test_overloaded *p99 <= 50 ms @ 20,000/s (served 10,0*/s, start delay p99 *FAIL",
        ]
    )
    records = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    assert records[1]["load"]["rate"] == 20000 and records[1]["stopped"] == "rate above capacity"
    assert records[1]["duration_s"] < 1


@pytest.mark.slow
def test_marker_only_body_under_load_and_closed_loop_callers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading, pytest
        THREADS = set()

        @pytest.mark.latency_sla(s=1, rate=200, arrivals="poisson", max_time=0.5, overkill=None)
        def test_body_on_a_schedule():
            pass

        @pytest.mark.latency_sla(s=1, concurrency=3, max_time=0.2, overkill=None)
        def test_three_callers():
            THREADS.add(threading.current_thread().name)

        def test_callers_were_threads():
            # the warm-up on the test's own thread, the timed calls on the workers' (a worker
            # that a saturated machine starts only after max_time makes no call)
            workers = {name for name in THREADS if name.startswith("latency-sla-worker-")}
            assert THREADS - workers == {threading.current_thread().name}
            assert workers and workers <= {f"latency-sla-worker-{k}" for k in range(3)}

        @pytest.mark.latency_sla(s=1, rate=100, max_time=0.2)
        def test_measure_on_a_schedule(latency_sla):
            r = latency_sla.measure(sum, [1, 2])
            assert r.thresholds == () and r.load["rate"] == 100
        """
    )
    result = pytester.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*::test_body_on_a_schedule *p99 <= 1 s @ 200/s (served *, start delay p99 *",
            "*::test_three_callers *p99 <= 1 s @ 3 callers (served *",
            "*::test_measure_on_a_schedule *no budget @ 100/s (served *",
        ]
    )
    first, second, _ = json.loads((pytester.path / "out.json").read_text())["results"]
    assert first["load"]["arrivals"] == "poisson" and first["load"]["rate"] == 200
    assert second["load"]["rate"] is None and second["load"]["concurrency"] == 3
    assert second["load"]["start_delay_p99_s"] is None


@pytest.mark.slow
def test_isolated_load_run_measures_on_the_schedule_in_the_child(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, pytest
        PARENT = os.getpid()

        @pytest.mark.latency_sla(s=1, rate=100, max_time=0.5, isolate=True, overkill=None)
        def test_body():
            assert os.getpid() != PARENT
        """
    )
    result = pytester.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(passed=1, warnings=1)  # 50 calls: too few for load bounds
    (record,) = json.loads((pytester.path / "out.json").read_text())["results"]
    assert record["isolated"] is True and record["load"]["rate"] == 100
    assert record["n"] == 50 and record["load"]["start_delay_p99_s"] is not None


@pytest.mark.parametrize("load", ["rate=2000", "concurrency=2"])
def test_plain_function_returning_a_coroutine_is_refused_under_load(
    pytester: pytest.Pytester, load: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        async def fetch():
            return 1

        def wrapper():
            return fetch()

        @pytest.mark.latency_sla(ms=50, max_time=0.2, {load})
        def test_wrapped(latency_sla):
            latency_sla(wrapper)
        """
    )
    result = pytester.runpytest("-W", "error::RuntimeWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*'wrapper' is not an async def function but returned coroutine*"])
    result.stdout.no_fnmatch_line("*was never awaited*")
